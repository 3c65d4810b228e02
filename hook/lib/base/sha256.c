#include "config.h"
#include "sha256.h"
#include "util.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SH_HAVE_SHANI 1
/* glibc (2.33+) has already asked the CPU at start-up; reading its answer costs nothing, while each
 * CPUID instruction traps to the hypervisor in a VM (about 3.7 us each on the machines CI runs on). */
#if __has_include(<sys/platform/x86.h>)
#include <sys/platform/x86.h>
#define SH_GLIBC_CPU_FEATURES 1
#else
#include <setjmp.h>
#include <signal.h>
#endif
#endif

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

/* FIPS 180-4 section 6.2.2, one 64-byte block at a time. */
static void blocks_generic(uint32_t st[8], const uint8_t *p, size_t n)
{
	for (; n; n--, p += 64) {
		uint32_t w[64];
		for (int i = 0; i < 16; i++)
			w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
			       p[4 * i + 3];
		for (int i = 16; i < 64; i++) {
			uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
			uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
			w[i] = w[i - 16] + s0 + w[i - 7] + s1;
		}
		uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
		uint32_t e = st[4], f = st[5], g = st[6], h = st[7];
		for (int i = 0; i < 64; i++) {
			uint32_t t1 = h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
			uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
			h = g;
			g = f;
			f = e;
			e = d + t1;
			d = c;
			c = b;
			b = a;
			a = t1 + t2;
		}
		st[0] += a;
		st[1] += b;
		st[2] += c;
		st[3] += d;
		st[4] += e;
		st[5] += f;
		st[6] += g;
		st[7] += h;
	}
}

#ifdef SH_HAVE_SHANI
/*
 * The same compression with the x86 SHA extensions (Intel's "SHA Extensions" paper): the state
 * lives in two registers as ABEF and CDGH, sha256rnds2 does two rounds, sha256msg1/msg2 extend
 * the message schedule four words at a time. About 15 times faster than blocks_generic here;
 * tests/test_cache.c checks both against the FIPS vectors and each other.
 */
__attribute__((target("sha,sse4.1,ssse3"))) static void blocks_shani(uint32_t st[8], const uint8_t *p, size_t n)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
	__m128i t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&st[0]), 0xB1); /* B A D C */
	__m128i s1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&st[4]), 0x1B); /* H G F E */
	__m128i s0 = _mm_alignr_epi8(t, s1, 8);	/* ABEF */
	s1 = _mm_blend_epi16(s1, t, 0xF0);	/* CDGH */
	for (; n; n--, p += 64) {
		__m128i abef = s0, cdgh = s1, w[4];
		for (int i = 0; i < 16; i++) {
			__m128i m;
			if (i < 4) {
				m = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), bswap);
			} else {
				/* W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16], four at a time */
				m = _mm_sha256msg1_epu32(w[i & 3], w[(i + 1) & 3]);
				m = _mm_add_epi32(m, _mm_alignr_epi8(w[(i + 3) & 3], w[(i + 2) & 3], 4));
				m = _mm_sha256msg2_epu32(m, w[(i + 3) & 3]);
			}
			w[i & 3] = m;
			__m128i k = _mm_add_epi32(m, _mm_loadu_si128((const __m128i *)&K[4 * i]));
			s1 = _mm_sha256rnds2_epu32(s1, s0, k);
			s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(k, 0x0E));
		}
		s0 = _mm_add_epi32(s0, abef);
		s1 = _mm_add_epi32(s1, cdgh);
	}
	t = _mm_shuffle_epi32(s0, 0x1B);	/* F E B A -> A B E F lanes */
	s1 = _mm_shuffle_epi32(s1, 0xB1);
	_mm_storeu_si128((__m128i *)&st[0], _mm_blend_epi16(t, s1, 0xF0));
	_mm_storeu_si128((__m128i *)&st[4], _mm_alignr_epi8(s1, t, 8));
}

#ifndef SH_GLIBC_CPU_FEATURES
static sigjmp_buf probe_env;

static void probe_sigill(int sig)
{
	(void)sig;
	siglongjmp(probe_env, 1);
}
#endif

static bool cpu_has_shani(void)
{
#ifdef SH_GLIBC_CPU_FEATURES
	return CPU_FEATURE_ACTIVE(SHA) && CPU_FEATURE_ACTIVE(SSE4_1) && CPU_FEATURE_ACTIVE(SSSE3);
#else
	/* musl keeps no record of the CPU's features, and asking (two CPUIDs) would cost two traps to
	 * the hypervisor, 4.2 us each here, in every hook and loader run. Instead compress one block
	 * with blocks_shani: a CPU without the SHA extensions (or SSSE3/SSE4.1) raises SIGILL at its
	 * first such instruction and the handler jumps back here. SIGILL is unblocked for the probe, as
	 * a blocked fault signal would kill the process instead. Four cheap syscalls, no trap. */
	struct sigaction sa = { .sa_handler = probe_sigill, .sa_flags = SA_NODEFER }, old_sa;
	sigset_t ill, old_mask;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&ill);
	sigaddset(&ill, SIGILL);
	if (sigprocmask(SIG_UNBLOCK, &ill, &old_mask) < 0)
		return false;
	volatile bool ok = false;
	if (sigaction(SIGILL, &sa, &old_sa) == 0) {
		if (sigsetjmp(probe_env, 0) == 0) {
			uint32_t st[8] = { 0 };
			static const uint8_t block[64];
			blocks_shani(st, block, 1);
			/* The result must exist, so the compiler cannot drop the instructions. */
			__asm__ volatile("" : : "r"(st[0]), "r"(st[7]));
			ok = true;
		}
		sigaction(SIGILL, &old_sa, NULL);
	}
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	return ok;
#endif
}
#endif

typedef void blocks_fn(uint32_t st[8], const uint8_t *p, size_t n);

/* Every implementation this build has, fastest last; `usable` says whether this CPU runs it. */
static const struct impl {
	const char *name;
	blocks_fn *fn;
	bool (*usable)(void);
} impls[] = {
	{ "generic", blocks_generic, NULL },
#ifdef SH_HAVE_SHANI
	{ "sha-ni", blocks_shani, cpu_has_shani },
#endif
};

static const struct impl *current;

static const struct impl *best(void)
{
	size_t i = SH_ARRAY_SIZE(impls);
	while (--i && !impls[i].usable())
		;
	return &impls[i];
}

static blocks_fn *blocks_in_use(void)
{
	if (!current)
		current = best();
	return current->fn;
}

bool sh_sha256_use(const char *impl)
{
	if (strcmp(impl, "auto") == 0) {
		current = best();
		return true;
	}
	for (size_t i = 0; i < SH_ARRAY_SIZE(impls); i++)
		if (strcmp(impl, impls[i].name) == 0 && (!impls[i].usable || impls[i].usable())) {
			current = &impls[i];
			return true;
		}
	return false;
}

const char *sh_sha256_impl(void)
{
	blocks_in_use();
	return current->name;
}

void sh_sha256_init(sh_sha256 *s)
{
	static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	memcpy(s->h, iv, sizeof(iv));
	s->len = 0;
	s->nbuf = 0;
}

void sh_sha256_update(sh_sha256 *s, const void *data, size_t len)
{
	const uint8_t *p = data;
	s->len += len;
	if (s->nbuf) {
		size_t n = 64 - s->nbuf < len ? 64 - s->nbuf : len;
		memcpy(s->buf + s->nbuf, p, n);
		s->nbuf += n;
		p += n;
		len -= n;
		if (s->nbuf < 64)
			return;
		blocks_in_use()(s->h, s->buf, 1);
		s->nbuf = 0;
	}
	if (len >= 64) {
		blocks_in_use()(s->h, p, len / 64);
		p += len & ~(size_t)63;
		len &= 63;
	}
	memcpy(s->buf, p, len);
	s->nbuf = len;
}

void sh_sha256_final(sh_sha256 *s, uint8_t out[32])
{
	uint64_t bits = s->len * 8;
	uint8_t pad[72] = { 0x80 };
	size_t padlen = (s->nbuf < 56 ? 56 : 120) - s->nbuf;
	for (int i = 0; i < 8; i++)
		pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
	sh_sha256_update(s, pad, padlen + 8);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(s->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)s->h[i];
	}
}
void sh_hex(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = 0;
}

void sh_sha256_hex(const void *data, size_t len, char out[65])
{
	sh_sha256 s;
	uint8_t d[32];
	sh_sha256_init(&s);
	sh_sha256_update(&s, data, len);
	sh_sha256_final(&s, d);
	sh_hex(d, 32, out);
}

bool sh_sha256_hex_valid(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");
	return n == 64 && s[n] == '\0';
}

/* RFC 2104 with SHA-256; keys up to one block (the seal's is 32 bytes) are used as they are. */
void sh_hmac_init(sh_hmac *m, const uint8_t *key, size_t keylen)
{
	uint8_t ipad[64];
	memset(m->opad, 0, sizeof m->opad);
	if (keylen > sizeof m->opad) {
		sh_sha256_init(&m->s);
		sh_sha256_update(&m->s, key, keylen);
		sh_sha256_final(&m->s, m->opad);
	} else {
		memcpy(m->opad, key, keylen);
	}
	for (size_t i = 0; i < sizeof ipad; i++) {
		ipad[i] = m->opad[i] ^ 0x36;
		m->opad[i] ^= 0x5c;
	}
	sh_sha256_init(&m->s);
	sh_sha256_update(&m->s, ipad, sizeof ipad);
}

void sh_hmac_update(sh_hmac *m, const void *data, size_t len)
{
	sh_sha256_update(&m->s, data, len);
}

void sh_hmac_final(sh_hmac *m, uint8_t out[32])
{
	uint8_t inner[32];
	sh_sha256_final(&m->s, inner);
	sh_sha256_init(&m->s);
	sh_sha256_update(&m->s, m->opad, sizeof m->opad);
	sh_sha256_update(&m->s, inner, sizeof inner);
	sh_sha256_final(&m->s, out);
}

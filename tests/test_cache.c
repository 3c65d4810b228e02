/* SHA-256 and the content-addressed filter cache: hits are verified, corrupt or truncated entries
 * are rebuilt, concurrent writers leave one consistent entry. */
#include "config.h"

#include <criterion/criterion.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cache.h"
#include "sha256.h"
#include "util.h"

/* Known vectors (FIPS 180-4 examples, the million-'a' message) under one implementation. */
static void check_vectors(const char *impl)
{
	cr_assert(sh_sha256_use(impl), "%s not available", impl);
	cr_assert_str_eq(sh_sha256_impl(), impl);
	char h[65];
	sh_sha256_hex("", 0, h);
	cr_assert_str_eq(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sh_sha256_hex("abc", 3, h);
	cr_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	sh_sha256_hex(m, strlen(m), h);
	cr_assert_str_eq(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	const char *m2 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
			 "mnopqrstnopqrstu";
	sh_sha256_hex(m2, strlen(m2), h);
	cr_assert_str_eq(h, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
	/* Fed in odd-sized pieces across block boundaries gives the same digest. */
	sh_sha256 s;
	uint8_t d[32];
	sh_sha256_init(&s);
	for (size_t i = 0; i < strlen(m); i += 7)
		sh_sha256_update(&s, m + i, strlen(m) - i < 7 ? strlen(m) - i : 7);
	sh_sha256_final(&s, d);
	sh_hex(d, 32, h);
	cr_assert_str_eq(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	char *a = malloc(1000000);
	memset(a, 'a', 1000000);
	sh_sha256_hex(a, 1000000, h);
	cr_assert_str_eq(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(a);
	sh_sha256_use("auto");
}

/* What CPUID says about the SHA extensions, asked here directly: the oracle for the dispatch. (Not
 * /proc/cpuinfo: under valgrind the program sees valgrind's CPU, which has no SHA extensions.) */
static bool cpuid_has_sha(void)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned a, b, c, d;
	if (__get_cpuid_max(0, NULL) < 7)
		return false;
	__cpuid_count(7, 0, a, b, c, d);
	return (b & bit_SHA) && __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_1) && (c & bit_SSSE3);
#else
	return false;
#endif
}

Test(sha256, known_vectors_generic)
{
	check_vectors("generic");
}

/* The machines CI runs on have the SHA extensions: there the fast path must be picked and correct. */
Test(sha256, known_vectors_sha_ni)
{
	bool has = cpuid_has_sha();
	cr_assert_eq(sh_sha256_use("sha-ni"), has, "CPUID says SHA extensions %s but sha-ni %s", has ? "present" : "absent",
		     has ? "unavailable" : "available");
	sh_sha256_use("auto");
	cr_assert_str_eq(sh_sha256_impl(), has ? "sha-ni" : "generic");
	if (has)
		check_vectors("sha-ni");
}

/* Every implementation agrees with coreutils' sha256sum on random data of every length up to a few
 * blocks, fed whole and in random pieces. One sha256sum run for all files (the test also runs under
 * valgrind, which traces children). */
Test(sha256, agrees_with_sha256sum)
{
	const char *impls[] = { "generic", "sha-ni" };
	char dir[] = "/tmp/sh-sha-test.XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	enum { MAXLEN = 700 };
	static uint8_t data[MAXLEN + 1][MAXLEN];
	size_t lens[MAXLEN + 1], n = 0;
	srand(12345);
	for (size_t len = 0; len <= MAXLEN; len += len < 200 ? 1 : 37) {
		for (size_t i = 0; i < len; i++)
			data[n][i] = (uint8_t)rand();
		char path[64];
		snprintf(path, sizeof(path), "%s/%zu", dir, len);
		FILE *f = fopen(path, "w");
		cr_assert_not_null(f);
		cr_assert_eq(fwrite(data[n], 1, len, f), len);
		fclose(f);
		lens[n++] = len;
	}
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "cd %s && sha256sum *", dir);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	char want[65], name[32];
	size_t checked = 0;
	while (fscanf(p, "%64s %31s", want, name) == 2) {
		size_t len = strtoul(name, NULL, 10), k = 0;
		while (k < n && lens[k] != len)
			k++;
		cr_assert_lt(k, n, "sha256sum named an unknown file %s", name);
		for (size_t m = 0; m < 2; m++) {
			if (!sh_sha256_use(impls[m]))
				continue; /* known_vectors_sha_ni fails where the CPU has it but it is missing */
			char h[65];
			sh_sha256_hex(data[k], len, h);
			cr_assert_str_eq(h, want, "%s, %zu bytes", impls[m], len);
			sh_sha256 s;
			uint8_t d[32];
			sh_sha256_init(&s);
			for (size_t i = 0; i < len;) {
				size_t c = (size_t)rand() % 150;
				c = c > len - i ? len - i : c;
				sh_sha256_update(&s, data[k] + i, c);
				i += c;
			}
			sh_sha256_final(&s, d);
			sh_hex(d, 32, h);
			cr_assert_str_eq(h, want, "%s in pieces, %zu bytes", impls[m], len);
		}
		checked++;
	}
	cr_assert_eq(pclose(p), 0);
	cr_assert_eq(checked, n, "sha256sum hashed %zu of %zu files", checked, n);
	sh_sha256_use("auto");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

/* RFC 4231's cases 1, 2 and 6 (a key longer than a block), whole and fed one byte at a time. */
Test(hmac, rfc4231_vectors)
{
	static uint8_t k1[20], k6[131];
	memset(k1, 0x0b, sizeof k1);
	memset(k6, 0xaa, sizeof k6);
	static const struct {
		const uint8_t *key;
		size_t keylen;
		const char *data, *mac;
	} rows[] = {
		{ k1, sizeof k1, "Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
		{ (const uint8_t *)"Jefe", 4, "what do ya want for nothing?",
		  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
		{ k6, sizeof k6, "Test Using Larger Than Block-Size Key - Hash Key First",
		  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
	};
	for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
		uint8_t mac[32];
		char hex[65];
		sh_hmac m;
		sh_hmac_init(&m, rows[r].key, rows[r].keylen);
		sh_hmac_update(&m, rows[r].data, strlen(rows[r].data));
		sh_hmac_final(&m, mac);
		sh_hex(mac, sizeof mac, hex);
		cr_assert_str_eq(hex, rows[r].mac, "case %zu whole", r);
		sh_hmac_init(&m, rows[r].key, rows[r].keylen);
		for (const char *c = rows[r].data; *c; c++)
			sh_hmac_update(&m, c, 1);
		sh_hmac_final(&m, mac);
		sh_hex(mac, sizeof mac, hex);
		cr_assert_str_eq(hex, rows[r].mac, "case %zu in pieces", r);
	}
}

static char *tmpdir(void)
{
	char *t = sh_xstrdup("/tmp/sh-cache-test.XXXXXX");
	cr_assert_not_null(mkdtemp(t));
	return t;
}

static sh_bpf program(uint32_t ret)
{
	sh_bpf b = { .len = 2 };
	b.insns = sh_xcalloc(2, sizeof(struct sock_filter));
	b.insns[0] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0);
	b.insns[1] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, ret);
	return b;
}

static const char *const key = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

Test(cache, miss_store_hit)
{
	cleanup_free char *dir = tmpdir();
	sh_cache_entry e = { 0 };
	sh_error *err = NULL;
	cr_assert_eq(sh_cache_lookup(dir, key, &e, &err), 0);
	sh_bpf b = program(SECCOMP_RET_ALLOW);
	cr_assert_eq(sh_cache_store(dir, key, &b, 5, &e, &err), 0, "%s", err ? err->msg : "");
	char want[65];
	sh_sha256_hex(b.insns, 16, want);
	cr_assert_str_eq(e.digest, want);
	struct stat st;
	cr_assert_eq(stat(e.path, &st), 0);
	cr_assert_eq(st.st_size, 16);
	cr_assert_eq(st.st_mode & 0777, 0444);
	cr_assert_eq(e.len, 16);
	cr_assert_eq(memcmp(e.data, b.insns, 16), 0, "a store hands back the program's bytes");
	sh_cache_entry_free(&e);
	cr_assert_eq(sh_cache_lookup(dir, key, &e, &err), 1);
	cr_assert_str_eq(e.digest, want);
	cr_assert_eq(e.flags, 5, "the flags stored with the key come back on a hit");
	cr_assert_eq(e.len, 16);
	cr_assert_eq(memcmp(e.data, b.insns, 16), 0, "a hit hands back the bytes it verified");
	sh_cache_entry_free(&e);
	sh_bpf_free(&b);
}

/* The flags are part of the entry: without them (or with garbage) the key is a miss, never a hit with
 * guessed flags. */
Test(cache, missing_or_bad_flags_are_a_miss)
{
	const char *bad[] = { NULL, "", "x", "4x", "-1", "99999999999" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cleanup_free char *dir = tmpdir();
		sh_cache_entry e = { 0 };
		sh_error *err = NULL;
		sh_bpf b = program(SECCOMP_RET_ALLOW);
		cr_assert_eq(sh_cache_store(dir, key, &b, 4, &e, &err), 0);
		sh_cache_entry_free(&e);
		cleanup_free char *fl = sh_xasprintf("%s/keys/%s.flags", dir, key);
		cr_assert_eq(unlink(fl), 0);
		if (bad[i] && bad[i][0])
			cr_assert_eq(symlink(bad[i], fl), 0);
		cr_assert_eq(sh_cache_lookup(dir, key, &e, &err), 0, "flags '%s' must be a miss", bad[i] ? bad[i] : "(none)");
		cr_assert_eq(sh_cache_store(dir, key, &b, 4, &e, &err), 0);
		sh_cache_entry_free(&e);
		cr_assert_eq(sh_cache_lookup(dir, key, &e, &err), 1, "rewritten entry is a hit");
		cr_assert_eq(e.flags, 4);
		sh_cache_entry_free(&e);
		sh_bpf_free(&b);
	}
}

static void damage(const char *path, bool truncate_it)
{
	chmod(path, 0644);
	int fd = open(path, O_WRONLY);
	cr_assert_geq(fd, 0);
	if (truncate_it)
		cr_assert_eq(ftruncate(fd, 8), 0);
	else
		cr_assert_eq(pwrite(fd, "\xff", 1, 9), 1);
	close(fd);
}

Test(cache, corrupt_and_truncated_entries_are_not_used)
{
	for (int mode = 0; mode < 2; mode++) {
		cleanup_free char *dir = tmpdir();
		sh_cache_entry e = { 0 };
		sh_error *err = NULL;
		sh_bpf b = program(SECCOMP_RET_KILL_PROCESS);
		cr_assert_eq(sh_cache_store(dir, key, &b, 5, &e, &err), 0);
		damage(e.path, mode == 1);
		sh_cache_entry_free(&e);
		cr_assert_eq(sh_cache_lookup(dir, key, &e, &err), 0, "damaged entry must be a miss");
		cr_assert_eq(sh_cache_store(dir, key, &b, 5, &e, &err), 0);
		sh_cache_entry_free(&e);
		cr_assert_eq(sh_cache_lookup(dir, key, &e, &err), 1, "rebuilt entry is a hit again");
		sh_cache_entry_free(&e);
		sh_bpf_free(&b);
	}
}

/* A canonical form belongs to the text whose digest it is stored under, and to no other. */
Test(cache, a_canonical_form_is_found_by_its_texts_digest)
{
	cleanup_free char *dir = tmpdir();
	const char *text = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"errnoRet\":0}", *canonical = "{\"defaultAction\":\"SCMP_ACT_ERRNO\"}";
	char d1[65], d2[65];
	sh_sha256_hex(text, strlen(text), d1);
	sh_sha256_hex("{}", 2, d2);
	sh_error *err = NULL;
	char *got = NULL;
	size_t len = 0;
	cr_assert_eq(sh_cache_lookup_canonical(dir, d1, &got, &len, &err), 0, "a miss before it is stored");
	cr_assert_eq(sh_cache_store_canonical(dir, d1, canonical, strlen(canonical), &err), 0);
	cr_assert_eq(sh_cache_lookup_canonical(dir, d2, &got, &len, &err), 0, "another text's digest finds nothing");
	cr_assert_eq(sh_cache_lookup_canonical(dir, d1, &got, &len, &err), 1);
	cr_expect_eq(len, strlen(canonical));
	cr_expect_eq(memcmp(got, canonical, len), 0);
	free(got);
}

Test(cache, concurrent_writers_agree)
{
	cleanup_free char *dir = tmpdir();
	pid_t pids[16];
	for (int i = 0; i < 16; i++) {
		pids[i] = fork();
		cr_assert_geq(pids[i], 0);
		if (pids[i] == 0) {
			sh_cache_entry e = { 0 };
			sh_error *err = NULL;
			sh_bpf b = program(SECCOMP_RET_ERRNO | 1);
			for (int k = 0; k < 50; k++)
				if (sh_cache_store(dir, key, &b, 5, &e, &err) < 0)
					_exit(1);
				else
					sh_cache_entry_free(&e);
			_exit(0);
		}
	}
	for (int i = 0; i < 16; i++) {
		int st;
		cr_assert_eq(waitpid(pids[i], &st, 0), pids[i]);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	sh_cache_entry e = { 0 };
	sh_error *err = NULL;
	cr_assert_eq(sh_cache_lookup(dir, key, &e, &err), 1);
	sh_cache_entry_free(&e);
	/* No temporary files are left behind. */
	cleanup_free char *cmd = sh_xasprintf("find %s -name '*.tmp*' | grep -q .", dir);
	cr_assert_neq(system(cmd), 0, "temporary files left in the cache");
}

Test(cache, unwritable_directory_fails)
{
	sh_cache_entry e = { 0 };
	sh_error *err = NULL;
	sh_bpf b = program(SECCOMP_RET_ALLOW);
	cr_assert_lt(sh_cache_store("/proc/self/no-such-cache", key, &b, 0, &e, &err), 0);
	cr_assert_not_null(err);
	cr_assert_eq(err->status, SH_EXIT_SYSTEM);
	sh_error_free(err);
	sh_bpf_free(&b);
}

/* The encoding runtime mode hands crun its program in: RFC 4648's test vectors, padding included. */
Test(base64, rfc4648_vectors)
{
	const char *in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	const char *want[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		char *got = sh_base64(in[i], strlen(in[i]));
		cr_assert_str_eq(got, want[i], "base64(\"%s\")", in[i]);
		free(got);
	}
	const unsigned char bytes[] = { 0x00, 0xff, 0xfe, 0x80, 0x7f };
	char *got = sh_base64(bytes, sizeof(bytes));
	cr_assert_str_eq(got, "AP/+gH8=");
	free(got);
}

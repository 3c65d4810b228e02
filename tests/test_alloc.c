/* The musl hook's allocator (hook/musl/alloc.c), compiled here under other names so it runs beside the
 * test binary's own malloc: contents survive any mix of malloc/realloc/free, blocks are 16-byte
 * aligned and never overlap, freed blocks are reused, a double or foreign free aborts. */
#include "config.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdint.h>

#define SH_ALLOC_NAME(name) sh_test_##name
#include "../hook/musl/alloc.c"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Sizes as a hook run asks for them: mostly small, some up to a few KiB, a few over the largest
 * class (a mapping of their own), and zero. */
static size_t random_size(void)
{
	uint64_t r = next_rand() % 100;
	if (r < 2)
		return 0;
	if (r < 70)
		return 1 + next_rand() % 64;
	if (r < 95)
		return 1 + next_rand() % 4096;
	return CLASS_MAX - 64 + next_rand() % (CLASS_MAX / 2);
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed * 131 + i);
}

static void check_fill(const unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(seed * 131 + i))
			cr_assert_fail("block %u: byte %zu of %zu overwritten", seed, i, n);
}

enum { SLOTS = 512, OPS = 40000 };

Test(alloc, random_mix_keeps_contents_aligned_and_disjoint)
{
	unsigned char *p[SLOTS] = { 0 };
	size_t n[SLOTS] = { 0 };
	unsigned seed[SLOTS] = { 0 };
	for (unsigned op = 0; op < OPS; op++) {
		unsigned s = (unsigned)(next_rand() % SLOTS);
		if (p[s] != NULL)
			check_fill(p[s], n[s], seed[s]);
		switch (next_rand() % 3) {
		case 0: /* free (and maybe allocate anew) */
			sh_test_free(p[s]);
			p[s] = NULL;
			n[s] = 0;
			if (next_rand() % 2)
				break;
			/* fall through */
		case 1:
			if (p[s] == NULL) {
				n[s] = random_size();
				p[s] = next_rand() % 4 ? sh_test_malloc(n[s]) : sh_test_calloc(1, n[s]);
				cr_assert_not_null(p[s]);
				seed[s] = op;
				fill(p[s], n[s], op);
				break;
			}
			/* fall through */
		default: { /* realloc: the old contents, up to the smaller size, move along */
			size_t m = random_size();
			unsigned char *q = sh_test_realloc(p[s], m);
			cr_assert_not_null(q);
			check_fill(q, m < n[s] ? m : n[s], seed[s]);
			p[s] = q;
			n[s] = m;
			seed[s] = op;
			fill(q, m, op);
		}
		}
		if (p[s] != NULL) {
			cr_assert_eq((uintptr_t)p[s] % 16, 0, "block not 16-byte aligned");
			cr_assert_geq(sh_test_malloc_usable_size(p[s]), n[s]);
		}
	}
	/* Every live block still holds what was written: no two blocks overlap. */
	for (unsigned s = 0; s < SLOTS; s++)
		if (p[s] != NULL) {
			check_fill(p[s], n[s], seed[s]);
			sh_test_free(p[s]);
		}
}

Test(alloc, freed_blocks_are_reused)
{
	void *a = sh_test_malloc(100);
	sh_test_free(a);
	cr_assert_eq(sh_test_malloc(90), a, "a freed block of the same class is handed out again");
	void *big = sh_test_malloc(CLASS_MAX + 1);
	cr_assert_not_null(big);
	cr_assert_eq(((struct hdr *)((char *)big - HDR))->cls, MAPPED);
	sh_test_free(big);
	sh_test_free(a);
}

Test(alloc, calloc_zeroes_reused_blocks_and_rejects_overflow)
{
	unsigned char *a = sh_test_malloc(200);
	memset(a, 0xa5, 200);
	sh_test_free(a);
	unsigned char *b = sh_test_calloc(10, 20);
	cr_assert_eq(b, a);
	for (int i = 0; i < 200; i++)
		cr_assert_eq(b[i], 0);
	sh_test_free(b);
	size_t big = CLASS_MAX * 3;
	unsigned char *c = sh_test_calloc(1, big); /* a fresh mapping, not memset */
	cr_assert_not_null(c);
	for (size_t i = 0; i < big; i += 4093)
		cr_assert_eq(c[i], 0);
	sh_test_free(c);
	errno = 0;
	cr_assert_null(sh_test_calloc(SIZE_MAX / 2, 3));
	cr_assert_eq(errno, ENOMEM);
	cr_assert_null(sh_test_malloc(SIZE_MAX - 8));
	cr_assert_eq(errno, ENOMEM);
}

Test(alloc, aligned_allocations)
{
	for (size_t align = sizeof(void *); align <= 65536; align *= 2) {
		void *p = NULL;
		cr_assert_eq(sh_test_posix_memalign(&p, align, 1000), 0);
		cr_assert_eq((uintptr_t)p % align, 0, "alignment %zu", align);
		fill(p, 1000, (unsigned)align);
		check_fill(p, 1000, (unsigned)align);
		cr_assert_geq(sh_test_malloc_usable_size(p), 1000);
		sh_test_free(p);
	}
	void *p = NULL;
	cr_assert_eq(sh_test_posix_memalign(&p, 24, 10), EINVAL);
	cr_assert_eq(sh_test_posix_memalign(&p, 4, 10), EINVAL);
	void *q = sh_test_aligned_alloc(4096, 10);
	cr_assert_eq((uintptr_t)q % 4096, 0);
	sh_test_free(q);
}

Test(alloc, big_block_shrunk_small_moves_to_a_class)
{
	unsigned char *p = sh_test_malloc(CLASS_MAX * 2);
	fill(p, 100, 7);
	unsigned char *q = sh_test_realloc(p, 100);
	cr_assert_neq(q, p, "a mapping is not kept for 100 bytes");
	check_fill(q, 100, 7);
	cr_assert_neq(((struct hdr *)((char *)q - HDR))->cls, MAPPED);
	sh_test_free(q);
}

Test(alloc, double_free_aborts, .signal = SIGABRT)
{
	void *p = sh_test_malloc(32);
	sh_test_free(p);
	sh_test_free(p);
}

Test(alloc, foreign_pointer_aborts, .signal = SIGABRT)
{
	char *p = malloc(64); /* the test binary's own malloc, not this allocator */
	memset(p, 0, 64);
	sh_test_free(p + 32);
}

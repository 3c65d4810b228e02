/* The allocator of the musl-linked seccomp-hook (linked only there; the glibc builds, and so the
 * sanitizer and valgrind runs, keep their libc's).
 *
 * Why: a hook run is a short-lived process that allocates a few hundred small blocks and exits.
 * musl's mallocng maps a fresh group for each size class and unmaps it again as soon as it is
 * empty: a warm precreate made 16 mmap and 15 munmap calls, each munmap a VMA split and a TLB
 * flush, plus their page faults, about 150 us of a 450 us run (posix_spawn'd, 1,000 runs). Here
 * blocks are carved from 1 MiB mappings, the first made on the first allocation (a warm precreate
 * needs no other); freed blocks go onto a free list per power-of-two size class and are reused,
 * never unmapped. Blocks over 128 KiB get a mapping of their own, unmapped on free.
 *
 * Not an arena in .bss: a .bss larger than what is left of the data segment's last page makes exec
 * map a zero-fill segment of its own, which cost a spawned static program about 10 us a run here
 * (64 KiB to 1 MiB alike, 300 paired runs); one mmap and its first touched page cost 4.5 us, and the
 * hook's remaining .bss (3 KiB) fits in that page.
 *
 * Every block carries a 16-byte header; free() and realloc() check it and abort on a pointer this
 * allocator did not hand out or already freed (heap corruption must stop the hook, not let it go
 * on to write a container's config). One lock makes it safe should a thread ever allocate.
 *
 * tests/test_alloc.c compiles this file with SH_ALLOC_NAME renaming the functions. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef SH_ALLOC_NAME
#define SH_ALLOC_NAME(name) name
#endif

void *SH_ALLOC_NAME(malloc)(size_t n);
void *SH_ALLOC_NAME(calloc)(size_t count, size_t size);
void *SH_ALLOC_NAME(realloc)(void *p, size_t n);
void SH_ALLOC_NAME(free)(void *p);
void *SH_ALLOC_NAME(aligned_alloc)(size_t align, size_t n);
int SH_ALLOC_NAME(posix_memalign)(void **out, size_t align, size_t n);
void *SH_ALLOC_NAME(memalign)(size_t align, size_t n);
size_t SH_ALLOC_NAME(malloc_usable_size)(void *p);

enum {
	MIN_SHIFT = 4,  /* smallest class: 16 bytes */
	NCLASS = 14,    /* 16 B .. 128 KiB */
	MAPPED = 0xffff, /* cls of a block with a mapping of its own */
	HDR = 16,
	REGION_SIZE = 1 << 20,
};
#define CLASS_MAX ((size_t)1 << (MIN_SHIFT + NCLASS - 1))
#define MAGIC_USED 0x5ec0a11cu
#define MAGIC_FREE 0xf4eeb10cu

struct hdr {
	uint32_t magic;
	uint32_t cls;   /* size class, or MAPPED */
	uint32_t off;   /* MAPPED: bytes from the mapping's start to the user pointer */
	uint32_t pages; /* MAPPED: length of the mapping in pages */
};
_Static_assert(sizeof(struct hdr) == HDR, "header keeps blocks 16-byte aligned");

struct free_block {
	struct free_block *next;
};

static char *sh_alloc_arena, *end; /* the current region's unused part; the name marks this allocator in nm */
static struct free_block *free_list[NCLASS];
static volatile char lock_flag;

static void lock(void)
{
	while (__atomic_test_and_set(&lock_flag, __ATOMIC_ACQUIRE))
		;
}

static void unlock(void)
{
	__atomic_clear(&lock_flag, __ATOMIC_RELEASE);
}

static struct hdr *header(void *p)
{
	struct hdr *h = (struct hdr *)((char *)p - HDR);
	if (h->magic != MAGIC_USED || (h->cls >= NCLASS && h->cls != MAPPED))
		abort(); /* not ours, or freed twice */
	return h;
}

static size_t class_size(unsigned cls)
{
	return (size_t)1 << (MIN_SHIFT + cls);
}

static size_t page_size(void)
{
	static size_t ps;
	if (ps == 0)
		ps = (size_t)sysconf(_SC_PAGESIZE);
	return ps;
}

/* A block with a mapping of its own, its user pointer aligned to align (a power of two >= 16). */
static void *map_block(size_t n, size_t align)
{
	size_t ps = page_size(), len;
	if (n > SIZE_MAX / 2 || align > SIZE_MAX / 4) {
		errno = ENOMEM;
		return NULL;
	}
	len = (n + HDR + align + ps - 1) & ~(ps - 1);
	if (len / ps > UINT32_MAX) {
		errno = ENOMEM;
		return NULL;
	}
	char *base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED) {
		errno = ENOMEM;
		return NULL;
	}
	char *user = (char *)(((uintptr_t)base + HDR + align - 1) & ~(uintptr_t)(align - 1));
	struct hdr *h = (struct hdr *)(user - HDR);
	*h = (struct hdr){ MAGIC_USED, MAPPED, (uint32_t)(user - base), (uint32_t)(len / ps) };
	return user;
}

/* A block of class cls: from its free list, else carved from the current region (a new one when
 * it is used up or on the first call; an old one's tail is left unused). Called with the lock held. */
static void *class_block(unsigned cls)
{
	struct free_block *b = free_list[cls];
	if (b != NULL) {
		free_list[cls] = b->next;
	} else {
		size_t need = HDR + class_size(cls);
		if (sh_alloc_arena == NULL || (size_t)(end - sh_alloc_arena) < need) {
			char *r = mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (r == MAP_FAILED)
				return NULL;
			sh_alloc_arena = r;
			end = r + REGION_SIZE;
		}
		b = (struct free_block *)(sh_alloc_arena + HDR);
		sh_alloc_arena += need;
	}
	struct hdr *h = (struct hdr *)((char *)b - HDR);
	*h = (struct hdr){ MAGIC_USED, cls, 0, 0 };
	return b;
}

static unsigned class_of(size_t n)
{
	unsigned cls = 0;
	while (class_size(cls) < n)
		cls++;
	return cls;
}

/* malloc proper. calloc calls this, not malloc: the compiler folds malloc + memset into calloc. */
static void *allocate(size_t n)
{
	if (n > CLASS_MAX)
		return map_block(n, HDR);
	lock();
	void *p = class_block(class_of(n));
	unlock();
	if (p == NULL)
		errno = ENOMEM;
	return p;
}

void *SH_ALLOC_NAME(malloc)(size_t n)
{
	return allocate(n);
}

void SH_ALLOC_NAME(free)(void *p)
{
	if (p == NULL)
		return;
	struct hdr *h = header(p);
	h->magic = MAGIC_FREE;
	if (h->cls == MAPPED) {
		munmap((char *)p - h->off, (size_t)h->pages * page_size());
		return;
	}
	lock();
	struct free_block *b = p;
	b->next = free_list[h->cls];
	free_list[h->cls] = b;
	unlock();
}

size_t SH_ALLOC_NAME(malloc_usable_size)(void *p)
{
	if (p == NULL)
		return 0;
	struct hdr *h = header(p);
	if (h->cls == MAPPED)
		return (size_t)h->pages * page_size() - h->off;
	return class_size(h->cls);
}

void *SH_ALLOC_NAME(calloc)(size_t count, size_t size)
{
	size_t n;
	if (__builtin_mul_overflow(count, size, &n)) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = allocate(n);
	if (p != NULL && n <= CLASS_MAX) /* a block over CLASS_MAX is a fresh mapping: already zero */
		memset(p, 0, n);
	return p;
}

void *SH_ALLOC_NAME(realloc)(void *p, size_t n)
{
	if (p == NULL)
		return SH_ALLOC_NAME(malloc)(n);
	size_t have = SH_ALLOC_NAME(malloc_usable_size)(p);
	if (n <= have && (n > CLASS_MAX / 2 || have <= CLASS_MAX)) /* fits, and not a big block shrunk small */
		return p;
	void *q = SH_ALLOC_NAME(malloc)(n);
	if (q == NULL)
		return NULL;
	memcpy(q, p, n < have ? n : have);
	SH_ALLOC_NAME(free)(p);
	return q;
}

int SH_ALLOC_NAME(posix_memalign)(void **out, size_t align, size_t n)
{
	if (align < sizeof(void *) || (align & (align - 1)) != 0)
		return EINVAL;
	void *p = align <= HDR ? SH_ALLOC_NAME(malloc)(n) : map_block(n, align);
	if (p == NULL)
		return ENOMEM;
	*out = p;
	return 0;
}

void *SH_ALLOC_NAME(aligned_alloc)(size_t align, size_t n)
{
	void *p = NULL;
	int rc = SH_ALLOC_NAME(posix_memalign)(&p, align < sizeof(void *) ? sizeof(void *) : align, n);
	if (rc != 0)
		errno = rc;
	return p;
}

void *SH_ALLOC_NAME(memalign)(size_t align, size_t n)
{
	return SH_ALLOC_NAME(aligned_alloc)(align, n);
}

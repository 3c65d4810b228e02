/* Linked into the fuzz targets with -Wl,--wrap=seccomp_init,--wrap=seccomp_release: counts the
 * libseccomp filter contexts our code creates and releases. fuzz/lsan.supp silences leaks whose
 * allocation happens inside libseccomp (libseccomp 2.5.4 itself loses argument-tree nodes on some
 * rule sets, see fuzz/libseccomp-leak.c); this counter keeps the fuzzers able to see the leak that
 * would be ours: a context we forget to release. The translator builds its contexts in a child
 * process that ends with them (hook/lib/base/bounded.c), so in the fuzzed process the count stays at
 * zero unless code there starts to make contexts of its own. */
#include "config.h"

#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctx_count.h"

scmp_filter_ctx __real_seccomp_init(uint32_t def_action);
void __real_seccomp_release(scmp_filter_ctx ctx);
scmp_filter_ctx __wrap_seccomp_init(uint32_t def_action);
void __wrap_seccomp_release(scmp_filter_ctx ctx);

static long live;

scmp_filter_ctx __wrap_seccomp_init(uint32_t def_action)
{
	scmp_filter_ctx ctx = __real_seccomp_init(def_action);
	if (ctx)
		live++;
	return ctx;
}

void __wrap_seccomp_release(scmp_filter_ctx ctx)
{
	if (ctx)
		live--;
	__real_seccomp_release(ctx);
}

void fuzz_check_contexts(void)
{
	if (live != 0) {
		fprintf(stderr, "fuzz: %ld libseccomp filter context(s) not released\n", live);
		abort();
	}
}

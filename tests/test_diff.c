/* diff's engine (hook/lib/compile/diff.c): rows of (old profile, new profile, architectures) -> the changes
 * it finds, each (arch, syscall, argument) -> (old answer, new answer); over every number of every
 * arch's tables, so MIPS's getppid (#4064) and ARM's cacheflush (#983042) are found; then the
 * summary's counts and the ranges lines join. */
#include "config.h"

#include <criterion/criterion.h>
#include <seccomp.h>

#include "diff.h"
#include "names.h"
#include "testutil.h"
#include "util.h"

#define ALLOW SECCOMP_RET_ALLOW
#define ERRNO(e) (SECCOMP_RET_ERRNO | (e))

static const char allow_all[] = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": []}";
static const char deny_two[] = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getppid\", \"cacheflush\"],"
			       " \"action\": \"SCMP_ACT_ERRNO\"}]}";
static const char pers_8[] = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"personality\"],"
			     " \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_EQ\"}]}]}";
static const char pers_0[] = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"personality\"],"
			     " \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"}]}]}";
static const char enosys_default[] = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38, \"syscalls\": "
				     "[{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0,"
				     " \"value\": 8, \"op\": \"SCMP_CMP_EQ\"}]}]}";

static const char sock_audit[] = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"socket\"], "
				 "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 22, \"args\": [{\"index\": 0, \"value\": 16, "
				 "\"op\": \"SCMP_CMP_EQ\"}, {\"index\": 2, \"value\": 9, \"op\": \"SCMP_CMP_EQ\"}]}]}";
static const char clone_userns[] = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"clone\"], "
				   "\"action\": \"SCMP_ACT_KILL_PROCESS\", \"args\": [{\"index\": 0, \"value\": 268435456, "
				   "\"valueTwo\": 268435456, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}, {\"names\": [\"clone\"], "
				   "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 1, \"value\": 7, \"op\": \"SCMP_CMP_GT\"}]}]}";

typedef struct side {
	sh_profile *p;
	sh_ruleset *rs;
	sh_engine e;
} side;

static side load(const char *json, const uint32_t *arches, size_t narches)
{
	side s = { 0 };
	cleanup_error sh_error *err = NULL;
	s.p = sh_test_profile(json, NULL, &err);
	cr_assert_not_null(s.p, "%s", err ? err->msg : "");
	sh_target t = { .native_arch = SCMP_ARCH_X86_64, .kmajor = 6, .kminor = 1, .arches = arches, .narches = narches };
	cr_assert_eq(sh_resolve(s.p, &t, &s.rs, NULL, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(sh_engine_init(&s.e, s.rs, &err), 0, "%s", err ? err->msg : "");
	return s;
}

static void unload(side *s)
{
	sh_engine_fini(&s->e);
	sh_ruleset_free(s->rs);
	sh_profile_free(s->p);
}

#define MAX_CHANGES 4
/* A change as a row gives it: arch, number, the argument set (-1 none, SH_DIFF_ARGS several) and its
 * value, and the two answers. */
typedef struct change {
	uint32_t arch;
	int nr, idx;
	uint64_t value;
	uint32_t a, b;
} change;

typedef struct row {
	const char *old, *new;
	uint32_t arches[3];
	bool allowed_only;
	size_t n;
	change want[MAX_CHANGES];
} row;

static const row rows[] = {
	{ allow_all, deny_two, { SCMP_ARCH_MIPSEL }, false, 2,
	  { { SCMP_ARCH_MIPSEL, 4064, -1, 0, ALLOW, ERRNO(1) }, { SCMP_ARCH_MIPSEL, 4147, -1, 0, ALLOW, ERRNO(1) } } },
	{ allow_all, deny_two, { SCMP_ARCH_ARM }, false, 2,
	  { { SCMP_ARCH_ARM, 64, -1, 0, ALLOW, ERRNO(1) }, { SCMP_ARCH_ARM, 0x0f0002, -1, 0, ALLOW, ERRNO(1) } } },
	{ allow_all, deny_two, { SCMP_ARCH_MIPSEL64N32 }, false, 2,
	  { { SCMP_ARCH_MIPSEL64N32, 6108, -1, 0, ALLOW, ERRNO(1) }, { SCMP_ARCH_MIPSEL64N32, 6197, -1, 0, ALLOW, ERRNO(1) } } },
	/* x32's numbers come with x86_64's: a filter without x32 kills them alike. */
	{ allow_all, deny_two, { SCMP_ARCH_X86_64 }, false, 1, { { SCMP_ARCH_X86_64, 110, -1, 0, ALLOW, ERRNO(1) } } },
	{ allow_all, deny_two, { SCMP_ARCH_X86_64, SCMP_ARCH_X32 }, false, 2,
	  { { SCMP_ARCH_X86_64, 110, -1, 0, ALLOW, ERRNO(1) }, { SCMP_ARCH_X32, 0x40000000 + 110, -1, 0, ALLOW, ERRNO(1) } } },
	/* Argument changes: all-zero arguments first, then the probe value that decides otherwise. */
	{ pers_8, pers_0, { SCMP_ARCH_X86_64 }, false, 2,
	  { { SCMP_ARCH_X86_64, 135, -1, 0, ERRNO(1), ALLOW }, { SCMP_ARCH_X86_64, 135, 0, 8, ALLOW, ERRNO(1) } } },
	{ pers_8, pers_8, { SCMP_ARCH_X86_64 }, false, 0, { { 0 } } },
	/* Argument changes no single value shows: socket(AF_NETLINK, *, NETLINK_AUDIT) takes two. */
	{ allow_all, sock_audit, { SCMP_ARCH_X86_64 }, false, 1, { { SCMP_ARCH_X86_64, 41, SH_DIFF_ARGS, 9, ALLOW, ERRNO(22) } } },
	/* A mask, and two more answers for one syscall: one change per pair, each with its call. */
	{ allow_all, clone_userns, { SCMP_ARCH_X86_64 }, false, 2,
	  { { SCMP_ARCH_X86_64, 56, 1, 8, ALLOW, ERRNO(1) },
	    { SCMP_ARCH_X86_64, 56, 0, 0x10000000, ALLOW, SECCOMP_RET_KILL_PROCESS } } },
	/* EPERM against ENOSYS: every number but personality's, unless only allowing counts. */
	{ pers_8, enosys_default, { SCMP_ARCH_AARCH64 }, true, 0, { { 0 } } },
};

/* The changes between two profiles resolved for the arches (2 at most, the second may be 0). */
static sh_diff diff_of(const char *old, const char *new, const uint32_t arches[2], bool allowed_only)
{
	size_t na = arches[1] ? 2 : 1;
	side o = load(old, arches, na), n = load(new, arches, na);
	sh_diff d = { 0 };
	sh_diff_programs(&o.e, &n.e, allowed_only, &d);
	unload(&o);
	unload(&n);
	return d;
}

Test(diff, rows)
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(rows); i++) {
		const row *r = &rows[i];
		sh_diff d = diff_of(r->old, r->new, r->arches, r->allowed_only);
		cr_assert_eq(d.n, r->n, "row %zu: %zu changes", i, d.n);
		for (size_t k = 0; k < r->n; k++) {
			const sh_diff_change *g = &d.v[k];
			const change *w = &r->want[k];
			cr_assert(g->arch == w->arch && g->nr == w->nr && g->idx == w->idx && g->value == w->value &&
					  g->a == w->a && g->b == w->b,
				  "row %zu change %zu: %#x %d arg%d=%#lx %#x -> %#x", i, k, g->arch, g->nr, g->idx,
				  (unsigned long)g->value, g->a, g->b);
		}
		sh_diff_free(&d);
	}
}

/* The call of an argument change is whole: socket(16, 0, 9), each argument as the program got it. */
Test(diff, an_argument_change_comes_with_its_whole_call)
{
	const uint32_t arches[2] = { SCMP_ARCH_X86_64 };
	sh_diff d = diff_of(allow_all, sock_audit, arches, false);
	cr_assert_eq(d.n, 1);
	const uint64_t want[6] = { 16, 0, 9, 0, 0, 0 };
	cr_expect_arr_eq(d.v[0].args, want, sizeof want);
	cr_expect_eq(d.undecided, 0);
	sh_diff_free(&d);
}

/* A changed default on aarch64: consecutive numbers with one change are one run, and the summary
 * counts syscalls per architecture. */
Test(diff, ranges_and_summary)
{
	const uint32_t arches[2] = { SCMP_ARCH_AARCH64 };
	sh_diff d = diff_of(pers_8, enosys_default, arches, false);
	int pers = seccomp_syscall_resolve_name_arch(SCMP_ARCH_AARCH64, "personality");
	/* Numbers up to personality's (its own with all-zero arguments too): ERRNO(1) -> ERRNO(38);
	 * above it the old program's ENOSYS stub answers as the new default does. */
	cr_assert_eq(d.n, (size_t)pers + 1);
	size_t end = sh_diff_run_end(&d, 0);
	cr_assert_eq(end, d.n, "one run: %zu of %zu", end, d.n);
	sh_diff_summary s = sh_diff_summarize(&d);
	cr_assert_eq(s.syscalls, (size_t)pers + 1);
	cr_assert_eq(s.arches, 1);
	cr_assert_eq(s.allowed, 0);
	cr_assert_eq(s.denied, 0);
	sh_diff_free(&d);
}

/* A syscall with argument changes both ways counts as now allowed and as now denied, and is never
 * joined into a range. */
Test(diff, argument_changes_count_both_ways)
{
	const uint32_t arches[2] = { SCMP_ARCH_X86_64 };
	sh_diff d = diff_of(pers_8, pers_0, arches, false);
	sh_diff_summary s = sh_diff_summarize(&d);
	cr_assert_eq(s.syscalls, 1);
	cr_assert_eq(s.allowed, 1);
	cr_assert_eq(s.denied, 1);
	cr_assert_eq(sh_diff_run_end(&d, 0), 1);
	sh_diff_free(&d);
}

/* The lints for the known traps (hook/lib/compile/lint.c): rows of profile -> the findings of each code and
 * their severity. The ones that ask the compiled program (socketcall-bypass, io-uring, af-alg) see
 * what libseccomp builds (x86's socket rules become socketcall rules), not the profile's text. */
#include "config.h"

#include <criterion/criterion.h>
#include <seccomp.h>
#include <string.h>

#include "lint.h"
#include "testutil.h"
#include "util.h"

#define X86_FAMILY "\"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\", \"subArchitectures\": [\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"]}]"
#define X86_64_ONLY "\"architectures\": [\"SCMP_ARCH_X86_64\"]"
#define PROFILE(dflt, arches, rules) "{\"defaultAction\": \"" dflt "\", " arches ", \"syscalls\": [" rules "]}"
#define ALLOW(names) "{\"names\": [" names "], \"action\": \"SCMP_ACT_ALLOW\"}"
#define ALLOW_IF(names, args) "{\"names\": [" names "], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [" args "]}"
#define DENY_IF(names, args) "{\"names\": [" names "], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [" args "]}"
#define ARG(i, op, v) "{\"index\": " #i ", \"op\": \"SCMP_CMP_" #op "\", \"value\": " #v "}"
#define MASKED(i, m, v2) "{\"index\": " #i ", \"op\": \"SCMP_CMP_MASKED_EQ\", \"value\": " #m ", \"valueTwo\": " #v2 "}"

#define BASICS "\"read\", \"write\", \"exit_group\""

typedef struct row {
	const char *what, *profile, *code;
	int count;		/* findings with the code */
	sh_severity sev;	/* theirs, when count > 0 */
} row;

static const row rows[] = {
	/* socketcall-bypass */
	{ "socket narrowed, socketcall allowed on x86", PROFILE("SCMP_ACT_ERRNO", X86_FAMILY,
	  ALLOW("\"socketcall\"") "," ALLOW_IF("\"socket\"", ARG(0, EQ, 2))), "socketcall-bypass", 1, SH_SEV_WARNING },
	{ "libseccomp turns x86's socket rules into socketcall(SYS_SOCKET) ones: the same without it",
	  PROFILE("SCMP_ACT_ERRNO", X86_FAMILY, ALLOW_IF("\"socket\"", ARG(0, EQ, 2))), "socketcall-bypass", 1,
	  SH_SEV_WARNING },
	{ "no x86 in the filter: nothing to bypass", PROFILE("SCMP_ACT_ERRNO", X86_64_ONLY,
	  ALLOW("\"socketcall\"") "," ALLOW_IF("\"socket\"", ARG(0, EQ, 2))), "socketcall-bypass", 0, 0 },
	{ "socket not narrowed: nothing to bypass", PROFILE("SCMP_ACT_ERRNO", X86_FAMILY, ALLOW("\"socket\", \"socketcall\"")),
	  "socketcall-bypass", 0, 0 },
	{ "socketcall(SYS_SOCKET) allowed by name: a note", PROFILE("SCMP_ACT_ERRNO", X86_FAMILY,
	  ALLOW_IF("\"socketcall\"", ARG(0, EQ, 1)) "," ALLOW_IF("\"socket\"", ARG(0, EQ, 2))), "socketcall-bypass", 1,
	  SH_SEV_NOTE },
	/* socketcall-blocked: the other side, where a denial of one family takes every x86 socket */
	{ "a denylist that narrows socket: no bypass", PROFILE("SCMP_ACT_ALLOW", X86_FAMILY,
	  DENY_IF("\"socket\"", ARG(0, EQ, 38))), "socketcall-bypass", 0, 0 },
	{ "but every socket through socketcall is refused", PROFILE("SCMP_ACT_ALLOW", X86_FAMILY,
	  DENY_IF("\"socket\"", ARG(0, EQ, 38))), "socketcall-blocked", 1, SH_SEV_WARNING },
	{ "allowing socketcall(SYS_SOCKET) by name does not help: the denial lands on it too", PROFILE("SCMP_ACT_ALLOW",
	  X86_FAMILY, ALLOW_IF("\"socketcall\"", ARG(0, EQ, 1)) "," DENY_IF("\"socket\"", ARG(0, EQ, 38))),
	  "socketcall-blocked", 1, SH_SEV_WARNING },
	{ "nor on x86_64 alone", PROFILE("SCMP_ACT_ALLOW", X86_64_ONLY, DENY_IF("\"socket\"", ARG(0, EQ, 38))),
	  "socketcall-blocked", 0, 0 },
	/* io-uring */
	{ "io_uring_enter allowed", PROFILE("SCMP_ACT_ERRNO", X86_64_ONLY, ALLOW(BASICS ", \"io_uring_enter\"")), "io-uring",
	  1, SH_SEV_WARNING },
	{ "io_uring allowed by an allow-by-default profile", PROFILE("SCMP_ACT_ALLOW", X86_64_ONLY, ALLOW_IF("\"read\"", ARG(0, EQ, 99))),
	  "io-uring", 1, SH_SEV_WARNING },
	{ "io_uring denied", PROFILE("SCMP_ACT_ALLOW", X86_64_ONLY,
	  "{\"names\": [\"io_uring_setup\", \"io_uring_enter\", \"io_uring_register\"], \"action\": \"SCMP_ACT_ERRNO\"}"),
	  "io-uring", 0, 0 },
	{ "complain mode is not asked", PROFILE("SCMP_ACT_LOG", X86_64_ONLY, ""), "io-uring", 0, 0 },
	{ "io_uring only with an argument: still allowed", PROFILE("SCMP_ACT_ERRNO", X86_64_ONLY,
	  ALLOW_IF("\"io_uring_setup\"", ARG(0, LT, 8))), "io-uring", 1, SH_SEV_WARNING },
	/* af-alg */
	{ "every family", PROFILE("SCMP_ACT_ERRNO", X86_64_ONLY, ALLOW("\"socket\"")), "af-alg", 1, SH_SEV_NOTE },
	{ "every family but AF_ALG", PROFILE("SCMP_ACT_ERRNO", X86_64_ONLY,
	  ALLOW_IF("\"socket\"", ARG(0, LT, 38)) "," ALLOW_IF("\"socket\"", ARG(0, GT, 38))), "af-alg", 0, 0 },
	{ "a mask that lets 38 through", PROFILE("SCMP_ACT_ERRNO", X86_64_ONLY, ALLOW_IF("\"socket\"", MASKED(0, 32, 32))),
	  "af-alg", 1, SH_SEV_NOTE },
	{ "no socket at all", PROFILE("SCMP_ACT_ERRNO", X86_64_ONLY, ALLOW(BASICS)), "af-alg", 0, 0 },
	{ "through x86's socketcall, whose family no filter reads", PROFILE("SCMP_ACT_ERRNO", X86_FAMILY,
	  ALLOW_IF("\"socket\"", ARG(0, EQ, 2))), "af-alg", 1, SH_SEV_NOTE },
	/* duplicate-name and conflicting-actions: one finding per repeated place, against the first */
	{ "a name three times in a rule: two findings", PROFILE("SCMP_ACT_ERRNO", X86_64_ONLY,
	  ALLOW("\"read\", \"write\", \"read\", \"exit_group\", \"read\"")), "duplicate-name", 2, SH_SEV_WARNING },
	{ "in three rules that always apply: one for each later rule", PROFILE("SCMP_ACT_ERRNO", X86_64_ONLY,
	  ALLOW("\"read\"") "," ALLOW("\"write\", \"read\"") "," ALLOW("\"read\", \"read\"")), "duplicate-name", 3,
	  SH_SEV_WARNING },
	{ "a conditional rule is not a duplicate", PROFILE("SCMP_ACT_ERRNO", X86_64_ONLY,
	  ALLOW("\"read\"") "," ALLOW_IF("\"read\"", ARG(0, EQ, 1))), "duplicate-name", 0, 0 },
	{ "another action in a later rule", PROFILE("SCMP_ACT_ERRNO", X86_64_ONLY,
	  ALLOW("\"read\", \"getppid\"") "," DENY_IF("\"getppid\"", "") "," DENY_IF("\"getppid\"", "")),
	  "conflicting-actions", 2, SH_SEV_WARNING },
	/* or-conditions */
	{ "!= 38 || != 16: every value", PROFILE("SCMP_ACT_ERRNO", X86_64_ONLY,
	  ALLOW_IF("\"socket\"", ARG(0, NE, 38) "," ARG(0, NE, 16))), "or-conditions", 1, SH_SEV_WARNING },
	{ "<= 8 || >= 4: every value", PROFILE("SCMP_ACT_ERRNO", X86_64_ONLY,
	  ALLOW_IF("\"personality\"", ARG(0, LE, 8) "," ARG(0, GE, 4))), "or-conditions", 1, SH_SEV_WARNING },
	{ "< 8 || > 8: all but 8", PROFILE("SCMP_ACT_ERRNO", X86_64_ONLY,
	  ALLOW_IF("\"personality\"", ARG(0, LT, 8) "," ARG(0, GT, 8))), "or-conditions", 0, 0 },
	{ "<= 8 || >= 9: every value, edge to edge", PROFILE("SCMP_ACT_ERRNO", X86_64_ONLY,
	  ALLOW_IF("\"personality\"", ARG(0, LE, 8) "," ARG(0, GE, 9))), "or-conditions", 1, SH_SEV_WARNING },
	{ "== 1 || == 2: meant as OR", PROFILE("SCMP_ACT_ERRNO", X86_64_ONLY,
	  ALLOW_IF("\"setsockopt\"", ARG(1, EQ, 1) "," ARG(1, EQ, 6))), "or-conditions", 0, 0 },
	{ "flags by masks, ORed on purpose", PROFILE("SCMP_ACT_ALLOW", X86_64_ONLY,
	  DENY_IF("\"clone\"", MASKED(0, 131072, 131072) "," MASKED(0, 268435456, 268435456))), "or-conditions", 0, 0 },
	{ "a mask of 0 holds for everything", PROFILE("SCMP_ACT_ERRNO", X86_64_ONLY,
	  ALLOW_IF("\"personality\"", MASKED(0, 0, 0) "," ARG(0, EQ, 3))), "or-conditions", 1, SH_SEV_WARNING },
	{ "the index does not repeat: AND", PROFILE("SCMP_ACT_ERRNO", X86_64_ONLY,
	  ALLOW_IF("\"socket\"", ARG(0, NE, 38) "," ARG(1, NE, 16))), "or-conditions", 0, 0 },
	{ "!= 0 || != UINT64_MAX", PROFILE("SCMP_ACT_ERRNO", X86_64_ONLY,
	  ALLOW_IF("\"personality\"", ARG(0, NE, 0) "," ARG(0, NE, 18446744073709551615))), "or-conditions", 1,
	  SH_SEV_WARNING },
};

Test(lint, rows)
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(rows); i++) {
		const row *r = &rows[i];
		cleanup_error sh_error *err = NULL;
		sh_profile *p = sh_test_profile(r->profile, NULL, &err);
		cr_assert_not_null(p, "%s: %s", r->what, err ? err->msg : "");
		sh_diag d = { 0 };
		sh_lint_profile(p, SCMP_ARCH_X86_64, &d);
		int count = 0;
		for (size_t k = 0; k < d.n; k++)
			if (strcmp(d.items[k].code, r->code) == 0) {
				count++;
				cr_expect_eq(d.items[k].sev, r->sev, "%s: severity %d: %s", r->what, d.items[k].sev, d.items[k].msg);
			}
		cr_expect_eq(count, r->count, "%s: %d %s findings", r->what, count, r->code);
		sh_diag_free(&d);
		sh_profile_free(p);
	}
}

/* A name repeated N times gives N - 1 findings, not one per pair of places (which was quadratic in
 * what a profile may hold: 9,000 copies of one name took 1.5 GB). */
Test(lint, a_repeated_name_costs_one_finding_per_place)
{
	enum { COPIES = 4000 };
	char *json = sh_xstrdup("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"");
	for (int i = 1; i < COPIES; i++) {
		char *more = sh_xasprintf("%s, \"read\"", json);
		free(json);
		json = more;
	}
	char *whole = sh_xasprintf("%s], \"action\": \"SCMP_ACT_ALLOW\"}]}", json);
	free(json);
	cleanup_error sh_error *err = NULL;
	sh_profile *p = sh_test_profile(whole, NULL, &err);
	cr_assert_not_null(p, "%s", err ? err->msg : "");
	sh_diag d = { 0 };
	sh_lint_profile(p, SCMP_ARCH_X86_64, &d);
	size_t dup = 0;
	for (size_t k = 0; k < d.n; k++)
		dup += strcmp(d.items[k].code, "duplicate-name") == 0;
	cr_assert_eq(dup, COPIES - 1);
	sh_diag_free(&d);
	sh_profile_free(p);
	free(whole);
}

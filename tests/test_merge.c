/* merge's edge cases: identical rules once (their comments aside), what inputs must agree on,
 * --deny on LOG and conditional rules, the counts the summary line prints. */
#include <criterion/criterion.h>
#include <string.h>

#include "merge.h"
#include "testutil.h"
#include "util.h"

/* Merge two profiles given as JSON; the result compactly serialised, or NULL with *err set. */
static char *merge2(const char *a, const char *b, const sh_merge_opts *o, sh_merge_stats *st, sh_error **err)
{
	sh_profile *p[2] = { sh_test_profile(a, NULL, err), sh_test_profile(b, NULL, err) };
	cr_assert(p[0] && p[1]);
	sh_json *j = NULL;
	char *s = NULL;
	if (sh_merge_profiles((const sh_profile *const *)p, 2, o, &j, st, err) == 0)
		s = sh_json_serialize(j, false, NULL);
	sh_json_free(j);
	sh_profile_free(p[0]);
	sh_profile_free(p[1]);
	return s;
}

Test(merge, identical_conditional_rules_once_comment_aside)
{
	const char *a = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"chroot\"],\"action\":"
			"\"SCMP_ACT_ALLOW\",\"comment\":\"one\",\"includes\":{\"caps\":[\"CAP_SYS_CHROOT\"]}}]}";
	const char *b = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"chroot\"],\"action\":"
			"\"SCMP_ACT_ALLOW\",\"comment\":\"two\",\"includes\":{\"caps\":[\"CAP_SYS_CHROOT\"]}},"
			"{\"names\":[\"chroot\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}}]}";
	sh_error *err = NULL;
	sh_merge_stats st;
	cleanup_free char *s = merge2(a, b, NULL, &st, &err);
	cr_assert(s, "%s", err ? err->msg : "");
	cr_expect_str_eq(s, "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
			    "{\"names\":[\"chroot\"],\"action\":\"SCMP_ACT_ALLOW\",\"comment\":\"one\",\"includes\":{\"caps\":[\"CAP_SYS_CHROOT\"]}},"
			    "{\"names\":[\"chroot\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}}]}");
	cr_expect_eq(st.allowed, 0);
	cr_expect_eq(st.other_rules, 2);
}

Test(merge, flags_must_agree_absent_is_not_empty)
{
	const char *a = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[]}";
	const char *b = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"flags\":[],\"syscalls\":[]}";
	sh_error *err = NULL;
	char *s = merge2(a, b, NULL, NULL, &err);
	cr_assert_null(s);
	cr_expect_eq(err->status, SH_EXIT_INVALID);
	cr_expect(strstr(err->msg, "disagree on flags (test.json absent, test.json [])"), "%s", err->msg);
	sh_error_free(err);
}

Test(merge, deny_takes_names_out_of_log_and_argument_rules_and_drops_emptied_rules)
{
	const char *a = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"},"
			"{\"names\":[\"uname\"],\"action\":\"SCMP_ACT_LOG\"}]}";
	const char *b = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"uname\"],\"action\":\"SCMP_ACT_ALLOW\","
			"\"args\":[{\"index\":0,\"value\":0,\"op\":\"SCMP_CMP_NE\"}]}]}";
	char *deny[] = { "uname", "write", NULL };
	sh_merge_opts o = { .deny = deny, .ndeny = 2 };
	sh_error *err = NULL;
	sh_merge_stats st;
	cleanup_free char *s = merge2(a, b, &o, &st, &err);
	cr_assert(s, "%s", err ? err->msg : "");
	/* A denying default: nothing is added for them. */
	cr_expect_str_eq(s, "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}]}");
	cr_expect_eq(st.removed, 2);
	cr_expect_eq(st.other_rules, 0);
	cr_expect_eq(st.allowed, 1);
}

Test(merge, a_rule_equal_to_the_default_is_no_conflict)
{
	const char *a = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_ALLOW\"}]}";
	const char *b = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}";
	sh_error *err = NULL;
	cleanup_free char *s = merge2(a, b, NULL, NULL, &err);
	cr_expect(s, "%s", err ? err->msg : "");
	/* Another errno is a conflict. */
	const char *c = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13}]}";
	char *t = merge2(a, c, NULL, NULL, &err);
	cr_assert_null(t);
	cr_expect(strstr(err->msg, "'ptrace' is SCMP_ACT_ERRNO(13) here but allowed unconditionally by test.json:1:"), "%s", err->msg);
	sh_error_free(err);
}

Test(merge, check_opts_accepts_newer_syscalls_and_suggests)
{
	char *allow[] = { "mseal", NULL }, *deny[] = { "getpdi", NULL };
	sh_merge_opts o = { .allow = allow, .nallow = 1 };
	sh_error *err = NULL;
	cr_expect_eq(sh_merge_check_opts(&o, &err), 0);
	o.deny = deny;
	o.ndeny = 1;
	cr_assert_eq(sh_merge_check_opts(&o, &err), -1);
	cr_expect_eq(err->status, SH_EXIT_SYSTEM);
	cr_expect_str_eq(err->msg, "--deny: unknown syscall 'getpdi' (did you mean 'getpid'?)");
	sh_error_free(err);
}

/* What an installer calls after the filter is in (hook/lib/compile/startcalls.c), as a table: an installer, a
 * configuration (no_new_privs, the user) and a profile go in; the calls whose denial fails the start
 * (needed) and those it may make (wanted) that the profile's program does not allow come out. Then
 * the kernel's combination of several filters on one process (explain.c's sh_engines_run), which
 * explain --pid asks. */
#include "config.h"

#include <criterion/criterion.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <string.h>

#include "explain.h"
#include "startcalls.h"
#include "testutil.h"
#include "util.h"

/* Allow everything but one call, answered by ACTION. */
#define DENY(name, action)                                                                                      \
	"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"" name "\"], \"action\": \"" action "\"}]}"
#define ERRNO "SCMP_ACT_ERRNO"
#define KILL "SCMP_ACT_KILL_PROCESS"

enum { ANY_CONFIG, ROOT_NNP, ROOT, USER, USER_NNP };
static const sh_start_config configs[] = {
	[ANY_CONFIG] = { .known = false },
	[ROOT_NNP] = { .known = true, .no_new_privs = true },
	[ROOT] = { .known = true },
	[USER] = { .known = true, .non_root = true },
	[USER_NNP] = { .known = true, .no_new_privs = true, .non_root = true },
};

typedef struct start_row {
	const char *what;
	sh_installer installer;
	int config;
	const char *profile;
	const char *needed, *wanted; /* the missing names, space-separated ("" none) */
} start_row;

static const start_row rows[] = {
	{ "runc checks /proc/self/fd on every start", SH_INSTALLER_RUNC, ROOT_NNP, DENY("fstatfs", ERRNO), "fstatfs", "" },
	{ "runc sets the user after the install without no_new_privs", SH_INSTALLER_RUNC, ROOT, DENY("setuid", ERRNO),
	  "setuid", "" },
	{ "and before it with no_new_privs", SH_INSTALLER_RUNC, ROOT_NNP, DENY("setuid", ERRNO), "", "" },
	{ "any configuration counts every call", SH_INSTALLER_RUNC, ANY_CONFIG, DENY("setuid", ERRNO), "setuid", "" },
	{ "runc tolerates an errno from fchown, made for another user", SH_INSTALLER_RUNC, USER, DENY("fchown", ERRNO), "",
	  "fchown" },
	{ "but not a kill", SH_INSTALLER_RUNC, USER, DENY("fchown", KILL), "fchown", "" },
	{ "fchown is not called for root", SH_INSTALLER_RUNC, ROOT, DENY("fchown", KILL), "", "" },
	{ "Go's runtime in runc's init may call mmap", SH_INSTALLER_RUNC, ROOT_NNP, DENY("mmap", ERRNO), "", "mmap" },
	{ "crun with no_new_privs only closes and execs", SH_INSTALLER_CRUN, USER_NNP, DENY("setresuid", ERRNO), "", "" },
	{ "crun without it sets the user after the install", SH_INSTALLER_CRUN, USER, DENY("setresuid", ERRNO),
	  "setresuid", "" },
	{ "crun never calls fstatfs", SH_INSTALLER_CRUN, ANY_CONFIG, DENY("fstatfs", KILL), "", "" },
	{ "the loader lowers its capability sets", SH_INSTALLER_LOADER, ROOT_NNP, DENY("capset", ERRNO), "capset", "" },
	{ "and reads them where it can", SH_INSTALLER_LOADER, ROOT, DENY("open", ERRNO), "", "open" },
	{ "where the runtime is not known, only what both need", SH_INSTALLER_ANY_RUNTIME, ROOT_NNP,
	  DENY("fstatfs", ERRNO), "", "fstatfs" },
	{ "both exec", SH_INSTALLER_ANY_RUNTIME, ROOT_NNP, DENY("execve", ERRNO), "execve", "" },
	{ "and without no_new_privs both write", SH_INSTALLER_ANY_RUNTIME, ROOT, DENY("write", ERRNO), "write", "" },
	{ "a name decided by its arguments is not allowed whole",
	  SH_INSTALLER_LOADER, ROOT,
	  "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"prctl\"], \"action\": \"SCMP_ACT_ERRNO\","
	  " \"args\": [{\"index\": 0, \"value\": 24, \"op\": \"SCMP_CMP_EQ\"}]}]}",
	  "prctl", "" },
	{ "runc's calls handed to an agent are the agent's to answer", SH_INSTALLER_RUNC, ROOT,
	  "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/agent.sock\", \"syscalls\": [{\"names\":"
	  " [\"execve\", \"openat\", \"open\", \"read\", \"close\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}",
	  "", "" },
	{ "and the loader's", SH_INSTALLER_LOADER, ROOT_NNP,
	  "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/agent.sock\", \"syscalls\": [{\"names\":"
	  " [\"capset\", \"execve\", \"prctl\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}",
	  "", "" },
	{ "but a call notified only for some arguments is still decided by them", SH_INSTALLER_LOADER, ROOT,
	  "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/agent.sock\", \"syscalls\": [{\"names\":"
	  " [\"prctl\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 24, \"op\": \"SCMP_CMP_EQ\"}]},"
	  " {\"names\": [\"capset\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}",
	  "prctl", "" },
	{ "SCMP_ACT_LOG lets a call through", SH_INSTALLER_LOADER, ROOT, "{\"defaultAction\": \"SCMP_ACT_LOG\"}", "", "" },
	{ "a recording's default denies them all", SH_INSTALLER_LOADER, ROOT,
	  "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
	  "capset execve prctl", "capget close fcntl fstatfs open openat" },
};

static char *joined(const char **v, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? " " : "", v[i]);
	fclose(f);
	return buf;
}

Test(startcalls, table)
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(rows); i++) {
		const start_row *r = &rows[i];
		cleanup_error sh_error *err = NULL;
		sh_profile *p = sh_test_profile(r->profile, NULL, &err);
		cr_assert_not_null(p, "%s", r->what);
		sh_target t = { .native_arch = SCMP_ARCH_X86_64, .caps = SH_DOCKER_DEFAULT_CAPS, .kmajor = 6, .kminor = 1 };
		sh_ruleset *rs = NULL;
		sh_engine e;
		cr_assert_eq(sh_resolve(p, &t, &rs, NULL, &err), 0);
		cr_assert_eq(sh_engine_init(&e, rs, &err), 0);
		const char *v[64];
		size_t n = sh_start_missing(&e, SCMP_ARCH_X86_64, r->installer, &configs[r->config], SH_START_NEEDED, v, 64);
		cleanup_free char *needed = joined(v, n);
		n = sh_start_missing(&e, SCMP_ARCH_X86_64, r->installer, &configs[r->config], SH_START_WANTED, v, 64);
		cleanup_free char *wanted = joined(v, n);
		cr_expect_str_eq(needed, r->needed, "%s: needed '%s'", r->what, needed);
		cr_expect_str_eq(wanted, r->wanted, "%s: wanted '%s'", r->what, wanted);
		sh_engine_fini(&e);
		sh_ruleset_free(rs);
		sh_profile_free(p);
	}
}

Test(startcalls, names_and_lists)
{
	sh_installer i;
	cr_expect_eq(sh_installer_parse("runc", &i), 0);
	cr_expect_eq(i, SH_INSTALLER_RUNC);
	cr_expect_eq(sh_installer_parse("init", &i), 0);
	cr_expect_eq(i, SH_INSTALLER_LOADER);
	cr_expect_lt(sh_installer_parse("docker", &i), 0);
	const char *v[64];
	size_t n = sh_start_calls(SH_INSTALLER_LOADER, NULL, SH_START_NEEDED, v, 64);
	cleanup_free char *needed = joined(v, n);
	cr_expect_str_eq(needed, "capset close execve fcntl fstatfs open prctl read", "a kill of a call made is fatal too");
	n = sh_start_calls(SH_INSTALLER_CRUN, &configs[ROOT_NNP], SH_START_NEEDED | SH_START_WANTED, v, 64);
	cleanup_free char *crun = joined(v, n);
	cr_expect_str_eq(crun, "close execve");
	const char *names[] = { "capget", "fstatfs" };
	cleanup_free char *text = sh_start_missing_text(SH_INSTALLER_RUNC, names, 2, true);
	cr_expect_str_eq(text, "runc calls capget and fstatfs in the container after it installs the filter, which does "
			       "not allow them: the container cannot start; allow them (record --for=runc adds them)");
}

/* ---- several filters on one process, as the kernel combines them --------------------------------- */

static void engine_of(const char *json, sh_engine *e)
{
	cleanup_error sh_error *err = NULL;
	sh_profile *p = sh_test_profile(json, NULL, &err);
	sh_target t = { .native_arch = SCMP_ARCH_X86_64, .kmajor = 6, .kminor = 1 };
	sh_ruleset *rs = NULL;
	cr_assert_eq(sh_resolve(p, &t, &rs, NULL, &err), 0);
	sh_engine full;
	cr_assert_eq(sh_engine_init(&full, rs, &err), 0);
	sh_engine_of_program(e, full.prog.insns, full.prog.len); /* as dump reads it back: no rules */
	sh_engine_fini(&full);
	sh_ruleset_free(rs);
	sh_profile_free(p);
}

typedef struct filters_row {
	const char *newest, *oldest; /* read back as oldest (0), newest (1) */
	const char *call;
	uint32_t ret;
	size_t which;
} filters_row;

static const filters_row filter_rows[] = {
	{ DENY("getpid", ERRNO), "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}", "getpid", SECCOMP_RET_ERRNO | 1, 1 },
	{ "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}", DENY("getpid", ERRNO), "getpid", SECCOMP_RET_ERRNO | 1, 0 },
	{ DENY("getpid", ERRNO), DENY("getpid", KILL), "getpid", SECCOMP_RET_KILL_PROCESS, 0 },
	{ DENY("getpid", "SCMP_ACT_KILL_THREAD"), DENY("getpid", KILL), "getpid", SECCOMP_RET_KILL_PROCESS, 0 },
	{ DENY("getpid", "SCMP_ACT_TRAP"), DENY("getpid", ERRNO), "getpid", SECCOMP_RET_TRAP, 1 },
	{ DENY("getpid", "SCMP_ACT_LOG"), DENY("getppid", ERRNO), "getpid", SECCOMP_RET_LOG, 1 },
	{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38}", DENY("getpid", ERRNO), "getpid",
	  SECCOMP_RET_ERRNO | 38, 1 },
};

Test(engine, several_filters_take_the_answer_of_highest_precedence_the_newest_of_equals)
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(filter_rows); i++) {
		const filters_row *r = &filter_rows[i];
		sh_engine v[2];
		engine_of(r->oldest, &v[0]);
		engine_of(r->newest, &v[1]);
		sh_seccomp_data d = sh_call_data(SCMP_ARCH_X86_64, seccomp_syscall_resolve_name(r->call), NULL);
		size_t which = 9;
		sh_answer a = sh_engines_run(v, 2, &d, &which);
		cr_expect_eq(a.ret, r->ret, "row %zu: %#x", i, a.ret);
		cr_expect_eq(which, r->which, "row %zu: filter %zu", i, which);
		sh_engine_fini(&v[0]);
		sh_engine_fini(&v[1]);
	}
}

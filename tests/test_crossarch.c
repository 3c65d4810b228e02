/* Profiles that travel between architectures (crossarch.h): the table of counterparts, the rules
 * --target-arch adds, run in the decision engine compiled for aarch64 and for x86_64, and check's
 * findings. */
#include "config.h"

#include <criterion/criterion.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include "crossarch.h"
#include "explain.h"
#include "testutil.h"

/* name on from -> its counterparts on to, as a sorted comma list ("" for none), and why. */
static const struct {
	const char *name;
	uint32_t from, to;
	const char *want;
	sh_xarch_kind kind;
} rows[] = {
	{ "open", SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64, "openat", SH_XARCH_MAPPED },
	{ "creat", SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64, "openat", SH_XARCH_MAPPED },
	{ "stat", SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64, "newfstatat", SH_XARCH_MAPPED },
	{ "dup2", SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64, "dup3,fcntl", SH_XARCH_MAPPED },
	{ "pause", SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64, "ppoll,rt_sigsuspend", SH_XARCH_MAPPED },
	{ "fork", SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64, "clone", SH_XARCH_MAPPED },
	{ "rmdir", SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64, "unlinkat", SH_XARCH_MAPPED },
	{ "epoll_wait", SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64, "epoll_pwait", SH_XARCH_MAPPED },
	{ "time", SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64, "clock_gettime", SH_XARCH_MAPPED },
	{ "openat", SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64, "openat", SH_XARCH_SAME },
	{ "read", SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64, "read", SH_XARCH_SAME },
	{ "arch_prctl", SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64, "", SH_XARCH_NOT_NEEDED },
	{ "epoll_wait_old", SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64, "", SH_XARCH_NOT_NEEDED },
	{ "iopl", SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64, "", SH_XARCH_NONE },
	{ "modify_ldt", SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64, "", SH_XARCH_NONE },
	/* Back from aarch64: x86_64 has every call, and musl's and glibc's x86_64 builds make the legacy
	 * ones for the same functions. */
	{ "openat", SCMP_ARCH_AARCH64, SCMP_ARCH_X86_64, "open,openat", SH_XARCH_SAME },
	{ "newfstatat", SCMP_ARCH_AARCH64, SCMP_ARCH_X86_64, "lstat,newfstatat,stat", SH_XARCH_SAME },
	{ "clone", SCMP_ARCH_AARCH64, SCMP_ARCH_X86_64, "clone,fork,vfork", SH_XARCH_SAME },
	{ "unlinkat", SCMP_ARCH_AARCH64, SCMP_ARCH_X86_64, "rmdir,unlink,unlinkat", SH_XARCH_SAME },
	{ "getdents64", SCMP_ARCH_AARCH64, SCMP_ARCH_X86_64, "getdents64", SH_XARCH_SAME },
	{ "read", SCMP_ARCH_AARCH64, SCMP_ARCH_X86_64, "read", SH_XARCH_SAME },
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

Test(crossarch, counterparts_table)
{
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		const char *out[SH_XARCH_MAX];
		sh_xarch_kind kind;
		size_t n = sh_counterparts(rows[i].name, rows[i].from, rows[i].to, out, &kind);
		qsort(out, n, sizeof(*out), cmp_str);
		char got[256] = "";
		for (size_t k = 0; k < n; k++)
			snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", k ? "," : "", out[k]);
		cr_assert_str_eq(got, rows[i].want, "%s: %s", rows[i].name, got);
		cr_assert_eq(kind, rows[i].kind, "%s: kind %d", rows[i].name, kind);
	}
}

/* Every counterpart the table names is a call the target has (libseccomp's table of it). */
Test(crossarch, every_counterpart_exists_on_its_target)
{
	static const char *const legacy[] = { "open", "stat", "lstat", "access", "poll", "select", "pipe", "dup2",
					      "pause", "alarm", "fork", "vfork", "getdents", "rename", "mkdir", "rmdir",
					      "creat", "link", "unlink", "symlink", "readlink", "chmod", "chown",
					      "lchown", "getpgrp", "utime", "mknod", "time", "epoll_create",
					      "epoll_wait", "utimes", "inotify_init", "futimesat", "signalfd", "eventfd" };
	for (size_t i = 0; i < sizeof legacy / sizeof *legacy; i++) {
		const char *out[SH_XARCH_MAX];
		sh_xarch_kind kind;
		size_t n = sh_counterparts(legacy[i], SCMP_ARCH_X86_64, SCMP_ARCH_AARCH64, out, &kind);
		cr_assert_lt(seccomp_syscall_resolve_name_arch(SCMP_ARCH_AARCH64, legacy[i]), 0, "%s is on aarch64", legacy[i]);
		cr_assert_eq(kind, SH_XARCH_MAPPED, "%s", legacy[i]);
		for (size_t k = 0; k < n; k++)
			cr_assert_geq(seccomp_syscall_resolve_name_arch(SCMP_ARCH_AARCH64, out[k]), 0, "%s -> %s", legacy[i], out[k]);
	}
}

/* The engine of a profile resolved with `native` as the node's arch. */
typedef struct node {
	sh_ruleset *rs;
	sh_engine e;
} node;

static node node_for(const sh_profile *p, uint32_t native)
{
	node n = { 0 };
	sh_target t = { .native_arch = native, .kmajor = 6, .kminor = 1 };
	cleanup_error sh_error *err = NULL;
	cr_assert_eq(sh_resolve(p, &t, &n.rs, NULL, &err), 0);
	cr_assert_eq(sh_engine_init(&n.e, n.rs, &err), 0, "%s", err ? err->msg : "");
	return n;
}

static void node_free(node *n)
{
	sh_engine_fini(&n->e);
	sh_ruleset_free(n->rs);
}

static uint32_t answer(const node *n, uint32_t arch, const char *name, uint64_t arg0)
{
	int nr = seccomp_syscall_resolve_name_arch(arch, name);
	cr_assert_geq(nr, 0, "%s on %#x", name, arch);
	uint64_t args[6] = { arg0 };
	sh_seccomp_data d = sh_call_data(arch, nr, args);
	return sh_engine_run(&n->e, &d).ret;
}

static sh_profile *translated(const char *json, const sh_profile *base, size_t *added)
{
	cleanup_error sh_error *err = NULL;
	sh_json *j = NULL;
	cr_assert_eq(sh_json_parse(json, strlen(json), "rec.json", NULL, &j, &err), 0);
	uint32_t targets[] = { SCMP_ARCH_AARCH64 };
	sh_target bt = { .kmajor = 6, .kminor = 1, .caps = SH_DOCKER_DEFAULT_CAPS };
	sh_crossarch_opts o = { .targets = targets, .ntargets = 1, .base = base, .base_target = &bt };
	cr_assert_eq(sh_crossarch_add(j, &o, added, &err), 0, "%s", err ? err->msg : "");
	sh_profile *p = NULL;
	cr_assert_eq(sh_profile_from_json(j, "rec.json", &p, NULL, &err), 0);
	sh_json_free(j);
	return p;
}

/* A recording made on x86_64 (what busybox-static's glibc calls there), translated for aarch64 and
 * compiled for each node: each call the same program makes on aarch64 is allowed there, an unrecorded
 * one is not, and x86_64's filter allows nothing it did not before. */
static const char recording[] =
	"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\","
	" \"subArchitectures\": [\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"]}], \"syscalls\": [{\"names\": [\"open\","
	" \"openat\", \"stat\", \"read\", \"write\", \"dup2\", \"pipe\", \"fork\", \"mkdir\", \"unlink\", \"rmdir\","
	" \"arch_prctl\", \"iopl\", \"execve\", \"exit_group\", \"wait4\"], \"action\": \"SCMP_ACT_ALLOW\"}]}";

Test(crossarch, translated_recording_in_the_engine_for_aarch64_and_x86_64)
{
	size_t added;
	sh_profile *p = translated(recording, NULL, &added);
	/* newfstatat, dup3, fcntl, pipe2, clone, mkdirat, unlinkat (openat is recorded already), and the
	 * vDSO's clock_gettime, gettimeofday, clock_getres */
	cr_assert_eq(added, 10);
	node a = node_for(p, SCMP_ARCH_AARCH64), x = node_for(p, SCMP_ARCH_X86_64);
	static const char *const on_aarch64[] = { "openat", "newfstatat", "read", "write", "dup3", "fcntl", "pipe2",
						  "clone", "mkdirat", "unlinkat", "execve", "exit_group", "wait4" };
	for (size_t i = 0; i < sizeof on_aarch64 / sizeof *on_aarch64; i++)
		cr_assert_eq(answer(&a, SCMP_ARCH_AARCH64, on_aarch64[i], 0), SECCOMP_RET_ALLOW, "%s", on_aarch64[i]);
	static const char *const denied[] = { "socket", "ptrace", "mount", "linkat", "renameat", "kill" };
	for (size_t i = 0; i < sizeof denied / sizeof *denied; i++)
		cr_assert_eq(answer(&a, SCMP_ARCH_AARCH64, denied[i], 0), SECCOMP_RET_ERRNO | 1, "%s", denied[i]);
	/* x86_64: the counterparts are not allowed there unless recorded there (EPERM, or ENOSYS above the
	 * highest call the profile names there). */
	static const char *const not_on_x86_64[] = { "dup3", "fcntl", "pipe2", "clone", "mkdirat", "unlinkat", "newfstatat" };
	for (size_t i = 0; i < sizeof not_on_x86_64 / sizeof *not_on_x86_64; i++)
		cr_assert(!sh_decision_lets_through(answer(&x, SCMP_ARCH_X86_64, not_on_x86_64[i], 0)), "%s",
			  not_on_x86_64[i]);
	cr_assert_eq(answer(&x, SCMP_ARCH_X86_64, "open", 0), SECCOMP_RET_ALLOW);
	node_free(&a);
	node_free(&x);
	sh_profile_free(p);
}

/* With a base, only what the base allows on the target whatever the arguments is added. */
Test(crossarch, a_base_that_denies_a_counterpart_keeps_it_out)
{
	cleanup_error sh_error *err = NULL;
	sh_profile *base = sh_test_profile("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"archMap\": [{\"architecture\":"
					   " \"SCMP_ARCH_AARCH64\", \"subArchitectures\": []}, {\"architecture\": \"SCMP_ARCH_X86_64\","
					   " \"subArchitectures\": []}], \"syscalls\": [{\"names\": [\"mkdirat\"], \"action\":"
					   " \"SCMP_ACT_ERRNO\"}]}", NULL, &err);
	cr_assert_not_null(base);
	size_t added;
	sh_profile *p = translated(recording, base, &added);
	cr_assert_eq(added, 9);
	node a = node_for(p, SCMP_ARCH_AARCH64);
	cr_assert_eq(answer(&a, SCMP_ARCH_AARCH64, "mkdirat", 0), SECCOMP_RET_ERRNO | 1);
	cr_assert_eq(answer(&a, SCMP_ARCH_AARCH64, "unlinkat", 0), SECCOMP_RET_ALLOW);
	node_free(&a);
	sh_profile_free(p);
	sh_profile_free(base);
}

/* A recording that narrows clone by its namespace flags (record --args) gives fork's clone on aarch64
 * the same condition: a fork runs, a clone into a new user namespace does not. */
Test(crossarch, fork_keeps_the_clone_condition_of_a_narrowed_profile)
{
	size_t added;
	sh_profile *p = translated("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"archMap\": [{\"architecture\":"
				   " \"SCMP_ARCH_X86_64\", \"subArchitectures\": []}], \"syscalls\": [{\"names\": [\"fork\","
				   " \"exit_group\"], \"action\": \"SCMP_ACT_ALLOW\"}, {\"names\": [\"clone\"], \"action\":"
				   " \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 2114060288, \"valueTwo\": 0,"
				   " \"op\": \"SCMP_CMP_MASKED_EQ\"}]}]}", NULL, &added);
	cr_assert_eq(added, 4); /* the masked clone, and the vDSO's three */
	node a = node_for(p, SCMP_ARCH_AARCH64);
	cr_assert_eq(answer(&a, SCMP_ARCH_AARCH64, "clone", 17 /* SIGCHLD */), SECCOMP_RET_ALLOW);
	cr_assert_eq(answer(&a, SCMP_ARCH_AARCH64, "clone", 0x10000000 /* CLONE_NEWUSER */ | 17), SECCOMP_RET_ERRNO | 1);
	node_free(&a);
	sh_profile_free(p);
}

/* check: the calls a listed architecture lacks, with and without their counterparts allowed there. */
static const struct {
	const char *names;       /* the ALLOW rule's, as JSON strings */
	const char *want_codes;  /* findings, in order */
} lint_rows[] = {
	{ "\"open\", \"iopl\"", "missing-counterpart no-counterpart" },
	{ "\"open\", \"openat\", \"iopl\"", "no-counterpart" },
	{ "\"open\", \"openat\", \"arch_prctl\", \"epoll_wait_old\"", "" },
	{ "\"dup2\", \"dup3\"", "missing-counterpart" },
	{ "\"read\", \"write\"", "" },
};

Test(crossarch, check_names_calls_without_a_counterpart)
{
	for (size_t i = 0; i < sizeof lint_rows / sizeof *lint_rows; i++) {
		char json[1024];
		snprintf(json, sizeof json, "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"archMap\": [{\"architecture\":"
			 " \"SCMP_ARCH_X86_64\", \"subArchitectures\": []}, {\"architecture\": \"SCMP_ARCH_AARCH64\","
			 " \"subArchitectures\": []}], \"syscalls\": [{\"names\": [%s], \"action\": \"SCMP_ACT_ALLOW\"}]}",
			 lint_rows[i].names);
		cleanup_error sh_error *err = NULL;
		sh_profile *p = sh_test_profile(json, NULL, &err);
		cr_assert_not_null(p);
		sh_diag d = { 0 };
		sh_crossarch_lint(p, &d);
		char got[256] = "";
		for (size_t k = 0; k < d.n; k++)
			snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", k ? " " : "", d.items[k].code);
		cr_assert_str_eq(got, lint_rows[i].want_codes, "row %zu: %s", i, got);
		sh_diag_free(&d);
		sh_profile_free(p);
	}
}

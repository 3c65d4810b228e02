/* Translator tables in the shape of libseccomp's .tests files: (arch, syscall, args) -> expected
 * SECCOMP_RET value, decided by running the compiled program (what is installed) in the BPF
 * simulator. */
#include "config.h"

#include <criterion/criterion.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <stdio.h>

#include "testutil.h"
#include "translate.h"

#define X86_64 SCMP_ARCH_X86_64
#define X86 SCMP_ARCH_X86
#define X32 SCMP_ARCH_X32
#define RET_ERRNO(e) (SECCOMP_RET_ERRNO | (e))
#define RET_TRACE(e) (SECCOMP_RET_TRACE | (e))

typedef struct row {
	uint32_t arch;
	const char *syscall; /* name, or "#N" for a raw number */
	uint64_t args[6];
	uint32_t expect;
} row;

typedef struct compiled {
	sh_profile *p;
	sh_ruleset *rs;
	sh_bpf bpf;
	sh_diag diag;
} compiled;

static compiled compile_for(const char *json, uint64_t caps, int optimize)
{
	compiled c = { 0 };
	sh_error *err = NULL;
	c.p = sh_test_profile(json, &c.diag, &err);
	cr_assert_not_null(c.p, "%s", err ? err->msg : "");
	sh_target t = { .native_arch = X86_64, .caps = caps, .kmajor = 6, .kminor = 1 };
	cr_assert_eq(sh_resolve(c.p, &t, &c.rs, &c.diag, &err), 0);
	sh_translate_opts o = { .optimize = optimize };
	cr_assert_eq(sh_translate_bpf(c.rs, &o, &c.bpf, &c.diag, &err), 0, "%s", err ? err->msg : "");
	return c;
}

static void compiled_free(compiled *c)
{
	sh_bpf_free(&c->bpf);
	sh_ruleset_free(c->rs);
	sh_profile_free(c->p);
	sh_diag_free(&c->diag);
}

static uint32_t run_row(const sh_bpf *b, const row *r)
{
	sh_seccomp_data d = { 0 };
	d.arch = r->arch == X32 ? AUDIT_ARCH_X86_64 : r->arch;
	if (r->syscall[0] == '#')
		d.nr = atoi(r->syscall + 1);
	else
		d.nr = seccomp_syscall_resolve_name_arch(r->arch, r->syscall);
	cr_assert_geq(d.nr, 0, "%s unknown on arch %#x", r->syscall, r->arch);
	memcpy(d.args, r->args, sizeof(d.args));
	return sh_bpf_run(b->insns, b->len, &d, NULL);
}

static void check_table(const char *json, uint64_t caps, const row *rows, size_t n)
{
	for (int optimize = 1; optimize <= 2; optimize++) {
		compiled c = compile_for(json, caps, optimize);
		for (size_t i = 0; i < n; i++) {
			uint32_t got = run_row(&c.bpf, &rows[i]);
			cr_expect_eq(got, rows[i].expect, "row %zu: arch %#x %s(%#llx, %#llx): got %#x, want %#x (optimize %d)", i,
				     rows[i].arch, rows[i].syscall, (unsigned long long)rows[i].args[0],
				     (unsigned long long)rows[i].args[1], got, rows[i].expect, optimize);
		}
		compiled_free(&c);
	}
}

#define ARCHMAP_X86                                                                                         \
	"\"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\", \"subArchitectures\": [\"SCMP_ARCH_X86\", " \
	"\"SCMP_ARCH_X32\"]}]"

static const char actions_profile[] =
	"{\"defaultAction\": \"SCMP_ACT_ERRNO\", " ARCHMAP_X86 ", \"listenerPath\": \"/run/l.sock\", \"syscalls\": ["
	"{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"},"
	"{\"names\": [\"write\"], \"action\": \"SCMP_ACT_LOG\"},"
	"{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_TRAP\"},"
	"{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_KILL\"},"
	"{\"names\": [\"gettid\"], \"action\": \"SCMP_ACT_KILL_PROCESS\"},"
	"{\"names\": [\"getuid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38},"
	"{\"names\": [\"geteuid\"], \"action\": \"SCMP_ACT_TRACE\", \"errnoRet\": 7},"
	"{\"names\": [\"getgid\"], \"action\": \"SCMP_ACT_NOTIFY\"},"
	"{\"names\": [\"getegid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 4095},"
	"{\"names\": [\"close\"], \"action\": \"SCMP_ACT_ERRNO\"}]}";

Test(translate, every_action_on_every_arch)
{
	const uint32_t arches[] = { X86_64, X86, X32 };
	for (size_t a = 0; a < 3; a++) {
		uint32_t A = arches[a];
		const row rows[] = {
			{ A, "read", { 0 }, SECCOMP_RET_ALLOW },	   { A, "write", { 0 }, SECCOMP_RET_LOG },
			{ A, "getpid", { 0 }, SECCOMP_RET_TRAP },	   { A, "getppid", { 0 }, SECCOMP_RET_KILL_THREAD },
			{ A, "gettid", { 0 }, SECCOMP_RET_KILL_PROCESS }, { A, "getuid", { 0 }, RET_ERRNO(38) },
			{ A, "geteuid", { 0 }, RET_TRACE(7) },		   { A, "getgid", { 0 }, SECCOMP_RET_USER_NOTIF },
			{ A, "getegid", { 0 }, RET_ERRNO(4095) },	   { A, "close", { 0 }, RET_ERRNO(1) },
			{ A, "mkdir", { 0 }, RET_ERRNO(1) }, /* known, unlisted: the default */
		};
		check_table(actions_profile, 0, rows, sizeof(rows) / sizeof(rows[0]));
	}
}

#define ONE_ARG_RULE(op, v, v2)                                                                              \
	"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getppid\"], \"action\": "     \
	"\"SCMP_ACT_ERRNO\", \"errnoRet\": 5, \"args\": [{\"index\": 2, \"value\": " #v ", \"valueTwo\": " #v2 \
	", \"op\": \"SCMP_CMP_" #op "\"}]}]}"

#define A2(v) { 0, 0, (v), 0, 0, 0 }
#define D RET_ERRNO(5)
#define OK SECCOMP_RET_ALLOW

Test(translate, operators_at_boundaries_and_64_bit_values)
{
	const struct {
		const char *json;
		row rows[6];
	} cases[] = {
		{ ONE_ARG_RULE(EQ, 4294967296, 0), { { X86_64, "getppid", A2(4294967296ULL), D }, { X86_64, "getppid", A2(0), OK },
						     { X86_64, "getppid", A2(4294967295ULL), OK }, { X86_64, "getppid", A2(4294967297ULL), OK } } },
		{ ONE_ARG_RULE(NE, 7, 0), { { X86_64, "getppid", A2(6), D }, { X86_64, "getppid", A2(7), OK },
					    { X86_64, "getppid", A2(8), D }, { X86_64, "getppid", A2(0x100000007ULL), D } } },
		{ ONE_ARG_RULE(LT, 4294967296, 0), { { X86_64, "getppid", A2(4294967295ULL), D }, { X86_64, "getppid", A2(4294967296ULL), OK },
						     { X86_64, "getppid", A2(4294967297ULL), OK }, { X86_64, "getppid", A2(0), D } } },
		{ ONE_ARG_RULE(LE, 100, 0), { { X86_64, "getppid", A2(99), D }, { X86_64, "getppid", A2(100), D },
					      { X86_64, "getppid", A2(101), OK }, { X86_64, "getppid", A2(0x100000000ULL), OK } } },
		{ ONE_ARG_RULE(GT, 18446744073709551614, 0), { { X86_64, "getppid", A2(UINT64_MAX - 1), OK },
							       { X86_64, "getppid", A2(UINT64_MAX), D }, { X86_64, "getppid", A2(0), OK } } },
		{ ONE_ARG_RULE(GE, 100, 0), { { X86_64, "getppid", A2(99), OK }, { X86_64, "getppid", A2(100), D },
					      { X86_64, "getppid", A2(101), D }, { X86_64, "getppid", A2(0xffffffff00000000ULL), D } } },
		{ ONE_ARG_RULE(MASKED_EQ, 1030792151280, 68719476752), { { X86_64, "getppid", A2(0x1000000010ULL), D },
									 { X86_64, "getppid", A2(0x100000001fULL), D },
									 { X86_64, "getppid", A2(0x0000000010ULL), OK },
									 { X86_64, "getppid", A2(0x1000000020ULL), OK } } },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = 0;
		while (n < 6 && cases[i].rows[n].syscall)
			n++;
		check_table(cases[i].json, 0, cases[i].rows, n);
	}
}

Test(translate, repeated_index_is_or_and_distinct_indexes_are_and)
{
	const char *json = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
			   "{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
			   " {\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"}, {\"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_EQ\"}]},"
			   "{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
			   " {\"index\": 0, \"value\": 2, \"op\": \"SCMP_CMP_EQ\"}, {\"index\": 1, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}";
	const row rows[] = {
		{ X86_64, "personality", { 0 }, OK },	 { X86_64, "personality", { 8 }, OK },
		{ X86_64, "personality", { 1 }, RET_ERRNO(1) },
		{ X86_64, "socket", { 2, 1 }, OK },	 { X86_64, "socket", { 2, 2 }, RET_ERRNO(1) },
		{ X86_64, "socket", { 10, 1 }, RET_ERRNO(1) },
	};
	check_table(json, 0, rows, sizeof(rows) / sizeof(rows[0]));
}

Test(translate, rules_equal_to_the_default_are_skipped)
{
	const char *json = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1, \"syscalls\": ["
			   "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\"},"
			   "{\"names\": [\"write\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1},"
			   "{\"names\": [\"close\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 2},"
			   "{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ALLOW\"}]}";
	const row rows[] = {
		{ X86_64, "read", { 0 }, RET_ERRNO(1) },
		{ X86_64, "write", { 0 }, RET_ERRNO(1) },
		{ X86_64, "close", { 0 }, RET_ERRNO(2) },
		{ X86_64, "getpid", { 0 }, OK },
	};
	check_table(json, 0, rows, sizeof(rows) / sizeof(rows[0]));
}

Test(translate, unknown_names_are_skipped_with_a_warning)
{
	const char *json = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\", "
			   "\"no_such_syscall\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\"},"
			   "{\"names\": [\"socketcall\", \"arch_prctl\"], \"action\": \"SCMP_ACT_ALLOW\"}]}";
	compiled c = compile_for(json, 0, 2);
	cr_assert_eq(c.diag.n, 1, "one warning: the name no arch knows");
	cr_assert_str_eq(c.diag.items[0].code, "unknown-syscall");
	cr_assert_str_eq(c.diag.items[0].msg, "syscalls[0]: unknown syscall 'no_such_syscall' (skipped)");
	cr_assert_eq(c.diag.items[0].line, 1);
	cr_assert_eq(c.diag.items[0].col, (unsigned)(strstr(json, "\"no_such") - json) + 1, "points at the name");
	const row r = { X86_64, "write", { 0 }, OK };
	cr_assert_eq(run_row(&c.bpf, &r), OK);
	compiled_free(&c);
}

Test(translate, syscalls_newer_than_the_profile_get_enosys)
{
	const char *json = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", " ARCHMAP_X86 ", \"syscalls\": ["
			   "{\"names\": [\"read\", \"write\", \"openat\"], \"action\": \"SCMP_ACT_ALLOW\"}]}";
	/* openat is 257 on x86_64 and 295 on x86: above those, ENOSYS; below, the default. */
	char x32_above[16];
	snprintf(x32_above, sizeof x32_above, "#%d", 0x40000000 + 258);
	const row rows[] = {
		{ X86_64, "#258", { 0 }, RET_ERRNO(38) }, { X86_64, "#1000", { 0 }, RET_ERRNO(38) },
		{ X86_64, "#256", { 0 }, RET_ERRNO(1) },  { X86_64, "mkdir", { 0 }, RET_ERRNO(1) },
		{ X86_64, "openat", { 0 }, OK },	  { X86, "#296", { 0 }, RET_ERRNO(38) },
		{ X86, "#294", { 0 }, RET_ERRNO(1) },	  { X86, "openat", { 0 }, OK },
		{ X32, x32_above, { 0 }, RET_ERRNO(38) }, { X32, "mkdir", { 0 }, RET_ERRNO(1) },
		{ X32, "openat", { 0 }, OK },
	};
	check_table(json, 0, rows, sizeof(rows) / sizeof(rows[0]));
}

Test(translate, no_enosys_stub_when_the_default_allows_or_is_enosys)
{
	const char *allow = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
			    "\"action\": \"SCMP_ACT_ERRNO\"}]}";
	const row r1[] = { { X86_64, "#1000", { 0 }, OK }, { X86_64, "read", { 0 }, RET_ERRNO(1) } };
	check_table(allow, 0, r1, 2);
	const char *enosys = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38, \"syscalls\": "
			     "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}";
	const row r2[] = { { X86_64, "#1000", { 0 }, RET_ERRNO(38) }, { X86_64, "#100", { 0 }, RET_ERRNO(38) } };
	check_table(enosys, 0, r2, 2);
}

Test(translate, archmap_decides_which_abis_are_filtered)
{
	/* With x86 in the set an x86 call is filtered by the rules; without it, it hits the
	 * bad-architecture action (libseccomp's default: kill). */
	const char *with = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", " ARCHMAP_X86
			   ", \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}";
	const char *without = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"archMap\": [{\"architecture\": "
			      "\"SCMP_ARCH_AARCH64\", \"subArchitectures\": [\"SCMP_ARCH_ARM\"]}], \"syscalls\": "
			      "[{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}";
	const row r1[] = { { X86, "read", { 0 }, OK }, { X86, "#2", { 0 }, RET_ERRNO(1) }, { X32, "read", { 0 }, OK } };
	check_table(with, 0, r1, 3);
	const row r2[] = { { X86_64, "read", { 0 }, OK }, { X86, "read", { 0 }, SECCOMP_RET_KILL_THREAD },
			   { X32, "read", { 0 }, SECCOMP_RET_KILL_THREAD } };
	check_table(without, 0, r2, 3);
}

static char *read_upstream(const char *name)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", sh_test_upstream_dir(), name);
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	char *buf = calloc(1, 1 << 20);
	size_t n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

Test(translate, docker_default_with_and_without_caps)
{
	char *json = read_upstream("docker-default.json");
	const row none[] = {
		{ X86_64, "read", { 0 }, OK },			     { X86_64, "mount", { 0 }, RET_ERRNO(1) },
		{ X86_64, "unshare", { 0 }, RET_ERRNO(1) },	     { X86_64, "clone3", { 0 }, RET_ERRNO(38) },
		{ X86_64, "clone", { 0x11 }, OK },		     { X86_64, "clone", { 0x10000000 }, RET_ERRNO(1) },
		{ X86_64, "personality", { 0 }, OK },		     { X86_64, "personality", { 1 }, RET_ERRNO(1) },
		{ X86_64, "personality", { 0xffffffff }, OK },	     { X86_64, "socket", { 40 }, OK },
		{ X86_64, "socket", { 2 }, OK },		     { X86_64, "socket", { 39 }, OK },
		{ X86_64, "ptrace", { 0 }, OK },		     { X86_64, "#1000", { 0 }, RET_ERRNO(38) },
		{ X86, "read", { 0 }, OK },			     { X86, "mount", { 0 }, RET_ERRNO(1) },
		{ X32, "read", { 0 }, OK },
	};
	check_table(json, 0, none, sizeof(none) / sizeof(none[0]));
	const row admin[] = {
		{ X86_64, "mount", { 0 }, OK },
		{ X86_64, "unshare", { 0 }, OK },
		{ X86_64, "clone3", { 0 }, OK },
		{ X86_64, "clone", { 0x10000000 }, OK },
	};
	check_table(json, SH_CAP(21), admin, sizeof(admin) / sizeof(admin[0]));
	free(json);
}

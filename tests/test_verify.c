/* Every program is checked against its rules (verify.h), repaired with seccomp-hook's own argument
 * checks where libseccomp 2.5.4 is wrong (argcheck.h), and libseccomp runs bounded (bounded.h).
 *  - the three families libseccomp gets wrong, as regressions: the 64-bit merge of GHSA-4q85-33p6-j5g6,
 *    the comparison on the wrong half, the endless loop of three conditional rules;
 *  - the verifier on programs written by hand (right, wrong, unreadable, too much work);
 *  - the own checks for every operator on 64-bit, 32-bit and big-endian ABIs;
 *  - a differential test: random rule sets (several rules per syscall, every operator, 64-bit values,
 *    several arguments, every action) compiled through the product and run in the BPF simulator at
 *    the boundary values of every condition and at random values, against the rules' answer
 *    (sh_verify_rules_answer). SH_VERIFY_SETS and SH_VERIFY_SEED choose how many sets and which
 *    (make check: 600 from seed 1; fuzz/run.sh: 100,000 from fresh seeds); SH_VERIFY_PROFILE=FILE
 *    checks the one set a failure printed.
 *  - sets the long run found, as regressions: two masks on one argument the verifier had no candidate
 *    for, and libseccomp reusing the accumulator where paths meet;
 *  - candidates: every set of answers a half can give has a candidate, on small domains. */
#include "config.h"

#include <criterion/criterion.h>
#include <inttypes.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "argcheck.h"
#include "bounded.h"
#include "candidates.h"
#include "names.h"
#include "testutil.h"
#include "translate.h"
#include "util.h"
#include "verify.h"

#define KILL SECCOMP_RET_KILL_PROCESS
#define ALLOW SECCOMP_RET_ALLOW
#define ERRNO(e) (SECCOMP_RET_ERRNO | (e))

typedef struct compiled {
	sh_profile *p;
	sh_ruleset *rs;
	sh_bpf bpf; /* the program the product installs */
	sh_diag diag;
} compiled;

static compiled load_for(const char *json, uint32_t native)
{
	compiled c = { 0 };
	sh_error *err = NULL;
	c.p = sh_test_profile(json, &c.diag, &err);
	cr_assert_not_null(c.p, "%s", err ? err->msg : "");
	sh_target t = { .native_arch = native, .kmajor = 6, .kminor = 1 };
	cr_assert_eq(sh_resolve(c.p, &t, &c.rs, &c.diag, &err), 0, "%s", err ? err->msg : "");
	return c;
}

static compiled load(const char *json)
{
	return load_for(json, SCMP_ARCH_X86_64);
}

static compiled compile(const char *json)
{
	compiled c = load(json);
	sh_error *err = NULL;
	cr_assert_eq(sh_translate_bpf(c.rs, NULL, &c.bpf, &c.diag, &err), 0, "%s", err ? err->msg : "");
	return c;
}

static void compiled_free(compiled *c)
{
	sh_bpf_free(&c->bpf);
	sh_ruleset_free(c->rs);
	sh_profile_free(c->p);
	sh_diag_free(&c->diag);
}

/* libseccomp's program as it built it: no stub, nothing checked or repaired (profiles here have a
 * default that needs no stub, so this is exactly what runc installs). */
static sh_bpf libseccomp_program(const sh_ruleset *rs)
{
	sh_translate_opts o = { .optimize = 1, .no_enosys_stub = true };
	sh_bpf b = { 0 };
	sh_error *err = NULL;
	cr_assert_eq(sh_translate_bpf(rs, &o, &b, NULL, &err), 0, "%s", err ? err->msg : "");
	return b;
}

static uint32_t run(const sh_bpf *b, uint32_t arch, int nr, const uint64_t args[6])
{
	sh_seccomp_data d = { .nr = nr, .arch = arch == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : arch };
	memcpy(d.args, args, sizeof(d.args));
	return sh_bpf_run(b->insns, b->len, &d, NULL);
}

static int nr_of(uint32_t arch, const char *name)
{
	int nr = sh_syscall_number(arch, name);
	cr_assert_geq(nr, 0, "%s on %#x", name, arch);
	return nr;
}

static uint32_t personality(const sh_bpf *b, uint64_t a0, uint64_t a1)
{
	uint64_t args[6] = { a0, a1 };
	return run(b, SCMP_ARCH_X86_64, nr_of(SCMP_ARCH_X86_64, "personality"), args);
}

static bool has_note(const sh_diag *d, const char *code, const char *text)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->items[i].code, code) == 0 && strstr(d->items[i].msg, text))
			return true;
	return false;
}

/* ---- the three families, as reported ------------------------------------------------------------ */

/* The low word compared with a high-word constant: values neither rule matches are allowed. */
static const char wrong_half[] =
	"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\"],\"syscalls\":["
	"{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13,\"args\":[{\"index\":0,\"value\":10,\"op\":\"SCMP_CMP_LT\"}]},"
	"{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_KILL_PROCESS\",\"args\":[{\"index\":0,\"value\":8589934593,\"op\":\"SCMP_CMP_LE\"}]}]}";

Test(regression, wrong_half_is_killed)
{
	compiled c = compile(wrong_half);
	sh_bpf raw = libseccomp_program(c.rs);
	/* libseccomp 2.5.4 lets personality(10) through: 10 <= 0x200000001 and not < 10 */
	cr_assert_eq(personality(&raw, 10, 0), ALLOW, "libseccomp's program no longer has the bug: update this test");
	cr_assert_eq(personality(&c.bpf, 10, 0), KILL);
	cr_assert_eq(personality(&c.bpf, 0x200000001, 0), KILL);
	cr_assert_eq(personality(&c.bpf, 0x200000002, 0), ALLOW);
	cr_assert_eq(personality(&c.bpf, 5, 0), KILL); /* both hold: the more restrictive */
	cr_assert(has_note(&c.diag, "own-checks", "personality(arg0="));
	/* The verifier names a call where libseccomp's program is weaker, and it is. */
	sh_verify_report rep;
	sh_error *err = NULL;
	cr_assert_eq(sh_verify_program(c.rs, &raw, NULL, &rep, &err), 1);
	cr_assert_eq(rep.nmiss, 1);
	cr_assert_eq(rep.miss[0].got, ALLOW);
	cr_assert_eq(rep.miss[0].want, KILL);
	cr_assert_not(rep.miss[0].overlap);
	cr_assert_eq(personality(&raw, rep.miss[0].args[0], 0), ALLOW);
	cr_assert_geq(rep.miss[0].args[0], 10);
	cr_assert_leq(rep.miss[0].args[0], 0x200000001);
	sh_verify_report_free(&rep);
	/* What runc and crun would build from the OCI form is refused, naming the call and a value. */
	cr_assert_eq(sh_translate_runtime_form(c.rs, NULL, &err), -1);
	cr_assert(strstr(err->msg, "personality(arg0=") && strstr(err->msg, "gets SCMP_ACT_ALLOW where the rules say "
								  "SCMP_ACT_KILL_PROCESS"), "%s", err->msg);
	cr_assert(strstr(err->msg, "64-bit comparisons"), "%s", err->msg);
	sh_error_free(err);
	sh_bpf_free(&raw);
	compiled_free(&c);
}

/* GHSA-4q85-33p6-j5g6: two entries with different actions and overlapping LT conditions on values
 * of 2^32 and more. */
Test(regression, merged_64bit_overlap_is_killed)
{
	compiled c = compile(
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86_64\"],\"syscalls\":["
		"{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":4294967396,\"op\":\"SCMP_CMP_LT\"}]},"
		"{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_KILL_PROCESS\",\"args\":[{\"index\":0,\"value\":4294967306,\"op\":\"SCMP_CMP_LT\"}]}]}");
	sh_translate_opts linear = { .optimize = 1 };
	sh_bpf raw = { 0 };
	sh_error *err = NULL;
	cr_assert_eq(sh_translate_bpf(c.rs, &(sh_translate_opts){ .optimize = 1, .no_enosys_stub = true }, &raw, NULL, &err), 0);
	cr_assert_eq(personality(&raw, 0, 0), ALLOW, "libseccomp's program no longer has the bug: update this test");
	cr_assert_eq(personality(&raw, 0x100000000, 0), KILL); /* its own reading is not even consistent */
	for (int form = 0; form < 2; form++) {
		sh_bpf b = { 0 };
		cr_assert_eq(sh_translate_bpf(c.rs, form ? &linear : NULL, &b, NULL, &err), 0);
		cr_assert_eq(personality(&b, 0, 0), KILL);
		cr_assert_eq(personality(&b, 0x100000009, 0), KILL);
		cr_assert_eq(personality(&b, 0x10000000a, 0), ALLOW);
		cr_assert_eq(personality(&b, 0x100000063, 0), ALLOW);
		cr_assert_eq(personality(&b, 0x100000064, 0), ERRNO(1));
		sh_bpf_free(&b);
	}
	cr_assert_eq(sh_translate_runtime_form(c.rs, NULL, &err), -1);
	cr_assert(strstr(err->msg, "personality(arg0=0) on SCMP_ARCH_X86_64 gets SCMP_ACT_ALLOW"), "%s", err->msg);
	sh_error_free(err);
	sh_bpf_free(&raw);
	compiled_free(&c);
}

/* Three conditional rules on one syscall (GE/LE/EQ on 64-bit values over two arguments, ERRNO and
 * KILL_PROCESS): libseccomp 2.5.4's seccomp_rule_add never returns on the third. Found with the
 * generator below. */
static const char endless[] =
	"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\"],\"syscalls\":["
	"{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1,\"args\":[{\"index\":0,\"value\":4294967299,\"op\":\"SCMP_CMP_GE\"},{\"index\":1,\"value\":0,\"op\":\"SCMP_CMP_GE\"}]},"
	"{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_KILL_PROCESS\",\"args\":[{\"index\":0,\"value\":8589934592,\"op\":\"SCMP_CMP_EQ\"},{\"index\":1,\"value\":4294967296,\"op\":\"SCMP_CMP_LE\"}]},"
	"{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_KILL_PROCESS\",\"args\":[{\"index\":0,\"value\":4294967299,\"op\":\"SCMP_CMP_GE\"},{\"index\":1,\"value\":4294967299,\"op\":\"SCMP_CMP_EQ\"}]}]}";

Test(regression, endless_rule_add_compiles_within_a_second)
{
	compiled c = load(endless);
	double t0 = sh_test_cpu_ms();
	sh_error *err = NULL;
	cr_assert_eq(sh_translate_bpf(c.rs, NULL, &c.bpf, &c.diag, &err), 0, "%s", err ? err->msg : "");
	double own = sh_test_cpu_ms() - t0;
	cr_assert_lt(own, 1000, "%.0f ms of CPU time", own);
	cr_assert(has_note(&c.diag, "own-checks", "does not finish adding the rules of personality"));
	cr_assert_eq(personality(&c.bpf, 0, 0), ALLOW);
	cr_assert_eq(personality(&c.bpf, 0x100000003, 0), ERRNO(1));
	cr_assert_eq(personality(&c.bpf, 0x100000003, 0x100000003), KILL); /* rules 0 and 2 */
	cr_assert_eq(personality(&c.bpf, 0x200000000, 5), KILL);	     /* rules 0 and 1 */
	cr_assert_eq(personality(&c.bpf, 0x200000000, 0x100000001), ERRNO(1));
	/* runc would hang on the OCI form: refused, within a second too. */
	t0 = sh_test_cpu_ms();
	cr_assert_eq(sh_translate_runtime_form(c.rs, NULL, &err), -1);
	double runtime = sh_test_cpu_ms() - t0;
	cr_assert_lt(runtime, 1000, "%.0f ms of CPU time", runtime);
	cr_assert(strstr(err->msg, "does not finish adding the rules of personality"), "%s", err->msg);
	sh_error_free(err);
	compiled_free(&c);
}

/* The runs of one translation share its CPU budget: a profile whose rules take libseccomp seconds
 * to add, and three syscalls it never finishes, made four runs of about three seconds each (the
 * skipped calls' checks are built here, and each run starts over), 13 s in all. Together they now
 * get TOTAL_MS (4 s, rounded up to RLIMIT_CPU's whole seconds): the profile compiles with its own
 * checks or is refused, within about five seconds either way. */
static char *slow_and_endless(void)
{
	char *conds = sh_xstrdup(""), *names = sh_xstrdup(""), *rules = sh_xstrdup("");
	for (int i = 0; i < 40; i++) {
		char *c = sh_xasprintf("%s%s{\"index\":0,\"value\":%d,\"op\":\"SCMP_CMP_EQ\"}", conds, i ? "," : "", i * 3 + 1);
		free(conds);
		conds = c;
	}
	for (int nr = 0, n = 0; n < 50; nr++) {
		cleanup_free char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
		if (!name)
			continue;
		char *more = sh_xasprintf("%s%s\"%s\"", names, n++ ? "," : "", name);
		free(names);
		names = more;
	}
	for (int i = 0; i < 20; i++) {
		char *more = sh_xasprintf("%s{\"names\":[%s],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1,\"args\":[%s]},",
					  rules, names, conds);
		free(rules);
		rules = more;
	}
	const char *stuck[] = { "personality", "umask", "getpgid" };
	for (size_t i = 0; i < SH_ARRAY_SIZE(stuck); i++) {
		const char *n = stuck[i];
		char *more = sh_xasprintf(
			"%s{\"names\":[\"%s\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1,\"args\":[{\"index\":0,\"value\":4294967299,"
			"\"op\":\"SCMP_CMP_GE\"},{\"index\":1,\"value\":0,\"op\":\"SCMP_CMP_GE\"}]},"
			"{\"names\":[\"%s\"],\"action\":\"SCMP_ACT_KILL_PROCESS\",\"args\":[{\"index\":0,\"value\":8589934592,"
			"\"op\":\"SCMP_CMP_EQ\"},{\"index\":1,\"value\":4294967296,\"op\":\"SCMP_CMP_LE\"}]},"
			"{\"names\":[\"%s\"],\"action\":\"SCMP_ACT_KILL_PROCESS\",\"args\":[{\"index\":0,\"value\":4294967299,"
			"\"op\":\"SCMP_CMP_GE\"},{\"index\":1,\"value\":4294967299,\"op\":\"SCMP_CMP_EQ\"}]}%s",
			rules, n, n, n, i + 1 < SH_ARRAY_SIZE(stuck) ? "," : "");
		free(rules);
		rules = more;
	}
	char *json = sh_xasprintf("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
				  "\"syscalls\":[%s]}", rules);
	free(conds);
	free(names);
	free(rules);
	return json;
}

Test(regression, the_runs_of_a_translation_share_its_budget)
{
	cleanup_free char *json = slow_and_endless();
	compiled c = load(json);
	double t0 = sh_test_cpu_ms();
	sh_error *err = NULL;
	int r = sh_translate_bpf(c.rs, NULL, &c.bpf, &c.diag, &err);
	double took = sh_test_cpu_ms() - t0;
	cr_assert_lt(took, 5500, "%.0f ms of CPU time", took);
	if (r < 0) {
		cr_assert(strstr(err->msg, "did not finish within 4000 ms of CPU time"), "%s", err->msg);
		sh_error_free(err);
	} else {
		cr_assert(has_note(&c.diag, "own-checks", "does not finish adding the rules of getpgid"));
	}
	compiled_free(&c);
}

/* libseccomp reads a masked datum with the mask applied (valueTwo & value), so its program lets the
 * ERRNO rule hold where the OCI reading never does; the calls that show it need bit 2 set (against
 * the LOG rule's mask) on top of the ERRNO rule's mask bits: a value only a pair of masks gives. The
 * 100,000-set run found it. */
Test(regression, two_masks_on_one_argument)
{
	compiled c = compile(
		"{\"defaultAction\":\"SCMP_ACT_KILL_PROCESS\",\"architectures\":[\"SCMP_ARCH_X86_64\"],\"syscalls\":["
		"{\"names\":[\"fcntl\"],\"action\":\"SCMP_ACT_LOG\",\"args\":[{\"index\":1,\"value\":4294967300,\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"},"
		"{\"index\":1,\"value\":4294967294,\"op\":\"SCMP_CMP_GE\"}]},"
		"{\"names\":[\"fcntl\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":3,\"args\":[{\"index\":1,\"value\":10321731026527092034,\"valueTwo\":4294967286,\"op\":\"SCMP_CMP_MASKED_EQ\"},"
		"{\"index\":0,\"value\":7,\"valueTwo\":4294967296,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}");
	sh_bpf raw = libseccomp_program(c.rs);
	uint64_t args[6] = { 0, 0xfffffff6 };
	int nr = nr_of(SCMP_ARCH_X86_64, "fcntl");
	cr_assert_eq(run(&raw, SCMP_ARCH_X86_64, nr, args), ERRNO(3), "libseccomp's program no longer has it: update this test");
	cr_assert_eq(run(&c.bpf, SCMP_ARCH_X86_64, nr, args), KILL);
	/* The verifier names fcntl, with a call where libseccomp's program is weaker (the raw program has
	 * no ENOSYS stub, so other numbers differ too). */
	sh_verify_report rep;
	sh_error *err = NULL;
	cr_assert_eq(sh_verify_program(c.rs, &raw, NULL, &rep, &err), 1);
	const sh_verify_miss *m = NULL;
	for (size_t i = 0; i < rep.nmiss; i++)
		m = rep.miss[i].nr == nr ? &rep.miss[i] : m;
	cr_assert_not_null(m);
	cr_assert_eq(run(&raw, SCMP_ARCH_X86_64, nr, m->args), ERRNO(3));
	cr_assert_eq(m->want, KILL);
	cr_assert_eq(run(&c.bpf, SCMP_ARCH_X86_64, nr, m->args), KILL);
	sh_verify_report_free(&rep);
	sh_bpf_free(&raw);
	compiled_free(&c);
}

/* libseccomp 2.5.4 reuses the accumulator where two paths meet with different words in it: on x86
 * ipc(SEMGET, 0, 0xfffffff8) reaches a test of a1 >= 0xfffffff6 with a2 & 0xfffffffc in A, and is
 * answered ERRNO where no rule holds. The check asks the masked word's order (candidates.h). The
 * 100,000-set run found it. */
Test(regression, accumulator_reused_across_paths)
{
	compiled c = compile(
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\",\"subArchitectures\":"
		"[\"SCMP_ARCH_X86\"]}],\"syscalls\":["
		"{\"names\":[\"semget\"],\"action\":\"SCMP_ACT_LOG\",\"args\":[{\"index\":0,\"value\":4294967301,\"valueTwo\":2,\"op\":\"SCMP_CMP_MASKED_EQ\"},"
		"{\"index\":1,\"value\":9,\"op\":\"SCMP_CMP_GE\"},{\"index\":2,\"value\":18446744073709551615,\"op\":\"SCMP_CMP_EQ\"}]},"
		"{\"names\":[\"semget\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1,\"args\":[{\"index\":0,\"value\":4294967299,\"op\":\"SCMP_CMP_LE\"},"
		"{\"index\":1,\"value\":18446744073709551606,\"op\":\"SCMP_CMP_GE\"}]},"
		"{\"names\":[\"semget\"],\"action\":\"SCMP_ACT_LOG\",\"args\":[{\"index\":1,\"value\":11,\"op\":\"SCMP_CMP_LE\"},"
		"{\"index\":2,\"value\":18446744073709551612,\"valueTwo\":18446744073709551612,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}");
	sh_bpf raw = libseccomp_program(c.rs);
	int ipc = nr_of(SCMP_ARCH_X86, "ipc");
	uint64_t args[6] = { 2, 0, 0xfffffff8 };
	cr_assert_eq(run(&raw, SCMP_ARCH_X86, ipc, args), ERRNO(1), "libseccomp's program no longer has it: update this test");
	cr_assert_eq(run(&c.bpf, SCMP_ARCH_X86, ipc, args), ALLOW);
	sh_verify_report rep;
	sh_error *err = NULL;
	cr_assert_eq(sh_verify_program(c.rs, &raw, NULL, &rep, &err), 1);
	bool named = false;
	for (size_t i = 0; i < rep.nmiss; i++)
		named |= rep.miss[i].arch == SCMP_ARCH_X86 && rep.miss[i].nr == ipc &&
			 run(&raw, SCMP_ARCH_X86, ipc, rep.miss[i].args) == rep.miss[i].got;
	cr_assert(named);
	sh_verify_report_free(&rep);
	sh_bpf_free(&raw);
	compiled_free(&c);
}

/* ---- the verifier on programs written by hand ---------------------------------------------------- */

#define LD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, off)
#define JEQ(k, t, f) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, t, f)
#define JGT(k, t, f) BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, k, t, f)
#define JGE(k, t, f) BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, k, t, f)
#define RET(k) BPF_STMT(BPF_RET | BPF_K, k)
#define A0_LO 16
#define A0_HI 20
/* x86_64 only: other arches and the x32 numbers (but -1) are a bad architecture; at instruction 7 A
 * holds the number. */
#define PREFIX LD(4), JEQ(AUDIT_ARCH_X86_64, 1, 0), RET(0), LD(0), JGE(0x40000000, 0, 2), JEQ(0xffffffff, 1, 0), RET(0)

/* ALLOW personality (135) when arg0 > 0x100000000, else the default ERRNO(38) (no ENOSYS stub). */
static const char gt_wide[] =
	"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,\"architectures\":[\"SCMP_ARCH_X86_64\"],\"syscalls\":["
	"{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":4294967296,\"op\":\"SCMP_CMP_GT\"}]}]}";

typedef struct hand {
	const char *what;
	struct sock_filter p[20];
	size_t n;
	int expect; /* sh_verify_program's result */
	int nr;     /* 1: the call it names */
} hand;

Test(verifier, programs_written_by_hand)
{
	compiled c = load(gt_wide);
	const hand rows[] = {
		{ "right: the high half, then the low one",
		  { PREFIX, JEQ(135, 0, 6), LD(A0_HI), JGT(1, 3, 0), JEQ(1, 0, 3), LD(A0_LO), JGT(0, 0, 1), RET(ALLOW), RET(ERRNO(38)) },
		  15, 0, 0 },
		{ "wrong: the low half compared with the high constant",
		  { PREFIX, JEQ(135, 0, 6), LD(A0_HI), JGT(1, 3, 0), JEQ(1, 0, 3), LD(A0_LO), JGT(1, 0, 1), RET(ALLOW), RET(ERRNO(38)) },
		  15, 1, 135 },
		{ "wrong: the high half alone (0x1_00000000 itself passes)",
		  { PREFIX, JEQ(135, 0, 3), LD(A0_HI), JGT(0, 0, 1), RET(ALLOW), RET(ERRNO(38)) }, 12, 1, 135 },
		{ "wrong: another syscall's answer changed",
		  { PREFIX, JEQ(39, 0, 1), RET(ALLOW), JEQ(135, 0, 6), LD(A0_HI), JGT(1, 3, 0), JEQ(1, 0, 3), LD(A0_LO),
		    JGT(0, 0, 1), RET(ALLOW), RET(ERRNO(38)) }, 17, 1, 39 },
		{ "wrong: x32 numbers let through", { LD(4), JEQ(AUDIT_ARCH_X86_64, 1, 0), RET(0), LD(0), JEQ(135, 0, 6),
		  LD(A0_HI), JGT(1, 3, 0), JEQ(1, 0, 3), LD(A0_LO), JGT(0, 0, 1), RET(ALLOW), RET(ERRNO(38)) }, 12, 1, 0x3fffffff + 1 },
		{ "unreadable: a return of A that holds an argument", { PREFIX, LD(A0_LO), BPF_STMT(BPF_RET | BPF_A, 0) }, 9, -1, 0 },
		{ "unreadable: an argument compared with another",
		  { PREFIX, LD(A0_LO), BPF_STMT(BPF_MISC | BPF_TAX, 0), LD(A0_HI), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_X, 0, 0, 1),
		    RET(ALLOW), RET(ERRNO(38)) }, 13, -1, 0 },
	};
	for (size_t i = 0; i < SH_ARRAY_SIZE(rows); i++) {
		sh_bpf b = { (struct sock_filter *)rows[i].p, rows[i].n };
		sh_verify_report rep;
		sh_error *err = NULL;
		int r = sh_verify_program(c.rs, &b, NULL, &rep, &err);
		cr_assert_eq(r, rows[i].expect, "%s: %d (%s)", rows[i].what, r, err ? err->msg : "");
		if (r == 1) {
			/* The call named is one where the program and the rules differ. */
			const sh_verify_miss *m = &rep.miss[0];
			sh_call_rules rules;
			sh_call_rules_build(c.rs, m->arch, m->nr, &rules);
			cr_assert_eq(m->nr, rows[i].nr, "%s: %#x", rows[i].what, m->nr);
			cr_assert_eq(run(&b, m->arch, m->nr, m->args), m->got, "%s", rows[i].what);
			cr_assert_eq(sh_verify_rules_answer(&rules, m->args).ret, m->want, "%s", rows[i].what);
			cr_assert_neq(m->got, m->want);
			sh_call_rules_free(&rules);
		}
		sh_verify_report_free(&rep);
		sh_error_free(err);
	}
	compiled_free(&c);
}

Test(verifier, work_is_bounded)
{
	compiled c = compile(gt_wide);
	sh_verify_opts o = { .max_steps = 100 };
	sh_verify_report rep;
	sh_error *err = NULL;
	cr_assert_eq(sh_verify_program(c.rs, &c.bpf, &o, &rep, &err), -1);
	cr_assert(strstr(err->msg, "takes more than 100 steps"), "%s", err->msg);
	cr_assert_gt(rep.steps, 100);
	sh_verify_report_free(&rep);
	sh_error_free(err);
	o.max_steps = 0;
	cr_assert_eq(sh_verify_program(c.rs, &c.bpf, &o, &rep, &err), 0);
	cr_assert_gt(rep.calls, 10);
	sh_verify_report_free(&rep);
	compiled_free(&c);
}

/* A report program: errno answers become USER_NOTIF, and are checked as such. */
Test(verifier, report_programs_are_checked_as_installed)
{
	compiled c = load("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\"],\"syscalls\":["
			  "{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13,\"args\":[{\"index\":0,\"value\":12884901888,\"op\":\"SCMP_CMP_GE\"}]},"
			  "{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_KILL_PROCESS\",\"args\":[{\"index\":0,\"value\":8589934593,\"op\":\"SCMP_CMP_LE\"}]}]}");
	sh_translate_opts o = { .optimize = 2, .notify_errno = true };
	sh_error *err = NULL;
	cr_assert_eq(sh_translate_bpf(c.rs, &o, &c.bpf, NULL, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(personality(&c.bpf, 10, 0), KILL);
	cr_assert_eq(personality(&c.bpf, 0x200000002, 0), ALLOW);
	cr_assert_eq(personality(&c.bpf, 0x300000000, 0), SECCOMP_RET_USER_NOTIF);
	sh_verify_report rep;
	cr_assert_eq(sh_verify_program(c.rs, &c.bpf, &(sh_verify_opts){ .notify_errno = true }, &rep, &err), 0);
	sh_verify_report_free(&rep);
	cr_assert_eq(sh_verify_program(c.rs, &c.bpf, NULL, &rep, &err), 1); /* as the plain program it is not */
	cr_assert_eq(rep.miss[0].want, ERRNO(13));
	sh_verify_report_free(&rep);
	compiled_free(&c);
}

/* ---- seccomp-hook's own checks ------------------------------------------------------------------- */

static const char *const ops[] = { "SCMP_CMP_NE", "SCMP_CMP_LT",	"SCMP_CMP_LE",	     "SCMP_CMP_EQ",
				   "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ" };
static const uint64_t data[] = { 0, 7, 0xffffffff, 0x100000000, 0x1fffffffe, UINT64_MAX };

/* dup with a TRAP rule on arg1 (op, datum) and an ALLOW rule on arg0 > 3, on the given arches. */
static compiled dup_profile(const char *arches, uint32_t native, size_t op, uint64_t datum)
{
	char json[1024];
	snprintf(json, sizeof json,
		 "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,\"architectures\":[%s],\"syscalls\":["
		 "{\"names\":[\"dup\"],\"action\":\"SCMP_ACT_TRAP\",\"args\":[{\"index\":1,\"value\":%" PRIu64 ",\"valueTwo\":%" PRIu64
		 ",\"op\":\"%s\"}]},"
		 "{\"names\":[\"dup\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":3,\"op\":\"SCMP_CMP_GT\"}]}]}",
		 arches, datum, datum & 0xff00000077, ops[op]);
	return load_for(json, native);
}

/* The block for dup on `arch` in front of `rest`. */
static sh_bpf with_block(const compiled *c, uint32_t arch, const sh_bpf *rest)
{
	sh_call_rules rules;
	int nr = nr_of(arch, "dup");
	sh_call_rules_build(c->rs, arch, nr, &rules);
	sh_bpf block, prog = { sh_xcalloc(rest->len, sizeof(struct sock_filter)), rest->len };
	memcpy(prog.insns, rest->insns, rest->len * sizeof(struct sock_filter));
	sh_argcheck_block(&rules, (uint32_t)nr, &block);
	sh_argcheck_prepend(&prog, &block, 1);
	sh_bpf_free(&block);
	sh_call_rules_free(&rules);
	return prog;
}

/* Every operator on one argument, on x86_64 and x86 (the low halves only): the block alone, in front
 * of a program that kills, decides dup as the rules at their boundary values and lets the rest
 * through; in front of the whole program, the verifier finds nothing to say. */
Test(argcheck, every_operator_on_64_and_32_bit_abis)
{
	static const uint32_t arches[] = { SCMP_ARCH_X86_64, SCMP_ARCH_X86 };
	sh_bpf kill = { (struct sock_filter[]){ RET(SECCOMP_RET_KILL_THREAD) }, 1 };
	for (size_t o = 0; o < SH_ARRAY_SIZE(ops); o++)
		for (size_t v = 0; v < SH_ARRAY_SIZE(data); v++) {
			compiled c = dup_profile("\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\"", SCMP_ARCH_X86_64, o, data[v]);
			sh_error *err = NULL;
			cr_assert_eq(sh_translate_bpf(c.rs, NULL, &c.bpf, NULL, &err), 0, "%s", err ? err->msg : "");
			sh_bpf whole = c.bpf;
			for (size_t a = 0; a < SH_ARRAY_SIZE(arches); a++) {
				int nr = nr_of(arches[a], "dup");
				sh_bpf prog = with_block(&c, arches[a], &kill);
				sh_call_rules rules;
				sh_call_rules_build(c.rs, arches[a], nr, &rules);
				for (int k = -1; k <= 1; k++)
					for (int w = 0; w < 4; w++) {
						uint64_t x = data[v] + (uint64_t)k;
						x = w == 1 ? x ^ (UINT64_C(1) << 32) : w == 2 ? x | ~(data[v] & 0xff00000077) : w == 3 ? (uint32_t)x : x;
						uint64_t args[6] = { w % 2 ? 9 : 2, x };
						cr_assert_eq(run(&prog, arches[a], nr, args), sh_verify_rules_answer(&rules, args).ret,
							     "%s %#" PRIx64 " arch %#x arg1 %#" PRIx64, ops[o], data[v], arches[a], x);
					}
				uint64_t none[6] = { 0 };
				cr_assert_eq(run(&prog, arches[a], nr + 1, none), SECCOMP_RET_KILL_THREAD);
				sh_call_rules_free(&rules);
				sh_bpf_free(&prog);
				prog = with_block(&c, arches[a], &whole);
				sh_verify_report rep;
				cr_assert_eq(sh_verify_program(c.rs, &prog, NULL, &rep, &err), 0, "%s %#" PRIx64 " arch %#x", ops[o],
					     data[v], arches[a]);
				sh_verify_report_free(&rep);
				sh_bpf_free(&prog);
			}
			compiled_free(&c);
		}
}

/* s390x: the high half first in memory. libseccomp cannot build a big-endian filter on this host, so
 * the program is the block and what libseccomp's would do for every other call; the verifier reads
 * the offsets the same way, and finds the halves swapped. */
Test(argcheck, big_endian_halves)
{
	const struct sock_filter rest[] = { LD(4), JEQ(AUDIT_ARCH_S390X, 1, 0), RET(0), RET(ERRNO(38)) };
	sh_bpf tail = { (struct sock_filter *)rest, SH_ARRAY_SIZE(rest) };
	for (size_t o = 0; o < SH_ARRAY_SIZE(ops); o++)
		for (size_t v = 0; v < SH_ARRAY_SIZE(data); v++) {
			compiled c = dup_profile("\"SCMP_ARCH_S390X\"", SCMP_ARCH_S390X, o, data[v]);
			sh_bpf prog = with_block(&c, SCMP_ARCH_S390X, &tail);
			sh_verify_report rep;
			sh_error *err = NULL;
			cr_assert_eq(sh_verify_program(c.rs, &prog, NULL, &rep, &err), 0, "%s %#" PRIx64 ": %s", ops[o], data[v],
				     rep.nmiss ? sh_verify_miss_text(c.rs, &rep.miss[0]) : err ? err->msg : "");
			sh_verify_report_free(&rep);
			/* The same block reading the halves the other way round: a comparison with a datum whose
			 * halves differ tells (a mask and its value can be read either way by chance). */
			for (size_t i = 0; i < prog.len; i++)
				if (BPF_CLASS(prog.insns[i].code) == BPF_LD && prog.insns[i].k >= 16)
					prog.insns[i].k ^= 4;
			if ((uint32_t)(data[v] >> 32) != (uint32_t)data[v] && strcmp(ops[o], "SCMP_CMP_MASKED_EQ") != 0) {
				cr_assert_eq(sh_verify_program(c.rs, &prog, NULL, &rep, &err), 1, "%s %#" PRIx64, ops[o], data[v]);
				cr_assert_eq(rep.miss[0].arch, SCMP_ARCH_S390X);
				sh_verify_report_free(&rep);
			}
			sh_bpf_free(&prog);
			compiled_free(&c);
		}
}

/* ---- multiplexed calls --------------------------------------------------------------------------- */

/* On x86 libseccomp also puts socket's rule on socketcall(SYS_SOCKET, ...), its own condition on the
 * first argument replaced: the rules' reading says so, and the program does. */
Test(meaning, socket_rules_decide_socketcall_on_x86)
{
	compiled c = compile("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\","
			     "\"subArchitectures\":[\"SCMP_ARCH_X86\"]}],\"syscalls\":["
			     "{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":40,\"op\":\"SCMP_CMP_NE\"}]},"
			     "{\"names\":[\"semget\",\"read\",\"write\",\"exit_group\"],\"action\":\"SCMP_ACT_ALLOW\"}]}");
	int socketcall = nr_of(SCMP_ARCH_X86, "socketcall"), ipc = nr_of(SCMP_ARCH_X86, "ipc");
	sh_call_rules r;
	sh_call_rules_build(c.rs, SCMP_ARCH_X86, socketcall, &r);
	const uint64_t rows[][3] = { { 1, 40, ALLOW }, { 2, 0, ERRNO(1) }, { 0, 0, ERRNO(1) } };
	for (size_t i = 0; i < SH_ARRAY_SIZE(rows); i++) {
		uint64_t args[6] = { rows[i][0], rows[i][1] };
		cr_assert_eq(sh_verify_rules_answer(&r, args).ret, rows[i][2]);
		cr_assert_eq(run(&c.bpf, SCMP_ARCH_X86, socketcall, args), rows[i][2], "socketcall(%" PRIu64 ")", rows[i][0]);
	}
	sh_call_rules_free(&r);
	/* semget: ipc(SEMGET); its own number (393) is above every number the profile names on x86
	 * (libseccomp names semget by its pseudo number there), so the ENOSYS stub answers, as runc's. */
	uint64_t semget[6] = { 2 }, none[6] = { 0 };
	cr_assert_eq(run(&c.bpf, SCMP_ARCH_X86, ipc, semget), ALLOW);
	cr_assert_eq(run(&c.bpf, SCMP_ARCH_X86, nr_of(SCMP_ARCH_X86, "semget"), none), ERRNO(38));
	compiled_free(&c);
}

/* Masked orders multiply the values gathered: a limit stops the gathering before it grows past it,
 * and says so; without one the same questions give their candidates. */
Test(candidates, gathering_stops_at_its_limit)
{
	sh_questions qs = { 0 };
	for (uint32_t k = 0; k < 4; k++)
		sh_questions_mask(&qs, UINT32_C(0x0f0f0f0f) << k, UINT32_C(0x01010101) << k);
	for (uint32_t k = 0; k < 6; k++)
		sh_questions_masked_order(&qs, UINT32_C(0xff) << (4 * k), UINT32_C(0x11) << (4 * k));
	uint32_t *cand = NULL;
	size_t n = sh_questions_values(&qs, SIZE_MAX, &cand);
	cr_assert_neq(n, SIZE_MAX);
	cr_assert_gt(n, 16);
	free(cand);
	cand = (uint32_t *)&qs; /* a value the call must replace */
	cr_assert_eq(sh_questions_values(&qs, 64, &cand), SIZE_MAX);
	cr_assert_null(cand);
	sh_questions_free(&qs);
}

/* ---- the differential test ------------------------------------------------------------------------ */

typedef struct rng {
	uint64_t s;
} rng;

static uint64_t rnd(rng *r)
{
	uint64_t x = (r->s += 0x9e3779b97f4a7c15ull);
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t pick(rng *r, uint64_t n)
{
	return rnd(r) % n;
}

/* Values where comparisons go wrong: small ones, around 2^32, with small high halves, near the top. */
static uint64_t value(rng *r)
{
	uint64_t small = pick(r, 12);
	switch (pick(r, 6)) {
	case 0: return small;
	case 1: return (UINT64_C(1) << 32) + small - 6;
	case 2: return pick(r, 3) << 32 | small;
	case 3: return 0xffffffffull - small;
	case 4: return UINT64_MAX - small;
	default: return rnd(r);
	}
}

static const char *const names[] = { "personality", "dup", "kill", "socket", "semget", "fcntl" };

static void put_rule(FILE *f, rng *r, const char *name)
{
	static const char *const actions[] = { "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
					       "SCMP_ACT_TRAP",	 "SCMP_ACT_LOG",   "SCMP_ACT_TRACE",	    "SCMP_ACT_ERRNO" };
	const char *act = actions[pick(r, SH_ARRAY_SIZE(actions))];
	fprintf(f, "{\"names\":[\"%s\"],\"action\":\"%s\"", name, act);
	if (strcmp(act, "SCMP_ACT_ERRNO") == 0)
		fprintf(f, ",\"errnoRet\":%" PRIu64, 1 + pick(r, 3));
	size_t n = pick(r, 8) == 0 ? 0 : 1 + pick(r, 3);
	fputs(",\"args\":[", f);
	for (size_t i = 0; i < n; i++) {
		uint64_t v = value(r), two = pick(r, 2) ? value(r) & v : value(r);
		fprintf(f, "%s{\"index\":%" PRIu64 ",\"value\":%" PRIu64 ",\"valueTwo\":%" PRIu64 ",\"op\":\"%s\"}", i ? "," : "",
			pick(r, 3), v, two, ops[pick(r, SH_ARRAY_SIZE(ops))]);
	}
	fputs("]}", f);
}

static char *random_profile(rng *r)
{
	static const char *const defaults[] = { "\"SCMP_ACT_ALLOW\"", "\"SCMP_ACT_ERRNO\"", "\"SCMP_ACT_KILL_PROCESS\"",
						"\"SCMP_ACT_LOG\"" };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fprintf(f, "{\"defaultAction\":%s,", defaults[pick(r, SH_ARRAY_SIZE(defaults))]);
	if (pick(r, 3) == 0)
		fputs("\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\",\"subArchitectures\":[\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]}],", f);
	else
		fputs("\"architectures\":[\"SCMP_ARCH_X86_64\"],", f);
	fputs("\"syscalls\":[", f);
	size_t calls = 1 + pick(r, 2), k = 0;
	for (size_t c = 0; c < calls; c++) {
		const char *name = names[pick(r, SH_ARRAY_SIZE(names))];
		for (size_t n = 2 + pick(r, 3); n > 0; n--, k++) {
			fputs(k ? "," : "", f);
			put_rule(f, r, name);
		}
	}
	fputs("]}", f);
	fclose(f);
	return buf;
}

typedef struct tally {
	size_t sets, refused, too_many, calls, points, differ, weaker, rebuilt, endless, runtime_refused, runtime_checked;
} tally;

/* Per argument: each condition's datum and neighbours, the other half changed, masked values, and
 * the call numbers of socketcall/ipc. */
static size_t arg_values(const sh_call_rules *c, unsigned arg, rng *r, uint64_t *out, size_t max)
{
	size_t n = 0;
	out[n++] = 0;
	out[n++] = UINT64_MAX;
	out[n++] = 1 + pick(r, 20);
	out[n++] = rnd(r);
	for (size_t i = 0; i < c->n; i++)
		for (size_t k = 0; k < c->rules[i]->origin->nargs; k++) {
			const sh_arg *a = &c->rules[i]->origin->args[k];
			if (a->index != arg)
				continue;
			uint64_t v = a->op == SH_OP_MASKED_EQ ? a->value_two : a->value;
			const uint64_t cand[] = { v - 1, v, v + 1, v ^ (UINT64_C(1) << 32), (v & ~0xffffffffull) | ((v + 1) & 0xffffffff),
						  (v & ~0xffffffffull) | ((v - 1) & 0xffffffff), v + (UINT64_C(1) << 32),
						  a->value_two | ~a->value, (a->value_two & a->value) ^ (a->value & -a->value) };
			for (size_t j = 0; j < SH_ARRAY_SIZE(cand) && n < max; j++)
				out[n++] = cand[j];
		}
	return n;
}

static void check_call(const compiled *c, uint32_t arch, int nr, rng *r, tally *t)
{
	sh_call_rules rules;
	sh_call_rules_build(c->rs, arch, nr, &rules);
	uint64_t vals[3][48];
	size_t nv[3];
	for (unsigned a = 0; a < 3; a++)
		nv[a] = arg_values(&rules, a, r, vals[a], 48);
	t->calls++;
	/* Every combination of the first two arguments' values, the third at one of its own. */
	for (size_t i = 0; i < nv[0]; i++)
		for (size_t k = 0; k < nv[1]; k++) {
			uint64_t args[6] = { vals[0][i], vals[1][k], vals[2][pick(r, nv[2])], rnd(r), rnd(r), rnd(r) };
			uint32_t want = sh_verify_rules_answer(&rules, args).ret, got = run(&c->bpf, arch, nr, args);
			t->points++;
			if (got == want)
				continue;
			t->differ++;
			t->weaker += sh_ret_outranks(want, got);
			if (t->differ <= 5)
				cr_log_error("arch %#x nr %d args %#" PRIx64 " %#" PRIx64 " %#" PRIx64 ": got %#x want %#x", arch, nr,
					     args[0], args[1], args[2], got, want);
		}
	sh_call_rules_free(&rules);
}

static void check_set(const char *json, rng *r, tally *t, bool runtime_form)
{
	compiled c = load(json);
	sh_error *err = NULL;
	t->sets++;
	if (sh_translate_bpf(c.rs, NULL, &c.bpf, &c.diag, &err) < 0) {
		/* libseccomp refuses some rule sets itself (the same conditions with two actions): so would runc.
		 * The checker refuses those it cannot check within its bounds. */
		bool too_many = strstr(err->msg, "is compared with too many values");
		cr_assert(too_many || strstr(err->msg, "libseccomp refused the rule"), "%s\n%s", err->msg, json);
		t->refused += !too_many;
		t->too_many += too_many;
		sh_error_free(err);
		compiled_free(&c);
		return;
	}
	t->rebuilt += has_note(&c.diag, "own-checks", "seccomp-hook builds");
	t->endless += has_note(&c.diag, "own-checks", "does not finish");
	for (size_t a = 0; a < c.rs->narches; a++) {
		uint32_t arch = c.rs->arches[a];
		for (size_t i = 0; i < SH_ARRAY_SIZE(names); i++) {
			int nr = sh_syscall_number(arch, names[i]);
			if (nr >= 0)
				check_call(&c, arch, nr, r, t);
		}
		int mux[2] = { seccomp_syscall_resolve_name_arch(arch, "socketcall"), seccomp_syscall_resolve_name_arch(arch, "ipc") };
		for (int m = 0; m < 2; m++)
			if (mux[m] >= 0)
				check_call(&c, arch, mux[m], r, t);
	}
	if (runtime_form) {
		t->runtime_checked++;
		if (sh_translate_runtime_form(c.rs, NULL, &err) < 0) {
			t->runtime_refused++;
			sh_error_free(err);
		}
	}
	if (t->differ)
		cr_log_error("%s", json);
	compiled_free(&c);
}

static uint64_t env_u64(const char *name, uint64_t fallback)
{
	const char *s = getenv(name);
	return s && *s ? strtoull(s, NULL, 0) : fallback;
}

Test(differential, random_rule_sets_never_get_a_different_answer, .timeout = 3600)
{
	uint64_t seed = env_u64("SH_VERIFY_SEED", 1), sets = env_u64("SH_VERIFY_SETS", 600);
	rng r = { seed };
	tally t = { 0 };
	const char *one = getenv("SH_VERIFY_PROFILE"); /* replays one set a run printed */
	if (one && *one) {
		char *json = NULL;
		size_t len = 0;
		sh_error *err = NULL;
		cr_assert_eq(sh_read_file_limited(one, 1 << 20, &json, &len, &err), 0, "%s", err ? err->msg : "");
		for (int i = 0; i < 20; i++)
			check_set(json, &r, &t, true);
		free(json);
		cr_assert_eq(t.differ, 0, "%zu answers differ from the rules, %zu weaker", t.differ, t.weaker);
		return;
	}
	struct timespec a, z;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (uint64_t i = 0; i < sets && t.differ == 0; i++) {
		/* The points' own generator: the sets a seed makes do not depend on what checking took. */
		cleanup_free char *json = random_profile(&r);
		rng points = { rnd(&r) };
		check_set(json, &points, &t, i % 8 == 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &z);
	double secs = (double)(z.tv_sec - a.tv_sec) + (double)(z.tv_nsec - a.tv_nsec) / 1e9;
	printf("differential: seed %" PRIu64 ": %zu sets (%zu refused by libseccomp itself, %zu with too many values to "
	       "check), %zu calls, %zu points; own checks in %zu sets (%zu where libseccomp did not finish); runtime form "
	       "refused for %zu of %zu; %zu different answers (%zu weaker); %.1f s\n", seed, t.sets, t.refused, t.too_many,
	       t.calls, t.points, t.rebuilt, t.endless, t.runtime_refused, t.runtime_checked, t.differ, t.weaker, secs);
	cr_assert_eq(t.differ, 0, "seed %" PRIu64 ": %zu answers differ from the rules, %zu weaker", seed, t.differ, t.weaker);
	cr_assert_eq(t.sets, sets);
	/* Not vacuous: libseccomp's programs were wrong for some sets, and were repaired or refused. */
	cr_assert_gt(t.rebuilt, sets / 50, "%zu", t.rebuilt);
	cr_assert_gt(t.runtime_refused, 0);
	cr_assert_lt(t.refused, sets / 4);
	cr_assert_lt(t.too_many, sets / 1000 + 1);
}

/* Masked orders (libseccomp's compares of a word it has ANDed) multiply the candidate values: on
 * x86's socketcall this set of the 100,000-set run made the checker gather them until it had taken
 * 14 GB. Gathered once each, they stay few, and the answers are the rules'. */
Test(regression, masked_orders_do_not_multiply_the_candidates)
{
	const char *json =
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\",\"subArchitectures\":"
		"[\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]}],\"syscalls\":["
		"{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":3,\"args\":[{\"index\":1,\"value\":8589934597,"
		"\"op\":\"SCMP_CMP_GE\"},{\"index\":2,\"value\":842225616089556232,\"valueTwo\":627356700693936332,\"op\":"
		"\"SCMP_CMP_MASKED_EQ\"},{\"index\":1,\"value\":17194565419836738672,\"op\":\"SCMP_CMP_GT\"}]},"
		"{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_TRACE\",\"args\":[{\"index\":1,\"value\":4294967294,\"op\":"
		"\"SCMP_CMP_NE\"},{\"index\":2,\"value\":18446744073709551605,\"valueTwo\":4294967295,\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
		"{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":1,\"value\":8589934600,\"op\":"
		"\"SCMP_CMP_NE\"}]},"
		"{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1,\"args\":[{\"index\":1,\"value\":0,\"op\":"
		"\"SCMP_CMP_LE\"}]},"
		"{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_KILL_PROCESS\",\"args\":[{\"index\":2,\"value\":1,\"op\":"
		"\"SCMP_CMP_GT\"},{\"index\":0,\"value\":18446744073709551611,\"op\":\"SCMP_CMP_GT\"}]},"
		"{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":2,\"value\":4294967292,\"op\":"
		"\"SCMP_CMP_GT\"},{\"index\":1,\"value\":4294967301,\"op\":\"SCMP_CMP_EQ\"},{\"index\":1,\"value\":11,"
		"\"valueTwo\":8589934592,\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
		"{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_KILL_THREAD\",\"args\":[{\"index\":2,\"value\":4294967289,"
		"\"valueTwo\":11,\"op\":\"SCMP_CMP_MASKED_EQ\"},{\"index\":0,\"value\":10,\"op\":\"SCMP_CMP_LT\"},{\"index\":1,"
		"\"value\":4294967293,\"op\":\"SCMP_CMP_NE\"}]},"
		"{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_KILL_THREAD\",\"args\":[{\"index\":2,\"value\":3,\"op\":\"SCMP_CMP_GE\"}]}]}";
	rng points = { UINT64_C(13015338600635206840) };
	tally t = { 0 };
	check_set(json, &points, &t, true);
	cr_assert_eq(t.sets, 1);
	cr_assert_eq(t.refused + t.too_many, 0);
	cr_assert_gt(t.points, 0);
	cr_assert_eq(t.differ, 0, "%zu answers differ from the rules", t.differ);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	cr_assert_lt(ru.ru_maxrss, 256 * 1024, "%ld KB at most resident", ru.ru_maxrss);
}

/* ---- candidates: every answer a half can give has a candidate ------------------------------------- */

static void answer(const sh_questions *qs, uint32_t x, unsigned char *out)
{
	for (size_t i = 0; i < qs->n; i++) {
		const sh_question *q = &qs->q[i];
		uint32_t y = q->masked == 2 ? x & q->a : x, c = q->masked == 2 ? q->b : q->a;
		out[i] = q->masked == 1 ? (x & q->a) == q->b : y < c ? 0 : y == c ? 1 : 2;
	}
}

/* Questions on the low ten bits only (masks within 0x3ff, constants below 1024): every value answers
 * as one below 2048 does, so the answers of 0..2047 are all the answers there are. Random sets of up
 * to four orders and four masks, or a masked order beside the orders and one mask: each of those
 * answers must be among the candidates'. */
Test(candidates, every_answer_of_small_questions)
{
	rng r = { 7 };
	size_t sets = 0, answers = 0;
	for (int round = 0; round < 4000; round++) {
		sh_questions qs = { 0 };
		for (uint64_t k = pick(&r, 5); k > 0; k--)
			sh_questions_order(&qs, (uint32_t)pick(&r, 1024));
		for (uint64_t k = pick(&r, 5); k > 0; k--) {
			uint32_t m = (uint32_t)pick(&r, 1024);
			sh_questions_mask(&qs, m, (uint32_t)(pick(&r, 4) ? pick(&r, 1024) & m : pick(&r, 1024)));
		}
		/* A masked order (only libseccomp's reuse of the accumulator makes one) beside one mask at most. */
		size_t masks = 0;
		for (size_t i = 0; i < qs.n; i++)
			masks += qs.q[i].masked == 1;
		if (masks <= 1 && pick(&r, 2) == 0)
			sh_questions_masked_order(&qs, (uint32_t)pick(&r, 1024), (uint32_t)pick(&r, 1024));
		uint32_t *cand = NULL;
		size_t n = sh_questions_values(&qs, SIZE_MAX, &cand);
		unsigned char want[12], got[12];
		for (uint32_t x = 0; x < 2048; x++) {
			answer(&qs, x, want);
			bool found = false;
			for (size_t c = 0; c < n && !found; c++) {
				answer(&qs, cand[c], got);
				found = memcmp(want, got, qs.n) == 0;
			}
			if (!found)
				for (size_t i = 0; i < qs.n; i++)
					cr_log_error("question %d %#x %#x", qs.q[i].masked, qs.q[i].a, qs.q[i].b);
			cr_assert(found, "round %d: no candidate answers as %#x does", round, x);
			answers++;
		}
		free(cand);
		sh_questions_free(&qs);
		sets++;
	}
	cr_assert_eq(sets, 4000);
	cr_assert_gt(answers, 0);
}

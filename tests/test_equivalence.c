/* The filter seccomp-hook installs (libseccomp's binary tree, its number dispatch rewritten as
 * ranges) decides exactly as libseccomp's linear filter (what runc and crun load) for every number
 * of the syscall tables of x86_64, x86, x32 and a foreign arch, at the boundary values of every
 * argument condition, and on edge and sampled numbers over the whole 32-bit range, for the upstream
 * and shipped profiles, with and without caps. And the decision engine (hook/lib/compile/explain.c) names
 * every answer of the program by a rule that carries it, or by what the program returns when no
 * rule holds. */
#include "config.h"

#include <criterion/criterion.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <stdio.h>

#include "explain.h"
#include "names.h"
#include "testutil.h"
#include "translate.h"

static sh_bpf build(const sh_ruleset *rs, int optimize)
{
	sh_translate_opts o = { .optimize = optimize };
	sh_bpf b = { 0 };
	sh_error *err = NULL;
	cr_assert_eq(sh_translate_bpf(rs, &o, &b, NULL, &err), 0, "%s", err ? err->msg : "");
	return b;
}

static uint32_t run(const sh_bpf *b, uint32_t arch, uint32_t nr, const uint64_t args[6])
{
	sh_seccomp_data d = sh_call_data(arch, (int)nr, args);
	return sh_bpf_run(b->insns, b->len, &d, NULL);
}

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Numbers at the edges: around the x32 bit, the sign bit and the top. */
static uint32_t high_probe(uint32_t i)
{
	const uint32_t v[16] = { 1024,	     4095,	 4096,	     65535,	 0x3fffffff, 0x40000000, 0x40000001, 0x400003ff,
				 0x40000400, 0x7fffffff, 0x80000000, 0x80000001, 0xbfffffff, 0xc0000000, 0xfffffffe, 0xffffffff };
	return v[i];
}

static void equivalent(const char *path)
{
	sh_error *err = NULL;
	sh_profile *p = NULL;
	cr_assert_eq(sh_profile_load(path, &p, NULL, &err), 0, "%s: %s", path, err ? err->msg : "");
	static uint64_t args[512][6];
	size_t nargs = sh_test_arg_probes(p, args, 512);
	const uint64_t cap_sets[] = { 0, ~UINT64_C(0) };
	for (size_t c = 0; c < 2; c++) {
		sh_target t = { .native_arch = SCMP_ARCH_X86_64, .caps = cap_sets[c], .kmajor = 6, .kminor = 1 };
		sh_ruleset *rs = NULL;
		cr_assert_eq(sh_resolve(p, &t, &rs, NULL, &err), 0);
		sh_bpf linear = build(rs, 1), tree = build(rs, 2);
		/* The tree's number dispatch is rewritten as ranges (hook/lib/compile/bpfopt.c): far shorter. */
		cr_log_info("%s caps=%zu: tree %zu instructions, linear %zu", path, c, tree.len, linear.len);
		const uint32_t arches[] = { SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32, SCMP_ARCH_AARCH64 };
		size_t checked = 0;
		for (size_t a = 0; a < 4; a++) {
			/* Every number of the arch's tables, then the ends of the 32-bit range and its halves,
			 * then pseudo-random numbers over all of it (a range search must hold everywhere). */
			uint32_t table = (uint32_t)sh_arch_nr_count(arches[a]);
			for (uint32_t i = 0; i < table + 16 + 2048; i++) {
				uint32_t n = i < table		? (uint32_t)sh_arch_nr_at(arches[a], i)
					     : i < table + 16 ? high_probe(i - table)
								: (uint32_t)(splitmix(i) >> 32);
				for (size_t k = 0; k < (i < table ? nargs : 1); k++, checked++)
					cr_assert_eq(run(&linear, arches[a], n, args[k]), run(&tree, arches[a], n, args[k]),
						     "%s caps=%zu arch %#x nr %#x args[%zu]", path, c, arches[a], n, k);
			}
		}
		cr_assert_gt(checked, 3000);
		sh_bpf_free(&linear);
		sh_bpf_free(&tree);
		sh_ruleset_free(rs);
	}
	sh_profile_free(p);
}

Test(equivalence, docker_default)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/docker-default.json", sh_test_upstream_dir());
	equivalent(path);
}

Test(equivalence, podman_default)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/podman-default.json", sh_test_upstream_dir());
	equivalent(path);
}

Test(equivalence, shipped_profiles)
{
	const char *names[] = { "default", "web-server", "deny-dangerous", "log-all" };
	for (size_t i = 0; i < 4; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/profiles/%s.json", SH_SRCDIR, names[i]);
		equivalent(path);
	}
}

/* The engine's name for every answer of the compiled program: a rule whose conditions hold and
 * whose action is the answer, or, when none holds, what the program returns then (the default, the
 * ENOSYS stub). Never SH_BY_NO_RULE for a profile libseccomp compiles faithfully: on every number of
 * the tables of x86_64, x86 and x32 (every syscall the profile names, the default and the ENOSYS
 * stub), at every condition's boundary values, with and without the capabilities and kernel its
 * includes ask for. */
typedef struct probe_at {
	const char *file;
	size_t target, k;
	uint32_t arch;
	int nr;
} probe_at;

static void check_named(const sh_decision *d, uint32_t ret, const uint64_t args[6], const probe_at *at)
{
	cr_assert_eq(d->ret, ret, "%s target %zu arch %#x nr %#x args[%zu]", at->file, at->target, at->arch, at->nr, at->k);
	cr_assert_neq(d->by, SH_BY_NO_RULE, "%s target %zu arch %#x nr %#x args[%zu]: the program answers %#x, which no rule "
		      "that holds carries", at->file, at->target, at->arch, at->nr, at->k, ret);
	if (d->by != SH_BY_RULE)
		return;
	cr_assert(sh_rule_args_hold(d->rule->origin, at->arch, args), "%s nr %#x args[%zu]", at->file, at->nr, at->k);
	cr_assert_eq(sh_action_ret(d->rule->action, d->rule->errno_ret), ret, "%s nr %#x args[%zu]", at->file, at->nr, at->k);
}

static void matcher_agrees_on(sh_profile *p, const char *file, size_t min_named)
{
	sh_error *err = NULL;
	static uint64_t args[512][6];
	size_t nargs = sh_test_arg_probes(p, args, 512);
	const sh_target targets[] = {
		{ .native_arch = SCMP_ARCH_X86_64, .caps = 0, .kmajor = 4, .kminor = 4 },
		{ .native_arch = SCMP_ARCH_X86_64, .caps = SH_DOCKER_DEFAULT_CAPS, .kmajor = 6, .kminor = 1 },
		{ .native_arch = SCMP_ARCH_X86_64, .caps = ~UINT64_C(0), .kmajor = 6, .kminor = 1 },
	};
	const uint32_t arches[] = { SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32 };
	for (size_t t = 0; t < 3; t++) {
		sh_ruleset *rs = NULL;
		cr_assert_eq(sh_resolve(p, &targets[t], &rs, NULL, &err), 0);
		sh_engine e;
		cr_assert_eq(sh_engine_init(&e, rs, &err), 0);
		for (size_t a = 0; a < 3; a++) {
			size_t by_condition = 0, by_rule = 0;
			for (size_t i = 0; i < sh_arch_nr_count(arches[a]); i++) {
				int nr = sh_arch_nr_at(arches[a], i);
				/* sh_engine_decide, with the call's rules built once for all the probes. */
				sh_call_rules c;
				sh_call_rules_build(rs, arches[a], nr, &c);
				for (size_t k = 0; k < nargs; k++) {
					sh_seccomp_data d = sh_call_data(arches[a], nr, args[k]);
					uint32_t ret = run(&e.prog, arches[a], (uint32_t)nr, args[k]);
					sh_decision got = sh_decision_named(&c, args[k], sh_engine_run(&e, &d).ret);
					probe_at at = { .file = file, .target = t, .k = k, .arch = arches[a], .nr = nr };
					check_named(&got, ret, args[k], &at);
					by_rule += got.by == SH_BY_RULE;
					by_condition += got.by == SH_BY_RULE && got.rule->origin->nargs > 0;
				}
				sh_call_rules_free(&c);
			}
			/* Not vacuous: named syscalls and argument-dependent ones were decided by their rules. */
			cr_assert_geq(by_rule, min_named * nargs, "%s target %zu arch %#x", file, t, arches[a]);
			cr_assert_gt(by_condition, 0, "%s target %zu arch %#x", file, t, arches[a]);
		}
		sh_engine_fini(&e);
		sh_ruleset_free(rs);
	}
	sh_profile_free(p);
}

static void matcher_agrees(const char *file)
{
	sh_error *err = NULL;
	sh_profile *p = sh_test_upstream_profile(file, &err);
	cr_assert_not_null(p, "%s: %s", file, err ? err->msg : "");
	matcher_agrees_on(p, file, 250);
}

Test(explain_matcher, docker_default)
{
	matcher_agrees("docker-default.json");
}

Test(explain_matcher, podman_default)
{
	matcher_agrees("podman-default.json");
}

/* The orders and overlaps the upstream profiles do not have: a rule without conditions after
 * conditional ones (it replaces them) and before them (they change nothing), overlapping
 * conditions with different actions, a repeated index (OR), 64-bit values on 32-bit ABIs. */
Test(explain_matcher, rule_order_and_overlaps)
{
	static const char json[] =
		"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\","
		" \"subArchitectures\": [\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"]}], \"syscalls\": ["
		"{\"names\": [\"read\", \"write\", \"close\", \"exit_group\", \"openat\", \"mmap\", \"brk\"], \"action\": \"SCMP_ACT_ALLOW\"},"
		"{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 5, \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]},"
		"{\"names\": [\"getpid\", \"getppid\"], \"action\": \"SCMP_ACT_ALLOW\"},"
		"{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 5, \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]},"
		"{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 6, \"args\": [{\"index\": 0, \"value\": 9, \"op\": \"SCMP_CMP_GE\"}]},"
		"{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 1, \"value\": 15, \"op\": \"SCMP_CMP_EQ\"}]},"
		"{\"names\": [\"dup\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 3, \"op\": \"SCMP_CMP_LT\"},"
		" {\"index\": 0, \"value\": 100, \"op\": \"SCMP_CMP_GT\"}]},"
		"{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 4294967304, \"op\": \"SCMP_CMP_EQ\"}]},"
		"{\"names\": [\"fcntl\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 1, \"value\": 18446744069414584320, \"valueTwo\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}]}";
	sh_error *err = NULL;
	sh_profile *p = sh_test_profile(json, NULL, &err);
	cr_assert_not_null(p, "%s", err ? err->msg : "");
	matcher_agrees_on(p, "test.json", 10);
}

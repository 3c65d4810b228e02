/* The binary-tree filter seccomp-hook installs decides exactly as libseccomp's linear filter (what
 * runc and crun load) for every syscall number on x86_64, x86 and x32, and at the boundary values
 * of every argument condition, for the upstream and shipped profiles, with and without caps. */
#include "config.h"

#include <criterion/criterion.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <stdio.h>

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
	sh_seccomp_data d = { .nr = (int)nr, .arch = arch == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : arch };
	memcpy(d.args, args, sizeof(d.args));
	return sh_bpf_run(b->insns, b->len, &d, NULL);
}

/* Argument vectors: all zero, then each condition's boundary values on its own index. */
static size_t probes(const sh_profile *p, uint64_t (*out)[6], size_t max)
{
	size_t n = 1;
	memset(out[0], 0, sizeof(out[0]));
	for (size_t i = 0; i < p->nrules; i++)
		for (size_t k = 0; k < p->rules[i].nargs; k++) {
			const sh_arg *a = &p->rules[i].args[k];
			uint64_t vals[] = { a->value - 1, a->value, a->value + 1, a->value_two, a->value | a->value_two, UINT64_MAX };
			for (size_t v = 0; v < sizeof(vals) / sizeof(vals[0]) && n < max; v++) {
				memset(out[n], 0, sizeof(out[n]));
				out[n++][a->index] = vals[v];
			}
		}
	return n;
}

static void equivalent(const char *path)
{
	sh_error *err = NULL;
	sh_profile *p = NULL;
	cr_assert_eq(sh_profile_load(path, &p, NULL, &err), 0, "%s: %s", path, err ? err->msg : "");
	static uint64_t args[512][6];
	size_t nargs = probes(p, args, 512);
	const uint64_t cap_sets[] = { 0, ~UINT64_C(0) };
	for (size_t c = 0; c < 2; c++) {
		sh_target t = { .native_arch = SCMP_ARCH_X86_64, .caps = cap_sets[c], .kmajor = 6, .kminor = 1 };
		sh_ruleset *rs = NULL;
		cr_assert_eq(sh_resolve(p, &t, &rs, NULL, &err), 0);
		sh_bpf linear = build(rs, 1), tree = build(rs, 2);
		const uint32_t arches[] = { SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32 };
		size_t checked = 0;
		for (size_t a = 0; a < 3; a++)
			for (uint32_t nr = 0; nr < 1024; nr++) {
				uint32_t n = arches[a] == SCMP_ARCH_X32 ? nr | 0x40000000 : nr;
				for (size_t k = 0; k < nargs; k++, checked++)
					cr_assert_eq(run(&linear, arches[a], n, args[k]), run(&tree, arches[a], n, args[k]),
						     "%s caps=%zu arch %#x nr %u args[%zu]", path, c, arches[a], n, k);
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
	snprintf(path, sizeof path, "%s/moby-profiles-default-cd3bed80.json", sh_test_upstream_dir());
	equivalent(path);
}

Test(equivalence, podman_default)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/containers-common-seccomp-f437c58a.json", sh_test_upstream_dir());
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

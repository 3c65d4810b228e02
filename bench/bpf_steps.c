/* bpf_steps PROFILE [CAPS]: BPF instructions executed per x86_64 syscall class, simulated, for
 * seccomp-hook's filter (binary tree + ENOSYS stub) and for the anchor: libseccomp's linear filter,
 * the form runc and crun load. */
#include "config.h"

#include <linux/audit.h>
#include <stdio.h>
#include <stdlib.h>

#include "resolve.h"
#include "translate.h"

typedef struct stats {
	unsigned long n, sum, max;
} stats;

static void add(stats *s, unsigned v)
{
	s->n++;
	s->sum += v;
	if (v > s->max)
		s->max = v;
}

static int measure(const sh_ruleset *rs, int optimize, bool stub, bool ranges, const char *label)
{
	sh_translate_opts o = { .optimize = optimize, .no_enosys_stub = !stub, .tree_as_built = !ranges };
	sh_bpf b = { 0 };
	sh_error *err = NULL;
	if (sh_translate_bpf(rs, &o, &b, NULL, &err) < 0)
		return fprintf(stderr, "%s\n", err->msg), 1;
	stats allowed = { 0 }, denied = { 0 };
	for (int nr = 0; nr < 1024; nr++) {
		if (nr > 460 && nr < 1000)
			continue; /* unused numbers: a few above the table are enough */
		sh_seccomp_data d = { .nr = nr, .arch = AUDIT_ARCH_X86_64 };
		unsigned steps = 0;
		uint32_t r = sh_bpf_run(b.insns, b.len, &d, &steps);
		add(r == SECCOMP_RET_ALLOW ? &allowed : &denied, steps);
	}
	printf("%-34s %6zu %9.1f %9lu %9.1f %9lu\n", label, b.len, (double)allowed.sum / allowed.n, allowed.max,
	       (double)denied.sum / denied.n, denied.max);
	sh_bpf_free(&b);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return fprintf(stderr, "usage: bpf_steps PROFILE [CAPS]\n"), 2;
	sh_error *err = NULL;
	sh_profile *p = NULL;
	sh_ruleset *rs = NULL;
	sh_target t;
	if (sh_profile_load(argv[1], &p, NULL, &err) < 0 || sh_target_init(&t, false, &err) < 0 ||
	    (argc > 2 && sh_caps_parse(argv[2], &t.caps, &err) < 0) || sh_resolve(p, &t, &rs, NULL, &err) < 0)
		return fprintf(stderr, "%s\n", err->msg), 1;
	printf("%-34s %6s %9s %9s %9s %9s\n", "filter (x86_64 syscalls)", "insns", "allow-avg", "allow-max", "deny-avg",
	       "deny-max");
	int r = measure(rs, 1, false, false, "anchor: libseccomp linear (runc)");
	r |= measure(rs, 2, true, false, "libseccomp's tree + ENOSYS stub");
	r |= measure(rs, 2, true, true, "seccomp-hook: the same, as ranges");
	sh_ruleset_free(rs);
	sh_profile_free(p);
	return r;
}

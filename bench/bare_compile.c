/* bare_compile PROFILE CAPS ROUNDS OPTIMIZE [split]: the anchor for compile time. It resolves the
 * profile with seccomp-hook's reader (not timed), then times only libseccomp doing what runc and crun
 * do: seccomp_init, arch_add, one rule_add per name, export. OPTIMIZE 1 is their linear filter, 2 the
 * binary tree seccomp-hook compiles. Prints the median milliseconds; with "split", the medians of
 * the whole, of adding the rules and of the export (where libseccomp builds the program). */
#include "config.h"

#include <seccomp.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#include "resolve.h"
#include "translate.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void add_rules(scmp_filter_ctx ctx, const sh_ruleset *rs)
{
	for (size_t i = 0; i < rs->nrules; i++) {
		const sh_rrule *rr = &rs->rules[i];
		const sh_rule *r = rr->origin;
		if (sh_rrule_equals_default(rs, rr))
			continue;
		for (size_t k = 0; k < r->nnames; k++) {
			int nr = seccomp_syscall_resolve_name(r->names[k]);
			if (nr == __NR_SCMP_ERROR)
				continue;
			struct scmp_arg_cmp c[6];
			size_t n = r->nargs < 6 ? r->nargs : 6;
			for (size_t a = 0; a < n; a++)
				c[a] = (struct scmp_arg_cmp){ r->args[a].index, (enum scmp_compare)(r->args[a].op + 1),
							      r->args[a].value, r->args[a].value_two };
			/* Docker's profile has no repeated index within one rule: one call per name. */
			seccomp_rule_add_array(ctx, sh_action_scmp(rr->action, rr->errno_ret), nr, (unsigned)n, c);
		}
	}
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 5)
		return fprintf(stderr, "usage: bare_compile PROFILE CAPS ROUNDS OPTIMIZE\n"), 2;
	sh_error *err = NULL;
	sh_profile *p = NULL;
	sh_ruleset *rs = NULL;
	sh_target t;
	if (sh_profile_load(argv[1], &p, NULL, &err) < 0 || sh_target_init(&t, false, &err) < 0 ||
	    sh_caps_parse(argv[2], &t.caps, &err) < 0 || sh_resolve(p, &t, &rs, NULL, &err) < 0)
		return fprintf(stderr, "%s\n", err->msg), 1;
	int rounds = atoi(argv[3]);
	bool split = argc > 5 && strcmp(argv[5], "split") == 0;
	double *ms = calloc((size_t)rounds, sizeof(double)), *add_ms = calloc((size_t)rounds, sizeof(double)),
	       *export_ms = calloc((size_t)rounds, sizeof(double));
	int devnull = open("/dev/null", O_WRONLY);
	for (int i = 0; i < rounds; i++) {
		double t0 = now_ms();
		scmp_filter_ctx ctx = seccomp_init(sh_action_scmp(rs->default_action, rs->default_errno));
		seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, (uint32_t)atoi(argv[4]));
		for (size_t a = 1; a < rs->narches; a++)
			seccomp_arch_add(ctx, rs->arches[a]);
		add_rules(ctx, rs);
		double t1 = now_ms();
		seccomp_export_bpf(ctx, devnull);
		double t2 = now_ms();
		seccomp_release(ctx);
		ms[i] = now_ms() - t0;
		add_ms[i] = t1 - t0;
		export_ms[i] = t2 - t1;
	}
	double *all[3] = { ms, add_ms, export_ms };
	for (int k = 0; k < (split ? 3 : 1); k++) {
		qsort(all[k], (size_t)rounds, sizeof(double), cmp);
		printf("%s%.2f", k ? " " : "", all[k][rounds / 2]);
	}
	printf("\n");
	return 0;
}

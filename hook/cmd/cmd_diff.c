/* seccomp-hook diff: options, and the changes hook/lib/compile/diff.c finds between the two compiled
 * programs, printed: a summary first, then one line per change, consecutive numbers with the same
 * change as one range. */
#include "config.h"
#include "cli.h"
#include "diff.h"
#include "names.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char diff_usage[] =
	"Usage: seccomp-hook diff [--allowed-only] [--arch=A,..] [--caps=..] [--kernel=X.Y] [--profiles-dir=DIR]\n"
	"                         OLD.json NEW.json\n"
	"Each profile is a file, or NAME for NAME.json in the profiles directories.\n"
	"Print the syscalls (per architecture, and the argument values) whose action differs between\n"
	"two profiles, computed from the compiled filters: a summary line first (\"diff: N syscalls differ\n"
	"on M architectures (K now allowed, J now denied) for caps: docker default (0xa80425fb); kernel\n"
	"6.1\", what both were resolved for), then one line per change, each side's answer\n"
	"with the conditions of the rule that carries it (\"SCMP_ACT_ALLOW when arg0<40\"), consecutive\n"
	"numbers with the same change as one range. Nothing is printed when they are equivalent.\n\n"
	"  --allowed-only  only the changes between allowed (ALLOW, LOG) and not allowed: ERRNO(1)\n"
	"                  against ERRNO(38) is left out\n"
	"  --arch=A,..     architectures (x86_64 or SCMP_ARCH_X86_64 spellings); default: native +\n"
	"                  each profile's archMap\n"
	"  --caps=LIST     capabilities for includes/excludes (CAP_SYS_ADMIN,..), 'all', 'none', 'docker'\n"
	"                  (the default: Docker's default set; docker,CAP_SYS_ADMIN adds one) or 'caller'\n"
	"                  (this process's bounding set)\n"
	"  --kernel=X.Y    kernel version for minKernel (default: the running kernel)\n"
	"  --profiles-dir=DIR  where to look NAME up\n"
	"  -h, --help      show this help\n\n"

	"Exit status, as diff(1)'s: 0 no difference (with --allowed-only: none it shows), 1 they differ,\n"
	"2 trouble: a usage error, or a profile that is missing, unreadable or invalid.\n";

/* The counts, and what both profiles were resolved for: the capability set decides as much as they. */
static void print_summary(const sh_diff *d, const sh_target_opts *to, const sh_target *t)
{
	sh_diff_summary s = sh_diff_summarize(d);
	cleanup_free char *caps = sh_caps_describe(t->caps);
	printf("diff: %zu syscall%s differ%s on %zu architecture%s (%zu now allowed, %zu now denied) for caps: %s%s; "
	       "kernel %u.%u\n",
	       s.syscalls, s.syscalls == 1 ? "" : "s", s.syscalls == 1 ? "s" : "", s.arches, s.arches == 1 ? "" : "s",
	       s.allowed, s.denied, to->caller ? "caller's bounding set, " : "", caps, t->kmajor, t->kminor);
}

static void print_decisions(uint32_t a, uint32_t b)
{
	char x[48], y[48];
	printf(": %s -> %s\n", sh_ret_name(a, x, sizeof x), sh_ret_name(b, y, sizeof y));
}

#define RANGE_NAMES_MAX 8

/* The names of the numbers first..last that have one, into out (up to max of them); their count. */
static size_t range_names(uint32_t arch, int first, int last, char **out, size_t max)
{
	size_t n = 0;
	for (int nr = first; nr <= last; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(arch, nr);
		if (name && n < max)
			out[n] = name;
		else
			free(name);
		n += name != NULL;
	}
	return n;
}

/* "SCMP_ARCH_X86 428-433 (open_tree move_mount ...)": the numbers, and the names of those that have
 * one, so that a range hides no syscall a reader looks for; past RANGE_NAMES_MAX (a whole table
 * changing default action) the first and last name and how many, as one line cannot be read. */
static void print_range(const sh_diff_change *first, const sh_diff_change *last)
{
	char *names[RANGE_NAMES_MAX + 1] = { 0 };
	size_t n = range_names(first->arch, first->nr, last->nr, names, SH_ARRAY_SIZE(names));
	printf("%s %d-%d", sh_arch_scmp_name(first->arch), first->nr, last->nr);
	if (n > RANGE_NAMES_MAX) {
		cleanup_free char *final = NULL;
		for (int nr = last->nr; !final; nr--)
			final = seccomp_syscall_resolve_num_arch(first->arch, nr);
		printf(" (%s ... %s: %zu named)", names[0], final, n);
	}
	for (size_t i = 0; n <= RANGE_NAMES_MAX && i < n; i++)
		printf("%s%s%s", i ? " " : " (", names[i], i + 1 == n ? ")" : "");
	for (size_t i = 0; i < SH_ARRAY_SIZE(names); i++)
		free(names[i]);
	print_decisions(first->a, first->b);
}

/* One side's answer to the call, and when the rule the engine names for it has conditions, those:
 * "SCMP_ACT_ALLOW when arg0<40". */
static void put_side(const sh_engine *e, const sh_seccomp_data *d, uint32_t ret)
{
	char act[48];
	fputs(sh_ret_name(ret, act, sizeof act), stdout);
	sh_decision dec = sh_engine_decide(e, d);
	if (dec.by == SH_BY_RULE && dec.rule->origin->nargs) {
		cleanup_free char *cond = sh_rule_conditions_text(dec.rule->origin);
		printf(" when %s", cond);
	}
}

static void print_one(const sh_diff_change *c, const sh_engine *old, const sh_engine *new)
{
	cleanup_free char *name = seccomp_syscall_resolve_num_arch(c->arch, c->nr);
	uint64_t args[6] = { 0 };
	printf("%s ", sh_arch_scmp_name(c->arch));
	if (name)
		fputs(name, stdout);
	else
		printf("#%d", c->nr);
	if (c->idx >= 0) {
		printf(" when arg%d=%#llx", c->idx, (unsigned long long)c->value);
		args[c->idx] = c->value;
	}
	const char *sep = " when";
	for (int i = 0; c->idx == SH_DIFF_ARGS && i < 6; i++)
		if (c->args[i]) {
			printf("%s arg%d=%#llx", sep, i, (unsigned long long)c->args[i]);
			sep = ",";
			args[i] = c->args[i];
		}
	if (c->idx == SH_DIFF_ARGS && c->ip)
		printf("%s ip=%#llx", sep, (unsigned long long)c->ip);
	sh_seccomp_data d = sh_call_data(c->arch, c->nr, args);
	if (c->idx == SH_DIFF_ARGS)
		d.instruction_pointer = c->ip;
	fputs(": ", stdout);
	put_side(old, &d, c->a);
	fputs(" -> ", stdout);
	put_side(new, &d, c->b);
	putchar('\n');
}

typedef struct compared {
	const sh_target_opts *to;
	const sh_target *t;
	const sh_engine *old, *new;
} compared;

static void print_changes(const sh_diff *d, const compared *c)
{
	if (d->n == 0)
		return;
	print_summary(d, c->to, c->t);
	for (size_t i = 0, j; i < d->n; i = j) {
		j = sh_diff_run_end(d, i);
		if (j - i > 1)
			print_range(&d->v[i], &d->v[j - 1]);
		else
			print_one(&d->v[i], c->old, c->new);
	}
}

int cmd_diff(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "allowed-only", no_argument, NULL, 'A' }, { "arch", required_argument, NULL, 'a' },
		{ "caps", required_argument, NULL, 'c' },   { "kernel", required_argument, NULL, 'k' },
		{ "profiles-dir", required_argument, NULL, 'd' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	sh_target_opts to = { 0 };
	const char *dir = NULL;
	sh_diff d = { 0 };
	bool allowed_only = false;
	int ch;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'A': allowed_only = true; break;
		case 'a': to.arch = optarg; break;
		case 'c': to.caps = optarg; break;
		case 'k': to.kernel = optarg; break;
		case 'd': dir = optarg; break;
		case 'h': fputs(diff_usage, stdout); return SH_EXIT_OK;
		default: return sh_usage_error("diff", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 2)
		return sh_usage_error("diff", "expected OLD.json NEW.json");
	cleanup_error sh_error *err = NULL;
	sh_target t;
	sh_cli_compiled o = { 0 }, n = { 0 };
	int r = sh_cli_target(&to, &t, &err);
	if (r == 0)
		r = sh_cli_compile(argv[optind], dir, &t, false, &o, &err);
	if (r == 0)
		r = sh_cli_compile(argv[optind + 1], dir, &t, false, &n, &err);
	if (r == 0)
		sh_diff_programs(&o.e, &n.e, allowed_only, &d);
	compared c = { .to = &to, .t = &t, .old = &o.e, .new = &n.e };
	if (r == 0)
		print_changes(&d, &c);
	sh_cli_compiled_free(&o);
	sh_cli_compiled_free(&n);
	if (r < 0) {
		sh_error_report(err);
		return SH_EXIT_SYSTEM; /* diff(1)'s "trouble": 1 must only ever mean "they differ" */
	}
	if (d.undecided) {
		cleanup_free char *name = seccomp_syscall_resolve_num_arch(d.first_undecided.arch, d.first_undecided.nr);
		fprintf(stderr, "seccomp-hook diff: warning: %zu syscall%s could not be compared over every argument value "
				"(the first: %s %s); changes may be missing there\n", d.undecided, d.undecided == 1 ? "" : "s",
			sh_arch_scmp_name(d.first_undecided.arch), name ? name : "?");
	}
	size_t changed = d.n, undecided = d.undecided;
	sh_diff_free(&d);
	/* Nothing found, but not everything compared: not "the same" (diff(1)'s trouble). */
	return changed ? SH_EXIT_INVALID : undecided ? SH_EXIT_SYSTEM : SH_EXIT_OK;
}

/* seccomp-hook diff: where two profiles decide differently, found by running both compiled filters
 * on every syscall number of every architecture, and on the boundary values of every argument
 * condition either profile has. The changes are gathered before anything is printed, so that a
 * summary can lead and consecutive numbers with the same change can be printed as one range. */
#include "config.h"
#include "cli.h"
#include "names.h"
#include "translate.h"
#include "util.h"

#include <getopt.h>
#include <linux/audit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define X32_BIT 0x40000000
#define MAX_NR 1024

static const char diff_usage[] =
	"Usage: seccomp-hook diff [--allowed-only] [--arch=A,..] [--caps=..] [--kernel=X.Y] OLD.json NEW.json\n"
	"Print the syscalls (per architecture, and the argument values) whose action differs between\n"
	"two profiles, computed from the compiled filters: a summary line first (\"diff: N syscalls differ\n"
	"on M architectures (K now allowed, J now denied)\"), then one line per change, consecutive\n"
	"numbers with the same change as one range. Nothing is printed when they are equivalent.\n\n"
	"  --allowed-only  only the changes between allowed (ALLOW, LOG) and not allowed: ERRNO(1)\n"
	"                  against ERRNO(38) is left out\n"
	"  --arch=A,..     architectures (x86_64 or SCMP_ARCH_X86_64 spellings); default: native +\n"
	"                  each profile's archMap\n"
	"  --caps=LIST     capabilities for includes/excludes (default: none)\n"
	"  --kernel=X.Y    kernel version for minKernel (default: the running kernel)\n"
	"  -h, --help      show this help\n\n"
	"Exit status, as diff(1)'s: 0 no difference (with --allowed-only: none it shows), 1 they differ,\n"
	"2 trouble: a usage error, or a profile that is missing, unreadable or invalid.\n";

typedef struct side {
	sh_profile *p;
	sh_ruleset *rs;
	sh_bpf b;
} side;

/* One decision that differs: for all-zero arguments (idx -1), or with argument idx set to value. */
typedef struct change {
	uint32_t arch;
	int nr;
	int idx;
	uint64_t value;
	uint32_t a, b; /* old and new SECCOMP_RET_* */
} change;

typedef struct changes {
	change *v;
	size_t n, cap;
	bool allowed_only;
} changes;

static int load_side(const char *path, const sh_target *t, side *s, sh_error **err)
{
	if (sh_profile_load(path, &s->p, NULL, err) < 0 || sh_resolve(s->p, t, &s->rs, NULL, err) < 0)
		return -1;
	return sh_translate_bpf(s->rs, NULL, &s->b, NULL, err);
}

static void free_side(side *s)
{
	sh_bpf_free(&s->b);
	sh_ruleset_free(s->rs);
	sh_profile_free(s->p);
}

static uint32_t decide(const side *s, uint32_t arch, int nr, const uint64_t args[6])
{
	sh_seccomp_data d = { .nr = nr, .arch = arch == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : arch };
	memcpy(d.args, args, sizeof(d.args));
	return sh_bpf_run(s->b.insns, s->b.len, &d, NULL);
}

/* The kernel runs the syscall: LOG only adds a log line. TRACE and NOTIFY leave it to another
 * process, so they count as not allowed, as ERRNO, TRAP and KILL do. */
static bool ret_allows(uint32_t ret)
{
	uint32_t action = ret & SECCOMP_RET_ACTION_FULL;
	return action == SECCOMP_RET_ALLOW || action == SECCOMP_RET_LOG;
}

static void add_change(changes *cs, change c)
{
	if (cs->allowed_only && ret_allows(c.a) == ret_allows(c.b))
		return;
	sh_grow(&cs->v, &cs->cap, cs->n, sizeof(*cs->v));
	cs->v[cs->n++] = c;
}

/* Boundary values of every condition on `name` in a profile, per argument index. */
typedef struct probes {
	uint64_t v[6][256];
	size_t n[6];
} probes;

static void add_probe(probes *pr, unsigned idx, uint64_t v)
{
	for (size_t i = 0; i < pr->n[idx]; i++)
		if (pr->v[idx][i] == v)
			return;
	if (pr->n[idx] < SH_ARRAY_SIZE(pr->v[idx]))
		pr->v[idx][pr->n[idx]++] = v;
}

static void collect_probes(const sh_ruleset *rs, const char *name, probes *pr)
{
	for (size_t i = 0; i < rs->nrules; i++) {
		const sh_rule *r = rs->rules[i].origin;
		bool named = false;
		for (size_t k = 0; k < r->nnames && !named; k++)
			named = strcmp(r->names[k], name) == 0;
		for (size_t k = 0; named && k < r->nargs; k++) {
			const sh_arg *a = &r->args[k];
			uint64_t base = a->op == SH_OP_MASKED_EQ ? a->value_two : a->value;
			add_probe(pr, a->index, base - 1);
			add_probe(pr, a->index, base);
			add_probe(pr, a->index, base + 1);
			if (a->op == SH_OP_MASKED_EQ) {
				add_probe(pr, a->index, a->value); /* every masked bit set */
				add_probe(pr, a->index, base | ~a->value);
			}
			add_probe(pr, a->index, UINT64_MAX);
		}
	}
}

/* One syscall: all-zero arguments, then each probe value on each index (where it decides otherwise
 * than all-zero arguments do). */
static void diff_syscall(const side *o, const side *n, uint32_t arch, int nr, const char *name, changes *cs)
{
	uint64_t args[6] = { 0 };
	uint32_t a = decide(o, arch, nr, args), b = decide(n, arch, nr, args);
	if (a != b)
		add_change(cs, (change){ .arch = arch, .nr = nr, .idx = -1, .a = a, .b = b });
	probes pr = { 0 };
	collect_probes(o->rs, name, &pr);
	collect_probes(n->rs, name, &pr);
	for (unsigned idx = 0; idx < 6; idx++)
		for (size_t i = 0; i < pr.n[idx]; i++) {
			memset(args, 0, sizeof args);
			args[idx] = pr.v[idx][i];
			uint32_t pa = decide(o, arch, nr, args), pb = decide(n, arch, nr, args);
			if (pa == pb || (pa == a && pb == b))
				continue;
			add_change(cs, (change){ .arch = arch, .nr = nr, .idx = (int)idx, .value = args[idx], .a = pa, .b = pb });
		}
}

static void union_arches(const side *o, const side *n, uint32_t *out, size_t *cnt)
{
	*cnt = 0;
	const sh_ruleset *sets[] = { o->rs, n->rs };
	for (size_t s = 0; s < 2; s++)
		for (size_t i = 0; i < sets[s]->narches; i++) {
			bool have = false;
			for (size_t k = 0; k < *cnt; k++)
				have |= out[k] == sets[s]->arches[i];
			if (!have)
				out[(*cnt)++] = sets[s]->arches[i];
		}
}

/* Every change, by architecture then syscall number; a syscall's all-zero change before its
 * argument changes. */
static void collect_changes(const side *o, const side *n, changes *cs)
{
	uint32_t arches[2 * SH_MAX_ARCHES];
	size_t na;
	union_arches(o, n, arches, &na);
	for (size_t i = 0; i < na; i++)
		for (int k = 0; k < MAX_NR; k++) {
			int nr = arches[i] == SCMP_ARCH_X32 ? (k | X32_BIT) : k;
			char *nm = seccomp_syscall_resolve_num_arch(arches[i], nr);
			cleanup_free char *name = nm ? nm : sh_xasprintf("#%d", nr);
			diff_syscall(o, n, arches[i], nr, name, cs);
		}
}

static bool same_syscall(const change *x, const change *y)
{
	return x->arch == y->arch && x->nr == y->nr;
}

/* Syscalls are counted per architecture (mount on two architectures is two); one whose argument
 * changes go both ways counts as now allowed and as now denied. */
static void print_summary(const changes *cs)
{
	size_t syscalls = 0, arches = 0, allowed = 0, denied = 0;
	for (size_t i = 0; i < cs->n;) {
		bool now_allowed = false, now_denied = false;
		arches += i == 0 || cs->v[i - 1].arch != cs->v[i].arch;
		size_t j = i;
		for (; j < cs->n && same_syscall(&cs->v[i], &cs->v[j]); j++) {
			now_allowed |= !ret_allows(cs->v[j].a) && ret_allows(cs->v[j].b);
			now_denied |= ret_allows(cs->v[j].a) && !ret_allows(cs->v[j].b);
		}
		syscalls++;
		allowed += now_allowed;
		denied += now_denied;
		i = j;
	}
	printf("diff: %zu syscall%s differ%s on %zu architecture%s (%zu now allowed, %zu now denied)\n", syscalls,
	       syscalls == 1 ? "" : "s", syscalls == 1 ? "s" : "", arches, arches == 1 ? "" : "s", allowed, denied);
}

/* An all-zero change with no argument changes of its syscall: the kind that joins ranges. */
static bool plain_alone(const changes *cs, size_t i)
{
	return cs->v[i].idx < 0 && (i + 1 == cs->n || !same_syscall(&cs->v[i], &cs->v[i + 1]));
}

/* Index past the run of plain changes that starts at i: consecutive numbers, the same change. */
static size_t run_end(const changes *cs, size_t i)
{
	size_t j = i + 1;
	if (!plain_alone(cs, i))
		return j;
	while (j < cs->n && plain_alone(cs, j) && cs->v[j].arch == cs->v[i].arch && cs->v[j].nr == cs->v[j - 1].nr + 1 &&
	       cs->v[j].a == cs->v[i].a && cs->v[j].b == cs->v[i].b)
		j++;
	return j;
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
static void print_range(const change *first, const change *last)
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

static void print_one(const change *c)
{
	cleanup_free char *name = seccomp_syscall_resolve_num_arch(c->arch, c->nr);
	printf("%s ", sh_arch_scmp_name(c->arch));
	if (name)
		fputs(name, stdout);
	else
		printf("#%d", c->nr);
	if (c->idx >= 0)
		printf(" when arg%d=%#llx", c->idx, (unsigned long long)c->value);
	print_decisions(c->a, c->b);
}

static void print_changes(const changes *cs)
{
	if (cs->n == 0)
		return;
	print_summary(cs);
	for (size_t i = 0, j; i < cs->n; i = j) {
		j = run_end(cs, i);
		if (j - i > 1)
			print_range(&cs->v[i], &cs->v[j - 1]);
		else
			print_one(&cs->v[i]);
	}
}

int cmd_diff(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "allowed-only", no_argument, NULL, 'A' }, { "arch", required_argument, NULL, 'a' },
		{ "caps", required_argument, NULL, 'c' },   { "kernel", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },	    { NULL, 0, NULL, 0 },
	};
	sh_target_opts to = { 0 };
	changes cs = { 0 };
	int ch;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'A': cs.allowed_only = true; break;
		case 'a': to.arch = optarg; break;
		case 'c': to.caps = optarg; break;
		case 'k': to.kernel = optarg; break;
		case 'h': fputs(diff_usage, stdout); return SH_EXIT_OK;
		default: return sh_usage_error("diff", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 2)
		return sh_usage_error("diff", "expected OLD.json NEW.json");
	cleanup_error sh_error *err = NULL;
	sh_target t;
	side o = { 0 }, n = { 0 };
	int r = sh_cli_target(&to, false, &t, &err);
	if (r == 0)
		r = load_side(argv[optind], &t, &o, &err);
	if (r == 0)
		r = load_side(argv[optind + 1], &t, &n, &err);
	if (r == 0)
		collect_changes(&o, &n, &cs);
	free_side(&o);
	free_side(&n);
	if (r < 0) {
		sh_error_report(err);
		return SH_EXIT_SYSTEM; /* diff(1)'s "trouble": 1 must only ever mean "they differ" */
	}
	print_changes(&cs);
	free(cs.v);
	return cs.n ? SH_EXIT_INVALID : SH_EXIT_OK;
}

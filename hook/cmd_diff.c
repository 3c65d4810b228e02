/* seccomp-hook diff: where two profiles decide differently, found by running both compiled filters
 * on every syscall number of every architecture, and on the boundary values of every argument
 * condition either profile has. */
#include "config.h"
#include "cli.h"
#include "names.h"
#include "translate.h"
#include "util.h"

#include <getopt.h>
#include <linux/audit.h>
#include <stdio.h>
#include <string.h>

#define X32_BIT 0x40000000
#define MAX_NR 1024

static const char diff_usage[] =
	"Usage: seccomp-hook diff [--arch=A,..] [--caps=..] [--kernel=X.Y] OLD.json NEW.json\n"
	"Print the syscalls (per architecture, and the argument values) whose action differs between\n"
	"two profiles, computed from the compiled filters. Nothing is printed when they are equivalent.\n\n"
	"  --arch=A,..     architectures (default: native + each profile's archMap)\n"
	"  --caps=LIST     capabilities for includes/excludes (default: none)\n"
	"  --kernel=X.Y    kernel version for minKernel (default: the running kernel)\n"
	"  -h, --help      show this help\n\n"
	"Exit status: 0 equivalent, 1 they differ (or a profile is invalid), 2 usage or system error.\n";

typedef struct side {
	sh_profile *p;
	sh_ruleset *rs;
	sh_bpf b;
} side;

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

static void report(uint32_t arch, const char *name, const char *when, uint32_t a, uint32_t b)
{
	char x[48], y[48];
	printf("%s %s%s: %s -> %s\n", sh_arch_go_name(arch), name, when, sh_ret_name(a, x, sizeof x), sh_ret_name(b, y, sizeof y));
}

/* One syscall: all-zero arguments, then each probe value on each index. Returns the changes found. */
static int diff_syscall(const side *o, const side *n, uint32_t arch, int nr, const char *name)
{
	uint64_t args[6] = { 0 };
	int changes = 0;
	uint32_t a = decide(o, arch, nr, args), b = decide(n, arch, nr, args);
	if (a != b) {
		report(arch, name, "", a, b);
		changes++;
	}
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
			char when[64];
			snprintf(when, sizeof when, " when arg%u=%#llx", idx, (unsigned long long)args[idx]);
			report(arch, name, when, pa, pb);
			changes++;
		}
	return changes;
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

static int run_diff(const side *o, const side *n)
{
	uint32_t arches[2 * SH_MAX_ARCHES];
	size_t na;
	int changes = 0;
	union_arches(o, n, arches, &na);
	for (size_t i = 0; i < na; i++)
		for (int k = 0; k < MAX_NR; k++) {
			int nr = arches[i] == SCMP_ARCH_X32 ? (k | X32_BIT) : k;
			char *nm = seccomp_syscall_resolve_num_arch(arches[i], nr);
			cleanup_free char *name = nm ? nm : sh_xasprintf("#%d", nr);
			changes += diff_syscall(o, n, arches[i], nr, name);
		}
	return changes;
}

int cmd_diff(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "arch", required_argument, NULL, 'a' }, { "caps", required_argument, NULL, 'c' },
		{ "kernel", required_argument, NULL, 'k' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	sh_target_opts to = { 0 };
	int ch;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (ch) {
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
	int changes = r == 0 ? run_diff(&o, &n) : 0;
	free_side(&o);
	free_side(&n);
	if (r < 0)
		return sh_error_report(err);
	return changes ? SH_EXIT_INVALID : SH_EXIT_OK;
}

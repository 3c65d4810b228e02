/* Where two programs decide differently; see diff.h. */
#include "config.h"
#include "diff.h"
#include "names.h"
#include "util.h"

#include <string.h>

typedef struct differ {
	const sh_engine *o, *n;
	bool allowed_only;
	sh_diff *out;
} differ;

static void add_change(differ *df, sh_diff_change c)
{
	if (df->allowed_only && sh_decision_lets_through(c.a) == sh_decision_lets_through(c.b))
		return;
	sh_diff *d = df->out;
	sh_grow(&d->v, &d->cap, d->n, sizeof(*d->v));
	d->v[d->n++] = c;
}

/* Boundary values of every condition on one syscall in a rule set, per argument index. */
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
		if (!sh_rule_names(r, name))
			continue;
		for (size_t k = 0; k < r->nargs; k++) {
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

static uint32_t answer(const sh_engine *e, uint32_t arch, int nr, const uint64_t args[6])
{
	sh_seccomp_data d = sh_call_data(arch, nr, args);
	return sh_engine_run(e, &d).ret;
}

/* One syscall: all-zero arguments, then each probe value on each index (where it decides otherwise
 * than all-zero arguments do). */
static void diff_syscall(differ *df, uint32_t arch, int nr)
{
	uint64_t args[6] = { 0 };
	uint32_t a = answer(df->o, arch, nr, args), b = answer(df->n, arch, nr, args);
	if (a != b)
		add_change(df, (sh_diff_change){ .arch = arch, .nr = nr, .idx = -1, .a = a, .b = b });
	cleanup_free char *name = seccomp_syscall_resolve_num_arch(arch, nr);
	if (!name)
		return; /* no rule can name it: its arguments are never looked at */
	probes pr = { 0 };
	collect_probes(df->o->rs, name, &pr);
	collect_probes(df->n->rs, name, &pr);
	for (unsigned idx = 0; idx < 6; idx++)
		for (size_t i = 0; i < pr.n[idx]; i++) {
			memset(args, 0, sizeof args);
			args[idx] = pr.v[idx][i];
			uint32_t pa = answer(df->o, arch, nr, args), pb = answer(df->n, arch, nr, args);
			if (pa == pb || (pa == a && pb == b))
				continue;
			add_change(df, (sh_diff_change){ .arch = arch, .nr = nr, .idx = (int)idx, .value = args[idx], .a = pa, .b = pb });
		}
}

static size_t union_arches(const sh_ruleset *o, const sh_ruleset *n, uint32_t *out)
{
	uint32_t both[2 * SH_MAX_ARCHES];
	size_t cnt = 0;
	const sh_ruleset *sets[] = { o, n };
	for (size_t s = 0; s < 2; s++)
		for (size_t i = 0; i < sets[s]->narches; i++) {
			bool have = false;
			for (size_t k = 0; k < cnt; k++)
				have |= both[k] == sets[s]->arches[i];
			if (!have)
				both[cnt++] = sets[s]->arches[i];
		}
	return sh_arch_callers(both, cnt, out);
}

void sh_diff_programs(const sh_engine *old, const sh_engine *new, bool allowed_only, sh_diff *out)
{
	differ df = { .o = old, .n = new, .allowed_only = allowed_only, .out = out };
	uint32_t arches[2 * SH_MAX_ARCHES + 1];
	size_t na = union_arches(old->rs, new->rs, arches);
	for (size_t i = 0; i < na; i++)
		for (size_t k = 0, all = sh_arch_nr_count(arches[i]); k < all; k++)
			diff_syscall(&df, arches[i], sh_arch_nr_at(arches[i], k));
}

void sh_diff_free(sh_diff *d)
{
	free(d->v);
	*d = (sh_diff){ 0 };
}

static bool same_syscall(const sh_diff_change *x, const sh_diff_change *y)
{
	return x->arch == y->arch && x->nr == y->nr;
}

sh_diff_summary sh_diff_summarize(const sh_diff *d)
{
	sh_diff_summary s = { 0 };
	for (size_t i = 0, j; i < d->n; i = j) {
		bool now_allowed = false, now_denied = false;
		s.arches += i == 0 || d->v[i - 1].arch != d->v[i].arch;
		for (j = i; j < d->n && same_syscall(&d->v[i], &d->v[j]); j++) {
			bool was = sh_decision_lets_through(d->v[j].a), is = sh_decision_lets_through(d->v[j].b);
			now_allowed |= !was && is;
			now_denied |= was && !is;
		}
		s.syscalls++;
		s.allowed += now_allowed;
		s.denied += now_denied;
	}
	return s;
}

/* An all-zero change with no argument changes of its syscall: the kind that joins ranges. */
static bool plain_alone(const sh_diff *d, size_t i)
{
	return d->v[i].idx < 0 && (i + 1 == d->n || !same_syscall(&d->v[i], &d->v[i + 1]));
}

size_t sh_diff_run_end(const sh_diff *d, size_t i)
{
	size_t j = i + 1;
	if (!plain_alone(d, i))
		return j;
	while (j < d->n && plain_alone(d, j) && d->v[j].arch == d->v[i].arch && d->v[j].nr == d->v[j - 1].nr + 1 &&
	       d->v[j].a == d->v[i].a && d->v[j].b == d->v[i].b)
		j++;
	return j;
}

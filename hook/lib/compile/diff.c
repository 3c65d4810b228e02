/* Where two programs decide differently; see diff.h. */
#include "config.h"
#include "diff.h"
#include "bpf_reach.h"
#include "names.h"
#include "translate.h"
#include "within.h"
#include "util.h"

#include <string.h>

#define MAX_PAIRS 64 /* distinct (old, new) answers one syscall can show */

typedef struct differ {
	const sh_engine *o, *n;
	bool allowed_only;
	sh_diff *out;
	size_t first;	  /* the syscall's first change in out */
	uint32_t zero[2]; /* what all-zero arguments get: shown once, as the syscall's answer */
} differ;

/* Different answers (on allowed_only, one allowed and one not). */
static bool differs(const differ *df, uint32_t a, uint32_t b)
{
	return a != b && !(df->allowed_only && sh_decision_lets_through(a) == sh_decision_lets_through(b));
}

/* The syscall's change for a pair of answers, NULL if it has none yet. */
static sh_diff_change *change_for(const differ *df, uint32_t a, uint32_t b)
{
	for (size_t i = df->first; i < df->out->n; i++)
		if (df->out->v[i].a == a && df->out->v[i].b == b)
			return &df->out->v[i];
	return NULL;
}

/* The call, as a change: idx -1 for all-zero arguments, the one argument it sets, or SH_DIFF_ARGS
 * when it sets several (or the instruction pointer); args holds them all. */
static sh_diff_change change_of(const sh_seccomp_data *d, uint32_t a, uint32_t b)
{
	sh_diff_change c = { .arch = sh_arch_of_call(d->arch, d->nr), .nr = d->nr, .idx = -1, .a = a, .b = b,
			     .ip = d->instruction_pointer };
	int set = 0;
	for (int i = 0; i < 6; i++) {
		c.args[i] = d->args[i];
		if (d->args[i]) {
			set++;
			c.idx = i;
			c.value = d->args[i];
		}
	}
	if (set > 1 || d->instruction_pointer)
		c.idx = SH_DIFF_ARGS;
	return c;
}

static sh_seccomp_data call_of(const sh_diff_change *c)
{
	sh_seccomp_data d = sh_call_data(c->arch, c->nr, c->args);
	d.instruction_pointer = c->ip;
	return d;
}

static bool diff_sought(void *ctx, const uint32_t *rets, size_t k)
{
	const differ *df = ctx;
	return k < 2 || (differs(df, rets[0], rets[1]) && !(rets[0] == df->zero[0] && rets[1] == df->zero[1]));
}

/* Each pair of answers once, with the simplest call found for it: the walk goes on to the end. */
static bool diff_found(void *ctx, const sh_seccomp_data *d, const uint32_t *rets)
{
	differ *df = ctx;
	sh_diff_change *c = change_for(df, rets[0], rets[1]), now = change_of(d, rets[0], rets[1]);
	if (c) {
		sh_seccomp_data was = call_of(c);
		if (sh_reach_simpler(d, &was))
			*c = now;
		return false;
	}
	sh_diff *out = df->out;
	sh_grow(&out->v, &out->cap, out->n, sizeof(*out->v));
	out->v[out->n++] = now;
	return out->n - df->first >= MAX_PAIRS;
}

/* A syscall's argument changes in the order of their calls, simplest first (not the walk's). */
static void sort_changes(sh_diff_change *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		sh_diff_change c = v[i];
		sh_seccomp_data dc = call_of(&c);
		size_t k = i;
		for (; k > 0; k--) {
			sh_seccomp_data dk = call_of(&v[k - 1]);
			if (!sh_reach_simpler(&dc, &dk))
				break;
			v[k] = v[k - 1];
		}
		v[k] = c;
	}
}

/* One syscall: all-zero arguments first (the answer most callers see), then every other pair of
 * answers some call gets, found by walking both programs jointly over every argument value, each
 * with a call that gets it. */
static void diff_syscall(differ *df, uint32_t arch, int nr)
{
	sh_seccomp_data zero = sh_call_data(arch, nr, NULL);
	uint32_t a = sh_engine_run(df->o, &zero).ret, b = sh_engine_run(df->n, &zero).ret;
	df->first = df->out->n;
	df->zero[0] = a, df->zero[1] = b;
	if (differs(df, a, b)) {
		sh_grow(&df->out->v, &df->out->cap, df->out->n, sizeof(*df->out->v));
		df->out->v[df->out->n++] = change_of(&zero, a, b);
	}
	sh_reach_query q = { .progs = { { df->o->prog.insns, df->o->prog.len }, { df->n->prog.insns, df->n->prog.len } },
			     .nprogs = 2, .arch = zero.arch, .nr = (uint32_t)zero.nr, .sought = diff_sought,
			     .found = diff_found, .ctx = df };
	bool undecided = false;
	size_t args_from = df->out->n;
	sh_bpf_reach_joint(&q, &undecided);
	sort_changes(df->out->v + args_from, df->out->n - args_from);
	if (undecided && df->out->n - df->first < MAX_PAIRS) {
		df->out->undecided++;
		if (df->out->undecided == 1)
			df->out->first_undecided = (sh_diff_change){ .arch = arch, .nr = nr, .idx = -1 };
	}
}

void sh_diff_programs(const sh_engine *old, const sh_engine *new, bool allowed_only, sh_diff *out)
{
	differ df = { .o = old, .n = new, .allowed_only = allowed_only, .out = out };
	uint32_t arches[2 * SH_MAX_ARCHES + 1];
	size_t na = sh_rulesets_abis(old->rs, new->rs, arches);
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

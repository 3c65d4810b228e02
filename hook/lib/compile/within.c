/* Containment of one stack of programs in another; see within.h. */
#include "config.h"
#include "within.h"
#include "bpf_reach.h"
#include "names.h"
#include "translate.h"
#include "util.h"

#include <string.h>

/* Numbers outside every table are walked as one symbolic number per architecture: a budget for
 * the whole of both programs rather than for one syscall's paths. */
#define ANY_NR_STATES (50 * SH_REACH_STATES)

/* SH_WITHIN_RUNS: may run (0: ALLOW, LOG, and TRACE or USER_NOTIF, which another process may let
 * run) or refused (1). */
static int level(sh_within_order order, uint32_t ret)
{
	return order == SH_WITHIN_RUNS ? !sh_ret_runs(ret) : sh_ret_rank(ret);
}

bool sh_within_answer(sh_within_order order, uint32_t a, uint32_t b)
{
	return order == SH_WITHIN_SAME ? a == b : level(order, a) >= level(order, b);
}

/* One joint walk: b's filters first, then a's, so that a path b lets run is left at once. */
typedef struct judge {
	const sh_within_query *q;
	uint32_t abi;
	sh_within_result *out;
	bool any_nr; /* stop at the first call found; else go on for the simplest */
	bool have;   /* this walk added out's last counterexample */
} judge;

static bool judge_sought(void *ctx, const uint32_t *rets, size_t k)
{
	const sh_within_query *q = ((judge *)ctx)->q;
	if (k < q->nb)
		return true;
	uint32_t b = sh_ret_stacked(rets, q->nb);
	bool ordered = q->order != SH_WITHIN_SAME;
	if (ordered && level(q->order, b) == 0)
		return false; /* nothing is less restrictive than running */
	uint32_t a = sh_ret_stacked(rets + q->nb, k - q->nb);
	/* Another filter of a can only make its answer more restrictive. */
	if (ordered && k > q->nb && level(q->order, a) >= level(q->order, b))
		return false;
	return k < q->nb + q->na || !sh_within_answer(q->order, a, b);
}

static bool judge_found(void *ctx, const sh_seccomp_data *d, const uint32_t *rets)
{
	judge *j = ctx;
	sh_within_result *r = j->out;
	sh_within_cex c = { .abi = sh_arch_of_call(d->arch, d->nr),
			    .call = *d,
			    .a = sh_ret_stacked(rets + j->q->nb, j->q->na),
			    .b = sh_ret_stacked(rets, j->q->nb) };
	if (j->have) {
		if (sh_reach_simpler(d, &r->cex[r->ncex - 1].call))
			r->cex[r->ncex - 1] = c;
		return false;
	}
	r->cex = sh_xreallocarray(r->cex, r->ncex + 1, sizeof(*r->cex)); /* a few: one per number */
	r->cex[r->ncex++] = c;
	j->have = true;
	return j->any_nr;
}

static void fill_programs(const sh_within_query *q, sh_reach_query *rq)
{
	for (size_t i = 0; i < q->nb; i++)
		rq->progs[rq->nprogs++] = (sh_reach_prog){ q->b[i].insns, q->b[i].len };
	for (size_t i = 0; i < q->na; i++)
		rq->progs[rq->nprogs++] = (sh_reach_prog){ q->a[i].insns, q->a[i].len };
}

/* One walk: the number nr of abi, or every number of its AUDIT_ARCH (any_nr). True if undecided. */
static bool walk_one(const sh_within_query *q, uint32_t abi, bool any_nr, int nr, sh_within_result *out)
{
	judge j = { .q = q, .abi = abi, .out = out, .any_nr = any_nr };
	sh_seccomp_data d = sh_call_data(abi, nr, NULL);
	sh_reach_query rq = { .arch = d.arch, .any_nr = any_nr, .nr = (uint32_t)d.nr, .sought = judge_sought,
			      .found = judge_found, .ctx = &j, .max_states = any_nr ? ANY_NR_STATES : 0 };
	fill_programs(q, &rq);
	bool undecided = false;
	out->walks++;
	sh_bpf_reach_joint(&rq, &undecided);
	return undecided;
}

static void note_undecided(sh_within_result *out, uint32_t abi, bool any_nr, int nr)
{
	if (out->verdict == SH_WITHIN_UNDECIDED)
		return;
	out->verdict = SH_WITHIN_UNDECIDED;
	out->undecided_abi = abi;
	out->undecided_any_nr = any_nr;
	out->undecided_nr = nr;
}

/* Every number of every table, one walk each: a counterexample found here names a syscall. */
static void walk_tables(const sh_within_query *q, size_t want, sh_within_result *out)
{
	for (size_t i = 0; i < q->nabis; i++)
		for (size_t k = 0, all = sh_arch_nr_count(q->abis[i]); k < all && out->ncex < want; k++) {
			int nr = sh_arch_nr_at(q->abis[i], k);
			if (walk_one(q, q->abis[i], false, nr, out))
				note_undecided(out, q->abis[i], false, nr);
		}
}

/* Then every other number: one symbolic walk per AUDIT_ARCH the ABIs use (x32 is x86_64's). */
static void walk_other_numbers(const sh_within_query *q, sh_within_result *out)
{
	uint32_t seen[2 * SH_MAX_ARCHES + 1];
	size_t nseen = 0;
	for (size_t i = 0; i < q->nabis && !out->ncex; i++) {
		uint32_t audit = sh_call_data(q->abis[i], 0, NULL).arch;
		bool dup = false;
		for (size_t k = 0; k < nseen; k++)
			dup |= seen[k] == audit;
		if (dup || nseen == SH_ARRAY_SIZE(seen))
			continue;
		seen[nseen++] = audit;
		if (walk_one(q, q->abis[i], true, 0, out))
			note_undecided(out, q->abis[i], true, -1);
	}
}

sh_within_verdict sh_within(const sh_within_query *q, sh_within_result *out)
{
	*out = (sh_within_result){ .verdict = SH_WITHIN_HOLDS, .undecided_nr = -1 };
	size_t want = q->max_cex ? q->max_cex : 1;
	if (q->na + q->nb > SH_REACH_MAX_PROGS || q->na + q->nb == 0) {
		note_undecided(out, q->nabis ? q->abis[0] : 0, true, -1);
		return out->verdict;
	}
	walk_tables(q, want, out);
	if (!out->ncex)
		walk_other_numbers(q, out);
	if (out->ncex)
		out->verdict = SH_WITHIN_FAILS;
	return out->verdict;
}

void sh_within_result_free(sh_within_result *r)
{
	free(r->cex);
	*r = (sh_within_result){ 0 };
}

size_t sh_rulesets_abis(const sh_ruleset *a, const sh_ruleset *b, uint32_t *out)
{
	uint32_t both[2 * SH_MAX_ARCHES];
	size_t cnt = 0;
	const sh_ruleset *sets[] = { a, b };
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

sh_within_verdict sh_within_engines(const sh_engine *a, const sh_engine *b, sh_within_order order, size_t max_cex,
				    sh_within_result *out)
{
	uint32_t abis[2 * SH_MAX_ARCHES + 1];
	sh_within_query q = { .a = &a->prog, .na = 1, .b = &b->prog, .nb = 1, .abis = abis, .order = order,
			      .max_cex = max_cex };
	q.nabis = sh_rulesets_abis(a->rs, b->rs, abis);
	return sh_within(&q, out);
}

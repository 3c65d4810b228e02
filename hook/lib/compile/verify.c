/* The verifier (verify.h): a program is followed from its first instruction with the call's
 * architecture and number known and its arguments as sets of candidate values; on every path the
 * answer is compared with the rules' for every candidate combination that takes the path. */
#include "config.h"
#include "verify.h"
#include "candidates.h"
#include "names.h"
#include "util.h"

#include <inttypes.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define X32_BIT 0x40000000u
/* MAX_GATHER: the values gathered for one half before they are reduced to one per answer. */
enum { MAX_CANDS = 16384, MAX_GATHER = 65536, MAX_COMBOS = 4096, MAX_PENDING = 4096, NARGS = 6 };

/* ---- what the accumulator, X and the scratch words hold ---------------------------------------- */

enum { V_CONST, V_WORD, V_OTHER };
typedef struct aval {
	uint8_t kind;
	uint8_t arg, hi;  /* V_WORD: that half of argument `arg`, ANDed with mask */
	uint32_t mask, k; /* V_CONST: k */
} aval;

static bool aval_eq(const aval *a, const aval *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == V_CONST)
		return a->k == b->k;
	return a->kind != V_WORD || (a->arg == b->arg && a->hi == b->hi && a->mask == b->mask);
}

typedef struct vstate {
	size_t pc;
	aval a, x, mem[BPF_MEMWORDS];
	uint64_t *set[NARGS]; /* the candidates of each argument still possible; NULL: all of them */
} vstate;

/* ---- the rules of the call, one condition list per rule (a repeated index: one per condition) --- */

typedef struct vrule {
	uint32_t ret;
	const sh_rule *origin;
	const sh_arg *conds[NARGS];
	size_t nconds;
} vrule;

typedef struct cands {
	uint64_t *v;
	size_t n, words;
} cands;

typedef struct pending {
	vstate **s;
	size_t n, cap;
	bool explore; /* gathering the constants compared with arguments: both ways at each test */
} pending;

typedef struct vctx {
	const sh_ruleset *rs;
	const struct sock_filter *p;
	size_t len;
	bool notify_errno;
	unsigned long max_steps;
	sh_verify_report *rep;
	sh_error **err;
	bool failed;
	/* the call */
	uint32_t audit, token, nr;
	bool big_endian;
	sh_call_rules c;
	vrule *vr;
	size_t nvr, capvr, vwords;
	bool conditional;   /* some rule of the call has conditions */
	bool cands_built, missed;
	cands cand[NARGS];
	unsigned tested;    /* arguments the program or the rules look at */
	/* what the rules and the program ask of each half of each argument (candidates.h) */
	sh_questions qs[NARGS][2];
} vctx;

static bool over_budget(vctx *v)
{
	if (v->rep->steps <= v->max_steps)
		return false;
	if (!v->failed) {
		cleanup_free char *name = seccomp_syscall_resolve_num_arch(v->token, (int)v->nr);
		sh_error_set(v->err, SH_EXIT_INVALID, "checking the program for %s on %s takes more than %lu steps",
			     name ? name : "a syscall", sh_arch_scmp_name(v->token), v->max_steps);
	}
	v->failed = true;
	return true;
}

static int unreadable(vctx *v, size_t pc, const char *what)
{
	if (!v->failed)
		sh_error_set(v->err, SH_EXIT_INVALID, "cannot check the program: instruction %zu %s", pc, what);
	v->failed = true;
	return -1;
}

/* ---- candidate values (candidates.h) ------------------------------------------------------------- */

/* A condition of a rule, as questions to each half (the low one alone on a 32-bit ABI). */
static void ask_condition(vctx *v, const sh_arg *a)
{
	for (int hi = 0; hi < (sh_arch_wide_args(v->token) ? 2 : 1); hi++) {
		uint32_t value = (uint32_t)(hi ? a->value >> 32 : a->value);
		if (a->op == SH_OP_MASKED_EQ)
			sh_questions_mask(&v->qs[a->index][hi], value, (uint32_t)(hi ? a->value_two >> 32 : a->value_two));
		else
			sh_questions_order(&v->qs[a->index][hi], value);
	}
}

/* A test the program makes of a half: JSET k asks (x & k) == 0; JEQ of a masked word, (x & m) == k;
 * JGT or JGE of one, the order of x & m (libseccomp 2.5.4 makes those where it believes A still holds
 * the word it loaded before the mask); of the word itself, its order. */
static void ask_test(vctx *v, const aval *a, const struct sock_filter *f, uint32_t k)
{
	sh_questions *qs = &v->qs[a->arg][a->hi];
	uint16_t op = BPF_OP(f->code);
	if (op == BPF_JSET)
		sh_questions_mask(qs, k, 0);
	else if (a->mask == UINT32_MAX)
		sh_questions_order(qs, k);
	else if (op == BPF_JEQ)
		sh_questions_mask(qs, a->mask, k);
	else
		sh_questions_masked_order(qs, a->mask, k);
}

static int build_arg_cands(vctx *v, unsigned arg)
{
	cleanup_free uint32_t *lo = NULL, *hi = NULL;
	size_t nlo = sh_questions_values(&v->qs[arg][0], MAX_GATHER, &lo);
	size_t nhi = nlo == SIZE_MAX ? 0 : sh_questions_values(&v->qs[arg][1], MAX_GATHER, &hi);
	if (nlo == SIZE_MAX || nhi == SIZE_MAX || nlo * nhi > MAX_CANDS) {
		cleanup_free char *name = seccomp_syscall_resolve_num_arch(v->token, (int)v->nr);
		cleanup_free char *count = nlo == SIZE_MAX || nhi == SIZE_MAX
						   ? sh_xasprintf("more than %d values for one half", MAX_GATHER)
						   : sh_xasprintf("%zu candidates, at most %d", nlo * nhi, MAX_CANDS);
		sh_error_set(v->err, SH_EXIT_INVALID, "checking the program for %s on %s: argument %u is compared with "
			     "too many values (%s)", name ? name : "a syscall", sh_arch_scmp_name(v->token), arg, count);
		v->failed = true;
		return -1;
	}
	cands *c = &v->cand[arg];
	c->v = sh_xcalloc(nlo * nhi, sizeof(*c->v));
	for (size_t h = 0; h < nhi; h++)
		for (size_t l = 0; l < nlo; l++)
			c->v[c->n++] = (uint64_t)hi[h] << 32 | lo[l];
	c->words = (c->n + 63) / 64;
	return 0;
}

static int run(vctx *v, pending *q);

/* The candidates, from the conditions of the call's rules and the constants the program compares
 * the arguments with on its way for this call (gathered by following it both ways at each test). */
static int build_cands(vctx *v)
{
	v->cands_built = true;
	for (size_t i = 0; i < v->nvr; i++)
		for (size_t k = 0; k < v->vr[i].nconds; k++)
			ask_condition(v, v->vr[i].conds[k]);
	pending q = { .explore = true };
	vstate *s = sh_xcalloc(1, sizeof(*s));
	sh_grow(&q.s, &q.cap, 0, sizeof(*q.s));
	q.s[q.n++] = s;
	if (run(v, &q) < 0)
		return -1;
	for (unsigned a = 0; a < NARGS; a++)
		if (build_arg_cands(v, a) < 0)
			return -1;
	return 0;
}

/* ---- sets of candidates -------------------------------------------------------------------------- */

static uint64_t set_word(const vctx *v, const uint64_t *set, unsigned arg, size_t w)
{
	if (set)
		return set[w];
	const cands *c = &v->cand[arg];
	size_t rest = c->n - w * 64;
	return rest >= 64 ? UINT64_MAX : (UINT64_C(1) << rest) - 1;
}

static bool set_equal(const vctx *v, const vstate *a, const vstate *b, unsigned arg)
{
	if (!a->set[arg] && !b->set[arg])
		return true;
	for (size_t w = 0; w < v->cand[arg].words; w++)
		if (set_word(v, a->set[arg], arg, w) != set_word(v, b->set[arg], arg, w))
			return false;
	return true;
}

static size_t set_first(const vctx *v, const uint64_t *set, unsigned arg)
{
	for (size_t w = 0; w < v->cand[arg].words; w++) {
		uint64_t x = set_word(v, set, arg, w);
		if (x)
			return w * 64 + (size_t)__builtin_ctzll(x);
	}
	return SIZE_MAX;
}

static vstate *state_copy(const vctx *v, const vstate *s)
{
	vstate *c = sh_xmalloc(sizeof(*c));
	*c = *s;
	for (unsigned a = 0; a < NARGS; a++)
		if (s->set[a]) {
			c->set[a] = sh_xcalloc(v->cand[a].words, sizeof(uint64_t));
			memcpy(c->set[a], s->set[a], v->cand[a].words * sizeof(uint64_t));
		}
	return c;
}

static void state_free(vstate *s)
{
	if (!s)
		return;
	for (unsigned a = 0; a < NARGS; a++)
		free(s->set[a]);
	free(s);
}

static bool regs_equal(const vstate *a, const vstate *b)
{
	if (!aval_eq(&a->a, &b->a) || !aval_eq(&a->x, &b->x))
		return false;
	for (size_t i = 0; i < BPF_MEMWORDS; i++)
		if (!aval_eq(&a->mem[i], &b->mem[i]))
			return false;
	return true;
}

/* Two states at one instruction that differ in one argument's candidates at most are one state:
 * the union of two products that agree everywhere else is a product. */
static bool try_merge(const vctx *v, vstate *into, vstate *s)
{
	if (!regs_equal(into, s))
		return false;
	int differ = -1;
	for (unsigned a = 0; a < NARGS; a++) {
		if (set_equal(v, into, s, a))
			continue;
		if (differ >= 0)
			return false;
		differ = (int)a;
	}
	if (differ < 0)
		return true;
	uint64_t *u = into->set[differ];
	if (!u || !s->set[differ]) {
		free(u);
		into->set[differ] = NULL;
		return true;
	}
	for (size_t w = 0; w < v->cand[differ].words; w++)
		u[w] |= s->set[differ][w];
	return true;
}

static int push(vctx *v, pending *q, vstate *s)
{
	for (size_t i = 0; i < q->n; i++)
		if (q->s[i]->pc == s->pc && try_merge(v, q->s[i], s)) {
			state_free(s);
			return 0;
		}
	if (q->n >= MAX_PENDING) {
		state_free(s);
		v->rep->steps = v->max_steps + 1;
		return over_budget(v) ? -1 : 0;
	}
	sh_grow(&q->s, &q->cap, q->n, sizeof(*q->s));
	q->s[q->n++] = s;
	return 0;
}

static vstate *pop_lowest(pending *q)
{
	size_t best = 0;
	for (size_t i = 1; i < q->n; i++)
		if (q->s[i]->pc < q->s[best]->pc)
			best = i;
	vstate *s = q->s[best];
	q->s[best] = q->s[--q->n];
	return s;
}

/* ---- the rules' answer for a path ---------------------------------------------------------------- */

static void add_vrule(vctx *v, const sh_rrule *rr, const sh_arg *const *conds, size_t n)
{
	sh_grow(&v->vr, &v->capvr, v->nvr, sizeof(*v->vr));
	vrule *r = &v->vr[v->nvr++];
	*r = (vrule){ .ret = sh_action_ret(rr->action, rr->errno_ret), .origin = rr->origin, .nconds = n };
	for (size_t i = 0; i < n; i++) {
		r->conds[i] = conds[i];
		v->tested |= 1u << conds[i]->index;
	}
	v->conditional |= n > 0;
}

static void build_vrules(vctx *v)
{
	for (size_t i = 0; i < v->c.n; i++) {
		const sh_rule *r = v->c.rules[i]->origin;
		const sh_arg *conds[NARGS];
		if (sh_rule_index_repeats(r)) {
			for (size_t k = 0; k < r->nargs; k++) {
				conds[0] = &r->args[k];
				add_vrule(v, v->c.rules[i], conds, 1);
			}
			continue;
		}
		for (size_t k = 0; k < r->nargs && k < NARGS; k++)
			conds[k] = &r->args[k];
		add_vrule(v, v->c.rules[i], conds, r->nargs);
	}
	v->vwords = (v->nvr + 63) / 64;
}

static uint32_t as_installed(const vctx *v, uint32_t ret)
{
	bool errno_ = (ret & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO;
	return v->notify_errno && errno_ ? SECCOMP_RET_USER_NOTIF : ret;
}

/* The rules that hold (bit i: vr[i]) decide: the most restrictive, the first among equals. */
static int decide(const vctx *v, const uint64_t *holds, bool *overlap)
{
	int best = -1;
	*overlap = false;
	for (size_t i = 0; i < v->nvr; i++) {
		if (!(holds[i / 64] >> (i % 64) & 1))
			continue;
		if (best >= 0 && v->vr[i].ret != v->vr[best].ret)
			*overlap = true;
		if (best < 0 || sh_ret_outranks(v->vr[i].ret, v->vr[best].ret))
			best = (int)i;
	}
	return best;
}

typedef struct combo {
	uint64_t *holds; /* vwords words */
	uint64_t args[NARGS];
} combo;

typedef struct combos {
	combo *c;
	size_t n, cap;
} combos;

static void combos_free(combos *cs)
{
	for (size_t i = 0; i < cs->n; i++)
		free(cs->c[i].holds);
	free(cs->c);
	*cs = (combos){ 0 };
}

static bool combos_add(const vctx *v, combos *cs, const uint64_t *holds, const uint64_t args[NARGS])
{
	for (size_t i = 0; i < cs->n; i++)
		if (memcmp(cs->c[i].holds, holds, v->vwords * sizeof(uint64_t)) == 0)
			return true;
	if (cs->n >= MAX_COMBOS)
		return false;
	sh_grow(&cs->c, &cs->cap, cs->n, sizeof(*cs->c));
	combo *c = &cs->c[cs->n++];
	c->holds = sh_xcalloc(v->vwords, sizeof(uint64_t));
	memcpy(c->holds, holds, v->vwords * sizeof(uint64_t));
	memcpy(c->args, args, sizeof(c->args));
	return true;
}

/* Which rules' conditions on argument `arg` hold for value x (rules without any: all). */
static void holds_for(const vctx *v, unsigned arg, uint64_t x, uint64_t *out)
{
	memset(out, 0, v->vwords * sizeof(uint64_t));
	for (size_t i = 0; i < v->nvr; i++) {
		bool h = true;
		for (size_t k = 0; k < v->vr[i].nconds && h; k++)
			if (v->vr[i].conds[k]->index == arg)
				h = sh_arg_holds(v->vr[i].conds[k], v->token, x);
		if (h)
			out[i / 64] |= UINT64_C(1) << (i % 64);
	}
}

/* Per argument, the distinct combinations of rules its candidates satisfy, each with one value. */
static bool arg_signatures(vctx *v, const vstate *s, unsigned arg, combos *out)
{
	uint64_t none[NARGS] = { 0 };
	cleanup_free uint64_t *h = sh_xcalloc(v->vwords, sizeof(uint64_t));
	const cands *c = &v->cand[arg];
	for (size_t i = 0; i < c->n; i++) {
		if (!(set_word(v, s->set[arg], arg, i / 64) >> (i % 64) & 1))
			continue;
		v->rep->steps += v->nvr;
		holds_for(v, arg, c->v[i], h);
		none[arg] = c->v[i];
		if (!combos_add(v, out, h, none))
			return false;
	}
	return true;
}

static void product_with(const vctx *v, const combos *acc, const combos *sig, unsigned arg, combos *out, bool *full)
{
	cleanup_free uint64_t *h = sh_xcalloc(v->vwords, sizeof(uint64_t));
	for (size_t i = 0; i < acc->n && !*full; i++)
		for (size_t j = 0; j < sig->n && !*full; j++) {
			for (size_t w = 0; w < v->vwords; w++)
				h[w] = acc->c[i].holds[w] & sig->c[j].holds[w];
			uint64_t args[NARGS];
			memcpy(args, acc->c[i].args, sizeof(args));
			args[arg] = sig->c[j].args[arg];
			*full = !combos_add(v, out, h, args);
		}
}

/* Every combination of rules the path's candidates can make hold, each with one call. */
static int path_combos(vctx *v, const vstate *s, combos *acc)
{
	uint64_t start[NARGS] = { 0 };
	cleanup_free uint64_t *all = sh_xcalloc(v->vwords, sizeof(uint64_t));
	memset(all, 0xff, v->vwords * sizeof(uint64_t));
	for (unsigned a = 0; a < NARGS; a++) {
		size_t first = set_first(v, s->set[a], a);
		start[a] = first == SIZE_MAX ? 0 : v->cand[a].v[first];
	}
	combos_add(v, acc, all, start);
	for (unsigned a = 0; a < NARGS; a++) {
		if (!(v->tested & (1u << a)))
			continue;
		combos sig = { 0 }, next = { 0 };
		bool full = !arg_signatures(v, s, a, &sig);
		if (!full)
			product_with(v, acc, &sig, a, &next, &full);
		combos_free(&sig);
		combos_free(acc);
		*acc = next;
		v->rep->steps += acc->n;
		if (full || over_budget(v)) {
			if (!v->failed)
				sh_error_set(v->err, SH_EXIT_INVALID, "checking the program: more than %d combinations of "
					     "rules on one path", MAX_COMBOS);
			v->failed = true;
			return -1;
		}
	}
	return 0;
}

/* The call a report names: a weaker answer where the rules do not overlap says most, then a weaker one. */
static int telling(const sh_verify_miss *m)
{
	bool weaker = sh_ret_outranks(m->want, m->got);
	return weaker && !m->overlap ? 2 : weaker;
}

static void record_miss(vctx *v, const uint64_t args[NARGS], uint32_t got, sh_decision want, bool overlap)
{
	sh_verify_report *r = v->rep;
	sh_verify_miss found = { .want = as_installed(v, want.ret), .got = got, .overlap = overlap };
	if (v->missed && telling(&found) <= telling(&r->miss[r->nmiss - 1]))
		return;
	if (!v->missed)
		r->miss = sh_xreallocarray(r->miss, r->nmiss + 1, sizeof(*r->miss));
	sh_verify_miss *m = &r->miss[v->missed ? r->nmiss - 1 : r->nmiss++];
	v->missed = true;
	*m = (sh_verify_miss){ .arch = v->token, .nr = (int)v->nr, .tested = v->tested, .got = got,
			       .want = as_installed(v, want.ret), .by = want.by, .overlap = overlap };
	memcpy(m->args, args, sizeof(m->args));
	if (want.rule) {
		m->rule_index = want.rule->origin->index;
		m->rule_loc = want.rule->origin->loc;
	}
}

static sh_decision vrule_decision(const vctx *v, int i)
{
	if (i < 0)
		return v->c.otherwise;
	/* The rule set's own rule of that origin, for the reason (a multiplexed copy is the call's). */
	for (size_t k = 0; k < v->c.n; k++)
		if (v->c.rules[k]->origin == v->vr[i].origin)
			return (sh_decision){ .ret = v->vr[i].ret, .by = SH_BY_RULE, .rule = v->c.rules[k] };
	return v->c.otherwise;
}

static int check_answer(vctx *v, const vstate *s, uint32_t got)
{
	v->rep->paths++;
	if (v->missed && telling(&v->rep->miss[v->rep->nmiss - 1]) == 2)
		return 0;
	if (v->conditional && !v->cands_built && build_cands(v) < 0)
		return -1;
	combos acc = { 0 };
	if (path_combos(v, s, &acc) < 0) {
		combos_free(&acc);
		return -1;
	}
	for (size_t i = 0; i < acc.n; i++) {
		bool overlap;
		sh_decision want = vrule_decision(v, decide(v, acc.c[i].holds, &overlap));
		if (as_installed(v, want.ret) != got)
			record_miss(v, acc.c[i].args, got, want, overlap);
	}
	v->rep->paths += acc.n ? acc.n - 1 : 0;
	combos_free(&acc);
	return 0;
}

/* ---- following the program ----------------------------------------------------------------------- */

static aval load_abs(const vctx *v, uint32_t off)
{
	if (off == offsetof(struct seccomp_data, nr))
		return (aval){ .kind = V_CONST, .k = v->nr };
	if (off == offsetof(struct seccomp_data, arch))
		return (aval){ .kind = V_CONST, .k = v->audit };
	uint32_t base = offsetof(struct seccomp_data, args);
	if (off < base || off >= base + 8 * NARGS || off % 4)
		return (aval){ .kind = V_OTHER };
	bool upper = ((off - base) % 8 == 4) != v->big_endian;
	return (aval){ .kind = V_WORD, .arg = (uint8_t)((off - base) / 8), .hi = upper, .mask = UINT32_MAX };
}

static aval alu_step(const struct sock_filter *f, aval a, aval x)
{
	aval src = BPF_SRC(f->code) == BPF_X ? x : (aval){ .kind = V_CONST, .k = f->k };
	if (a.kind == V_CONST && src.kind == V_CONST)
		return (aval){ .kind = V_CONST, .k = sh_bpf_alu(BPF_OP(f->code), a.k, src.k) };
	if (a.kind == V_WORD && BPF_OP(f->code) == BPF_AND && src.kind == V_CONST) {
		a.mask &= src.k;
		return a;
	}
	return (aval){ .kind = V_OTHER };
}

static void set_take(vstate *s, unsigned arg, uint64_t *set)
{
	free(s->set[arg]);
	s->set[arg] = set;
}

/* Gathering constants: the value compared (and its mask), then both ways. */
static int explore_split(vctx *v, pending *q, vstate *s, const struct sock_filter *f, uint32_t k)
{
	ask_test(v, &s->a, f, k);
	vstate *other = state_copy(v, s);
	other->pc = s->pc + 1 + f->jf;
	s->pc += 1 + f->jt;
	return push(v, q, s) < 0 || push(v, q, other) < 0 ? -1 : 0;
}

/* The state's candidates of the tested argument, split by the way they take (0 taken, 1 not). */
static void partition(vctx *v, const vstate *s, const struct sock_filter *f, uint32_t k, uint64_t *way[2], bool any[2])
{
	unsigned arg = s->a.arg;
	const cands *c = &v->cand[arg];
	v->rep->steps += c->n;
	for (size_t i = 0; i < c->n; i++) {
		if (!(set_word(v, s->set[arg], arg, i / 64) >> (i % 64) & 1))
			continue;
		uint32_t w = (uint32_t)(s->a.hi ? c->v[i] >> 32 : c->v[i]) & s->a.mask;
		int t = sh_bpf_jump_taken(BPF_OP(f->code), w, k) ? 0 : 1;
		way[t][i / 64] |= UINT64_C(1) << (i % 64);
		any[t] = true;
	}
}

/* A test of an argument word: the candidates split between the two ways; a way none takes is gone. */
static int split(vctx *v, pending *q, vstate *s, const struct sock_filter *f, uint32_t k)
{
	v->tested |= 1u << s->a.arg;
	if (q->explore)
		return explore_split(v, q, s, f, k);
	if (!v->cands_built && build_cands(v) < 0) {
		state_free(s);
		return -1;
	}
	unsigned arg = s->a.arg;
	size_t words = v->cand[arg].words, to[2] = { s->pc + 1 + f->jt, s->pc + 1 + f->jf };
	uint64_t *way[2] = { sh_xcalloc(words, sizeof(uint64_t)), sh_xcalloc(words, sizeof(uint64_t)) };
	bool any[2] = { false, false };
	partition(v, s, f, k, way, any);
	vstate *other = any[0] && any[1] ? state_copy(v, s) : NULL;
	int r = 0;
	for (int t = 0; t < 2; t++) {
		vstate *d = !any[t] ? NULL : other && t == 1 ? other : s;
		if (!d) {
			free(way[t]);
			continue;
		}
		set_take(d, arg, way[t]);
		d->pc = to[t];
		r |= push(v, q, d);
	}
	if (!any[0] && !any[1])
		state_free(s);
	return r < 0 ? -1 : 0;
}

static int jump(vctx *v, pending *q, vstate *s, const struct sock_filter *f)
{
	if (BPF_OP(f->code) == BPF_JA) {
		s->pc += 1 + f->k;
		return push(v, q, s);
	}
	aval src = BPF_SRC(f->code) == BPF_X ? s->x : (aval){ .kind = V_CONST, .k = f->k };
	if (s->a.kind == V_CONST && src.kind == V_CONST) {
		s->pc += 1 + (sh_bpf_jump_taken(BPF_OP(f->code), s->a.k, src.k) ? f->jt : f->jf);
		return push(v, q, s);
	}
	if (s->a.kind == V_WORD && src.kind == V_CONST)
		return split(v, q, s, f, src.k);
	size_t pc = s->pc;
	state_free(s);
	return unreadable(v, pc, "compares a value it cannot follow");
}

static int ret(vctx *v, pending *q, vstate *s, const struct sock_filter *f)
{
	int r = 0;
	if (BPF_RVAL(f->code) == BPF_A && s->a.kind != V_CONST)
		r = unreadable(v, s->pc, "returns a value it cannot follow");
	else if (!q->explore)
		r = check_answer(v, s, BPF_RVAL(f->code) == BPF_A ? s->a.k : f->k);
	state_free(s);
	return r;
}

/* One instruction; the state goes on (pushed) or ends. */
static int step(vctx *v, pending *q, vstate *s)
{
	if (s->pc >= v->len) {
		size_t pc = s->pc;
		state_free(s);
		return unreadable(v, pc, "is past the end");
	}
	const struct sock_filter *f = &v->p[s->pc];
	v->rep->steps++;
	aval k = { .kind = V_CONST, .k = f->k };
	switch (BPF_CLASS(f->code)) {
	case BPF_RET: return ret(v, q, s, f);
	case BPF_JMP: return jump(v, q, s, f);
	case BPF_LD:
		s->a = BPF_MODE(f->code) == BPF_ABS ? load_abs(v, f->k) : BPF_MODE(f->code) == BPF_MEM ? s->mem[f->k % BPF_MEMWORDS]
		       : BPF_MODE(f->code) == BPF_IMM ? k : BPF_MODE(f->code) == BPF_LEN ? (aval){ .kind = V_CONST, .k = 64 }
		       : (aval){ .kind = V_OTHER };
		break;
	case BPF_LDX:
		s->x = BPF_MODE(f->code) == BPF_MEM ? s->mem[f->k % BPF_MEMWORDS] : BPF_MODE(f->code) == BPF_IMM ? k
		       : BPF_MODE(f->code) == BPF_LEN ? (aval){ .kind = V_CONST, .k = 64 } : (aval){ .kind = V_OTHER };
		break;
	case BPF_ST: s->mem[f->k % BPF_MEMWORDS] = s->a; break;
	case BPF_STX: s->mem[f->k % BPF_MEMWORDS] = s->x; break;
	case BPF_ALU: s->a = alu_step(f, s->a, s->x); break;
	case BPF_MISC:
		if (BPF_MISCOP(f->code) == BPF_TAX)
			s->x = s->a;
		else
			s->a = s->x;
		break;
	}
	s->pc++;
	return push(v, q, s);
}

static int run(vctx *v, pending *q)
{
	int r = 0;
	while (q->n && r == 0) {
		r = step(v, q, pop_lowest(q));
		if (r == 0 && over_budget(v))
			r = -1;
	}
	for (size_t i = 0; i < q->n; i++)
		state_free(q->s[i]);
	free(q->s);
	return r;
}

sh_decision sh_verify_rules_answer(const sh_call_rules *c, const uint64_t args[6])
{
	sh_decision best = c->otherwise;
	bool found = false;
	for (size_t i = 0; i < c->n; i++) {
		if (!sh_rule_args_hold(c->rules[i]->origin, c->arch, args))
			continue;
		uint32_t ret = sh_action_ret(c->rules[i]->action, c->rules[i]->errno_ret);
		if (!found || sh_ret_outranks(ret, best.ret))
			best = (sh_decision){ .ret = ret, .by = SH_BY_RULE, .rule = c->rules[i] };
		found = true;
	}
	return best;
}

/* ---- one call ------------------------------------------------------------------------------------- */

static void call_reset(vctx *v)
{
	sh_call_rules_free(&v->c);
	for (unsigned a = 0; a < NARGS; a++) {
		free(v->cand[a].v);
		v->cand[a] = (cands){ 0 };
		for (int h = 0; h < 2; h++)
			v->qs[a][h].n = 0;
	}
	v->nvr = 0;
	v->vwords = 0;
	v->tested = 0;
	v->conditional = v->cands_built = v->missed = false;
}

static int check_call(vctx *v, const sh_call_index *ix, uint32_t audit, uint32_t nr)
{
	v->audit = audit;
	v->token = sh_call_arch(v->rs, audit, (int)nr);
	v->nr = nr;
	v->big_endian = !(audit & __AUDIT_ARCH_LE);
	sh_call_index_rules(ix, (int)nr, &v->c);
	build_vrules(v);
	v->rep->calls++;
	pending q = { 0 };
	vstate *s = sh_xcalloc(1, sizeof(*s));
	sh_grow(&q.s, &q.cap, 0, sizeof(*q.s));
	q.s[q.n++] = s;
	int r = run(v, &q);
	call_reset(v);
	return r;
}

/* ---- which calls ---------------------------------------------------------------------------------- */

typedef struct numbers {
	uint32_t *v;
	size_t n, cap;
} numbers;

static void num_add(numbers *ns, int64_t x)
{
	if (x < 0 || x > UINT32_MAX)
		return;
	sh_grow(&ns->v, &ns->cap, ns->n, sizeof(*ns->v));
	ns->v[ns->n++] = (uint32_t)x;
}

/* A point and the value above it: the latter stands for the whole gap up to the next point, where
 * neither the rules nor the program change their answer (0 is among the points). */
static void num_around(numbers *ns, int64_t x)
{
	num_add(ns, x);
	num_add(ns, x + 1);
}

/* Where the answer can change as a function of the number: each number with rules, the stub's bound,
 * each constant the program compares anything with, the ends and the x32 bit, each with the number
 * above it (the gaps between them are alike throughout, for the rules and the program). */
static void call_numbers(const vctx *v, const sh_call_index *ix, numbers *ns)
{
	static const uint32_t edges[] = { 0, 0x3fffffff, X32_BIT, 0x7fffffff, 0x80000000, 0xbfffffff, 0xc0000000, UINT32_MAX };
	size_t n;
	const int *nrs = sh_call_index_numbers(ix, &n);
	for (size_t i = 0; i < n; i++)
		num_around(ns, nrs[i]);
	int above = sh_call_index_enosys_above(ix);
	if (above >= 0)
		num_around(ns, above);
	for (size_t i = 0; i < SH_ARRAY_SIZE(edges); i++)
		num_around(ns, edges[i]);
	for (size_t i = 0; i < v->len; i++)
		if (BPF_CLASS(v->p[i].code) == BPF_JMP && BPF_OP(v->p[i].code) != BPF_JA && BPF_SRC(v->p[i].code) == BPF_K)
			num_around(ns, v->p[i].k);
}

static uint32_t audit_of(uint32_t token)
{
	return token == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : token;
}

/* The calls of one kernel architecture value: its own numbers and, on x86_64, x32's. */
static int check_audit(vctx *v, uint32_t audit)
{
	numbers ns = { 0 };
	sh_call_index *ix[2] = { sh_call_index_new(v->rs, audit), NULL };
	call_numbers(v, ix[0], &ns);
	if (audit == AUDIT_ARCH_X86_64) {
		ix[1] = sh_call_index_new(v->rs, SCMP_ARCH_X32);
		call_numbers(v, ix[1], &ns);
	}
	ns.n = sh_u32_sort_unique(ns.v, ns.n);
	int r = 0;
	for (size_t i = 0; i < ns.n && r == 0; i++) {
		uint32_t token = sh_call_arch(v->rs, audit, (int)ns.v[i]);
		r = check_call(v, token == audit ? ix[0] : ix[1], audit, ns.v[i]);
	}
	free(ns.v);
	sh_call_index_free(ix[0]);
	sh_call_index_free(ix[1]);
	return r;
}

/* The rule set's architectures (x32 within x86_64's) and one outside it: the bad-architecture action. */
static size_t audits_to_check(const sh_ruleset *rs, uint32_t out[SH_MAX_ARCHES + 1])
{
	size_t n = 0;
	for (size_t i = 0; i < rs->narches; i++) {
		uint32_t a = audit_of(rs->arches[i]);
		bool seen = false;
		for (size_t k = 0; k < n; k++)
			seen |= out[k] == a;
		if (!seen)
			out[n++] = a;
	}
	static const uint32_t foreign[] = { AUDIT_ARCH_AARCH64, AUDIT_ARCH_S390X };
	for (size_t f = 0; f < SH_ARRAY_SIZE(foreign); f++) {
		bool in = false;
		for (size_t k = 0; k < n; k++)
			in |= out[k] == foreign[f];
		if (!in) {
			out[n++] = foreign[f];
			break;
		}
	}
	return n;
}

int sh_verify_program(const sh_ruleset *rs, const sh_bpf *b, const sh_verify_opts *o, sh_verify_report *rep,
		      sh_error **err)
{
	*rep = (sh_verify_report){ 0 };
	const char *bad = sh_bpf_check_program(b->insns, b->len);
	if (bad)
		return sh_error_set(err, SH_EXIT_INVALID, "cannot check the program: %s", bad);
	vctx v = { .rs = rs, .p = b->insns, .len = b->len, .notify_errno = o && o->notify_errno,
		   .max_steps = o && o->max_steps ? o->max_steps : SH_VERIFY_MAX_STEPS, .rep = rep, .err = err };
	uint32_t audits[SH_MAX_ARCHES + 1];
	size_t n = audits_to_check(rs, audits);
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++)
		r = check_audit(&v, audits[i]);
	for (unsigned a = 0; a < NARGS; a++)
		for (int h = 0; h < 2; h++)
			sh_questions_free(&v.qs[a][h]);
	free(v.vr);
	if (r < 0)
		return -1;
	return rep->nmiss ? 1 : 0;
}

void sh_verify_report_free(sh_verify_report *rep)
{
	free(rep->miss);
	*rep = (sh_verify_report){ 0 };
}

static void put_value(FILE *f, uint64_t x)
{
	fprintf(f, x < 4096 ? "%" PRIu64 : "%#" PRIx64, x);
}

char *sh_verify_miss_text(const sh_ruleset *rs, const sh_verify_miss *m)
{
	char *buf = NULL, got[48], want[48];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return sh_xstrdup("?");
	cleanup_free char *name = seccomp_syscall_resolve_num_arch(m->arch, m->nr);
	if (name)
		fprintf(f, "%s(", name);
	else
		fprintf(f, "syscall %d(", m->nr);
	const char *sep = "";
	for (unsigned a = 0; a < NARGS; a++)
		if (m->tested & (1u << a)) {
			fprintf(f, "%sarg%u=", sep, a);
			put_value(f, m->args[a]);
			sep = ", ";
		}
	fprintf(f, ") on %s gets %s where the rules say %s", sh_arch_scmp_name(m->arch),
		sh_ret_name(m->got, got, sizeof got), sh_ret_name(m->want, want, sizeof want));
	if (m->by == SH_BY_RULE)
		fprintf(f, " (syscalls[%zu] at %s:%u:%u)", m->rule_index, rs->profile->file, m->rule_loc.line, m->rule_loc.col);
	else
		fputs(m->by == SH_BY_ENOSYS ? " (ENOSYS above the profile's syscalls)" : m->by == SH_BY_BAD_ARCH
		      ? " (bad-architecture action)" : " (default action)", f);
	fclose(f);
	return buf;
}

#include "config.h"
#include "bpf_reach.h"

#include <linux/audit.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* struct seccomp_data as 16 words: nr, arch, the instruction pointer, the six arguments. */
enum { W_NR = 0, W_ARCH = 1, W_IP = 2, NWORDS = 16, MAX_NE = 32, MAX_TRIES = 64, MAX_DEPTH = 512, FEW_BITS = 6 };

/* What the path so far says of one 32-bit word. */
typedef struct word_dom {
	uint32_t ones, zeros; /* bits known set, known clear */
	uint32_t lo, hi;      /* the word, unmasked, lies in [lo, hi] */
	uint8_t nne;          /* (word & ne_mask[i]) != ne_val[i] for each i */
	bool dropped;         /* an exclusion was not kept: a value found may still be excluded */
	uint32_t ne_mask[MAX_NE], ne_val[MAX_NE];
} word_dom;

/* A register: a constant, a word of the data masked, or anything. */
typedef enum { R_CONST, R_WORD, R_ANY } reg_kind;
typedef struct reg {
	reg_kind kind;
	uint32_t k;    /* R_CONST: the value; R_WORD: the mask */
	uint8_t word;  /* R_WORD */
} reg;

/* One path: what it says of the words, the registers of the program it is in (each program of a
 * joint walk starts with its own, zero), and the answers of the programs before it. */
typedef struct path {
	word_dom w[NWORDS];
	reg a, x, mem[BPF_MEMWORDS];
	size_t pc;
	size_t prog;
	uint32_t rets[SH_REACH_MAX_PROGS];
} path;

typedef struct walk {
	const sh_reach_query *q;
	size_t states, max_states;
	unsigned depth;
	bool unsure, stop;
	size_t found;
} walk;

bool sh_ret_runs(uint32_t ret)
{
	uint32_t act = ret & SECCOMP_RET_ACTION_FULL;
	return act == SECCOMP_RET_ALLOW || act == SECCOMP_RET_LOG || act == SECCOMP_RET_TRACE ||
	       act == SECCOMP_RET_USER_NOTIF;
}

static void word_any(word_dom *d)
{
	memset(d, 0, sizeof(*d));
	d->hi = UINT32_MAX;
}

static void word_known(word_dom *d, uint32_t v)
{
	word_any(d);
	d->ones = v;
	d->zeros = ~v;
	d->lo = d->hi = v;
}

static bool consistent(const word_dom *d, uint32_t v)
{
	if ((v & d->ones) != d->ones || (v & d->zeros) || v < d->lo || v > d->hi)
		return false;
	for (unsigned i = 0; i < d->nne; i++)
		if ((v & d->ne_mask[i]) == d->ne_val[i])
			return false;
	return true;
}

/* The smallest v >= from with the known bits (exclusions and hi not considered), false if none:
 * from itself, or from's bits above some clear bit b, b set, and below b only the bits known set. */
static bool next_with_bits(const word_dom *d, uint32_t from, uint32_t *out)
{
	if ((from & d->ones) == d->ones && !(from & d->zeros)) {
		*out = from;
		return true;
	}
	for (int b = 0; b < 32; b++) {
		uint32_t bit = UINT32_C(1) << b, below = bit - 1, above = b == 31 ? 0 : ~(bit | below);
		if ((from & bit) || (d->zeros & bit))
			continue;
		uint32_t v = (from & above) | bit | (d->ones & below);
		if ((v & d->ones & above) == (d->ones & above) && !(v & d->zeros)) {
			*out = v;
			return true;
		}
	}
	return false;
}

/* from, or the next value up with the known bits, if the word can take it. */
static bool try_value(const word_dom *d, uint32_t from, uint32_t *out)
{
	uint32_t v;
	if (!next_with_bits(d, from, &v) || v > d->hi || !consistent(d, v))
		return false;
	*out = v;
	return true;
}

/* Some value the word can take on this path, low ones first: the values upwards from lo (MAX_TRIES
 * of them), then lo with one bit of an exclusion's mask set (an exclusion like (w & m) != 0 rules
 * out every value up to m's lowest bit). False if none was found. */
static bool pick(const word_dom *d, uint32_t *out)
{
	uint32_t v = d->lo;
	for (int i = 0; i < MAX_TRIES; i++) {
		if (!next_with_bits(d, v, &v) || v > d->hi)
			return false;
		if (consistent(d, v)) {
			*out = v;
			return true;
		}
		if (v == UINT32_MAX)
			return false;
		v++;
	}
	for (unsigned k = 0; k < d->nne; k++)
		for (int b = 0; b < 32; b++)
			if ((d->ne_mask[k] >> b & 1) && try_value(d, d->lo | UINT32_C(1) << b, out))
				return true;
	return false;
}

/* The same word seen bit-inverted: v fits d exactly when ~v fits the complement, so the search
 * upwards from lo in the complement is a search downwards from hi in d. */
static void complement(const word_dom *d, word_dom *c)
{
	*c = *d;
	c->ones = d->zeros;
	c->zeros = d->ones;
	c->lo = ~d->hi;
	c->hi = ~d->lo;
	for (unsigned i = 0; i < d->nne; i++)
		c->ne_val[i] = ~d->ne_val[i] & d->ne_mask[i];
}

/* Some value the word can take, the search started at its highest end. */
static bool pick_high(const word_dom *d, uint32_t *out)
{
	word_dom c;
	complement(d, &c);
	if (!pick(&c, out))
		return false;
	*out = ~*out;
	return true;
}

/* What the exclusions say once bits are known: one whose known bits differ from its value always
 * holds and is dropped; one with a single unknown bit fixes that bit; one with none left cannot
 * hold. False when some exclusion cannot hold. */
static bool settle_exclusions(word_dom *d)
{
	for (bool changed = true; changed;) {
		changed = false;
		for (unsigned i = 0; i < d->nne;) {
			uint32_t m = d->ne_mask[i], known = m & (d->ones | d->zeros), unknown = m & ~known;
			if ((d->ones & known) == (d->ne_val[i] & known)) {
				if (!unknown)
					return false;
				if (unknown & (unknown - 1)) {
					i++;
					continue;
				}
				if (d->ne_val[i] & unknown)
					d->zeros |= unknown;
				else
					d->ones |= unknown;
			}
			d->ne_mask[i] = d->ne_mask[d->nne - 1];
			d->ne_val[i] = d->ne_val[--d->nne];
			changed = true;
		}
	}
	return true;
}

/* Whether a word left with few values (at most FEW_BITS unknown bits, or an interval of at most
 * 2^FEW_BITS values) has one its exclusions allow: they are all tried. True when it has more. */
static bool some_value_of_few(const word_dom *d)
{
	uint32_t unknown = ~(d->ones | d->zeros);
	if (__builtin_popcount(unknown) <= FEW_BITS) {
		/* every subset of the unknown bits, as a carry-chain walk over them */
		uint32_t sub = 0;
		do {
			if (consistent(d, d->ones | sub))
				return true;
			sub = (sub - unknown) & unknown;
		} while (sub);
		return false;
	}
	if (d->hi - d->lo < (UINT32_C(1) << FEW_BITS)) {
		for (uint32_t v = d->lo;; v++) {
			if (consistent(d, v))
				return true;
			if (v == d->hi)
				return false;
		}
	}
	return true;
}

/* A refusal of paths that cannot be taken: known bits that disagree, an empty interval, an
 * exclusion its known bits rule out. */
static bool feasible(word_dom *d)
{
	uint32_t v;
	if (d->ones & d->zeros || d->lo > d->hi || !settle_exclusions(d) || d->ones & d->zeros)
		return false;
	if (!next_with_bits(d, d->lo, &v) || v > d->hi)
		return false;
	if ((d->ones | d->zeros) == UINT32_MAX || d->lo == d->hi)
		return consistent(d, d->lo == d->hi ? d->lo : d->ones);
	return !d->nne || some_value_of_few(d);
}

/* (word & mask) == k on this branch. */
static bool assume_eq(word_dom *d, uint32_t mask, uint32_t k)
{
	if (k & ~mask)
		return false;
	d->ones |= k & mask;
	d->zeros |= ~k & mask;
	if (mask == UINT32_MAX) {
		d->lo = d->lo > k ? d->lo : k;
		d->hi = d->hi < k ? d->hi : k;
	}
	return feasible(d);
}

static bool assume_ne(word_dom *d, uint32_t mask, uint32_t k)
{
	if (k & ~mask)
		return true;
	if (d->nne < MAX_NE) {
		d->ne_mask[d->nne] = mask;
		d->ne_val[d->nne++] = k;
	} else {
		d->dropped = true;
	}
	if (mask == UINT32_MAX && d->lo == k && d->lo < d->hi)
		d->lo++;
	else if (mask == UINT32_MAX && d->hi == k && d->lo < d->hi)
		d->hi--;
	return feasible(d);
}

/* word > k (gt) or word >= k, taken or not; only for an unmasked word. */
static bool assume_cmp(word_dom *d, bool gt, uint32_t k, bool taken)
{
	if (taken) {
		if (gt && k == UINT32_MAX)
			return false;
		uint32_t lo = gt ? k + 1 : k;
		d->lo = d->lo > lo ? d->lo : lo;
	} else {
		if (!gt && k == 0)
			return false;
		uint32_t hi = gt ? k : k - 1;
		d->hi = d->hi < hi ? d->hi : hi;
	}
	return feasible(d);
}

/* What the branch says of the word A holds, if it is taken (taken) or not. False: impossible. */
static bool assume(path *s, uint16_t op, uint32_t k, bool taken, bool *known)
{
	word_dom *d = &s->w[s->a.word];
	uint32_t mask = s->a.k;
	*known = true;
	switch (op) {
	case BPF_JEQ:
		return taken ? assume_eq(d, mask, k) : assume_ne(d, mask, k);
	case BPF_JSET: {
		uint32_t m = mask & k;
		if (!m)
			return !taken;
		if (!taken)
			return assume_eq(d, m, 0);
		return (m & (m - 1)) ? assume_ne(d, m, 0) : assume_eq(d, m, m);
	}
	case BPF_JGT:
	case BPF_JGE:
		if (mask == UINT32_MAX)
			return assume_cmp(d, op == BPF_JGT, k, taken);
		break;
	}
	*known = false;
	return true;
}

static reg reg_const(uint32_t k)
{
	return (reg){ R_CONST, k, 0 };
}

static reg reg_any(void)
{
	return (reg){ R_ANY, 0, 0 };
}

/* A register whose value the path fixes becomes that constant. */
static reg settle(const path *s, reg r)
{
	if (r.kind == R_WORD) {
		const word_dom *d = &s->w[r.word];
		if (((d->ones | d->zeros) & r.k) == r.k)
			return reg_const(d->ones & r.k);
	}
	return r;
}

static reg alu_reg(uint16_t op, reg a, reg src)
{
	if (op == BPF_AND && a.kind == R_WORD && src.kind == R_CONST)
		return (reg){ R_WORD, a.k & src.k, a.word };
	if (op == BPF_AND && src.kind == R_WORD && a.kind == R_CONST)
		return (reg){ R_WORD, src.k & a.k, src.word };
	if (a.kind != R_CONST || (src.kind != R_CONST && op != BPF_NEG))
		return reg_any();
	return reg_const(sh_bpf_alu(op, a.k, src.k));
}

static void walk_from(walk *w, path *s);

/* Every word from its domain, searched from the low end first (high: the high end first); false
 * if one has no value found. */
static bool witness(const path *s, bool high, sh_seccomp_data *d)
{
	uint32_t words[NWORDS];
	_Static_assert(sizeof(*d) == sizeof(words), "struct seccomp_data is 16 words");
	for (int i = 0; i < NWORDS; i++)
		if (high ? !pick_high(&s->w[i], &words[i]) && !pick(&s->w[i], &words[i])
			 : !pick(&s->w[i], &words[i]) && !pick_high(&s->w[i], &words[i]))
			return false;
	memcpy(d, words, sizeof(*d));
	return true;
}

/* A path that ends in answers sought, confirmed: a concrete call from its domains, run through every
 * program. A run that does not give answers sought means an exclusion the walk did not keep or a
 * path the run does not take: unsure, never a yes. */
static void confirm(walk *w, const path *s)
{
	const sh_reach_query *q = w->q;
	for (int high = 0; high < 2; high++) {
		sh_seccomp_data d;
		uint32_t rets[SH_REACH_MAX_PROGS];
		if (!witness(s, high, &d))
			continue;
		for (size_t i = 0; i < q->nprogs; i++)
			rets[i] = sh_bpf_run(q->progs[i].insns, q->progs[i].len, &d, NULL);
		if (!q->sought(q->ctx, rets, q->nprogs))
			continue;
		w->found++;
		w->stop = !q->found || q->found(q->ctx, &d, rets);
		return;
	}
	w->unsure = true;
}

/* A program's answer on this path: the walk goes on into the next program, whose registers start
 * at zero, with what the path says of the words; after the last, the path is confirmed. */
static void at_return(walk *w, path *s, uint32_t ret)
{
	const sh_reach_query *q = w->q;
	s->rets[s->prog] = ret;
	size_t k = s->prog + 1;
	if (!q->sought(q->ctx, s->rets, k))
		return;
	if (k == q->nprogs) {
		confirm(w, s);
		return;
	}
	s->a = s->x = reg_const(0);
	for (size_t i = 0; i < BPF_MEMWORDS; i++)
		s->mem[i] = reg_const(0);
	s->pc = 0;
	s->prog = k;
	walk_from(w, s);
}

/* A jump on an argument: follow each side the path allows, with what that side says of it. */
static void fork_paths(walk *w, const path *s, const struct sock_filter *f, reg a, reg src)
{
	if (++w->depth > MAX_DEPTH) {
		w->unsure = true;
		w->depth--;
		return;
	}
	for (int side = 1; side >= 0 && !w->stop; side--) {
		path *t = malloc(sizeof(*t));
		if (!t) {
			w->unsure = true;
			break;
		}
		*t = *s;
		t->a = a;
		bool known = false;
		/* A branch the walk learns nothing from is followed both ways: still every path. */
		if (a.kind != R_WORD || src.kind != R_CONST || assume(t, BPF_OP(f->code), src.k, side, &known)) {
			t->pc += 1 + (side ? f->jt : f->jf);
			walk_from(w, t);
		}
		free(t);
	}
	w->depth--;
}

/* What an absolute load gives: a whole word, or (a load the kernel refuses: unaligned, or past the
 * end, where the interpreter reads 0) a value the walk does not follow. */
static reg load_abs(uint32_t off)
{
	if (off % 4 == 0 && off / 4 < NWORDS)
		return (reg){ R_WORD, UINT32_MAX, (uint8_t)(off / 4) };
	return off > sizeof(sh_seccomp_data) - 4 ? reg_const(0) : reg_any();
}

static reg load_other(const path *s, const struct sock_filter *f)
{
	if (BPF_MODE(f->code) == BPF_MEM)
		return s->mem[f->k % BPF_MEMWORDS];
	return reg_const(BPF_MODE(f->code) == BPF_LEN ? (uint32_t)sizeof(sh_seccomp_data) : f->k);
}

/* Dividing by zero ends a real run with 0 (kill the thread): where the divisor may be zero, that
 * answer is one of the path's. False when it surely is, and the path ends there. */
static bool divide(walk *w, path *s, const struct sock_filter *f, reg src)
{
	uint16_t op = BPF_OP(f->code);
	if ((op != BPF_DIV && op != BPF_MOD) || (src.kind == R_CONST && src.k != 0))
		return true;
	path *t = malloc(sizeof(*t));
	if (!t) {
		w->unsure = true;
		return false;
	}
	*t = *s;
	at_return(w, t, 0);
	free(t);
	return !(src.kind == R_CONST && src.k == 0) && !w->stop;
}

static void step(walk *w, path *s, const struct sock_filter *f)
{
	reg src = BPF_SRC(f->code) == BPF_X ? s->x : reg_const(f->k);
	switch (BPF_CLASS(f->code)) {
	case BPF_LD:
		s->a = BPF_MODE(f->code) == BPF_ABS ? load_abs(f->k) : load_other(s, f);
		break;
	case BPF_LDX:
		s->x = load_other(s, f);
		break;
	case BPF_ST:
		s->mem[f->k % BPF_MEMWORDS] = s->a;
		break;
	case BPF_STX:
		s->mem[f->k % BPF_MEMWORDS] = s->x;
		break;
	case BPF_ALU:
		src = settle(s, src);
		if (!divide(w, s, f, src)) {
			s->pc = SIZE_MAX; /* the run ended here */
			return;
		}
		s->a = alu_reg(BPF_OP(f->code), settle(s, s->a), src);
		break;
	case BPF_MISC:
		if (BPF_MISCOP(f->code) == BPF_TAX)
			s->x = s->a;
		else
			s->a = s->x;
		break;
	}
	s->pc++;
}

static void walk_from(walk *w, path *s)
{
	const sh_reach_prog *prog = &w->q->progs[s->prog];
	while (s->pc < prog->len && !w->stop) {
		if (++w->states > w->max_states) {
			w->unsure = true;
			return;
		}
		const struct sock_filter *f = &prog->insns[s->pc];
		uint16_t op = BPF_OP(f->code);
		if (BPF_CLASS(f->code) == BPF_RET) {
			reg a = settle(s, s->a);
			if (BPF_RVAL(f->code) == BPF_A && a.kind != R_CONST)
				w->unsure = true;
			else
				at_return(w, s, BPF_RVAL(f->code) == BPF_A ? a.k : f->k);
			return;
		}
		if (BPF_CLASS(f->code) != BPF_JMP) {
			step(w, s, f);
			continue;
		}
		if (op == BPF_JA) {
			s->pc += 1 + f->k;
			continue;
		}
		reg a = settle(s, s->a), src = BPF_SRC(f->code) == BPF_X ? settle(s, s->x) : reg_const(f->k);
		if (a.kind != R_CONST || src.kind != R_CONST) {
			fork_paths(w, s, f, a, src);
			return;
		}
		s->pc += 1 + (sh_bpf_jump_taken(op, a.k, src.k) ? f->jt : f->jf);
	}
	/* Off the end of a program (one the kernel refuses): the interpreter's answer. */
	if (s->pc != SIZE_MAX && s->pc >= prog->len && !w->stop)
		at_return(w, s, SECCOMP_RET_KILL_PROCESS);
}

/* The words as the query fixes them: arch, the number, and each argument's known bits (its low
 * word first in memory on a little-endian machine); on a 32-bit ABI the upper halves are 0. */
static bool initial_path(const sh_reach_query *q, path *s)
{
	bool narrow = !(q->arch & __AUDIT_ARCH_64BIT);
	bool ok = true;
	for (int i = 0; i < NWORDS; i++)
		word_any(&s->w[i]);
	word_known(&s->w[W_ARCH], q->arch);
	if (!q->any_nr)
		word_known(&s->w[W_NR], q->nr);
	int big = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
	if (narrow)
		ok = assume_eq(&s->w[W_IP + !big], UINT32_MAX, 0);
	for (int i = 0; i < 6 && ok; i++) {
		word_dom *lo = &s->w[4 + 2 * i + big], *hi = &s->w[4 + 2 * i + !big];
		uint64_t m = q->arg_mask[i], v = q->arg_value[i] & m;
		ok = assume_eq(lo, (uint32_t)m, (uint32_t)v) && assume_eq(hi, (uint32_t)(m >> 32), (uint32_t)(v >> 32));
		if (ok && narrow)
			ok = assume_eq(hi, UINT32_MAX, 0);
	}
	return ok;
}

sh_reach sh_bpf_reach_joint(const sh_reach_query *q, bool *undecided)
{
	walk w = { .q = q, .max_states = q->max_states ? q->max_states : SH_REACH_STATES };
	path *s = calloc(1, sizeof(*s));
	if (!s || q->nprogs == 0 || q->nprogs > SH_REACH_MAX_PROGS) {
		free(s);
		if (undecided)
			*undecided = true;
		return SH_REACH_UNSURE;
	}
	if (initial_path(q, s))
		walk_from(&w, s);
	free(s);
	if (undecided)
		*undecided = w.unsure;
	if (w.found)
		return SH_REACH_YES;
	return w.unsure ? SH_REACH_UNSURE : SH_REACH_NEVER;
}

static int words_set(const sh_seccomp_data *d)
{
	int n = d->instruction_pointer != 0;
	for (int i = 0; i < 6; i++)
		n += d->args[i] != 0;
	return n;
}

bool sh_reach_simpler(const sh_seccomp_data *x, const sh_seccomp_data *y)
{
	int nx = words_set(x), ny = words_set(y);
	if (nx != ny)
		return nx < ny;
	for (int i = 0; i < 6; i++)
		if (x->args[i] != y->args[i])
			return x->args[i] < y->args[i];
	return x->instruction_pointer < y->instruction_pointer;
}

/* ---- one program, one answer ------------------------------------------------------------------- */

typedef struct one_answer {
	bool (*wanted)(uint32_t);
	sh_seccomp_data *found;
} one_answer;

static bool one_sought(void *ctx, const uint32_t *rets, size_t k)
{
	(void)k;
	return ((one_answer *)ctx)->wanted(rets[0]);
}

static bool one_found(void *ctx, const sh_seccomp_data *d, const uint32_t *rets)
{
	(void)rets;
	one_answer *o = ctx;
	if (o->found)
		*o->found = *d;
	return true;
}

sh_reach sh_bpf_reach(const struct sock_filter *p, size_t n, const sh_reach_call *c, bool (*wanted)(uint32_t ret),
		      sh_seccomp_data *found)
{
	one_answer o = { wanted, found };
	sh_reach_query q = { .progs = { { p, n } }, .nprogs = 1, .arch = c->arch, .nr = c->nr, .sought = one_sought,
			     .found = one_found, .ctx = &o };
	for (int i = 0; i < 6; i++) {
		q.arg_mask[i] = c->bits_set[i] | c->bits_clear[i];
		q.arg_value[i] = c->bits_set[i];
	}
	return sh_bpf_reach_joint(&q, NULL);
}

#include "config.h"
#include "bpf_reach.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* struct seccomp_data as 16 words: nr, arch, the instruction pointer, the six arguments. */
enum { W_NR = 0, W_ARCH = 1, NWORDS = 16, MAX_NE = 8, MAX_STATES = 200000, MAX_TRIES = 64, MAX_DEPTH = 256 };

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

typedef struct path {
	word_dom w[NWORDS];
	reg a, x, mem[BPF_MEMWORDS];
	size_t pc;
} path;

typedef struct walk {
	const struct sock_filter *p;
	size_t n;
	const sh_reach_call *c;
	bool (*wanted)(uint32_t);
	size_t states;
	unsigned depth;
	bool unsure, yes;
	sh_seccomp_data witness;
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

/* Some value the word can take on this path; false if none was found in MAX_TRIES steps. */
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
	return false;
}

/* A quick refusal of paths that cannot be taken: known bits that disagree, an empty interval. */
static bool feasible(const word_dom *d)
{
	uint32_t v;
	if (d->ones & d->zeros || d->lo > d->hi)
		return false;
	if (!next_with_bits(d, d->lo, &v) || v > d->hi)
		return false;
	if ((d->ones | d->zeros) == UINT32_MAX || d->lo == d->hi)
		return consistent(d, d->lo == d->hi ? d->lo : d->ones);
	return true;
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

static uint32_t word_of_offset(uint32_t off)
{
	return off % 4 == 0 && off / 4 < NWORDS ? off / 4 : NWORDS;
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
	/* Dividing by zero ends a real run; the walk cannot say where: anything. */
	bool by_zero = (op == BPF_DIV || op == BPF_MOD) && src.kind == R_CONST && src.k == 0;
	if (a.kind != R_CONST || (src.kind != R_CONST && op != BPF_NEG) || by_zero)
		return (reg){ R_ANY, 0, 0 };
	return reg_const(sh_bpf_alu(op, a.k, src.k));
}

static void walk_from(walk *w, path *s);

/* Try to confirm a return: a concrete call from each word's domain, run through the program. */
static void at_return(walk *w, const path *s, uint32_t ret)
{
	if (!w->wanted(ret))
		return;
	uint32_t words[NWORDS];
	for (int i = 0; i < NWORDS; i++)
		if (!pick(&s->w[i], &words[i])) {
			w->unsure = true;
			return;
		}
	sh_seccomp_data d;
	_Static_assert(sizeof(d) == sizeof(words), "struct seccomp_data is 16 words");
	memcpy(&d, words, sizeof(d));
	if (!w->wanted(sh_bpf_run(w->p, w->n, &d, NULL))) {
		w->unsure = true; /* an exclusion the walk did not keep, or a path the run does not take */
		return;
	}
	w->yes = true;
	w->witness = d;
}

/* A jump on an argument: follow each side the path allows, with what that side says of it. */
static void fork_paths(walk *w, const path *s, const struct sock_filter *f, reg a, reg src)
{
	if (++w->depth > MAX_DEPTH) {
		w->unsure = true;
		w->depth--;
		return;
	}
	for (int side = 1; side >= 0 && !w->yes; side--) {
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

static void step(path *s, const struct sock_filter *f)
{
	reg src = BPF_SRC(f->code) == BPF_X ? s->x : reg_const(f->k);
	switch (BPF_CLASS(f->code)) {
	case BPF_LD:
		if (BPF_MODE(f->code) == BPF_ABS) {
			uint32_t wi = word_of_offset(f->k);
			s->a = wi < NWORDS ? (reg){ R_WORD, UINT32_MAX, (uint8_t)wi } : reg_const(0);
		} else {
			s->a = BPF_MODE(f->code) == BPF_MEM ? s->mem[f->k % BPF_MEMWORDS]
			       : BPF_MODE(f->code) == BPF_LEN ? reg_const((uint32_t)sizeof(sh_seccomp_data)) : reg_const(f->k);
		}
		break;
	case BPF_LDX:
		s->x = BPF_MODE(f->code) == BPF_MEM ? s->mem[f->k % BPF_MEMWORDS]
		       : BPF_MODE(f->code) == BPF_LEN ? reg_const((uint32_t)sizeof(sh_seccomp_data)) : reg_const(f->k);
		break;
	case BPF_ST:
		s->mem[f->k % BPF_MEMWORDS] = s->a;
		break;
	case BPF_STX:
		s->mem[f->k % BPF_MEMWORDS] = s->x;
		break;
	case BPF_ALU:
		s->a = alu_reg(BPF_OP(f->code), settle(s, s->a), settle(s, src));
		break;
	case BPF_MISC:
		if (BPF_MISCOP(f->code) == BPF_TAX)
			s->x = s->a;
		else
			s->a = s->x;
		break;
	}
}

static void walk_from(walk *w, path *s)
{
	while (s->pc < w->n && !w->yes) {
		if (++w->states > MAX_STATES) {
			w->unsure = true;
			return;
		}
		const struct sock_filter *f = &w->p[s->pc];
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
			step(s, f);
			s->pc++;
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
}

sh_reach sh_bpf_reach(const struct sock_filter *p, size_t n, const sh_reach_call *c, bool (*wanted)(uint32_t ret),
		      sh_seccomp_data *found)
{
	walk w = { .p = p, .n = n, .c = c, .wanted = wanted };
	path *s = calloc(1, sizeof(*s));
	if (!s)
		return SH_REACH_UNSURE;
	for (int i = 0; i < NWORDS; i++)
		word_any(&s->w[i]);
	word_known(&s->w[W_NR], c->nr);
	word_known(&s->w[W_ARCH], c->arch);
	for (int i = 0; i < 6; i++) {
		/* The low word of an argument comes first in memory on a little-endian machine. */
		int lo = 4 + 2 * i + (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__), hi = lo ^ 1;
		s->w[lo].ones = (uint32_t)c->bits_set[i];
		s->w[hi].ones = (uint32_t)(c->bits_set[i] >> 32);
	}
	walk_from(&w, s);
	free(s);
	if (w.yes && found)
		*found = w.witness;
	if (w.yes)
		return SH_REACH_YES;
	return w.unsure ? SH_REACH_UNSURE : SH_REACH_NEVER;
}

/* A call's own checks (argcheck.h). The rules are tried most restrictive first (the first among
 * equals), each condition as the comparisons of its 32-bit halves, so the first rule whose
 * conditions hold decides: that is the reading sh_verify_rules_answer states. */
#include "config.h"
#include "argcheck.h"
#include "names.h"
#include "util.h"

#include <linux/audit.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

enum { NEXT = -1 }; /* a jump to the next instruction */

typedef struct ins {
	struct sock_filter f;
	int jt, jf; /* labels (or NEXT) of conditional jumps; ja: the label of an unconditional one */
	int ja;
} ins;

typedef struct emitter {
	ins *v;
	size_t n, cap;
	size_t *at; /* where each label is placed */
	size_t nlabels, caplabels;
} emitter;

static int label(emitter *e)
{
	sh_grow(&e->at, &e->caplabels, e->nlabels, sizeof(*e->at));
	e->at[e->nlabels] = SIZE_MAX;
	return (int)e->nlabels++;
}

static void place(emitter *e, int l)
{
	e->at[l] = e->n;
}

static void put(emitter *e, uint16_t code, uint32_t k, int jt, int jf, int ja)
{
	sh_grow(&e->v, &e->cap, e->n, sizeof(*e->v));
	e->v[e->n++] = (ins){ .f = { code, 0, 0, k }, .jt = jt, .jf = jf, .ja = ja };
}

static void load(emitter *e, uint32_t off)
{
	put(e, BPF_LD | BPF_W | BPF_ABS, off, NEXT, NEXT, NEXT);
}

static void jump(emitter *e, uint16_t op, uint32_t k, int jt, int jf)
{
	put(e, BPF_JMP | op | BPF_K, k, jt, jf, NEXT);
}

static void ret(emitter *e, uint32_t k)
{
	put(e, BPF_RET | BPF_K, k, NEXT, NEXT, NEXT);
}

/* Offsets of an argument's halves in seccomp_data: the 64-bit value in the ABI's byte order. */
typedef struct halves {
	uint32_t lo, hi;
	bool wide; /* a 64-bit ABI: libseccomp compares both halves, else the low one only */
} halves;

static halves halves_of(uint32_t arch, unsigned index)
{
	uint32_t base = (uint32_t)offsetof(struct seccomp_data, args) + 8 * index;
	bool le = arch & __AUDIT_ARCH_LE;
	return (halves){ .lo = le ? base : base + 4, .hi = le ? base + 4 : base, .wide = arch & __AUDIT_ARCH_64BIT };
}

/* The value's order against the datum: high halves first, the low ones where those are equal.
 * `strict` GT (else GE); `holds_if_greater` GT/GE (else the condition is LE/LT: its negation). */
static void ordered(emitter *e, const halves *h, uint64_t datum, bool strict, bool holds_if_greater, int fail)
{
	int pass = label(e);
	int greater = holds_if_greater ? pass : fail, less = holds_if_greater ? fail : pass;
	uint16_t low_op = strict ? BPF_JGT : BPF_JGE;
	if (h->wide) {
		load(e, h->hi);
		jump(e, BPF_JGT, (uint32_t)(datum >> 32), greater, NEXT);
		jump(e, BPF_JEQ, (uint32_t)(datum >> 32), NEXT, less);
	}
	load(e, h->lo);
	jump(e, low_op, (uint32_t)datum, holds_if_greater ? NEXT : fail, holds_if_greater ? fail : NEXT);
	place(e, pass);
}

static void equal(emitter *e, const halves *h, uint64_t mask, uint64_t datum, bool negate, int fail)
{
	int pass = label(e);
	if (h->wide) {
		load(e, h->hi);
		if ((uint32_t)(mask >> 32) != UINT32_MAX)
			put(e, BPF_ALU | BPF_AND | BPF_K, (uint32_t)(mask >> 32), NEXT, NEXT, NEXT);
		jump(e, BPF_JEQ, (uint32_t)(datum >> 32), NEXT, negate ? pass : fail);
	}
	load(e, h->lo);
	if ((uint32_t)mask != UINT32_MAX)
		put(e, BPF_ALU | BPF_AND | BPF_K, (uint32_t)mask, NEXT, NEXT, NEXT);
	jump(e, BPF_JEQ, (uint32_t)datum, negate ? fail : NEXT, negate ? NEXT : fail);
	place(e, pass);
}

/* Falls through where the condition holds, jumps to `fail` where it does not. */
static void condition(emitter *e, uint32_t arch, const sh_arg *a, int fail)
{
	halves h = halves_of(arch, a->index);
	switch (a->op) {
	case SH_OP_EQ: equal(e, &h, UINT64_MAX, a->value, false, fail); break;
	case SH_OP_NE: equal(e, &h, UINT64_MAX, a->value, true, fail); break;
	case SH_OP_MASKED_EQ: equal(e, &h, a->value, a->value_two, false, fail); break;
	case SH_OP_GT: ordered(e, &h, a->value, true, true, fail); break;
	case SH_OP_GE: ordered(e, &h, a->value, false, true, fail); break;
	case SH_OP_LE: ordered(e, &h, a->value, true, false, fail); break;
	case SH_OP_LT: ordered(e, &h, a->value, false, false, fail); break;
	}
}

/* A rule to try: all its conditions, or (a repeated index) one of them. */
typedef struct attempt {
	uint32_t ret;
	const sh_arg *conds;
	size_t nconds;
	size_t order;
} attempt;

static int by_precedence(const void *a, const void *b)
{
	const attempt *x = a, *y = b;
	if (sh_ret_outranks(x->ret, y->ret))
		return -1;
	if (sh_ret_outranks(y->ret, x->ret))
		return 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static attempt *attempts_of(const sh_call_rules *c, size_t *n)
{
	size_t total = 0;
	for (size_t i = 0; i < c->n; i++)
		total += sh_rule_index_repeats(c->rules[i]->origin) ? c->rules[i]->origin->nargs : 1;
	attempt *t = sh_xcalloc(total, sizeof(*t));
	*n = 0;
	for (size_t i = 0; i < c->n; i++) {
		const sh_rule *r = c->rules[i]->origin;
		uint32_t ret = sh_action_ret(c->rules[i]->action, c->rules[i]->errno_ret);
		if (!sh_rule_index_repeats(r)) {
			t[*n] = (attempt){ ret, r->args, r->nargs, *n };
			++*n;
			continue;
		}
		for (size_t k = 0; k < r->nargs; k++, ++*n)
			t[*n] = (attempt){ ret, &r->args[k], 1, *n };
	}
	sh_sort(t, *n, sizeof(*t), by_precedence); /* `order` keeps it stable */
	return t;
}

/* Labels to offsets. Every jump inside a block is short (a rule is at most six conditions of at most
 * seven instructions); the way past the block is a JA. */
static void resolve(const emitter *e, sh_bpf *out)
{
	out->insns = sh_xcalloc(e->n, sizeof(*out->insns));
	out->len = e->n;
	for (size_t i = 0; i < e->n; i++) {
		struct sock_filter f = e->v[i].f;
		if (BPF_CLASS(f.code) == BPF_JMP && BPF_OP(f.code) == BPF_JA)
			f.k = (uint32_t)(e->at[e->v[i].ja] - i - 1);
		else if (BPF_CLASS(f.code) == BPF_JMP) {
			f.jt = (uint8_t)(e->v[i].jt == NEXT ? 0 : e->at[e->v[i].jt] - i - 1);
			f.jf = (uint8_t)(e->v[i].jf == NEXT ? 0 : e->at[e->v[i].jf] - i - 1);
		}
		out->insns[i] = f;
	}
}

void sh_argcheck_block(const sh_call_rules *c, uint32_t nr, sh_bpf *out)
{
	emitter e = { 0 };
	int end = label(&e), on_arch = label(&e), on_nr = label(&e);
	uint32_t audit = c->arch == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : c->arch;
	load(&e, offsetof(struct seccomp_data, arch));
	jump(&e, BPF_JEQ, audit, on_arch, NEXT);
	put(&e, BPF_JMP | BPF_JA, 0, NEXT, NEXT, end);
	place(&e, on_arch);
	load(&e, offsetof(struct seccomp_data, nr));
	jump(&e, BPF_JEQ, nr, on_nr, NEXT);
	put(&e, BPF_JMP | BPF_JA, 0, NEXT, NEXT, end);
	place(&e, on_nr);
	size_t n;
	cleanup_free attempt *t = attempts_of(c, &n);
	for (size_t i = 0; i < n; i++) {
		int fail = label(&e);
		for (size_t k = 0; k < t[i].nconds; k++)
			condition(&e, c->arch, &t[i].conds[k], fail);
		ret(&e, t[i].ret);
		place(&e, fail);
	}
	ret(&e, c->otherwise.ret);
	place(&e, end);
	resolve(&e, out);
	free(e.v);
	free(e.at);
}

void sh_argcheck_prepend(sh_bpf *b, const sh_bpf *blocks, size_t n)
{
	size_t len = b->len;
	for (size_t i = 0; i < n; i++)
		len += blocks[i].len;
	struct sock_filter *p = sh_xcalloc(len, sizeof(*p)), *at = p;
	for (size_t i = 0; i < n; i++) {
		memcpy(at, blocks[i].insns, blocks[i].len * sizeof(*p));
		at += blocks[i].len;
	}
	memcpy(at, b->insns, b->len * sizeof(*p));
	free(b->insns);
	b->insns = p;
	b->len = len;
}

/* The composed rule set of a base and a deny overlay; see compose.h. */
#include "config.h"
#include "compose.h"
#include "names.h"
#include "translate.h"
#include "util.h"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

/* ==== sets of values of one argument ============================================================== */

/* {x : (x & mask) == bits}, bits within mask. */
typedef struct cube {
	uint64_t mask, bits;
} cube;

typedef enum { AT_ANY, AT_ARG, AT_CUBE } atom_kind;
/* What one argument may be in a region: anything, a condition as a profile writes it, or a cube. */
typedef struct atom {
	atom_kind kind;
	sh_op op;       /* AT_ARG */
	uint64_t v, v2; /* AT_ARG: value, valueTwo; AT_CUBE: mask, bits */
} atom;

typedef struct atomv {
	atom *v;
	size_t n, cap;
} atomv;

/* The most cubes one condition, or the complement of one cube, takes. */
#define CUBES_MAX 66

static uint64_t bits_above(int b)
{
	return b == 63 ? 0 : ~UINT64_C(0) << (b + 1);
}

/* x < v: x agrees with v above a bit where v has a one and x a zero. */
static size_t cubes_below(uint64_t v, cube *out)
{
	size_t n = 0;
	for (int b = 63; b >= 0; b--)
		if (v >> b & 1)
			out[n++] = (cube){ bits_above(b) | UINT64_C(1) << b, v & bits_above(b) };
	return n;
}

/* x > v: x agrees with v above a bit where v has a zero and x a one. */
static size_t cubes_over(uint64_t v, cube *out)
{
	size_t n = 0;
	for (int b = 63; b >= 0; b--)
		if (!(v >> b & 1))
			out[n++] = (cube){ bits_above(b) | UINT64_C(1) << b, (v & bits_above(b)) | UINT64_C(1) << b };
	return n;
}

/* Everything outside c, as disjoint cubes: agree with c above one of its bits, differ there. */
static size_t cube_complement(cube c, cube *out)
{
	size_t n = 0;
	for (int b = 63; b >= 0; b--) {
		uint64_t bit = UINT64_C(1) << b;
		if (c.mask & bit)
			out[n++] = (cube){ (c.mask & bits_above(b)) | bit, (c.bits & bits_above(b)) | (~c.bits & bit) };
	}
	return n;
}

static cube point(uint64_t v)
{
	return (cube){ UINT64_MAX, v };
}

/* The atom's values as disjoint cubes (at most CUBES_MAX; none for an empty set). */
static size_t atom_cubes(const atom *a, cube *out)
{
	size_t n;
	if (a->kind != AT_ARG) {
		out[0] = a->kind == AT_ANY ? (cube){ 0, 0 } : (cube){ a->v, a->v2 };
		return 1;
	}
	switch (a->op) {
	case SH_OP_EQ: out[0] = point(a->v); return 1;
	case SH_OP_NE: return cube_complement(point(a->v), out);
	case SH_OP_LT: return cubes_below(a->v, out);
	case SH_OP_LE: n = cubes_below(a->v, out); out[n] = point(a->v); return n + 1;
	case SH_OP_GT: return cubes_over(a->v, out);
	case SH_OP_GE: n = cubes_over(a->v, out); out[n] = point(a->v); return n + 1;
	case SH_OP_MASKED_EQ:
		if (a->v2 & ~a->v)
			return 0; /* (x & mask) never has a bit outside the mask */
		out[0] = (cube){ a->v, a->v2 };
		return 1;
	}
	return 0;
}

typedef unsigned __int128 u128;

/* How many values disjoint cubes hold (2^64 at most: a u128 holds it). */
static u128 cubes_size(const cube *c, size_t n)
{
	u128 s = 0;
	for (size_t i = 0; i < n; i++)
		s += (u128)1 << (64 - __builtin_popcountll(c[i].mask));
	return s;
}

static void atomv_push(atomv *l, atom a)
{
	sh_grow(&l->v, &l->cap, l->n, sizeof(*l->v));
	l->v[l->n++] = a;
}

static bool atom_same(const atom *a, const atom *b)
{
	return a->kind == b->kind && (a->kind == AT_ANY || (a->op == b->op && a->v == b->v && a->v2 == b->v2));
}

/* The values both allow, into out (nothing when none): one of the two where it lies within the
 * other (a condition keeps the form it was written in), else the cubes of the intersection. */
static void atom_and(const atom *a, const atom *b, atomv *out)
{
	if (a->kind == AT_ANY || atom_same(a, b)) {
		atomv_push(out, *b);
		return;
	}
	if (b->kind == AT_ANY) {
		atomv_push(out, *a);
		return;
	}
	cube ca[CUBES_MAX], cb[CUBES_MAX];
	size_t na = atom_cubes(a, ca), nb = atom_cubes(b, cb), n = 0;
	cleanup_free cube *both = sh_xcalloc(na * nb + 1, sizeof(cube));
	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++)
			if (!((ca[i].bits ^ cb[j].bits) & ca[i].mask & cb[j].mask))
				both[n++] = (cube){ ca[i].mask | cb[j].mask, ca[i].bits | cb[j].bits };
	u128 size = cubes_size(both, n);
	if (size == 0)
		return;
	if (size == cubes_size(ca, na))
		atomv_push(out, *a);
	else if (size == cubes_size(cb, nb))
		atomv_push(out, *b);
	else
		for (size_t k = 0; k < n; k++)
			atomv_push(out, (atom){ AT_CUBE, SH_OP_MASKED_EQ, both[k].mask, both[k].bits });
}

/* The values a does not allow, into out: the opposite comparison, or the cubes of the complement.
 * Not equal is written as below or above: libseccomp 2.5 drops a rule whose SCMP_CMP_NE follows
 * another argument's condition on a 32-bit ABI (x86, x32), and both forms read the same there as on
 * a 64-bit one, the low halves compared. */
static void atom_not(const atom *a, atomv *out)
{
	static const sh_op opposite[] = { [SH_OP_NE] = SH_OP_EQ, [SH_OP_LT] = SH_OP_GE, [SH_OP_GE] = SH_OP_LT,
					  [SH_OP_LE] = SH_OP_GT, [SH_OP_GT] = SH_OP_LE };
	if (a->kind == AT_ANY)
		return;
	if (a->kind == AT_ARG && a->op == SH_OP_EQ) {
		if (a->v > 0)
			atomv_push(out, (atom){ AT_ARG, SH_OP_LT, a->v, 0 });
		if (a->v < UINT64_MAX)
			atomv_push(out, (atom){ AT_ARG, SH_OP_GT, a->v, 0 });
		return;
	}
	if (a->kind == AT_ARG && a->op != SH_OP_MASKED_EQ) {
		atomv_push(out, (atom){ AT_ARG, opposite[a->op], a->v, 0 });
		return;
	}
	cube c[1], rest[64];
	if (atom_cubes(a, c) == 0) { /* a condition no value meets: its complement is everything */
		atomv_push(out, (atom){ .kind = AT_ANY });
		return;
	}
	size_t n = cube_complement(c[0], rest);
	for (size_t k = 0; k < n; k++)
		atomv_push(out, (atom){ AT_CUBE, SH_OP_MASKED_EQ, rest[k].mask, rest[k].bits });
}

/* The same set seen by a 32-bit ABI, where libseccomp compares the low halves only: values below 2^32. */
static atom atom_low(const atom *a)
{
	atom l = *a;
	if (a->kind != AT_ANY) {
		l.v &= UINT32_MAX;
		l.v2 &= UINT32_MAX;
	}
	return l;
}

/* ==== regions: a set of values for each argument, all of which must hold ========================== */

typedef struct conj {
	atom a[6];
} conj;

typedef struct conjv {
	conj *v;
	size_t n, cap;
	bool overflow; /* more than SH_COMPOSE_MAX_PER_NAME regions were asked for */
} conjv;

static void conjv_push(conjv *l, const conj *c)
{
	if (l->n >= 4 * SH_COMPOSE_MAX_PER_NAME) {
		l->overflow = true;
		return;
	}
	sh_grow(&l->v, &l->cap, l->n, sizeof(*l->v));
	l->v[l->n++] = *c;
}

static void conjv_free(conjv *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static void expand(const atomv per[6], int i, conj *cur, conjv *out)
{
	if (i == 6) {
		conjv_push(out, cur);
		return;
	}
	for (size_t k = 0; k < per[i].n && !out->overflow; k++) {
		cur->a[i] = per[i].v[k];
		expand(per, i + 1, cur, out);
	}
}

/* x and y: the regions (into out) where both hold. */
static void conj_and(const conj *x, const conj *y, conjv *out)
{
	atomv per[6] = { { 0 } };
	bool empty = false;
	for (int i = 0; i < 6; i++) {
		atom_and(&x->a[i], &y->a[i], &per[i]);
		empty |= per[i].n == 0;
	}
	conj cur = { 0 };
	if (!empty)
		expand(per, 0, &cur, out);
	for (int i = 0; i < 6; i++)
		free(per[i].v);
}

/* x and not c, into out: x with one of c's conditions failing (the pieces overlap; they are the
 * same region's). Nothing when c holds everywhere. */
static void conj_and_not(const conj *x, const conj *c, conjv *out)
{
	for (int i = 0; i < 6; i++) {
		atomv neg = { 0 };
		atom_not(&c->a[i], &neg);
		for (size_t k = 0; k < neg.n; k++) {
			conj y = { 0 };
			y.a[i] = neg.v[k];
			conj_and(x, &y, out);
		}
		free(neg.v);
	}
}

/* Every region of l, less c. */
static void conjv_and_not(conjv *l, const conj *c)
{
	conjv next = { 0 };
	for (size_t i = 0; i < l->n; i++)
		conj_and_not(&l->v[i], c, &next);
	next.overflow |= l->overflow;
	conjv_free(l);
	*l = next;
}

/* The regions of a rule: one, or with a repeated index one per condition (runc ORs them). */
static void rule_conjs(const sh_rule *r, conjv *out)
{
	conj c = { 0 };
	bool split = sh_rule_index_repeats(r);
	for (size_t i = 0; i < r->nargs; i++) {
		const sh_arg *a = &r->args[i];
		if (split)
			memset(&c, 0, sizeof(c));
		c.a[a->index] = (atom){ AT_ARG, a->op, a->value, a->value_two };
		if (split)
			conjv_push(out, &c);
	}
	if (!split)
		conjv_push(out, &c);
}

/* Whether x and y share a value tuple: as 64-bit values, or (low) as a 32-bit ABI compares them. */
static bool conjs_meet(const conj *x, const conj *y, bool low)
{
	conj a = *x, b = *y, narrow = { 0 };
	for (int i = 0; low && i < 6; i++) {
		a.a[i] = atom_low(&x->a[i]);
		b.a[i] = atom_low(&y->a[i]);
		narrow.a[i] = (atom){ AT_CUBE, SH_OP_MASKED_EQ, ~(uint64_t)UINT32_MAX, 0 };
	}
	conjv both = { 0 }, inside = { 0 };
	conj_and(&a, &b, &both);
	for (size_t i = 0; i < both.n && !inside.n; i++)
		conj_and(&both.v[i], &narrow, &inside);
	bool meet = low ? inside.n > 0 : both.n > 0;
	conjv_free(&both);
	conjv_free(&inside);
	return meet;
}

bool sh_rules_overlap(const sh_rule *a, const sh_rule *b)
{
	conjv x = { 0 }, y = { 0 };
	rule_conjs(a, &x);
	rule_conjs(b, &y);
	bool meet = false;
	for (size_t i = 0; i < x.n && !meet; i++)
		for (size_t j = 0; j < y.n && !meet; j++)
			meet = conjs_meet(&x.v[i], &y.v[j], false) || conjs_meet(&x.v[i], &y.v[j], true);
	conjv_free(&x);
	conjv_free(&y);
	return meet;
}

/* ==== one syscall name ============================================================================== */

/* A region and the answer it gets. */
typedef struct entry {
	conj c;
	uint32_t ret;
	const sh_rule *from; /* the rule it was made from (its place and comment carry over) */
} entry;

typedef struct entryv {
	entry *v;
	size_t n, cap;
} entryv;

static void entryv_push(entryv *l, const conj *c, uint32_t ret, const sh_rule *from)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].ret == ret && memcmp(&l->v[i].c, c, sizeof(*c)) == 0)
			return;
	sh_grow(&l->v, &l->cap, l->n, sizeof(*l->v));
	l->v[l->n++] = (entry){ *c, ret, from };
}

static void entryv_push_all(entryv *l, const conjv *cs, uint32_t ret, const sh_rule *from)
{
	for (size_t i = 0; i < cs->n; i++)
		entryv_push(l, &cs->v[i], ret, from);
}

static void entryv_free(entryv *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* The regions of a set of rules naming one syscall, with their answers. */
static void rules_entries(const sh_rrule *const *rules, size_t n, entryv *out)
{
	for (size_t i = 0; i < n; i++) {
		conjv cs = { 0 };
		rule_conjs(rules[i]->origin, &cs);
		entryv_push_all(out, &cs, sh_action_ret(rules[i]->action, rules[i]->errno_ret), rules[i]->origin);
		conjv_free(&cs);
	}
}

/* What the base answers one name: the rules the program holds for it (from a number the ENOSYS stub
 * does not answer), whether some arch leaves it to those rules and the default, and whether some
 * arch's stub answers it first. */
typedef struct name_base {
	sh_call_rules rules;
	bool have_rules, reaches_default, stubbed;
	uint32_t deflt;
} name_base;

typedef struct compose_ctx {
	const sh_ruleset *base, *overlay;
	uint32_t arches[SH_MAX_ARCHES + 1]; /* the arches whose calls reach the filter */
	size_t narches;
	sh_error **err;
} compose_ctx;

/* The number `name` has on arch: libseccomp's, or for a name it multiplexes there (a negative
 * pseudo-number) the direct call's number (translate.h); 0 or 1 into out. */
static size_t numbers_of(uint32_t arch, const char *name, int *out)
{
	int nr = sh_syscall_number(arch, name);
	if (nr < 0)
		return 0;
	out[0] = nr;
	return 1;
}

/* 0: filled in; 1: no arch of the filter has the name. */
static int base_of_name(const compose_ctx *c, const char *name, name_base *nb)
{
	*nb = (name_base){ .deflt = c->base ? sh_action_ret(c->base->default_action, c->base->default_errno)
					    : SECCOMP_RET_ALLOW };
	bool known = false;
	for (size_t a = 0; a < c->narches; a++) {
		int nrs[1];
		size_t n = numbers_of(c->arches[a], name, nrs);
		for (size_t k = 0; k < n; k++) {
			sh_call_rules cr = { 0 };
			known = true;
			if (c->base)
				sh_call_rules_build(c->base, c->arches[a], nrs[k], &cr);
			bool stub = c->base && cr.otherwise.by == SH_BY_ENOSYS;
			nb->stubbed |= stub;
			nb->reaches_default |= !stub;
			if (!stub && !nb->have_rules) {
				nb->rules = cr;
				nb->have_rules = true;
			} else {
				sh_call_rules_free(&cr);
			}
		}
	}
	return known ? 0 : 1;
}

#define ENOSYS_RET (SECCOMP_RET_ERRNO | 38)

/* Whether the overlay's answer d changes any answer the base gives the name. */
static bool overlay_changes(const name_base *nb, const entryv *base, uint32_t d)
{
	bool changes = (nb->reaches_default && sh_bpf_stack(nb->deflt, d) != nb->deflt) ||
		       (nb->stubbed && sh_bpf_stack(ENOSYS_RET, d) != ENOSYS_RET);
	for (size_t i = 0; i < base->n && !changes; i++)
		changes = sh_bpf_stack(base->v[i].ret, d) != base->v[i].ret;
	return changes;
}

/* A base region narrowed by the overlay regions whose answers win over its own, and the
 * intersections, which get the stacked answer. */
static void compose_region(const entry *b, const entryv *ov, entryv *out)
{
	conjv rest = { 0 }, both = { 0 };
	conjv_push(&rest, &b->c);
	for (size_t j = 0; j < ov->n; j++)
		if (sh_bpf_stack(b->ret, ov->v[j].ret) != b->ret)
			conjv_and_not(&rest, &ov->v[j].c);
	/* The base's answer first: where libseccomp multiplexes (x86's socketcall), a narrowed rule and a
	 * denying one become rules of the multiplexer with one condition in common (the call number);
	 * libseccomp then keeps the first, as the multiplexed base rule alone would decide. */
	entryv_push_all(out, &rest, b->ret, b->from);
	for (size_t j = 0; j < ov->n; j++) {
		uint32_t r = sh_bpf_stack(b->ret, ov->v[j].ret);
		if (r == b->ret)
			continue;
		conj_and(&b->c, &ov->v[j].c, &both);
		entryv_push_all(out, &both, r, ov->v[j].from);
		conjv_free(&both);
	}
	conjv_free(&rest);
}

/* Where no base rule holds, the default answers: the overlay's regions there, less the base's. */
static void compose_default(const name_base *nb, const entryv *base, const entryv *ov, entryv *out)
{
	for (size_t j = 0; nb->reaches_default && j < ov->n; j++) {
		uint32_t r = sh_bpf_stack(nb->deflt, ov->v[j].ret);
		if (r == nb->deflt)
			continue;
		conjv cells = { 0 };
		conjv_push(&cells, &ov->v[j].c);
		for (size_t i = 0; i < base->n; i++)
			conjv_and_not(&cells, &base->v[i].c);
		entryv_push_all(out, &cells, r, ov->v[j].from);
		conjv_free(&cells);
	}
}

/* The overlay's regions for the name whose answers change something of the base's. */
static int overlay_entries(const compose_ctx *c, const char *name, const name_base *nb, const entryv *base,
			   entryv *ov)
{
	for (size_t i = 0; i < c->overlay->nrules; i++) {
		const sh_rrule *rr = &c->overlay->rules[i];
		uint32_t d = sh_action_ret(rr->action, rr->errno_ret);
		if (!sh_rule_names(rr->origin, name) || !overlay_changes(nb, base, d))
			continue;
		if (nb->stubbed && sh_bpf_stack(ENOSYS_RET, d) != ENOSYS_RET)
			return sh_error_set(c->err, SH_EXIT_INVALID, "the overlay's rule for %s cannot be stacked in one filter: "
					    "the profile answers %s with ENOSYS before any rule on some architecture (it "
					    "is newer than every syscall the profile names there)", name, name);
		conjv cs = { 0 };
		rule_conjs(rr->origin, &cs);
		entryv_push_all(ov, &cs, d, rr->origin);
		conjv_free(&cs);
	}
	return 0;
}

/* The regions and answers the name gets; 1 when the overlay changes nothing of it. */
static int compose_name(const compose_ctx *c, const char *name, entryv *out)
{
	name_base nb;
	if (base_of_name(c, name, &nb) == 1)
		return 1;
	entryv base = { 0 }, ov = { 0 };
	rules_entries(nb.rules.rules, nb.rules.n, &base);
	int r = overlay_entries(c, name, &nb, &base, &ov);
	if (r == 0 && ov.n == 0)
		r = 1;
	for (size_t i = 0; r == 0 && i < base.n; i++)
		compose_region(&base.v[i], &ov, out);
	if (r == 0)
		compose_default(&nb, &base, &ov, out);
	if (r == 0 && out->n > SH_COMPOSE_MAX_PER_NAME)
		r = sh_error_set(c->err, SH_EXIT_INVALID, "stacking the overlay on the profile needs more than %d rules for "
				 "%s (their argument conditions do not combine into fewer)", SH_COMPOSE_MAX_PER_NAME, name);
	sh_call_rules_free(&nb.rules);
	entryv_free(&base);
	entryv_free(&ov);
	return r;
}

/* ==== the composed rule set ========================================================================= */

typedef struct out_rules {
	sh_ruleset *rs;
	size_t cap_rules, cap_own;
	char **affected; /* the names the overlay changes something of */
	size_t naffected, cap_affected;
} out_rules;

/* The rule set's rules point into own_rules: its room is made once (reserve_own), never moved. */
static sh_rule *own_rule(out_rules *o)
{
	if (o->rs->nown >= o->cap_own)
		abort();
	sh_rule *r = &o->rs->own_rules[o->rs->nown++];
	memset(r, 0, sizeof(*r));
	return r;
}

static void add_rrule(out_rules *o, const sh_rule *origin, sh_action_kind a, uint32_t errno_ret)
{
	sh_grow(&o->rs->rules, &o->cap_rules, o->rs->nrules, sizeof(sh_rrule));
	o->rs->rules[o->rs->nrules++] = (sh_rrule){ .origin = origin, .action = a, .errno_ret = errno_ret };
}

static bool affected(const out_rules *o, const char *name)
{
	for (size_t i = 0; i < o->naffected; i++)
		if (strcmp(o->affected[i], name) == 0)
			return true;
	return false;
}

static void own_names(sh_rule *r, size_t n)
{
	r->names = sh_xcalloc(n + 1, sizeof(char *));
	r->name_locs = sh_xcalloc(n + 1, sizeof(sh_loc));
}

static void copy_place(sh_rule *r, const sh_rule *from)
{
	r->loc = from->loc;
	r->action_loc = from->action_loc;
	r->index = from->index;
	r->comment = from->comment ? sh_xstrdup(from->comment) : NULL;
}

/* The base's rules, in order, less the names the composed rules decide. */
static void keep_base_rules(out_rules *o, const sh_ruleset *base)
{
	for (size_t i = 0; base && i < base->nrules; i++) {
		const sh_rrule *rr = &base->rules[i];
		const sh_rule *r = rr->origin;
		size_t keep = 0;
		for (size_t k = 0; k < r->nnames; k++)
			keep += !affected(o, r->names[k]);
		if (keep == r->nnames) {
			add_rrule(o, r, rr->action, rr->errno_ret);
			continue;
		}
		if (!keep)
			continue;
		sh_rule *c = own_rule(o);
		*c = (sh_rule){ .action = r->action, .has_errno_ret = r->has_errno_ret, .errno_ret = r->errno_ret };
		copy_place(c, r);
		own_names(c, keep);
		for (size_t k = 0; k < r->nnames; k++)
			if (!affected(o, r->names[k]))
				c->names[c->nnames++] = sh_xstrdup(r->names[k]);
		c->args = r->nargs ? sh_xmalloc(r->nargs * sizeof(sh_arg)) : NULL;
		if (r->nargs)
			memcpy(c->args, r->args, r->nargs * sizeof(sh_arg));
		c->nargs = r->nargs;
		add_rrule(o, c, rr->action, rr->errno_ret);
	}
}

static size_t conj_args(const conj *c, sh_arg *out)
{
	size_t n = 0;
	for (unsigned i = 0; i < 6; i++) {
		const atom *a = &c->a[i];
		if (a->kind == AT_ANY || (a->kind == AT_CUBE && a->v == 0))
			continue;
		sh_op op = a->kind == AT_ARG ? a->op : a->v == UINT64_MAX ? SH_OP_EQ : SH_OP_MASKED_EQ;
		uint64_t value = a->kind == AT_CUBE && op == SH_OP_EQ ? a->v2 : a->v;
		uint64_t two = op == SH_OP_MASKED_EQ ? a->v2 : 0;
		out[n++] = (sh_arg){ .index = i, .op = op, .value = value, .value_two = two };
	}
	return n;
}

static void action_of(uint32_t ret, sh_action_kind *a, uint32_t *errno_ret)
{
	*errno_ret = ret & SECCOMP_RET_DATA;
	switch (ret & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_KILL_PROCESS: *a = SH_ACT_KILL_PROCESS; break;
	case SECCOMP_RET_KILL_THREAD: *a = SH_ACT_KILL_THREAD; break;
	case SECCOMP_RET_TRAP: *a = SH_ACT_TRAP; break;
	case SECCOMP_RET_ERRNO: *a = SH_ACT_ERRNO; break;
	case SECCOMP_RET_USER_NOTIF: *a = SH_ACT_NOTIFY; break;
	case SECCOMP_RET_TRACE: *a = SH_ACT_TRACE; break;
	case SECCOMP_RET_LOG: *a = SH_ACT_LOG; break;
	default: *a = SH_ACT_ALLOW; break;
	}
}

/* Field by field: a struct's padding is not part of a condition. */
static bool args_equal(const sh_arg *a, const sh_arg *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].index != b[i].index || a[i].op != b[i].op || a[i].value != b[i].value ||
		    a[i].value_two != b[i].value_two)
			return false;
	return true;
}

/* A rule for the region, or the name added to the rule made for the same region and answer. */
static void add_entry(out_rules *o, size_t first_own, const char *name, const entry *e)
{
	sh_arg args[6];
	size_t nargs = conj_args(&e->c, args);
	sh_action_kind act;
	uint32_t errno_ret;
	action_of(e->ret, &act, &errno_ret);
	for (size_t i = first_own; i < o->rs->nown; i++) {
		sh_rule *r = &o->rs->own_rules[i];
		if (r->action != act || r->errno_ret != errno_ret || r->nargs != nargs || !args_equal(r->args, args, nargs))
			continue;
		if (!sh_rule_names(r, name)) {
			r->names = sh_xreallocarray(r->names, r->nnames + 2, sizeof(char *));
			r->name_locs = sh_xreallocarray(r->name_locs, r->nnames + 2, sizeof(sh_loc));
			r->names[r->nnames++] = sh_xstrdup(name);
			r->names[r->nnames] = NULL;
		}
		return;
	}
	sh_rule *r = own_rule(o);
	*r = (sh_rule){ .action = act, .has_errno_ret = act == SH_ACT_ERRNO || act == SH_ACT_TRACE, .errno_ret = errno_ret };
	copy_place(r, e->from);
	own_names(r, 1);
	r->names[r->nnames++] = sh_xstrdup(name);
	r->args = nargs ? sh_xmalloc(nargs * sizeof(sh_arg)) : NULL;
	if (nargs)
		memcpy(r->args, args, nargs * sizeof(sh_arg));
	r->nargs = nargs;
}

static sh_ruleset *new_composed(const sh_ruleset *base, const sh_ruleset *overlay)
{
	const sh_ruleset *from = base ? base : overlay;
	sh_ruleset *rs = sh_xcalloc(1, sizeof(*rs));
	rs->profile = from->profile;
	rs->default_action = base ? base->default_action : SH_ACT_ALLOW;
	rs->default_errno = base ? base->default_errno : 1;
	memcpy(rs->arches, from->arches, sizeof(rs->arches));
	rs->narches = from->narches;
	rs->flags = from->flags;
	rs->flags_given = from->flags_given;
	rs->listener_path = base && base->listener_path ? sh_xstrdup(base->listener_path) : NULL;
	return rs;
}

/* The names the overlay's rules list, each once. */
static char **overlay_names(const sh_ruleset *overlay, size_t *n)
{
	char **v = NULL;
	size_t cap = 0;
	*n = 0;
	for (size_t i = 0; i < overlay->nrules; i++)
		for (size_t k = 0; k < overlay->rules[i].origin->nnames; k++) {
			const char *name = overlay->rules[i].origin->names[k];
			bool seen = false;
			for (size_t j = 0; j < *n && !seen; j++)
				seen = strcmp(v[j], name) == 0;
			if (seen)
				continue;
			sh_grow(&v, &cap, *n + 1, sizeof(*v));
			v[(*n)++] = sh_xstrdup(name);
			v[*n] = NULL;
		}
	return v;
}

/* Each name's regions, then the rules: the base's first (less those names), then the composed
 * ones, each region's answer except where it is the default's (which answers it anyway). */
static int compose_rules(const compose_ctx *c, out_rules *o, char **names, size_t n)
{
	entryv *per = sh_xcalloc(n + 1, sizeof(entryv));
	int r = 0;
	for (size_t i = 0; i < n && r >= 0; i++) {
		r = compose_name(c, names[i], &per[i]);
		if (r == 0)
			o->affected[o->naffected++] = names[i];
	}
	if (r >= 0) {
		size_t room = c->base ? c->base->nrules : 0;
		for (size_t i = 0; i < n; i++)
			room += per[i].n;
		o->rs->own_rules = sh_xcalloc(room + 1, sizeof(sh_rule));
		o->cap_own = room + 1;
		keep_base_rules(o, c->base);
		size_t first_own = o->rs->nown;
		uint32_t deflt = sh_action_ret(o->rs->default_action, o->rs->default_errno);
		for (size_t i = 0; i < n; i++)
			for (size_t k = 0; k < per[i].n; k++)
				if (per[i].v[k].ret != deflt)
					add_entry(o, first_own, names[i], &per[i].v[k]);
		for (size_t i = first_own; i < o->rs->nown; i++)
			add_rrule(o, &o->rs->own_rules[i], o->rs->own_rules[i].action, o->rs->own_rules[i].errno_ret);
	}
	for (size_t i = 0; i < n; i++)
		entryv_free(&per[i]);
	free(per);
	return r < 0 ? -1 : 0;
}

int sh_compose(const sh_ruleset *base, const sh_ruleset *overlay, sh_ruleset **out, sh_error **err)
{
	compose_ctx c = { .base = base, .overlay = overlay, .err = err };
	const sh_ruleset *arches = base ? base : overlay;
	c.narches = sh_arch_callers(arches->arches, arches->narches, c.arches);
	size_t n;
	char **names = overlay_names(overlay, &n);
	out_rules o = { .rs = new_composed(base, overlay), .affected = sh_xcalloc(n + 1, sizeof(char *)) };
	int r = compose_rules(&c, &o, names, n);
	if (r == 0 && o.rs->nrules > SH_MAX_RULES)
		r = sh_error_set(err, SH_EXIT_INVALID, "stacking the overlay on the profile makes %zu rules, more than %d",
				 o.rs->nrules, SH_MAX_RULES);
	free(o.affected);
	sh_strv_free(names);
	if (r < 0) {
		sh_ruleset_free(o.rs);
		return -1;
	}
	*out = o.rs;
	return 0;
}

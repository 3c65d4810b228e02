/* Candidate values for a half of an argument (candidates.h). */
#include "config.h"
#include "candidates.h"
#include "util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum { FEW_ORDERS = 8 };

static void ask(sh_questions *qs, sh_question q)
{
	for (size_t i = 0; i < qs->n; i++)
		if (qs->q[i].masked == q.masked && qs->q[i].a == q.a && qs->q[i].b == q.b)
			return;
	sh_grow(&qs->q, &qs->cap, qs->n, sizeof(*qs->q));
	qs->q[qs->n++] = q;
}

void sh_questions_order(sh_questions *qs, uint32_t c)
{
	ask(qs, (sh_question){ .masked = 0, .a = c });
}

void sh_questions_mask(sh_questions *qs, uint32_t m, uint32_t d)
{
	ask(qs, (sh_question){ .masked = 1, .a = m, .b = d });
}

void sh_questions_masked_order(sh_questions *qs, uint32_t m, uint32_t c)
{
	ask(qs, (sh_question){ .masked = 2, .a = m, .b = c });
}

void sh_questions_free(sh_questions *qs)
{
	free(qs->q);
	*qs = (sh_questions){ 0 };
}

typedef struct vals {
	uint32_t *v;
	size_t n, cap;
	size_t limit; /* how many values may be gathered before the reduction to one per answer */
	bool over;    /* the questions needed more: nothing more was gathered */
} vals;

/* The bound is checked before the array grows: questions that would need more values than the
 * limit cost at most the limit, and say so. */
static void put(vals *vs, uint32_t x)
{
	if (vs->n >= vs->limit) {
		vs->over = true;
		return;
	}
	sh_grow(&vs->v, &vs->cap, vs->n, sizeof(*vs->v));
	vs->v[vs->n++] = x;
}

static uint32_t lowbit(uint32_t m)
{
	return m & -m;
}

static uint32_t highbit(uint32_t m)
{
	return m ? UINT32_C(1) << (31 - __builtin_clz(m)) : 0;
}

/* Each constant, its neighbours, and where there are few, the middle of each gap. */
static void near_orders(const sh_questions *qs, vals *vs)
{
	vals c = { .limit = qs->n }; /* the constants */
	for (size_t i = 0; i < qs->n; i++)
		if (qs->q[i].masked == 0)
			put(&c, qs->q[i].a);
	c.n = sh_u32_sort_unique(c.v, c.n);
	for (size_t i = 0; i < c.n; i++) {
		put(vs, c.v[i] - 1);
		put(vs, c.v[i]);
		put(vs, c.v[i] + 1);
		if (i + 1 < c.n && c.n <= FEW_ORDERS)
			put(vs, c.v[i] + (c.v[i + 1] - c.v[i]) / 2);
	}
	free(c.v);
}

/* Each masked datum as written and as masked, with every other bit clear or set, and a mask bit
 * flipped at either end. */
static void near_masks(const sh_questions *qs, vals *vs)
{
	for (size_t i = 0; i < qs->n; i++) {
		if (qs->q[i].masked != 1)
			continue;
		uint32_t m = qs->q[i].a, in = qs->q[i].b & m;
		put(vs, qs->q[i].b);
		put(vs, in);
		put(vs, in | ~m);
		put(vs, in ^ lowbit(m));
		put(vs, in ^ highbit(m));
		put(vs, (in | ~m) ^ lowbit(m));
	}
}

/* Two masks: the first's datum, with the bits only the second covers as its datum and against it,
 * every other bit clear or set. */
static void mask_pairs(const sh_questions *qs, vals *vs)
{
	for (size_t i = 0; i < qs->n; i++)
		for (size_t j = 0; j < qs->n; j++) {
			if (i == j || qs->q[i].masked != 1 || qs->q[j].masked != 1)
				continue;
			uint32_t mi = qs->q[i].a, mj = qs->q[j].a, base = qs->q[i].b & mi, rest = mj & ~mi;
			uint32_t agree = base | (qs->q[j].b & rest), against = base | (~qs->q[j].b & rest);
			put(vs, agree);
			put(vs, against);
			put(vs, agree | ~(mi | mj));
			put(vs, against | ~(mi | mj));
		}
}

/* Every mask at once: each datum on the bits no earlier mask covers, all of them agreeing, or all but
 * one (which is against its datum there); every other bit clear or set. Pairs do not reach a call
 * that three conditions on one half single out. */
static void all_masks(const sh_questions *qs, vals *vs)
{
	for (size_t j = 0; j <= qs->n; j++) { /* j == n: none against */
		if (j < qs->n && qs->q[j].masked != 1)
			continue;
		uint32_t x = 0, covered = 0;
		for (size_t i = 0; i < qs->n; i++) {
			if (qs->q[i].masked != 1)
				continue;
			uint32_t mine = qs->q[i].a & ~covered, d = i == j ? ~qs->q[i].b : qs->q[i].b;
			x |= d & mine;
			covered |= qs->q[i].a;
		}
		put(vs, x);
		put(vs, x | ~covered);
	}
}

/* ---- a value for each combination of answers, built ---------------------------------------------
 * Between two constants (or at one) every value answers the orders alike; what is left is which
 * masks match. For each such stretch and each choice of matching masks (of the first MAX_MASKS:
 * 2^n choices), a value near either end that the matching masks fix and the others miss, if the
 * first SCAN values the matching masks allow from that end give one. */

enum { MAX_MASKS = 6, SCAN = 32 };

/* The smallest x >= lo with (x & f) == v. */
static bool next_fit(uint32_t lo, uint32_t f, uint32_t v, uint32_t *out)
{
	uint32_t conflict = (lo ^ v) & f;
	if (!conflict) {
		*out = lo;
		return true;
	}
	int p = 31 - __builtin_clz(conflict);
	uint32_t below_p = (UINT32_C(1) << p) - 1, above_p = p == 31 ? 0 : ~((UINT32_C(2) << p) - 1);
	if (v >> p & 1) { /* a fixed one where lo has a zero: that bit up, the rest as low as it goes */
		*out = (lo & above_p) | (UINT32_C(1) << p) | (v & below_p);
		return true;
	}
	uint32_t up = ~lo & ~f & above_p; /* a fixed zero where lo has a one: a free bit above goes up */
	if (!up)
		return false;
	int q = __builtin_ctz(up);
	uint32_t above_q = q == 31 ? 0 : ~((UINT32_C(2) << q) - 1);
	*out = (lo & above_q) | (UINT32_C(1) << q) | (v & ((UINT32_C(1) << q) - 1));
	return true;
}

/* The largest x <= hi with (x & f) == v: next_fit on the complements. */
static bool prev_fit(uint32_t hi, uint32_t f, uint32_t v, uint32_t *out)
{
	uint32_t x;
	if (!next_fit(~hi, f, ~v & f, &x))
		return false;
	*out = ~x;
	return true;
}

typedef struct stretch {
	uint32_t lo, hi;
} stretch;

/* Masks that must not match: a free bit of each flipped against its datum, lowest or highest. */
static bool against(const sh_questions *qs, const size_t *mi, size_t nm, unsigned match, uint32_t f, bool high, uint32_t *x)
{
	for (size_t k = 0; k < nm; k++) {
		const sh_question *q = &qs->q[mi[k]];
		if (match >> k & 1 || (*x & q->a) != q->b)
			continue;
		uint32_t free = q->a & ~f;
		if (!free)
			return (q->b & ~q->a) != 0; /* a datum outside its mask never matches */
		uint32_t bit = high ? UINT32_C(1) << (31 - __builtin_clz(free)) : free & -free;
		*x ^= bit;
		f |= bit;
	}
	return true;
}

/* From one end of the stretch inwards, the values the matching masks allow, until one can be made
 * to miss the other masks without leaving the stretch (at most SCAN of them). */
static void fit_from(const sh_questions *qs, const size_t *mi, size_t nm, unsigned match, uint32_t f, uint32_t v,
		     stretch s, int end, vals *vs)
{
	uint32_t x = end ? s.hi : s.lo;
	for (int t = 0; t < SCAN; t++) {
		if (!(end ? prev_fit(x, f, v, &x) : next_fit(x, f, v, &x)) || x < s.lo || x > s.hi)
			return;
		for (int high = 0; high < 2; high++) {
			uint32_t y = x;
			if (against(qs, mi, nm, match, f, high, &y) && y >= s.lo && y <= s.hi) {
				put(vs, y);
				return;
			}
		}
		if (x == (end ? s.lo : s.hi))
			return;
		x = end ? x - 1 : x + 1;
	}
}

/* The masks that must miss, each by one of its bits the matching ones leave free (its lowest or
 * highest such bit, chosen per mask by the bits of `pick`), folded into the fixed bits; false if one
 * cannot miss. */
static bool miss_by_bits(const sh_questions *qs, const size_t *mi, size_t nm, unsigned match, unsigned pick, uint32_t *f,
			 uint32_t *v)
{
	for (size_t k = 0; k < nm; k++) {
		const sh_question *q = &qs->q[mi[k]];
		if (match >> k & 1 || (q->b & ~q->a))
			continue; /* matching, or never matching anyway */
		uint32_t free = q->a & ~*f;
		if (!free)
			return (*v & q->a) != q->b; /* the fixed bits already miss it, or nothing can */
		uint32_t bit = pick >> k & 1 ? UINT32_C(1) << (31 - __builtin_clz(free)) : free & -free;
		*f |= bit;
		*v |= ~q->b & bit;
	}
	return true;
}

/* The values nearest either end that the matching masks fix and the others miss by a chosen bit. */
static void fit_by_bits(const sh_questions *qs, const size_t *mi, size_t nm, unsigned match, uint32_t f, uint32_t v,
			stretch s, vals *vs)
{
	for (unsigned pick = 0; pick < (1u << nm); pick++) {
		if (pick & match)
			continue; /* a matching mask has no bit to choose */
		uint32_t ff = f, vv = v, x;
		if (!miss_by_bits(qs, mi, nm, match, pick, &ff, &vv))
			continue;
		if (next_fit(s.lo, ff, vv, &x) && x <= s.hi)
			put(vs, x);
		if (prev_fit(s.hi, ff, vv, &x) && x >= s.lo)
			put(vs, x);
	}
}

static void fit_stretch(const sh_questions *qs, const size_t *mi, size_t nm, stretch s, vals *vs)
{
	for (unsigned match = 0; match < (1u << nm); match++) {
		uint32_t f = 0, v = 0;
		bool ok = true;
		for (size_t k = 0; k < nm && ok; k++) {
			const sh_question *q = &qs->q[mi[k]];
			if (!(match >> k & 1))
				continue;
			ok = !(q->b & ~q->a) && !((v ^ q->b) & f & q->a);
			f |= q->a;
			v |= q->b;
		}
		for (int end = 0; end < 2 && ok; end++)
			fit_from(qs, mi, nm, match, f, v, s, end, vs);
		if (ok)
			fit_by_bits(qs, mi, nm, match, f, v, s, vs);
	}
}

static void stretches_and_masks(const sh_questions *qs, vals *vs)
{
	size_t mi[MAX_MASKS], nm = 0;
	vals c = { .limit = qs->n }; /* the constants */
	for (size_t i = 0; i < qs->n; i++) {
		if (qs->q[i].masked == 0)
			put(&c, qs->q[i].a);
		else if (qs->q[i].masked == 1 && nm < MAX_MASKS)
			mi[nm++] = i;
	}
	c.n = sh_u32_sort_unique(c.v, c.n);
	uint32_t lo = 0;
	for (size_t i = 0; i <= c.n; i++) {
		uint32_t end = i < c.n ? c.v[i] : UINT32_MAX;
		if (i == c.n || end > lo) /* the stretch below the constant (or above the last) */
			fit_stretch(qs, mi, nm, (stretch){ lo, i < c.n ? end - 1 : UINT32_MAX }, vs);
		if (i < c.n) {
			fit_stretch(qs, mi, nm, (stretch){ end, end }, vs);
			if (end == UINT32_MAX)
				break;
			lo = end + 1;
		}
	}
	free(c.v);
}

/* x & m near c: the values the mask can give just below c, at or just above it, and above that,
 * with the bits f fixed to v (a mask's datum where it overlaps m). */
static size_t masked_near(uint32_t m, uint32_t c, uint32_t f, uint32_t v, uint32_t at[3])
{
	size_t n = 0;
	uint32_t y;
	f = ~m | (f & m);
	v &= m & f;
	if (c && prev_fit(c - 1, f, v, &y))
		at[n++] = y;
	if (next_fit(c, f, v, &y)) {
		at[n++] = y;
		if (y != UINT32_MAX && next_fit(y + 1, f, v, &y))
			at[n++] = y;
	}
	return n;
}

/* Every candidate so far with its masked bits set to each of those, free or keeping one mask's datum
 * where the masks overlap (the other bits as they were, so what it answered the other questions
 * mostly stays), and those masked values alone, every other bit clear or set. */
static void masked_orders(const sh_questions *qs, vals *vs)
{
	for (size_t i = 0; i < qs->n; i++) {
		if (qs->q[i].masked != 2)
			continue;
		uint32_t m = qs->q[i].a, at[3];
		/* Each masked order multiplies the values: the same value twice is gathered once. */
		vs->n = sh_u32_sort_unique(vs->v, vs->n);
		size_t before = vs->n;
		for (size_t j = 0; j <= qs->n && !vs->over; j++) { /* j == n: no mask kept */
			if (j < qs->n && qs->q[j].masked != 1)
				continue;
			size_t n = j < qs->n ? masked_near(m, qs->q[i].b, qs->q[j].a, qs->q[j].b, at)
					     : masked_near(m, qs->q[i].b, 0, 0, at);
			for (size_t k = 0; k < n; k++) {
				put(vs, at[k]);
				put(vs, at[k] | ~m);
				for (size_t b = 0; b < before; b++)
					put(vs, (vs->v[b] & ~m) | at[k]);
			}
		}
	}
}

/* A constant with a mask's datum in the mask's bits: near the constant and matching (or not). */
static void orders_masked(const sh_questions *qs, vals *vs)
{
	for (size_t i = 0; i < qs->n; i++)
		for (size_t j = 0; j < qs->n; j++) {
			if (qs->q[i].masked != 0 || qs->q[j].masked != 1)
				continue;
			uint32_t c = qs->q[i].a, m = qs->q[j].a, d = qs->q[j].b;
			put(vs, ((c - 1) & ~m) | (d & m));
			put(vs, (c & ~m) | (d & m));
			put(vs, ((c + 1) & ~m) | (d & m));
			put(vs, (c & ~m) | (~d & m));
		}
}

static unsigned char order(uint32_t x, uint32_t c)
{
	return x < c ? 0 : x == c ? 1 : 2;
}

/* One byte per question: the order (below, equal, above), or whether the mask matches. */
static void answers(const sh_questions *qs, uint32_t x, unsigned char *out)
{
	for (size_t i = 0; i < qs->n; i++) {
		const sh_question *q = &qs->q[i];
		out[i] = q->masked == 1 ? (x & q->a) == q->b : q->masked == 2 ? order(x & q->a, q->b) : order(x, q->a);
	}
}

typedef struct keyed {
	const unsigned char *key;
	size_t len;
	uint32_t value;
} keyed;

static int cmp_keyed(const void *a, const void *b)
{
	const keyed *x = a, *y = b;
	int c = memcmp(x->key, y->key, x->len);
	return c ? c : x->value < y->value ? -1 : x->value > y->value;
}

/* The smallest value of each set of answers. */
static size_t one_per_answer(const sh_questions *qs, uint32_t *v, size_t n)
{
	size_t w = qs->n ? qs->n : 1;
	unsigned char *buf = sh_xcalloc(n, w);
	keyed *k = sh_xcalloc(n, sizeof(*k));
	for (size_t i = 0; i < n; i++) {
		answers(qs, v[i], buf + i * w);
		k[i] = (keyed){ buf + i * w, w, v[i] };
	}
	sh_sort(k, n, sizeof(*k), cmp_keyed);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (!i || memcmp(k[i].key, k[i - 1].key, w) != 0)
			v[m++] = k[i].value;
	free(k);
	free(buf);
	return sh_u32_sort_unique(v, m);
}

size_t sh_questions_values(const sh_questions *qs, size_t limit, uint32_t **out)
{
	vals vs = { .limit = limit };
	put(&vs, 0);
	put(&vs, UINT32_MAX);
	near_orders(qs, &vs);
	near_masks(qs, &vs);
	mask_pairs(qs, &vs);
	all_masks(qs, &vs);
	orders_masked(qs, &vs);
	stretches_and_masks(qs, &vs);
	masked_orders(qs, &vs);
	if (vs.over) {
		free(vs.v);
		*out = NULL;
		return SIZE_MAX;
	}
	vs.n = sh_u32_sort_unique(vs.v, vs.n);
	*out = vs.v;
	return one_per_answer(qs, vs.v, vs.n);
}

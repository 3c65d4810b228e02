/* Syscall-number dispatch rewritten as range search (sh_bpf_optimize).
 *
 * libseccomp's binary tree (optimize level 2) ends in leaves that test one syscall number per
 * instruction: Docker's default profile becomes 1,254 instructions for x86_64, x86 and x32, 1,221
 * of them jumps, while the decision as a function of the number has only 282 constant stretches
 * (neighbouring numbers mostly share an action). The kernel's work at install time (checking,
 * conversion to eBPF, JIT, the action cache) and at teardown grows with the instruction count.
 *
 * The pass:
 *  1. follows the accumulator forward through the program (jumps only go forward): at each
 *     instruction, whether A holds seccomp_data.nr on every path that reaches it, and the interval
 *     of values it can have there;
 *  2. calls "dispatch" every jump that only compares that A with a constant (JEQ/JGT/JGE #k, JA);
 *     everything else (returns, loads, argument tests, JSET) is a terminal and stays as it is;
 *  3. for each dispatch region entered from a terminal (the instruction after `ld [0]`, say),
 *     computes which terminal every number in the entry's interval reaches, as sorted stretches;
 *  4. groups the stretches into blocks (a stretch with up to two single numbers inside it that reach
 *     another terminal) and emits, in place of the region, a balanced search over the blocks' lower
 *     bounds (JGE), each block a JEQ per single number and a jump to its stretch's terminal; then
 *     lays the program out again (a jump farther than a conditional's 8-bit offset reaches goes
 *     through an added JA or a copied return). Docker's default: 1,254 instructions become 263.
 * A is never written by the new code and X and the scratch memory are untouched, so every terminal
 * runs in the state it ran in before. The result is checked against the original on every stretch
 * boundary of every architecture the program tests before it is used; any doubt (a program outside
 * the pass's limits, no gain, a difference) keeps the original.
 *
 * tests/test_equivalence.c compares the optimised program with libseccomp's linear one on every
 * number of every arch's syscall tables and on sampled numbers over the whole 32-bit range. */
#include "config.h"
#include "bpf.h"
#include "names.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

enum { UNREACHED, A_NR, A_ARCH, A_OTHER };
enum { MAX_EVAL_STEPS = 1 << 20 };

typedef struct state {
	unsigned char kind;
	uint32_t lo, hi; /* A_NR: the values A can hold */
	bool arch_known; /* every path here compared seccomp_data.arch equal to `arch` */
	uint32_t arch;
} state;

typedef struct seg {
	uint32_t lo, hi;
	size_t term; /* original index of the terminal reached */
} seg;

/* One instruction of the new program. Jumps name their targets as node ids. */
typedef struct node {
	struct sock_filter f;
	int jt, jf;     /* conditional jump targets (node ids), -1 when not a conditional */
	int ja;         /* JA target (node id), -1 when not a JA */
	int tramp[2];   /* trampolines added after this node for jt / jf, -1 none */
} node;

typedef struct opt {
	const struct sock_filter *p;
	size_t n;
	state *st;
	bool *dispatch, *entry;
	seg *segs;
	size_t *blk; /* step 4's blocks of stretches */
	size_t nsegs, max_segs; /* a region over d dispatch instructions has at most 2d + 1 stretches */
	unsigned long steps;
	seg *all; /* every region's stretches, for the check before use */
	size_t nall, max_all;
	node *nodes;
	size_t nnodes, cap;
	int *node_of; /* original index -> node id of its copy, or of its region's code for an entry */
} opt;

static bool is_ret(const struct sock_filter *f)
{
	return BPF_CLASS(f->code) == BPF_RET;
}

static bool is_cond_k(const struct sock_filter *f)
{
	if (BPF_CLASS(f->code) != BPF_JMP || BPF_SRC(f->code) != BPF_K)
		return false;
	return BPF_OP(f->code) == BPF_JEQ || BPF_OP(f->code) == BPF_JGT || BPF_OP(f->code) == BPF_JGE;
}

static bool is_ja(const struct sock_filter *f)
{
	return f->code == (BPF_JMP | BPF_JA);
}

/* s with what A holds replaced; what is known of the architecture goes on. */
static state with(state s, unsigned char kind, uint32_t lo, uint32_t hi)
{
	s.kind = kind;
	s.lo = lo;
	s.hi = hi;
	return s;
}

static void merge(state *s, state v)
{
	if (s->kind == UNREACHED) {
		*s = v;
		return;
	}
	if (!(s->arch_known && v.arch_known && s->arch == v.arch))
		s->arch_known = false;
	if (s->kind != v.kind) {
		s->kind = A_OTHER;
	} else if (v.kind == A_NR) {
		s->lo = v.lo < s->lo ? v.lo : s->lo;
		s->hi = v.hi > s->hi ? v.hi : s->hi;
	}
}

/* The true and false intervals of a comparison of A in [lo, hi] with k; *_ok false when empty. The
 * false side of JEQ is kept as the whole interval unless k is at an end (an interval cannot have a
 * hole; a wider interval is still sound). */
static void split(const struct sock_filter *f, uint32_t lo, uint32_t hi, uint32_t t[2], bool *t_ok, uint32_t e[2],
		  bool *e_ok)
{
	uint32_t k = f->k;
	switch (BPF_OP(f->code)) {
	case BPF_JEQ:
		*t_ok = k >= lo && k <= hi;
		t[0] = t[1] = k;
		*e_ok = !(lo == k && hi == k);
		e[0] = lo == k ? lo + 1 : lo;
		e[1] = hi == k ? hi - 1 : hi;
		break;
	case BPF_JGT:
		*t_ok = hi > k;
		t[0] = lo > k ? lo : k + 1;
		t[1] = hi;
		*e_ok = lo <= k;
		e[0] = lo;
		e[1] = hi < k ? hi : k;
		break;
	default: /* BPF_JGE */
		*t_ok = hi >= k;
		t[0] = lo >= k ? lo : k;
		t[1] = hi;
		*e_ok = k == 0 ? false : lo <= k - 1;
		e[0] = lo;
		e[1] = k == 0 ? 0 : (hi < k - 1 ? hi : k - 1);
		break;
	}
}

static void flow_jump(opt *o, size_t i, state s)
{
	const struct sock_filter *f = &o->p[i];
	if (is_ja(f)) {
		merge(&o->st[i + 1 + f->k], s);
	} else if (s.kind == A_NR && is_cond_k(f)) {
		uint32_t t[2], e[2];
		bool t_ok, e_ok;
		split(f, s.lo, s.hi, t, &t_ok, e, &e_ok);
		if (t_ok)
			merge(&o->st[i + 1 + f->jt], with(s, A_NR, t[0], t[1]));
		if (e_ok)
			merge(&o->st[i + 1 + f->jf], with(s, A_NR, e[0], e[1]));
	} else { /* A unchanged, its interval not narrowed */
		state t = s;
		if (s.kind == A_ARCH && f->code == (BPF_JMP | BPF_JEQ | BPF_K)) { /* equal: the arch is known */
			t.arch_known = true;
			t.arch = f->k;
		}
		merge(&o->st[i + 1 + f->jt], t);
		merge(&o->st[i + 1 + f->jf], s);
	}
}

/* Step 1: what A holds at each instruction, and which architecture the paths to it compared. */
static void flow(opt *o)
{
	o->st[0] = (state){ A_OTHER, 0, 0, false, 0 };
	for (size_t i = 0; i < o->n; i++) {
		const state s = o->st[i];
		const struct sock_filter *f = &o->p[i];
		if (s.kind == UNREACHED || is_ret(f))
			continue;
		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
			if (f->code == (BPF_LD | BPF_W | BPF_ABS) && f->k == offsetof(struct seccomp_data, nr))
				merge(&o->st[i + 1], with(s, A_NR, 0, UINT32_MAX));
			else if (f->code == (BPF_LD | BPF_W | BPF_ABS) && f->k == offsetof(struct seccomp_data, arch))
				merge(&o->st[i + 1], with(s, A_ARCH, 0, 0));
			else
				merge(&o->st[i + 1], with(s, A_OTHER, 0, 0));
			break;
		case BPF_JMP:
			flow_jump(o, i, s);
			break;
		case BPF_ALU:
			merge(&o->st[i + 1], with(s, A_OTHER, 0, 0));
			break;
		case BPF_MISC:
			merge(&o->st[i + 1], BPF_MISCOP(f->code) == BPF_TAX ? s : with(s, A_OTHER, 0, 0));
			break;
		default: /* LDX, ST, STX leave A alone */
			merge(&o->st[i + 1], s);
			break;
		}
	}
}

/* Step 2: dispatch instructions and the entries into their regions. */
static void mark(opt *o)
{
	for (size_t i = 0; i < o->n; i++) {
		const struct sock_filter *f = &o->p[i];
		o->dispatch[i] = o->st[i].kind == A_NR && (is_cond_k(f) || is_ja(f));
	}
	for (size_t i = 0; i < o->n; i++) {
		const struct sock_filter *f = &o->p[i];
		if (o->st[i].kind == UNREACHED || o->dispatch[i] || is_ret(f))
			continue;
		if (BPF_CLASS(f->code) != BPF_JMP) {
			o->entry[i + 1] |= o->dispatch[i + 1];
		} else if (is_ja(f)) {
			o->entry[i + 1 + f->k] |= o->dispatch[i + 1 + f->k];
		} else {
			o->entry[i + 1 + f->jt] |= o->dispatch[i + 1 + f->jt];
			o->entry[i + 1 + f->jf] |= o->dispatch[i + 1 + f->jf];
		}
	}
}

/* Two terminals are the same when they are the same instruction or equal returns. */
static bool same_term(const opt *o, size_t a, size_t b)
{
	return a == b || (is_ret(&o->p[a]) && is_ret(&o->p[b]) && o->p[a].code == o->p[b].code && o->p[a].k == o->p[b].k);
}

static bool add_seg(opt *o, uint32_t lo, uint32_t hi, size_t term)
{
	if (o->nsegs > 0) {
		seg *last = &o->segs[o->nsegs - 1];
		if (last->hi + 1 == lo && same_term(o, last->term, term)) {
			last->hi = hi;
			return true;
		}
	}
	if (o->nsegs == o->max_segs)
		return false;
	o->segs[o->nsegs++] = (seg){ lo, hi, term };
	return true;
}

/* Step 3: the terminal each value of [lo, hi] reaches from instruction i, appended in order. */
static bool eval(opt *o, size_t i, uint32_t lo, uint32_t hi)
{
	while (o->dispatch[i] && is_ja(&o->p[i]))
		i += 1 + o->p[i].k;
	if (++o->steps > MAX_EVAL_STEPS)
		return false;
	if (!o->dispatch[i])
		return add_seg(o, lo, hi, i);
	const struct sock_filter *f = &o->p[i];
	size_t t = i + 1 + f->jt, e = i + 1 + f->jf;
	uint32_t k = f->k;
	if (BPF_OP(f->code) == BPF_JEQ) {
		if (k < lo || k > hi)
			return eval(o, e, lo, hi);
		return (k == lo || eval(o, e, lo, k - 1)) && eval(o, t, k, k) && (k == hi || eval(o, e, k + 1, hi));
	}
	uint32_t first_true = BPF_OP(f->code) == BPF_JGT ? k + 1 : k; /* JGT #UINT32_MAX is never true */
	bool never = BPF_OP(f->code) == BPF_JGT && k == UINT32_MAX;
	if (never || first_true > hi)
		return eval(o, e, lo, hi);
	if (first_true <= lo)
		return eval(o, t, lo, hi);
	return eval(o, e, lo, first_true - 1) && eval(o, t, first_true, hi);
}

static int new_node(opt *o, struct sock_filter f)
{
	if (o->nnodes == o->cap)
		return -1;
	o->nodes[o->nnodes] = (node){ f, -1, -1, -1, { -1, -1 } };
	return (int)o->nnodes++;
}

/* Step 4 groups the stretches into blocks: a stretch, then up to MAX_EXCEPTIONS times a single
 * number with a terminal of its own followed by a stretch with the first one's terminal. A block is
 * searched for with one JGE per block boundary and decided by one JEQ per single number, where a
 * plain search needs two JGE for each: Docker's default profile has 112 such numbers (a syscall
 * denied between allowed neighbours, say) among its 282 stretches. Two keeps the deepest path as it
 * was. Returns the number of blocks; blk[i] is the index of block i's first stretch. */
enum { MAX_EXCEPTIONS = 2 };

static size_t blocks(const opt *o, const seg *s, size_t n, size_t *blk)
{
	size_t nblk = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		for (int e = 0; e < MAX_EXCEPTIONS && j + 1 < n && s[j].lo == s[j].hi && same_term(o, s[j + 1].term, s[i].term);
		     e++)
			j += 2;
		blk[nblk++] = i;
		i = j;
	}
	return nblk;
}

/* A block: a JEQ for each single number, the last one's false branch to the block's terminal.
 * Returns the node to jump to (-2 - original index for a terminal, resolved once every copy exists). */
static int gen_block(opt *o, const seg *s, size_t first, size_t end)
{
	int head = -2 - (int)s[first].term, prev = -1;
	for (size_t x = first + 1; x < end; x += 2) {
		int id = new_node(o, (struct sock_filter){ BPF_JMP | BPF_JEQ | BPF_K, 0, 0, s[x].lo });
		if (id < 0)
			return -1;
		o->nodes[id].jt = -2 - (int)s[x].term;
		if (prev >= 0)
			o->nodes[prev].jf = id;
		else
			head = id;
		prev = id;
	}
	if (prev >= 0)
		o->nodes[prev].jf = -2 - (int)s[first].term;
	return head;
}

/* A balanced search over blocks a..b (blk[], n stretches in all), a JGE on each block's first value. */
static int gen(opt *o, const seg *s, size_t n, const size_t *blk, size_t nblk, size_t a, size_t b)
{
	if (a == b)
		return gen_block(o, s, blk[a], a + 1 < nblk ? blk[a + 1] : n);
	size_t mid = a + (b - a + 1) / 2;
	int id = new_node(o, (struct sock_filter){ BPF_JMP | BPF_JGE | BPF_K, 0, 0, s[blk[mid]].lo });
	if (id < 0)
		return -1;
	int lo = gen(o, s, n, blk, nblk, a, mid - 1);
	if (lo == -1)
		return -1;
	int hi = gen(o, s, n, blk, nblk, mid, b);
	if (hi == -1)
		return -1;
	o->nodes[id].jt = hi;
	o->nodes[id].jf = lo;
	return id;
}

static int resolve(const opt *o, int target)
{
	return target <= -2 ? o->node_of[-2 - target] : target;
}

/* Keep a region's stretches (o->segs) for the check before use. */
static bool record(opt *o)
{
	if (o->nall + o->nsegs > o->max_all) {
		size_t more = 2 * (o->nall + o->nsegs);
		seg *all = realloc(o->all, more * sizeof(seg));
		if (!all)
			return false;
		o->all = all;
		o->max_all = more;
	}
	memcpy(o->all + o->nall, o->segs, o->nsegs * sizeof(seg));
	o->nall += o->nsegs;
	return true;
}

/* Copies of the original's non-dispatch instructions and the regions' searches, in the original
 * order. A region whose search is a single terminal becomes one JA to it. */
static bool build(opt *o)
{
	for (size_t i = 0; i < o->n; i++) {
		o->node_of[i] = -1;
		if (o->st[i].kind == UNREACHED || (o->dispatch[i] && !o->entry[i]))
			continue;
		if (o->dispatch[i]) {
			o->nsegs = 0;
			if (!eval(o, i, o->st[i].lo, o->st[i].hi) || !record(o))
				return false;
			size_t first = o->nnodes;
			size_t nblk = blocks(o, o->segs, o->nsegs, o->blk);
			int root = gen(o, o->segs, o->nsegs, o->blk, nblk, 0, nblk - 1);
			if (root == -1)
				return false;
			if (root <= -2) { /* one terminal for the whole interval */
				int id = new_node(o, (struct sock_filter){ BPF_JMP | BPF_JA, 0, 0, 0 });
				if (id < 0)
					return false;
				o->nodes[id].ja = root;
			}
			o->node_of[i] = (int)first;
			continue;
		}
		const struct sock_filter *f = &o->p[i];
		int id = new_node(o, *f);
		if (id < 0)
			return false;
		o->node_of[i] = id;
		if (is_ja(f)) {
			o->nodes[id].ja = -2 - (int)(i + 1 + f->k);
		} else if (BPF_CLASS(f->code) == BPF_JMP) {
			o->nodes[id].jt = -2 - (int)(i + 1 + f->jt);
			o->nodes[id].jf = -2 - (int)(i + 1 + f->jf);
		}
	}
	/* Every target resolves to a node after its source: jumps only go forward. */
	for (size_t id = 0; id < o->nnodes; id++) {
		node *d = &o->nodes[id];
		if (d->ja != -1) {
			d->ja = resolve(o, d->ja);
			if (d->ja < 0 || (size_t)d->ja <= id)
				return false;
		}
		if (d->jt != -1) {
			d->jt = resolve(o, d->jt);
			d->jf = resolve(o, d->jf);
			if (d->jt < 0 || d->jf < 0 || (size_t)d->jt <= id || (size_t)d->jf <= id)
				return false;
		}
	}
	return true;
}

/* Positions of nodes and their trampolines; false when the program grew past the kernel's limit. */
static bool place(const opt *o, size_t *pos, size_t *total)
{
	size_t p = 0;
	for (size_t id = 0; id < o->nnodes; id++) {
		pos[id] = p++;
		p += (o->nodes[id].tramp[0] != -1) + (o->nodes[id].tramp[1] != -1);
	}
	*total = p;
	return p <= SH_BPF_MAX_INSNS;
}

/* A trampoline: the target itself when it is a return, else a JA to it. */
static struct sock_filter tramp_insn(const opt *o, const size_t *pos, size_t at, int target)
{
	const node *t = &o->nodes[target];
	if (is_ret(&t->f))
		return t->f;
	return (struct sock_filter){ BPF_JMP | BPF_JA, 0, 0, (uint32_t)(pos[target] - at - 1) };
}

/* Step 4, layout: add trampolines until every conditional reaches its targets, then emit. */
static bool emit(opt *o, sh_bpf *out)
{
	size_t *pos = calloc(o->nnodes, sizeof(*pos)), total = 0;
	if (!pos)
		return false;
	bool changed = true, ok = true;
	while (ok && changed) {
		changed = false;
		ok = place(o, pos, &total);
		for (size_t id = 0; ok && id < o->nnodes; id++) {
			node *d = &o->nodes[id];
			if (d->jt == -1)
				continue;
			int tg[2] = { d->jt, d->jf };
			for (int b = 0; b < 2; b++)
				if (d->tramp[b] == -1 && pos[tg[b]] - pos[id] - 1 > 255) {
					d->tramp[b] = tg[b];
					changed = true;
				}
		}
	}
	if (ok)
		ok = place(o, pos, &total);
	struct sock_filter *insns = ok ? calloc(total, sizeof(*insns)) : NULL;
	if (!insns) {
		free(pos);
		return false;
	}
	for (size_t id = 0; id < o->nnodes; id++) {
		const node *d = &o->nodes[id];
		size_t at = pos[id];
		struct sock_filter f = d->f;
		if (d->ja != -1) {
			f.k = (uint32_t)(pos[d->ja] - at - 1);
		} else if (d->jt != -1) {
			size_t next = at + 1;
			size_t where[2];
			for (int b = 0; b < 2; b++) {
				int target = b ? d->jf : d->jt;
				if (d->tramp[b] != -1) {
					where[b] = next;
					insns[next] = tramp_insn(o, pos, next, target);
					next++;
				} else {
					where[b] = pos[target];
				}
			}
			f.jt = (uint8_t)(where[0] - at - 1);
			f.jf = (uint8_t)(where[1] - at - 1);
		}
		insns[at] = f;
	}
	free(pos);
	out->insns = insns;
	out->len = total;
	return true;
}

/* Candidate architectures: every constant A is compared with while it holds the arch, and one more. */
static size_t arch_values(const opt *o, uint32_t *v, size_t max)
{
	size_t n = 0;
	v[n++] = 0;
	for (size_t i = 0; i < o->n && n < max; i++)
		if (o->st[i].kind == A_ARCH && is_cond_k(&o->p[i])) {
			bool seen = false;
			for (size_t j = 0; j < n; j++)
				seen |= v[j] == o->p[i].k;
			if (!seen)
				v[n++] = o->p[i].k;
		}
	return n;
}

static bool decides_alike(const sh_bpf *a, const sh_bpf *b, uint32_t arch, uint32_t nr)
{
	sh_seccomp_data d = { .nr = (int)nr, .arch = arch };
	return sh_bpf_run(a->insns, a->len, &d, NULL) == sh_bpf_run(b->insns, b->len, &d, NULL);
}

/* Every syscall number a call on the arch (an AUDIT_ARCH_* value) can carry: its tables (names.h),
 * and on x86_64 x32's too. */
static bool decide_alike_on_tables(const sh_bpf *orig, const sh_bpf *new, uint32_t arch)
{
	uint32_t tokens[2];
	size_t nt = sh_arch_callers(&arch, 1, tokens);
	for (size_t t = 0; t < nt; t++)
		for (size_t i = 0, all = sh_arch_nr_count(tokens[t]); i < all; i++)
			if (!decides_alike(orig, new, arch, (uint32_t)sh_arch_nr_at(tokens[t], i)))
				return false;
	return true;
}

/* The check before use: both programs decide alike, for every candidate arch, on both ends of every
 * stretch found and their neighbours, and on every number of the arch's syscall tables. */
static bool verify(const opt *o, const sh_bpf *orig, const sh_bpf *new)
{
	const seg *all = o->all;
	uint32_t arches[32];
	size_t na = arch_values(o, arches, 32);
	for (size_t a = 0; a < na; a++) {
		if (!decide_alike_on_tables(orig, new, arches[a]))
			return false;
		for (size_t s = 0; s < o->nall; s++) {
			const uint32_t probe[] = { all[s].lo - 1, all[s].lo, all[s].lo + 1, all[s].hi - 1, all[s].hi, all[s].hi + 1 };
			for (size_t p = 0; p < sizeof(probe) / sizeof(probe[0]); p++)
				if (!decides_alike(orig, new, arches[a], probe[p]))
					return false;
		}
	}
	return true;
}

bool sh_bpf_optimize(sh_bpf *b)
{
	opt o = { .p = b->insns, .n = b->len };
	bool replaced = false;
	if (b->len == 0 || b->len > SH_BPF_MAX_INSNS || sh_bpf_check_program(b->insns, b->len))
		return false;
	o.st = calloc(o.n + 1, sizeof(*o.st));
	o.dispatch = calloc(o.n + 1, sizeof(bool));
	o.entry = calloc(o.n + 1, sizeof(bool));
	o.max_segs = 2 * o.n + 1;
	o.segs = calloc(o.max_segs, sizeof(seg));
	o.blk = calloc(o.max_segs, sizeof(size_t));
	o.cap = 2 * o.n + 16; /* copies, searches and JAs; more means no gain anyway */
	o.nodes = calloc(o.cap, sizeof(node));
	o.node_of = calloc(o.n, sizeof(int));
	sh_bpf out = { 0 };
	if (!o.st || !o.dispatch || !o.entry || !o.segs || !o.blk || !o.nodes || !o.node_of)
		goto done;
	flow(&o);
	mark(&o);
	if (!build(&o) || !emit(&o, &out))
		goto done;
	if (out.len >= b->len || sh_bpf_check_program(out.insns, out.len) || !verify(&o, b, &out))
		goto done;
	free(b->insns);
	*b = out;
	out.insns = NULL;
	replaced = true;
done:
	free(out.insns);
	free(o.st);
	free(o.dispatch);
	free(o.entry);
	free(o.segs);
	free(o.blk);
	free(o.nodes);
	free(o.node_of);
	free(o.all);
	return replaced;
}

void sh_bpf_flow_info(const struct sock_filter *p, size_t n, sh_bpf_flow *out)
{
	opt o = { .p = p, .n = n };
	o.st = sh_xcalloc(n + 1, sizeof(*o.st));
	flow(&o);
	for (size_t i = 0; i < n; i++)
		out[i] = (sh_bpf_flow){ o.st[i].kind == A_NR, o.st[i].arch_known ? o.st[i].arch : 0 };
	free(o.st);
}

#include "config.h"
#include "lint.h"
#include "bpf_reach.h"
#include "crossarch.h"
#include "explain.h"
#include "names.h"
#include "suggest.h"
#include "translate.h"
#include "util.h"

#include <inttypes.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>

static bool same_action(const sh_rule *a, const sh_rule *b)
{
	if (a->action != b->action)
		return false;
	return (a->action != SH_ACT_ERRNO && a->action != SH_ACT_TRACE) || sh_rule_errno(a) == sh_rule_errno(b);
}

static void describe(const sh_rule *r, char *buf, size_t len)
{
	if (r->action == SH_ACT_ERRNO || r->action == SH_ACT_TRACE)
		snprintf(buf, len, "%s(%u)", sh_action_name(r->action), sh_rule_errno(r));
	else
		snprintf(buf, len, "%s", sh_action_name(r->action));
}

/* Every name of every rule, in the order the lint reads them: by name, then rule, then place. */
typedef struct name_use {
	const char *name;
	size_t rule, pos;
} name_use;

static int cmp_name_use(const void *a, const void *b)
{
	const name_use *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static void same_rule_again(const sh_profile *p, const name_use *u, sh_diag *d)
{
	const sh_rule *r = &p->rules[u->rule];
	sh_diag_add(d, SH_SEV_WARNING, p->file, r->name_locs[u->pos].line, r->name_locs[u->pos].col, "duplicate-name",
		    "syscalls[%zu]: '%s' is listed twice in the rule", u->rule, u->name);
}

static void earlier_rule_has_it(const sh_profile *p, const name_use *first, const name_use *u, sh_diag *d)
{
	const sh_rule *o = &p->rules[first->rule], *r = &p->rules[u->rule];
	char was[48], is[48], where[32];
	describe(o, was, sizeof was);
	describe(r, is, sizeof is);
	snprintf(where, sizeof where, "%u:%u", o->name_locs[first->pos].line, o->name_locs[first->pos].col);
	if (same_action(o, r))
		sh_diag_add(d, SH_SEV_WARNING, p->file, r->name_locs[u->pos].line, r->name_locs[u->pos].col, "duplicate-name",
			    "syscalls[%zu]: '%s' is already listed with the same action at %s", u->rule, u->name, where);
	else
		sh_diag_add(d, SH_SEV_WARNING, p->file, r->name_locs[u->pos].line, r->name_locs[u->pos].col,
			    "conflicting-actions", "syscalls[%zu]: '%s' is %s here but %s at %s: libseccomp keeps the first "
			    "rule, this one has no effect", u->rule, u->name, is, was, where);
}

/* duplicate-name and conflicting-actions: the same syscall twice, in one rule or in two rules that
 * both always apply. libseccomp keeps the first rule for a syscall and silently drops later ones.
 * One finding per repeated name, against its first place: sorted, the names cost N log N and the
 * findings are at most one per name written, whatever the profile repeats. */
static void lint_duplicates(const sh_profile *p, sh_diag *d)
{
	size_t n = 0;
	for (size_t i = 0; i < p->nrules; i++)
		n += p->rules[i].nnames;
	if (n == 0)
		return;
	cleanup_free name_use *uses = sh_xcalloc(n, sizeof(*uses));
	n = 0;
	for (size_t i = 0; i < p->nrules; i++)
		for (size_t k = 0; k < p->rules[i].nnames; k++)
			uses[n++] = (name_use){ p->rules[i].names[k], i, k };
	sh_sort(uses, n, sizeof(*uses), cmp_name_use);
	const name_use *first_always = NULL; /* the name's first place in a rule that always applies */
	for (size_t i = 0; i < n; i++) {
		const name_use *u = &uses[i];
		bool new_name = i == 0 || strcmp(uses[i - 1].name, u->name) != 0;
		if (new_name)
			first_always = NULL;
		if (!new_name && uses[i - 1].rule == u->rule) {
			same_rule_again(p, u, d);
			continue;
		}
		if (!sh_rule_unconditional(&p->rules[u->rule]))
			continue;
		if (first_always)
			earlier_rule_has_it(p, first_always, u, d);
		else
			first_always = u;
	}
}

static void lint_no_effect(const sh_profile *p, sh_diag *d)
{
	for (size_t i = 0; i < p->nrules; i++) {
		const sh_rule *r = &p->rules[i];
		bool same = r->action == p->default_action &&
			    ((r->action != SH_ACT_ERRNO && r->action != SH_ACT_TRACE) ||
			     sh_rule_errno(r) == (p->has_default_errno ? p->default_errno_ret : 1));
		if (same && !r->nargs)
			sh_diag_add(d, SH_SEV_WARNING, p->file, r->action_loc.line, r->action_loc.col, "no-effect",
				    "syscalls[%zu]: the action equals the default action: the rule has no effect", r->index);
	}
}

/* Conditions no argument value can satisfy. */
static const char *never(const sh_arg *a)
{
	if (a->op == SH_OP_MASKED_EQ && (a->value_two & ~a->value))
		return "valueTwo has bits outside the mask, so (arg & value) == valueTwo never holds";
	if (a->op == SH_OP_LT && a->value == 0)
		return "no unsigned value is below 0";
	if (a->op == SH_OP_GT && a->value == UINT64_MAX)
		return "no 64-bit value is above 2^64-1";
	return NULL;
}

static void lint_never(const sh_profile *p, sh_diag *d)
{
	for (size_t i = 0; i < p->nrules; i++)
		for (size_t k = 0; k < p->rules[i].nargs; k++) {
			const sh_arg *a = &p->rules[i].args[k];
			const char *why = never(a);
			if (why)
				sh_diag_add(d, SH_SEV_WARNING, p->file, a->loc.line, a->loc.col, "never-matches",
					    "syscalls[%zu].args[%zu]: %s", i, k, why);
		}
}

/* On x86_64 hosts the x86 and x32 ABIs reach the same kernel. A filter without them sends those calls
 * to the bad-architecture action (libseccomp kills the thread): 32-bit programs break. */
static void lint_arches(const sh_profile *p, uint32_t native, sh_diag *d)
{
	if (native != SCMP_ARCH_X86_64)
		return;
	for (size_t i = 0; i < p->narchmap; i++) {
		const sh_archmap_entry *e = &p->archmap[i];
		if (e->arch != SCMP_ARCH_X86_64)
			continue;
		bool x86 = false, x32 = false;
		for (size_t k = 0; k < e->nsubs; k++) {
			x86 |= e->subs[k] == SCMP_ARCH_X86;
			x32 |= e->subs[k] == SCMP_ARCH_X32;
		}
		if (!x86 || !x32)
			sh_diag_add(d, SH_SEV_WARNING, p->file, e->loc.line, e->loc.col, "missing-arch",
				    "archMap[%zu]: SCMP_ARCH_X86_64 without %s: calls through that ABI get the "
				    "bad-architecture action (killed)", i, !x86 && !x32 ? "SCMP_ARCH_X86 and SCMP_ARCH_X32"
				    : !x86 ? "SCMP_ARCH_X86" : "SCMP_ARCH_X32");
	}
}

/* Does some rule give `name` an action other than the default, unconditionally or by argument? */
static const sh_rule *rule_for(const sh_profile *p, const char *name, bool with_args)
{
	for (size_t i = 0; i < p->nrules; i++)
		for (size_t k = 0; k < p->rules[i].nnames; k++)
			if (strcmp(p->rules[i].names[k], name) == 0 && (p->rules[i].nargs != 0) == with_args)
				return &p->rules[i];
	return NULL;
}

static bool denies(const sh_rule *r)
{
	return r && r->action != SH_ACT_ALLOW && r->action != SH_ACT_LOG;
}

/* Denylists (default ALLOW or LOG) that close one door and leave its twin open. */
static void lint_escapes(const sh_profile *p, sh_diag *d)
{
	static const struct { const char *closed, *open; bool by_args; const char *why; } pairs[] = {
		{ "clone", "clone3", true, "clone3's flags are in memory a filter cannot read" },
		{ "socket", "socketcall", true, "on x86, socketcall creates sockets without the socket syscall" },
		{ "ptrace", "process_vm_writev", false, "it writes another process's memory without ptrace" },
		{ "open_by_handle_at", "name_to_handle_at", false, "together they open files by handle" },
		{ "openat", "io_uring_setup", false, "io_uring performs I/O that seccomp never sees" },
		{ "connect", "io_uring_setup", false, "io_uring performs I/O that seccomp never sees" },
	};
	if (p->default_action != SH_ACT_ALLOW && p->default_action != SH_ACT_LOG)
		return;
	for (size_t i = 0; i < SH_ARRAY_SIZE(pairs); i++) {
		const sh_rule *closed = rule_for(p, pairs[i].closed, pairs[i].by_args);
		if (!denies(closed) || denies(rule_for(p, pairs[i].open, false)))
			continue;
		sh_diag_add(d, SH_SEV_WARNING, p->file, closed->loc.line, closed->loc.col, "open-escape",
			    "syscalls[%zu]: '%s' is denied%s but '%s' is allowed: %s", closed->index, pairs[i].closed,
			    pairs[i].by_args ? " by argument" : "", pairs[i].open, pairs[i].why);
	}
}

/* ---- overlapping-rules: conditional rules of one syscall with different actions that can hold
 * together. libseccomp gives such overlaps no defined order (and 2.5.4 builds some of them wrongly);
 * the program seccomp-hook installs answers the most restrictive action of the rules that hold
 * (docs/verification.md), and runtime mode refuses a profile whose program under runc would be
 * weaker. A note, not a warning: an allow with a narrower deny after it is a common, meant shape
 * (recordings keep it). Reported only with a call where both hold. */

static bool shares(char *const *a, size_t na, char *const *b, size_t nb)
{
	for (size_t i = 0; i < na; i++)
		for (size_t k = 0; k < nb; k++)
			if (strcmp(a[i], b[k]) == 0)
				return true;
	return false;
}

/* Whether no target selects both rules: one needs a capability, arch or kernel the other excludes. */
static bool never_together(const sh_rule *a, const sh_rule *b)
{
	const sh_rule *r[2] = { a, b };
	for (int i = 0; i < 2; i++) {
		const sh_cond *in = &r[i]->includes, *ex = &r[1 - i]->excludes;
		if (shares(in->caps, in->ncaps, ex->caps, ex->ncaps) || shares(in->arches, in->narches, ex->arches, ex->narches))
			return true;
		if (in->has_min_kernel && ex->has_min_kernel &&
		    (in->kmajor > ex->kmajor || (in->kmajor == ex->kmajor && in->kminor >= ex->kminor)))
			return true;
	}
	return a->includes.narches && b->includes.narches &&
	       !shares(a->includes.arches, a->includes.narches, b->includes.arches, b->includes.narches);
}

/* One rule's way to hold: all its conditions, or (a repeated index) one of them. */
typedef struct piece {
	const sh_arg *c;
	size_t n;
} piece;

static size_t pieces_of(const sh_rule *r, piece *out)
{
	if (!sh_rule_index_repeats(r)) {
		out[0] = (piece){ r->args, r->nargs };
		return 1;
	}
	for (size_t i = 0; i < r->nargs; i++)
		out[i] = (piece){ &r->args[i], 1 };
	return r->nargs;
}

static void candidates(const sh_arg *a, uint64_t out[8])
{
	uint64_t v = a->op == SH_OP_MASKED_EQ ? a->value_two : a->value;
	out[0] = v - 1;
	out[1] = v;
	out[2] = v + 1;
	out[3] = 0;
	out[4] = UINT64_MAX;
	out[5] = a->value_two | ~a->value;
	out[6] = a->value_two & a->value;
	out[7] = v ^ 1;
}

static bool holds_all(const piece *p, const piece *q, unsigned index, uint64_t x)
{
	const piece *both[2] = { p, q };
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < both[k]->n; i++)
			if (both[k]->c[i].index == index && !sh_arg_holds(&both[k]->c[i], SCMP_ARCH_X86_64, x))
				return false;
	return true;
}

/* A value of argument `index` that meets the conditions of both pieces on it, tried at the
 * neighbourhood of each datum. */
static bool meet_on(const piece *p, const piece *q, unsigned index, uint64_t *x)
{
	const piece *both[2] = { p, q };
	*x = 0;
	if (holds_all(p, q, index, 0))
		return true;
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < both[k]->n; i++) {
			uint64_t c[8];
			if (both[k]->c[i].index != index)
				continue;
			candidates(&both[k]->c[i], c);
			for (size_t j = 0; j < 8; j++)
				if (holds_all(p, q, index, c[j])) {
					*x = c[j];
					return true;
				}
		}
	return false;
}

/* A call for which both rules hold, as text ("arg0=5"), or false. */
static bool overlap_at(const sh_rule *a, const sh_rule *b, char *buf, size_t len)
{
	piece pa[SH_MAX_CONDS], pb[SH_MAX_CONDS];
	size_t na = pieces_of(a, pa), nb = pieces_of(b, pb);
	for (size_t i = 0; i < na; i++)
		for (size_t k = 0; k < nb; k++) {
			size_t used = 0;
			bool ok = true;
			buf[0] = 0;
			for (unsigned idx = 0; idx < 6 && ok; idx++) {
				uint64_t x;
				ok = meet_on(&pa[i], &pb[k], idx, &x);
				if (ok && x && used < len)
					used += (size_t)snprintf(buf + used, len - used, x < 4096 ? "%sarg%u=%" PRIu64 : "%sarg%u=%#" PRIx64,
								 used ? ", " : "", idx, x);
			}
			if (ok) {
				if (!buf[0])
					snprintf(buf, len, "all arguments 0");
				return true;
			}
		}
	return false;
}

static void lint_overlaps(const sh_profile *p, sh_diag *d)
{
	for (size_t j = 0; j < p->nrules; j++) {
		const sh_rule *r = &p->rules[j];
		for (size_t i = 0; i < j && r->nargs; i++) {
			const sh_rule *o = &p->rules[i];
			char at[160], was[48], is[48];
			if (!o->nargs || same_action(o, r) || never_together(o, r) ||
			    !shares(o->names, o->nnames, r->names, r->nnames) || !overlap_at(o, r, at, sizeof at))
				continue;
			describe(o, was, sizeof was);
			describe(r, is, sizeof is);
			size_t k = 0;
			while (!shares(&r->names[k], 1, o->names, o->nnames))
				k++;
			sh_diag_add(d, SH_SEV_NOTE, p->file, r->loc.line, r->loc.col, "overlapping-rules",
				    "syscalls[%zu]: '%s' is %s here and %s in syscalls[%zu], and both hold for %s: the most "
				    "restrictive action wins in seccomp-hook's program; libseccomp, and so runc, orders such rules "
				    "its own way", j, r->names[k], is, was, i, at);
			break;
		}
	}
}

/* ---- or-conditions: a rule whose index repeats is one rule per condition (runc, crun) ----------- */

typedef struct span {
	uint64_t lo, hi;
} span;

/* The values of one argument a condition holds for, as at most two spans; a masked equality is
 * left out (0 spans) unless its mask is 0, so a union of them is never claimed to cover too much. */
static size_t spans_of(const sh_arg *a, span out[2])
{
	uint64_t v = a->value;
	switch (a->op) {
	case SH_OP_NE:
		out[0] = (span){ 0, v - 1 }, out[1] = (span){ v + 1, UINT64_MAX };
		return v == 0 ? (out[0] = out[1], 1) : v == UINT64_MAX ? 1 : 2;
	case SH_OP_LT: return v ? (out[0] = (span){ 0, v - 1 }, 1) : 0;
	case SH_OP_LE: return out[0] = (span){ 0, v }, 1;
	case SH_OP_EQ: return out[0] = (span){ v, v }, 1;
	case SH_OP_GE: return out[0] = (span){ v, UINT64_MAX }, 1;
	case SH_OP_GT: return v != UINT64_MAX ? (out[0] = (span){ v + 1, UINT64_MAX }, 1) : 0;
	case SH_OP_MASKED_EQ: return a->value == 0 && a->value_two == 0 ? (out[0] = (span){ 0, UINT64_MAX }, 1) : 0;
	}
	return 0;
}

static int span_cmp(const void *x, const void *y)
{
	const span *a = x, *b = y;
	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

/* Whether the conditions of rule r on argument idx, ORed, hold for every 64-bit value. */
static bool or_covers_all(const sh_rule *r, unsigned idx)
{
	span v[2 * SH_MAX_CONDS];
	size_t n = 0;
	for (size_t i = 0; i < r->nargs; i++)
		if (r->args[i].index == idx)
			n += spans_of(&r->args[i], v + n);
	sh_sort(v, n, sizeof(*v), span_cmp);
	uint64_t next = 0; /* the lowest value not yet covered */
	for (size_t i = 0; i < n && v[i].lo <= next; i++) {
		if (v[i].hi == UINT64_MAX)
			return true;
		next = v[i].hi + 1 > next ? v[i].hi + 1 : next;
	}
	return false;
}

static void lint_or_conditions(const sh_profile *p, sh_diag *d)
{
	for (size_t i = 0; i < p->nrules; i++) {
		const sh_rule *r = &p->rules[i];
		if (!sh_rule_index_repeats(r))
			continue;
		for (unsigned idx = 0; idx < 6; idx++) {
			if (!or_covers_all(r, idx))
				continue;
			cleanup_free char *text = sh_rule_conditions_text(r);
			sh_diag_add(d, SH_SEV_WARNING, p->file, r->loc.line, r->loc.col, "or-conditions",
				    "syscalls[%zu]: %s holds for every value of arg%u: runc and crun make each condition of "
				    "a rule whose index repeats its own rule (OR, not AND), so it applies to every call of '%s'",
				    i, text, idx, r->nnames ? r->names[0] : "?");
			break;
		}
	}
}

/* ---- lints that ask the compiled program (the walk of bpf_reach.h) ------------------------------ */

#define AF_ALG_DOMAIN 38

/* The profile resolved and compiled for one capability set. */
typedef struct compiled {
	sh_ruleset *rs;
	sh_bpf prog;
	uint64_t caps;
} compiled;

static bool compile_for(const sh_profile *p, uint32_t native, uint64_t caps, compiled *c)
{
	sh_target t;
	*c = (compiled){ .caps = caps };
	if (sh_target_init(&t, false, NULL) < 0)
		return false;
	t.native_arch = native;
	t.caps = caps;
	if (sh_resolve(p, &t, &c->rs, NULL, NULL) == 0 && sh_translate_bpf(c->rs, NULL, &c->prog, NULL, NULL) == 0)
		return true;
	sh_ruleset_free(c->rs);
	c->rs = NULL;
	return false;
}

static bool refused(uint32_t ret)
{
	return !sh_ret_runs(ret);
}

/* Whether some call NAME on arch, arg0 fixed when arg0 >= 0, may get an answer wanted (a walk the
 * program cannot be followed through counts as may). */
static bool may_get(const compiled *c, uint32_t arch, const char *name, int64_t arg0, bool (*wanted)(uint32_t))
{
	int nr = sh_syscall_number(arch, name);
	if (nr < 0)
		return false;
	sh_seccomp_data d = sh_call_data(arch, nr, NULL);
	sh_reach_call q = { .arch = d.arch, .nr = (uint32_t)d.nr };
	if (arg0 >= 0) {
		q.bits_set[0] = (uint64_t)arg0;
		q.bits_clear[0] = ~(uint64_t)arg0;
	}
	return sh_bpf_reach(c->prog.insns, c->prog.len, &q, wanted, NULL) != SH_REACH_NEVER;
}

/* The first of the profile's rules naming `name` (with conditions, when with_args), else NULL. */
static const sh_rule *first_rule(const sh_profile *p, const char *name, bool with_args)
{
	for (size_t i = 0; i < p->nrules; i++)
		if (sh_rule_names(&p->rules[i], name) && (!with_args || p->rules[i].nargs))
			return &p->rules[i];
	return NULL;
}

static void add_at(sh_diag *d, const sh_profile *p, const sh_rule *r, sh_severity sev, const char *code,
		   const char *msg)
{
	unsigned line = r ? r->loc.line : p->default_loc.line, col = r ? r->loc.col : p->default_loc.col;
	if (r)
		sh_diag_add(d, sev, p->file, line, col, code, "syscalls[%zu]: %s", r->index, msg);
	else
		sh_diag_add(d, sev, p->file, line, col, code, "defaultAction: %s", msg);
}

/* A rule that allows socketcall(SYS_SOCKET, ...) by name: the profile's author chose to let 32-bit
 * code create sockets whatever their domain. */
static const sh_rule *socket_through_socketcall_allowed(const sh_profile *p)
{
	for (size_t i = 0; i < p->nrules; i++) {
		const sh_rule *r = &p->rules[i];
		if (!sh_rule_names(r, "socketcall") || (r->action != SH_ACT_ALLOW && r->action != SH_ACT_LOG))
			continue;
		for (size_t k = 0; k < r->nargs; k++)
			if (r->args[k].index == 0 && r->args[k].op == SH_OP_EQ && r->args[k].value == SH_SOCKETCALL_SOCKET)
				return r;
	}
	return NULL;
}

/* socket's arguments decide on some ABI while socketcall(SYS_SOCKET) runs on another: there the
 * arguments are in memory, where no filter reads them. Or the reverse trap, the one an engine's
 * default once shipped: libseccomp puts a rule that narrows socket on x86 onto socketcall(SYS_SOCKET)
 * without its conditions, so a denial of one family there denies 32-bit programs every socket. */
static bool lint_socketcall(const sh_profile *p, const compiled *c, sh_diag *d)
{
	bool restricted = false;
	uint32_t bypass = 0, blocked = 0;
	for (size_t i = 0; i < c->rs->narches; i++) {
		uint32_t a = c->rs->arches[i];
		restricted |= may_get(c, a, "socket", -1, sh_ret_runs) && may_get(c, a, "socket", -1, refused);
		if (seccomp_syscall_resolve_name_arch(a, "socketcall") < 0)
			continue;
		if (!bypass && may_get(c, a, "socketcall", SH_SOCKETCALL_SOCKET, sh_ret_runs))
			bypass = a;
		else if (!blocked && may_get(c, a, "socket", -1, sh_ret_runs))
			blocked = a;
	}
	if (!restricted || (!bypass && !blocked))
		return false;
	const sh_rule *ack = socket_through_socketcall_allowed(p), *at = first_rule(p, "socket", true);
	char msg[512];
	if (!bypass) {
		snprintf(msg, sizeof msg, "socket is restricted by its arguments, and on %s libseccomp applies the rule to "
			 "socketcall(SYS_SOCKET, ...), whose arguments are in memory, without them: 32-bit programs that "
			 "create sockets through socketcall (glibc's do) can create none", sh_arch_scmp_name(blocked));
		add_at(d, p, at, SH_SEV_WARNING, "socketcall-blocked", msg);
		return true;
	}
	snprintf(msg, sizeof msg, "socket is restricted by its arguments, but on %s socketcall(SYS_SOCKET, ...) is "
		 "allowed%s and passes them in memory, where no filter can read them: 32-bit code can create "
		 "the sockets the restriction refuses", sh_arch_scmp_name(bypass), ack ? " by name" : "");
	add_at(d, p, at, ack ? SH_SEV_NOTE : SH_SEV_WARNING, "socketcall-bypass", msg);
	return true;
}

static bool lint_io_uring(const sh_profile *p, const compiled *c, sh_diag *d)
{
	static const char *const names[] = { "io_uring_setup", "io_uring_enter", "io_uring_register" };
	const char *allowed = NULL;
	uint32_t arch = 0;
	for (size_t i = 0; i < c->rs->narches && !allowed; i++)
		for (size_t k = 0; k < SH_ARRAY_SIZE(names) && !allowed; k++)
			if (may_get(c, c->rs->arches[i], names[k], -1, sh_ret_runs))
				allowed = names[k], arch = c->rs->arches[i];
	if (!allowed)
		return false;
	char msg[512];
	snprintf(msg, sizeof msg, "'%s' is allowed (%s): io_uring performs reads, writes, opens, connects and more "
		 "in the kernel's own threads, where seccomp never sees them; deny io_uring_setup, io_uring_enter "
		 "and io_uring_register unless the workload needs them", allowed, sh_arch_scmp_name(arch));
	const sh_rule *r = first_rule(p, allowed, false);
	add_at(d, p, r && (r->action == SH_ACT_ALLOW || r->action == SH_ACT_LOG) ? r : NULL, SH_SEV_WARNING,
	       "io-uring", msg);
	return true;
}

static bool lint_af_alg(const sh_profile *p, const compiled *c, sh_diag *d)
{
	const char *how = NULL;
	uint32_t arch = 0;
	for (size_t i = 0; i < c->rs->narches && !how; i++) {
		uint32_t a = c->rs->arches[i];
		if (may_get(c, a, "socket", AF_ALG_DOMAIN, sh_ret_runs))
			how = "socket(AF_ALG, ...)", arch = a;
		else if (seccomp_syscall_resolve_name_arch(a, "socketcall") >= 0 &&
			 may_get(c, a, "socketcall", SH_SOCKETCALL_SOCKET, sh_ret_runs))
			how = "socketcall(SYS_SOCKET, ...), whose domain no filter can read,", arch = a;
	}
	if (!how)
		return false;
	char msg[512];
	snprintf(msg, sizeof msg, "%s is allowed on %s: AF_ALG sockets (address family 38) reach the kernel's crypto "
		 "API, the way in for CVE-2026-31431 (\"Copy Fail\"); deny socket with arg0 == 38 unless the "
		 "workload needs it", how, sh_arch_scmp_name(arch));
	add_at(d, p, first_rule(p, "socket", false), SH_SEV_NOTE, "af-alg", msg);
	return true;
}

/* The engine's lints, for the profile without capabilities and with all of them (rules behind
 * includes and excludes take part either way); each reported once. Complain mode (a LOG default)
 * is for recording, not for keeping anything out: these are not asked of it, nor of a profile
 * without rules (lint_no_rules). */
static void lint_compiled(const sh_profile *p, uint32_t native, sh_diag *d)
{
	if (p->default_action == SH_ACT_LOG || p->nrules == 0) /* no-rules says it all */
		return;
	const uint64_t cap_sets[] = { 0, ~UINT64_C(0) };
	bool socketcall = false, io_uring = false, af_alg = false;
	for (size_t i = 0; i < SH_ARRAY_SIZE(cap_sets); i++) {
		compiled c;
		if (!compile_for(p, native, cap_sets[i], &c))
			continue;
		socketcall = socketcall || lint_socketcall(p, &c, d);
		io_uring = io_uring || lint_io_uring(p, &c, d);
		af_alg = af_alg || lint_af_alg(p, &c, d);
		sh_bpf_free(&c.prog);
		sh_ruleset_free(c.rs);
	}
}

void sh_lint_unknown_syscall(sh_diag *d, const char *file, const sh_rule *r, size_t k)
{
	const char *name = r->names[k], *origin = sh_syscall_origin(name), *near = NULL;
	unsigned line = r->name_locs[k].line, col = r->name_locs[k].col;
	const struct scmp_version *v = seccomp_version();
	if (origin) {
		sh_diag_add(d, SH_SEV_NOTE, file, line, col, "syscall-unknown-to-libseccomp",
			    "syscalls[%zu]: '%s' (%s) is not known to this libseccomp %u.%u.%u (skipped, as runc and "
			    "crun skip it)", r->index, name, origin, v->major, v->minor, v->micro);
		return;
	}
	char hint[96] = "";
	if ((near = sh_suggest_syscall(name)))
		snprintf(hint, sizeof hint, "; did you mean '%s'?", near);
	sh_diag_add(d, SH_SEV_WARNING, file, line, col, "unknown-syscall", "syscalls[%zu]: unknown syscall '%s' (skipped%s)",
		    r->index, name, hint);
}

/* Names libseccomp knows on no architecture at all (the same finding, word for word, as the
 * translator's, so `check` reports it once even for rules no capability set selects). */
static void lint_unknown_names(const sh_profile *p, sh_diag *d)
{
	for (size_t i = 0; i < p->nrules; i++)
		for (size_t k = 0; k < p->rules[i].nnames; k++)
			if (seccomp_syscall_resolve_name(p->rules[i].names[k]) == __NR_SCMP_ERROR)
				sh_lint_unknown_syscall(d, p->file, &p->rules[i], k);
}

/* A profile without a single rule gives every syscall the default action: nothing can run under a
 * denying one, and an allowing one filters nothing (SCMP_ACT_LOG alone is complain mode: no lint). */
static void lint_no_rules(const sh_profile *p, sh_diag *d)
{
	if (p->nrules > 0 || p->default_action == SH_ACT_LOG)
		return;
	const char *what = p->default_action == SH_ACT_ALLOW ? "every syscall is allowed: it filters nothing"
							     : "every syscall gets the default action: nothing can run";
	sh_diag_add(d, SH_SEV_WARNING, p->file, p->default_loc.line, p->default_loc.col, "no-rules",
		    "profile: no rules, %s (%s)", what, sh_action_name(p->default_action));
}

void sh_lint_profile(const sh_profile *p, uint32_t native, sh_diag *d)
{
	lint_unknown_names(p, d);
	lint_no_rules(p, d);
	lint_duplicates(p, d);
	lint_overlaps(p, d);
	lint_no_effect(p, d);
	lint_never(p, d);
	lint_arches(p, native, d);
	lint_escapes(p, d);
	sh_crossarch_lint(p, d);
	lint_or_conditions(p, d);
	lint_compiled(p, native, d);
}

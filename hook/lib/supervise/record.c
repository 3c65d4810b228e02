/* The recorder; see record.h. */
#include "config.h"
#include "record.h"
#include "crossarch.h"
#include "names.h"
#include "oci.h"
#include "util.h"

#include <inttypes.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VALUES 64 /* distinct argument values kept per syscall; beyond that it is allowed whole */

/* The argument Docker's default profile keys each of these on, and the mask it reads it through. */
typedef struct keyed {
	const char *name;
	uint64_t mask; /* 0: the value itself (SCMP_CMP_EQ) */
} keyed;
static const keyed keyed_args[] = {
	{ "clone", SH_CLONE_NAMESPACE_FLAGS },
	{ "personality", 0 },
	{ "socket", 0 },
};

typedef struct used {
	char *name;
	uint64_t calls, denied;
	uint32_t denied_ret;            /* the last denial's answer */
	const sh_rrule *denied_by;      /* and its rule, or NULL for the default */
	sh_decided_by denied_how;
	uint32_t denied_arch;
	bool allowed_whole;             /* let through by an unconditional decision */
	const sh_rule **conds;          /* or by these conditional rules of the base */
	size_t nconds;
	uint64_t values[MAX_VALUES];    /* --args: the keyed argument's values seen */
	const sh_rule *value_by[MAX_VALUES]; /* and the base's conditional rule that let each through (NULL: none) */
	size_t nvalues;
	bool too_many_values;
	uint32_t arch_bits;             /* which of the recorder's arches called it */
} used;

#define CACHED_ARCHES 4
#define NAMELESS UINT32_MAX

struct sh_recorder {
	const sh_ruleset *base;
	bool args;
	used *u;
	size_t n, cap;
	uint32_t arches[SH_MAX_ARCHES];
	size_t narches;
	uint64_t unknown; /* calls whose number libseccomp has no name for */
	/* Each call is looked up here, by arch and number (sh_arch_slots), rather than named again:
	 * 0 not seen yet, NAMELESS, else 1 + its index in u. */
	uint32_t *slot[CACHED_ARCHES];
	sh_arch_slots slots[CACHED_ARCHES]; /* of arches[0..CACHED_ARCHES) */
};

sh_recorder *sh_recorder_new(const sh_ruleset *base, bool args)
{
	sh_recorder *r = sh_xcalloc(1, sizeof(*r));
	r->base = base;
	r->args = args;
	return r;
}

void sh_recorder_free(sh_recorder *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->u[i].name);
		free(r->u[i].conds);
	}
	free(r->u);
	for (size_t a = 0; a < CACHED_ARCHES; a++)
		free(r->slot[a]);
	free(r);
}

static used *find_used(sh_recorder *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->u[i].name, name) == 0)
			return &r->u[i];
	sh_grow(&r->u, &r->cap, r->n, sizeof(*r->u));
	used *u = &r->u[r->n++];
	*u = (used){ .name = sh_xstrdup(name) };
	return u;
}

/* The arch's place in the recorder's list (added at its first call), or -1 when the list is full. */
static int arch_index(sh_recorder *r, uint32_t arch)
{
	for (size_t i = 0; i < r->narches; i++)
		if (r->arches[i] == arch)
			return (int)i;
	if (r->narches == SH_MAX_ARCHES)
		return -1;
	r->arches[r->narches] = arch;
	return (int)r->narches++;
}

/* The entry of a call's syscall, NULL for a number libseccomp has no name for; *first: the first
 * call of that number on that arch. */
static used *used_of(sh_recorder *r, const sh_call *c, int a, bool *first)
{
	bool cached = a >= 0 && a < CACHED_ARCHES;
	if (cached && !r->slot[a]) { /* the arch's first call */
		sh_arch_slots_init(&r->slots[a], c->arch);
		r->slot[a] = sh_xcalloc(r->slots[a].count, sizeof(uint32_t));
	}
	long idx = cached ? sh_arch_slots_of(&r->slots[a], c->nr) : -1;
	uint32_t *slot = idx >= 0 ? &r->slot[a][idx] : NULL;
	*first = slot && !*slot; /* numbers beyond the cache are never announced */
	if (slot && *slot)
		return *slot == NAMELESS ? NULL : &r->u[*slot - 1];
	char *name = seccomp_syscall_resolve_num_arch(c->arch, c->nr);
	used *u = name ? find_used(r, name) : NULL;
	free(name);
	if (slot)
		*slot = u ? (uint32_t)(u - r->u) + 1 : NAMELESS;
	return u;
}

static const keyed *keyed_of(const char *name)
{
	for (size_t i = 0; i < sizeof keyed_args / sizeof *keyed_args; i++)
		if (strcmp(keyed_args[i].name, name) == 0)
			return &keyed_args[i];
	return NULL;
}

static void note_value(used *u, uint64_t v, const sh_rule *by)
{
	for (size_t i = 0; i < u->nvalues; i++)
		if (u->values[i] == v && u->value_by[i] == by)
			return;
	if (u->nvalues == MAX_VALUES) {
		u->too_many_values = true;
		return;
	}
	u->values[u->nvalues] = v;
	u->value_by[u->nvalues++] = by;
}

static void note_condition(used *u, const sh_rule *r)
{
	for (size_t i = 0; i < u->nconds; i++)
		if (u->conds[i] == r)
			return;
	u->conds = sh_xreallocarray(u->conds, u->nconds + 1, sizeof(*u->conds));
	u->conds[u->nconds++] = r;
}

/* --args keeps the keyed argument's value of every call let through, with the base's conditional
 * rule that let it through: the recording allows that value within that rule, not the whole rule. */
static void note_allowed(sh_recorder *r, used *u, const sh_call *c)
{
	const sh_rrule *rule = c->d.by == SH_BY_RULE ? c->d.rule : NULL;
	const sh_rule *cond = rule && rule->origin->nargs ? rule->origin : NULL;
	if (cond)
		note_condition(u, cond);
	else
		u->allowed_whole = true;
	const keyed *k = r->args ? keyed_of(u->name) : NULL;
	if (k)
		note_value(u, k->mask ? c->args[0] & k->mask : c->args[0], cond);
}

bool sh_recorder_add(sh_recorder *r, const sh_call *c, const char **name)
{
	int a = arch_index(r, c->arch);
	bool first;
	used *u = used_of(r, c, a, &first);
	*name = u ? u->name : NULL;
	if (!u) {
		r->unknown++;
		return first;
	}
	u->calls++;
	u->arch_bits |= a >= 0 ? 1u << a : 0;
	/* What the base lets through is recorded even in complain mode; what it denies never is. */
	if (sh_decision_lets_through(c->d.ret)) {
		note_allowed(r, u, c);
		return first;
	}
	u->denied++;
	u->denied_ret = c->d.ret;
	u->denied_by = c->d.by == SH_BY_RULE ? c->d.rule : NULL;
	u->denied_how = c->d.by;
	u->denied_arch = c->arch;
	return first;
}

void sh_recorder_call(void *ctx, const sh_call *c)
{
	const char *name;
	sh_recorder_add(ctx, c, &name);
}

bool sh_recorder_allowed_name(const sh_recorder *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->u[i].name, name) == 0)
			return r->u[i].allowed_whole || r->u[i].nconds;
	return false;
}

size_t sh_recorder_allowed(const sh_recorder *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		n += r->u[i].allowed_whole || r->u[i].nconds;
	return n;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool in_list(const char *const *v, const char *name)
{
	for (; v && *v; v++)
		if (strcmp(*v, name) == 0)
			return true;
	return false;
}

/* --args: the name gets one rule per value instead of being allowed whole. */
static bool by_values(const sh_recorder *r, const used *u)
{
	return r->args && keyed_of(u->name) && u->nvalues && !u->too_many_values;
}

static sh_json *allow_rule(sh_json *names, sh_json *args)
{
	sh_json *o = sh_json_new(SH_JSON_OBJECT);
	sh_json_set(o, "names", names);
	sh_json_set(o, "action", sh_json_new_string("SCMP_ACT_ALLOW"));
	if (args)
		sh_json_set(o, "args", args);
	return o;
}

static sh_json *one_name(const char *name)
{
	sh_json *a = sh_json_new(SH_JSON_ARRAY);
	sh_json_append(a, sh_json_new_string(name));
	return a;
}

static sh_json *value_arg(const keyed *k, uint64_t v)
{
	sh_json *args = sh_json_new(SH_JSON_ARRAY), *o = sh_json_new(SH_JSON_OBJECT);
	sh_json_set(o, "index", sh_json_new_u64(0));
	sh_json_set(o, "value", sh_json_new_u64(k->mask ? k->mask : v));
	sh_json_set(o, "valueTwo", sh_json_new_u64(k->mask ? v : 0));
	sh_json_set(o, "op", sh_json_new_string(k->mask ? "SCMP_CMP_MASKED_EQ" : "SCMP_CMP_EQ"));
	sh_json_append(args, o);
	return args;
}

static sh_json *whole_names(const sh_recorder *r, const char *const *always)
{
	char **v = sh_xcalloc(r->n + 64, sizeof(char *));
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->u[i].allowed_whole && !by_values(r, &r->u[i]))
			v[n++] = r->u[i].name;
	for (; always && *always && n < r->n + 64; always++) {
		bool seen = false;
		for (size_t i = 0; i < n && !seen; i++)
			seen = strcmp(v[i], *always) == 0;
		if (!seen)
			v[n++] = (char *)*always;
	}
	sh_sort(v, n, sizeof(*v), cmp_name);
	sh_json *names = sh_json_new(SH_JSON_ARRAY);
	for (size_t i = 0; i < n; i++)
		sh_json_append(names, sh_json_new_string(v[i]));
	free(v);
	return names;
}

static bool used_cond(const used *u, const sh_rule *r)
{
	for (size_t k = 0; k < u->nconds; k++)
		if (u->conds[k] == r)
			return true;
	return false;
}

/* A base rule that denies, as the base has it: its action, errno and conditions. */
static sh_json *deny_rule(const char *name, const sh_rrule *rr)
{
	sh_json *o = sh_json_new(SH_JSON_OBJECT);
	sh_json_set(o, "names", one_name(name));
	sh_json_set(o, "action", sh_json_new_string(sh_action_name(rr->action)));
	if (rr->action == SH_ACT_ERRNO || rr->action == SH_ACT_TRACE)
		sh_json_set(o, "errnoRet", sh_json_new_u64(rr->errno_ret));
	sh_json_set(o, "args", sh_oci_args_array(rr->origin));
	return o;
}

static bool rule_denies(const sh_rrule *rr)
{
	return !sh_decision_lets_through(sh_action_ret(rr->action, rr->errno_ret));
}

/* The base's rules that take part in a name's calls (those equal to its default are left out). */
static bool takes_part(const sh_recorder *r, const sh_rrule *rr, const char *name)
{
	return sh_rule_names(rr->origin, name) && !sh_rrule_equals_default(r->base, rr);
}

/* A name let through only by conditional rules of the base. */
static bool by_conditions(const used *u)
{
	return !u->allowed_whole && u->nconds;
}

/* Such a name's rules: the conditions of the base's rules that let it through, kept, and with them,
 * in the base's order, every rule of the base that denies the name: where conditions overlap (socket
 * allowed below AF_ALG, denied for AF_NETLINK) the program decides between them, and a recording
 * must not allow what its base denies. */
static void conditional_rules(const sh_recorder *r, const used *u, sh_json *rules)
{
	for (size_t i = 0; i < r->base->nrules; i++) {
		const sh_rrule *rr = &r->base->rules[i];
		if (!takes_part(r, rr, u->name))
			continue;
		if (used_cond(u, rr->origin))
			sh_json_append(rules, allow_rule(one_name(u->name), sh_oci_args_array(rr->origin)));
		else if (rule_denies(rr))
			sh_json_append(rules, deny_rule(u->name, rr));
	}
}

static bool base_denies(const sh_recorder *r, const char *name)
{
	for (size_t i = 0; i < r->base->nrules; i++)
		if (takes_part(r, &r->base->rules[i], name) && rule_denies(&r->base->rules[i]))
			return true;
	return false;
}

/* The multiplexer libseccomp files a name's rules under on some arch of the recording (x86's
 * socketcall for socket(2) and its kin, ipc for SysV IPC), or NULL. There the rules of one name lose
 * their conditions, so an allowing and a denying rule become one call with two actions, which
 * libseccomp refuses unless the multiplexer has a rule of its own before them: as the base had. */
static const char *multiplexer(const char *name, const uint32_t *arches, size_t narches)
{
	for (size_t a = 0; a < narches; a++) {
		int nr = seccomp_syscall_resolve_name_arch(arches[a], name);
		if (nr <= __PNR_socket && nr >= __PNR_sendmmsg)
			return "socketcall";
		if (nr <= __PNR_semop && nr >= __PNR_shmctl)
			return "ipc";
	}
	return NULL;
}

/* The base's own rules for the multiplexers the recording's kept denials need (see multiplexer). */
static void multiplexer_rules(const sh_recorder *r, const uint32_t *arches, size_t narches, sh_json *rules)
{
	static const char *const muxes[] = { "socketcall", "ipc" };
	bool needed[2] = { false, false };
	for (size_t i = 0; i < r->n; i++) {
		const char *mux = by_conditions(&r->u[i]) && base_denies(r, r->u[i].name)
					  ? multiplexer(r->u[i].name, arches, narches) : NULL;
		for (size_t m = 0; mux && m < 2; m++)
			needed[m] |= strcmp(mux, muxes[m]) == 0;
	}
	for (size_t m = 0; m < 2; m++) {
		if (!needed[m] || sh_recorder_allowed_name(r, muxes[m]))
			continue; /* used: listed with the rest */
		for (size_t i = 0; i < r->base->nrules; i++) {
			const sh_rrule *rr = &r->base->rules[i];
			if (takes_part(r, rr, muxes[m]))
				sh_json_append(rules, rule_denies(rr) ? deny_rule(muxes[m], rr)
								     : allow_rule(one_name(muxes[m]), sh_oci_args_array(rr->origin)));
		}
	}
}

/* Whether the keyed value decides every condition the base's rule puts on argument 0, so that the
 * value, with the rule's conditions on the other arguments, allows nothing the rule does not: any
 * condition for an exact value (the socket domain), a masked equality within the mask for a masked
 * one (clone's namespace flags). Where an index repeats the conditions are alternatives (runc and
 * crun make each its own rule): an exact value met one of them if all are on argument 0. */
static bool value_decides(const keyed *k, const sh_rule *by)
{
	if (sh_rule_index_repeats(by)) {
		for (size_t i = 0; i < by->nargs; i++)
			if (by->args[i].index != 0 || k->mask)
				return false;
		return true;
	}
	unsigned seen = 0;
	for (size_t i = 0; i < by->nargs; i++) {
		const sh_arg *a = &by->args[i];
		if (seen & (1u << a->index))
			return false;
		seen |= 1u << a->index;
		if (a->index == 0 && k->mask && !(a->op == SH_OP_MASKED_EQ && (a->value & ~k->mask) == 0))
			return false;
	}
	return true;
}

/* The value on argument 0, and the conditions of the rule that let it through (if any) on the others. */
static sh_json *value_within(const keyed *k, uint64_t v, const sh_rule *by)
{
	sh_json *args = value_arg(k, v);
	if (!by)
		return args;
	sh_json *others = sh_oci_args_array(by);
	for (size_t i = by->nargs; i-- > 0;)
		if (by->args[i].index == 0)
			sh_json_delete_at(others, i);
	for (size_t i = 0; i < others->u.arr.n; i++)
		sh_json_append(args, others->u.arr.v[i]); /* moved: the array is emptied before it is freed */
	others->u.arr.n = 0;
	sh_json_free(others);
	return args;
}

static bool first_value_of(const used *u, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (u->value_by[j] == u->value_by[i])
			return false;
	return true;
}

/* --args: one rule per value used, within the base's rule that let it through (value_within); a rule
 * the value does not decide is kept as the base has it, as without --args. Where a base's
 * conditional rule let values through, its rules that deny the name come with them, as
 * conditional_rules keeps them: the recording never allows more than the base. */
static void value_rules(const sh_recorder *r, const used *u, sh_json *rules)
{
	const keyed *k = keyed_of(u->name);
	bool conditional = false;
	for (size_t i = 0; i < u->nvalues; i++) {
		const sh_rule *by = u->value_by[i];
		conditional |= by != NULL;
		if (!by || value_decides(k, by))
			sh_json_append(rules, allow_rule(one_name(u->name), value_within(k, u->values[i], by)));
		else if (first_value_of(u, i))
			sh_json_append(rules, allow_rule(one_name(u->name), sh_oci_args_array(by)));
	}
	for (size_t i = 0; conditional && i < r->base->nrules; i++) {
		const sh_rrule *rr = &r->base->rules[i];
		if (takes_part(r, rr, u->name) && rule_denies(rr))
			sh_json_append(rules, deny_rule(u->name, rr));
	}
}

/* socket is allowed only with some arguments (--args, or the base's conditions), and x86 is in the
 * recording: there libseccomp files socket's rules under socketcall(SYS_SOCKET) too, whose arguments
 * are in memory where no filter reads them, so the program lets 32-bit code open every domain. Written
 * out as a rule of its own (the same program, and within a base that does not deny socketcall) so that
 * the profile says what it allows: check names it (socketcall-bypass). */
static void socketcall_said(const sh_recorder *r, const uint32_t *arches, size_t narches, sh_json *rules)
{
	const char *mux = multiplexer("socket", arches, narches);
	if (!mux || strcmp(mux, "socketcall") != 0 || sh_recorder_allowed_name(r, "socketcall") ||
	    (r->base && base_denies(r, "socketcall")))
		return;
	for (size_t i = 0; i < r->n; i++) {
		if (strcmp(r->u[i].name, "socket") != 0 || !(by_values(r, &r->u[i]) || by_conditions(&r->u[i])))
			continue;
		static const keyed call = { "socketcall", 0 };
		sh_json *rule = allow_rule(one_name("socketcall"), value_arg(&call, SH_SOCKETCALL_SOCKET));
		sh_json_set(rule, "comment", sh_json_new_string("x86's socketcall(SYS_SOCKET) passes socket's arguments "
								  "in memory, where no filter reads them: the domains "
								  "recorded hold for 64-bit code only"));
		sh_json_append(rules, rule);
		return;
	}
}

static sh_json *rules_array(const sh_recorder *r, const uint32_t *arches, size_t narches, const char *const *always)
{
	sh_json *rules = sh_json_new(SH_JSON_ARRAY), *whole = whole_names(r, always);
	if (whole->u.arr.n) /* a rule naming nothing is invalid */
		sh_json_append(rules, allow_rule(whole, NULL));
	else
		sh_json_free(whole);
	multiplexer_rules(r, arches, narches, rules);
	for (size_t i = 0; i < r->n; i++) {
		const used *u = &r->u[i];
		if (by_values(r, u) && !in_list(always, u->name))
			value_rules(r, u, rules);
		else if (by_conditions(u))
			conditional_rules(r, u, rules);
	}
	socketcall_said(r, arches, narches, rules);
	return rules;
}

static sh_json *arch_map(const uint32_t *arches, size_t narches)
{
	sh_json *map = sh_json_new(SH_JSON_ARRAY), *e = sh_json_new(SH_JSON_OBJECT), *subs = sh_json_new(SH_JSON_ARRAY);
	sh_json_set(e, "architecture", sh_json_new_string(sh_arch_scmp_name(arches[0])));
	for (size_t i = 1; i < narches; i++)
		sh_json_append(subs, sh_json_new_string(sh_arch_scmp_name(arches[i])));
	sh_json_set(e, "subArchitectures", subs);
	sh_json_append(map, e);
	return map;
}

sh_json *sh_recorder_profile(const sh_recorder *r, const uint32_t *arches, size_t narches,
			     const char *const *always)
{
	sh_json *o = sh_json_new(SH_JSON_OBJECT);
	const sh_ruleset *b = r->base;
	sh_action_kind def = b ? b->default_action : SH_ACT_ERRNO;
	sh_json_set(o, "defaultAction", sh_json_new_string(sh_action_name(def)));
	if (def == SH_ACT_ERRNO || def == SH_ACT_TRACE)
		sh_json_set(o, "defaultErrnoRet", sh_json_new_u64(b ? b->default_errno : 1));
	sh_json_set(o, "archMap", arch_map(arches, narches));
	sh_json_set(o, "syscalls", rules_array(r, arches, narches, always));
	return o;
}

int sh_recorder_write(const sh_recorder *r, const uint32_t *arches, size_t narches, const char *const *always,
		      const sh_crossarch_opts *x, const char *path, sh_error **err)
{
	sh_json *j = sh_recorder_profile(r, arches, narches, always);
	if (x && x->ntargets && sh_crossarch_add(j, x, NULL, err) < 0) {
		sh_json_free(j);
		return -1;
	}
	size_t len;
	cleanup_free char *s = sh_json_serialize(j, true, &len);
	sh_json_free(j);
	s = sh_xrealloc(s, len + 2);
	s[len++] = '\n';
	return sh_write_file_atomic(path, s, len, 0644, err);
}

static void put_denied(FILE *f, const sh_recorder *r, const used *u)
{
	char act[64];
	sh_ret_name(u->denied_ret, act, sizeof act);
	const char *en = (u->denied_ret & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO
				 ? sh_errno_name((int)(u->denied_ret & SECCOMP_RET_DATA)) : NULL;
	fprintf(f, "%s (%" PRIu64 " call%s, %s%s%s by ", u->name, u->denied, u->denied == 1 ? "" : "s", act,
		en ? " " : "", en ? en : "");
	sh_decision d = { .ret = u->denied_ret, .by = u->denied_how, .rule = u->denied_by };
	sh_decision_put_reason(f, r->base->profile, u->denied_arch, &d, false);
	fputc(')', f);
}

char *sh_recorder_summary(const sh_recorder *r)
{
	char *buf = NULL;
	size_t len = 0, calls = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return sh_xstrdup("");
	for (size_t i = 0; i < r->n; i++)
		calls += r->u[i].calls;
	fprintf(f, "%zu syscalls allowed (%zu calls) on", sh_recorder_allowed(r), calls);
	for (size_t a = 0; a < r->narches; a++) {
		size_t k = 0;
		for (size_t i = 0; i < r->n; i++)
			k += ((r->u[i].arch_bits >> a) & 1) && (r->u[i].allowed_whole || r->u[i].nconds);
		fprintf(f, "%s %s (%zu)", a ? "," : "", sh_arch_scmp_name(r->arches[a]), k);
	}
	const char *sep = "; denied by the base: ";
	for (size_t i = 0; i < r->n; i++)
		if (r->u[i].denied) {
			fputs(sep, f);
			put_denied(f, r, &r->u[i]);
			sep = ", ";
		}
	if (r->unknown)
		fprintf(f, "; %" PRIu64 " calls of numbers libseccomp has no name for (not in the profile)", r->unknown);
	fclose(f);
	return buf;
}

/* Profile union for `seccomp-hook merge`. Unconditional ALLOW rules (no args, no includes/excludes)
 * melt into one sorted ALLOW rule; every other rule is kept as written, identical ones once; what
 * the inputs must agree on is compared, never chosen. */
#include "config.h"
#include "merge.h"
#include "names.h"
#include "oci.h"
#include "resolve.h"
#include "suggest.h"
#include "translate.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

/* A name the merged ALLOW rule holds, and who allowed it first (for conflict messages). */
typedef struct allowed {
	const char *name;
	const char *file; /* input file, or NULL for --allow */
	sh_loc loc;
	size_t seq;       /* insertion order: the first origin of a name wins the sort's ties */
} allowed;

/* A rule kept as it is written (conditional, or another action), with its names less --deny's. */
typedef struct kept {
	const sh_rule *r;
	const char *file;
	const char **names;
	size_t nnames;
} kept;

typedef struct arch_entry {
	uint32_t arch;
	uint32_t subs[SH_MAX_ARCHES];
	size_t nsubs;
} arch_entry;

typedef struct merge {
	const sh_profile *const *in;
	size_t nin;
	allowed *allow;
	size_t nallow, allow_cap;
	kept *rules;
	size_t nrules, rules_cap;
	/* Default ALLOW or LOG: --deny's names get an explicit SCMP_ACT_ERRNO(1) rule. */
	sh_rule deny_rule;
	const char **deny_names;
	size_t ndeny_names, deny_cap;
	uint32_t arches[SH_MAX_ARCHES]; /* union of "architectures" */
	size_t narches;
	arch_entry map[SH_MAX_ARCHES];  /* union of "archMap" */
	size_t nmap;
	sh_merge_stats st;
} merge;

/* ---- rule properties ------------------------------------------------------------------------ */

static bool carries_errno(sh_action_kind a)
{
	return a == SH_ACT_ERRNO || a == SH_ACT_TRACE;
}

static uint32_t default_errno(const sh_profile *p)
{
	return p->has_default_errno ? p->default_errno_ret : 1;
}

static bool lets_through(sh_action_kind a)
{
	return a == SH_ACT_ALLOW || a == SH_ACT_LOG;
}

static bool is_default(const sh_profile *p, const sh_rule *r)
{
	return r->action == p->default_action && (!carries_errno(r->action) || sh_rule_errno(r) == default_errno(p));
}

/* "SCMP_ACT_ERRNO(38)", "SCMP_ACT_ALLOW". */
static const char *action_text(sh_action_kind a, uint32_t e, char *buf, size_t len)
{
	if (carries_errno(a))
		snprintf(buf, len, "%s(%u)", sh_action_name(a), e);
	else
		snprintf(buf, len, "%s", sh_action_name(a));
	return buf;
}

/* ---- what the inputs must agree on ------------------------------------------------------------ */

static bool same_default(const sh_profile *a, const sh_profile *b)
{
	return a->default_action == b->default_action &&
	       (!carries_errno(a->default_action) || default_errno(a) == default_errno(b));
}

static void print_default(FILE *f, const sh_profile *p)
{
	char buf[48];
	fputs(action_text(p->default_action, default_errno(p), buf, sizeof buf), f);
}

static bool same_flags(const sh_profile *a, const sh_profile *b)
{
	return a->has_flags == b->has_flags && a->flags == b->flags;
}

static void print_flags(FILE *f, const sh_profile *p)
{
	if (!p->has_flags) {
		fputs("absent", f);
		return;
	}
	fputc('[', f);
	for (uint32_t bit = 1, n = 0; bit; bit <<= 1)
		if ((p->flags & bit) && sh_flag_name(bit))
			fprintf(f, "%s%s", n++ ? "," : "", sh_flag_name(bit));
	fputc(']', f);
}

static bool same_string(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_listener_path(const sh_profile *a, const sh_profile *b)
{
	return same_string(a->listener_path, b->listener_path);
}

static bool same_listener_metadata(const sh_profile *a, const sh_profile *b)
{
	return same_string(a->listener_metadata, b->listener_metadata);
}

static void print_quoted(FILE *f, const char *s)
{
	if (s)
		fprintf(f, "'%s'", s);
	else
		fputs("absent", f);
}

static void print_listener_path(FILE *f, const sh_profile *p)
{
	print_quoted(f, p->listener_path);
}

static void print_listener_metadata(FILE *f, const sh_profile *p)
{
	print_quoted(f, p->listener_metadata);
}

static const struct agreement {
	const char *key;
	bool (*same)(const sh_profile *a, const sh_profile *b);
	void (*print)(FILE *f, const sh_profile *p);
} agreements[] = {
	{ "defaultAction", same_default, print_default },
	{ "flags", same_flags, print_flags },
	{ "listenerPath", same_listener_path, print_listener_path },
	{ "listenerMetadata", same_listener_metadata, print_listener_metadata },
};

/* "a.json SCMP_ACT_ERRNO(1), b.json SCMP_ACT_ALLOW": every input's value. */
static char *values_of(const merge *m, const struct agreement *a)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return sh_xstrdup("?");
	for (size_t i = 0; i < m->nin; i++) {
		fprintf(f, "%s%s ", i ? ", " : "", m->in[i]->file);
		a->print(f, m->in[i]);
	}
	fclose(f);
	return buf;
}

static int check_agreement(const merge *m, sh_error **err)
{
	for (size_t k = 0; k < SH_ARRAY_SIZE(agreements); k++) {
		const struct agreement *a = &agreements[k];
		size_t i = 1;
		while (i < m->nin && a->same(m->in[0], m->in[i]))
			i++;
		if (i == m->nin)
			continue;
		const sh_profile *p = m->in[i];
		bool at_default = k == 0; /* the one key whose location the model keeps */
		cleanup_free char *values = values_of(m, a);
		return sh_error_at(err, SH_EXIT_INVALID, p->file, at_default ? p->default_loc.line : 0,
				   at_default ? p->default_loc.col : 0,
				   "the inputs disagree on %s (%s): merge does not choose one; make them agree", a->key,
				   values);
	}
	return 0;
}

/* ---- architectures ------------------------------------------------------------------------------ */

static void add_arch(uint32_t *v, size_t *n, uint32_t a)
{
	for (size_t i = 0; i < *n; i++)
		if (v[i] == a)
			return;
	if (*n < SH_MAX_ARCHES)
		v[(*n)++] = a;
}

/* The archMap entry for arch, added when new (NULL only past SH_MAX_ARCHES distinct arches, which
 * libseccomp does not have). */
static arch_entry *map_entry(merge *m, uint32_t arch)
{
	for (size_t i = 0; i < m->nmap; i++)
		if (m->map[i].arch == arch)
			return &m->map[i];
	if (m->nmap == SH_MAX_ARCHES)
		return NULL;
	m->map[m->nmap] = (arch_entry){ .arch = arch };
	return &m->map[m->nmap++];
}

static void unite_arches(merge *m, const sh_profile *p)
{
	for (size_t i = 0; i < p->narchmap; i++) {
		arch_entry *e = map_entry(m, p->archmap[i].arch);
		for (size_t k = 0; e && k < p->archmap[i].nsubs; k++)
			add_arch(e->subs, &e->nsubs, p->archmap[i].subs[k]);
	}
	for (size_t i = 0; i < p->narches; i++)
		add_arch(m->arches, &m->narches, p->arches[i]);
}

/* With archMap in any input, an "architectures" list [A, B] becomes entries A {B} and B {A}: on a
 * host whose native arch is listed, the filter still covers the whole list, as it did. */
static void architectures_into_map(merge *m)
{
	for (size_t i = 0; i < m->narches; i++) {
		arch_entry *e = map_entry(m, m->arches[i]);
		for (size_t k = 0; e && k < m->narches; k++)
			if (k != i)
				add_arch(e->subs, &e->nsubs, m->arches[k]);
	}
	m->narches = 0;
}

/* ---- rules ---------------------------------------------------------------------------------------- */

static bool same_strv(char **a, size_t na, char **b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

static bool same_cond(const sh_cond *a, const sh_cond *b)
{
	return same_strv(a->caps, a->ncaps, b->caps, b->ncaps) && same_strv(a->arches, a->narches, b->arches, b->narches) &&
	       a->has_min_kernel == b->has_min_kernel &&
	       (!a->has_min_kernel || (a->kmajor == b->kmajor && a->kminor == b->kminor));
}

static bool same_args(const sh_rule *a, const sh_rule *b)
{
	if (a->nargs != b->nargs)
		return false;
	for (size_t i = 0; i < a->nargs; i++) {
		const sh_arg *x = &a->args[i], *y = &b->args[i];
		if (x->index != y->index || x->op != y->op || x->value != y->value || x->value_two != y->value_two)
			return false;
	}
	return true;
}

/* The same rule in effect (its comment aside): kept once. */
static bool same_rule(const sh_rule *a, const sh_rule *b)
{
	return same_strv(a->names, a->nnames, b->names, b->nnames) && a->action == b->action &&
	       (!carries_errno(a->action) || sh_rule_errno(a) == sh_rule_errno(b)) && a->has_errno_ret == b->has_errno_ret &&
	       same_args(a, b) && same_cond(&a->includes, &b->includes) && same_cond(&a->excludes, &b->excludes);
}

static void add_allowed(merge *m, const char *name, const char *file, sh_loc loc)
{
	sh_grow(&m->allow, &m->allow_cap, m->nallow, sizeof(*m->allow));
	m->allow[m->nallow] = (allowed){ .name = name, .file = file, .loc = loc, .seq = m->nallow };
	m->nallow++;
}

static void keep_rule(merge *m, const sh_rule *r, const char *file)
{
	for (size_t i = 0; i < m->nrules; i++)
		if (same_rule(m->rules[i].r, r))
			return;
	sh_grow(&m->rules, &m->rules_cap, m->nrules, sizeof(*m->rules));
	kept *k = &m->rules[m->nrules++];
	*k = (kept){ .r = r, .file = file, .names = sh_xcalloc(r->nnames, sizeof(char *)), .nnames = r->nnames };
	if (r->nnames)
		memcpy(k->names, r->names, r->nnames * sizeof(char *));
}

static void collect_rules(merge *m, const sh_profile *p)
{
	for (size_t i = 0; i < p->nrules; i++) {
		const sh_rule *r = &p->rules[i];
		if (!sh_rule_unconditional(r) || r->action != SH_ACT_ALLOW) {
			keep_rule(m, r, p->file);
			continue;
		}
		for (size_t k = 0; k < r->nnames; k++)
			add_allowed(m, r->names[k], p->file, r->name_locs[k]);
	}
}

static int allowed_order(const void *a, const void *b)
{
	const allowed *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/* Sort by name and keep each name's first origin. */
static void sort_allowed(merge *m)
{
	sh_sort(m->allow, m->nallow, sizeof(*m->allow), allowed_order);
	size_t n = 0;
	for (size_t i = 0; i < m->nallow; i++)
		if (n == 0 || strcmp(m->allow[n - 1].name, m->allow[i].name) != 0)
			m->allow[n++] = m->allow[i];
	m->nallow = n;
}

static allowed *find_allowed(const merge *m, const char *name)
{
	for (size_t i = 0; i < m->nallow; i++) /* unsorted while --allow appends: a plain scan */
		if (strcmp(m->allow[i].name, name) == 0)
			return &m->allow[i];
	return NULL;
}

static void apply_allow(merge *m, const sh_merge_opts *o)
{
	for (size_t i = 0; i < o->nallow; i++) {
		if (find_allowed(m, o->allow[i]))
			continue;
		add_allowed(m, o->allow[i], NULL, (sh_loc){ 0, 0 });
		m->st.added++;
	}
	sort_allowed(m);
}

/* Remove every occurrence of name from v; whether there was one. */
static bool remove_name(const char **v, size_t *n, const char *name)
{
	size_t w = 0;
	for (size_t i = 0; i < *n; i++)
		if (strcmp(v[i], name) != 0)
			v[w++] = v[i];
	bool removed = w != *n;
	*n = w;
	return removed;
}

static bool names_contain(const kept *k, const char *name)
{
	for (size_t i = 0; i < k->nnames; i++)
		if (strcmp(k->names[i], name) == 0)
			return true;
	return false;
}

/* Whether a kept rule that always applies already stops name. */
static bool stopped_unconditionally(const merge *m, const char *name)
{
	for (size_t i = 0; i < m->nrules; i++)
		if (sh_rule_unconditional(m->rules[i].r) && !lets_through(m->rules[i].r->action) && names_contain(&m->rules[i], name))
			return true;
	return false;
}

static void apply_deny_name(merge *m, const char *name)
{
	allowed *a = find_allowed(m, name);
	bool was = a != NULL;
	if (a) {
		memmove(a, a + 1, (size_t)(m->allow + m->nallow - (a + 1)) * sizeof(*a));
		m->nallow--;
	}
	for (size_t i = 0; i < m->nrules; i++)
		if (lets_through(m->rules[i].r->action))
			was |= remove_name(m->rules[i].names, &m->rules[i].nnames, name);
	m->st.removed += was;
	/* A denying default denies it now; an allowing one needs a rule that says so. */
	if (lets_through(m->in[0]->default_action) && !stopped_unconditionally(m, name)) {
		sh_grow(&m->deny_names, &m->deny_cap, m->ndeny_names, sizeof(*m->deny_names));
		m->deny_names[m->ndeny_names++] = name;
	}
}

static void apply_deny(merge *m, const sh_merge_opts *o)
{
	for (size_t i = 0; i < o->ndeny; i++)
		apply_deny_name(m, o->deny[i]);
	m->deny_rule = (sh_rule){ .action = SH_ACT_ERRNO, .has_errno_ret = true, .errno_ret = 1 };
}

/* A kept rule without argument conditions that gives name another action than ALLOW and the
 * default: wherever its includes/excludes select it, the filter would have to choose. */
static const kept *overruling_rule(const merge *m, const char *name)
{
	for (size_t i = 0; i < m->nrules; i++) {
		const kept *k = &m->rules[i];
		if (!k->r->nargs && k->r->action != SH_ACT_ALLOW && !is_default(m->in[0], k->r) && names_contain(k, name))
			return k;
	}
	return NULL;
}

static int conflict_error(const allowed *a, const kept *k, sh_error **err)
{
	char act[48];
	cleanup_free char *req = sh_rule_requires_text(k->r);
	cleanup_free char *by = a->file ? sh_xasprintf("%s:%u:%u", a->file, a->loc.line, a->loc.col)
					: sh_xstrdup("--allow");
	cleanup_free char *fix = a->file ? sh_xasprintf("--deny=%s keeps it denied", a->name)
					 : sh_xstrdup("drop it from --allow");
	bool cond = strcmp(req, "-") != 0;
	return sh_error_at(err, SH_EXIT_INVALID, k->file, k->r->loc.line, k->r->loc.col,
			   "syscalls[%zu]: '%s' is %s here%s%s%s but allowed unconditionally by %s: merge does not "
			   "choose (%s)", k->r->index, a->name,
			   action_text(k->r->action, sh_rule_errno(k->r), act, sizeof act), cond ? " (when " : "",
			   cond ? req : "", cond ? ")" : "", by, fix);
}

static int check_conflicts(const merge *m, sh_error **err)
{
	for (size_t i = 0; i < m->nallow; i++) {
		const kept *k = overruling_rule(m, m->allow[i].name);
		if (k)
			return conflict_error(&m->allow[i], k, err);
	}
	return 0;
}

/* ---- the result as JSON -------------------------------------------------------------------------- */

static sh_json *string_array(const char *const *v, size_t n)
{
	sh_json *a = sh_json_new(SH_JSON_ARRAY);
	for (size_t i = 0; i < n; i++)
		sh_json_append(a, sh_json_new_string(v[i]));
	return a;
}

static sh_json *arch_array(const uint32_t *v, size_t n)
{
	sh_json *a = sh_json_new(SH_JSON_ARRAY);
	for (size_t i = 0; i < n; i++)
		sh_json_append(a, sh_json_new_string(sh_arch_scmp_name(v[i])));
	return a;
}

static sh_json *archmap_json(const merge *m)
{
	sh_json *a = sh_json_new(SH_JSON_ARRAY);
	for (size_t i = 0; i < m->nmap; i++) {
		sh_json *e = sh_json_new(SH_JSON_OBJECT);
		sh_json_set(e, "architecture", sh_json_new_string(sh_arch_scmp_name(m->map[i].arch)));
		sh_json_set(e, "subArchitectures", arch_array(m->map[i].subs, m->map[i].nsubs));
		sh_json_append(a, e);
	}
	return a;
}

static void set_cond(sh_json *rule, const char *key, const sh_cond *c)
{
	if (!c->ncaps && !c->narches && !c->has_min_kernel)
		return;
	sh_json *o = sh_json_new(SH_JSON_OBJECT);
	if (c->ncaps)
		sh_json_set(o, "caps", string_array((const char *const *)c->caps, c->ncaps));
	if (c->narches)
		sh_json_set(o, "arches", string_array((const char *const *)c->arches, c->narches));
	if (c->has_min_kernel)
		sh_json_set(o, "minKernel", sh_json_new_string_owned(sh_xasprintf("%u.%u", c->kmajor, c->kminor)));
	sh_json_set(rule, key, o);
}

/* Docker's key order: names, action, errnoRet, args, comment, includes, excludes. */
static sh_json *rule_json(const sh_rule *r, const char *const *names, size_t n)
{
	sh_json *o = sh_json_new(SH_JSON_OBJECT);
	sh_json_set(o, "names", string_array(names, n));
	sh_json_set(o, "action", sh_json_new_string(sh_action_name(r->action)));
	if (r->has_errno_ret)
		sh_json_set(o, "errnoRet", sh_json_new_u64(r->errno_ret));
	if (r->nargs)
		sh_json_set(o, "args", sh_oci_args_array(r));
	if (r->comment)
		sh_json_set(o, "comment", sh_json_new_string(r->comment));
	set_cond(o, "includes", &r->includes);
	set_cond(o, "excludes", &r->excludes);
	return o;
}

/* The merged ALLOW rule first, then the kept rules in input order, then --deny's. */
static sh_json *rules_json(merge *m)
{
	static const sh_rule allow_rule = { .action = SH_ACT_ALLOW };
	sh_json *a = sh_json_new(SH_JSON_ARRAY);
	if (m->nallow) {
		const char **names = sh_xcalloc(m->nallow, sizeof(*names));
		for (size_t i = 0; i < m->nallow; i++)
			names[i] = m->allow[i].name;
		sh_json_append(a, rule_json(&allow_rule, names, m->nallow));
		free(names);
	}
	for (size_t i = 0; i < m->nrules; i++)
		if (m->rules[i].nnames) {
			sh_json_append(a, rule_json(m->rules[i].r, m->rules[i].names, m->rules[i].nnames));
			m->st.other_rules++;
		}
	if (m->ndeny_names) {
		sh_json_append(a, rule_json(&m->deny_rule, m->deny_names, m->ndeny_names));
		m->st.other_rules++;
	}
	return a;
}

static sh_json *profile_json(merge *m)
{
	const sh_profile *p0 = m->in[0];
	sh_json *o = sh_json_new(SH_JSON_OBJECT);
	bool errno_given = false;
	for (size_t i = 0; i < m->nin; i++)
		errno_given |= m->in[i]->has_default_errno;
	sh_json_set(o, "defaultAction", sh_json_new_string(sh_action_name(p0->default_action)));
	if (errno_given)
		sh_json_set(o, "defaultErrnoRet", sh_json_new_u64(default_errno(p0)));
	if (m->nmap)
		sh_json_set(o, "archMap", archmap_json(m));
	else if (m->narches)
		sh_json_set(o, "architectures", arch_array(m->arches, m->narches));
	if (p0->has_flags)
		sh_json_set(o, "flags", sh_oci_flags(p0->flags));
	if (p0->listener_path)
		sh_json_set(o, "listenerPath", sh_json_new_string(p0->listener_path));
	if (p0->listener_metadata)
		sh_json_set(o, "listenerMetadata", sh_json_new_string(p0->listener_metadata));
	sh_json_set(o, "syscalls", rules_json(m));
	return o;
}

/* ---- entry points ---------------------------------------------------------------------------------- */

static int check_name(const char *opt, const char *name, sh_error **err)
{
	if (sh_syscall_name_known(name) || sh_syscall_origin(name))
		return 0;
	const char *near = sh_suggest_syscall(name);
	return sh_error_set(err, SH_EXIT_SYSTEM, "%s: unknown syscall '%s'%s%s%s", opt, name,
			    near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
}

int sh_merge_check_opts(const sh_merge_opts *o, sh_error **err)
{
	for (size_t i = 0; i < o->nallow; i++)
		if (check_name("--allow", o->allow[i], err) < 0)
			return -1;
	for (size_t i = 0; i < o->ndeny; i++) {
		if (check_name("--deny", o->deny[i], err) < 0)
			return -1;
		for (size_t k = 0; k < o->nallow; k++)
			if (strcmp(o->deny[i], o->allow[k]) == 0)
				return sh_error_set(err, SH_EXIT_SYSTEM, "'%s' is in both --allow and --deny", o->deny[i]);
	}
	return 0;
}

static void merge_free(merge *m)
{
	for (size_t i = 0; i < m->nrules; i++)
		free(m->rules[i].names);
	free(m->rules);
	free(m->allow);
	free(m->deny_names);
}

static int run_merge(merge *m, const sh_merge_opts *o, sh_json **out, sh_error **err)
{
	if (check_agreement(m, err) < 0)
		return -1;
	for (size_t i = 0; i < m->nin; i++) {
		unite_arches(m, m->in[i]);
		collect_rules(m, m->in[i]);
	}
	if (m->nmap)
		architectures_into_map(m);
	sort_allowed(m);
	apply_allow(m, o);
	apply_deny(m, o);
	if (check_conflicts(m, err) < 0)
		return -1;
	m->st.inputs = m->nin;
	m->st.allowed = m->nallow;
	*out = profile_json(m);
	return 0;
}

int sh_merge_profiles(const sh_profile *const *in, size_t n, const sh_merge_opts *o, sh_json **out,
		      sh_merge_stats *st, sh_error **err)
{
	static const sh_merge_opts none = { 0 };
	if (n == 0)
		return sh_error_set(err, SH_EXIT_SYSTEM, "merge: no input profiles");
	merge m = { .in = in, .nin = n };
	int r = run_merge(&m, o ? o : &none, out, err);
	if (r == 0 && st)
		*st = m.st;
	merge_free(&m);
	return r;
}

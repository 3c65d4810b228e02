/* JSON tree -> profile model. Table-driven: each object kind has a table of known keys and the
 * function that reads each; unknown keys are warnings, wrong types and values are errors that
 * name the JSON path (syscalls[3].args[1].op) and the value's line:column. */
#include "config.h"
#include "profile.h"
#include "names.h"
#include "suggest.h"
#include "util.h"

#include <stdarg.h>
#include <string.h>

typedef struct pctx {
	const char *file;
	sh_diag *diag;
	sh_error **err;
	size_t total_names;
	sh_error *pending; /* the latest error kept while reading on (keep_going) */
} pctx;

static sh_loc loc_of(const sh_json *j)
{
	return (sh_loc){ j->line, j->col };
}

static int bad(pctx *c, const sh_json *at, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int bad(pctx *c, const sh_json *at, const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cleanup_free char *m = sh_xvasprintf(fmt, ap);
	va_end(ap);
	return sh_error_at(c->err, SH_EXIT_INVALID, c->file, at ? at->line : 0, at ? at->col : 0, "%s: %s", path, m);
}

/* " (did you mean 'X'?)" when a known name is near, else "". */
static const char *did_you_mean(char *buf, size_t len, const char *near)
{
	if (!near)
		return "";
	snprintf(buf, len, " (did you mean '%s'?)", near);
	return buf;
}

/* The warning for a key or name no table knows, with the nearest known one when there is one. */
static void warn_unknown(pctx *c, sh_loc at, const char *code, const char *path, const char *what, const char *name,
			 const char *near)
{
	char hint[96];
	if (c->diag)
		sh_diag_add(c->diag, SH_SEV_WARNING, c->file, at.line, at.col, code, "%s: unknown %s '%s'%s", path, what,
			    name, did_you_mean(hint, sizeof hint, near));
}

/* With findings to report into (check, compile), an error in one rule or top-level key does not
 * end the reading: it becomes a finding and the next part is read, so every error in a file is
 * reported at once. The latest stays pending and is handed back as the load's error (reported by
 * the caller), so each is reported once and the load still fails. 0 to go on, -1 to stop. */
static int keep_going(pctx *c)
{
	if (!c->diag || !*c->err)
		return -1;
	if (c->pending)
		sh_diag_add_error(c->diag, c->pending, "invalid");
	sh_error_free(c->pending);
	c->pending = *c->err;
	*c->err = NULL;
	return 0;
}

static int want_type(pctx *c, const sh_json *v, sh_json_type t, const char *path)
{
	if (v->type == t)
		return 0;
	return bad(c, v, path, "expected %s, got %s", sh_json_type_name(t), sh_json_type_name(v->type));
}

/* Integer in [0, max], from the number's text (exact up to 2^64-1). */
static int read_uint(pctx *c, const sh_json *v, const char *path, uint64_t max, uint64_t *out)
{
	if (want_type(c, v, SH_JSON_NUMBER, path) < 0)
		return -1;
	const char *s = v->u.num;
	if (s[0] == '-')
		return bad(c, v, path, "value %s is negative", s);
	if (strpbrk(s, ".eE"))
		return bad(c, v, path, "value %s is not an integer", s);
	uint64_t n;
	if (!sh_parse_u64(s, strlen(s), &n))
		return bad(c, v, path, "value %s does not fit in 64 bits", s);
	if (n > max)
		return bad(c, v, path, "value %s is out of range 0..%ju", s, (uintmax_t)max);
	*out = n;
	return 0;
}

static int read_errno(pctx *c, const sh_json *v, const char *path, uint32_t *out)
{
	uint64_t n;
	if (read_uint(c, v, path, SH_ERRNO_MAX, &n) < 0)
		return -1;
	*out = (uint32_t)n;
	return 0;
}

static int read_errno_name(pctx *c, const sh_json *v, const char *path, uint32_t *out)
{
	if (want_type(c, v, SH_JSON_STRING, path) < 0)
		return -1;
	int e = sh_errno_from_name(v->u.str.s);
	if (e < 0) {
		char hint[96];
		return bad(c, v, path, "unknown errno name '%s'%s", v->u.str.s,
			   did_you_mean(hint, sizeof hint, sh_suggest_errno(v->u.str.s)));
	}
	*out = (uint32_t)e;
	return 0;
}

static int read_action(pctx *c, const sh_json *v, const char *path, sh_action_kind *out)
{
	if (want_type(c, v, SH_JSON_STRING, path) < 0)
		return -1;
	if (sh_action_from_name(v->u.str.s, out) < 0) {
		char hint[96];
		return bad(c, v, path, "unknown action '%s'%s", v->u.str.s,
			   did_you_mean(hint, sizeof hint, sh_suggest_action(v->u.str.s)));
	}
	return 0;
}

static int read_arch(pctx *c, const sh_json *v, const char *path, uint32_t *out)
{
	if (want_type(c, v, SH_JSON_STRING, path) < 0)
		return -1;
	*out = sh_arch_from_name(v->u.str.s);
	if (!*out) {
		char hint[96];
		return bad(c, v, path, "unknown architecture '%s'%s", v->u.str.s,
			   did_you_mean(hint, sizeof hint, sh_suggest_arch(v->u.str.s)));
	}
	return 0;
}

/* An array of strings (null = empty). Each element checked by `each` if given. */
static int read_strings(pctx *c, const sh_json *v, const char *path, char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (sh_json_is_null(v))
		return 0;
	if (want_type(c, v, SH_JSON_ARRAY, path) < 0)
		return -1;
	char **r = sh_xcalloc(v->u.arr.n + 1, sizeof(char *));
	for (size_t i = 0; i < v->u.arr.n; i++) {
		const sh_json *e = v->u.arr.v[i];
		if (e->type != SH_JSON_STRING) {
			cleanup_free char *p = sh_xasprintf("%s[%zu]", path, i);
			sh_strv_free(r);
			return want_type(c, e, SH_JSON_STRING, p);
		}
		r[i] = sh_xstrdup(e->u.str.s);
	}
	*out = r;
	*n = v->u.arr.n;
	return 0;
}

/* ---- table-driven object reading -------------------------------------------------------------- */

typedef int (*field_fn)(pctx *c, const sh_json *v, const char *path, void *target);

typedef struct field {
	const char *key;
	field_fn fn;
} field;

/* The known key nearest to a misspelt one (defaultErrnoRett: defaultErrnoRet). */
static const char *nearest_key(const char *key, const field *fields, size_t nfields)
{
	const char *keys[32];
	size_t n = 0;
	for (size_t i = 0; i < nfields && n < SH_ARRAY_SIZE(keys); i++)
		keys[n++] = fields[i].key;
	return sh_nearest_of(key, keys, n);
}

static int read_object(pctx *c, const sh_json *obj, const char *path, const field *fields, size_t nfields,
		       void *target)
{
	if (want_type(c, obj, SH_JSON_OBJECT, path) < 0)
		return -1;
	for (size_t i = 0; i < obj->u.obj.n; i++) {
		const sh_json_member *m = &obj->u.obj.m[i];
		cleanup_free char *p = path[0] ? sh_xasprintf("%s.%s", path, m->key) : sh_xstrdup(m->key);
		const field *f = NULL;
		for (size_t k = 0; k < nfields && !f; k++)
			if (strcmp(fields[k].key, m->key) == 0)
				f = &fields[k];
		if (!f) {
			warn_unknown(c, (sh_loc){ m->line, m->col }, "unknown-key", path[0] ? path : "profile", "key", m->key,
				     nearest_key(m->key, fields, nfields));
			continue;
		}
		bool top = !path[0] || strcmp(path, "linux.seccomp") == 0;
		if (f->fn && f->fn(c, m->value, p, target) < 0 && (!top || keep_going(c) < 0))
			return -1;
	}
	return 0;
}

/* ---- arguments ---------------------------------------------------------------------------------- */

typedef struct arg_seen {
	sh_arg *a;
	bool index, op;
} arg_seen;

static int f_arg_index(pctx *c, const sh_json *v, const char *path, void *t)
{
	arg_seen *s = t;
	uint64_t n;
	if (want_type(c, v, SH_JSON_NUMBER, path) < 0)
		return -1;
	if (read_uint(c, v, path, UINT64_MAX, &n) < 0 || n > 5)
		return c->err && *c->err ? -1 : bad(c, v, path, "argument index %s is out of range 0..5", v->u.num);
	s->a->index = (unsigned)n;
	s->index = true;
	return 0;
}

static int f_arg_value(pctx *c, const sh_json *v, const char *path, void *t)
{
	return read_uint(c, v, path, UINT64_MAX, &((arg_seen *)t)->a->value);
}

static int f_arg_value_two(pctx *c, const sh_json *v, const char *path, void *t)
{
	return read_uint(c, v, path, UINT64_MAX, &((arg_seen *)t)->a->value_two);
}

static int f_arg_op(pctx *c, const sh_json *v, const char *path, void *t)
{
	arg_seen *s = t;
	if (want_type(c, v, SH_JSON_STRING, path) < 0)
		return -1;
	if (sh_op_from_name(v->u.str.s, &s->a->op) < 0) {
		char hint[96];
		return bad(c, v, path, "unknown operator '%s'%s", v->u.str.s,
			   did_you_mean(hint, sizeof hint, sh_suggest_op(v->u.str.s)));
	}
	s->op = true;
	return 0;
}

static const field arg_fields[] = {
	{ "index", f_arg_index },
	{ "value", f_arg_value },
	{ "valueTwo", f_arg_value_two },
	{ "op", f_arg_op },
};

static int read_args(pctx *c, const sh_json *v, const char *path, sh_rule *r)
{
	if (sh_json_is_null(v))
		return 0;
	if (want_type(c, v, SH_JSON_ARRAY, path) < 0)
		return -1;
	if (v->u.arr.n > SH_MAX_CONDS)
		return bad(c, v, path, "%zu conditions, more than the limit of %d", v->u.arr.n, SH_MAX_CONDS);
	r->args = sh_xcalloc(v->u.arr.n, sizeof(sh_arg));
	for (size_t i = 0; i < v->u.arr.n; i++) {
		const sh_json *e = v->u.arr.v[i];
		cleanup_free char *p = sh_xasprintf("%s[%zu]", path, i);
		arg_seen s = { .a = &r->args[i] };
		s.a->loc = loc_of(e);
		r->nargs = i + 1;
		if (read_object(c, e, p, arg_fields, SH_ARRAY_SIZE(arg_fields), &s) < 0)
			return -1;
		if (!s.index)
			return bad(c, e, p, "missing required key 'index'");
		if (!s.op)
			return bad(c, e, p, "missing required key 'op'");
	}
	return 0;
}

/* ---- includes / excludes ------------------------------------------------------------------------ */

static int f_cond_caps(pctx *c, const sh_json *v, const char *path, void *t)
{
	sh_cond *cd = t;
	if (read_strings(c, v, path, &cd->caps, &cd->ncaps) < 0)
		return -1;
	for (size_t i = 0; i < cd->ncaps; i++)
		if (sh_cap_from_oci_name(cd->caps[i]) < 0) {
			cleanup_free char *p = sh_xasprintf("%s[%zu]", path, i);
			warn_unknown(c, loc_of(v->u.arr.v[i]), "unknown-capability", p, "capability", cd->caps[i],
				     sh_suggest_cap(cd->caps[i]));
		}
	return 0;
}

static int f_cond_arches(pctx *c, const sh_json *v, const char *path, void *t)
{
	sh_cond *cd = t;
	if (read_strings(c, v, path, &cd->arches, &cd->narches) < 0)
		return -1;
	/* Docker compares these names with its own architecture as strings, so a name it does not know
	 * (its 20.10 profile has "mips3l64n32") never matches and is no error: warn, as for caps. */
	for (size_t i = 0; i < cd->narches; i++)
		if (!sh_arch_name_known(cd->arches[i])) {
			cleanup_free char *p = sh_xasprintf("%s[%zu]", path, i);
			warn_unknown(c, loc_of(v->u.arr.v[i]), "unknown-architecture", p, "architecture", cd->arches[i],
				     sh_suggest_arch(cd->arches[i]));
		}
	return 0;
}

/* One component of a kernel version: decimal digits only, at most VERSION_PART_MAX (checked digit by
 * digit, so "4294967296" is refused rather than wrapped to 0); *p moves past it. */
#define VERSION_PART_MAX 65535u
static bool version_part(const char **p, unsigned *out)
{
	unsigned v = 0;
	const char *s = *p;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (unsigned)(*s - '0');
		if (v > VERSION_PART_MAX)
			return false;
	}
	if (s == *p)
		return false;
	*out = v;
	*p = s;
	return true;
}

static int f_cond_min_kernel(pctx *c, const sh_json *v, const char *path, void *t)
{
	sh_cond *cd = t;
	if (sh_json_is_null(v))
		return 0;
	if (want_type(c, v, SH_JSON_STRING, path) < 0)
		return -1;
	const char *s = v->u.str.s, *p = s;
	unsigned maj, min;
	if (!version_part(&p, &maj) || *p++ != '.' || !version_part(&p, &min) || *p)
		return bad(c, v, path, "invalid kernel version '%.40s' (expected MAJOR.MINOR, each 0 to %u)", s,
			   VERSION_PART_MAX);
	cd->has_min_kernel = true;
	cd->kmajor = maj;
	cd->kminor = min;
	return 0;
}

static const field cond_fields[] = {
	{ "caps", f_cond_caps },
	{ "arches", f_cond_arches },
	{ "minKernel", f_cond_min_kernel },
};

static int read_cond(pctx *c, const sh_json *v, const char *path, sh_cond *cd)
{
	if (sh_json_is_null(v))
		return 0;
	cd->loc = loc_of(v);
	return read_object(c, v, path, cond_fields, SH_ARRAY_SIZE(cond_fields), cd);
}

/* ---- one syscall rule ----------------------------------------------------------------------------- */

/* The action triple rules and the profile's default share: action, errnoRet, and podman's errno
 * name. rule_seen and top_seen both start with it, so one set of field readers serves both tables. */
typedef struct action_seen {
	sh_action_kind *action;
	uint32_t *errno_ret;
	sh_loc *loc;
	const sh_json *node, *num, *name;
} action_seen;

static int f_action(pctx *c, const sh_json *v, const char *path, void *t)
{
	action_seen *a = t;
	a->node = v;
	*a->loc = loc_of(v);
	return read_action(c, v, path, a->action);
}

static int f_errno_ret(pctx *c, const sh_json *v, const char *path, void *t)
{
	action_seen *a = t;
	if (sh_json_is_null(v))
		return 0;
	a->num = v;
	return read_errno(c, v, path, a->errno_ret);
}

static int f_errno_name(pctx *c, const sh_json *v, const char *path, void *t)
{
	uint32_t e;
	if (sh_json_is_null(v))
		return 0;
	if (read_errno_name(c, v, path, &e) < 0)
		return -1;
	((action_seen *)t)->name = v;
	return 0;
}

typedef struct rule_seen {
	action_seen a; /* first: see action_seen */
	sh_rule *r;
	const sh_json *name, *names;
} rule_seen;

static int f_rule_name(pctx *c, const sh_json *v, const char *path, void *t)
{
	if (!sh_json_is_null(v) && want_type(c, v, SH_JSON_STRING, path) < 0)
		return -1;
	((rule_seen *)t)->name = v;
	return 0;
}

static int f_rule_names(pctx *c, const sh_json *v, const char *path, void *t)
{
	if (!sh_json_is_null(v) && want_type(c, v, SH_JSON_ARRAY, path) < 0)
		return -1;
	((rule_seen *)t)->names = v;
	return 0;
}

static int f_rule_args(pctx *c, const sh_json *v, const char *path, void *t)
{
	return read_args(c, v, path, ((rule_seen *)t)->r);
}

static int f_rule_comment(pctx *c, const sh_json *v, const char *path, void *t)
{
	if (sh_json_is_null(v))
		return 0;
	if (want_type(c, v, SH_JSON_STRING, path) < 0)
		return -1;
	((rule_seen *)t)->r->comment = sh_xstrdup(v->u.str.s);
	return 0;
}

static int f_rule_includes(pctx *c, const sh_json *v, const char *path, void *t)
{
	return read_cond(c, v, path, &((rule_seen *)t)->r->includes);
}

static int f_rule_excludes(pctx *c, const sh_json *v, const char *path, void *t)
{
	return read_cond(c, v, path, &((rule_seen *)t)->r->excludes);
}

static const field rule_fields[] = {
	{ "name", f_rule_name },
	{ "names", f_rule_names },
	{ "action", f_action },
	{ "errnoRet", f_errno_ret },
	{ "errno", f_errno_name },
	{ "args", f_rule_args },
	{ "comment", f_rule_comment },
	{ "includes", f_rule_includes },
	{ "excludes", f_rule_excludes },
};

static void add_name(sh_rule *r, const sh_json *n)
{
	r->names[r->nnames] = sh_xstrdup(n->u.str.s);
	r->name_locs[r->nnames] = loc_of(n);
	r->nnames++;
}

/* `name` (legacy) or `names`, not both (moby: "use either 'name' or 'names'"). */
static int rule_names(pctx *c, rule_seen *s, const sh_json *obj, const char *path)
{
	sh_rule *r = s->r;
	bool has_name = s->name && s->name->type == SH_JSON_STRING && s->name->u.str.len;
	bool has_names = s->names && s->names->type == SH_JSON_ARRAY && s->names->u.arr.n;
	if (has_name && has_names)
		return bad(c, s->name, path, "use either 'name' or 'names', not both");
	if (!has_name && !has_names)
		return bad(c, obj, path, "rule names no syscall (missing 'names')");
	size_t n = has_name ? 1 : s->names->u.arr.n;
	c->total_names += n;
	if (c->total_names > SH_MAX_NAMES)
		return bad(c, obj, path, "more than %d syscall names in the profile", SH_MAX_NAMES);
	r->names = sh_xcalloc(n + 1, sizeof(char *));
	r->name_locs = sh_xcalloc(n, sizeof(sh_loc));
	if (has_name) {
		add_name(r, s->name);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		const sh_json *e = s->names->u.arr.v[i];
		cleanup_free char *p = sh_xasprintf("%s.names[%zu]", path, i);
		if (want_type(c, e, SH_JSON_STRING, p) < 0)
			return -1;
		char hint[96];
		if (e->u.str.len == 0 || e->u.str.len > 64 || strspn(e->u.str.s, "abcdefghijklmnopqrstuvwxyz0123456789_") != e->u.str.len)
			return bad(c, e, p, "invalid syscall name '%.64s'%s", e->u.str.s,
				   did_you_mean(hint, sizeof hint, sh_suggest_syscall(e->u.str.s)));
		add_name(r, e);
	}
	return 0;
}

/* errnoRet (a number) and errno (podman's name) only with ERRNO and TRACE; both given must agree.
 * Shared by rules and the profile's default. */
static int settle_errno(pctx *c, const char *path, sh_action_kind action, const sh_json *num, const char *numkey,
			const sh_json *name, const char *namekey, uint32_t *value, bool *has)
{
	if (name) {
		uint32_t byname = (uint32_t)sh_errno_from_name(name->u.str.s);
		if (num && byname != *value)
			return bad(c, name, path, "%s '%s' (%u) disagrees with %s %u", namekey, name->u.str.s, byname,
				   numkey, *value);
		*value = byname;
	}
	*has = num || name;
	if (*has && action != SH_ACT_ERRNO && action != SH_ACT_TRACE)
		return bad(c, num ? num : name, path, "%s is only valid with SCMP_ACT_ERRNO and SCMP_ACT_TRACE, not %s",
			   num ? numkey : namekey, sh_action_name(action));
	return 0;
}

static int read_rule(pctx *c, const sh_json *v, const char *path, sh_rule *r)
{
	rule_seen s = { .a = { .action = &r->action, .errno_ret = &r->errno_ret, .loc = &r->action_loc }, .r = r };
	r->loc = loc_of(v);
	if (read_object(c, v, path, rule_fields, SH_ARRAY_SIZE(rule_fields), &s) < 0)
		return -1;
	if (!s.a.node)
		return bad(c, v, path, "missing required key 'action'");
	if (rule_names(c, &s, v, path) < 0 ||
	    settle_errno(c, path, r->action, s.a.num, "errnoRet", s.a.name, "errno", &r->errno_ret,
			 &r->has_errno_ret) < 0)
		return -1;
	if (r->action == SH_ACT_NOTIFY)
		for (size_t i = 0; i < r->nnames; i++)
			if (strcmp(r->names[i], "write") == 0)
				return bad(c, s.a.node, path, "SCMP_ACT_NOTIFY cannot be used for 'write' "
					   "(the listener could never report back)");
	return 0;
}

/* ---- top level ------------------------------------------------------------------------------------ */

typedef struct top_seen {
	action_seen a; /* first: see action_seen */
	sh_profile *p;
	const sh_json *architectures, *archmap, *syscalls;
} top_seen;

/* An array of architecture names (null = empty) into *out / *n. */
static int read_arch_array(pctx *c, const sh_json *v, const char *path, uint32_t **out, size_t *n)
{
	if (sh_json_is_null(v))
		return 0;
	if (want_type(c, v, SH_JSON_ARRAY, path) < 0)
		return -1;
	if (v->u.arr.n > SH_MAX_ARCHES)
		return bad(c, v, path, "more than %d architectures", SH_MAX_ARCHES);
	*out = sh_xcalloc(v->u.arr.n, sizeof(uint32_t));
	for (size_t i = 0; i < v->u.arr.n; i++) {
		cleanup_free char *pp = sh_xasprintf("%s[%zu]", path, i);
		if (read_arch(c, v->u.arr.v[i], pp, &(*out)[i]) < 0)
			return -1;
		*n = i + 1;
	}
	return 0;
}

static int f_architectures(pctx *c, const sh_json *v, const char *path, void *t)
{
	top_seen *s = t;
	/* Present, even empty: beside archMap (even empty) it is an error, as the format says. */
	if (!sh_json_is_null(v) && v->type == SH_JSON_ARRAY)
		s->architectures = v;
	return read_arch_array(c, v, path, &s->p->arches, &s->p->narches);
}

static int f_am_arch(pctx *c, const sh_json *v, const char *path, void *t)
{
	return read_arch(c, v, path, &((sh_archmap_entry *)t)->arch);
}

static int f_am_subs(pctx *c, const sh_json *v, const char *path, void *t)
{
	sh_archmap_entry *e = t;
	return read_arch_array(c, v, path, &e->subs, &e->nsubs);
}

static const field archmap_fields[] = {
	{ "architecture", f_am_arch },
	{ "subArchitectures", f_am_subs },
};

static int f_archmap(pctx *c, const sh_json *v, const char *path, void *t)
{
	top_seen *s = t;
	sh_profile *p = s->p;
	if (sh_json_is_null(v))
		return 0;
	if (want_type(c, v, SH_JSON_ARRAY, path) < 0)
		return -1;
	if (v->u.arr.n > SH_MAX_ARCHES)
		return bad(c, v, path, "more than %d archMap entries", SH_MAX_ARCHES);
	s->archmap = v;
	p->archmap = sh_xcalloc(v->u.arr.n, sizeof(sh_archmap_entry));
	for (size_t i = 0; i < v->u.arr.n; i++) {
		const sh_json *e = v->u.arr.v[i];
		cleanup_free char *pp = sh_xasprintf("%s[%zu]", path, i);
		sh_archmap_entry *am = &p->archmap[i];
		am->loc = loc_of(e);
		p->narchmap = i + 1;
		if (read_object(c, e, pp, archmap_fields, SH_ARRAY_SIZE(archmap_fields), am) < 0)
			return -1;
		if (!am->arch)
			return bad(c, e, pp, "missing required key 'architecture'");
	}
	return 0;
}

static int f_flags(pctx *c, const sh_json *v, const char *path, void *t)
{
	sh_profile *p = ((top_seen *)t)->p;
	if (sh_json_is_null(v))
		return 0;
	if (want_type(c, v, SH_JSON_ARRAY, path) < 0)
		return -1;
	p->has_flags = true;
	for (size_t i = 0; i < v->u.arr.n; i++) {
		const sh_json *e = v->u.arr.v[i];
		cleanup_free char *pp = sh_xasprintf("%s[%zu]", path, i);
		uint32_t bit;
		if (want_type(c, e, SH_JSON_STRING, pp) < 0)
			return -1;
		if (sh_flag_from_name(e->u.str.s, &bit) < 0)
			return bad(c, e, pp, "unknown flag '%s'", e->u.str.s);
		p->flags |= bit;
	}
	return 0;
}

static int read_opt_string(pctx *c, const sh_json *v, const char *path, char **out)
{
	if (sh_json_is_null(v))
		return 0;
	if (want_type(c, v, SH_JSON_STRING, path) < 0)
		return -1;
	free(*out);
	*out = sh_xstrdup(v->u.str.s);
	return 0;
}

static int f_listener_path(pctx *c, const sh_json *v, const char *path, void *t)
{
	return read_opt_string(c, v, path, &((top_seen *)t)->p->listener_path);
}

static int f_listener_metadata(pctx *c, const sh_json *v, const char *path, void *t)
{
	return read_opt_string(c, v, path, &((top_seen *)t)->p->listener_metadata);
}

static int f_syscalls(pctx *c, const sh_json *v, const char *path, void *t)
{
	top_seen *s = t;
	sh_profile *p = s->p;
	if (sh_json_is_null(v))
		return 0;
	if (want_type(c, v, SH_JSON_ARRAY, path) < 0)
		return -1;
	if (v->u.arr.n > SH_MAX_RULES)
		return bad(c, v, path, "%zu rules, more than the limit of %d", v->u.arr.n, SH_MAX_RULES);
	s->syscalls = v;
	p->rules = sh_xcalloc(v->u.arr.n, sizeof(sh_rule));
	for (size_t i = 0; i < v->u.arr.n; i++) {
		cleanup_free char *pp = sh_xasprintf("%s[%zu]", path, i);
		p->rules[i].index = i;
		p->nrules = i + 1;
		if (read_rule(c, v->u.arr.v[i], pp, &p->rules[i]) < 0 && keep_going(c) < 0)
			return -1;
	}
	return 0;
}

static const field top_fields[] = {
	{ "defaultAction", f_action },
	{ "defaultErrnoRet", f_errno_ret },
	{ "defaultErrno", f_errno_name },
	{ "architectures", f_architectures },
	{ "archMap", f_archmap },
	{ "flags", f_flags },
	{ "listenerPath", f_listener_path },
	{ "listenerMetadata", f_listener_metadata },
	{ "syscalls", f_syscalls },
};

static bool uses_notify(const sh_profile *p)
{
	for (size_t i = 0; i < p->nrules; i++)
		if (p->rules[i].action == SH_ACT_NOTIFY)
			return true;
	return false;
}

static int check_profile(pctx *c, top_seen *s, const sh_json *root)
{
	sh_profile *p = s->p;
	if (!s->a.node)
		return bad(c, root, "profile", "missing required key 'defaultAction'");
	if (settle_errno(c, "profile", p->default_action, s->a.num, "defaultErrnoRet", s->a.name,
			 "defaultErrno", &p->default_errno_ret, &p->has_default_errno) < 0)
		return -1;
	if (s->architectures && s->archmap)
		return bad(c, s->archmap, "archMap", "use either 'architectures' or 'archMap', not both");
	if (p->default_action == SH_ACT_NOTIFY)
		return bad(c, s->a.node, "defaultAction", "SCMP_ACT_NOTIFY cannot be the default action");
	if (uses_notify(p) && (!p->listener_path || !p->listener_path[0]))
		return bad(c, s->syscalls, "listenerPath", "SCMP_ACT_NOTIFY is used but no listenerPath is set");
	return 0;
}

/* A whole OCI config.json carries the profile at linux.seccomp. */
static const sh_json *find_profile_object(pctx *c, const sh_json *root, bool *embedded)
{
	*embedded = false;
	if (sh_json_get(root, "defaultAction") || (!sh_json_get(root, "ociVersion") && !sh_json_get(root, "linux")))
		return root;
	*embedded = true;
	const sh_json *linux_ = sh_json_get(root, "linux");
	const sh_json *sec = linux_ ? sh_json_get(linux_, "seccomp") : NULL;
	if (sh_json_is_null(sec)) {
		bad(c, root, "linux.seccomp", "the config has no seccomp profile");
		return NULL;
	}
	return sec;
}

void sh_profile_free(sh_profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nrules; i++) {
		sh_rule *r = &p->rules[i];
		for (size_t k = 0; k < r->nnames; k++)
			free(r->names[k]);
		free(r->names);
		free(r->name_locs);
		free(r->args);
		sh_strv_free(r->includes.caps);
		sh_strv_free(r->includes.arches);
		sh_strv_free(r->excludes.caps);
		sh_strv_free(r->excludes.arches);
		free(r->comment);
	}
	free(p->rules);
	for (size_t i = 0; i < p->narchmap; i++)
		free(p->archmap[i].subs);
	free(p->archmap);
	free(p->arches);
	free(p->listener_path);
	free(p->listener_metadata);
	free(p->file);
	free(p);
}

int sh_profile_from_json(const sh_json *root, const char *file, sh_profile **out, sh_diag *diag, sh_error **err)
{
	pctx c = { .file = file, .diag = diag, .err = err };
	cleanup_profile sh_profile *p = sh_xcalloc(1, sizeof(*p));
	p->file = sh_xstrdup(file);
	if (root->type != SH_JSON_OBJECT)
		return bad(&c, root, "profile", "expected object, got %s", sh_json_type_name(root->type));
	const sh_json *obj = find_profile_object(&c, root, &p->embedded);
	if (!obj)
		return -1;
	top_seen s = { .a = { .action = &p->default_action, .errno_ret = &p->default_errno_ret, .loc = &p->default_loc },
		       .p = p };
	if (read_object(&c, obj, p->embedded ? "linux.seccomp" : "", top_fields, SH_ARRAY_SIZE(top_fields), &s) < 0 ||
	    (!c.pending && check_profile(&c, &s, obj) < 0)) { /* checks of the whole need every part read */
		sh_error_free(c.pending);
		return -1;
	}
	if (c.pending) { /* errors were kept as findings: the latest is the load's error */
		*err = c.pending;
		return -1;
	}
	*out = steal_pointer(&p);
	return 0;
}

int sh_profile_load_buffer(const char *buf, size_t len, const char *file, sh_profile **out, sh_diag *diag,
			   sh_error **err)
{
	sh_json *root = NULL;
	if (sh_json_parse(buf, len, file, NULL, &root, err) < 0)
		return -1;
	int r = sh_profile_from_json(root, file, out, diag, err);
	sh_json_free(root);
	return r;
}

int sh_profile_load(const char *path, sh_profile **out, sh_diag *diag, sh_error **err)
{
	sh_json *root = NULL;
	if (sh_json_read_file(path, NULL, &root, NULL, NULL, err) < 0)
		return -1;
	int r = sh_profile_from_json(root, path, out, diag, err);
	sh_json_free(root);
	return r;
}

bool sh_rule_names(const sh_rule *r, const char *name)
{
	for (size_t k = 0; k < r->nnames; k++)
		if (strcmp(r->names[k], name) == 0)
			return true;
	return false;
}

bool sh_rule_unconditional(const sh_rule *r)
{
	const sh_cond *in = &r->includes, *ex = &r->excludes;
	return !r->nargs && !in->ncaps && !in->narches && !in->has_min_kernel && !ex->ncaps && !ex->narches &&
	       !ex->has_min_kernel;
}

uint32_t sh_rule_errno(const sh_rule *r)
{
	return r->has_errno_ret ? r->errno_ret : 1;
}

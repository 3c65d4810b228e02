#include "config.h"
#include "oci.h"
#include "names.h"
#include "util.h"

static sh_json *arch_array(const sh_ruleset *rs, const sh_target *t)
{
	const sh_profile *p = rs->profile;
	sh_json *a = sh_json_new(SH_JSON_ARRAY);
	/* moby copies `architectures` as written; from archMap it lists the native entry and its subs. */
	if (!t->arches && p->narches) {
		for (size_t i = 0; i < p->narches; i++)
			sh_json_append(a, sh_json_new_string(sh_arch_scmp_name(p->arches[i])));
		return a;
	}
	for (size_t i = 0; i < rs->narches; i++)
		sh_json_append(a, sh_json_new_string(sh_arch_scmp_name(rs->arches[i])));
	return a;
}

sh_json *sh_oci_flags(uint32_t flags)
{
	sh_json *a = sh_json_new(SH_JSON_ARRAY);
	for (uint32_t bit = 1; bit; bit <<= 1)
		if ((flags & bit) && sh_flag_name(bit))
			sh_json_append(a, sh_json_new_string(sh_flag_name(bit)));
	return a;
}

static sh_json *arg_object(const sh_arg *a)
{
	sh_json *o = sh_json_new(SH_JSON_OBJECT);
	sh_json_set(o, "index", sh_json_new_u64(a->index));
	sh_json_set(o, "value", sh_json_new_u64(a->value));
	sh_json_set(o, "valueTwo", sh_json_new_u64(a->value_two));
	sh_json_set(o, "op", sh_json_new_string(sh_op_name(a->op)));
	return o;
}

sh_json *sh_oci_args_array(const sh_rule *r)
{
	sh_json *args = sh_json_new(SH_JSON_ARRAY);
	for (size_t i = 0; i < r->nargs; i++)
		sh_json_append(args, arg_object(&r->args[i]));
	return args;
}

static sh_json *rule_object(const sh_rrule *rr)
{
	const sh_rule *r = rr->origin;
	sh_json *o = sh_json_new(SH_JSON_OBJECT);
	sh_json *names = sh_json_new(SH_JSON_ARRAY);
	for (size_t i = 0; i < r->nnames; i++)
		sh_json_append(names, sh_json_new_string(r->names[i]));
	sh_json_set(o, "names", names);
	sh_json_set(o, "action", sh_json_new_string(sh_action_name(rr->action)));
	/* A rule a notifying filter took over (notifyset.h) keeps its origin's errnoRet, which runtimes
	 * refuse on SCMP_ACT_NOTIFY. */
	if (r->has_errno_ret && (rr->action == SH_ACT_ERRNO || rr->action == SH_ACT_TRACE))
		sh_json_set(o, "errnoRet", sh_json_new_u64(rr->errno_ret));
	if (r->nargs)
		sh_json_set(o, "args", sh_oci_args_array(r));
	return o;
}

sh_json *sh_oci_seccomp(const sh_ruleset *rs, const sh_target *t)
{
	const sh_profile *p = rs->profile;
	sh_json *o = sh_json_new(SH_JSON_OBJECT);
	sh_json_set(o, "defaultAction", sh_json_new_string(sh_action_name(rs->default_action)));
	if (p->has_default_errno)
		sh_json_set(o, "defaultErrnoRet", sh_json_new_u64(rs->default_errno));
	sh_json_set(o, "architectures", arch_array(rs, t));
	if (rs->flags_given)
		sh_json_set(o, "flags", sh_oci_flags(rs->flags));
	const char *listener = rs->listener_path ? rs->listener_path : p->listener_path;
	if (listener)
		sh_json_set(o, "listenerPath", sh_json_new_string(listener));
	if (p->listener_metadata)
		sh_json_set(o, "listenerMetadata", sh_json_new_string(p->listener_metadata));
	sh_json *rules = sh_json_new(SH_JSON_ARRAY);
	for (size_t i = 0; i < rs->nrules; i++)
		sh_json_append(rules, rule_object(&rs->rules[i]));
	sh_json_set(o, "syscalls", rules);
	return o;
}

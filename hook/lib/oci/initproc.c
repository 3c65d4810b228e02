#include "config.h"
#include "initproc.h"
#include "names.h"
#include "util.h"

#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAP_BIT(c) (UINT64_C(1) << (c))
enum { CAP_SETPCAP_NR = 8, CAP_SYS_PTRACE_NR = 19, CAP_SYS_ADMIN_NR = 21 };
/* What the loader borrows: CAP_SYS_ADMIN installs a filter without no_new_privs; CAP_SETPCAP drops
 * both from the bounding set again. */
static const uint64_t lent_caps = CAP_BIT(CAP_SYS_ADMIN_NR) | CAP_BIT(CAP_SETPCAP_NR);

#define PLACEHOLDER_MARK "org.seccomp-hook.placeholder: start this container with seccomp-hook-runtime"

static const char *const set_names[] = { "bounding", "permitted", "effective", "inheritable", "ambient" };

static uint64_t *set_of(sh_capsets *c, size_t i)
{
	uint64_t *sets[] = { &c->bounding, &c->permitted, &c->effective, &c->inheritable, &c->ambient };
	return sets[i];
}

static const char *str_at(const sh_json *arr, size_t i)
{
	if (!arr || arr->type != SH_JSON_ARRAY || i >= arr->u.arr.n || arr->u.arr.v[i]->type != SH_JSON_STRING)
		return NULL;
	return arr->u.arr.v[i]->u.str.s;
}

/* Unknown names are left out, as runc leaves them out (with a warning). */
static uint64_t mask_of(const sh_json *names)
{
	uint64_t m = 0;
	for (size_t i = 0; names && names->type == SH_JSON_ARRAY && i < names->u.arr.n; i++) {
		const char *s = str_at(names, i);
		int c = s ? sh_cap_from_oci_name(s) : -1;
		if (c >= 0 && c <= SH_CAP_MAX)
			m |= CAP_BIT(c);
	}
	return m;
}

static sh_json *names_of(uint64_t m)
{
	sh_json *a = sh_json_new(SH_JSON_ARRAY);
	for (int c = 0; c <= SH_CAP_MAX; c++)
		if ((m & CAP_BIT(c)) && sh_cap_name(c))
			sh_json_append(a, sh_json_new_string(sh_cap_name(c)));
	return a;
}

int sh_initproc_caps(const sh_json *process, sh_capsets *c)
{
	const sh_json *caps = sh_json_get(process, "capabilities");
	memset(c, 0, sizeof(*c));
	if (!caps || caps->type != SH_JSON_OBJECT)
		return -1;
	for (size_t i = 0; i < SH_ARRAY_SIZE(set_names); i++)
		*set_of(c, i) = mask_of(sh_json_get(caps, set_names[i]));
	return 0;
}

sh_capsets sh_initproc_granted(sh_capsets c)
{
	c.ambient &= c.permitted & c.inheritable;
	return c;
}

sh_capsets sh_initproc_lent(const sh_capsets *own)
{
	return (sh_capsets){ own->bounding | lent_caps, own->permitted | lent_caps, own->effective | lent_caps,
			     own->inheritable | lent_caps, own->ambient | lent_caps };
}

bool sh_initproc_unlend(const sh_capsets *own, sh_capsets *c)
{
	sh_capsets lent = sh_initproc_lent(own);
	if (c->bounding != lent.bounding || c->effective != lent.effective || c->permitted != lent.permitted ||
	    (c->inheritable & ~lent.inheritable) || (c->ambient & ~lent.ambient))
		return false;
	*c = (sh_capsets){ own->bounding, own->permitted, own->effective, c->inheritable & (own->inheritable | ~lent_caps),
			   c->ambient & (own->ambient | ~lent_caps) };
	return true;
}

const char *sh_initproc_caps_unsafe(const sh_capsets *c, bool has_caps)
{
	if (!has_caps)
		return "its process has no capability sets (it keeps every capability)";
	uint64_t any = c->bounding | c->permitted | c->effective | c->inheritable | c->ambient;
	if (any & CAP_BIT(CAP_SYS_ADMIN_NR))
		return "its process may hold CAP_SYS_ADMIN (it could remount or replace the loader)";
	if (any & CAP_BIT(CAP_SYS_PTRACE_NR))
		return "its process may hold CAP_SYS_PTRACE (it could attach to an exec'd loader before its filter)";
	return NULL;
}

void sh_initproc_set_caps(sh_json *process, const sh_capsets *c)
{
	sh_json *caps = sh_json_new(SH_JSON_OBJECT);
	sh_capsets copy = *c;
	for (size_t i = 0; i < SH_ARRAY_SIZE(set_names); i++)
		sh_json_set(caps, set_names[i], names_of(*set_of(&copy, i)));
	sh_json_set(process, "capabilities", caps);
}

sh_json *sh_initproc_prefix(const sh_loader_args *a)
{
	sh_loader_args call = *a;
	call.bpf_path = SH_BPF_DEST;
	call.overlay_path = a->overlay_path ? SH_OVERLAY_DEST : NULL;
	sh_loader_argv v;
	sh_loader_args_encode(SH_INIT_DEST, &call, &v);
	sh_json *arr = sh_json_new(SH_JSON_ARRAY);
	for (size_t i = 0; i < v.n; i++)
		sh_json_append(arr, sh_json_new_string(v.v[i]));
	return arr;
}

/* The prefix in front of args; the prefix array's elements move into args. */
static void insert_prefix(sh_json *args, const sh_loader_args *a)
{
	sh_json *pre = sh_initproc_prefix(a);
	for (size_t i = 0; i < pre->u.arr.n; i++)
		sh_json_insert(args, i, pre->u.arr.v[i]);
	pre->u.arr.n = 0;
	sh_json_free(pre);
}

size_t sh_initproc_decode(const sh_json *args, sh_loader_args *a)
{
	/* The longest call the encoder writes, and the command's first element. */
	char *v[SH_LOADER_ARGV_MAX + 1];
	int n = 0;
	for (; n < (int)SH_ARRAY_SIZE(v) && str_at(args, (size_t)n); n++)
		v[n] = (char *)str_at(args, (size_t)n);
	sh_loader_args_error e;
	if (n == 0 || strcmp(v[0], SH_INIT_DEST) != 0)
		return 0;
	int cmd = sh_loader_args_decode(n, v, 1, a, &e);
	bool places = cmd > 0 && strcmp(a->bpf_path, SH_BPF_DEST) == 0 &&
		      (!a->overlay_path || strcmp(a->overlay_path, SH_OVERLAY_DEST) == 0);
	return places ? (size_t)cmd : 0;
}

int sh_initproc_wrap_process(sh_json *process, const sh_loader_args *a, sh_error **err)
{
	sh_json *args = sh_json_get(process, "args");
	if (!args || args->type != SH_JSON_ARRAY || args->u.arr.n == 0)
		return sh_error_set(err, SH_EXIT_INVALID, "config: process.args is missing or empty");
	sh_capsets own;
	if (sh_initproc_caps(process, &own) < 0)
		return sh_error_set(err, SH_EXIT_INVALID, "config: process.capabilities is missing");
	sh_loader_args call = *a;
	call.has_caps = true;
	call.caps = sh_initproc_granted(own);
	sh_capsets lent = sh_initproc_lent(&call.caps);
	sh_initproc_set_caps(process, &lent);
	insert_prefix(args, &call);
	return 0;
}

bool sh_initproc_unwrap_process(sh_json *process)
{
	sh_json *args = sh_json_get(process, "args");
	sh_loader_args a;
	size_t cmd = sh_initproc_decode(args, &a);
	if (!cmd)
		return false;
	if (a.has_caps)
		sh_initproc_set_caps(process, &a.caps);
	for (size_t i = 0; i < cmd; i++)
		sh_json_delete_at(args, 0);
	return true;
}

static void wrap_hook(sh_json *hook, const sh_loader_args *a)
{
	const sh_json *path = sh_json_get(hook, "path");
	if (!path || path->type != SH_JSON_STRING)
		return; /* the runtime refuses such a hook itself */
	sh_json *args = sh_json_new(SH_JSON_ARRAY);
	sh_json_append(args, sh_json_new_string(path->u.str.s));
	const sh_json *old = sh_json_get(hook, "args");
	for (size_t i = 1; old && old->type == SH_JSON_ARRAY && i < old->u.arr.n; i++)
		if (old->u.arr.v[i]->type == SH_JSON_STRING)
			sh_json_append(args, sh_json_new_string(old->u.arr.v[i]->u.str.s));
	/* The hook's loader hands its listener on like PID 1's, on the same channel (runc starts a hook
	 * from the container's init, which holds the preserved descriptors), and closes the channel before
	 * it execs the hook: the agent answers the hook's notified calls, as under runc, and the hook
	 * holds no descriptor runc would not have given it. */
	insert_prefix(args, a);
	sh_json_set(hook, "args", args);
	sh_json_set(hook, "path", sh_json_new_string(SH_INIT_DEST));
}

static sh_json *start_hooks(sh_json *config)
{
	sh_json *h = sh_json_get(sh_json_get(config, "hooks"), "startContainer");
	return h && h->type == SH_JSON_ARRAY ? h : NULL;
}

void sh_initproc_wrap_hooks(sh_json *config, const sh_loader_args *a)
{
	sh_json *hooks = start_hooks(config);
	for (size_t i = 0; hooks && i < hooks->u.arr.n; i++)
		if (hooks->u.arr.v[i]->type == SH_JSON_OBJECT)
			wrap_hook(hooks->u.arr.v[i], a);
}

bool sh_initproc_unwrap_hooks(sh_json *config)
{
	bool any = false;
	sh_json *hooks = start_hooks(config);
	for (size_t i = 0; hooks && i < hooks->u.arr.n; i++) {
		sh_json *hook = hooks->u.arr.v[i], *args = sh_json_get(hook, "args");
		sh_loader_args a;
		size_t cmd = hook->type == SH_JSON_OBJECT ? sh_initproc_decode(args, &a) : 0;
		if (!cmd)
			continue;
		sh_json_set(hook, "path", sh_json_new_string(str_at(args, cmd)));
		for (size_t k = 0; k < cmd; k++)
			sh_json_delete_at(args, 0);
		any = true;
	}
	return any;
}

static sh_json *mount_entry(const char *type, const char *src, const char *dest, const char *const *opts)
{
	sh_json *m = sh_json_new(SH_JSON_OBJECT), *o = sh_json_new(SH_JSON_ARRAY);
	sh_json_set(m, "destination", sh_json_new_string(dest));
	sh_json_set(m, "type", sh_json_new_string(type));
	sh_json_set(m, "source", sh_json_new_string(src));
	for (; *opts; opts++)
		sh_json_append(o, sh_json_new_string(*opts));
	sh_json_set(m, "options", o);
	return m;
}

static sh_json *mounts_array(sh_json *config, sh_error **err)
{
	sh_json *mounts = sh_json_get(config, "mounts");
	if (!mounts || mounts->type == SH_JSON_NULL) {
		mounts = sh_json_new(SH_JSON_ARRAY);
		sh_json_set(config, "mounts", mounts);
	}
	if (mounts->type != SH_JSON_ARRAY) {
		sh_error_set(err, SH_EXIT_INVALID, "config: mounts is not an array");
		return NULL;
	}
	return mounts;
}

int sh_initproc_add_mounts(sh_json *config, const char *loader_dir, const char *bpf, const char *overlay_bpf,
			   sh_error **err)
{
	static const char *const dir_opts[] = { "bind", "ro", "nosuid", "nodev", NULL };
	static const char *const bpf_opts[] = { "bind", "ro", "nosuid", "nodev", "noexec", NULL };
	sh_json *mounts = mounts_array(config, err);
	if (!mounts)
		return -1;
	sh_json_append(mounts, mount_entry("bind", loader_dir, SH_INIT_DIR, dir_opts));
	sh_json_append(mounts, mount_entry("bind", bpf, SH_BPF_DEST, bpf_opts));
	if (overlay_bpf)
		sh_json_append(mounts, mount_entry("bind", overlay_bpf, SH_OVERLAY_DEST, bpf_opts));
	return 0;
}

bool sh_initproc_is_loader_place(const char *dest)
{
	size_t n = strlen(SH_INIT_DIR);
	while (dest[0] == '/' && dest[1] == '/')
		dest++;
	return strncmp(dest, SH_INIT_DIR, n) == 0 && (dest[n] == '\0' || dest[n] == '/');
}

bool sh_initproc_has_loader_mounts(const sh_json *config)
{
	const sh_json *mounts = sh_json_get(config, "mounts");
	for (size_t i = 0; mounts && mounts->type == SH_JSON_ARRAY && !mounts->opaque && i < mounts->u.arr.n; i++) {
		const sh_json *d = sh_json_get(mounts->u.arr.v[i], "destination");
		if (d && d->type == SH_JSON_STRING && sh_initproc_is_loader_place(d->u.str.s))
			return true;
	}
	return false;
}

bool sh_initproc_remove_mounts(sh_json *config)
{
	bool any = false;
	sh_json *mounts = sh_json_get(config, "mounts");
	if (mounts && mounts->opaque) /* not read for a config crun runs without the loader */
		return false;
	for (size_t i = 0; mounts && mounts->type == SH_JSON_ARRAY && i < mounts->u.arr.n;) {
		const sh_json *d = sh_json_get(mounts->u.arr.v[i], "destination");
		if (d && d->type == SH_JSON_STRING && sh_initproc_is_loader_place(d->u.str.s)) {
			sh_json_delete_at(mounts, i);
			any = true;
		} else {
			i++;
		}
	}
	return any;
}

sh_json *sh_initproc_placeholder(void)
{
	sh_json *sec = sh_json_new(SH_JSON_OBJECT), *rules = sh_json_new(SH_JSON_ARRAY);
	sh_json *rule = sh_json_new(SH_JSON_OBJECT), *names = sh_json_new(SH_JSON_ARRAY);
	sh_json_set(sec, "defaultAction", sh_json_new_string("SCMP_ACT_ALLOW"));
	/* A mark no engine writes (runtimes read it only beside a listenerPath), so an undo removes this
	 * filter and never one the engine wrote. */
	sh_json_set(sec, "listenerMetadata", sh_json_new_string(PLACEHOLDER_MARK));
	sh_json_append(names, sh_json_new_string("execve"));
	sh_json_append(names, sh_json_new_string("execveat"));
	sh_json_set(rule, "names", names);
	sh_json_set(rule, "action", sh_json_new_string("SCMP_ACT_ERRNO"));
	sh_json_set(rule, "errnoRet", sh_json_new_u64(1));
	sh_json_append(rules, rule);
	sh_json_set(sec, "syscalls", rules);
	return sec;
}

bool sh_initproc_is_placeholder(const sh_json *seccomp)
{
	const sh_json *da = sh_json_get(seccomp, "defaultAction"), *mark = sh_json_get(seccomp, "listenerMetadata");
	return da && da->type == SH_JSON_STRING && strcmp(da->u.str.s, "SCMP_ACT_ALLOW") == 0 && mark &&
	       mark->type == SH_JSON_STRING && strcmp(mark->u.str.s, PLACEHOLDER_MARK) == 0;
}

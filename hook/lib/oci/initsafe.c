#include "config.h"
#include "initsafe.h"
#include "bpf_reach.h"
#include "explain.h"
#include "initproc.h"
#include "names.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>
#include <seccomp.h>
#include <string.h>

#ifndef CLONE_NEWUSER
#define CLONE_NEWUSER 0x10000000
#endif

/* The calls that lead to another mount namespace or a mount, and the flags that make them do so
 * (0: any call). flags_arg: clone's flags are its second argument on s390 and s390x. */
static const struct escape {
	const char *name;
	bool clone_like;
	uint64_t flags;
	const char *shown;
} escapes[] = {
	{ "unshare", false, CLONE_NEWUSER, "unshare(CLONE_NEWUSER)" },
	{ "unshare", false, CLONE_NEWNS, "unshare(CLONE_NEWNS)" },
	{ "clone", true, CLONE_NEWUSER, "clone(CLONE_NEWUSER)" },
	{ "clone", true, CLONE_NEWNS, "clone(CLONE_NEWNS)" },
	{ "clone3", false, 0, "clone3" },
	{ "setns", false, 0, "setns" },
	{ "mount", false, 0, "mount" },
	{ "umount2", false, 0, "umount2" },
	{ "umount", false, 0, "umount" },
	{ "pivot_root", false, 0, "pivot_root" },
	{ "open_tree", false, 0, "open_tree" },
	{ "move_mount", false, 0, "move_mount" },
	{ "fsopen", false, 0, "fsopen" },
	{ "fsconfig", false, 0, "fsconfig" },
	{ "fsmount", false, 0, "fsmount" },
	{ "fspick", false, 0, "fspick" },
	{ "mount_setattr", false, 0, "mount_setattr" },
};

static int flags_arg(uint32_t arch)
{
	return arch == SCMP_ARCH_S390 || arch == SCMP_ARCH_S390X ? 1 : 0;
}

char *sh_init_filter_escape(const struct sock_filter *prog, size_t len, uint32_t native)
{
	uint32_t family[4];
	size_t n = sh_arch_family(native, family);
	for (size_t a = 0; a < n; a++)
		for (size_t i = 0; i < SH_ARRAY_SIZE(escapes); i++) {
			const struct escape *e = &escapes[i];
			int nr = seccomp_syscall_resolve_name_arch(family[a], e->name);
			if (nr < 0) /* no such call on this architecture */
				continue;
			/* As the kernel hands the call to a filter: an x32 call comes as x86_64's. */
			sh_seccomp_data d = sh_call_data(family[a], nr, NULL);
			sh_reach_call c = { .arch = d.arch, .nr = (uint32_t)d.nr };
			c.bits_set[e->clone_like ? flags_arg(family[a]) : 0] = e->flags;
			sh_reach r = sh_bpf_reach(prog, len, &c, sh_ret_runs, NULL);
			if (r != SH_REACH_NEVER)
				return sh_xasprintf("its filter %s it call %s (%s)", r == SH_REACH_YES ? "lets" : "may let",
						    e->shown, sh_arch_scmp_name(family[a]));
		}
	return NULL;
}

const char *sh_init_mount_ns_unsafe(const sh_json *config)
{
	const sh_json *ns = sh_json_get(sh_json_get(config, "linux"), "namespaces");
	for (size_t i = 0; ns && ns->type == SH_JSON_ARRAY && i < ns->u.arr.n; i++) {
		const sh_json *type = sh_json_get(ns->u.arr.v[i], "type"), *path = sh_json_get(ns->u.arr.v[i], "path");
		if (!type || type->type != SH_JSON_STRING || strcmp(type->u.str.s, "mount") != 0)
			continue;
		if (path && !(path->type == SH_JSON_STRING && path->u.str.s[0] == '\0'))
			return "it joins a mount namespace by path (the loader's mounts would be another's)";
		return NULL;
	}
	return "it has no mount namespace of its own (the loader's mounts would be the host's)";
}

/* The container's root directory on the host: root.path, relative to the bundle. */
static char *rootfs_dir(const sh_json *config, const char *bundle)
{
	const sh_json *path = sh_json_get(sh_json_get(config, "root"), "path");
	if (!path || path->type != SH_JSON_STRING || !path->u.str.s[0])
		return NULL;
	if (path->u.str.s[0] == '/')
		return sh_xstrdup(path->u.str.s);
	return bundle ? sh_xasprintf("%s/%s", bundle, path->u.str.s) : NULL;
}

const char *sh_init_root_unsafe(const sh_json *config, const char *bundle)
{
	const sh_json *ro = sh_json_get(sh_json_get(config, "root"), "readonly");
	if (!ro || ro->type != SH_JSON_BOOL || !ro->u.b)
		return "its root filesystem is writable: a process outside the container that reaches it (a "
		       "container sharing its PID namespace, a hostPID one) could put another file at the loader's "
		       "path for its next exec";
	cleanup_free char *dir = rootfs_dir(config, bundle);
	if (!dir)
		return "its root filesystem cannot be found from here (root.path is relative and no bundle is known)";
	cleanup_close int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return "its root filesystem cannot be opened";
	/* runc follows a link at the loader's place inside the root: a link (or a file) there would put
	 * the loader's mounts elsewhere and leave the name to the container. */
	if (fstatat(fd, SH_INIT_DIR + 1, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? NULL : "its image's " SH_INIT_DIR " cannot be read";
	return S_ISDIR(st.st_mode) ? NULL : "its image has " SH_INIT_DIR " as something other than a directory";
}

char *sh_init_place_to_make(const sh_json *config, const char *bundle)
{
	cleanup_free char *dir = rootfs_dir(config, bundle);
	cleanup_free char *abs = dir ? realpath(dir, NULL) : NULL;
	cleanup_close int fd = abs ? open(abs, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
	struct stat st;
	if (fd < 0 || fstatat(fd, SH_INIT_DIR + 1, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT)
		return NULL;
	return sh_xasprintf("%s%s", strcmp(abs, "/") == 0 ? "" : abs, SH_INIT_DIR);
}

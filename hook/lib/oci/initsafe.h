/* Whether init mode's loader can keep its promise for a container: every process the runtime starts
 * in it (PID 1, each exec, each startContainer hook) goes through the loader at the container's
 * SH_INIT_DEST, so nothing in the container may be able to put another file there. That takes a
 * mount namespace of its own (which nothing else joins) and a filter that denies every way to another
 * mount namespace or to a mount: creating user or mount namespaces (unshare, clone, clone3), setns,
 * mount and umount, pivot_root, and the mount API (open_tree, move_mount, fsopen, fsconfig, fsmount,
 * fspick, mount_setattr). The filter's answers are read from the program itself (bpf_reach.h), on
 * every architecture a process on this machine can call with. The capabilities a process may hold
 * are judged by sh_initproc_caps_unsafe. */
#ifndef SH_INITSAFE_H
#define SH_INITSAFE_H

#include <stddef.h>
#include <stdint.h>

#include "bpf.h"
#include "json.h"

/* Why a process running `prog` (the answers that decide its calls: see hookcfg.c for recordings and
 * reports) could change what the loader's path names for later processes, or NULL: "its filter lets
 * it call unshare(CLONE_NEWUSER) (SCMP_ARCH_X86_64)". Malloc'd. native: the machine's architecture. */
char *sh_init_filter_escape(const struct sock_filter *prog, size_t len, uint32_t native);

/* Why the container's mounts are not its own alone, or NULL: no mount namespace (the loader's mounts
 * would be the host's), or one it joins by path (another's). */
const char *sh_init_mount_ns_unsafe(const sh_json *config);

/* Why a path inside the container's root could be changed under the loader's name by someone, or
 * NULL. runc and an exec resolve SH_INIT_DEST through the container's root directory, and any process
 * that reaches that directory (through /proc/PID/root: a container sharing its PID namespace, a
 * hostPID one) can rename what is there, mount point or not. So the root must be read-only
 * (root.readonly) and the image must not have SH_INIT_DIR as a link or a file. bundle: the
 * directory a relative root.path is in (NULL: unknown). */
const char *sh_init_root_unsafe(const sh_json *config, const char *bundle);

/* The host path of SH_INIT_DIR in the container's root (absolute), when the image has nothing there:
 * the runtime makes that directory to mount the loader on, and it is to be removed once the container
 * is gone. NULL when the image has it, or the root cannot be found. Malloc'd. */
char *sh_init_place_to_make(const sh_json *config, const char *bundle);

#endif

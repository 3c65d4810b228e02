/* Starting a container's processes through the init loader: what init mode changes in a process
 * spec (PID 1's, or one the runtime wrapper execs), in startContainer hooks and in the mounts, how
 * an earlier change is recognised and undone, and when the loader cannot keep its promise. One
 * implementation for precreate, inject and seccomp-hook-runtime. */
#ifndef SH_INITPROC_H
#define SH_INITPROC_H

#include <stdbool.h>

#include "apply.h"
#include "error.h"
#include "json.h"
#include "loadargs.h"

#define SH_INIT_DIR "/.seccomp-hook"
#define SH_INIT_DEST SH_INIT_DIR "/init"
#define SH_BPF_DEST SH_INIT_DIR "/filter.bpf"
#define SH_OVERLAY_DEST SH_INIT_DIR "/overlay.bpf"

/* The capability sets a process spec asks for, each name read as runc reads it (exactly
 * "CAP_SYS_ADMIN"; any other spelling is no capability). -1 when it has no `capabilities` (the runtime
 * then leaves the process every capability it has). */
int sh_initproc_caps(const sh_json *process, sh_capsets *c);
/* What the runtime really gives a process asking for c: it raises ambient capabilities one by one
 * and the kernel refuses those not both permitted and inheritable. */
sh_capsets sh_initproc_granted(sh_capsets c);
/* The sets a wrapped process spec carries: its own (as granted) with what the loader borrows. */
sh_capsets sh_initproc_lent(const sh_capsets *own);
/* An exec's sets as an engine copies them from the container's config as the transform rewrote it
 * (podman, after a precreate hook): the lent bounding, effective and permitted sets exactly, the
 * inheritable and ambient ones within the lent ones. Those are the container's own sets: *c becomes
 * them (what the loader lent taken out again), and true. Any other sets are left as asked. */
bool sh_initproc_unlend(const sh_capsets *own, sh_capsets *c);
/* Why a process holding these sets (has_caps false: every capability) must not start through the
 * loader, or NULL: with CAP_SYS_ADMIN it could remount or replace the loader an exec goes through,
 * with CAP_SYS_PTRACE attach to an exec'd loader before its filter is in. */
const char *sh_initproc_caps_unsafe(const sh_capsets *c, bool has_caps);

/* [SH_INIT_DEST, options, SH_BPF_DEST, "--"]: the loader call of `a` as a JSON array of strings (an
 * overlay's program, if a has one, at SH_OVERLAY_DEST). */
sh_json *sh_initproc_prefix(const sh_loader_args *a);
/* The loader call args start with, decoded: the command's index in args, 0 if args does not start
 * with one. Only output whose seal was verified (seal.h) or the wrapper's own record is read so. */
size_t sh_initproc_decode(const sh_json *args, sh_loader_args *a);

/* Put the loader in front of process.args, with --caps the process's own sets (as granted), and lend
 * it CAP_SYS_ADMIN (to install the filter without no_new_privs, as the runtime does) and CAP_SETPCAP
 * (to give them back). a's caps are ignored; the rest is the call. */
int sh_initproc_wrap_process(sh_json *process, const sh_loader_args *a, sh_error **err);
/* Undo it: true if args started with a loader call (args and capabilities restored). */
bool sh_initproc_unwrap_process(sh_json *process);
/* process.capabilities := these sets. */
void sh_initproc_set_caps(sh_json *process, const sh_capsets *c);

/* Every hooks.startContainer entry runs through the loader with the call `a` (its --caps: the sets a
 * hook gets in runtime mode, the container process's own), as they run inside the container where
 * the runtime's own filter would apply; and back. */
void sh_initproc_wrap_hooks(sh_json *config, const sh_loader_args *a);
bool sh_initproc_unwrap_hooks(sh_json *config); /* true if any was */

/* The loader's mounts: its read-only copy's directory (loaderstore.h: the loader as "init" and empty
 * "filter.bpf" and "overlay.bpf" on a read-only superblock) bound read-only at SH_INIT_DIR, the program
 * over that "filter.bpf", and an overlay's program (overlay_bpf, NULL: none) over "overlay.bpf".
 * No name inside can be changed by anyone, from any mount namespace; the place itself only where the
 * container's root is (see initsafe.h). remove_mounts drops every mount at those places. */
int sh_initproc_add_mounts(sh_json *config, const char *loader_dir, const char *bpf, const char *overlay_bpf,
			   sh_error **err);
bool sh_initproc_remove_mounts(sh_json *config); /* true if any was there */
bool sh_initproc_has_loader_mounts(const sh_json *config);
/* dest is SH_INIT_DIR or below it. */
bool sh_initproc_is_loader_place(const char *dest);

/* linux.seccomp for a config whose processes must all go through the loader: it refuses execve and
 * execveat (EPERM), so a runtime that starts a process itself (runc exec without the wrapper, or
 * the config run by the plain runtime) cannot run anything, while the wrapper removes it. */
sh_json *sh_initproc_placeholder(void);
bool sh_initproc_is_placeholder(const sh_json *seccomp);

#endif

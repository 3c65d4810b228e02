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

#define SH_INIT_DIR "/.seccomp-hook"
#define SH_INIT_DEST SH_INIT_DIR "/init"
#define SH_BPF_DEST SH_INIT_DIR "/filter.bpf"

/* What a loader call installs: the program's SHA-256 (hex) and its SECCOMP_FILTER_FLAG_* flags. */
typedef struct sh_loader_call {
	const char *digest;
	unsigned flags;
	int listener_fd; /* --listener-fd (NEW_LISTENER through the wrapper's relay), -1 for none */
} sh_loader_call;

/* The capability sets a process spec asks for. -1 when it has no `capabilities` (the runtime then
 * leaves the process every capability it has). */
int sh_initproc_caps(const sh_json *process, sh_capsets *c);

/* Why the loader cannot guarantee that this container's processes all run the filter, or NULL:
 * a process that may hold CAP_SYS_ADMIN can remount or replace the loader an exec goes through,
 * one with CAP_SYS_PTRACE can attach to an exec'd loader before it installs the filter. */
const char *sh_initproc_unsafe(const sh_json *process);

/* Put the loader in front of process.args and lend it CAP_SYS_ADMIN (to install the filter without
 * no_new_privs, as the runtime does) and CAP_SETPCAP (to give them back); the loader lowers the
 * sets to the spec's own (--caps) once the filter is in. */
int sh_initproc_wrap_process(sh_json *process, const sh_loader_call *c, sh_error **err);
/* Undo sh_initproc_wrap_process: true if the process was wrapped (args and capabilities restored). */
bool sh_initproc_unwrap_process(sh_json *process);
/* The restore masks of a wrapped process's loader (its --caps), false if there are none. */
bool sh_initproc_restore_caps(const sh_json *process, sh_capsets *c);

/* The loader call a wrapped process makes (digest points into the process's args), false if the
 * process is not wrapped. */
bool sh_initproc_loader_call(const sh_json *process, sh_loader_call *c);
/* The loader's arguments in front of a command: [loader, --sha256=, --flags=, (--caps=), program,
 * --], as a JSON array of strings. */
sh_json *sh_initproc_prefix(const sh_loader_call *c, const sh_capsets *restore);
/* process.capabilities := these sets. */
void sh_initproc_set_caps(sh_json *process, const sh_capsets *c);

/* Every hooks.startContainer entry runs through the loader (they run inside the container, where
 * the runtime's own filter would already apply); and back. */
void sh_initproc_wrap_hooks(sh_json *config, const sh_loader_call *c);
bool sh_initproc_unwrap_hooks(sh_json *config); /* true if any was */

/* The loader's mounts: a small tmpfs at SH_INIT_DIR (a mount point cannot be renamed away by the
 * container, so nothing can plant another loader at the path an exec uses), with the loader and the
 * program bind-mounted read-only inside it. remove_mounts drops every mount at those places. */
int sh_initproc_add_mounts(sh_json *config, const char *loader, const char *bpf, sh_error **err);
bool sh_initproc_remove_mounts(sh_json *config); /* true if any was there */

/* linux.seccomp for a config whose processes must all go through the loader: it refuses execve and
 * execveat (EPERM), so a runtime that starts a process itself (runc exec without the wrapper, or
 * the config run by the plain runtime) cannot run anything, while the wrapper removes it. */
sh_json *sh_initproc_placeholder(void);
bool sh_initproc_is_placeholder(const sh_json *seccomp);

#endif

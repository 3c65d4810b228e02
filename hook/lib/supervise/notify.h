/* Handing a seccomp listener fd to the agent at a profile's listenerPath, as runc does: the
 * runtime-spec's container process state (fds ["seccompFd"], metadata, the container's state: id,
 * status, pid, the bundle's absolute path and the config's annotations) with the fd by SCM_RIGHTS. For `exec`, and for the runtime wrapper's relay, which takes the listener
 * from an init-mode loader in a container and hands it on from the host. */
#ifndef SH_NOTIFY_H
#define SH_NOTIFY_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

typedef struct sh_notify_state {
	const char *id, *status, *bundle;
	const char *metadata; /* listenerMetadata, or NULL */
	const char *annotations; /* the container's annotations as a JSON object's text, or NULL */
	pid_t pid;            /* the filtered process */
} sh_notify_state;

/* A unix stream socket (close-on-exec) connected to path, or bound and listening there. */
int sh_unix_socket(const char *path, bool listen_on, sh_error **err);
/* A connected socket to listenerPath (close-on-exec). */
int sh_notify_connect(const char *path, sh_error **err);
int sh_notify_send(int sock, int listener, const sh_notify_state *st, sh_error **err);

/* The relay: a detached process (its own session, nothing but `channel` open) that waits for one
 * listener on `channel` (from the loader: sh_send_fd), connects to `path`, hands it on with `st`
 * (pid: the sender's) and answers the loader 'y'; on any failure it answers 'n' and the reason (the
 * loader prints it and does not start the workload). agent: `path` is seccomp-hook's agent for this
 * container, which is told that nothing comes if the container goes away before its loader sends a
 * listener. Returns once the relay runs; the caller closes its copy of `channel`. */
int sh_notify_relay_start(int channel, const char *path, const sh_notify_state *st, bool agent, sh_error **err);

/* Run fn(3, ctx) in a detached process (a grandchild: its own session, the standard streams on
 * /dev/null, nothing open but `channel`, as fd 3, and `keep` as fd 4 unless it is -1); returns once
 * it was started. fn's return value is its exit status. It works on copies of the caller's memory
 * (fork). */
int sh_start_detached(int channel, int keep, int (*fn)(int channel, void *ctx), void *ctx, sh_error **err);

#endif

/* The container agent: a detached process, started by the hook for a container that asks for a
 * recording (org.seccomp-hook.record) or live reports (org.seccomp-hook.report), that listens on a
 * socket of its own (the listenerPath the runtime, or the wrapper's relay, hands every listener of
 * the container to: its init and each exec), answers every notified call as the base profile
 * decides it, and when the container's last filtered process is gone writes the recording into the
 * administrator's directory (atomically) or the last counts. */
#ifndef SH_AGENT_H
#define SH_AGENT_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "explain.h"
#include "resolve.h"

#define SH_DEFAULT_AGENTS_DIR "/run/seccomp-hook/agents"
#define SH_DEFAULT_RECORDINGS_DIR SH_LOCALSTATEDIR "/lib/seccomp-hook/recordings"
/* How long an agent waits for its container to start: runc 1.1 does not fail but waits for ever
 * when the listenerPath it is given has nobody listening, so the agent waits long. */
#define SH_AGENT_IDLE_SECONDS 3600
#define SH_DEFAULT_REPORTS_LOG SH_LOCALSTATEDIR "/log/seccomp-hook/denials.jsonl"

typedef struct sh_agent_opts {
	const sh_engine *base;      /* the profile that decides (NULL: record without one, all allowed) */
	const uint32_t *arches;     /* the recording's archMap: native first */
	size_t narches;
	const char *record;         /* the recording's NAME (NAME.json in recordings_dir), or NULL */
	bool args;                  /* record argument values (record --args) */
	const char *report;         /* "enforce" | "complain", or NULL */
	const char *agents_dir;     /* where its socket goes (root-only: created 0700) */
	const char *recordings_dir;
	const char *reports_log;    /* JSON lines, appended */
	const char *metrics_dir;    /* seccomp-hook-<container>.prom files, or NULL for none */
	const char *const *always;  /* names the filter does not hand over that a recording lists */
	int idle_seconds;           /* give up when no listener came in this long (the start failed) */
	/* The process whose end, before any listener came, means the container was never made (a
	 * precreate hook's engine, which runs the runtime's create and start itself); 0: none. */
	pid_t creator;
} sh_agent_opts;

/* Start it; *socket_path is where it listens (caller frees). Returns once it listens.
 * Before a listener comes, the agent also ends when told that none will (sh_agent_release), when the
 * creator is gone, on SIGTERM or SIGINT, or after idle_seconds. Once one came it serves until the
 * container's last filtered process is gone; SIGTERM then ends it as that would (the recording is
 * written), and a recording's container is stopped, as when the agent is killed. */
int sh_agent_start(const sh_agent_opts *o, char **socket_path, sh_error **err);

/* Tell the agent at socket_path that no listener will come (its container was never made, or another
 * transform's agent serves it): one that has had none ends. */
int sh_agent_release(const char *socket_path, sh_error **err);

#endif

/* The runtime wrapper's reading of runc's command line and of its own options (command line and
 * config file), and its plan for `exec`: whether the container's processes start through the
 * loader, and the rewritten process the runtime then gets. */
#ifndef SH_RUNTIME_CLI_H
#define SH_RUNTIME_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "hookcfg.h"

#define SH_RUNTIME_CONFIG SH_SYSCONFDIR "/runtime.conf"
#define SH_RUNTIME_STATE_DIR "/run/seccomp-hook"
#define SH_RT_HELP 1

typedef enum { SH_RT_OTHER, SH_RT_CREATE, SH_RT_EXEC, SH_RT_DELETE } sh_rt_command;

typedef struct sh_rt_cli {
	sh_hook_opts o;
	char *runtime_file; /* the real runtime, resolved; NULL if it could not be */
	char **argv;        /* what the runtime gets: [runtime, globals..., command, args...], NULL-ended */
	size_t argc;
	size_t command_at;  /* index of the command in argv (argc if there is none) */
	sh_rt_command command;
	const char *bundle;    /* create/run: --bundle (NULL: the current directory) */
	const char *config_file; /* create/run: crun's --config (-f), NULL if not given */
	const char *container; /* exec: the container id */
	size_t container_at;   /* exec: its index in argv */
	size_t process_at;     /* exec: index of --process's value in argv; 0 for the argv form */
	char **caps_added;     /* exec: --cap values (the argv form) */
	size_t ncaps_added;
	size_t preserve_at;    /* create/exec: index of --preserve-fds's value in argv, 0 if absent */
	int preserve_fds;      /* its value */
	int next_fd;           /* the descriptor the next preserved one gets in the container */
	const char *id;        /* create/run, delete: the container id (the last argument) */
	const char *log;       /* the runtime's --log file, where engines look for its error */
	const char *root;      /* the runtime's --root (NULL: its default) */
	const char *state_dir; /* --state-dir: the wrapper's record of the containers it created */
	bool log_json;         /* --log-format=json */
	bool foreground;       /* run without --detach: the runtime deletes the container when it ends */
	bool version;          /* --version (-v) among the global options */
	char *conf_text;       /* the config file's text, which the options point into */
	const char **overlays; /* --overlay values, the config file's first (o.overlays) */
	char **owned;          /* strings made here that argv points to */
	size_t nowned;
} sh_rt_cli;

void sh_rt_cli_free(sh_rt_cli *c);
/* s, freed with c. */
char *sh_rt_keep(sh_rt_cli *c, char *s);

/* 0, SH_RT_HELP, or -1 with *err set. After -1, argv, command and runtime_file are still filled in
 * as far as they could be, so a command that starts no process can still reach the runtime. */
int sh_rt_parse(int argc, char **argv, sh_rt_cli *c, sh_error **err);
/* Commands that start a process in a container: refused when the wrapper's options are broken. */
bool sh_rt_starts_process(const sh_rt_cli *c);
/* [runtime, globals..., "state", container, NULL] (the strings are c's): exec's container, or the
 * id of the command (create, run, delete). */
char **sh_rt_state_argv(const sh_rt_cli *c);
/* The same with --root ROOT in place of the runtime's own --root (ROOT NULL: as given). */
char **sh_rt_state_argv_in(const sh_rt_cli *c, const char *root);

/* One line of the runtime's --log file as runc writes it, in the format the engine asked for
 * (--log-format json or text), with the newline; level "error", "warning" or "info". */
char *sh_rt_log_line(bool json, const char *level, const char *msg, long long unix_time);

/* One more descriptor for the runtime to pass into the container (--preserve-fds), at next_fd. */
void sh_rt_preserve_one_more(sh_rt_cli *c);

/* For exec, from the runtime's state of the container: either nothing to do (the container's
 * processes do not start through the loader), a new process.json (process_json; --process form), or
 * argv edited in place (the argv form). */
typedef struct sh_rt_exec_plan {
	char *process_json;
	size_t process_len;
	/* SCMP_ACT_NOTIFY: the new process's loader sends its listener on next_fd, for the relay to
	 * hand to listener_path (NULL: no listener). */
	char *listener_path, *listener_metadata, *bundle;
	char *annotations; /* the container's annotations (a JSON object's text) for the listener's state */
} sh_rt_exec_plan;
int sh_rt_plan_exec(sh_rt_cli *c, const char *state, size_t statelen, sh_rt_exec_plan *p, sh_error **err);
/* --process's value becomes /proc/self/fd/FD. */
void sh_rt_use_process_fd(sh_rt_cli *c, int fd);
void sh_rt_exec_plan_free(sh_rt_exec_plan *p);

/* What a record says is the container's on the host besides the runtime's own state. */
typedef struct sh_rt_record {
	char *place; /* the loader's place the runtime made in the root (sh_hook_result.made_place) */
	char *agent; /* its agent's socket */
	char nonce[17]; /* this record's, written at create: a record made since (same id) is another's */
} sh_rt_record;
/* The config's annotations as a JSON object's text, for the listener's state; NULL without any. */
char *sh_rt_annotations_text(const sh_json *config);

/* The wrapper's record of a container it created, so that exec needs no `runtime state` (a spawn of
 * the runtime) nor the bundle's whole config, and so that what the container left on the host is
 * cleaned up once it is gone: STATE_DIR/runtime/ROOTHASH/ID.json, written at create from the config
 * as the transform left it (res: its agent and the loader's place the runtime makes), removed with
 * the container. sh_rt_plan_exec_from_record: 1 planned, 0 no record, -1 error. */
char *sh_rt_record_path(const sh_rt_cli *c, const char *id);
int sh_rt_write_record(const sh_rt_cli *c, const char *bundle, const sh_json *config, const sh_hook_result *res,
		       sh_rt_record *written, sh_error **err);
int sh_rt_plan_exec_from_record(sh_rt_cli *c, sh_rt_exec_plan *p, sh_error **err);

/* 1 read, 0 no record, -1 error (untrusted state directory or record). */
int sh_rt_read_record(const sh_rt_cli *c, const char *id, sh_rt_record *r, sh_error **err);
void sh_rt_record_free(sh_rt_record *r);

/* When the wrapper cleans up after the runtime's command: after `create` (or `run --detach`) that
 * failed there is no container; after a foreground `run` there is none if the runtime's state says
 * so (a run killed before it deleted the container leaves it); after a `delete` that succeeded
 * there is none. */
typedef enum { SH_RT_AFTER_CREATE, SH_RT_AFTER_RUN, SH_RT_AFTER_DELETE } sh_rt_after;
typedef struct sh_rt_cleanup {
	bool record; /* the record */
	bool place;  /* the loader's place in the root, if the record says the runtime made it */
	bool agent;  /* tell the agent that no listener comes (one that had some ends by itself) */
} sh_rt_cleanup;
sh_rt_cleanup sh_rt_cleanup_plan(sh_rt_after step, int exit_code, bool container_exists);
/* Do it, for the record r (read at create or before the command): the place only as an empty
 * directory, the record only while it is still r (its nonce). */
void sh_rt_cleanup_act(const sh_rt_cli *c, const char *id, const sh_rt_record *r, sh_rt_cleanup what);

#endif

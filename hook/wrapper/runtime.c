/* seccomp-hook-runtime: an OCI runtime with runc's command line, for engines that run no hooks
 * (Docker, containerd and so Kubernetes RuntimeClasses; also CRI-O's and podman's --runtime). It
 * applies the precreate transform to the bundle at `create`/`run`, sends every `exec` through the
 * loader with the container's compiled program, and hands everything else to the real runtime
 * unchanged (it execs it: exit status, output and signals are the runtime's own).
 *
 * The parts that decide what a container runs live in the library (hookcfg, initproc, runtime_cli);
 * this file is the command. */
#include "config.h"
#include "agent.h"
#include "error.h"
#include "hookcfg.h"
#include "initproc.h"
#include "json.h"
#include "notify.h"
#include "oplog.h"
#include "runtime_cli.h"
#include "loaderstore.h"
#include "seal.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char usage_text[] =
	"Usage: seccomp-hook-runtime [WRAPPER OPTION...] [RUNTIME GLOBAL OPTION...] COMMAND [ARG...]\n"
	"An OCI runtime with runc's command line: `create` and `run` apply a seccomp profile to the\n"
	"bundle's config.json (as `seccomp-hook precreate` does), `exec` runs the new process through the\n"
	"loader with the container's compiled program, and every other command goes to the real runtime\n"
	"unchanged.\n\n"
	"Wrapper options (anywhere among the runtime's global options, or one per line in the config file\n"
	"as NAME=VALUE):\n"
	"  --runtime-path=PATH    the real runtime (default: runc, found in PATH)\n"
	"  --mode=MODE            init (default): precompiled program, installed by the loader (or by crun);\n"
	"                         runtime: the resolved profile in linux.seccomp, installed by the runtime\n"
	"  --profiles-dir=DIR     where NAME.json profiles live (default: the installed directories)\n"
	"  --default-profile=NAME profile for containers that name none and have no linux.seccomp\n"
	"  --override-profile=NAME profile for containers that name none, in place of the linux.seccomp the\n"
	"                         engine wrote (its default profile, or --security-opt seccomp=FILE)\n"
	"  --cache-dir=DIR        compiled-program cache (default " SH_DEFAULT_CACHE_DIR ")\n"
	"  --loader=PATH          the seccomp-hook-init binary (default " SH_LIBEXECDIR "/seccomp-hook-init)\n"
	"  --loader-store=DIR     where its read-only copy is mounted, which containers bind (default\n"
	"                         " SH_LOADER_STORE ")\n"
	"  --runtime=any|crun     crun: init mode hands crun the program (default: crun when the runtime's\n"
	"                         file name starts with crun)\n"
	"  --recordings-dir=DIR   org.seccomp-hook.record=NAME: NAME.json goes here when the container stops\n"
	"                         (default " SH_DEFAULT_RECORDINGS_DIR ")\n"
	"  --reports-log=FILE     org.seccomp-hook.report: JSON lines (default " SH_DEFAULT_REPORTS_LOG ")\n"
	"  --metrics-dir=DIR      org.seccomp-hook.report: Prometheus textfile counts (default: none)\n"
	"  --agents-dir=DIR       the agents' sockets (default " SH_DEFAULT_AGENTS_DIR ")\n"
	"  --state-dir=DIR        where the wrapper records the containers it created (default " SH_RUNTIME_STATE_DIR ")\n"
	"  --seal-key=FILE        the host key that seals the configs it rewrites (default " SH_SEAL_KEY_DEFAULT ")\n"
	"  --config=FILE          wrapper options file (default " SH_RUNTIME_CONFIG ", if it exists)\n"
	"  --overlay=NAME|PATH    a profile of deny rules stacked on whatever every container gets (its\n"
	"                         profile, the engine's, or none); NAME is overlays/NAME.json in the profiles\n"
	"                         directories. May be given more than once; the config file's and the command\n"
	"                         line's all apply\n"
	"  --overlay-unconfined=yes|no  no: a container with no filter at all stays so (default yes)\n"
	"  --help                 this help (the runtime's own: RUNTIME --help)\n\n"
	"The profile: annotation org.seccomp-hook.profile=NAME|unconfined, else --override-profile if the\n"
	"engine wrote a linux.seccomp, else linux.seccomp as the engine wrote it (Docker's default,\n"
	"--security-opt seccomp=FILE, a Kubernetes profile), else --default-profile, else none. Mode:\n"
	"annotation org.seccomp-hook.mode, else --mode. Recording and live reports:\n"
	"org.seccomp-hook.record=NAME, org.seccomp-hook.report=enforce|complain.\n"
	"Warnings go to the runtime's --log file (in its --log-format), or to standard error without one;\n"
	"refusals to both. Each warning and refusal is also logged to syslog (" SH_OPLOG_WHERE ").\n"
	"Exit status: the runtime's; 1 or 2 (with one line on standard error) when the wrapper refuses.\n";

static sh_rt_cli *current;
static const char *current_profile; /* the profile the transform chose, for the syslog lines */

static sh_oplog who(const sh_rt_cli *c)
{
	static const char *const names[] = { [SH_RT_OTHER] = "seccomp-hook-runtime", [SH_RT_CREATE] = "seccomp-hook-runtime create",
					     [SH_RT_EXEC] = "seccomp-hook-runtime exec", [SH_RT_DELETE] = "seccomp-hook-runtime delete" };
	return (sh_oplog){ .who = c ? names[c->command] : names[SH_RT_OTHER],
			   .container = c ? (c->container ? c->container : c->id) : NULL, .profile = current_profile };
}

/* Where runc writes its own messages: engines (containerd's shim) show the last error line of the
 * --log file to the user, not the runtime's standard error. */
static void log_line(const sh_rt_cli *c, const char *level, const char *msg)
{
	if (!c || !c->log)
		return;
	FILE *f = fopen(c->log, "ae");
	if (!f)
		return;
	cleanup_free char *line = sh_rt_log_line(c->log_json, level, msg, (long long)time(NULL));
	fputs(line, f);
	fclose(f);
}

/* The transform's findings: never on standard error when there is a --log file (at create, standard
 * error is the container's own, which the engine's logs show as the application's output). */
static void report_findings(const sh_rt_cli *c, const sh_diag *d)
{
	sh_oplog o = who(c);
	sh_oplog_diag(&o, d);
	if (!c->log) {
		sh_diag_print(d, SH_FMT_TEXT, stderr);
		return;
	}
	for (size_t i = 0; i < d->n; i++) {
		const sh_finding *f = &d->items[i];
		cleanup_free char *text = sh_finding_line(f);
		cleanup_free char *msg = sh_xasprintf("seccomp-hook-runtime: %s", text);
		log_line(c, f->sev == SH_SEV_ERROR ? "error" : f->sev == SH_SEV_WARNING ? "warning" : "info", msg);
	}
}

/* One line on standard error and in the runtime's log (and syslog), then exit with the error's
 * status. Frees everything first: exit(3) runs no cleanup attributes, and a sanitized build counts
 * leaks at exit. */
static void __attribute__((noreturn)) die_with(sh_error *err)
{
	char *line = sh_error_line(err);
	/* "seccomp-hook: error: X" (no file) reads "seccomp-hook-runtime: error: X" here. */
	const char *rest = strncmp(line, "seccomp-hook: ", 14) == 0 ? line + 14 : line;
	char *full = sh_xasprintf("seccomp-hook-runtime: %s", rest);
	fprintf(stderr, "%s\n", full);
	log_line(current, "error", full);
	sh_oplog o = who(current);
	sh_oplog_error(&o, err);
	int status = err && err->status ? err->status : SH_EXIT_SYSTEM;
	free(full);
	free(line);
	sh_error_free(err);
	if (current)
		sh_rt_cli_free(current);
	exit(status);
}

static void __attribute__((noreturn)) exec_runtime(const sh_rt_cli *c)
{
	execv(c->runtime_file, c->argv);
	sh_error *err = NULL;
	sh_error_errno(&err, errno, "cannot execute the runtime %s", c->runtime_file);
	die_with(err);
}

/* The runtime as a child, for commands after which the wrapper has to clean up: its wait status.
 * It dies with the wrapper (an engine that kills the runtime kills the wrapper). */
static int run_runtime(const sh_rt_cli *c, sh_error **err)
{
	pid_t parent = getpid(), pid = fork();
	if (pid < 0)
		return sh_error_errno(err, errno, "fork");
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		execv(c->runtime_file, c->argv);
		fprintf(stderr, "seccomp-hook-runtime: cannot execute the runtime %s: %s\n", c->runtime_file, strerror(errno));
		_exit(127);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return sh_error_errno(err, errno, "waitpid");
	return status;
}

/* Ends as the runtime ended: its exit status, or its signal. */
static void __attribute__((noreturn)) exit_as(int status)
{
	if (current)
		sh_rt_cli_free(current);
	if (WIFSIGNALED(status)) {
		signal(WTERMSIG(status), SIG_DFL);
		raise(WTERMSIG(status));
	}
	exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

/* SCMP_ACT_NOTIFY through the loader: a socket pair, one end passed into the container as its next
 * preserved descriptor (where the loader's --listener-fd says), the other held by the relay, which
 * hands the listener to listenerPath from the host. */
static int start_relay(sh_rt_cli *c, const char *path, const sh_notify_state *st, bool agent, sh_error **err)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return sh_error_errno(err, errno, "socketpair");
	int r = sh_notify_relay_start(sv[0], path, st, agent, err);
	close(sv[0]);
	if (r == 0 && dup2(sv[1], c->next_fd) < 0) /* dup2 leaves it open across exec */
		r = sh_error_errno(err, errno, "dup2");
	if (sv[1] != c->next_fd)
		close(sv[1]);
	if (r == 0)
		sh_rt_preserve_one_more(c);
	return r;
}

/* create/run: the transform on BUNDLE/config.json, in place, before the runtime reads it; the
 * record of what the container will leave on the host (rec). */
static int prepare_bundle(sh_rt_cli *c, sh_rt_record *rec, sh_error **err)
{
	sh_diag d = { 0 };
	sh_hook_opts o = c->o;
	sh_hook_result res = { 0 };
	/* Absolute, as runc gives it in the container's state (the listener's state message, exec's). */
	cleanup_free char *bundle = realpath(c->bundle ? c->bundle : ".", NULL);
	if (!bundle)
		return sh_error_errno(err, errno, "bundle %s", c->bundle ? c->bundle : ".");
	o.exec_routed = !o.crun; /* this wrapper routes every exec through the loader */
	o.has_listener_fd = true;
	o.listener_fd = c->next_fd;
	/* Not fsync'd: an engine keeps its bundles in /run, and no container outlives a crash. */
	sh_json *config = NULL;
	int r = sh_hook_rewrite_bundle(bundle, &o, false, &res, &d, &config, err);
	current_profile = res.profile ? sh_rt_keep(c, sh_xstrdup(res.profile)) : NULL;
	report_findings(c, &d);
	sh_diag_free(&d);
	if (r == 0)
		r = sh_rt_write_record(c, bundle, config, &res, rec, err);
	cleanup_free char *annotations = r == 0 ? sh_rt_annotations_text(config) : NULL;
	sh_json_free(config);
	if (r == 0 && res.listener_path && !o.crun) {
		sh_notify_state st = { .id = c->id ? c->id : "", .status = "creating", .bundle = bundle,
				       .metadata = res.listener_metadata, .annotations = annotations };
		r = start_relay(c, res.listener_path, &st, res.agent && strcmp(res.agent, res.listener_path) == 0, err);
	}
	sh_error *ignored = NULL;
	if (r < 0 && res.agent) /* the container will not be made */
		sh_agent_release(res.agent, &ignored);
	sh_error_free(ignored);
	sh_hook_result_free(&res);
	return r;
}

/* ---- after the runtime: what a container that is gone (or never came) left ------------------------- */

typedef struct watch_ctx {
	sh_rt_cli *c;
	sh_rt_record *rec;
} watch_ctx;

/* Whether the runtime still knows the container (`RUNTIME state ID` succeeds), asked in `root` (NULL:
 * the runtime's own). */
static bool container_exists(const sh_rt_cli *c, const char *root)
{
	cleanup_free char **argv = sh_rt_state_argv_in(c, root);
	pid_t pid;
	int st = 0;
	if (posix_spawn(&pid, c->runtime_file, NULL, NULL, argv, environ) != 0)
		return true; /* cannot tell: leave everything */
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return !(WIFEXITED(st) && WEXITSTATUS(st) != 0);
}

/* The runtime's --root, made as runc and crun make it (0700) if it is not there yet, and opened. */
static int open_root(const char *root)
{
	if (mkdir(root, 0700) < 0 && errno != EEXIST)
		return -1;
	return open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* In a detached process: wait until the foreground `run` (this very process, once it has exec'd the
 * runtime) has ended, then clean up if the container is gone. The runtime's --root was opened before
 * the run (fd 4): asked there, runc and crun find no container in a root removed since, where asked
 * by its name they would make it again (both make their root on every command), under a caller that
 * removes it as soon as the run returns. */
static int watch_run(int pidfd, void *ctx)
{
	watch_ctx *w = ctx;
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
	const char *root = w->c->root ? "/proc/self/fd/4" : NULL;
	sh_rt_cleanup what = sh_rt_cleanup_plan(SH_RT_AFTER_RUN, 0, container_exists(w->c, root));
	sh_rt_cleanup_act(w->c, w->c->id, w->rec, what);
	return 0;
}

static void start_run_watch(sh_rt_cli *c, sh_rt_record *rec)
{
	int self = (int)syscall(SYS_pidfd_open, getpid(), 0);
	int root = c->root ? open_root(c->root) : -1;
	sh_error *err = NULL;
	watch_ctx w = { c, rec };
	/* Without it the container still runs; its record then stays until a delete through the wrapper. */
	if (self < 0 || (c->root && root < 0) || sh_start_detached(self, root, watch_run, &w, &err) < 0) {
		sh_diag d = { 0 };
		sh_diag_add(&d, SH_SEV_WARNING, NULL, 0, 0, "no-cleanup", "cannot watch the run (%s): its record stays "
			    "until a delete", err ? err->msg : strerror(errno));
		report_findings(c, &d);
		sh_diag_free(&d);
	}
	sh_error_free(err);
	if (self >= 0)
		close(self);
	if (root >= 0)
		close(root);
}

/* create, or run: the runtime as a child when the wrapper must clean up after a failure; a
 * foreground run is watched from a detached process, and the wrapper becomes the runtime. */
static void __attribute__((noreturn)) run_create(sh_rt_cli *c)
{
	sh_rt_record rec = { 0 };
	sh_error *err = NULL;
	if (prepare_bundle(c, &rec, &err) < 0) {
		if (rec.nonce[0]) /* the record was written before what failed */
			sh_rt_cleanup_act(c, c->id, &rec, sh_rt_cleanup_plan(SH_RT_AFTER_CREATE, 1, false));
		sh_rt_record_free(&rec);
		die_with(err);
	}
	if (c->foreground) {
		start_run_watch(c, &rec);
		sh_rt_record_free(&rec);
		exec_runtime(c);
	}
	int status = run_runtime(c, &err);
	if (status < 0)
		die_with(err);
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
	sh_rt_cleanup_act(c, c->id, &rec, sh_rt_cleanup_plan(SH_RT_AFTER_CREATE, code, false));
	sh_rt_record_free(&rec);
	exit_as(status);
}

/* delete: what the record says the container left, removed once the runtime has deleted it. */
static void __attribute__((noreturn)) run_delete(sh_rt_cli *c)
{
	sh_rt_record rec = { 0 };
	sh_error *err = NULL;
	if (sh_rt_read_record(c, c->id, &rec, &err) <= 0) { /* not the wrapper's, or unreadable: as it is */
		sh_error_free(err);
		exec_runtime(c);
	}
	int status = run_runtime(c, &err);
	if (status < 0)
		die_with(err);
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
	sh_rt_cleanup_act(c, c->id, &rec, sh_rt_cleanup_plan(SH_RT_AFTER_DELETE, code, false));
	sh_rt_record_free(&rec);
	exit_as(status);
}

/* `RUNTIME [GLOBALS] state ID`: its standard output (the OCI state JSON). */
static int runtime_state(const sh_rt_cli *c, char **out, size_t *len, sh_error **err)
{
	cleanup_free char **argv = sh_rt_state_argv(c);
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return sh_error_errno(err, errno, "pipe");
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	pid_t pid;
	int e = posix_spawn(&pid, c->runtime_file, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (e) {
		close(pfd[0]);
		return sh_error_errno(err, e, "cannot execute the runtime %s", c->runtime_file);
	}
	int r = sh_read_fd_bounded(pfd[0], "runtime state", 1u << 20, out, len, err);
	close(pfd[0]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (r == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		r = sh_error_set(err, SH_EXIT_SYSTEM, "`%s state %s` failed", c->runtime_file, c->container);
	return r;
}

/* A file descriptor the runtime can open as /proc/self/fd/N: the rewritten process.json, with no
 * temporary file to leave behind (the wrapper is replaced by the runtime, so it cleans up nothing). */
static int process_memfd(const char *text, size_t len, sh_error **err)
{
	int fd = memfd_create("seccomp-hook-process.json", MFD_CLOEXEC);
	if (fd < 0)
		return sh_error_errno(err, errno, "memfd_create");
	/* Open across the exec of the runtime, and well above the descriptors it passes into the
	 * container (stdio, $LISTEN_FDS, --preserve-fds, the listener channel), which it closes. */
	int high = sh_write_all(fd, text, len) < 0 || lseek(fd, 0, SEEK_SET) < 0 ? -1 : fcntl(fd, F_DUPFD, 256);
	int e = errno;
	close(fd);
	if (high < 0)
		return sh_error_errno(err, e, "process.json");
	return high;
}

/* exec: the container's own config (as the wrapper wrote it at create) tells whether its processes
 * start through the loader; if they do, so does this one. */
static void route_exec(sh_rt_cli *c)
{
	sh_error *err = NULL;
	char *state = NULL;
	size_t slen = 0;
	sh_rt_exec_plan plan = { 0 };
	int r = sh_rt_plan_exec_from_record(c, &plan, &err);
	if (r == 0) /* not created through this wrapper: ask the runtime where its bundle is */
		r = runtime_state(c, &state, &slen, &err);
	if (r == 0)
		r = sh_rt_plan_exec(c, state, slen, &plan, &err);
	r = r > 0 ? 0 : r;
	free(state);
	int fd = r == 0 && plan.process_json ? process_memfd(plan.process_json, plan.process_len, &err) : 0;
	if (fd > 0)
		sh_rt_use_process_fd(c, fd);
	if (r == 0 && fd >= 0 && plan.listener_path) {
		sh_notify_state st = { .id = c->container, .status = "running", .bundle = plan.bundle,
				       .metadata = plan.listener_metadata, .annotations = plan.annotations };
		r = start_relay(c, plan.listener_path, &st, false, &err);
	}
	sh_rt_exec_plan_free(&plan);
	if (r < 0 || fd < 0)
		die_with(err);
}

int main(int argc, char **argv)
{
	sh_rt_cli c;
	cleanup_error sh_error *err = NULL;
	int st = sh_rt_parse(argc, argv, &c, &err);
	current = &c;
	if (st == SH_RT_HELP) {
		fputs(usage_text, stdout);
		sh_rt_cli_free(&c);
		return 0;
	}
	if (c.version) { /* ours first, then the runtime's own */
		printf("seccomp-hook-runtime version %s\n", PACKAGE_VERSION);
		fflush(stdout);
	}
	/* A broken wrapper configuration stops what starts processes; delete, kill and state still
	 * reach the runtime, so the engine can clean up. */
	if (st < 0 && (!c.runtime_file || sh_rt_starts_process(&c)))
		die_with(steal_pointer(&err));
	if (c.command == SH_RT_CREATE)
		run_create(&c);
	if (c.command == SH_RT_EXEC)
		route_exec(&c);
	if (c.command == SH_RT_DELETE && st == 0)
		run_delete(&c);
	exec_runtime(&c);
}

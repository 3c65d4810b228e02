/* The container agent; see agent.h. */
#include "config.h"
#include "agent.h"
#include "apply.h"
#include "json.h"
#include "lookup.h"
#include "notify.h"
#include "record.h"
#include "report.h"
#include "supervise.h"
#include "trust.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>


typedef struct agent {
	sh_agent_opts o;
	char *socket_path;
	char *id;            /* the container's, from the first state message */
	sh_recorder *rec;
	sh_reporter *rep;
	sh_supervisor *sup;
	bool record;
	int watchdog;        /* the watchdog's end of their socket pair */
	int creator;         /* a pidfd of o.creator, or -1 */
	bool released;       /* told that no listener will come */
} agent;

/* The message that tells an agent no listener will come; it carries no descriptor. */
static const char release_msg[] = "seccomp-hook agent: no listener will come";

/* SIGTERM or SIGINT: set by the handler, read by the loops (poll returns early on it). */
static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static void catch_stop_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop }; /* no SA_RESTART: poll returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

static void on_call(void *ctx, const sh_call *c)
{
	agent *a = ctx;
	if (a->rec)
		sh_recorder_call(a->rec, c);
	if (a->rep)
		sh_reporter_call(a->rep, c);
}

/* A directory for the agent's files: made if missing (parents too), never through a symlink. */
static int make_dir(const char *dir, unsigned mode, sh_error **err)
{
	cleanup_free char *d = sh_xstrdup(dir);
	for (char *p = d + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(d, 0755) < 0 && errno != EEXIST)
				return sh_error_errno(err, errno, "%s", d);
			*p = '/';
		}
	if (mkdir(d, mode) < 0 && errno != EEXIST)
		return sh_error_errno(err, errno, "%s", d);
	struct stat st;
	if (lstat(d, &st) < 0 || !S_ISDIR(st.st_mode))
		return sh_error_set(err, SH_EXIT_SYSTEM, "%s: not a directory", d);
	/* Whoever could write the agents' directory could put a socket of their own where the runtime
	 * hands a container's listener (and answer every call with CONTINUE); whoever could write the
	 * others could plant what an administrator later takes for a recording. */
	return sh_trust_dir(d, "agent directory", err);
}

/* A container id as a file name part: runc's ids are [A-Za-z0-9_+.-]; anything else is replaced. */
static char *file_safe(const char *id)
{
	char *s = sh_xstrdup(id && *id ? id : "unknown");
	for (char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("_+.-", *p)))
			*p = '_';
	if (s[0] == '.')
		s[0] = '_';
	return s;
}

static int start_reporter(agent *a, sh_error **err)
{
	cleanup_free char *safe = file_safe(a->id);
	cleanup_free char *metrics = a->o.metrics_dir ? sh_xasprintf("%s/seccomp-hook-%s.prom", a->o.metrics_dir, safe) : NULL;
	sh_report_opts ro = { .container = a->id, .complain = strcmp(a->o.report, "complain") == 0, .syslog = true,
			      .jsonl = a->o.reports_log, .metrics = metrics };
	a->rep = sh_reporter_new(a->o.base ? a->o.base->rs : NULL, &ro, err);
	return a->rep ? 0 : -1;
}

/* The state message runc (and the wrapper's relay) sends with the listener: the container's id and
 * the process the listener belongs to. */
static char *state_id(const char *msg, size_t len, pid_t *pid)
{
	sh_json *j = NULL;
	sh_error *ignored = NULL;
	char *id = NULL;
	*pid = 0;
	if (sh_json_parse(msg, len, "state", NULL, &j, &ignored) == 0) {
		sh_json *v = sh_json_get(sh_json_get(j, "state"), "id"), *p = sh_json_get(j, "pid");
		if (v && v->type == SH_JSON_STRING)
			id = sh_xstrdup(v->u.str.s);
		uint64_t n;
		if (p && p->type == SH_JSON_NUMBER && sh_parse_u64(p->u.num, strlen(p->u.num), &n) && n > 0 && n < INT32_MAX)
			*pid = (pid_t)n;
	}
	sh_json_free(j);
	sh_error_free(ignored);
	return id;
}

/* The watchdog gets a pidfd of every process a listener came with, so that if the agent dies the
 * container stops rather than run on with every call failing (a loop that ignores ENOSYS would). */
static void tell_watchdog(const agent *a, pid_t pid)
{
	int pidfd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
	if (pidfd < 0)
		return;
	sh_send_fd(a->watchdog, pidfd, "p", 1);
	close(pidfd);
}

/* One connection: a listener and the state (runc's containerProcessState), then it closes. */
/* Only root (or the agent's own user: the hook's) hands over listeners; the socket is also 0600 in a
 * 0700 directory, so this is the second lock on the door. */
static bool peer_trusted(int conn)
{
	struct ucred cr;
	socklen_t len = sizeof cr;
	return getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 && (cr.uid == 0 || cr.uid == geteuid());
}

static bool is_listener(int fd)
{
	char path[64], target[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, target, sizeof target - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return strcmp(target, "anon_inode:seccomp notify") == 0;
}

/* The state message after the part that carried the fd: runc's includes the container's annotations,
 * so it can be large; read until its JSON object is complete, within a limit and a deadline. Not until
 * the sender closes: runc 1.1 never closes its connection (sendContainerProcessState closes only a
 * dup of it), and every call of the container waits while this reads. */
static size_t read_rest(int conn, char *buf, size_t have, size_t size)
{
	sh_json_scan scan = { 0 };
	bool done = sh_json_scan_feed(&scan, buf, have);
	while (!done && have + 1 < size) {
		ssize_t n = read(conn, buf + have, size - 1 - have);
		if (n <= 0)
			break;
		done = sh_json_scan_feed(&scan, buf + have, (size_t)n);
		have += (size_t)n;
	}
	buf[have] = '\0';
	return have;
}

#define STATE_MAX (1u << 20)

#define RELEASED (-2)

/* A listener (its fd, the state in *msg), RELEASED for the release message, else -1. */
static int receive_listener(int conn, char **msg, size_t *len)
{
	struct timeval tv = { 1, 0 }; /* a client that sends nothing must not hold up the container's calls */
	setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	*msg = sh_xmalloc(STATE_MAX);
	int fd = -1;
	ssize_t n = peer_trusted(conn) ? sh_recv_fd(conn, &fd, NULL, *msg, STATE_MAX) : -1;
	if (n > 0 && fd < 0 && strcmp(*msg, release_msg) == 0)
		return RELEASED;
	if (n <= 0 || fd < 0 || !is_listener(fd)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*len = read_rest(conn, *msg, (size_t)n, STATE_MAX);
	return fd;
}

static void accept_one(agent *a, int lsock)
{
	int conn = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		return;
	cleanup_free char *msg = NULL;
	size_t n = 0;
	int fd = receive_listener(conn, &msg, &n);
	close(conn);
	a->released |= fd == RELEASED;
	if (fd < 0)
		return;
	pid_t pid;
	char *id = state_id(msg, n, &pid);
	if (a->record)
		tell_watchdog(a, pid);
	if (a->id)
		free(id);
	else {
		a->id = id ? id : sh_xstrdup("unknown");
		sh_error *err = NULL;
		if (a->o.report && start_reporter(a, &err) < 0) {
			syslog(LOG_ERR, "container %s: reports: %s", a->id, err->msg);
			sh_error_free(err);
		}
	}
	sh_supervisor_add(a->sup, fd, a->id);
}

static int write_recording(agent *a, sh_error **err)
{
	/* A start that failed before the container's program was exec'd recorded only the runtime:
	 * an earlier recording under the name is worth more than that. */
	if (!sh_recorder_allowed_name(a->rec, "execve")) {
		syslog(LOG_WARNING, "container %s: the container's program never ran; %s.json not written", a->id, a->o.record);
		return 0;
	}
	if (make_dir(a->o.recordings_dir, 0755, err) < 0)
		return -1;
	cleanup_free char *path = sh_xasprintf("%s/%s.json", a->o.recordings_dir, a->o.record);
	if (sh_recorder_write(a->rec, a->o.arches, a->o.narches, a->o.always, NULL, path, err) < 0)
		return -1;
	cleanup_free char *sum = sh_recorder_summary(a->rec);
	syslog(LOG_INFO, "container %s: recorded %s; profile written to %s", a->id, sum, path);
	return 0;
}

static bool creator_gone(const agent *a)
{
	struct pollfd p = { .fd = a->creator, .events = POLLIN };
	return a->creator >= 0 && poll(&p, 1, 0) > 0;
}

/* Connections already made (a runtime hands the listener over before its create returns) are
 * taken before an agent decides that none came. */
static void accept_pending(agent *a, int lsock)
{
	struct pollfd p = { .fd = lsock, .events = POLLIN };
	while (poll(&p, 1, 0) > 0 && (p.revents & POLLIN))
		accept_one(a, lsock);
}

/* Before the first listener: whether to stop waiting for it. */
static bool nothing_comes(agent *a, int lsock, time_t start)
{
	if (!a->released && !stop_signal && !creator_gone(a) && time(NULL) - start <= a->o.idle_seconds)
		return false;
	accept_pending(a, lsock);
	return sh_supervisor_listeners(a->sup) == 0;
}

/* Until the container's last filtered process is gone (every listener closed), or no container
 * came at all, or a stop signal. 1: a listener came. */
static bool serve(agent *a, int lsock)
{
	bool had = false;
	time_t start = time(NULL);
	for (;;) {
		if (had && (sh_supervisor_listeners(a->sup) == 0 || stop_signal))
			break;
		if (!had && nothing_comes(a, lsock, start))
			break;
		had |= sh_supervisor_listeners(a->sup) > 0;
		sh_error *err = NULL;
		int w = sh_supervisor_wait(a->sup, lsock, 1000, &err);
		if (w < 0) {
			syslog(LOG_ERR, "container %s: %s", a->id ? a->id : "?", err->msg);
			sh_error_free(err);
			break;
		}
		if (w > 0)
			accept_one(a, lsock);
		had |= sh_supervisor_listeners(a->sup) > 0;
	}
	return had;
}

static int agent_main(int lsock, void *ctx)
{
	agent *a = ctx;
	openlog("seccomp-hook", LOG_PID, LOG_DAEMON);
	catch_stop_signals();
	a->creator = a->o.creator > 0 ? 4 : -1; /* sh_start_detached kept it there */
	a->sup = sh_supervisor_new(a->o.base, a->o.report && strcmp(a->o.report, "complain") == 0, on_call, a);
	if (a->o.record)
		a->rec = sh_recorder_new(a->o.base ? a->o.base->rs : NULL, a->o.args);
	bool had = serve(a, lsock);
	unlink(a->socket_path);
	int rc = 0;
	sh_error *err = NULL;
	if (a->id && a->rec && write_recording(a, &err) < 0)
		rc = 1;
	if (a->rep && sh_reporter_flush(a->rep, &err) < 0)
		rc = 1;
	if (rc)
		syslog(LOG_ERR, "container %s: %s", a->id, err->msg);
	sh_error_free(err);
	if (had && stop_signal) { /* stopped while serving: ended as a killed agent is (see watch) */
		syslog(LOG_WARNING, "container %s: the agent was stopped (signal %d)", a->id ? a->id : "?", (int)stop_signal);
		signal((int)stop_signal, SIG_DFL);
		raise((int)stop_signal);
	}
	return rc;
}

/* Before the container starts: a report log that cannot be written is a reporter that cannot start. */
static int check_reports_log(const char *path, sh_error **err)
{
	const char *slash = strrchr(path, '/');
	cleanup_free char *dir = slash && slash != path ? sh_xstrndup(path, (size_t)(slash - path)) : NULL;
	if (dir && make_dir(dir, 0750, err) < 0)
		return -1;
	int fd = sh_open_log(path, err);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* Recording: the detached process is a watchdog whose child is the agent. A recording must not let
 * the container run on without its recorder: if the agent is killed, the watchdog kills every
 * process it was told of (a container's init: its PID namespace goes with it). */
static void watch(int sock, pid_t agent_pid, int agent_pidfd)
{
	int *pidfds = NULL;
	size_t n = 0;
	int status = 0;
	bool passed = false;
	for (;;) {
		struct pollfd p[2] = { { .fd = sock, .events = POLLIN }, { .fd = agent_pidfd, .events = POLLIN } };
		int r = poll(p, 2, -1);
		if (stop_signal && !passed) { /* the agent ends as a stop signal ends it (agent_main) */
			kill(agent_pid, (int)stop_signal);
			passed = true;
		}
		if (r < 0 && errno != EINTR)
			break;
		if (r < 0)
			continue;
		if (p[0].revents & POLLIN) {
			char b[4];
			int fd = -1;
			if (sh_recv_fd(sock, &fd, NULL, b, sizeof b) > 0 && fd >= 0) {
				pidfds = sh_xreallocarray(pidfds, n + 1, sizeof(*pidfds));
				pidfds[n++] = fd;
			}
		}
		if (p[1].revents & POLLIN)
			break;
	}
	waitpid(agent_pid, &status, 0);
	if (WIFSIGNALED(status)) {
		syslog(LOG_ERR, "the recording agent was killed (signal %d): stopping its container", WTERMSIG(status));
		for (size_t i = 0; i < n; i++)
			syscall(SYS_pidfd_send_signal, pidfds[i], SIGKILL, NULL, 0);
	}
	free(pidfds);
}

static int watched_agent(int lsock, void *ctx)
{
	agent *a = ctx;
	catch_stop_signals();
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return 1;
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		close(sv[0]);
		a->watchdog = sv[1];
		_exit(agent_main(lsock, ctx));
	}
	close(sv[1]);
	close(lsock);
	if (a->o.creator > 0)
		close(4);
	openlog("seccomp-hook", LOG_PID, LOG_DAEMON);
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		kill(pid, SIGKILL); /* no watchdog, no recording: the container's calls then fail */
		return 1;
	}
	watch(sv[0], pid, pidfd);
	return 0;
}

int sh_agent_start(const sh_agent_opts *o, char **socket_path, sh_error **err)
{
	const char *dir = o->agents_dir ? o->agents_dir : SH_DEFAULT_AGENTS_DIR;
	if (make_dir(dir, 0700, err) < 0)
		return -1;
	unsigned char rnd[8];
	int rfd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (rfd < 0 || read(rfd, rnd, sizeof rnd) != (ssize_t)sizeof rnd) {
		if (rfd >= 0)
			close(rfd);
		return sh_error_errno(err, errno, "/dev/urandom");
	}
	close(rfd);
	agent a = { .o = *o };
	if (o->record && make_dir(o->recordings_dir ? o->recordings_dir : SH_DEFAULT_RECORDINGS_DIR, 0755, err) < 0)
		return -1;
	if (o->report && check_reports_log(o->reports_log ? o->reports_log : SH_DEFAULT_REPORTS_LOG, err) < 0)
		return -1;
	if (o->report && o->metrics_dir && make_dir(o->metrics_dir, 0755, err) < 0)
		return -1;
	a.socket_path = sh_xasprintf("%s/%02x%02x%02x%02x%02x%02x%02x%02x.sock", dir, rnd[0], rnd[1], rnd[2], rnd[3],
				     rnd[4], rnd[5], rnd[6], rnd[7]);
	if (!a.o.recordings_dir)
		a.o.recordings_dir = SH_DEFAULT_RECORDINGS_DIR;
	if (!a.o.reports_log)
		a.o.reports_log = SH_DEFAULT_REPORTS_LOG;
	if (a.o.idle_seconds <= 0)
		a.o.idle_seconds = SH_AGENT_IDLE_SECONDS;
	a.record = o->record != NULL;
	mode_t old = umask(0177); /* the socket 0600: only root connects */
	int lsock = chmod(dir, 0700) < 0 ? sh_error_errno(err, errno, "%s", dir) : sh_unix_socket(a.socket_path, true, err);
	umask(old);
	/* Opened here, while the creator certainly runs (it waits for this call): no PID reuse. */
	int creator = o->creator > 0 ? (int)syscall(SYS_pidfd_open, o->creator, 0) : -1;
	if (o->creator > 0 && creator < 0)
		a.o.creator = 0; /* gone already, or no pidfds: the other ways to end remain */
	int r = lsock < 0 ? -1 : sh_start_detached(lsock, creator, a.record ? watched_agent : agent_main, &a, err);
	if (lsock >= 0)
		close(lsock);
	if (creator >= 0)
		close(creator);
	if (r < 0) {
		unlink(a.socket_path);
		free(a.socket_path);
		return -1;
	}
	*socket_path = a.socket_path;
	return 0;
}

int sh_agent_release(const char *socket_path, sh_error **err)
{
	int fd = sh_unix_socket(socket_path, false, err);
	if (fd < 0)
		return sh_error_prefix(err, "agent");
	int r = sh_write_all(fd, release_msg, sizeof release_msg) < 0 ? sh_error_errno(err, errno, "agent %s", socket_path) : 0;
	close(fd);
	return r;
}

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
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
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
} agent;

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
	return 0;
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
	a->rep = sh_reporter_new(a->o.base, &ro, err);
	return a->rep ? 0 : -1;
}

/* The state message runc (and the wrapper's relay) sends with the listener: the container's id. */
static char *state_id(const char *msg, size_t len)
{
	sh_json *j = NULL;
	sh_error *ignored = NULL;
	char *id = NULL;
	if (sh_json_parse(msg, len, "state", NULL, &j, &ignored) == 0) {
		sh_json *v = sh_json_get(sh_json_get(j, "state"), "id");
		if (v && v->type == SH_JSON_STRING)
			id = sh_xstrdup(v->u.str.s);
	}
	sh_json_free(j);
	sh_error_free(ignored);
	return id;
}

/* One connection: a listener and the state (runc's containerProcessState), then it closes. */
static void accept_one(agent *a, int lsock)
{
	int conn = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		return;
	char msg[65536];
	int fd = -1;
	ssize_t n = sh_recv_fd(conn, &fd, NULL, msg, sizeof msg);
	close(conn);
	if (n <= 0 || fd < 0) {
		if (fd >= 0)
			close(fd);
		return;
	}
	if (!a->id) {
		a->id = state_id(msg, (size_t)n);
		if (!a->id)
			a->id = sh_xstrdup("unknown");
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
	if (make_dir(a->o.recordings_dir, 0755, err) < 0)
		return -1;
	cleanup_free char *path = sh_xasprintf("%s/%s.json", a->o.recordings_dir, a->o.record);
	sh_json *j = sh_recorder_profile(a->rec, a->o.arches, a->o.narches, a->o.always);
	size_t len;
	cleanup_free char *s = sh_json_serialize(j, true, &len);
	sh_json_free(j);
	s = sh_xrealloc(s, len + 2);
	s[len++] = '\n';
	if (sh_write_file_atomic(path, s, len, 0644, err) < 0)
		return -1;
	cleanup_free char *sum = sh_recorder_summary(a->rec);
	syslog(LOG_INFO, "container %s: recorded %s; profile written to %s", a->id, sum, path);
	return 0;
}

/* Until the container's last filtered process is gone (every listener closed), or no container
 * came at all. */
static void serve(agent *a, int lsock)
{
	bool had = false;
	time_t start = time(NULL);
	for (;;) {
		if (had && sh_supervisor_listeners(a->sup) == 0)
			break;
		if (!had && time(NULL) - start > a->o.idle_seconds)
			break;
		sh_error *err = NULL;
		int w = sh_supervisor_wait(a->sup, lsock, 1000, &err);
		if (w < 0) {
			syslog(LOG_ERR, "container %s: %s", a->id ? a->id : "?", err->msg);
			sh_error_free(err);
			break;
		}
		if (w > 0) {
			accept_one(a, lsock);
			had |= sh_supervisor_listeners(a->sup) > 0;
		}
	}
}

static int agent_main(int lsock, void *ctx)
{
	agent *a = ctx;
	openlog("seccomp-hook", LOG_PID, LOG_DAEMON);
	a->sup = sh_supervisor_new(a->o.base, a->o.report && strcmp(a->o.report, "complain") == 0, on_call, a);
	if (a->o.record)
		a->rec = sh_recorder_new(a->o.base, a->o.args);
	serve(a, lsock);
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
	return rc;
}

/* Before the container starts: a report log that cannot be written is a reporter that cannot start. */
static int check_reports_log(const char *path, sh_error **err)
{
	const char *slash = strrchr(path, '/');
	cleanup_free char *dir = slash && slash != path ? sh_xstrndup(path, (size_t)(slash - path)) : NULL;
	if (dir && make_dir(dir, 0750, err) < 0)
		return -1;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0)
		return sh_error_errno(err, errno, "%s: cannot open the report log", path);
	close(fd);
	return 0;
}

static int listen_at(const char *path, sh_error **err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		return sh_error_set(err, SH_EXIT_SYSTEM, "agent socket path too long: %s", path);
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sh_error_errno(err, errno, "socket");
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 16) < 0) {
		int e = errno;
		close(fd);
		return sh_error_errno(err, e, "%s", path);
	}
	return fd;
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
		a.o.idle_seconds = 120;
	int lsock = listen_at(a.socket_path, err);
	int r = lsock < 0 ? -1 : sh_start_detached(lsock, agent_main, &a, err);
	if (lsock >= 0)
		close(lsock);
	if (r < 0) {
		unlink(a.socket_path);
		free(a.socket_path);
		return -1;
	}
	*socket_path = a.socket_path;
	return 0;
}

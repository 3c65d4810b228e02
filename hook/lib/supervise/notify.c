#include "config.h"
#include "notify.h"
#include "agent.h"
#include "apply.h"
#include "json.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

int sh_unix_socket(const char *path, bool listen_on, sh_error **err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		return sh_error_set(err, SH_EXIT_INVALID, "socket path is too long: %s", path);
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sh_error_errno(err, errno, "socket");
	int r = listen_on ? bind(fd, (struct sockaddr *)&sa, sizeof(sa)) : connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (r == 0 && listen_on)
		r = listen(fd, 16);
	if (r < 0) {
		int e = errno;
		close(fd);
		return sh_error_errno(err, e, "%s", path);
	}
	return fd;
}

/* Connect before any filter exists: after it, connect() itself could be a notified syscall with
 * nobody listening yet. */
int sh_notify_connect(const char *path, sh_error **err)
{
	int fd = sh_unix_socket(path, false, err);
	return fd < 0 ? sh_error_prefix(err, "listenerPath") : fd;
}

/* The annotations as runc's state has them: an object with members, else none (Go's omitempty). */
static void set_annotations(sh_json *state, const char *text)
{
	sh_json *ann = NULL;
	sh_error *err = NULL;
	if (text && sh_json_parse(text, strlen(text), "annotations", NULL, &ann, &err) == 0 &&
	    ann->type == SH_JSON_OBJECT && ann->u.obj.n > 0) {
		sh_json_set(state, "annotations", ann);
		ann = NULL;
	}
	sh_json_free(ann);
	sh_error_free(err);
}

/* What runc 1.1 sends (specs.ContainerProcessState): metadata and annotations only when there are. */
static char *process_state(const sh_notify_state *st)
{
	sh_json *state = sh_json_new(SH_JSON_OBJECT), *m = sh_json_new(SH_JSON_OBJECT), *fds = sh_json_new(SH_JSON_ARRAY);
	sh_json_set(state, "ociVersion", sh_json_new_string("1.0.2"));
	sh_json_set(state, "id", sh_json_new_string(st->id));
	sh_json_set(state, "status", sh_json_new_string(st->status));
	sh_json_set(state, "pid", sh_json_new_u64((uint64_t)st->pid));
	sh_json_set(state, "bundle", sh_json_new_string(st->bundle));
	set_annotations(state, st->annotations);
	sh_json_append(fds, sh_json_new_string("seccompFd"));
	sh_json_set(m, "ociVersion", sh_json_new_string("1.0.2"));
	sh_json_set(m, "fds", fds);
	sh_json_set(m, "pid", sh_json_new_u64((uint64_t)st->pid));
	if (st->metadata && *st->metadata)
		sh_json_set(m, "metadata", sh_json_new_string(st->metadata));
	sh_json_set(m, "state", state);
	char *msg = sh_json_serialize(m, false, NULL);
	sh_json_free(m);
	return msg;
}

int sh_notify_send(int sock, int listener, const sh_notify_state *st, sh_error **err)
{
	cleanup_free char *msg = process_state(st);
	if (sh_send_fd(sock, listener, msg, strlen(msg)) < 0)
		return sh_error_errno(err, errno, "sending the notify fd to the listener");
	return 0;
}

/* One listener from the channel, on to listenerPath, 'y' back; or 'n' and why, which the loader
 * prints. 1 handed on, 0 nothing came (the channel's end), -1 failed. */
static int relay_one(int channel, const char *path, sh_notify_state st)
{
	char hello[64];
	int listener = -1;
	sh_error *err = NULL;
	ssize_t n = sh_recv_fd(channel, &listener, &st.pid, hello, sizeof hello);
	if (n <= 0 || listener < 0 || st.pid <= 0) {
		if (listener >= 0)
			close(listener);
		return n == 0 ? 0 : -1;
	}
	int sock = sh_notify_connect(path, &err);
	if (sock < 0 || sh_notify_send(sock, listener, &st, &err) < 0) {
		cleanup_free char *why = sh_xasprintf("n%s (seccomp-hook-runtime's %s failed)", err ? err->msg : "?",
						      sock < 0 ? "connect" : "send");
		syslog(LOG_ERR, "seccomp-hook-runtime: container %s: %s", st.id, why + 1);
		sh_error_free(err);
		sh_write_all(channel, why, strlen(why)); /* one write: the loader reads one message */
		close(listener);
		return -1;
	}
	close(sock);
	close(listener);
	return write(channel, "y", 1) == 1 ? 1 : -1;
}

/* In the relay: every listener that comes on the channel, one after the other, until its last holder
 * closes it: the loader of each startContainer hook (runc runs them in the container before its
 * process, each under the filter, as runc's own are), then PID 1's. Exit status for syslog. A
 * container that went away before any loader ran tells its agent (if the listener was for
 * seccomp-hook's own) that none comes. */
static int relay(int channel, const char *path, sh_notify_state st, bool agent)
{
	int r, handed = 0;
	while ((r = relay_one(channel, path, st)) > 0)
		handed++;
	if (!handed && agent) {
		sh_error *err = NULL;
		sh_agent_release(path, &err);
		sh_error_free(err);
	}
	return r < 0 || !handed;
}

/* Everything but the channel (moved to fd 3) and `keep` (to fd 4) closed, the standard streams on
 * /dev/null: a detached helper holds nothing of the engine's (an engine waiting for the runtime's
 * output to close must not wait for it). */
static void detach(int channel, int keep)
{
	/* Both out of the way first, so that neither move overwrites the other. */
	int ch = fcntl(channel, F_DUPFD_CLOEXEC, 16), kp = keep >= 0 ? fcntl(keep, F_DUPFD_CLOEXEC, 16) : -1;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int fd = 0; fd < 3; fd++)
		if (null >= 0)
			dup2(null, fd);
	if (ch < 0 || dup2(ch, 3) < 0 || (keep >= 0 && (kp < 0 || dup2(kp, 4) < 0)))
		_exit(1);
	syscall(SYS_close_range, keep >= 0 ? 5U : 4U, ~0U, 0U);
	setsid();
}

int sh_start_detached(int channel, int keep, int (*fn)(int channel, void *ctx), void *ctx, sh_error **err)
{
	pid_t child = fork();
	if (child < 0)
		return sh_error_errno(err, errno, "fork");
	if (child == 0) {
		if (fork() != 0) /* the grandchild is the helper: nobody waits for it but init */
			_exit(0);
		detach(channel, keep);
		_exit(fn(3, ctx));
	}
	int status = 0;
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	return 0;
}

typedef struct relay_args {
	char *path;
	sh_notify_state st;
	bool agent;
} relay_args;

static int run_relay(int channel, void *ctx)
{
	relay_args *a = ctx;
	return relay(channel, a->path, a->st, a->agent);
}

int sh_notify_relay_start(int channel, const char *path, const sh_notify_state *st, bool agent, sh_error **err)
{
	/* The kernel then tells who sent the listener (the loader, the container's process), which
	 * SO_PEERCRED would not: it names whoever made the socket pair. Set before anything can send. */
	int on = 1;
	if (setsockopt(channel, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) < 0)
		return sh_error_errno(err, errno, "SO_PASSCRED");
	/* The child's copies: the caller's strings are gone once it execs the runtime. */
	relay_args a = { (char *)path, *st, agent };
	a.st.pid = 0;
	return sh_start_detached(channel, -1, run_relay, &a, err);
}

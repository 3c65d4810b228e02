/* The hand-over module (notify.c): the message an agent at a profile's listenerPath receives with the
 * listener (runc's ContainerProcessState), the relay that takes a listener from a loader and hands
 * it on, and the detached processes that hold nothing of their caller's. Real sockets and processes;
 * the message is read back with the project's one reader of it (sh_recv_fd, then the JSON reader). */
#include "config.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply.h"
#include "json.h"
#include "notify.h"
#include "testutil.h"
#include "util.h"

static const char *str(const sh_json *j, const char *key)
{
	const sh_json *v = sh_json_get(j, key);
	return v && v->type == SH_JSON_STRING ? v->u.str.s : NULL;
}

static long num(const sh_json *j, const char *key)
{
	const sh_json *v = sh_json_get(j, key);
	return v && v->type == SH_JSON_NUMBER ? strtol(v->u.num, NULL, 10) : -1;
}

/* One message as the agent reads it: the fd it carried and the parsed payload. */
static sh_json *receive(int sock, int *fd, pid_t *sender)
{
	char buf[8192];
	ssize_t n = sh_recv_fd(sock, fd, sender, buf, sizeof buf);
	cr_assert_gt(n, 0);
	sh_json *m = NULL;
	sh_error *err = NULL;
	cr_assert_eq(sh_json_parse(buf, (size_t)n, "message", NULL, &m, &err), 0, "%s", err ? err->msg : "");
	return m;
}

static bool same_file(int a, int b)
{
	struct stat x, y;
	return fstat(a, &x) == 0 && fstat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

typedef struct state_row {
	const char *name;
	sh_notify_state st;
	const char *metadata;	 /* expected; NULL: absent */
	const char *annotation; /* expected value of annotations["k"]; NULL: no annotations member */
} state_row;

static const state_row state_rows[] = {
	{ "the plain state", { "c1", "creating", "/run/b", NULL, NULL, 42 }, NULL, NULL },
	{ "listenerMetadata", { "c2", "running", "/b", "meta data", NULL, 7 }, "meta data", NULL },
	{ "an empty metadata is left out (omitempty)", { "c3", "created", "/b", "", NULL, 7 }, NULL, NULL },
	{ "annotations with members", { "c4", "creating", "/b", NULL, "{\"k\":\"v\",\"x\":\"y\"}", 9 }, NULL, "v" },
	{ "no annotations member for {}", { "c5", "creating", "/b", NULL, "{}", 9 }, NULL, NULL },
	{ "nor for text that is not an object", { "c6", "creating", "/b", NULL, "[1]", 9 }, NULL, NULL },
	{ "nor for text that is not JSON", { "c7", "creating", "/b", NULL, "{\"k\":", 9 }, NULL, NULL },
};

Test(notify, the_state_message_is_runcs)
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(state_rows); i++) {
		const state_row *r = &state_rows[i];
		int sv[2], p[2];
		cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
		cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
		sh_error *err = NULL;
		cr_assert_eq(sh_notify_send(sv[0], p[0], &r->st, &err), 0, "%s", r->name);
		int fd = -1;
		sh_json *m = receive(sv[1], &fd, NULL);
		cr_assert(same_file(fd, p[0]), "%s: the listener", r->name);
		cr_assert_str_eq(str(m, "ociVersion"), "1.0.2", "%s", r->name);
		const sh_json *fds = sh_json_get(m, "fds");
		cr_assert(fds && fds->type == SH_JSON_ARRAY && fds->u.arr.n == 1, "%s", r->name);
		cr_assert_str_eq(fds->u.arr.v[0]->u.str.s, "seccompFd");
		cr_assert_eq(num(m, "pid"), r->st.pid, "%s", r->name);
		if (r->metadata)
			cr_assert_str_eq(str(m, "metadata"), r->metadata, "%s", r->name);
		else
			cr_assert_null(sh_json_get(m, "metadata"), "%s", r->name);
		const sh_json *st = sh_json_get(m, "state");
		cr_assert_not_null(st);
		cr_assert_str_eq(str(st, "id"), r->st.id, "%s", r->name);
		cr_assert_str_eq(str(st, "status"), r->st.status, "%s", r->name);
		cr_assert_str_eq(str(st, "bundle"), r->st.bundle, "%s", r->name);
		cr_assert_eq(num(st, "pid"), r->st.pid, "%s", r->name);
		const sh_json *ann = sh_json_get(st, "annotations");
		if (r->annotation)
			cr_assert_str_eq(str(ann, "k"), r->annotation, "%s", r->name);
		else
			cr_assert_null(ann, "%s", r->name);
		sh_json_free(m);
		close(fd);
		close(p[0]);
		close(p[1]);
		close(sv[0]);
		close(sv[1]);
	}
}

/* ---- the relay ---------------------------------------------------------------------------------- */

static char dir[] = "/tmp/sh-notify-XXXXXX";

static void setup_dir(void)
{
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown_dir(void)
{
	cr_assert_eq(sh_test_remove_tree(dir), 0);
}

/* What the relay answers the loader: 'y', or 'n' and why. */
static char *answer(int channel)
{
	char buf[512];
	ssize_t n = read(channel, buf, sizeof buf - 1);
	cr_assert_gt(n, 0);
	buf[n] = 0;
	return sh_xstrdup(buf);
}

/* A listener sent on the channel reaches the agent with the container's state and the sender's pid
 * as the kernel saw it (the loader's, not whoever made the channel); the loader hears 'y'. */
Test(relay, hands_a_listener_on_with_the_senders_pid, .init = setup_dir, .fini = teardown_dir)
{
	cleanup_free char *path = sh_xasprintf("%s/agent.sock", dir);
	sh_error *err = NULL;
	int agent = sh_unix_socket(path, true, &err);
	cr_assert_geq(agent, 0, "%s", err ? err->msg : "");
	int ch[2], p[2];
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ch), 0);
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	sh_notify_state st = { "ctr", "creating", "/abs/bundle", "m", "{\"a\":\"b\"}", 0 };
	cr_assert_eq(sh_notify_relay_start(ch[1], path, &st, false, &err), 0, "%s", err ? err->msg : "");
	close(ch[1]);
	cr_assert_eq(sh_send_fd(ch[0], p[0], "listener", 8), 0);
	int conn = accept4(agent, NULL, NULL, SOCK_CLOEXEC);
	cr_assert_geq(conn, 0);
	int fd = -1;
	sh_json *m = receive(conn, &fd, NULL);
	cr_assert(same_file(fd, p[0]));
	cr_assert_eq(num(m, "pid"), getpid());
	cr_assert_str_eq(str(sh_json_get(m, "state"), "bundle"), "/abs/bundle");
	cr_assert_str_eq(str(sh_json_get(sh_json_get(m, "state"), "annotations"), "a"), "b");
	cleanup_free char *yes = answer(ch[0]);
	cr_assert_str_eq(yes, "y");
	sh_json_free(m);
	close(fd);
	close(conn);
	close(agent);
	close(ch[0]);
	close(p[0]);
	close(p[1]);
}

/* Nobody at listenerPath: the loader hears 'n' and the reason, and does not start its workload. */
Test(relay, tells_the_loader_why_it_failed, .init = setup_dir, .fini = teardown_dir)
{
	cleanup_free char *path = sh_xasprintf("%s/nobody.sock", dir);
	int ch[2], p[2];
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ch), 0);
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	sh_notify_state st = { "ctr", "creating", "/b", NULL, NULL, 0 };
	sh_error *err = NULL;
	cr_assert_eq(sh_notify_relay_start(ch[1], path, &st, false, &err), 0);
	close(ch[1]);
	cr_assert_eq(sh_send_fd(ch[0], p[0], "listener", 8), 0);
	cleanup_free char *no = answer(ch[0]);
	cr_assert_eq(no[0], 'n', "%s", no);
	cr_assert(strstr(no, "listenerPath"), "%s", no);
	cr_assert(strstr(no, "connect failed"), "%s", no);
	close(ch[0]);
	close(p[0]);
	close(p[1]);
}

/* ---- detached processes ------------------------------------------------------------------------- */

/* In the detached process: its open fds, its session and where fd 0 goes, written to the channel. */
static int report_fds(int channel, void *ctx)
{
	(void)ctx;
	char out[512] = "", link[64] = "";
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return 1;
	int self = dirfd(d);
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] != '.' && atoi(e->d_name) != self)
			snprintf(out + strlen(out), sizeof out - strlen(out), "%s ", e->d_name);
	closedir(d);
	ssize_t n = readlink("/proc/self/fd/0", link, sizeof link - 1);
	link[n > 0 ? n : 0] = 0;
	snprintf(out + strlen(out), sizeof out - strlen(out), "| %s | %d", link, getsid(0) == getpid());
	return write(channel, out, strlen(out)) > 0 ? 0 : 1;
}

Test(detached, holds_nothing_of_its_callers)
{
	static const struct {
		bool keep;
		const char *want;
	} rows[] = {
		{ false, "0 1 2 3 | /dev/null | 1" },
		{ true, "0 1 2 3 4 | /dev/null | 1" },
	};
	for (size_t i = 0; i < SH_ARRAY_SIZE(rows); i++) {
		int ch[2], extra = open("/dev/zero", O_RDONLY), kept = open("/dev/zero", O_RDONLY);
		cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, ch), 0); /* not close-on-exec: still not inherited */
		sh_error *err = NULL;
		cr_assert_eq(sh_start_detached(ch[1], rows[i].keep ? kept : -1, report_fds, NULL, &err), 0);
		close(ch[1]);
		cleanup_free char *got = answer(ch[0]);
		cr_assert_str_eq(got, rows[i].want);
		close(ch[0]);
		close(extra);
		close(kept);
	}
}

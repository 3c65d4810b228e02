/* notify_listener SOCKET_PATH VALUE [COUNT]: a seccomp user-notification agent for tests. It accepts
 * COUNT (default 1) connections on SOCKET_PATH; for each it receives the listener fd (SCM_RIGHTS,
 * runc's protocol), prints the state message, then answers every notification with return value
 * VALUE (-N: the call fails with errno N; "continue": the kernel runs the call) until the fd closes
 * (each connection in a process of its own). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int receive_fd(int conn, char *msg, size_t msglen)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = msg, .iov_len = msglen - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	ssize_t n = recvmsg(conn, &mh, 0);
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	if (n <= 0 || !c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	msg[n] = 0;
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static int cont; /* VALUE "continue" */

static void serve(int conn, long value)
{
	char msg[4096];
	int fd = receive_fd(conn, msg, sizeof msg);
	if (fd < 0) {
		fprintf(stderr, "no fd received\n");
		return;
	}
	for (char *nl = strchr(msg, '\n'); nl; nl = strchr(nl, '\n')) /* crun's is indented: one line */
		*nl = ' ';
	printf("state: %s\n", msg);
	fflush(stdout);
	for (;;) {
		struct seccomp_notif req = { 0 };
		/* The filter has no task left: done (POLLHUP; RECV would fail at once, for ever). */
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, -1) < 0 ? errno != EINTR : (p.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0)
			break;
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
			/* A call interrupted before it was received (Go's preemption signals in runc's init)
			 * is gone, not the listener. */
			if (errno == EINTR || errno == ENOENT)
				continue;
			break;
		}
		struct seccomp_notif_resp resp = { .id = req.id, .val = value };
		if (cont) {
			resp.val = 0;
			resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		}
		printf("notified: syscall %d from pid %u\n", req.data.nr, req.pid);
		fflush(stdout);
		ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
}

int main(int argc, char **argv)
{
	if (argc != 3 && argc != 4)
		return fprintf(stderr, "usage: notify_listener SOCKET_PATH VALUE [COUNT]\n"), 2;
	int count = argc == 4 ? atoi(argv[3]) : 1;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	unlink(argv[1]);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 1) < 0)
		return perror("listen"), 1;
	printf("listening\n");
	fflush(stdout);
	for (int i = 0; i < count; i++) {
		int conn = accept(s, NULL, NULL);
		if (conn < 0)
			return perror("accept"), 1;
		if (i + 1 < count && fork() != 0) {
			close(conn);
			continue;
		}
		cont = strcmp(argv[2], "continue") == 0;
		serve(conn, atol(argv[2]));
		return 0;
	}
	return 0;
}

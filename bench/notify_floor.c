/* notify_floor COMMAND [ARG...]: run COMMAND under a filter that hands every call but exit and
 * exit_group to this process, which lets each one run (SECCOMP_USER_NOTIF_FLAG_CONTINUE) and does
 * nothing else: no decision, no record, no allocation. It waits the way seccomp-hook record does (a
 * blocking SECCOMP_IOCTL_NOTIF_RECV on the one listener, synchronous wake-ups where the kernel has
 * them), so the time it adds is the notification round trip itself: the least any recorder built on
 * user notification can cost on this machine. bench/record.sh's floor rows. Exit status: COMMAND's,
 * 128+N for a signal; 2 if the filter could not be installed. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif

/* Every call on this arch but exit and exit_group is notified; other arches run as they are. */
static const struct sock_filter prog[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_exit, 2, 0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_exit_group, 1, 0),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

/* The child shares the fd table until its exec: it installs the filter and leaves the listener's
 * number in shared memory (no call: a call now would wait for an answer nobody can give yet). */
static _Noreturn void child(volatile int *slot, char **argv)
{
	struct sock_fprog fp = { .len = sizeof prog / sizeof *prog, .filter = (struct sock_filter *)prog };
	prctl(PR_SET_PDEATHSIG, 9);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	int fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &fp);
	__atomic_store_n(slot, fd < 0 ? -2 : fd, __ATOMIC_RELEASE);
	if (fd >= 0)
		execvp(argv[0], argv);
	_exit(127);
}

static pid_t command;
static volatile int status = -1;

/* Reaped here, at once: the kernel counts a zombie as a task of the filter. */
static void on_child(int sig)
{
	(void)sig;
	int e = errno, st;
	if (waitpid(command, &st, WNOHANG) == command)
		status = st;
	errno = e;
}

static bool hung_up(int fd)
{
	struct pollfd q = { .fd = fd, .events = POLLIN };
	return poll(&q, 1, 0) == 1 && (q.revents & POLLHUP);
}

/* Until no task of the filter is left: then RECV fails with ENOENT and the listener reports POLLHUP. */
static void serve(int fd)
{
	ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, 1UL /* SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP */);
	struct seccomp_notif req;
	for (;;) {
		memset(&req, 0, sizeof req);
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
			if ((errno == ENOENT || errno == EINTR) && !hung_up(fd))
				continue;
			return;
		}
		struct seccomp_notif_resp resp = { .id = req.id, .flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE };
		ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return fprintf(stderr, "usage: notify_floor COMMAND [ARG...]\n"), 2;
	volatile int *slot = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (slot == MAP_FAILED)
		return 2;
	*slot = -1;
	sigset_t chld, old;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	struct sigaction sa = { .sa_handler = on_child };
	sigaction(SIGCHLD, &sa, NULL);
	long pid = syscall(SYS_clone, CLONE_FILES | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		child(slot, argv + 1);
	}
	command = (pid_t)pid;
	struct timespec pause = { 0, 20000 };
	int fd;
	while ((fd = __atomic_load_n(slot, __ATOMIC_ACQUIRE)) == -1)
		nanosleep(&pause, NULL);
	if (fd < 0)
		return fprintf(stderr, "notify_floor: cannot install the filter\n"), 2;
	sigprocmask(SIG_SETMASK, &old, NULL);
	serve(fd);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	int st = status;
	if (st < 0 && waitpid(command, &st, 0) != command)
		return 2;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

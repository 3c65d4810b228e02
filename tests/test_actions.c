/* Every action and every argument operator, decided by the real kernel: each test compiles a
 * profile with the translator, installs it in a child process with the same code `exec` uses,
 * makes real syscalls and checks what the kernel did. Needs root (CI is root). */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "apply.h"
#include "testutil.h"
#include "translate.h"

/* Compile `json` for this machine and install it in the calling process; returns the listener fd
 * (NOTIFY) or 0. Exits the (child) process with 99 on any failure. */
static int install(const char *json)
{
	sh_error *err = NULL;
	sh_profile *p = sh_test_profile(json, NULL, &err);
	sh_target t;
	sh_ruleset *rs = NULL;
	sh_bpf b = { 0 };
	if (!p || sh_target_init(&t, false, &err) < 0 || sh_resolve(p, &t, &rs, NULL, &err) < 0 ||
	    sh_translate_bpf(rs, NULL, &b, NULL, &err) < 0) {
		fprintf(stderr, "compile: %s\n", err ? err->msg : "?");
		_exit(99);
	}
	const char *why = NULL;
	int fd = sh_apply_filter(b.insns, b.len, sh_translate_flags(rs), &why);
	if (fd < 0) {
		fprintf(stderr, "install: %s: %s\n", why, strerror(errno));
		_exit(99);
	}
	sh_bpf_free(&b);
	sh_ruleset_free(rs);
	sh_profile_free(p);
	return fd;
}

/* Run fn in a child; return its wait status. */
static int in_child(void (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	return st;
}

static long raw_getppid(long a0, long a1)
{
	return syscall(SYS_getppid, a0, a1, 0, 0, 0, 0);
}

#define DENY_GETPPID(action, extra)                                                            \
	"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getppid\"], "    \
	"\"action\": \"" action "\"" extra "}]}"

/* ---- ERRNO ------------------------------------------------------------------------------------- */

static void errno_child(void *arg)
{
	long e = (long)arg;
	char json[256];
	snprintf(json, sizeof json, DENY_GETPPID("SCMP_ACT_ERRNO", ", \"errnoRet\": %ld"), e);
	install(json);
	errno = 0;
	long r = raw_getppid(0, 0);
	_exit(r == -1 && errno == e ? 0 : 10);
}

Test(actions, errno_returns_the_exact_errno)
{
	const long values[] = { 1, 38, 4095 };
	for (size_t i = 0; i < 3; i++) {
		int st = in_child(errno_child, (void *)values[i]);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "errno %ld: status %#x", values[i], st);
	}
}

static void default_errno_child(void *arg)
{
	(void)arg;
	/* What the C runtime (and a sanitizer's) may need besides the calls under test. */
	install("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38, \"syscalls\": [{\"names\": "
		"[\"exit_group\", \"exit\", \"getpid\", \"gettid\", \"write\", \"writev\", \"read\", \"close\", "
		"\"mmap\", \"munmap\", \"mprotect\", \"madvise\", \"brk\", \"futex\", \"rt_sigaction\", "
		"\"rt_sigprocmask\", \"sigaltstack\", \"prctl\", \"openat\", \"fstat\", \"newfstatat\", \"lseek\", "
		"\"readlink\", \"sched_yield\", \"clock_gettime\", \"getrlimit\", \"prlimit64\", \"tgkill\", "
		"\"ioctl\"], \"action\": \"SCMP_ACT_ALLOW\"}]}");
	errno = 0;
	long r = syscall(SYS_getppid);
	if (r != -1 || errno != 38)
		_exit(10);
	_exit(syscall(SYS_getpid) > 0 ? 0 : 11);
}

Test(actions, default_errno_and_allow)
{
	int st = in_child(default_errno_child, NULL);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}

/* ---- KILL_THREAD / KILL_PROCESS ----------------------------------------------------------------- */

static void *call_getppid(void *arg)
{
	(void)arg;
	raw_getppid(0, 0);
	return (void *)1;
}

static void kill_single_child(void *arg)
{
	install(arg);
	raw_getppid(0, 0);
	_exit(10); /* not reached */
}

Test(actions, kill_and_kill_process_end_the_process_with_sigsys)
{
	const char *profiles[] = { DENY_GETPPID("SCMP_ACT_KILL", ""), DENY_GETPPID("SCMP_ACT_KILL_THREAD", ""),
				   DENY_GETPPID("SCMP_ACT_KILL_PROCESS", "") };
	for (size_t i = 0; i < 3; i++) {
		int st = in_child(kill_single_child, (void *)profiles[i]);
		cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "%s: status %#x", profiles[i], st);
	}
}

static void kill_thread_child(void *arg)
{
	install(arg);
	pthread_t t;
	void *ret = NULL;
	if (pthread_create(&t, NULL, call_getppid, NULL) != 0)
		_exit(20);
	pthread_join(t, &ret);
	/* The killed thread never returned 1; this thread lives on. */
	_exit(ret == (void *)1 ? 21 : 0);
}

Test(actions, kill_thread_kills_only_the_calling_thread)
{
	int st = in_child(kill_thread_child, (void *)DENY_GETPPID("SCMP_ACT_KILL_THREAD", ""));
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}

Test(actions, kill_process_kills_every_thread)
{
	int st = in_child(kill_thread_child, (void *)DENY_GETPPID("SCMP_ACT_KILL_PROCESS", ""));
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "status %#x", st);
}

/* ---- TRAP ----------------------------------------------------------------------------------------- */

static volatile sig_atomic_t trapped_syscall = -1, trapped_code = -1, trapped_data = -1;

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	trapped_syscall = si->si_syscall;
	trapped_code = si->si_code;
	trapped_data = si->si_errno;
}

static void trap_child(void *arg)
{
	(void)arg;
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	sigaction(SIGSYS, &sa, NULL);
	install(DENY_GETPPID("SCMP_ACT_TRAP", ""));
	raw_getppid(0, 0);
	_exit(trapped_syscall == SYS_getppid && trapped_code == 1 /* SYS_SECCOMP */ ? 0 : 10);
}

Test(actions, trap_delivers_sigsys_with_the_syscall_number)
{
	int st = in_child(trap_child, NULL);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}

/* ---- TRACE ----------------------------------------------------------------------------------------- */

static void trace_untraced_child(void *arg)
{
	(void)arg;
	install(DENY_GETPPID("SCMP_ACT_TRACE", ", \"errnoRet\": 1234"));
	errno = 0;
	long r = raw_getppid(0, 0);
	_exit(r == -1 && errno == ENOSYS ? 0 : 10);
}

Test(actions, trace_without_a_tracer_is_enosys)
{
	int st = in_child(trace_untraced_child, NULL);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}

Test(actions, trace_reaches_the_tracer_with_errnoret_as_message)
{
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		install(DENY_GETPPID("SCMP_ACT_TRACE", ", \"errnoRet\": 1234"));
		raise(SIGSTOP);
		long r = raw_getppid(0, 0);
		_exit(r > 0 ? 0 : 10);
	}
	int st;
	cr_assert_eq(waitpid(pid, &st, WUNTRACED), pid);
	cr_assert(WIFSTOPPED(st));
	cr_assert_eq(ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACESECCOMP), 0, "%s", strerror(errno));
	kill(pid, SIGCONT);
	unsigned long msg = 0;
	bool seen = false;
	for (;;) {
		cr_assert_eq(waitpid(pid, &st, 0), pid);
		if (WIFEXITED(st) || WIFSIGNALED(st))
			break;
		if (st >> 8 == (SIGTRAP | (PTRACE_EVENT_SECCOMP << 8))) {
			cr_assert_eq(ptrace(PTRACE_GETEVENTMSG, pid, 0, &msg), 0);
			seen = true;
		}
		/* Re-inject only real signals; event stops (bits 16+) and our own SIGSTOP/SIGCONT are not. */
		int sig = (st >> 16) == 0 ? WSTOPSIG(st) : 0;
		if (sig == SIGTRAP || sig == SIGCONT || sig == SIGSTOP)
			sig = 0;
		ptrace(PTRACE_CONT, pid, 0, sig);
	}
	cr_assert(seen, "no PTRACE_EVENT_SECCOMP stop");
	cr_assert_eq(msg, 1234);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "traced syscall ran on (status %#x)", st);
}

/* ---- LOG / ALLOW ------------------------------------------------------------------------------------ */

static void log_child(void *arg)
{
	install(arg);
	_exit(raw_getppid(0, 0) > 0 ? 0 : 10);
}

Test(actions, log_and_allow_let_the_call_through)
{
	int st = in_child(log_child, (void *)DENY_GETPPID("SCMP_ACT_LOG", ""));
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
	st = in_child(log_child, (void *)"{\"defaultAction\": \"SCMP_ACT_LOG\", \"syscalls\": [{\"names\": "
					    "[\"getppid\"], \"action\": \"SCMP_ACT_ALLOW\"}]}");
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}

/* ---- NOTIFY ------------------------------------------------------------------------------------------ */

static void send_fd(int sock, int fd)
{
	char c = 'x', cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(sock, &mh, 0) < 0)
		_exit(98);
}

static int recv_fd(int sock)
{
	char c, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	if (recvmsg(sock, &mh, 0) <= 0)
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof(int));
	return fd;
}

Test(actions, notify_reaches_a_listener_that_answers)
{
	int sv[2];
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(sv[0]);
		int fd = install("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/unused\", \"syscalls\": "
				 "[{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}");
		if (fd <= 0)
			_exit(97);
		send_fd(sv[1], fd);
		close(fd);
		_exit(raw_getppid(0, 0) == 4242 ? 0 : 10);
	}
	close(sv[1]);
	int lfd = recv_fd(sv[0]);
	cr_assert_geq(lfd, 0);
	struct seccomp_notif req = { 0 };
	cr_assert_eq(ioctl(lfd, SECCOMP_IOCTL_NOTIF_RECV, &req), 0, "%s", strerror(errno));
	cr_assert_eq(req.data.nr, SYS_getppid);
	cr_assert_eq(req.pid, (unsigned)pid);
	struct seccomp_notif_resp resp = { .id = req.id, .val = 4242, .error = 0, .flags = 0 };
	cr_assert_eq(ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, &resp), 0, "%s", strerror(errno));
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}

/* ---- argument conditions at their boundaries ---------------------------------------------------- */

typedef struct arg_case {
	const char *cond;  /* the "args" array */
	long long a0, a1;
	bool denied;
} arg_case;

static void arg_child(void *arg)
{
	const arg_case *c = arg;
	char json[512];
	snprintf(json, sizeof json, DENY_GETPPID("SCMP_ACT_ERRNO", ", \"errnoRet\": 77, \"args\": %s"), c->cond);
	install(json);
	errno = 0;
	long r = raw_getppid((long)c->a0, (long)c->a1);
	bool denied = r == -1 && errno == 77;
	_exit(denied == c->denied ? 0 : 10);
}

#define A0(op, v) "[{\"index\": 0, \"value\": " #v ", \"op\": \"SCMP_CMP_" #op "\"}]"

static const arg_case arg_cases[] = {
	{ A0(EQ, 100), 99, 0, false }, { A0(EQ, 100), 100, 0, true }, { A0(EQ, 100), 101, 0, false },
	{ A0(NE, 100), 99, 0, true }, { A0(NE, 100), 100, 0, false }, { A0(NE, 100), 101, 0, true },
	{ A0(LT, 100), 99, 0, true }, { A0(LT, 100), 100, 0, false }, { A0(LT, 100), 101, 0, false },
	{ A0(LE, 100), 99, 0, true }, { A0(LE, 100), 100, 0, true }, { A0(LE, 100), 101, 0, false },
	{ A0(GT, 100), 99, 0, false }, { A0(GT, 100), 100, 0, false }, { A0(GT, 100), 101, 0, true },
	{ A0(GE, 100), 99, 0, false }, { A0(GE, 100), 100, 0, true }, { A0(GE, 100), 101, 0, true },
	/* 64-bit values: the high word decides. */
	{ A0(EQ, 4294967296), 4294967296LL, 0, true }, { A0(EQ, 4294967296), 0, 0, false },
	{ A0(GT, 4294967295), 4294967296LL, 0, true }, { A0(GT, 4294967295), 4294967295LL, 0, false },
	{ A0(LT, 4294967296), 4294967295LL, 0, true }, { A0(LT, 4294967296), 8589934592LL, 0, false },
	{ A0(EQ, 18446744073709551615), -1, 0, true }, { A0(EQ, 18446744073709551615), 4294967295LL, 0, false },
	/* MASKED_EQ: (arg & value) == valueTwo */
	{ "[{\"index\": 0, \"value\": 240, \"valueTwo\": 32, \"op\": \"SCMP_CMP_MASKED_EQ\"}]", 0x2f, 0, true },
	{ "[{\"index\": 0, \"value\": 240, \"valueTwo\": 32, \"op\": \"SCMP_CMP_MASKED_EQ\"}]", 0x3f, 0, false },
	{ "[{\"index\": 0, \"value\": 2114060288, \"valueTwo\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\"}]", 0x11, 0, true },
	{ "[{\"index\": 0, \"value\": 2114060288, \"valueTwo\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\"}]", 0x10000000, 0, false },
	/* Distinct indexes AND. */
	{ "[{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}, {\"index\": 1, \"value\": 2, \"op\": \"SCMP_CMP_EQ\"}]", 1, 2, true },
	{ "[{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}, {\"index\": 1, \"value\": 2, \"op\": \"SCMP_CMP_EQ\"}]", 1, 3, false },
	/* A repeated index makes each condition its own rule (OR), as runc and crun do. */
	{ "[{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}, {\"index\": 0, \"value\": 5, \"op\": \"SCMP_CMP_EQ\"}]", 1, 0, true },
	{ "[{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}, {\"index\": 0, \"value\": 5, \"op\": \"SCMP_CMP_EQ\"}]", 5, 0, true },
	{ "[{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}, {\"index\": 0, \"value\": 5, \"op\": \"SCMP_CMP_EQ\"}]", 3, 0, false },
	{ "[{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}, {\"index\": 0, \"value\": 5, \"op\": \"SCMP_CMP_EQ\"}, "
	  "{\"index\": 1, \"value\": 9, \"op\": \"SCMP_CMP_EQ\"}]", 3, 9, true },
};

Test(args, operators_at_their_boundaries_in_the_kernel)
{
	for (size_t i = 0; i < sizeof(arg_cases) / sizeof(arg_cases[0]); i++) {
		int st = in_child(arg_child, (void *)&arg_cases[i]);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "case %zu %s with (%lld, %lld): expected %s (status %#x)",
			  i, arg_cases[i].cond, arg_cases[i].a0, arg_cases[i].a1,
			  arg_cases[i].denied ? "denied" : "allowed", st);
	}
}

/* ---- TSYNC: threads that already run are covered ------------------------------------------------- */

static volatile int go;

static void *late_caller(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		usleep(100);
	errno = 0;
	long r = raw_getppid(0, 0);
	return (void *)(long)(r == -1 && errno == 13);
}

static void tsync_child(void *arg)
{
	(void)arg;
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, late_caller, NULL);
	install(DENY_GETPPID("SCMP_ACT_ERRNO", ", \"errnoRet\": 13"));
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 4; i++) {
		void *denied;
		pthread_join(t[i], &denied);
		if (!denied)
			_exit(10 + i);
	}
	_exit(0);
}

Test(actions, tsync_covers_threads_already_running)
{
	int st = in_child(tsync_child, NULL);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}

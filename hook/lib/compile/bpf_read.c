/* Reading the filters a running process has back from the kernel (PTRACE_SECCOMP_GET_FILTER). In
 * the library, not in bpf.c: the loader, which links bpf.c alone, never reads filters back. */
#include "config.h"
#include "bpf.h"
#include "error.h"
#include "util.h"

#include <errno.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c
#endif

typedef struct filters {
	sh_bpf *v;
	size_t n;
	int seccomp_mode;
} filters;

static int get_filters(pid_t pid, filters *out, sh_error **err)
{
	for (long i = 0;; i++) {
		long n = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)i, NULL);
		if (n < 0 && errno == ENOENT)
			return 0;
		if (n < 0 && errno == EINVAL && i == 0)
			return 0; /* no filter at all */
		if (n < 0)
			return sh_error_errno(err, errno, "PTRACE_SECCOMP_GET_FILTER pid %d filter %ld", (int)pid, i);
		out->v = sh_xreallocarray(out->v, out->n + 1, sizeof(*out->v));
		sh_bpf *b = &out->v[out->n++];
		b->len = (size_t)n;
		b->insns = sh_xcalloc((size_t)n, sizeof(struct sock_filter));
		if (ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)i, b->insns) != n)
			return sh_error_errno(err, errno, "PTRACE_SECCOMP_GET_FILTER pid %d filter %ld", (int)pid, i);
	}
}

/* The ptrace-stop PTRACE_INTERRUPT asks for, within STOP_WAIT_MS: a task in a frozen cgroup (a
 * paused container) does not stop until it is thawed, and reading its filters must not hang on it. */
#define STOP_WAIT_MS 2000
static bool wait_stop(pid_t pid)
{
	struct timespec pause = { 0, 50 * 1000 };
	for (long waited_ns = 0; waited_ns < STOP_WAIT_MS * 1000000L; waited_ns += pause.tv_nsec) {
		int st;
		pid_t r = waitpid(pid, &st, __WALL | WNOHANG);
		if (r == pid)
			return true;
		if (r < 0 && errno != EINTR)
			return false;
		nanosleep(&pause, NULL);
		if (pause.tv_nsec < 10 * 1000 * 1000)
			pause.tv_nsec *= 2;
	}
	errno = ETIMEDOUT;
	return false;
}

/* Seize (no signal), interrupt to get a ptrace-stop, read, detach. */
int sh_dump_read(int pid, sh_bpf **v, size_t *n, sh_error **err)
{
	filters f = { 0 };
	if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0)
		return sh_error_errno(err, errno, "cannot attach to pid %d", (int)pid);
	int r = 0;
	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0 || !wait_stop(pid))
		r = sh_error_errno(err, errno, "cannot stop pid %d (a frozen container's task stops once thawed)",
				   (int)pid);
	if (r == 0)
		r = get_filters(pid, &f, err);
	ptrace(PTRACE_DETACH, pid, 0, 0);
	*v = f.v;
	*n = f.n;
	return r;
}

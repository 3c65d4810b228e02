/* Reading the filters a running process has back from the kernel (PTRACE_SECCOMP_GET_FILTER). In
 * the library, not in bpf.c: the loader, which links bpf.c alone, never reads filters back. */
#include "config.h"
#include "bpf.h"
#include "error.h"
#include "util.h"

#include <errno.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

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

/* Seize (no signal), interrupt to get a ptrace-stop, read, detach. */
int sh_dump_read(int pid, sh_bpf **v, size_t *n, sh_error **err)
{
	filters f = { 0 };
	if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0)
		return sh_error_errno(err, errno, "cannot attach to pid %d", (int)pid);
	int st, r = 0;
	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0 || waitpid(pid, &st, __WALL) != pid)
		r = sh_error_errno(err, errno, "cannot stop pid %d", (int)pid);
	if (r == 0)
		r = get_filters(pid, &f, err);
	ptrace(PTRACE_DETACH, pid, 0, 0);
	*v = f.v;
	*n = f.n;
	return r;
}

/* load_filter ROUNDS BPF_FILE...: time the kernel's seccomp(SECCOMP_SET_MODE_FILTER) for each raw
 * BPF program (struct sock_filter array, as `seccomp-hook compile --format=bpf` writes it). Every
 * load happens in a fresh child, so each measures one filter attached to an unfiltered process:
 * the kernel's check, its conversion to eBPF, the JIT and the per-syscall action cache. Prints one
 * line per file: instructions and the median load time in microseconds. Files are interleaved
 * round by round. */
#include "config.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MAX_FILES = 8, MAX_INSNS = 4096 };

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* One load in a child; the child reports the time over a pipe. -1 if the load failed. */
static double load_once(const struct sock_fprog *prog)
{
	int p[2];
	if (pipe(p) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		double t = -1;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0) {
			double t0 = now_us();
			if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) == 0)
				t = now_us() - t0;
		}
		/* The filter may deny write(2); the time goes out through the pipe only if it does not,
		 * so a filter that blocks it reads as a failure instead of a hang. */
		if (write(p[1], &t, sizeof(t)) != (ssize_t)sizeof(t))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	double t = -1;
	if (pid < 0 || read(p[0], &t, sizeof(t)) != (ssize_t)sizeof(t))
		t = -1;
	close(p[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return t;
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc - 2 > MAX_FILES)
		return fprintf(stderr, "usage: load_filter ROUNDS BPF_FILE... (at most %d)\n", MAX_FILES), 2;
	int rounds = atoi(argv[1]), n = argc - 2;
	if (rounds < 1)
		return fprintf(stderr, "load_filter: ROUNDS must be positive\n"), 2;
	static struct sock_filter insns[MAX_FILES][MAX_INSNS];
	struct sock_fprog progs[MAX_FILES];
	double *t = calloc((size_t)n * (size_t)rounds, sizeof(double));
	if (!t)
		return perror("load_filter"), 1;
	for (int i = 0; i < n; i++) {
		FILE *f = fopen(argv[2 + i], "rb");
		if (!f)
			return fprintf(stderr, "load_filter: %s: %s\n", argv[2 + i], strerror(errno)), 1;
		size_t len = fread(insns[i], sizeof(struct sock_filter), MAX_INSNS, f);
		fclose(f);
		if (len == 0)
			return fprintf(stderr, "load_filter: %s: empty\n", argv[2 + i]), 1;
		progs[i] = (struct sock_fprog){ .len = (unsigned short)len, .filter = insns[i] };
	}
	for (int r = 0; r < rounds; r++)
		for (int k = 0; k < n; k++) {
			int i = (r & 1) ? n - 1 - k : k;
			double v = load_once(&progs[i]);
			if (v < 0)
				return fprintf(stderr, "load_filter: %s: the kernel refused the filter\n", argv[2 + i]), 1;
			t[(size_t)i * (size_t)rounds + (size_t)r] = v;
		}
	for (int i = 0; i < n; i++) {
		double *s = t + (size_t)i * (size_t)rounds;
		qsort(s, (size_t)rounds, sizeof(double), cmp_double);
		printf("%s %u %.1f\n", argv[2 + i], progs[i].len, s[rounds / 2]);
	}
	free(t);
	return 0;
}

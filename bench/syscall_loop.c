/* syscall_loop [-t THREADS] [-c CHILDREN] [-s getppid|personality] N: make N cheap system calls in
 * this thread and in each of THREADS more threads and CHILDREN child processes, all running at
 * once, and print the wall time of the loop in nanoseconds (from before the first extra worker
 * starts to after the last one is done; start-up and exit are not in it). The threads and children
 * are what makes a tracer follow clones and forks (strace -f) and a filter reach every task.
 *
 * syscall_loop -r SLICES [-s ..] N: the N calls in this thread alone, in SLICES equal slices, and
 * print the fastest slice's time per call in picoseconds: the cost of one call with the least of
 * what other tasks on the machine do to it (a preempted slice is a slow one, never the fastest).
 *
 * The calls are raw syscall(2)s, so no libc caches them:
 *   getppid      the kernel's per-syscall action cache answers it without running the filter in
 *                every profile that allows it unconditionally (Docker's does);
 *   personality  personality(0xffffffff), a query: Docker's profile allows personality for five
 *                argument values only, so every call runs the filter through those comparisons.
 * Exits 1 with one line if a call fails (a denied call must not count as a fast one). */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MAX_WORKERS = 64 };

static long calls;
static long nr = SYS_getppid;
static unsigned long arg0;

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* One worker's share: 0 if every call succeeded. */
static int loop(void)
{
	for (long i = 0; i < calls; i++)
		if (syscall(nr, arg0) < 0) {
			perror("syscall_loop");
			return 1;
		}
	return 0;
}

static void *thread_loop(void *unused)
{
	(void)unused;
	return (void *)(long)loop();
}

/* Fork a child that runs its share and exits with its result; its pid, or -1. */
static pid_t start_child(void)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(loop());
	return pid;
}

/* -r: the fastest of the slices, in ps per call; -1 if a call failed. */
static long long fastest_slice(long slices)
{
	long long best = -1;
	calls /= slices;
	for (long i = 0; i < slices; i++) {
		long long t0 = now_ns();
		if (loop() != 0)
			return -1;
		long long t = now_ns() - t0;
		if (best < 0 || t < best)
			best = t;
	}
	return best * 1000 / calls;
}

static int usage(void)
{
	fprintf(stderr, "usage: syscall_loop [-t THREADS] [-c CHILDREN] [-s CALL] N\n"
			"       syscall_loop -r SLICES [-s CALL] N\n"
			"CALL: getppid (the default) or personality\n");
	return 2;
}

static int set_call(const char *name)
{
	if (strcmp(name, "getppid") == 0)
		nr = SYS_getppid;
	else if (strcmp(name, "personality") == 0) {
		nr = SYS_personality;
		arg0 = 0xffffffffUL; /* a query: the persona stays as it is */
	} else
		return -1;
	return 0;
}

/* Start the extra workers, run this thread's share, collect them all: 0 if all of them succeeded. */
static int run_all(int threads, int children)
{
	pthread_t t[MAX_WORKERS];
	pid_t c[MAX_WORKERS];
	int bad = 0, st, started = 0;
	for (int i = 0; i < children; i++)
		if ((c[i] = start_child()) < 0)
			return 1;
	for (; started < threads; started++)
		if (pthread_create(&t[started], NULL, thread_loop, NULL) != 0) {
			bad = 1;
			break;
		}
	bad |= loop();
	for (int i = 0; i < started; i++) {
		void *r;
		pthread_join(t[i], &r);
		bad |= r != NULL;
	}
	for (int i = 0; i < children; i++)
		bad |= waitpid(c[i], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0;
	return bad;
}

int main(int argc, char **argv)
{
	int threads = 0, children = 0, ch;
	long slices = 0;
	while ((ch = getopt(argc, argv, "t:c:r:s:")) != -1) {
		switch (ch) {
		case 'r': slices = atol(optarg); break;
		case 't': threads = atoi(optarg); break;
		case 'c': children = atoi(optarg); break;
		case 's':
			if (set_call(optarg) < 0)
				return usage();
			break;
		default: return usage();
		}
	}
	if (optind + 1 != argc || threads < 0 || threads > MAX_WORKERS || children < 0 || children > MAX_WORKERS)
		return usage();
	calls = atol(argv[optind]);
	if (calls <= 0 || slices < 0 || (slices && (threads || children || calls < slices)))
		return usage();
	if (slices) {
		long long ps = fastest_slice(slices);
		if (ps < 0)
			return 1;
		printf("%lld\n", ps);
		return 0;
	}
	long long t0 = now_ns();
	if (run_all(threads, children) != 0)
		return 1;
	printf("%lld\n", now_ns() - t0);
	return 0;
}

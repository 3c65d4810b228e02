/* timed [-i IN] [-o OUT] [STEP ARG... ---] CMD ARG...: run an optional first step (a hook: stdin
 * from IN, stdout to OUT), then CMD (stdin and stdout on /dev/null, or IN and OUT when there is no
 * step; stderr on /dev/null), one after the other, and print the wall time of both together in
 * nanoseconds. Each is started with posix_spawn, the way engines start hooks and runtimes (Go's
 * os/exec clones with CLONE_VFORK), so no variant is charged for a shell forking its own image.
 * Exits 1 with one line if a step cannot start or does not exit 0: a failed start must not count as
 * a fast one. */
#include "config.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Run argv to completion with the given stdin and stdout (NULL: /dev/null); 0 if it exited 0. */
static int run(char **argv, const char *in, const char *out)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st, rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, in ? in : "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		fprintf(stderr, "timed: %s: %s\n", argv[0], strerror(rc));
		return -1;
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "timed: %s: did not exit 0\n", argv[0]);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *in = NULL, *out = NULL;
	char **step = NULL, **cmd;
	int i = 1;
	long long t0, t1;

	for (; i + 1 < argc && (strcmp(argv[i], "-i") == 0 || strcmp(argv[i], "-o") == 0); i += 2)
		*(argv[i][1] == 'i' ? &in : &out) = argv[i + 1];
	cmd = argv + i;
	for (int j = i; j < argc; j++)
		if (strcmp(argv[j], "---") == 0) {
			argv[j] = NULL;
			step = argv + i;
			cmd = argv + j + 1;
			break;
		}
	if (*cmd == NULL || (step && *step == NULL)) {
		fprintf(stderr, "usage: timed [-i IN] [-o OUT] [STEP ARG... ---] CMD ARG...\n");
		return 2;
	}
	t0 = now_ns();
	if (step && run(step, in, out) < 0)
		return 1;
	if (run(cmd, step ? NULL : in, step ? NULL : out) < 0)
		return 1;
	t1 = now_ns();
	printf("%lld\n", t1 - t0);
	return 0;
}

/* sigstorm PID COMM SIGNAL SECONDS: signal a descendant of PID (a child or grandchild: PID may be the
 * `timeout` a runtime runs under) named COMM (its /proc comm) over and over
 * while it keeps that name: one signal about every 50 us, to its main thread (tgkill), until it execs
 * into something else or ends, or SECONDS pass. Made to show that a process which installs a
 * notifying seccomp filter and then hands its listener on (runc init, named "runc:[2:INIT]") does not
 * stop for ever when a signal arrives in between: a signal pending when seccomp(2) returns makes the
 * next call rt_sigreturn, so no call after the install can be kept from the supervisor by chance.
 * Prints "signals=N in_filter=M": how many were sent, and how many of those once /proc said the
 * process runs a filter (Seccomp: 2; 256 at most, then it stops), so a test can see that the window
 * was really hit. Exit 0 when a
 * child was found and signalled, 1 when none appeared in time, 2 on a usage error. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The first line of /proc/PID/FILE, or "" when it cannot be read (the process is gone). */
static void read_proc(int pid, const char *file, char *buf, size_t len)
{
	char path[320];
	snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
	buf[0] = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
}

static bool named(int pid, const char *comm)
{
	char buf[64];
	read_proc(pid, "comm", buf, sizeof buf);
	return strcmp(buf, comm) == 0;
}

/* A child of ppid (of any of its threads) named comm, or one of theirs while depth > 0; 0 for none,
 * -1 when ppid is gone. */
static int find_child(int ppid, const char *comm, int depth)
{
	char path[300], list[4096];
	snprintf(path, sizeof path, "/proc/%d/task", ppid);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	int found = 0;
	for (struct dirent *e; found <= 0 && (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "task/%s/children", e->d_name);
		read_proc(ppid, path, list, sizeof list);
		for (char *p = list, *end; *p && found <= 0; p = end) {
			int pid = (int)strtol(p, &end, 10);
			if (end == p)
				break;
			found = named(pid, comm) ? pid : depth > 0 ? find_child(pid, comm, depth - 1) : 0;
		}
	}
	closedir(d);
	return found < 0 ? 0 : found;
}

static bool in_filter(int pid)
{
	char path[32], buf[4096];
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	FILE *f = fopen(path, "re");
	bool yes = false;
	while (f && fgets(buf, sizeof buf, f))
		if (strncmp(buf, "Seccomp:", 8) == 0)
			yes = atoi(buf + 8) == 2;
	if (f)
		fclose(f);
	return yes;
}

int main(int argc, char **argv)
{
	if (argc != 5)
		return fprintf(stderr, "usage: sigstorm PPID COMM SIGNAL SECONDS\n"), 2;
	int ppid = atoi(argv[1]), sig = atoi(argv[3]);
	double end = now() + atof(argv[4]);
	int pid = 0;
	while (!pid && now() < end && kill(ppid, 0) == 0)
		pid = find_child(ppid, argv[2], 1);
	if (pid <= 0) {
		printf("signals=0 in_filter=0\n");
		return 1;
	}
	/* Once the filter is in, a few hundred more: past the hand-over, a signal is answered like any
	 * other call, and storming on only slows the start down. */
	long sent = 0, filtered = 0;
	struct timespec pause = { 0, 50000 };
	while (now() < end && filtered < 256 && named(pid, argv[2])) {
		if (syscall(SYS_tgkill, pid, pid, sig) < 0)
			break;
		sent++;
		/* Looked at once in a while until seen: reading status takes longer than the pause. */
		if (filtered || sent % 4 == 0)
			filtered += filtered || in_filter(pid);
		nanosleep(&pause, NULL);
	}
	printf("signals=%ld in_filter=%ld\n", sent, filtered);
	return 0;
}

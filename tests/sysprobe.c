/* sysprobe: a static test program for containers. For each NAME argument it makes that syscall with
 * harmless arguments and prints NAME=ok or NAME=<errno>, so a test can see what a filter decided. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

static long probe(const char *name)
{
	if (strcmp(name, "clone3") == 0)
		return syscall(SYS_clone3, NULL, 0); /* EFAULT/EINVAL unfiltered, ENOSYS under Docker's profile */
	if (strcmp(name, "unshare") == 0)
		return syscall(SYS_unshare, CLONE_NEWUTS);
	if (strcmp(name, "mount") == 0)
		return syscall(SYS_mount, "none", "/tmp", "tmpfs", 0, NULL);
	if (strcmp(name, "getppid") == 0)
		return syscall(SYS_getppid);
	if (strcmp(name, "mkdir") == 0)
		return syscall(SYS_mkdirat, AT_FDCWD, "/tmp/sysprobe-dir", 0755);
	if (strcmp(name, "personality1") == 0)
		return syscall(SYS_personality, 1UL); /* not an allowed personality */
	if (strcmp(name, "socket_vsock") == 0)
		return syscall(SYS_socket, 40, 1, 0);
	if (strcmp(name, "ptrace") == 0)
		return syscall(SYS_ptrace, 0x4206 /* PTRACE_SEIZE */, 0, 0, 0);
	if (strcmp(name, "newest") == 0)
		return syscall(463); /* newer than any profile here names */
	errno = EINVAL;
	return -2;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		errno = 0;
		long r = probe(argv[i]);
		if (r == -2 && errno == EINVAL) {
			printf("%s=unknown-probe\n", argv[i]);
			continue;
		}
		if (r < 0)
			printf("%s=%d\n", argv[i], errno);
		else
			printf("%s=ok:%ld\n", argv[i], r);
	}
	return 0;
}

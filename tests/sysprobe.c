/* sysprobe: a static test program for containers. For each NAME argument it makes that syscall with
 * harmless arguments and prints NAME=ok or NAME=<errno>, so a test can see what a filter decided. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <unistd.h>

/* An x86 (int 0x80) call from this x86_64 program: the kernel runs it on the 32-bit ABI. */
static long int80(long nr)
{
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr) : "memory");
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

/* Whether this kernel runs int 0x80 from a 64-bit process at all: 1 if a child's x86 getppid returns,
 * 0 if the child dies of SIGSEGV (no IA32 entry: booted with ia32_emulation=false, or no IDT vector
 * 0x80; the instruction faults before any syscall, so no filter sees it). */
static long int80_entry(void)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(int80(64) < 0 ? 1 : 0);
	int st;
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV)
		return 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 1;
	errno = EIO;
	return -1;
}

/* Each thread makes a call the main thread never makes (getrusage of itself). */
static void *thread_call(void *arg)
{
	struct rusage ru;
	(void)arg;
	return (void *)(long)syscall(SYS_getrusage, RUSAGE_THREAD, &ru);
}

static long threads(void)
{
	pthread_t t[4];
	long bad = 0;
	for (int i = 0; i < 4; i++)
		if (pthread_create(&t[i], NULL, thread_call, NULL) != 0)
			return -1;
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(t[i], &r);
		bad += r != NULL;
	}
	if (bad)
		errno = EPERM;
	return bad ? -1 : 0;
}

/* clone with flags, as fork does it: the child ends at once. */
static long clone_flags(unsigned long flags)
{
	long pid = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	return pid < 0 ? -1 : 0;
}

static long socket_close(int domain, int type)
{
	long fd = syscall(SYS_socket, domain, type, 0);
	if (fd >= 0)
		close((int)fd);
	return fd < 0 ? -1 : 0;
}

/* A call whose success would change this process (a new user namespace): made in a child, whose
 * result comes back as its exit status (0, or the errno). */
static long in_child(long (*call)(void))
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(call() < 0 ? (errno & 0xff) : 0);
	int st;
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return -1;
	errno = WEXITSTATUS(st);
	return errno ? -1 : 0;
}

static long unshare_user(void)
{
	return syscall(SYS_unshare, CLONE_NEWUSER);
}

static long clone_newuser(void)
{
	return clone_flags(CLONE_NEWUSER);
}

/* io_uring_setup with one entry; the ring is closed again. */
static long io_uring(void)
{
	unsigned char params[120] = { 0 }; /* struct io_uring_params */
	long fd = syscall(SYS_io_uring_setup, 1, params);
	if (fd >= 0)
		close((int)fd);
	return fd < 0 ? -1 : 0;
}

/* socket_fam_N_T: socket(N, T, 0), closed again. */
static long socket_family(const char *spec)
{
	int domain, type;
	if (sscanf(spec, "%d_%d", &domain, &type) != 2) {
		errno = EINVAL;
		return -2;
	}
	return socket_close(domain, type);
}

/* "call:NR:A0:...": syscall NR with up to six arguments (decimal or 0x hex), as a counterexample of
 * check --within names it; unknown fields are 0. */
static long raw_call(const char *spec)
{
	unsigned long v[7] = { 0 };
	char *end = NULL;
	const char *p = spec + strlen("call:");
	for (int i = 0; i < 7 && *p; i++) {
		v[i] = strtoul(p, &end, 0);
		if (end == p || (*end && *end != ':')) {
			errno = EINVAL;
			return -2;
		}
		p = *end ? end + 1 : end;
	}
	return syscall((long)v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
}

static long probe(const char *name)
{
	if (strncmp(name, "call:", 5) == 0)
		return raw_call(name);
	if (strcmp(name, "socket_alg") == 0) /* AF_ALG has SOCK_SEQPACKET only */
		return socket_close(38, SOCK_SEQPACKET);
	if (strcmp(name, "socket_alg_cloexec") == 0)
		return socket_close(38, SOCK_SEQPACKET | SOCK_CLOEXEC);
	if (strcmp(name, "socket_alg_high") == 0) { /* the kernel reads the int: AF_ALG again */
		long fd = syscall(SYS_socket, 0x100000026L, SOCK_SEQPACKET, 0);
		if (fd >= 0)
			close((int)fd);
		return fd < 0 ? -1 : 0;
	}
	if (strncmp(name, "socket_fam_", 11) == 0)
		return socket_family(name + 11);
	if (strcmp(name, "io_uring") == 0)
		return io_uring();
	if (strcmp(name, "unshare_user") == 0)
		return in_child(unshare_user);
	if (strcmp(name, "clone_newuser") == 0)
		return in_child(clone_newuser);
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
	if (strcmp(name, "int80_getppid") == 0)
		return int80(64); /* getppid on x86 */
	if (strcmp(name, "int80_entry") == 0)
		return int80_entry();
	if (strcmp(name, "x32_getppid") == 0)
		return syscall(0x40000000 | 110); /* getppid on x32 (ENOSYS where the kernel has no x32) */
	if (strcmp(name, "threads") == 0)
		return threads();
	if (strcmp(name, "clone_plain") == 0)
		return clone_flags(0);
	if (strcmp(name, "clone_newns") == 0)
		return clone_flags(CLONE_NEWNS);
	if (strcmp(name, "personality10") == 0) /* 10: where a 64-bit comparison goes wrong in libseccomp 2.5.4 */
		return syscall(SYS_personality, 10UL);
	if (strcmp(name, "personality_query") == 0)
		return syscall(SYS_personality, 0xffffffffUL);
	if (strcmp(name, "socket_unix") == 0)
		return socket_close(AF_UNIX, SOCK_STREAM);
	if (strcmp(name, "socket_inet") == 0)
		return socket_close(AF_INET, SOCK_STREAM);
	if (strcmp(name, "socket_netlink") == 0) /* AF_NETLINK, NETLINK_ROUTE */
		return socket_close(AF_NETLINK, SOCK_RAW);
	if (strcmp(name, "keyctl") == 0) /* KEYCTL_GET_KEYRING_ID of the user keyring: allowed by the kernel, not by Docker */
		return syscall(SYS_keyctl, 0, -4, 1);
	if (strcmp(name, "getpid") == 0)
		return syscall(SYS_getpid);
	if (strcmp(name, "chdir") == 0)
		return syscall(SYS_chdir, "/");
	if (strcmp(name, "getcwd") == 0) {
		char cwd[64];
		return syscall(SYS_getcwd, cwd, sizeof cwd);
	}
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

/* mkbpf: write a small hand-assembled seccomp program for the loader tests, independent of
 * libseccomp and of the translator: mkdir and mkdirat fail with ERRNO (default EACCES), every
 * other native syscall is allowed, any other architecture (and x32 on x86_64) is killed.
 * Usage: mkbpf [--errno=N] FILE */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bpf.h"

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#define FOREIGN_NR_MIN 0x40000000u /* x32 calls carry the x86_64 arch value, with this bit set */
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define NATIVE_ARCH AUDIT_ARCH_I386
#else
#error "mkbpf: add this architecture's AUDIT_ARCH value"
#endif
#ifndef FOREIGN_NR_MIN
#define FOREIGN_NR_MIN 0xffffffffu
#endif
#ifdef __NR_mkdir
#define NR_MKDIR __NR_mkdir
#else
#define NR_MKDIR __NR_mkdirat /* newer ABIs have only mkdirat */
#endif

#define LOAD(field) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))

static int write_program(const char *path, unsigned err)
{
	const struct sock_filter prog[] = {
		LOAD(arch),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 1, 0),
		RET(SECCOMP_RET_KILL_PROCESS),
		LOAD(nr),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, FOREIGN_NR_MIN, 3, 0), /* -> kill */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR_MKDIR, 3, 0),       /* -> errno */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mkdirat, 2, 0),   /* -> errno */
		RET(SECCOMP_RET_ALLOW),
		RET(SECCOMP_RET_KILL_PROCESS),
		RET(SECCOMP_RET_ERRNO | (err & SECCOMP_RET_DATA)),
	};
	const char *bad = sh_bpf_check_program(prog, sizeof prog / sizeof prog[0]);
	if (bad) {
		fprintf(stderr, "mkbpf: internal error: %s\n", bad);
		return -1;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, prog, sizeof prog) != (ssize_t)sizeof prog || close(fd) < 0) {
		fprintf(stderr, "mkbpf: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned err = EACCES;
	int i = 1;
	if (i < argc && strncmp(argv[i], "--errno=", 8) == 0)
		err = (unsigned)strtoul(argv[i++] + 8, NULL, 0);
	if (i + 1 != argc || err > 4095) {
		fputs("Usage: mkbpf [--errno=N] FILE\n", stderr);
		return 2;
	}
	return write_program(argv[i], err) < 0 ? 1 : 0;
}

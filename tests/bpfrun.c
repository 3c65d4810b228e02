/* bpfrun: what a raw BPF program (compile -o, dump --format=raw) answers to one call, run in the
 * library's interpreter (the one explain and diff use), printed as explain names actions. For calls
 * a test cannot make on this kernel, such as int 0x80 where there is no IA32 entry. FILE may be
 * FILE1,FILE2,...: filters a process runs, the first one installed first (dump --index=0 is that
 * one), stacked as the kernel stacks them.
 * Usage: bpfrun FILE[,FILE...] ARCH SYSCALL [ARG0..ARG5]   (SYSCALL: a name on ARCH, or a number) */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf.h"
#include "error.h"
#include "json.h"
#include "names.h"
#include "util.h"

static int fail(const char *what, const char *detail)
{
	fprintf(stderr, "bpfrun: %s: %s\n", what, detail);
	return 2;
}

/* The call as the kernel hands it to a filter: x32 calls carry x86_64's AUDIT_ARCH value. */
static int call_of(const char *arch_name, const char *syscall, sh_seccomp_data *d)
{
	uint32_t arch = sh_arch_from_name(arch_name);
	if (!arch)
		return -1;
	char *end;
	long nr = strtol(syscall, &end, 0);
	if (*end)
		nr = seccomp_syscall_resolve_name_arch(arch, syscall);
	if (nr < 0)
		return -1;
	d->arch = arch == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : arch;
	d->nr = (int)nr;
	return 0;
}

/* One program's answer; -1 (with the message printed) if it cannot be read. */
static int run_file(const char *path, const sh_seccomp_data *d, uint32_t *ret)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	cleanup_free char *buf = NULL;
	size_t len = 0;
	cleanup_error sh_error *err = NULL;
	if (fd < 0)
		return fail(path, strerror(errno)), -1;
	if (sh_read_fd_bounded(fd, path, SH_BPF_MAX_INSNS * sizeof(struct sock_filter) + 1, &buf, &len, &err) < 0)
		return fail(path, err->msg), -1;
	const struct sock_filter *p = (const struct sock_filter *)buf;
	const char *bad = sh_bpf_check_size(len);
	if (!bad)
		bad = sh_bpf_check_program(p, len / sizeof *p);
	if (bad)
		return fail(path, bad), -1;
	*ret = sh_bpf_run(p, len / sizeof *p, d, NULL);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4 || argc > 10)
		return fail("usage", "bpfrun FILE[,FILE...] ARCH SYSCALL [ARG0..ARG5]");
	sh_seccomp_data d = { 0 };
	if (call_of(argv[2], argv[3], &d) < 0)
		return fail(argv[3], "no such arch, or no such call on it");
	for (int i = 4; i < argc; i++)
		d.args[i - 4] = strtoull(argv[i], NULL, 0);
	size_t n;
	char **files = sh_split_commas(argv[1], &n);
	uint32_t stacked = SECCOMP_RET_ALLOW;
	for (size_t i = 0; i < n; i++) { /* each newer than the one before */
		uint32_t r;
		if (run_file(files[i], &d, &r) < 0) {
			sh_strv_free(files);
			return 2;
		}
		stacked = i == 0 ? r : sh_bpf_stack(r, stacked);
	}
	sh_strv_free(files);
	char name[64];
	puts(sh_ret_name(stacked, name, sizeof name));
	return 0;
}

/* bpfrun: what a raw BPF program (compile -o, dump --format=raw) answers to one call, run in the
 * library's interpreter (the one explain and diff use), printed as explain names actions. For calls
 * a test cannot make on this kernel, such as int 0x80 where there is no IA32 entry.
 * Usage: bpfrun FILE ARCH SYSCALL [ARG0..ARG5]   (SYSCALL: a name on ARCH, or a number) */
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

int main(int argc, char **argv)
{
	if (argc < 4 || argc > 10)
		return fail("usage", "bpfrun FILE ARCH SYSCALL [ARG0..ARG5]");
	sh_seccomp_data d = { 0 };
	if (call_of(argv[2], argv[3], &d) < 0)
		return fail(argv[3], "no such arch, or no such call on it");
	for (int i = 4; i < argc; i++)
		d.args[i - 4] = strtoull(argv[i], NULL, 0);
	cleanup_close int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	cleanup_free char *buf = NULL;
	size_t len = 0;
	cleanup_error sh_error *err = NULL;
	if (fd < 0)
		return fail(argv[1], strerror(errno));
	if (sh_read_fd_bounded(fd, argv[1], SH_BPF_MAX_INSNS * sizeof(struct sock_filter) + 1, &buf, &len, &err) < 0)
		return fail(argv[1], err->msg);
	const struct sock_filter *p = (const struct sock_filter *)buf;
	const char *bad = sh_bpf_check_size(len);
	if (!bad)
		bad = sh_bpf_check_program(p, len / sizeof *p);
	if (bad)
		return fail(argv[1], bad);
	char name[64];
	puts(sh_ret_name(sh_bpf_run(p, len / sizeof *p, &d, NULL), name, sizeof name));
	return 0;
}

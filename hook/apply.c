#include "config.h"
#include "apply.h"
#include "bpf.h"

#include <errno.h>
#include <stdio.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif

bool sh_have_cap_sys_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2] = { { 0 } };
	if (syscall(SYS_capget, &hdr, data) < 0)
		return false;
	return (data[CAP_SYS_ADMIN / 32].effective & (1u << (CAP_SYS_ADMIN % 32))) != 0;
}

int sh_apply_filter(const struct sock_filter *insns, size_t len, unsigned flags, const char **why)
{
	const char *bad = sh_bpf_check_size(len * sizeof(*insns));
	if (!bad)
		bad = sh_bpf_check_program(insns, len);
	if (bad) {
		*why = bad;
		errno = EINVAL;
		return -1;
	}
	/* Without CAP_SYS_ADMIN the kernel only accepts a filter under no_new_privs. */
	if (!sh_have_cap_sys_admin() && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		*why = "cannot set no_new_privs";
		return -1;
	}
	flags |= SECCOMP_FILTER_FLAG_TSYNC;
	/* TSYNC and NEW_LISTENER together are refused unless a sync failure reports ESRCH. */
	if (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)
		flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
	int r = sh_bpf_install(insns, len, flags);
	if (r < 0) {
		errno = -r;
		*why = "the kernel refused the filter";
		return -1;
	}
	/* With TSYNC alone, a positive result is the id of a thread that could not be synchronized. */
	if (r > 0 && !(flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)) {
		*why = "a thread could not be synchronized to the filter (TSYNC)";
		errno = ESRCH;
		return -1;
	}
	return r;
}

int sh_proc_seccomp_mode(long pid)
{
	char path[64], line[256];
	int mode = -1;
	snprintf(path, sizeof path, "/proc/%ld/status", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "Seccomp: %d", &mode) == 1)
			break;
	fclose(f);
	return mode;
}

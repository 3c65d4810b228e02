/* Nearest-name suggestions for misspelt names, and the Linux syscalls newer than the libseccomp
 * tables distributions ship (see suggest.h). */
#include "config.h"
#include "suggest.h"
#include "names.h"
#include "util.h"

#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 64

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;
	return m < c ? m : c;
}

size_t sh_edit_distance(const char *a, const char *b, size_t max)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > NAME_MAX_LEN || lb > NAME_MAX_LEN || (la > lb ? la - lb : lb - la) > max)
		return max + 1;
	size_t r0[NAME_MAX_LEN + 1], r1[NAME_MAX_LEN + 1], r2[NAME_MAX_LEN + 1];
	size_t *before = r0, *prev = r1, *cur = r2; /* rows i-2, i-1 and i */
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t best = cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			cur[j] = min3(prev[j - 1] + (a[i - 1] != b[j - 1]), prev[j] + 1, cur[j - 1] + 1);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && before[j - 2] + 1 < cur[j])
				cur[j] = before[j - 2] + 1; /* two neighbours swapped */
			best = cur[j] < best ? cur[j] : best;
		}
		if (best > max) /* every later row is at least as far */
			return max + 1;
		size_t *t = before;
		before = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb] > max ? max + 1 : prev[lb];
}

const char *sh_nearest_name(const char *s, const char *(*nth)(size_t i))
{
	size_t limit = strlen(s) / 3 < 2 ? strlen(s) / 3 : 2, best = limit + 1;
	const char *found = NULL;
	bool tie = false;
	for (size_t i = 0; nth(i); i++) {
		size_t d = sh_edit_distance(s, nth(i), limit);
		if (d < best) {
			best = d;
			found = nth(i);
			tie = false;
		} else if (d == best && found && strcmp(found, nth(i)) != 0) {
			tie = true;
		}
	}
	return found && !tie && best > 0 ? found : NULL;
}

const char *sh_suggest_action(const char *s)
{
	return sh_nearest_name(s, sh_action_nth_name);
}

const char *sh_suggest_op(const char *s)
{
	return sh_nearest_name(s, sh_op_nth_name);
}

const char *sh_suggest_errno(const char *s)
{
	return sh_nearest_name(s, sh_errno_nth_name);
}

/* Syscalls Linux added that libseccomp 2.5.x (Debian 12 ships 2.5.4) may not know, with the release
 * that added them, from the kernel's syscall tables (arch/x86/entry/syscalls/syscall_64.tbl,
 * scripts/syscall.tbl; riscv_* are RISC-V's own). Docker's and podman's profiles name such
 * syscalls ahead of libseccomp; runc and crun skip a name libseccomp cannot resolve. */
static const struct newer_syscall {
	const char *name, *since;
} newer_syscalls[] = {
	{ "clone3", "5.3" },	       { "openat2", "5.6" },		   { "pidfd_getfd", "5.6" },
	{ "faccessat2", "5.8" },       { "close_range", "5.9" },	   { "process_madvise", "5.10" },
	{ "epoll_pwait2", "5.11" },    { "mount_setattr", "5.12" },	   { "landlock_create_ruleset", "5.13" },
	{ "landlock_add_rule", "5.13" }, { "landlock_restrict_self", "5.13" }, { "memfd_secret", "5.14" },
	{ "quotactl_fd", "5.14" },     { "process_mrelease", "5.15" },	   { "futex_waitv", "5.16" },
	{ "set_mempolicy_home_node", "5.17" }, { "riscv_hwprobe", "6.4" }, { "cachestat", "6.5" },
	{ "fchmodat2", "6.6" },	       { "map_shadow_stack", "6.6" },	   { "futex_wake", "6.7" },
	{ "futex_wait", "6.7" },       { "futex_requeue", "6.7" },	   { "statmount", "6.8" },
	{ "listmount", "6.8" },	       { "lsm_get_self_attr", "6.8" },	   { "lsm_set_self_attr", "6.8" },
	{ "lsm_list_modules", "6.8" }, { "mseal", "6.10" },		   { "uretprobe", "6.11" },
	{ "setxattrat", "6.13" },      { "getxattrat", "6.13" },	   { "listxattrat", "6.13" },
	{ "removexattrat", "6.13" },   { "open_tree_attr", "6.15" },	   { "file_getattr", "6.17" },
	{ "file_setattr", "6.17" },
};

const char *sh_syscall_linux_since(const char *name)
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(newer_syscalls); i++)
		if (strcmp(name, newer_syscalls[i].name) == 0)
			return newer_syscalls[i].since;
	return NULL;
}

/* Candidates: the names libseccomp resolves on the native architecture (numbers 0..1023, read
 * once, into the heap: an 8 KiB array in .bss would outgrow the data segment's last page, which
 * every start of the musl build would then pay for), then the newer ones. */
enum { NATIVE_NR_MAX = 1024 };
static const char *syscall_nth(size_t i)
{
	static char **names;
	static size_t n;
	if (!names) {
		names = sh_xcalloc(NATIVE_NR_MAX, sizeof(*names));
		for (int nr = 0; nr < NATIVE_NR_MAX; nr++) {
			char *s = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
			if (s)
				names[n++] = s;
		}
	}
	if (i < n)
		return names[i];
	return i - n < SH_ARRAY_SIZE(newer_syscalls) ? newer_syscalls[i - n].name : NULL;
}

const char *sh_suggest_syscall(const char *s)
{
	return sh_nearest_name(s, syscall_nth);
}

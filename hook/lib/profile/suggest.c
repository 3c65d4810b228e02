/* Nearest-name suggestions for misspelt names, and the Linux syscalls newer than the libseccomp
 * tables distributions ship (see suggest.h). */
#include "config.h"
#include "suggest.h"
#include "names.h"
#include "util.h"

#include <seccomp.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NAME_MAX_LEN 64

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;
	return m < c ? m : c;
}

/* Only the cells within max of the diagonal are computed (a cell further off is more than max
 * edits away already), so the cost is O(len(a) * (2 * max + 1)), not O(len(a) * len(b)). Each row
 * marks the cells just outside its band as too far, for the next row to read. */
size_t sh_edit_distance(const char *a, const char *b, size_t max)
{
	size_t la = strlen(a), lb = strlen(b), far = max + 1;
	if (la > NAME_MAX_LEN || lb > NAME_MAX_LEN || (la > lb ? la - lb : lb - la) > max)
		return far;
	size_t rows[3][NAME_MAX_LEN + 2];
	size_t *before = rows[0], *prev = rows[1], *cur = rows[2]; /* rows i-2, i-1 and i */
	for (size_t j = 0; j <= lb && j <= max; j++)
		prev[j] = j;
	if (max + 1 <= lb)
		prev[max + 1] = far;
	for (size_t i = 1; i <= la; i++) {
		size_t lo = i > max ? i - max : 1, hi = i + max < lb ? i + max : lb;
		size_t best = cur[lo - 1] = lo == 1 ? i : far;
		for (size_t j = lo; j <= hi; j++) {
			cur[j] = min3(prev[j - 1] + (a[i - 1] != b[j - 1]), prev[j] + 1, cur[j - 1] + 1);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && before[j - 2] + 1 < cur[j])
				cur[j] = before[j - 2] + 1; /* two neighbours swapped */
			best = cur[j] < best ? cur[j] : best;
		}
		if (hi < lb)
			cur[hi + 1] = far;
		if (best > max) /* every later row is at least as far */
			return far;
		size_t *t = before;
		before = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb] > max ? far : prev[lb];
}

/* The candidates, from a numbering function or from an array. */
typedef struct candidates {
	const char *(*nth)(size_t i);
	const char *const *v;
	size_t n;
} candidates;

static const char *candidate(const candidates *c, size_t i)
{
	return c->nth ? c->nth(i) : i < c->n ? c->v[i] : NULL;
}

static const char *nearest(const char *s, const char *prefix, const candidates *c)
{
	size_t own = strlen(s), plen = prefix ? strlen(prefix) : 0;
	if (plen && strncmp(s, prefix, plen) == 0)
		own -= plen; /* SCMP_ARCH_Z80 is three letters from SCMP_ARCH_X86's, not thirteen */
	size_t limit = own / 3 < 2 ? own / 3 : 2, best = limit + 1;
	const char *found = NULL;
	bool tie = false;
	for (size_t i = 0; candidate(c, i); i++) {
		const char *name = candidate(c, i);
		size_t d = sh_edit_distance(s, name, limit);
		if (d < best) {
			best = d;
			found = name;
			tie = false;
		} else if (d == best && found && strcmp(found, name) != 0) {
			tie = true;
		}
	}
	return found && !tie && best > 0 ? found : NULL;
}

const char *sh_nearest_name(const char *s, const char *prefix, const char *(*nth)(size_t i))
{
	candidates c = { .nth = nth };
	return nearest(s, prefix, &c);
}

const char *sh_nearest_of(const char *s, const char *const *names, size_t n)
{
	candidates c = { .v = names, .n = n };
	return nearest(s, NULL, &c);
}

const char *sh_suggest_action(const char *s)
{
	return sh_nearest_name(s, "SCMP_ACT_", sh_action_nth_name);
}

const char *sh_suggest_op(const char *s)
{
	return sh_nearest_name(s, "SCMP_CMP_", sh_op_nth_name);
}

const char *sh_suggest_errno(const char *s)
{
	return sh_nearest_name(s, NULL, sh_errno_nth_name);
}

const char *sh_suggest_arch(const char *s)
{
	return sh_nearest_name(s, "SCMP_ARCH_", sh_arch_nth_name);
}

/* Capabilities match case-blind and with CAP_ optional, so the guess is made on the CAP_ spelling. */
const char *sh_suggest_cap(const char *s)
{
	char up[NAME_MAX_LEN + 1];
	const char *bare = strncasecmp(s, "CAP_", 4) == 0 ? s + 4 : s;
	if (strlen(bare) + 4 > NAME_MAX_LEN)
		return NULL;
	strcpy(up, "CAP_");
	for (size_t i = 0; bare[i]; i++)
		up[4 + i] = (char)toupper((unsigned char)bare[i]);
	up[4 + strlen(bare)] = 0;
	return sh_nearest_name(up, "CAP_", sh_cap_nth_name);
}

/* The real syscall names libseccomp 2.5.x (Debian 12 ships 2.5.4) may not resolve, with where they
 * come from. The names: every one in libseccomp's own src/syscalls.csv (main, with the tables of
 * Linux 7.1) that 2.5.4's seccomp_syscall_resolve_name() refuses, and those of Linux 5.3 to 5.17,
 * some of which older 2.5.x releases lack. The releases: the kernel's syscall tables
 * (scripts/syscall.tbl, arch/x86/entry/syscalls/syscall_64.tbl: uretprobe and uprobe are x86_64's,
 * riscv_hwprobe is RISC-V's). Docker's and podman's profiles name such syscalls ahead of libseccomp,
 * and runc and crun skip a name libseccomp cannot resolve. */
static const struct newer_syscall {
	const char *name, *origin;
} newer_syscalls[] = {
	{ "clone3", "Linux 5.3" },
	{ "openat2", "Linux 5.6" },
	{ "pidfd_getfd", "Linux 5.6" },
	{ "faccessat2", "Linux 5.8" },
	{ "close_range", "Linux 5.9" },
	{ "process_madvise", "Linux 5.10" },
	{ "epoll_pwait2", "Linux 5.11" },
	{ "mount_setattr", "Linux 5.12" },
	{ "landlock_create_ruleset", "Linux 5.13" },
	{ "landlock_add_rule", "Linux 5.13" },
	{ "landlock_restrict_self", "Linux 5.13" },
	{ "memfd_secret", "Linux 5.14" },
	{ "quotactl_fd", "Linux 5.14" },
	{ "process_mrelease", "Linux 5.15" },
	{ "futex_waitv", "Linux 5.16" },
	{ "set_mempolicy_home_node", "Linux 5.17" },
	{ "riscv_hwprobe", "Linux 6.4" },
	{ "cachestat", "Linux 6.5" },
	{ "fchmodat2", "Linux 6.6" },
	{ "map_shadow_stack", "Linux 6.6" },
	{ "futex_wake", "Linux 6.7" },
	{ "futex_wait", "Linux 6.7" },
	{ "futex_requeue", "Linux 6.7" },
	{ "statmount", "Linux 6.8" },
	{ "listmount", "Linux 6.8" },
	{ "lsm_get_self_attr", "Linux 6.8" },
	{ "lsm_set_self_attr", "Linux 6.8" },
	{ "lsm_list_modules", "Linux 6.8" },
	{ "mseal", "Linux 6.10" },
	{ "uretprobe", "Linux 6.11" },
	{ "setxattrat", "Linux 6.13" },
	{ "getxattrat", "Linux 6.13" },
	{ "listxattrat", "Linux 6.13" },
	{ "removexattrat", "Linux 6.13" },
	{ "open_tree_attr", "Linux 6.15" },
	{ "file_getattr", "Linux 6.17" },
	{ "file_setattr", "Linux 6.17" },
	{ "uprobe", "Linux 6.18" },
	{ "listns", "Linux 6.19" },
	{ "atomic_barrier", "m68k only" },
	{ "atomic_cmpxchg_32", "m68k only" },
	{ "getpagesize", "m68k only" },
};

const char *sh_syscall_origin(const char *name)
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(newer_syscalls); i++)
		if (strcmp(name, newer_syscalls[i].name) == 0)
			return newer_syscalls[i].origin;
	return NULL;
}

/* Candidates: the names libseccomp resolves on the native architecture (every number of its
 * tables, names.h; read once, into the heap: an 8 KiB array in .bss would outgrow the data
 * segment's last page, which every start of the musl build would then pay for), then the newer
 * ones. */
static const char *syscall_nth(size_t i)
{
	static char **names;
	static size_t n;
	if (!names) {
		uint32_t native = seccomp_arch_native();
		size_t all = sh_arch_nr_count(native);
		names = sh_xcalloc(all, sizeof(*names));
		for (size_t k = 0; k < all; k++) {
			char *s = seccomp_syscall_resolve_num_arch(native, sh_arch_nr_at(native, k));
			if (s)
				names[n++] = s;
		}
	}
	if (i < n)
		return names[i];
	return i - n < SH_ARRAY_SIZE(newer_syscalls) ? newer_syscalls[i - n].name : NULL;
}

/* Syscall names are lower case: MKDIR is mkdir, whatever the distance says of the spelling. */
const char *sh_suggest_syscall(const char *s)
{
	char low[NAME_MAX_LEN + 1];
	size_t n = strlen(s);
	bool upper = false;
	for (size_t i = 0; i < n && n <= NAME_MAX_LEN; i++) {
		low[i] = (char)tolower((unsigned char)s[i]);
		upper |= low[i] != s[i];
	}
	if (!upper || n > NAME_MAX_LEN)
		return sh_nearest_name(s, NULL, syscall_nth);
	low[n] = 0;
	for (size_t i = 0; syscall_nth(i); i++)
		if (strcmp(syscall_nth(i), low) == 0)
			return syscall_nth(i);
	return sh_nearest_name(low, NULL, syscall_nth);
}

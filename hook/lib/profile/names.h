/* String <-> constant tables: actions, operators, architectures, flags, errno names, capabilities. */
#ifndef SH_NAMES_H
#define SH_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"

/* "SCMP_ACT_ERRNO" -> SH_ACT_ERRNO; -1 if unknown. */
int sh_action_from_name(const char *s, sh_action_kind *out);
/* Canonical OCI name of an action ("SCMP_ACT_KILL_THREAD" prints as "SCMP_ACT_KILL"). */
const char *sh_action_name(sh_action_kind a);
/* SECCOMP_RET_* value of an action (with errno for ERRNO/TRACE). */
uint32_t sh_action_ret(sh_action_kind a, uint32_t errno_ret);
/* "SCMP_ACT_ERRNO(1)", "SCMP_ACT_ALLOW"... for a SECCOMP_RET_* value; buf of at least 40 bytes. */
const char *sh_ret_name(uint32_t ret, char *buf, size_t len);
/* "ERRNO", "KILL_THREAD"...: the action of a SECCOMP_RET_* value as the disassembly prints it. */
const char *sh_ret_short_name(uint32_t ret);
/* Short lower-case name for messages: "errno", "kill-process"... */

int sh_op_from_name(const char *s, sh_op *out);
const char *sh_op_name(sh_op op);

/* Accepts "SCMP_ARCH_X86_64", "x86_64", "amd64" (any of the spellings); returns the libseccomp token
 * (SCMP_ARCH_*), or 0 if unknown. */
uint32_t sh_arch_from_name(const char *s);
/* "SCMP_ARCH_X86_64" */
const char *sh_arch_scmp_name(uint32_t token);
/* libseccomp's own name, for messages: "x86_64", "aarch64" */
const char *sh_arch_lib_name(uint32_t token);
/* Go-style name used in includes/excludes: "amd64", "386"->"x86"... as moby spells them. */
const char *sh_arch_go_name(uint32_t token);
/* The host's own architecture token (libseccomp's native arch). */
uint32_t sh_arch_native(void);
/* The native arch and the sub-architectures Docker's default profile maps it to (its archMap:
 * x86_64 runs x86 and x32 code, aarch64 arm...), native first; returns how many (at most 4). */
size_t sh_arch_family(uint32_t native, uint32_t out[4]);
/* True when a Go-style (or any accepted spelling of an) arch name is known. */
bool sh_arch_name_known(const char *s);

/* Syscall numbers per architecture, as libseccomp's arch tables place them: a table from a base
 * (0; MIPS O32 4000, N64 5000, N32 6000; x32 the x32 bit 0x40000000) and ARM's private calls from
 * 0x0f0000 (breakpoint, cacheflush, set_tls...). Everything that walks "every syscall number" walks
 * these: diff, the names on an arch, the supervisor's and the recorder's tables. */
typedef struct sh_nr_range {
	uint32_t first, count;
} sh_nr_range;
#define SH_NR_RANGES_MAX 2

/* socketcall(2)'s call number for socket(2) (x86's SYS_SOCKET): argument 0 of socketcall. */
#define SH_SOCKETCALL_SOCKET 1
/* The ranges of `arch` (SCMP_ARCH_*), lowest first; returns how many. x86_64's calls with the x32 bit
 * are SCMP_ARCH_X32's (sh_arch_of_call). */
size_t sh_arch_nr_ranges(uint32_t arch, sh_nr_range out[SH_NR_RANGES_MAX]);
/* How many numbers they hold; the i-th of them (i below that count); a number's place among them,
 * -1 when it is in none (tables indexed by call). */
size_t sh_arch_nr_count(uint32_t arch);
int sh_arch_nr_at(uint32_t arch, size_t i);
long sh_arch_nr_slot(uint32_t arch, int nr);
/* The same, for per-call lookups: an arch's ranges read once, then a number's slot is two compares
 * (what the supervisor and the recorder do for every notified call). */
typedef struct sh_arch_slots {
	uint32_t arch;
	size_t n, count;
	sh_nr_range r[SH_NR_RANGES_MAX];
} sh_arch_slots;
void sh_arch_slots_init(sh_arch_slots *s, uint32_t arch);
static inline long sh_arch_slots_of(const sh_arch_slots *s, int nr)
{
	long before = 0;
	for (size_t k = 0; k < s->n; k++) {
		if ((uint32_t)nr - s->r[k].first < s->r[k].count)
			return before + (long)((uint32_t)nr - s->r[k].first);
		before += (long)s->r[k].count;
	}
	return -1;
}
/* The arches whose calls reach a filter made for `arches`: those, and x32 wherever x86_64 is (a
 * kernel runs x32 calls under x86_64's AUDIT_ARCH, the number carrying the x32 bit). Into out, which
 * has room for n + 1; returns how many. */
size_t sh_arch_callers(const uint32_t *arches, size_t n, uint32_t *out);

int sh_flag_from_name(const char *s, uint32_t *bit);
const char *sh_flag_name(uint32_t bit);

/* "EPERM" -> 1; -1 if unknown. */
int sh_errno_from_name(const char *s);
const char *sh_errno_name(int e); /* NULL if none */

/* A capability the user names (--caps): "CAP_SYS_ADMIN" or "sys_admin" -> 21; -1 if unknown. */
int sh_cap_from_name(const char *s);
/* A capability a config or a profile names: exactly as runc and moby match it ("CAP_SYS_ADMIN"). */
int sh_cap_from_oci_name(const char *s);
const char *sh_cap_name(int cap);
#define SH_CAP_MAX 63

/* The i-th action, operator, errno, architecture or capability name, NULL past the last (suggest.c's
 * candidates). */
const char *sh_action_nth_name(size_t i);
const char *sh_op_nth_name(size_t i);
const char *sh_errno_nth_name(size_t i);
const char *sh_arch_nth_name(size_t i);
const char *sh_cap_nth_name(size_t i);

#endif

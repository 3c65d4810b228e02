/* diff: where two compiled programs decide differently. Both are run (explain.h's engine) on every
 * syscall number every architecture of either can present (names.h's ranges: MIPS from 4000, ARM's
 * private calls, x32's bit...), with all-zero arguments, and walked jointly over every value of every
 * argument (bpf_reach.h, as check --within walks them): each other pair of answers some call of the
 * syscall gets is a change, with one call that gets it. */
#ifndef SH_DIFF_H
#define SH_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "explain.h"

/* One decision that differs, with a call that gets it: all-zero arguments (idx -1), argument idx
 * set to value and the others 0, or (idx SH_DIFF_ARGS) several arguments or the instruction pointer
 * set; args and ip are the whole call. */
#define SH_DIFF_ARGS (-2)
typedef struct sh_diff_change {
	uint32_t arch; /* SCMP_ARCH_* */
	int nr;
	int idx;
	uint64_t value;
	uint32_t a, b; /* the old and the new program's SECCOMP_RET_* */
	uint64_t args[6], ip;
} sh_diff_change;

typedef struct sh_diff {
	sh_diff_change *v;
	size_t n, cap;
	/* syscalls whose arguments the walk could not follow everywhere: changes may be missing there */
	size_t undecided;
	sh_diff_change first_undecided; /* its arch and nr */
} sh_diff;

/* Every change, by architecture (the old set's, then the new set's others, then x32 where x86_64
 * is), then number; a syscall's all-zero change before its argument changes, one per pair of
 * answers. allowed_only: only the changes between allowed and not (sh_decision_lets_through). */
void sh_diff_programs(const sh_engine *old, const sh_engine *new, bool allowed_only, sh_diff *out);
void sh_diff_free(sh_diff *d);

/* What the summary line counts: syscalls (per architecture: mount on two is two), architectures,
 * and syscalls now allowed and now denied (one whose argument changes go both ways counts twice). */
typedef struct sh_diff_summary {
	size_t syscalls, arches, allowed, denied;
} sh_diff_summary;
sh_diff_summary sh_diff_summarize(const sh_diff *d);

/* Index past the run of changes that starts at i and is printed as one line: consecutive numbers
 * on one arch with the same all-zero change and no argument changes (a range); else i + 1. */
size_t sh_diff_run_end(const sh_diff *d, size_t i);

#endif

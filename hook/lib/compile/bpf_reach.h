/* Which answers seccomp programs can give a system call over every value of its arguments: a walk
 * of each of a program's paths, with what each branch says of the words of struct seccomp_data
 * (bits known set or clear, an interval, values excluded). Several programs are walked jointly:
 * every path of the first, and under what it says of the words, every path of the next, and so on
 * (a stack of filters, or two programs compared). A "yes" always comes with a call that gets the
 * answers sought when the programs are run on it, so it is never a guess; where the walk cannot
 * tell (a value computed from an argument, more paths or exclusions than it keeps), the answer is
 * "unsure", which callers take as "yes". libc only. */
#ifndef SH_BPF_REACH_H
#define SH_BPF_REACH_H

#include <stdbool.h>
#include <stdint.h>

#include "bpf.h"

typedef enum { SH_REACH_NEVER = 0, SH_REACH_YES = 1, SH_REACH_UNSURE = 2 } sh_reach;

/* The calls asked about: architecture, number, and bits each argument has set and has clear (0 and
 * 0: any value; set v and clear ~v: exactly v). */
typedef struct sh_reach_call {
	uint32_t arch;
	uint32_t nr;
	uint64_t bits_set[6], bits_clear[6];
} sh_reach_call;

/* Does some such call get an answer `wanted` accepts (the whole SECCOMP_RET_* value)? On YES,
 * *found (optional) holds one: data->args and instruction_pointer give that answer. */
sh_reach sh_bpf_reach(const struct sock_filter *p, size_t n, const sh_reach_call *c, bool (*wanted)(uint32_t ret),
		      sh_seccomp_data *found);

/* An answer under which the call runs: ALLOW, LOG, TRACE (a tracer may let it) and USER_NOTIF (a
 * supervisor may). */
bool sh_ret_runs(uint32_t ret);

/* ---- several programs on one call ------------------------------------------------------------- */

#define SH_REACH_MAX_PROGS 8
#define SH_REACH_STATES 200000 /* instructions walked per query unless it says otherwise */

typedef struct sh_reach_prog {
	const struct sock_filter *insns;
	size_t len;
} sh_reach_prog;

typedef struct sh_reach_query {
	sh_reach_prog progs[SH_REACH_MAX_PROGS];
	size_t nprogs;
	/* The calls: seccomp_data.arch (an AUDIT_ARCH_* without __AUDIT_ARCH_64BIT is a 32-bit ABI,
	 * whose arguments and instruction pointer the kernel zero-extends), the number or every number,
	 * and the bits of each argument the call fixes (arg_mask) with their values. */
	uint32_t arch;
	bool any_nr;
	uint32_t nr;
	uint64_t arg_mask[6], arg_value[6];
	/* The answers of the first k programs on a path: false when no answers of the others can make
	 * them sought, and the walk leaves the path. With k == nprogs: whether they are sought. */
	bool (*sought)(void *ctx, const uint32_t *rets, size_t k);
	/* A call found, with the answers every program gives it when run on it: true stops the walk.
	 * NULL: the first call found stops it. */
	bool (*found)(void *ctx, const sh_seccomp_data *d, const uint32_t *rets);
	void *ctx;
	size_t max_states; /* 0: SH_REACH_STATES */
} sh_reach_query;

/* YES: at least one call was found (and handed to found). NEVER: every path was walked and none
 * gets answers sought. UNSURE: none was found, and some path could not be followed or confirmed.
 * *undecided (optional) is set when some path was not decided, whatever the result. */
sh_reach sh_bpf_reach_joint(const sh_reach_query *q, bool *undecided);

/* Whether call x reads more simply than y (same number): fewer arguments (and instruction pointer)
 * set, then smaller values from arg0 on. A caller that keeps the simplest of the calls found shows
 * socket(16, 0, 9) rather than socket(16, 0x100000000, 9). */
bool sh_reach_simpler(const sh_seccomp_data *x, const sh_seccomp_data *y);

#endif

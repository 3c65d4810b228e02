/* Which answers a seccomp program can give one system call over every value of its arguments: a
 * walk of each of the program's paths for a fixed architecture and syscall number, with what each
 * branch says of the argument words (bits known set or clear, an interval, values excluded). A
 * "yes" always comes with arguments that get that answer when the program is run on them, so it is
 * never a guess; where the walk cannot tell (a value computed from an argument, more paths or
 * exclusions than it keeps), the answer is "unsure", which callers take as "yes". libc only. */
#ifndef SH_BPF_REACH_H
#define SH_BPF_REACH_H

#include <stdbool.h>
#include <stdint.h>

#include "bpf.h"

typedef enum { SH_REACH_NEVER = 0, SH_REACH_YES = 1, SH_REACH_UNSURE = 2 } sh_reach;

/* The calls asked about: architecture, number, and bits each argument has set (0: any value). */
typedef struct sh_reach_call {
	uint32_t arch;
	uint32_t nr;
	uint64_t bits_set[6];
} sh_reach_call;

/* Does some such call get an answer `wanted` accepts (the whole SECCOMP_RET_* value)? On YES,
 * *found (optional) holds one: data->args and instruction_pointer give that answer. */
sh_reach sh_bpf_reach(const struct sock_filter *p, size_t n, const sh_reach_call *c, bool (*wanted)(uint32_t ret),
		      sh_seccomp_data *found);

/* An answer under which the call runs: ALLOW, LOG, TRACE (a tracer may let it) and USER_NOTIF (a
 * supervisor may). */
bool sh_ret_runs(uint32_t ret);

#endif

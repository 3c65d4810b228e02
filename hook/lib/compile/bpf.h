/* Classic BPF seccomp programs: the compiled form seccomp-hook stores, installs and inspects.
 * This module links nothing but libc so the static init loader can use it. */
#ifndef SH_BPF_H
#define SH_BPF_H

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SH_BPF_MAX_INSNS 4096 /* BPF_MAXINSNS: the kernel refuses longer programs */

typedef struct sh_bpf {
	struct sock_filter *insns;
	size_t len; /* instructions */
} sh_bpf;

/* Input for the simulator: exactly the kernel's struct seccomp_data. */
typedef struct seccomp_data sh_seccomp_data;

/* Checks a raw byte buffer: non-empty, a multiple of 8 bytes, at most SH_BPF_MAX_INSNS instructions.
 * Returns NULL on success, else a static message naming the problem. */
const char *sh_bpf_check_size(size_t bytes);
/* Structural check of a program: every jump lands inside, the last instruction returns, loads stay
 * within struct seccomp_data. NULL when fine, else a static message. */
const char *sh_bpf_check_program(const struct sock_filter *insns, size_t len);

/* Run the program on `data` as the kernel would. Returns the SECCOMP_RET_* value; *steps (if not
 * NULL) receives the number of instructions executed. */
uint32_t sh_bpf_run(const struct sock_filter *insns, size_t len, const sh_seccomp_data *data, unsigned *steps);
/* What one run looked at: the instructions it executed, and which 32-bit words of struct
 * seccomp_data it loaded (bit i: bytes 4i..4i+3). A run that loaded neither the arguments nor the
 * instruction pointer took the path every call of that number on that arch takes. */
typedef struct sh_bpf_trace {
	unsigned steps;
	uint32_t loaded;
} sh_bpf_trace;
#define SH_BPF_WORDS_BEYOND_ARCH (~UINT32_C(3)) /* instruction_pointer and args: bits 2..15 */
uint32_t sh_bpf_run_traced(const struct sock_filter *insns, size_t len, const sh_seccomp_data *data, sh_bpf_trace *t);

/* One ALU operation and one conditional jump's test as the kernel computes them (the simulator's). */
uint32_t sh_bpf_alu(uint16_t op, uint32_t a, uint32_t x);
bool sh_bpf_jump_taken(uint16_t op, uint32_t a, uint32_t k);

/* Whether answer a is more restrictive than b in the kernel's order of actions (KILL_PROCESS,
 * KILL_THREAD, TRAP, ERRNO, USER_NOTIF, TRACE, LOG, ALLOW), by which it combines stacked filters. */
bool sh_ret_outranks(uint32_t a, uint32_t b);
/* What the kernel answers a call that n stacked filters answer rets[0..n) (newest first: the reverse
 * of PTRACE_SECCOMP_GET_FILTER's numbers, whose 0 is the first installed): the most restrictive
 * action, the newest filter's value among equals; ALLOW for none. */
uint32_t sh_ret_stacked(const uint32_t *rets, size_t n);
/* How restrictive an answer is, in the kernel's order with ALLOW and LOG together (both run the
 * call): 0 ALLOW and LOG, 1 TRACE, 2 USER_NOTIF, 3 ERRNO, 4 TRAP, 5 KILL_THREAD (and any action the
 * kernel does not know, which kills the thread), 6 KILL_PROCESS. */
int sh_ret_rank(uint32_t ret);
/* sh_ret_stacked of two filters, the newer one's answer first. */
uint32_t sh_bpf_stack(uint32_t newer, uint32_t older);

/* Install with seccomp(SECCOMP_SET_MODE_FILTER, flags). Returns the syscall result (a listener fd
 * with SECCOMP_FILTER_FLAG_NEW_LISTENER, else 0) or -errno. Does not set no_new_privs. */
int sh_bpf_install(const struct sock_filter *insns, size_t len, unsigned flags);

void sh_bpf_free(sh_bpf *b);

/* Rewrite the syscall-number dispatch of a program as a search over ranges (hook/lib/compile/bpfopt.c): same
 * decisions, far fewer instructions for libseccomp's trees. True when *b was replaced; false keeps
 * it as it was (nothing to gain, or a program outside the pass's limits). */
bool sh_bpf_optimize(sh_bpf *b);

/* What a program knows at each instruction, along its flow (the analysis sh_bpf_optimize uses):
 * whether A holds the syscall number, and the architecture every path to the instruction compared
 * seccomp_data.arch equal to (0 when the paths do not agree on one). */
typedef struct sh_bpf_flow {
	bool a_is_nr;
	uint32_t arch;
} sh_bpf_flow;
void sh_bpf_flow_info(const struct sock_filter *p, size_t n, sh_bpf_flow *out);

#include <stdio.h>
/* One line per instruction, syscall numbers named for the architecture of their branch
 * (hook/lib/compile/bpf_disasm.c; libseccomp names them, so not for the loader). */
void sh_bpf_disasm(FILE *out, const sh_bpf *b);

struct sh_error;
/* The filters process PID runs, the first installed first (the kernel's numbering), read back from the kernel (PTRACE_SECCOMP_GET_FILTER,
 * needs CAP_SYS_ADMIN: the process is seized, stopped for the read and let go); `dump` and
 * `state --verify-filter`. Not for the loader. */
int sh_dump_read(int pid, sh_bpf **v, size_t *n, struct sh_error **err);

#endif

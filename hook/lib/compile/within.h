/* Containment: does one stack of seccomp programs stay within another, for every call the kernel
 * can hand them (every syscall number, every value of every argument and of the instruction
 * pointer, on every ABI asked about)? Proved with the joint walk of the BPF path walker
 * (bpf_reach.h), not by sampling: "holds" only when every path of both was walked, "fails" only
 * with a call that gets the two answers when both stacks are run on it, "undecided" where the walk
 * could not tell. `check --within` asks it about two profiles; the overlay's runtime form about a
 * stack and the one program that must equal it. */
#ifndef SH_WITHIN_H
#define SH_WITHIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf.h"
#include "explain.h"

/* What "within" asks of each call's answers, a (the stack that must stay within) against b. */
typedef enum {
	/* a's answer is at least as restrictive as b's in the kernel's order of actions, ALLOW and LOG
	 * counted as one (both run the call), errno values and trace data not compared */
	SH_WITHIN_RESTRICTIVE,
	/* a may run the call only where b may: ALLOW and LOG run it, TRACE and USER_NOTIF hand it to a
	 * process that may (bpf_reach.h's sh_ret_runs); every other answer refuses it */
	SH_WITHIN_RUNS,
	/* the very same SECCOMP_RET_* value, errno and data included */
	SH_WITHIN_SAME,
} sh_within_order;

typedef struct sh_within_query {
	const sh_bpf *a, *b; /* each a stack of filters, newest first (as the kernel runs them) */
	size_t na, nb;
	const uint32_t *abis; /* SCMP_ARCH_* the calls come from (x32 as its own) */
	size_t nabis;
	sh_within_order order;
	size_t max_cex; /* counterexamples wanted, at most one per syscall number (0: one) */
} sh_within_query;

typedef enum { SH_WITHIN_HOLDS, SH_WITHIN_FAILS, SH_WITHIN_UNDECIDED } sh_within_verdict;

/* A call where a is not within b: its ABI, the call as the kernel hands it, and both stacks' answers
 * (the kernel's combination of each stack's filters). */
typedef struct sh_within_cex {
	uint32_t abi;
	sh_seccomp_data call;
	uint32_t a, b;
} sh_within_cex;

typedef struct sh_within_result {
	sh_within_verdict verdict;
	sh_within_cex *cex; /* FAILS: by ABI, then number; named numbers first */
	size_t ncex;
	/* UNDECIDED: the first place the walk could not decide: an ABI and a number of its tables, or
	 * (any_nr) numbers outside them */
	uint32_t undecided_abi;
	int undecided_nr;
	bool undecided_any_nr;
	size_t walks; /* joint walks made */
} sh_within_result;

/* Whether the query's stack a stays within b. Fills *out (free it with sh_within_result_free). */
sh_within_verdict sh_within(const sh_within_query *q, sh_within_result *out);
void sh_within_result_free(sh_within_result *r);

/* Whether answer a stays within b for one call under the order (the predicate sh_within proves
 * for all calls). */
bool sh_within_answer(sh_within_order order, uint32_t a, uint32_t b);

/* The ABIs whose calls reach programs compiled for either rule set: the union of their arches, and
 * x32 wherever x86_64 is (names.h's sh_arch_callers). Into out (room for 2 * SH_MAX_ARCHES + 1). */
size_t sh_rulesets_abis(const sh_ruleset *a, const sh_ruleset *b, uint32_t *out);

/* The compiled program of profile-side engine a within b's, over the ABIs of both. */
sh_within_verdict sh_within_engines(const sh_engine *a, const sh_engine *b, sh_within_order order, size_t max_cex,
				    sh_within_result *out);

#endif

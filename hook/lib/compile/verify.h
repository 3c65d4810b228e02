/* Verification: does a program decide every call as its rule set says (translate.h's sh_call_rules)?
 * libseccomp 2.5.4 (and 2.6.1) can build programs weaker than their rules from 64-bit comparisons,
 * so every program seccomp-hook installs, caches or hands to a runtime is checked here first.
 *
 * The check follows the program from its first instruction for every architecture of the rule set
 * (and one outside it), for every syscall number at which the rules or the program change their
 * answer (each number a rule names and its neighbours, each constant the program compares the number
 * with and its neighbours, the ENOSYS bound, the ends of the range). Where the program or the rules
 * look at arguments it follows every path the program can take over a set of candidate values per
 * argument: the values just below, at and above each datum the rules and the program compare an
 * argument word with, high and low halves combined, the masked values of each mask, and values
 * between them. On each path the program's answer is compared with the rules' answer for every
 * combination of the candidates that reaches it (per argument, only which rules' conditions hold
 * matters, so the combinations are counted by those, not multiplied out). docs/verification.md. */
#ifndef SH_VERIFY_H
#define SH_VERIFY_H

#include "bpf.h"
#include "error.h"
#include "translate.h"

/* The answer the rules give a call (docs/verification.md): where rules hold, the most restrictive of
 * their actions (sh_ret_outranks), the first rule among equals; else c->otherwise. What every program
 * is held to; the engine (explain.h) names rules for the program's answers. */
sh_decision sh_verify_rules_answer(const sh_call_rules *c, const uint64_t args[6]);

typedef struct sh_verify_opts {
	bool notify_errno;       /* the program answers USER_NOTIF where the rules answer an errno */
	unsigned long max_steps; /* bound on the work, 0: SH_VERIFY_MAX_STEPS */
} sh_verify_opts;

/* About 50 ms of work; Docker's default profile takes under 1% of it. */
#define SH_VERIFY_MAX_STEPS (UINT32_C(1) << 24)

/* One call the program answers differently from the rules. */
typedef struct sh_verify_miss {
	uint32_t arch;     /* SCMP_ARCH_* token of the call */
	int nr;
	uint64_t args[6];
	unsigned tested;   /* bit i: the rules or the program look at argument i */
	uint32_t got, want;
	sh_decided_by by;  /* what decides `want`: a rule (rule_index), the default, ENOSYS... */
	size_t rule_index; /* its place in "syscalls" */
	sh_loc rule_loc;
	bool overlap;      /* rules with different answers all hold for this call */
} sh_verify_miss;

typedef struct sh_verify_report {
	sh_verify_miss *miss; /* at most one per (arch, number), in the order found */
	size_t nmiss;
	unsigned long steps;  /* the work done */
	size_t calls;         /* (arch, number) pairs checked */
	size_t paths;         /* answers compared (program paths times rule combinations) */
} sh_verify_report;

/* 0: the program decides every checked call as the rules do; 1: it does not (rep lists the calls);
 * -1: it cannot be checked (err: past the bound on work, or a program outside what the check reads). */
int sh_verify_program(const sh_ruleset *rs, const sh_bpf *b, const sh_verify_opts *o, sh_verify_report *rep,
		      sh_error **err);
void sh_verify_report_free(sh_verify_report *rep);

/* "personality(arg0=10) on SCMP_ARCH_X86_64 gets SCMP_ACT_ALLOW where the rules say
 * SCMP_ACT_KILL_PROCESS (syscalls[1] at FILE:1:201)". Caller frees. */
char *sh_verify_miss_text(const sh_ruleset *rs, const sh_verify_miss *m);

#endif

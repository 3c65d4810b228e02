/* The one decision engine. What a call gets is what the compiled program returns, run in the
 * simulator (bpf_sim.c) on the call as the kernel presents it; the rule named for it is a rule of
 * the call (translate.c's sh_call_rules) whose conditions hold and whose action is that answer.
 * explain, diff, the supervisor of reports and recordings, and the exempt names of a notifying
 * filter all ask it; nothing else decides a call. */
#ifndef SH_EXPLAIN_H
#define SH_EXPLAIN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bpf.h"
#include "error.h"
#include "resolve.h"
#include "translate.h"

/* A rule set and the program compiled from it (what is installed for it). */
typedef struct sh_engine {
	const sh_ruleset *rs; /* borrowed: outlives the engine */
	sh_bpf prog;
} sh_engine;

int sh_engine_init(sh_engine *e, const sh_ruleset *rs, sh_error **err);
/* An engine for a program alone (a live process's filter, a program from the cache): rs is NULL, so
 * it answers calls (sh_engine_run, sh_engine_allows_call) but names no rule. The program is copied. */
void sh_engine_of_program(sh_engine *e, const struct sock_filter *insns, size_t len);
void sh_engine_fini(sh_engine *e);

/* A call as the kernel hands it to a filter, from libseccomp's arch token and number (x32: the
 * x86_64 AUDIT_ARCH, the number with its bit); args may be NULL (all zero). */
sh_seccomp_data sh_call_data(uint32_t arch, int nr, const uint64_t args[6]);

/* The program's answer to one call; by_args: the path to it read the arguments or the instruction
 * pointer (when it did not, every call of that number on that arch gets the same answer). */
typedef struct sh_answer {
	uint32_t ret;
	unsigned steps;
	bool by_args;
} sh_answer;
sh_answer sh_engine_run(const sh_engine *e, const sh_seccomp_data *d);

/* The answer `ret` named from the call's rules: the first rule whose conditions hold for args and
 * whose action is ret; else, when none holds, what the program returns then (default action,
 * ENOSYS stub, bad architecture) if that is ret; else SH_BY_NO_RULE. */
sh_decision sh_decision_named(const sh_call_rules *c, const uint64_t args[6], uint32_t ret);
/* Run and name, for one call. */
sh_decision sh_engine_decide(const sh_engine *e, const sh_seccomp_data *d);
/* Whether the program allows every call of `name` on the rule set's first arch, whatever its
 * arguments (true without an engine: nothing is filtered). */
bool sh_engine_allows_whole(const sh_engine *e, const char *name);
/* The same for syscall number nr on arch (libseccomp's token). */
bool sh_engine_allows_call(const sh_engine *e, uint32_t arch, int nr);

/* Several filters on one process, the first installed first (as PTRACE_SECCOMP_GET_FILTER numbers
 * them, and dump reads them): the kernel runs every one, from the newest, and takes the answer with
 * the highest precedence (KILL_PROCESS, KILL_THREAD, TRAP, ERRNO, USER_NOTIF, TRACE, LOG, ALLOW), of
 * equal ones the newest's. *which: the filter whose answer it is. n must be at least 1. */
sh_answer sh_engines_run(const sh_engine *v, size_t n, const sh_seccomp_data *d, size_t *which);

/* Whether the kernel runs a call the answer is ret for (ALLOW; LOG only adds a log line). TRACE and
 * NOTIFY leave it to another process, so they count as not allowed, as ERRNO, TRAP and KILL do. */
bool sh_decision_lets_through(uint32_t ret);

/* Why: "rule syscalls[13] (FILE:LINE:COL)" (with its comment if asked), "default action
 * (FILE:LINE:COL)", the ENOSYS stub, the bad-architecture action, or that no rule carries it. */
void sh_decision_put_reason(FILE *f, const sh_profile *p, uint32_t arch, const sh_decision *d, bool with_comment);
/* "rule", "default", "enosys-stub", "bad-architecture", "no-rule": the decided_by of JSON output. */
const char *sh_decided_by_name(sh_decided_by by);

/* ---- explain: one call, and what other capabilities or kernels would change ------------------- */

/* A capability set or kernel under which rules the target left out would take part in the call. */
typedef struct sh_explain_alt {
	sh_target t;
	sh_ruleset *rs;
	sh_call_rules c;
	/* What changes from the target: capabilities gained and given up; a kernel from X.Y on
	 * (an includes' minKernel) or before X.Y (an excludes' minKernel). */
	uint64_t with_caps, without_caps;
	bool from_kernel, before_kernel;
	unsigned kmajor, kminor;
} sh_explain_alt;

#define SH_EXPLAIN_ALTS_MAX 8

typedef struct sh_explanation {
	uint32_t arch; /* SCMP_ARCH_* the call is made on */
	int nr;
	uint64_t args[6];
	sh_answer answer; /* the program's */
	sh_call_rules c;  /* the call's rules */
	sh_decision d;    /* the answer, named */
	sh_explain_alt alt[SH_EXPLAIN_ALTS_MAX];
	size_t nalt;
} sh_explanation;

/* Explain a call under the engine's rule set, resolved for target t (its native_arch the arch its
 * includes/excludes were judged against). Alternatives that cannot be resolved are left out. */
void sh_explain_call(const sh_engine *e, const sh_target *t, uint32_t arch, int nr, const uint64_t args[6],
		     sh_explanation *out);
void sh_explanation_free(sh_explanation *x);
/* Whether the call's rules have conditions (the first decides whether they are looked at). */
bool sh_call_rules_conditional(const sh_call_rules *c);

#endif

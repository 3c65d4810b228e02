/* Translation: a resolved rule set -> libseccomp filter -> the BPF program seccomp-hook installs
 * (libseccomp's program, behind a stub that returns ENOSYS for syscalls newer than the profile). */
#ifndef SH_TRANSLATE_H
#define SH_TRANSLATE_H

#include <seccomp.h>
#include <stdio.h>

#include "bpf.h"
#include "diag.h"
#include "error.h"
#include "resolve.h"

/* Part of the cache key: raised whenever the program compiled from the same rule set with the same
 * libseccomp changes (2: the tree's syscall-number dispatch rewritten as ranges, hook/lib/compile/bpfopt.c;
 * 3: single numbers inside a range tested with JEQ; 4: every program checked against its rules, own
 * argument checks where libseccomp's are wrong). */
#define SH_TRANSLATOR_REVISION 4

typedef struct sh_translate_opts {
	int optimize;        /* libseccomp SCMP_FLTATR_CTL_OPTIMIZE: 1 linear, as runtimes build it (default 2:
	                        binary tree, its number dispatch then rewritten as ranges) */
	bool no_enosys_stub; /* leave out the ENOSYS stub (tests comparing with plain libseccomp) */
	bool tree_as_built;  /* keep libseccomp's tree as it is, without ranges (tests, bench) */
	bool notify_errno;   /* live reports: every errno answer of the finished program becomes
	                        SECCOMP_RET_USER_NOTIF, nothing else changes (install with NEW_LISTENER) */
} sh_translate_opts;

/* Full compile to the program that is installed: libseccomp's program, built in a child process
 * bounded in CPU time (bounded.h), behind the ENOSYS stub, checked against the rule set (verify.h).
 * Calls libseccomp decides differently from the rules, or does not finish adding, get seccomp-hook's
 * own checks (argcheck.h; a note in diag for each), and the result is checked again: a program that
 * still differs is refused. Unknown syscall names are skipped with a warning in diag (per arch: a name
 * known on another arch is not reported). no_enosys_stub programs are not checked (benchmarks). */
int sh_translate_bpf(const sh_ruleset *rs, const sh_translate_opts *o, sh_bpf *out, sh_diag *diag, sh_error **err);
/* sh_translate_bpf, and the check of sh_translate_runtime_form from the same libseccomp run (the hook's
 * runtime mode wants both): *form is NULL when the runtime's program is fine, else its refusal. */
int sh_translate_for_runtime(const sh_ruleset *rs, sh_bpf *out, sh_error **form, sh_diag *diag, sh_error **err);
/* The program runc and crun build from the rule set's OCI form (libseccomp's linear filter behind the
 * ENOSYS stub, nothing repaired), checked: 0 when it decides no call more weakly than the rules
 * (other differences are warnings in diag), else -1 with one line naming the call, the value and the
 * cause; also -1 when libseccomp does not finish, where a runtime would hang. */
int sh_translate_runtime_form(const sh_ruleset *rs, sh_diag *diag, sh_error **err);
/* libseccomp's PFC text of the same filter. */
int sh_translate_pfc(const sh_ruleset *rs, const sh_translate_opts *o, FILE *out, sh_diag *diag, sh_error **err);
/* The kernel filter flags the program must be installed with (profile flags, SPEC_ALLOW default,
 * NEW_LISTENER for NOTIFY). TSYNC is added by the installer. */
unsigned sh_translate_flags(const sh_ruleset *rs);

/* Whether libseccomp knows the name (else the rule's name is skipped with a warning): the test
 * the translator applies, so views of a rule set (compile --format=table) leave out the same names. */
bool sh_syscall_name_known(const char *name);
/* Every syscall name libseccomp knows on any of the arches, sorted, NULL-terminated (sh_strv_free). */
char **sh_syscall_names_on(const uint32_t *arches, size_t narches, size_t *count);
/* The libseccomp arch token and syscall number of a call as the kernel reports it (seccomp_data's
 * AUDIT_ARCH_* and nr): an x86_64 call with the x32 bit is SCMP_ARCH_X32's. */
uint32_t sh_arch_of_call(uint32_t audit_arch, int nr);
/* The arch whose rules the program applies to a call: sh_arch_of_call's, except that libseccomp tells
 * x32 calls by nr >= 0x40000000 where it filters x32, and an x86_64 filter without x32 takes nr -1
 * (a tracer's "skip this call") as its own. */
uint32_t sh_call_arch(const sh_ruleset *rs, uint32_t audit_arch, int nr);
/* The number of a syscall on `arch`, -1 if it has none there. Unlike seccomp_syscall_resolve_name_arch,
 * a socket or IPC call that an ABI can also reach through socketcall or ipc gets its own number,
 * where libseccomp puts its rules (x86's semget is 393, not -202). */
int sh_syscall_number(uint32_t arch, const char *name);
/* Whether an argument index repeats within the rule: then each condition is its own rule (OR),
 * otherwise they AND together (runc's and crun's reading). */
bool sh_rule_index_repeats(const sh_rule *r);

/* A rule's argument conditions as one readable expression, "arg0&0x7e020000==0 && arg1!=0" ("||"
 * when an index repeats), "-" for none; masks and values of 4096 and more in hex. Caller frees. */
char *sh_rule_conditions_text(const sh_rule *r);
/* Whether the arguments of a call on `arch` meet the rule's conditions as the program tests them
 * (AND, or OR when an index repeats; the low 32 bits only on a 32-bit ABI). */
bool sh_rule_args_hold(const sh_rule *r, uint32_t arch, const uint64_t args[6]);
/* Whether one condition holds for the argument value v of a call on `arch` (the same reading). */
bool sh_arg_holds(const sh_arg *a, uint32_t arch, uint64_t v);
/* Whether libseccomp compares the whole 64 bits of an argument on `arch` (else the low half). */
bool sh_arch_wide_args(uint32_t arch);

/* What a call gets, and what is named for it. The answer is always the compiled program's (the
 * decision engine, hook/lib/compile/explain.h); `by` and `rule` name where it comes from. */
typedef enum { SH_BY_RULE, SH_BY_DEFAULT, SH_BY_ENOSYS, SH_BY_BAD_ARCH, SH_BY_NO_RULE } sh_decided_by;
typedef struct sh_decision {
	uint32_t ret;         /* SECCOMP_RET_* */
	sh_decided_by by;     /* SH_BY_NO_RULE: no rule whose conditions hold carries the answer, and it is
	                         not what the program returns when none holds (a program unlike its rules) */
	const sh_rrule *rule; /* SH_BY_RULE: the rule (borrowed from the rule set) */
} sh_decision;
/* The rules of one syscall number on one arch, as the translator hands them to libseccomp (in
 * profile order; a rule without conditions replaces the ones before it, and those after it change
 * nothing), and what the program returns when none of their conditions hold. Which of them holds
 * for a call is sh_rule_args_hold's to say; which one the program's answer came from, the engine's;
 * what answer the rules give, the verifier's (verify.h), which holds every program to it.
 * On ABIs where libseccomp multiplexes socket and IPC calls (x86, s390, s390x, ppc, ppc64, mips), a
 * rule for socket, bind... (semop, shmat...) is also a rule of socketcall (ipc) for its call number:
 * its conditions on the first argument become `arg0 == call number`, the others stay, as libseccomp
 * builds it. Such rules are made for the call and owned by it. */
typedef struct sh_call_rules {
	uint32_t arch;
	const sh_rrule **rules;
	size_t n;
	sh_decision otherwise;
	struct sh_call_own *own; /* the multiplexed rules made for this call */
} sh_call_rules;
void sh_call_rules_build(const sh_ruleset *rs, uint32_t arch, int nr, sh_call_rules *out);
void sh_call_rules_free(sh_call_rules *c);
/* The same for many numbers of one arch: every rule name resolved once (the verifier asks about
 * thousands of numbers). */
typedef struct sh_call_index sh_call_index;
sh_call_index *sh_call_index_new(const sh_ruleset *rs, uint32_t arch);
void sh_call_index_rules(const sh_call_index *ix, int nr, sh_call_rules *out);
/* The numbers that have rules on the arch, sorted, without repeats; *n receives how many (borrowed). */
const int *sh_call_index_numbers(const sh_call_index *ix, size_t *n);
/* The number above which the ENOSYS stub answers, -1 for none. */
int sh_call_index_enosys_above(const sh_call_index *ix);
void sh_call_index_free(sh_call_index *ix);

/* "socketcall" or "ipc" for a name libseccomp multiplexes through it on the ABIs that have it
 * (socket, bind, ... and semop, shmat, ...), else NULL. */
const char *sh_syscall_multiplexer(const char *name);

/* libseccomp's SCMP_ACT_* value. */
uint32_t sh_action_scmp(sh_action_kind a, uint32_t errno_ret);

#endif

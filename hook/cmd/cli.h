/* Command-line front-ends: each subcommand is a few calls into the pipeline. */
#ifndef SH_CLI_H
#define SH_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "diag.h"
#include "error.h"
#include "explain.h"
#include "resolve.h"

int cmd_check(int argc, char **argv);
/* check --within=BASE: the containment proof (cmd_within.c). */
int cmd_check_within(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_precreate(int argc, char **argv);
int cmd_inject(int argc, char **argv);
int cmd_state(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_scan(int argc, char **argv);

/* Target options shared by compile/explain/diff/exec/record. */
typedef struct sh_target_opts {
	const char *arch;   /* --arch */
	const char *caps;   /* --caps */
	const char *kernel; /* --kernel */
	bool caller;        /* set by sh_cli_target: the set is the caller's bounding set (--caps=caller) */
	uint32_t arch_buf[SH_MAX_ARCHES];
} sh_target_opts;

/* Fill `t` from the options; the capability set as sh_caps_option decides it (Docker's default set
 * without --caps, the caller's bounding set with --caps=caller). */
int sh_cli_target(sh_target_opts *o, sh_target *t, sh_error **err);

/* One line's worth saying what a rule set was resolved for: "SCMP_ARCH_X86_64,SCMP_ARCH_X86; caps:
 * docker default (0xa80425fb); kernel 6.1" (caps "caller's bounding set, ..." with --caps=caller).
 * Caller frees. */
char *sh_cli_describe_target(const sh_target_opts *o, const sh_target *t, const sh_ruleset *rs);
/* "seccomp-hook CMD: FILE: resolved for TARGET" on standard error, unless -q: every command whose
 * answer depends on the capability set says which one it used. */
void sh_cli_say_target(const char *cmd, const sh_target_opts *o, const sh_target *t, const sh_ruleset *rs);

/* PROFILE (a file, or NAME in the profiles directories) loaded and resolved for the target the options
 * give (sh_cli_target), warnings printed. */
int sh_cli_load_ruleset(const char *arg, const char *dir, sh_target_opts *o, sh_target *t, sh_profile **p,
			sh_ruleset **rs, sh_error **err);
/* PROFILE (a file, or NAME in the profiles directories `dir`, else the default ones) loaded, with
 * its findings into d (may be NULL). */
int sh_cli_load_profile(const char *arg, const char *dir, sh_profile **p, sh_diag *d, sh_error **err);

/* A profile loaded, resolved and compiled: the sides diff and check --within compare. */
typedef struct sh_cli_compiled {
	sh_profile *p;
	sh_ruleset *rs;
	sh_engine e;
} sh_cli_compiled;
/* PROFILE (as sh_cli_load_profile finds it) resolved for t and compiled; its findings printed when
 * `warn` (sh_print_warnings), else dropped. */
int sh_cli_compile(const char *arg, const char *dir, const sh_target *t, bool warn, sh_cli_compiled *c,
		   sh_error **err);
void sh_cli_compiled_free(sh_cli_compiled *c);

struct sh_bpf;
/* A raw BPF program file (compile -o, dump --format=raw), size and structure checked; `exec --bpf`
 * and `dump --bpf`. */
int sh_cli_read_bpf_file(const char *path, struct sh_bpf *b, sh_error **err);

/* "seccomp-hook CMD: error: MSG" + hint, exit status 2. */
int sh_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print warnings (text) to stderr, unless -q was given (sh_cli_quiet). */
extern bool sh_cli_quiet;
void sh_print_warnings(const sh_diag *d);

#endif

/* Command-line front-ends: each subcommand is a few calls into the pipeline. */
#ifndef SH_CLI_H
#define SH_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "diag.h"
#include "error.h"
#include "resolve.h"

int cmd_check(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_precreate(int argc, char **argv);
int cmd_inject(int argc, char **argv);
int cmd_state(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_diff(int argc, char **argv);

/* Target options shared by compile/explain/diff/exec. */
typedef struct sh_target_opts {
	const char *arch;   /* --arch */
	const char *caps;   /* --caps */
	const char *kernel; /* --kernel */
	uint32_t arch_buf[SH_MAX_ARCHES];
} sh_target_opts;

/* Fill `t` from the options; without --caps, the process's own bounding set when own_caps, else none. */
int sh_cli_target(sh_target_opts *o, bool own_caps, sh_target *t, sh_error **err);

struct sh_bpf;
/* The filters process PID runs, newest first, read back from the kernel (PTRACE_SECCOMP_GET_FILTER:
 * the process is seized, stopped for the read and let go); `dump` and `state --verify-filter`. */
int sh_dump_read(int pid, struct sh_bpf **v, size_t *n, sh_error **err);

/* "seccomp-hook CMD: error: MSG" + hint, exit status 2. */
int sh_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print warnings (text) to stderr, unless -q was given (sh_cli_quiet). */
extern bool sh_cli_quiet;
void sh_print_warnings(const sh_diag *d);

#endif

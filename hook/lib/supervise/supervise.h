/* The supervisor of a notifying filter (notifyset.h): it receives each notified call, takes the
 * answer the base profile's own compiled program gives it (explain.h's engine: exactly what the plain
 * profile would do), tells an observer (the recorder, the reporter), and answers:
 * SECCOMP_USER_NOTIF_FLAG_CONTINUE for what the base allows (and for everything in complain mode),
 * the base's errno for what it denies. */
#ifndef SH_SUPERVISE_H
#define SH_SUPERVISE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "bpf.h"
#include "error.h"
#include "explain.h"
#include "translate.h"

typedef struct sh_call {
	pid_t pid;          /* the calling thread, as this process's PID namespace sees it */
	uint32_t arch;      /* SCMP_ARCH_* */
	int nr;             /* as libseccomp numbers it on arch (x32's with its bit) */
	uint64_t args[6];
	sh_decision d;      /* the base's decision (SCMP_ACT_ALLOW without a base) */
	bool let_through;   /* answered with CONTINUE */
	const char *source; /* the listener's name, as given to sh_supervisor_add */
	/* The caller's name (/proc/PID/comm, made safe to print) when the base refuses the call, read
	 * before the answer lets the caller go on, and perhaps end; "" otherwise. */
	char comm[16];
} sh_call;

typedef void (*sh_call_fn)(void *ctx, const sh_call *c);

typedef struct sh_supervisor sh_supervisor;

/* base may be NULL (every call allowed); it must outlive the supervisor. complain: every call is
 * let through, whatever the decision. */
sh_supervisor *sh_supervisor_new(const sh_engine *base, bool complain, sh_call_fn fn, void *ctx);
void sh_supervisor_free(sh_supervisor *s);
/* Take over a listener fd (closed when its filter has no task left, or at free). */
void sh_supervisor_add(sh_supervisor *s, int listener, const char *source);
size_t sh_supervisor_listeners(const sh_supervisor *s);
/* Answer calls for up to timeout_ms (-1: no limit) or until `extra` (if >= 0) is readable:
 * returns 1 when it is, else 0; -1 on a failure of poll. */
int sh_supervisor_wait(sh_supervisor *s, int extra, int timeout_ms, sh_error **err);

/* Its decision for a call (without an instruction pointer): what it answers with. Per arch and
 * number it keeps the answer when the program's path to it reads no argument, and runs the
 * program for each call where it does. */
sh_decision sh_supervisor_decide(sh_supervisor *s, uint32_t arch, int nr, const uint64_t args[6]);

/* The answer the supervisor gives for a decision: CONTINUE when sh_decision_lets_through, else the
 * errno to return. A killing decision also kills the caller (SIGKILL: the kernel's SIGSYS cannot be
 * sent from outside). */

/* Run COMMAND (the resolved file `path`, argv) in a child that installs `prog` (with flags, which
 * must ask for a listener) and execs; its listener is supervised by `s`; this process becomes the
 * subreaper of everything the command starts. SIGTERM, SIGINT and SIGHUP are passed on to the
 * command. Returns when the command has exited and no task of the filter is left, with its wait
 * status in *status; -1 if the filter could not be installed (then nothing ran). The filter gets a
 * listener and SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (see sh_notify_flags) where the kernel has it. */
int sh_run_supervised(sh_supervisor *s, const char *path, char *const argv[], const sh_bpf *prog,
		      unsigned flags, int *status, sh_error **err);

#endif

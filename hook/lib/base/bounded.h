/* Work that may not finish, bounded: libseccomp 2.5.4 loops for ever on some rule sets (three
 * conditional rules of one syscall can do it) and takes seconds on others, and a container start
 * must not wait on it. The work runs in a child process whose CPU time is limited per step and in
 * total; what it writes to its output file comes back, and when it is stopped, the step it was in
 * says where. */
#ifndef SH_BOUNDED_H
#define SH_BOUNDED_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* What the child was doing: shared with the parent. */
typedef struct sh_bounded_step {
	uint32_t stage;     /* the caller's numbering; 0 before the first step */
	uint64_t a, b;      /* the caller's detail (a rule, a name) */
	int64_t rc;         /* the caller's result code, for a failure it reports */
} sh_bounded_step;

typedef enum { SH_BOUNDED_DONE, SH_BOUNDED_FAILED, SH_BOUNDED_STEP_LIMIT, SH_BOUNDED_TOTAL_LIMIT } sh_bounded_end;

typedef struct sh_bounded_result {
	sh_bounded_end end;
	sh_bounded_step last; /* the step it ended in */
	char *out;            /* SH_BOUNDED_DONE: what the work wrote (NUL-terminated), caller frees */
	size_t len;
	unsigned cpu_ms;      /* the CPU time the child took, however it ended */
} sh_bounded_result;

/* Runs work(arg, fd, step) in a child. It returns 0 (done) or not (failed: step->rc says why); it
 * writes its result to fd and calls sh_bounded_begin before each step. total_ms bounds its CPU time
 * (in whole seconds, rounded up: RLIMIT_CPU's unit).
 * Returns -1 only when the child cannot be run (err); how it ended is in *res. */
int sh_bounded_run(int (*work)(void *arg, int fd, sh_bounded_step *step), void *arg, unsigned total_ms,
		   sh_bounded_result *res, sh_error **err);
/* In the child: a step begins, which may use limit_ms of CPU time. */
void sh_bounded_begin(sh_bounded_step *step, uint32_t stage, uint64_t a, uint64_t b, unsigned limit_ms);

#endif

/* The bounded module (bounded.c): work in a child whose CPU time is bounded per step and in total;
 * it ends done, failed with the step it failed in, or stopped at a bound (also when the caller blocks
 * the timer's signal), and says how much CPU time it took. */
#include "config.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bounded.h"
#include "testutil.h"
#include "util.h"

static int writes(void *arg, int fd, sh_bounded_step *step)
{
	sh_bounded_begin(step, 1, 7, 0, 1000);
	return write(fd, arg, strlen(arg)) < 0;
}

static int fails(void *arg, int fd, sh_bounded_step *step)
{
	(void)arg;
	(void)fd;
	sh_bounded_begin(step, 2, 3, 4, 1000);
	step->rc = -22;
	return -1;
}

static int spins(void *arg, int fd, sh_bounded_step *step)
{
	(void)arg;
	(void)fd;
	sh_bounded_begin(step, 3, 5, 6, 50);
	for (volatile unsigned long i = 0;; i++)
		;
	return 0;
}

static double children_cpu_ms(void)
{
	struct rusage r;
	getrusage(RUSAGE_CHILDREN, &r);
	return (double)(r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1e3 +
	       (double)(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e3;
}

Test(bounded, done_failed_and_stopped)
{
	sh_bounded_result res;
	sh_error *err = NULL;
	cr_assert_eq(sh_bounded_run(writes, "program", 1000, &res, &err), 0);
	cr_assert_eq(res.end, SH_BOUNDED_DONE);
	cr_assert_str_eq(res.out, "program");
	free(res.out);
	cr_assert_eq(sh_bounded_run(fails, NULL, 1000, &res, &err), 0);
	cr_assert_eq(res.end, SH_BOUNDED_FAILED);
	cr_assert(res.last.stage == 2 && res.last.a == 3 && res.last.b == 4 && res.last.rc == -22);
	/* Stopped at the step's bound, also when the caller blocks the timer's signal. */
	sigset_t prof, old;
	sigemptyset(&prof);
	sigaddset(&prof, SIGPROF);
	for (int blocked = 0; blocked < 2; blocked++) {
		sigprocmask(blocked ? SIG_BLOCK : SIG_UNBLOCK, &prof, &old);
		double t0 = sh_test_cpu_ms(), kids0 = children_cpu_ms();
		cr_assert_eq(sh_bounded_run(spins, NULL, 1000, &res, &err), 0);
		cr_assert_eq(res.end, SH_BOUNDED_STEP_LIMIT);
		cr_assert(res.last.stage == 3 && res.last.a == 5);
		cr_assert_lt(sh_test_cpu_ms() - t0, 500);
		/* What the child took is told, as the kernel accounted it. The kernel's split of a
		 * short spin can come out under the timer's 50 ms, so the check is against its
		 * own accounting of the reaped child, not against the bound. */
		double kids = children_cpu_ms() - kids0;
		cr_assert(res.cpu_ms > 0 && res.cpu_ms < 500, "%u ms", res.cpu_ms);
		cr_assert(res.cpu_ms <= kids + 1 && res.cpu_ms + 1 >= kids, "%u ms, kernel %.1f ms",
			  res.cpu_ms, kids);
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
}

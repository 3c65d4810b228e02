/* Bounded work in a child process (bounded.h). The per-step bound is ITIMER_PROF (the process's CPU
 * time), re-armed at each step; the total one RLIMIT_CPU (whole seconds). Both signals end the child
 * by their default action, so nothing in it has to cooperate once it is stuck. */
#include "config.h"
#include "bounded.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

void sh_bounded_begin(sh_bounded_step *step, uint32_t stage, uint64_t a, uint64_t b, unsigned limit_ms)
{
	step->stage = stage;
	step->a = a;
	step->b = b;
	struct itimerval t = { .it_value = { .tv_sec = limit_ms / 1000, .tv_usec = (limit_ms % 1000) * 1000 } };
	setitimer(ITIMER_PROF, &t, NULL);
}

static _Noreturn void child(int (*work)(void *, int, sh_bounded_step *), void *arg, int fd, sh_bounded_step *step,
			    unsigned total_ms)
{
	/* The parent may block or catch them (a supervisor takes signals through a signalfd). */
	sigset_t timers;
	sigemptyset(&timers);
	sigaddset(&timers, SIGPROF);
	sigaddset(&timers, SIGXCPU);
	sigprocmask(SIG_UNBLOCK, &timers, NULL);
	signal(SIGPROF, SIG_DFL);
	signal(SIGXCPU, SIG_DFL);
	rlim_t s = (total_ms + 999) / 1000; /* past the soft limit SIGXCPU, past the hard one SIGKILL */
	struct rlimit cpu = { .rlim_cur = s, .rlim_max = s + 1 };
	setrlimit(RLIMIT_CPU, &cpu);
	/* _exit: nothing of the parent's (stdio buffers, atexit handlers, leak checks) runs twice. */
	_exit(work(arg, fd, step) == 0 ? 0 : 1);
}

static int read_all(int fd, char **out, size_t *len, sh_error **err)
{
	off_t size = lseek(fd, 0, SEEK_END);
	if (size < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return sh_error_errno(err, errno, "memfd");
	char *b = sh_xmalloc((size_t)size + 1);
	size_t got = 0;
	while (got < (size_t)size) {
		ssize_t r = read(fd, b + got, (size_t)size - got);
		if (r <= 0) {
			free(b);
			return sh_error_errno(err, r < 0 ? errno : EIO, "memfd read");
		}
		got += (size_t)r;
	}
	b[got] = 0;
	*out = b;
	*len = got;
	return 0;
}

static int ended(int status, sh_bounded_result *res, sh_error **err)
{
	if (WIFEXITED(status)) {
		res->end = WEXITSTATUS(status) == 0 ? SH_BOUNDED_DONE : SH_BOUNDED_FAILED;
		return 0;
	}
	int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	if (sig == SIGPROF || sig == SIGXCPU || sig == SIGKILL) {
		res->end = sig == SIGPROF ? SH_BOUNDED_STEP_LIMIT : SH_BOUNDED_TOTAL_LIMIT;
		return 0;
	}
	return sh_error_set(err, SH_EXIT_SYSTEM, "the compiling process ended by signal %d (%s)", sig, strsignal(sig));
}

int sh_bounded_run(int (*work)(void *arg, int fd, sh_bounded_step *step), void *arg, unsigned total_ms,
		   sh_bounded_result *res, sh_error **err)
{
	*res = (sh_bounded_result){ 0 };
	cleanup_close int fd = memfd_create("seccomp-hook-bounded", MFD_CLOEXEC);
	if (fd < 0)
		return sh_error_errno(err, errno, "memfd_create");
	sh_bounded_step *step = mmap(NULL, sizeof(*step), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (step == MAP_FAILED)
		return sh_error_errno(err, errno, "mmap");
	*step = (sh_bounded_step){ 0 };
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		munmap(step, sizeof(*step));
		return sh_error_errno(err, e, "fork");
	}
	if (pid == 0)
		child(work, arg, fd, step, total_ms);
	int status, r;
	struct rusage ru = { 0 };
	while ((r = wait4(pid, &status, 0, &ru)) < 0 && errno == EINTR)
		;
	res->cpu_ms = (unsigned)((ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
				 (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000);
	res->last = *step;
	munmap(step, sizeof(*step));
	if (r < 0)
		return sh_error_errno(err, errno, "waitpid");
	if (ended(status, res, err) < 0)
		return -1;
	return res->end == SH_BOUNDED_DONE ? read_all(fd, &res->out, &res->len, err) : 0;
}

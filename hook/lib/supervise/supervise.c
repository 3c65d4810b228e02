/* The supervisor of a notifying filter and the supervised run of a command; see supervise.h. */
#define _GNU_SOURCE
#include "config.h"
#include "supervise.h"
#include "apply.h"
#include "names.h"
#include "profile.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CACHED_ARCHES 4

typedef struct listener {
	int fd;
	char *source;
} listener;

/* What the supervisor keeps of one (arch, number) after its first call: the named answer when the
 * program's path to it read neither the arguments nor the instruction pointer (every later call
 * gets the same), else the call's rules, to name the answer the program gives each call. */
typedef struct known {
	enum { UNSEEN, FIXED, BY_ARGS } state;
	sh_decision d;
	sh_call_rules c;
} known;

/* An arch calls came from: its number slots, and what is kept per slot when the base covers it. */
typedef struct arch_cache {
	sh_arch_slots slots;
	known *known; /* NULL: the base does not cover the arch (its program answers every call) */
} arch_cache;

struct sh_supervisor {
	const sh_engine *base;
	bool complain;
	sh_call_fn fn;
	void *ctx;
	listener *ls;
	size_t n, cap;
	arch_cache arches[CACHED_ARCHES]; /* in the order calls first came from them */
	size_t narches;
	struct pollfd *pfd; /* cap + 1 entries */
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	size_t req_size, resp_size;
};

static size_t max_size(size_t a, size_t b)
{
	return a > b ? a : b;
}

sh_supervisor *sh_supervisor_new(const sh_engine *base, bool complain, sh_call_fn fn, void *ctx)
{
	sh_supervisor *s = sh_xcalloc(1, sizeof(*s));
	*s = (sh_supervisor){ .base = base, .complain = complain, .fn = fn, .ctx = ctx };
	/* The kernel's structures may be larger than this build's headers say. */
	struct seccomp_notif_sizes sz = { 0 };
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0)
		sz = (struct seccomp_notif_sizes){ 0 };
	s->req_size = max_size(sizeof(*s->req), sz.seccomp_notif);
	s->resp_size = max_size(sizeof(*s->resp), sz.seccomp_notif_resp);
	s->req = sh_xcalloc(1, s->req_size);
	s->resp = sh_xcalloc(1, s->resp_size);
	return s;
}

void sh_supervisor_free(sh_supervisor *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		close(s->ls[i].fd);
		free(s->ls[i].source);
	}
	for (size_t a = 0; a < s->narches; a++) {
		for (size_t k = 0; s->arches[a].known && k < s->arches[a].slots.count; k++)
			sh_call_rules_free(&s->arches[a].known[k].c);
		free(s->arches[a].known);
	}
	free(s->ls);
	free(s->pfd);
	free(s->req);
	free(s->resp);
	free(s);
}

/* Linux 6.6; older headers lack them. */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

void sh_supervisor_add(sh_supervisor *s, int fd, const char *source)
{
	/* The caller stops until this process answers, so only one of the two runs at a time: the kernel
	 * then wakes each on the CPU of the other and switches to it directly, instead of queueing it
	 * wherever it last ran. Before 6.6 the ioctl is unknown (EINVAL) and the wake-ups stay as they
	 * are. */
	ioctl(fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);
	sh_grow(&s->ls, &s->cap, s->n, sizeof(*s->ls));
	s->ls[s->n++] = (listener){ .fd = fd, .source = sh_xstrdup(source ? source : "") };
	/* One entry per listener and one for `extra`, kept: a wait is made for every call. */
	s->pfd = sh_xreallocarray(s->pfd, s->cap + 1, sizeof(*s->pfd));
}

size_t sh_supervisor_listeners(const sh_supervisor *s)
{
	return s->n;
}

static bool base_covers(const sh_ruleset *rs, uint32_t arch)
{
	for (size_t i = 0; i < rs->narches; i++)
		if (rs->arches[i] == arch)
			return true;
	return false;
}

/* The entry of a call, NULL for an arch or number outside what is kept. Its arrays are made at the
 * first call from an arch; every later call is two compares and an index. */
static known *known_of(sh_supervisor *s, uint32_t arch, int nr)
{
	arch_cache *a = NULL;
	for (size_t i = 0; i < s->narches && !a; i++)
		if (s->arches[i].slots.arch == arch)
			a = &s->arches[i];
	if (!a && s->narches < CACHED_ARCHES) {
		a = &s->arches[s->narches++];
		sh_arch_slots_init(&a->slots, arch);
		a->known = base_covers(s->base->rs, arch) ? sh_xcalloc(a->slots.count, sizeof(known)) : NULL;
	}
	long slot = a && a->known ? sh_arch_slots_of(&a->slots, nr) : -1;
	return slot >= 0 ? &a->known[slot] : NULL;
}

/* The base program's answer, named: looked up when it is fixed for the number, else run. */
static sh_decision decide(sh_supervisor *s, const sh_seccomp_data *d)
{
	if (!s->base)
		return (sh_decision){ .ret = SECCOMP_RET_ALLOW, .by = SH_BY_DEFAULT };
	uint32_t arch = sh_arch_of_call(d->arch, d->nr);
	known *k = known_of(s, arch, d->nr);
	if (!k)
		return sh_engine_decide(s->base, d);
	if (k->state == FIXED)
		return k->d;
	sh_answer a = sh_engine_run(s->base, d);
	if (k->state == UNSEEN)
		sh_call_rules_build(s->base->rs, arch, d->nr, &k->c);
	uint64_t args[6];
	memcpy(args, d->args, sizeof(args));
	sh_decision named = sh_decision_named(&k->c, args, a.ret);
	/* Fixed only when the naming cannot depend on the arguments either. */
	k->state = a.by_args || sh_call_rules_conditional(&k->c) ? BY_ARGS : FIXED;
	if (k->state == FIXED)
		k->d = named;
	return named;
}

sh_decision sh_supervisor_decide(sh_supervisor *s, uint32_t arch, int nr, const uint64_t args[6])
{
	sh_seccomp_data d = sh_call_data(arch, nr, args);
	return decide(s, &d);
}

/* The answer: CONTINUE, or the errno (ENOSYS for what cannot be emulated: TRAP, TRACE, NOTIFY). */
static void answer(sh_supervisor *s, int fd, const sh_call *c)
{
	struct seccomp_notif_resp *r = s->resp;
	memset(r, 0, s->resp_size);
	r->id = s->req->id;
	uint32_t act = c->d.ret & SECCOMP_RET_ACTION_FULL;
	if (c->let_through)
		r->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	else if (act == SECCOMP_RET_ERRNO)
		r->error = -(int32_t)(c->d.ret & SECCOMP_RET_DATA);
	else
		r->error = -ENOSYS;
	if (!c->let_through && (act == SECCOMP_RET_KILL_PROCESS || act == SECCOMP_RET_KILL_THREAD))
		kill(c->pid, SIGKILL);
	/* ENOENT: the call was interrupted or its task is gone; nothing waits for the answer. */
	while (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, r) < 0 && errno == EINTR)
		;
}

/* The caller's name: a report names it, and once answered the caller may end before it is read. */
static void read_comm(pid_t pid, char *buf, size_t len)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, len - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		n = 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	/* The process names itself (PR_SET_NAME): nothing in it may pass for a field or a control. */
	for (char *p = buf; *p; p++)
		if (*p <= ' ' || *p > '~' || *p == '=' || *p == '"' || *p == '\\')
			*p = '?';
}

/* One notification, received, decided, answered and observed: 1; 0 when there was none to take
 * (EINTR; ENOENT: the call went away before it was read, or no task of the filter is left); -1 when
 * the fd is no listener, or no longer works as one. Nothing here allocates or formats once a call's
 * (arch, number) has been seen: the decision is an index into known_of's arrays. */
static int handle_one(sh_supervisor *s, const listener *l)
{
	memset(s->req, 0, s->req_size); /* the kernel refuses a buffer that is not zeroed */
	if (ioctl(l->fd, SECCOMP_IOCTL_NOTIF_RECV, s->req) < 0)
		return errno == EINTR || errno == ENOENT ? 0 : -1;
	const struct seccomp_data *d = &s->req->data;
	sh_call c = { .pid = (pid_t)s->req->pid, .nr = d->nr, .source = l->source };
	c.arch = sh_arch_of_call(d->arch, d->nr);
	memcpy(c.args, d->args, sizeof(c.args));
	c.d = decide(s, d); /* the whole seccomp_data: the program may read the instruction pointer */
	c.let_through = s->complain || sh_decision_lets_through(c.d.ret);
	if (!sh_decision_lets_through(c.d.ret)) /* a refusal, which is rare: reports name the caller */
		read_comm(c.pid, c.comm, sizeof c.comm);
	/* Answered first: whatever the observer does (a log write) does not hold up the call. */
	answer(s, l->fd, &c);
	if (s->fn)
		s->fn(s->ctx, &c);
	return 1;
}

static void drop_listener(sh_supervisor *s, size_t i)
{
	close(s->ls[i].fd);
	free(s->ls[i].source);
	s->ls[i] = s->ls[--s->n];
}

int sh_supervisor_wait(sh_supervisor *s, int extra, int timeout_ms, sh_error **err)
{
	size_t n = s->n;
	if (!s->pfd) /* no listener was ever added */
		s->pfd = sh_xcalloc(1, sizeof(*s->pfd));
	struct pollfd *p = s->pfd;
	for (size_t i = 0; i < n; i++)
		p[i] = (struct pollfd){ .fd = s->ls[i].fd, .events = POLLIN };
	p[n] = (struct pollfd){ .fd = extra, .events = POLLIN };
	int r = poll(p, n + 1, timeout_ms);
	if (r < 0)
		return errno == EINTR ? 0 : sh_error_errno(err, errno, "poll");
	for (size_t i = n; i-- > 0;) {
		if ((p[i].revents & POLLIN) && handle_one(s, &s->ls[i]) >= 0)
			continue;
		if (p[i].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))
			drop_listener(s, i); /* no task of the filter is left */
	}
	return extra >= 0 && (p[n].revents & (POLLIN | POLLHUP)) ? 1 : 0;
}

/* What the child tells its parent through memory they share: the listener's number in the fd
 * table they also share, or why the filter could not be installed. */
typedef struct handoff {
	volatile int state; /* 0 pending, 1 listener ready, -1 failed */
	int fd, err;
	const char *why;
} handoff;

static const int passed_signals[] = { SIGTERM, SIGINT, SIGHUP };

/* In the child (a process that shares the parent's fd table until its exec): no library calls
 * after the filter, whose every call waits for the parent. */
static _Noreturn void child(handoff *h, const sigset_t *mask, const char *path, char *const argv[],
			    const sh_bpf *prog, unsigned flags)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	const char *why = NULL;
	flags |= SH_FLAG_NEW_LISTENER;
	/* sh_notify_flags' reason for WAIT_KILLABLE_RECV; asked of the kernel this runs on, which
	 * refuses it before 5.19. */
	int fd = sh_apply_filter(prog->insns, prog->len, flags | SH_FLAG_WAIT_KILLABLE_RECV, &why);
	if (fd < 0 && errno == EINVAL)
		fd = sh_apply_filter(prog->insns, prog->len, flags, &why);
	if (fd <= 0) {
		h->err = fd < 0 ? errno : EINVAL;
		h->why = fd < 0 ? why : "the filter has no listener";
		__atomic_store_n(&h->state, -1, __ATOMIC_RELEASE);
		_exit(2);
	}
	h->fd = fd;
	__atomic_store_n(&h->state, 1, __ATOMIC_RELEASE);
	execv(path, argv); /* the listener is close-on-exec: only the parent keeps it */
	_exit(errno == ENOENT ? 127 : 126);
}

/* Spin until the child says, or dies: it cannot make a call the parent would have to answer. */
static int await_listener(pid_t pid, handoff *h, int *status, sh_error **err)
{
	struct timespec pause = { 0, 20000 };
	for (;;) {
		int st = __atomic_load_n(&h->state, __ATOMIC_ACQUIRE);
		if (st == 1)
			return h->fd;
		if (st < 0 || waitpid(pid, status, WNOHANG) == pid) {
			if (st < 0)
				waitpid(pid, status, 0);
			return sh_error_errno(err, st < 0 ? h->err : ECHILD, "cannot install the filter: %s",
					      st < 0 ? h->why : "the child ended first");
		}
		nanosleep(&pause, NULL);
	}
}

static int start_child(const char *path, char *const argv[], const sh_bpf *prog, unsigned flags,
		       const sigset_t *old, pid_t *pid, sh_error **err)
{
	handoff *h = mmap(NULL, sizeof(*h), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (h == MAP_FAILED)
		return sh_error_errno(err, errno, "mmap");
	memset(h, 0, sizeof(*h));
	/* CLONE_FILES: the listener the child creates is in this process's table; exec unshares it. */
	long r = syscall(SYS_clone, CLONE_FILES | SIGCHLD, NULL, NULL, NULL, NULL);
	if (r == 0)
		child(h, old, path, argv, prog, flags);
	int fd = -1, st;
	if (r < 0)
		sh_error_errno(err, errno, "clone");
	else
		fd = await_listener((pid_t)r, h, &st, err);
	munmap(h, sizeof(*h));
	*pid = (pid_t)r;
	return fd;
}

typedef struct run_state {
	pid_t main;
	volatile sig_atomic_t main_done; /* set by a signal handler while the listener is served */
	volatile int status;
} run_state;

static void reap(run_state *rs)
{
	int st;
	pid_t p;
	while ((p = waitpid(-1, &st, WNOHANG)) > 0)
		if (p == rs->main) {
			rs->status = st;
			rs->main_done = 1;
		}
}

static void pass_signal(run_state *rs, int sig)
{
	if (sig == SIGCHLD)
		reap(rs);
	else if (!rs->main_done)
		kill(rs->main, sig);
}

static void on_signal(int sigfd, run_state *rs)
{
	struct signalfd_siginfo si;
	while (read(sigfd, &si, sizeof si) == (ssize_t)sizeof si)
		pass_signal(rs, (int)si.ssi_signo);
}

static int block_signals(sigset_t *set, sigset_t *old, sh_error **err)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	for (size_t i = 0; i < SH_ARRAY_SIZE(passed_signals); i++)
		sigaddset(set, passed_signals[i]);
	if (sigprocmask(SIG_BLOCK, set, old) < 0)
		return sh_error_errno(err, errno, "sigprocmask");
	int fd = signalfd(-1, set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return sh_error_errno(err, errno, "signalfd");
	return fd;
}

/* While the run's one listener is served by waiting in RECV itself, signals come through handlers,
 * which do at once what cannot wait for the next notification: pass a stop signal on, reap. (A flag
 * looked at between two RECVs would leave a SIGTERM that lands just before a RECV waiting until the
 * command makes its next call, which may be never.) */
static run_state *volatile serving;

static void on_handled_signal(int sig)
{
	int saved = errno;
	pass_signal(serving, sig);
	errno = saved;
}

static bool hung_up(int fd)
{
	struct pollfd q = { .fd = fd, .events = POLLIN };
	return poll(&q, 1, 0) == 1 && (q.revents & (POLLHUP | POLLERR | POLLNVAL));
}

/* One listener and nothing else to wait for: RECV blocks until a call comes, which saves the poll a
 * call per notification otherwise costs. The last task of the filter gone (reaped: the kernel counts
 * a zombie as a user), RECV fails with ENOENT and the listener reports POLLHUP. */
static void serve_one(sh_supervisor *s, run_state *rs, const sigset_t *set)
{
	int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGHUP };
	struct sigaction sa = { .sa_handler = on_handled_signal, .sa_mask = *set }, old[SH_ARRAY_SIZE(sigs)];
	serving = rs;
	for (size_t i = 0; i < SH_ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, &old[i]);
	sigprocmask(SIG_UNBLOCK, set, NULL);
	while (s->n == 1) {
		int r = handle_one(s, &s->ls[0]);
		if (r < 0 || (r == 0 && errno == ENOENT && hung_up(s->ls[0].fd)))
			drop_listener(s, 0);
	}
	sigprocmask(SIG_BLOCK, set, NULL);
	for (size_t i = 0; i < SH_ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &old[i], NULL);
	serving = NULL;
}

int sh_run_supervised(sh_supervisor *s, const char *path, char *const argv[], const sh_bpf *prog,
		      unsigned flags, int *status, sh_error **err)
{
	sigset_t set, old;
	cleanup_close int sigfd = block_signals(&set, &old, err);
	if (sigfd < 0)
		return -1;
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	run_state rs = { 0 };
	int fd = start_child(path, argv, prog, flags, &old, &rs.main, err);
	int r = fd < 0 ? -1 : 0;
	if (fd >= 0) {
		sh_supervisor_add(s, fd, argv[0]);
		serve_one(s, &rs, &set);
	}
	/* Reaped on every wake-up, and at least once a second: a SIGCHLD taken by the handler of
	 * serve_one before the command was waitable is not sent again, and nothing else would end the
	 * wait once the listeners are gone. */
	while (r == 0 && (!rs.main_done || sh_supervisor_listeners(s))) {
		int w = sh_supervisor_wait(s, sigfd, 1000, err);
		if (w < 0) {
			r = -1;
			break;
		}
		if (w > 0)
			on_signal(sigfd, &rs);
		reap(&rs);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	*status = rs.status;
	return r;
}

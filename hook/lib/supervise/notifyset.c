/* Rule sets whose chosen decisions become SCMP_ACT_NOTIFY; see notifyset.h. The rules that stay
 * keep their origin, so FILE:LINE and the conditions are the base's own. */
#include "config.h"
#include "notifyset.h"
#include "explain.h"
#include "translate.h"
#include "util.h"

#include <linux/seccomp.h>
#include <string.h>

const char *const sh_notify_exempt_report[] = { "write", "sendmsg", "exit", "exit_group", NULL };

/* runc init is a Go program: between its seccomp(2) and the write that tells its parent the listener's
 * number, Go's runtime may run on that thread at any moment, and whatever it calls then waits for a
 * supervisor that cannot exist yet. Read from runc 1.1.5 (libcontainer/standard_init_linux.go,
 * setns_init_linux.go: the filter is installed on the locked main thread without TSYNC, then
 * syncParentSeccomp writes) and Go 1.19's runtime (sys_linux_amd64.s, signal_unix.go, proc.go,
 * lock_futex.go, mem_linux.go): a signal (SIGURG preemption from sysmon or the GC, any signal the
 * process is sent) returns through rt_sigreturn, or through restart_syscall where a sleep is restarted;
 * a preempted locked goroutine parks its thread (futex) and hands its P on (futex); locks spin with
 * sched_yield and nanosleep; the GC and an allocation map and advise memory (mmap, munmap, madvise)
 * and preempt other threads (getpid, tgkill); the signal handler checks its stack (sigaltstack);
 * nanotime falls back to clock_gettime where the vDSO cannot serve it; a runtime crash unblocks and
 * resets its signal (rt_sigprocmask, rt_sigaction) and raises it (gettid, tgkill, getpid, kill), and
 * prints with write. crun and the loader are C and make none of these before they send the listener,
 * but a recording must start a container under any of them. */
const char *const sh_notify_exempt_runtime[] = {
	"write", "sendmsg", "exit", "exit_group", "rt_sigreturn", "restart_syscall", "futex", "nanosleep",
	"sched_yield", "mmap", "munmap", "madvise", "getpid", "gettid", "tgkill", "kill", "sigaltstack",
	"rt_sigprocmask", "rt_sigaction", "clock_gettime", NULL,
};

/* Measured by recording a program that makes no call of its own before its exec under each installer
 * (runc 1.1.5 and crun 1.8.1 in runtime mode, the loader through seccomp-hook-runtime and crun in init
 * mode), and capget, which the loader calls where /proc cannot be read; with the exempt names above. */
static const char *const installer_tail[] = {
	"capget", "capset", "close", "epoll_ctl", "execve", "fcntl", "fstatfs", "getdents64", "open", "openat",
	"prctl", "read", "wait4", NULL,
};

size_t sh_notify_always(const sh_engine *base, bool container, const char **out, size_t max)
{
	size_t k = 0;
	for (const char *const *v = sh_notify_exempt_runtime; *v && k < max; v++)
		if (sh_engine_allows_whole(base, *v))
			out[k++] = *v;
	for (const char *const *v = installer_tail; container && *v && k < max; v++)
		if (sh_engine_allows_whole(base, *v))
			out[k++] = *v;
	return k;
}

unsigned sh_notify_flags(unsigned flags, unsigned kmajor, unsigned kminor)
{
	bool killable = kmajor > 5 || (kmajor == 5 && kminor >= 19);
	return flags | SH_FLAG_NEW_LISTENER | (killable ? SH_FLAG_WAIT_KILLABLE_RECV : 0);
}

const sh_profile *sh_notify_no_base(void)
{
	static char name[] = "(no base)";
	static const sh_profile none = { .file = name, .default_action = SH_ACT_ALLOW };
	return &none;
}

static bool listed(const char *const *v, const char *name)
{
	for (; v && *v; v++)
		if (strcmp(*v, name) == 0)
			return true;
	return false;
}

/* A rule owned by the rule set: the names of `names` that pass `keep`, with one action. */
static void add_own_rule(sh_ruleset *rs, char **names, size_t n, sh_action_kind act,
			 bool (*keep)(const char *name, const void *ctx), const void *ctx)
{
	sh_rule *r = &rs->own_rules[rs->nown];
	*r = (sh_rule){ .action = act, .names = sh_xcalloc(n + 1, sizeof(char *)) };
	for (size_t i = 0; i < n; i++)
		if (keep(names[i], ctx))
			r->names[r->nnames++] = sh_xstrdup(names[i]);
	r->name_locs = sh_xcalloc(r->nnames + 1, sizeof(sh_loc));
	if (!r->nnames)
		return;
	rs->nown++;
	rs->rules[rs->nrules++] = (sh_rrule){ .origin = r, .action = act, .errno_ret = 1 };
}

static sh_ruleset *new_set(const sh_profile *p, const uint32_t *arches, size_t narches, size_t nrules,
			   const sh_notify_opts *o)
{
	sh_ruleset *rs = sh_xcalloc(1, sizeof(*rs));
	rs->profile = p;
	memcpy(rs->arches, arches, narches * sizeof(*arches));
	rs->narches = narches;
	rs->rules = sh_xcalloc(nrules + 2, sizeof(sh_rrule));
	rs->own_rules = sh_xcalloc(2, sizeof(sh_rule));
	rs->listener_path = o->listener_path ? sh_xstrdup(o->listener_path) : NULL;
	return rs;
}

typedef struct exempt_ctx {
	const sh_engine *base;
	const sh_notify_opts *o;
} exempt_ctx;

/* Exempt from notification: listed, and allowed by the base whatever the arguments (a call the base
 * denies, or decides by its arguments, is notified even if the installer then waits for ever). */
static bool is_exempt(const char *name, const void *ctx)
{
	const exempt_ctx *e = ctx;
	return listed(e->o->exempt, name) && sh_engine_allows_whole(e->base, name);
}

static bool not_exempt(const char *name, const void *ctx)
{
	return !is_exempt(name, ctx);
}

sh_ruleset *sh_notifyset_record(const sh_engine *engine, const sh_profile *p, const uint32_t *arches,
				size_t narches, const sh_notify_opts *o)
{
	const sh_ruleset *base = engine ? engine->rs : NULL;
	if (base) {
		p = base->profile;
		arches = base->arches;
		narches = base->narches;
	}
	sh_ruleset *rs = new_set(p, arches, narches, 0, o);
	size_t n;
	char **names = sh_syscall_names_on(arches, narches, &n);
	exempt_ctx e = { engine, o };
	add_own_rule(rs, names, n, SH_ACT_NOTIFY, not_exempt, &e);
	/* The exempt calls cannot be answered by anyone yet: they are allowed, as the base allows them,
	 * and are then always in the recording. */
	add_own_rule(rs, names, n, SH_ACT_ALLOW, is_exempt, &e);
	sh_strv_free(names);
	rs->default_action = o->default_may_notify ? SH_ACT_NOTIFY : base ? base->default_action : SH_ACT_ALLOW;
	rs->default_errno = base ? base->default_errno : 1;
	rs->flags = base ? base->flags : 0;
	rs->flags_given = base && base->flags_given;
	return rs;
}

/* Whether any rule of the set names the syscall (its calls are decided by rules, at least in part). */
static bool named_by_rules(const char *name, const void *ctx)
{
	const sh_ruleset *base = ctx;
	for (size_t i = 0; i < base->nrules; i++)
		if (sh_rule_names(base->rules[i].origin, name))
			return true;
	return false;
}

static bool names_exempt(const sh_rule *r, const sh_notify_opts *o)
{
	for (size_t k = 0; k < r->nnames; k++)
		if (listed(o->exempt, r->names[k]))
			return true;
	return false;
}

typedef struct default_names {
	const sh_ruleset *base;
	const sh_notify_opts *o;
} default_names;

static bool decided_by_default(const char *name, const void *ctx)
{
	const default_names *d = ctx;
	return !named_by_rules(name, d->base) && !listed(d->o->exempt, name);
}

sh_ruleset *sh_notifyset_report(const sh_ruleset *base, const sh_notify_opts *o)
{
	sh_ruleset *rs = new_set(base->profile, base->arches, base->narches, base->nrules, o);
	rs->default_action = base->default_action;
	rs->default_errno = base->default_errno;
	rs->flags = base->flags;
	rs->flags_given = base->flags_given;
	for (size_t i = 0; i < base->nrules; i++) {
		sh_rrule rr = base->rules[i];
		if (rr.action == SH_ACT_ERRNO && !names_exempt(rr.origin, o))
			rr.action = SH_ACT_NOTIFY;
		rs->rules[rs->nrules++] = rr;
	}
	if (base->default_action != SH_ACT_ERRNO)
		return rs;
	if (o->default_may_notify) {
		rs->default_action = SH_ACT_NOTIFY;
		return rs;
	}
	/* runc: the default cannot notify, so the names it alone decides get a notifying rule. A call
	 * of a name that has rules, when none of their conditions holds, stays with the default. */
	size_t n;
	char **names = sh_syscall_names_on(base->arches, base->narches, &n);
	default_names d = { base, o };
	add_own_rule(rs, names, n, SH_ACT_NOTIFY, decided_by_default, &d);
	sh_strv_free(names);
	return rs;
}

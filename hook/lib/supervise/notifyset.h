/* The filters that hand calls to a supervisor (record, live reports): rule sets made from a base
 * rule set in which the chosen decisions become SCMP_ACT_NOTIFY. The supervisor (supervise.h)
 * answers each notified call with the base's own program's answer (explain.h's engine), named by the
 * base's rule that carries it. Which names are exempt from notification (allowed whatever their
 * arguments) is the base's program's answer too. */
#ifndef SH_NOTIFYSET_H
#define SH_NOTIFYSET_H

#include <stdbool.h>

#include "explain.h"
#include "resolve.h"

typedef struct sh_notify_opts {
	/* The installer accepts SCMP_ACT_NOTIFY as the default action (seccomp-hook and its loader do;
	 * runc refuses it): otherwise the names the default decides get a notifying rule instead. */
	bool default_may_notify;
	/* Names that are never notified (NULL-terminated, may be NULL): the calls the installer makes
	 * after the filter is in and before anyone holds the listener (runc writes the fd number to
	 * its parent, crun and the loader send it). They keep the base's decision. */
	const char *const *exempt;
	/* Where the runtime hands the listener (runtime mode: the agent's socket), or NULL. */
	const char *listener_path;
} sh_notify_opts;

/* Recording: every call goes to the supervisor, which lets through what the base allows (all of it
 * without a base: base may be NULL, then arches and the profile come from `arches`/`p`) and answers
 * the rest as the base says. Caller frees. */
sh_ruleset *sh_notifyset_record(const sh_engine *base, const sh_profile *p, const uint32_t *arches,
				size_t narches, const sh_notify_opts *o);
/* Reports: the base with every SCMP_ACT_ERRNO decision (rules and default) handed to the supervisor
 * instead; what the base allows runs the same program path as without reports. Caller frees. */
sh_ruleset *sh_notifyset_report(const sh_ruleset *base, const sh_notify_opts *o);

/* The flags a notifying filter is installed with, given the ones its rule set asks for: also
 * SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (Linux 5.19), so that a call the supervisor has taken is no
 * longer interrupted by a signal: without it, a signal while the call waits for the answer makes even
 * open(2) of a file fail with EINTR in a program without SA_RESTART. Where the installer takes it:
 * seccomp-hook, the loader and crun do; runc 1.1 does not. */
unsigned sh_notify_flags(unsigned flags, unsigned kmajor, unsigned kminor);

/* The profile a recording without a base is made against: no rules, every call allowed. */
const sh_profile *sh_notify_no_base(void);

/* The names a container's installer may call after the filter is in and before anyone holds the
 * listener, never notified in a container's recording: runc's write, crun's and the loader's sendmsg,
 * exit/exit_group so that a process whose supervisor is gone can still end, and what Go's runtime
 * may call at any moment on runc init's thread (a signal's rt_sigreturn, futex, memory...). */
extern const char *const sh_notify_exempt_runtime[];
/* The same for a container's reports, which notify only what the base denies with an errno: the
 * hand-over calls alone (write, sendmsg, exit, exit_group); an errno rule naming one of them keeps its
 * errno unreported. */
extern const char *const sh_notify_exempt_report[];

/* The names a recording lists whether or not they were seen (at most max, into out; NULL-terminate
 * it yourself): the exempt ones, and for a container what runc, crun and the loader call after the
 * filter is in and before the container's program runs, so that a recording made under one starts
 * the container under the others, in either mode. Only names the base allows whatever the arguments. */
size_t sh_notify_always(const sh_engine *base, bool container, const char **out, size_t max);

#endif

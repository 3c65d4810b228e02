/* What the installer of a container's filter calls in the container's init after the filter is in
 * and before the container's program runs: runc and crun in runtime mode (and crun handed the
 * program), the loader in init mode. A profile that does not allow these calls cannot start a
 * container, whatever the program itself needs: a recording made on the host never sees them
 * (record --for adds them), check --for names the missing ones, and the transform's plan refuses
 * such a profile before the runtime fails with a message that does not name it.
 *
 * The calls are measured (strace -f of each installer starting busybox true, from the successful
 * install to the exec, runc 1.1.5, crun 1.8.1, the loader), with and without no_new_privs and as
 * root and another user, since an installer drops privileges after the filter only when
 * no_new_privs is off, and each denied alone with EPERM. A call whose denial fails the start is
 * needed; one made on every start whose errno the installer tolerates (Go's faccessat2 falls back to
 * faccessat) is needed only where the profile kills or traps it; the others (Go's runtime in runc's
 * init may call them at any moment; the loader reads its capability sets from /proc or asks capget)
 * are wanted: allowing them keeps a start from failing now and then.
 * (notifyset.h's list is another one: what a notifying filter must let through before anyone holds
 * its listener.) */
#ifndef SH_STARTCALLS_H
#define SH_STARTCALLS_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "explain.h"

typedef enum {
	SH_INSTALLER_RUNC,   /* runtime mode under runc */
	SH_INSTALLER_CRUN,   /* runtime mode under crun, or crun installing the program (--runtime=crun) */
	SH_INSTALLER_LOADER, /* init mode: seccomp-hook-init */
	SH_INSTALLER_ANY_RUNTIME, /* runtime mode, the runtime unknown: runc or crun */
} sh_installer;

/* "runc", "crun", "init" (the names record --for and check --for take); -1 for another. */
int sh_installer_parse(const char *s, sh_installer *out);
const char *sh_installer_name(sh_installer i);

/* What decides which calls a start makes; known false: any configuration (the union). */
typedef struct sh_start_config {
	bool known;
	bool no_new_privs; /* process.noNewPrivileges */
	bool non_root;     /* process.user.uid is not 0 */
} sh_start_config;

/* needed: calls the start fails without (or when killed); wanted: calls it may make. ANY_RUNTIME needs
 * what both runc and crun need, and wants what either makes otherwise. */
typedef enum { SH_START_NEEDED = 1, SH_START_WANTED = 2 } sh_start_kind;

/* The names of the kinds asked for, sorted, each once (at most max into out); their count. */
size_t sh_start_calls(sh_installer i, const sh_start_config *c, unsigned kinds, const char **out, size_t max);

/* Of those, the ones whose answer from the program (e's, run by the decision engine on `arch`, the
 * arch the container's init runs on) fails the start (kinds NEEDED) or may (WANTED: not let through
 * whatever the arguments, or an errno a needed-when-killed call tolerates); names with no number on
 * the arch are never called there. At most max into out; their count. */
size_t sh_start_missing(const sh_engine *e, uint32_t arch, sh_installer i, const sh_start_config *c,
			unsigned kinds, const char **out, size_t max);

/* "runc calls capget and fstatfs in the container after it installs the filter, which does not allow
 * them: the container cannot start; allow them (record --for=runc adds them)". Caller frees. */
char *sh_start_missing_text(sh_installer i, const char *const *names, size_t n, bool needed);

/* check --for: a warning (start-calls-needed) naming what the profile must allow for a container
 * under the installer, and a note (start-calls-wanted) for what it should allow, at the default
 * action's place in the file. */
void sh_lint_start_calls(const sh_engine *e, uint32_t arch, sh_installer i, sh_diag *d);

#endif

/* What an installer calls after the filter is in; see startcalls.h. */
#include "config.h"
#include "startcalls.h"
#include "names.h"
#include "util.h"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { RUNC = 1 << SH_INSTALLER_RUNC, CRUN = 1 << SH_INSTALLER_CRUN, LOADER = 1 << SH_INSTALLER_LOADER };

/* When a row's calls are made: on every start; only without no_new_privs (the installer then
 * drops privileges after the filter is in); only then and for a user other than root. */
typedef enum { ALWAYS, PRIVILEGED, PRIVILEGED_USER } when;

/* What a denial does to the start (measured by denying each call alone with EPERM): it fails
 * (needed); it goes on, as the installer tolerates an errno there, but a kill is a kill (made); the
 * call is not made on every start (wanted). Ranked: a name's kind is its highest. */
typedef enum { NONE, WANTED, MADE, NEEDED } rank;

typedef struct start_row {
	unsigned installers;
	when when;
	rank rank;
	const char *names[16];
} start_row;

static const start_row rows[] = {
	{ RUNC, ALWAYS, NEEDED, { "close", "execve", "fstatfs", "getdents64", "openat", "write" } },
	{ RUNC, ALWAYS, MADE, { "epoll_ctl", "futex", "getpid" } },
	{ RUNC, PRIVILEGED, NEEDED,
	  { "capget", "capset", "chdir", "fstat", "getcwd", "getppid", "newfstatat", "prctl", "read", "setgid",
	    "setgroups", "setuid" } },
	{ RUNC, PRIVILEGED, MADE, { "faccessat2", "fcntl" } }, /* Go falls back to faccessat */
	{ RUNC, PRIVILEGED_USER, MADE, { "fchown" } },        /* the stdio it hands the user */
	/* Go's runtime in runc's init: memory, preemption signals, its sysmon thread. */
	{ RUNC, ALWAYS, WANTED,
	  { "gettid", "madvise", "mmap", "munmap", "nanosleep", "rt_sigprocmask", "rt_sigreturn", "sched_yield",
	    "sigaltstack", "tgkill" } },
	{ CRUN, ALWAYS, NEEDED, { "execve" } },
	{ CRUN, ALWAYS, MADE, { "close" } },
	{ CRUN, PRIVILEGED, NEEDED,
	  { "capset", "prctl", "rt_sigaction", "rt_sigprocmask", "setresgid", "setresuid", "write" } },
	/* The loader lowers the capability sets it borrowed (capset, prctl) and execs. */
	{ LOADER, ALWAYS, NEEDED, { "capset", "execve", "prctl" } },
	/* It reads them from /proc/self/status (open with musl, openat with glibc), else asks capget. */
	{ LOADER, ALWAYS, MADE, { "close", "fcntl", "fstatfs", "open", "read" } },
	{ LOADER, ALWAYS, WANTED, { "capget", "openat" } },
};

static const char *const installer_names[] = { "runc", "crun", "init", "runc or crun" };

int sh_installer_parse(const char *s, sh_installer *out)
{
	for (int i = SH_INSTALLER_RUNC; i <= SH_INSTALLER_LOADER; i++)
		if (strcmp(s, installer_names[i]) == 0) {
			*out = (sh_installer)i;
			return 0;
		}
	return -1;
}

const char *sh_installer_name(sh_installer i)
{
	return installer_names[i];
}

static bool row_applies(const start_row *r, const sh_start_config *c)
{
	if (!c || !c->known || r->when == ALWAYS)
		return true;
	return !c->no_new_privs && (r->when == PRIVILEGED || c->non_root);
}

/* The rank of `name` among one installer's rows that apply. */
static rank rank_of(const char *name, unsigned installer, const sh_start_config *c)
{
	rank best = NONE;
	for (size_t i = 0; i < SH_ARRAY_SIZE(rows); i++)
		for (size_t k = 0; (rows[i].installers & installer) && row_applies(&rows[i], c) && rows[i].names[k]; k++)
			if (strcmp(rows[i].names[k], name) == 0 && rows[i].rank > best)
				best = rows[i].rank;
	return best;
}

/* ANY_RUNTIME: as needed as it is for the runtime that needs it least; wanted if either calls it. */
static rank call_rank(const char *name, sh_installer i, const sh_start_config *c)
{
	if (i != SH_INSTALLER_ANY_RUNTIME)
		return rank_of(name, 1u << i, c);
	rank a = rank_of(name, RUNC, c), b = rank_of(name, CRUN, c), low = a < b ? a : b;
	return low >= MADE ? low : (a || b) ? WANTED : NONE;
}

static unsigned kinds_of(rank r)
{
	return r >= MADE ? SH_START_NEEDED : r == WANTED ? SH_START_WANTED : 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool listed(const char **v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], name) == 0)
			return true;
	return false;
}

size_t sh_start_calls(sh_installer i, const sh_start_config *c, unsigned kinds, const char **out, size_t max)
{
	size_t n = 0;
	for (size_t r = 0; r < SH_ARRAY_SIZE(rows); r++)
		for (size_t k = 0; rows[r].names[k]; k++) {
			const char *name = rows[r].names[k];
			if (n < max && (kinds_of(call_rank(name, i, c)) & kinds) && !listed(out, n, name))
				out[n++] = name;
		}
	sh_sort(out, n, sizeof(*out), by_name);
	return n;
}

/* Whether the program's answer to the call fails the start: for a needed call any denial, for one
 * made on every start a kill or a trap (an errno is tolerated there, and then only wanted). A call
 * handed to the profile's agent (SCMP_ACT_NOTIFY, on any argument) is the agent's to answer: every
 * installer hands the listener over before the calls of this list (runc's seccomp agent answers
 * runc's own execve, openat, read and close that way), so the profile does not refuse it. */
static unsigned missing_kind(const sh_engine *e, uint32_t arch, int nr, rank r)
{
	sh_seccomp_data d = sh_call_data(arch, nr, NULL);
	sh_answer a = sh_engine_run(e, &d);
	uint32_t act = a.ret & SECCOMP_RET_ACTION_FULL;
	if (!a.by_args && (sh_decision_lets_through(a.ret) || act == SECCOMP_RET_USER_NOTIF))
		return 0;
	bool fatal = act == SECCOMP_RET_KILL_PROCESS || act == SECCOMP_RET_KILL_THREAD || act == SECCOMP_RET_TRAP;
	return r == NEEDED || (r == MADE && fatal) ? SH_START_NEEDED : SH_START_WANTED;
}

size_t sh_start_missing(const sh_engine *e, uint32_t arch, sh_installer i, const sh_start_config *c,
			unsigned kinds, const char **out, size_t max)
{
	const char *calls[64];
	size_t n = sh_start_calls(i, c, SH_START_NEEDED | SH_START_WANTED, calls, SH_ARRAY_SIZE(calls)), k = 0;
	for (size_t j = 0; j < n && k < max; j++) {
		int nr = seccomp_syscall_resolve_name_arch(arch, calls[j]);
		if (nr >= 0 && (missing_kind(e, arch, nr, call_rank(calls[j], i, c)) & kinds))
			out[k++] = calls[j];
	}
	return k;
}

/* "capget, fstatfs and write" */
static void put_names(FILE *f, const char *const *names, size_t n)
{
	for (size_t k = 0; k < n; k++)
		fprintf(f, "%s%s", k == 0 ? "" : k + 1 == n ? " and " : ", ", names[k]);
}

char *sh_start_missing_text(sh_installer i, const char *const *names, size_t n, bool needed)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return sh_xstrdup("?");
	const char *them = n == 1 ? "it" : "them";
	fprintf(f, "%s %s", sh_installer_name(i), needed ? "calls " : "may also call ");
	put_names(f, names, n);
	if (needed)
		fprintf(f, " in the container after it installs the filter, which does not allow %s: the container "
			   "cannot start", them);
	else
		fprintf(f, " there, which the profile does not allow (it tolerates an errno or calls %s only at times)",
			them);
	fprintf(f, "; allow %s (record --for=%s adds %s)", them,
		i == SH_INSTALLER_ANY_RUNTIME ? "runc" : i == SH_INSTALLER_LOADER ? "init" : sh_installer_name(i), them);
	fclose(f);
	return buf;
}

void sh_lint_start_calls(const sh_engine *e, uint32_t arch, sh_installer i, sh_diag *d)
{
	static const struct { sh_start_kind kind; sh_severity sev; const char *code; } kinds[] = {
		{ SH_START_NEEDED, SH_SEV_WARNING, "start-calls-needed" },
		{ SH_START_WANTED, SH_SEV_NOTE, "start-calls-wanted" },
	};
	const sh_profile *p = e->rs->profile;
	for (size_t k = 0; k < SH_ARRAY_SIZE(kinds); k++) {
		const char *missing[64];
		size_t n = sh_start_missing(e, arch, i, NULL, kinds[k].kind, missing, SH_ARRAY_SIZE(missing));
		if (!n)
			continue;
		cleanup_free char *text = sh_start_missing_text(i, missing, n, kinds[k].kind == SH_START_NEEDED);
		sh_diag_add(d, kinds[k].sev, p->file, p->default_loc.line, p->default_loc.col, kinds[k].code, "%s", text);
	}
}

/* What the hooks and the runtime wrapper tell the operator after the fact: every refusal and every
 * warning goes to syslog (which journald reads), with its priority, the container it concerns where
 * that is known, the profile, and the reason. Engines drop or bury what a hook writes on standard
 * error (podman discards a precreate hook's; Docker and containerd read only the runtime's --log
 * file), so syslog is the one place where each of them can always be found. */
#ifndef SH_OPLOG_H
#define SH_OPLOG_H

#include "diag.h"
#include "error.h"

#define SH_OPLOG_IDENT "seccomp-hook"
/* Where to look, as the lines users see say it. */
#define SH_OPLOG_WHERE "syslog: journalctl -t " SH_OPLOG_IDENT

typedef struct sh_oplog {
	const char *who;       /* the front-end: "precreate", "seccomp-hook-runtime create", ... */
	const char *container; /* its id, or NULL where the front-end is not told it */
	const char *profile;   /* the profile chosen, or NULL (none, or not chosen yet) */
} sh_oplog;

/* The syslog priority of a finding of this severity, or -1: notes are not logged. */
int sh_oplog_priority(sh_severity sev);
/* "container=ID profile=NAME WHO: TEXT" ("-" for what is not known); malloc'd. */
char *sh_oplog_line(const sh_oplog *o, const char *text);
/* Each warning (and error) of d, each as one line at its priority. */
void sh_oplog_diag(const sh_oplog *o, const sh_diag *d);
/* The refusal, as the line sh_error_report prints, at LOG_ERR. */
void sh_oplog_error(const sh_oplog *o, const sh_error *err);

#endif

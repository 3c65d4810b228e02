#include "config.h"
#include "oplog.h"
#include "util.h"

#include <syslog.h>

int sh_oplog_priority(sh_severity sev)
{
	static const struct { sh_severity sev; int prio; } table[] = {
		{ SH_SEV_ERROR, LOG_ERR },
		{ SH_SEV_WARNING, LOG_WARNING },
	};
	for (size_t i = 0; i < SH_ARRAY_SIZE(table); i++)
		if (table[i].sev == sev)
			return table[i].prio;
	return -1;
}

char *sh_oplog_line(const sh_oplog *o, const char *text)
{
	return sh_xasprintf("container=%s profile=%s %s: %s", o->container && *o->container ? o->container : "-",
			    o->profile && *o->profile ? o->profile : "-", o->who ? o->who : "seccomp-hook", text);
}

/* One connection per line: a hook or the wrapper logs at most a few lines, and only when something
 * was refused or is worth a warning (a start that goes as planned logs nothing). */
static void emit(int prio, const sh_oplog *o, const char *text)
{
	cleanup_free char *line = sh_oplog_line(o, text);
	openlog(SH_OPLOG_IDENT, LOG_PID, LOG_DAEMON);
	syslog(prio, "%s", line);
	closelog();
}

void sh_oplog_diag(const sh_oplog *o, const sh_diag *d)
{
	for (size_t i = 0; d && i < d->n; i++) {
		int prio = sh_oplog_priority(d->items[i].sev);
		if (prio < 0)
			continue;
		cleanup_free char *text = sh_finding_line(&d->items[i]);
		emit(prio, o, text);
	}
}

void sh_oplog_error(const sh_oplog *o, const sh_error *err)
{
	cleanup_free char *text = sh_error_line(err);
	emit(LOG_ERR, o, text);
}

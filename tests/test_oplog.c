/* The oplog module (oplog.c): the line the hooks and the wrapper write to syslog for the operator,
 * with the container and the profile, and the priority of each severity. */
#include "config.h"

#include <criterion/criterion.h>
#include <syslog.h>

#include "oplog.h"
#include "util.h"

Test(oplog, lines_and_priorities)
{
	sh_oplog o = { .who = "precreate", .container = NULL, .profile = "web" };
	cleanup_free char *a = sh_oplog_line(&o, "seccomp-hook: error: no profile named 'web'");
	cr_expect_str_eq(a, "container=- profile=web precreate: seccomp-hook: error: no profile named 'web'");
	sh_oplog w = { .who = "seccomp-hook-runtime create", .container = "c1" };
	cleanup_free char *b = sh_oplog_line(&w, "x");
	cr_expect_str_eq(b, "container=c1 profile=- seccomp-hook-runtime create: x");
	static const struct { sh_severity sev; int prio; } rows[] = {
		{ SH_SEV_ERROR, LOG_ERR }, { SH_SEV_WARNING, LOG_WARNING }, { SH_SEV_NOTE, -1 },
	};
	for (size_t i = 0; i < SH_ARRAY_SIZE(rows); i++)
		cr_expect_eq(sh_oplog_priority(rows[i].sev), rows[i].prio, "severity %d", rows[i].sev);
}

/* Live denial reports: for each call a notifying report filter (notifyset.h) hands over, a line once
 * per (container, syscall, deciding rule), to syslog and a JSON-lines file, and per-node counts in
 * the Prometheus text format (node_exporter's textfile collector). */
#ifndef SH_REPORT_H
#define SH_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "error.h"
#include "supervise.h"

typedef struct sh_report_opts {
	const char *container; /* the container's id (or exec's own name for the run) */
	bool complain;         /* the calls were let through (mode "complain"), else denied ("enforce") */
	bool syslog;           /* LOG_WARNING lines under the ident "seccomp-hook" */
	FILE *text;            /* a readable line per report here too (may be NULL) */
	const char *jsonl;     /* append one JSON object per report (may be NULL) */
	const char *metrics;   /* rewrite (atomically) with the counts (may be NULL) */
} sh_report_opts;

typedef struct sh_reporter sh_reporter;

/* base: the rule set that decided (borrowed; names the rules). NULL on a failure (in *err). */
sh_reporter *sh_reporter_new(const sh_ruleset *base, const sh_report_opts *o, sh_error **err);
/* An sh_call_fn: ctx is the reporter. */
void sh_reporter_call(void *ctx, const sh_call *c);
/* Write the metrics file now (the reporter also does at most once a second as calls come). */
int sh_reporter_flush(sh_reporter *r, sh_error **err);
void sh_reporter_free(sh_reporter *r);
/* The report log opened for appending: created 0640 if missing; a symlink, FIFO or anything but a
 * regular file is refused without blocking. */
int sh_open_log(const char *path, sh_error **err);
/* How many distinct (syscall, rule) reports, and how many calls, so far. */
void sh_reporter_counts(const sh_reporter *r, size_t *reports, unsigned long long *calls);

/* A label value in the Prometheus text format: backslash, double quote and newline escaped, so that
 * no value (a container's name is its creator's to choose) can end the label or the line. */
void sh_prom_label(FILE *f, const char *v);

#endif

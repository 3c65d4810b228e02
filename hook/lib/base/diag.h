/* Findings (warnings and errors) collected while reading and checking a profile, and their
 * three output formats: GCC-style text, GitHub workflow annotations, JSON. */
#ifndef SH_DIAG_H
#define SH_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "error.h"

typedef enum { SH_SEV_NOTE, SH_SEV_WARNING, SH_SEV_ERROR } sh_severity;

typedef struct sh_finding {
	sh_severity sev;
	char *file;
	unsigned line, col;
	char *code; /* stable machine-readable id, e.g. "unknown-key" */
	char *msg;
} sh_finding;

typedef struct sh_diag {
	sh_finding *items;
	size_t n, cap;
} sh_diag;

typedef enum { SH_FMT_TEXT, SH_FMT_JSON, SH_FMT_GITHUB } sh_diag_format;

void sh_diag_add(sh_diag *d, sh_severity sev, const char *file, unsigned line, unsigned col,
		 const char *code, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* Record a fatal error as an error-level finding. */
void sh_diag_add_error(sh_diag *d, const sh_error *err, const char *code);
size_t sh_diag_count(const sh_diag *d, sh_severity sev);
/* --strict: every warning becomes an error. */
void sh_diag_promote_warnings(sh_diag *d);
void sh_diag_free(sh_diag *d);
int sh_diag_format_parse(const char *s, sh_diag_format *out);

/* A finding as the text format prints it, without the newline: "FILE:LINE:COL: warning: MSG". */
char *sh_finding_line(const sh_finding *f);
/* Text and github print one line per finding; json prints one array (call once for everything). */
void sh_diag_print(const sh_diag *d, sh_diag_format fmt, FILE *out);

#endif

/* Error values in the style of crun: fallible functions take `sh_error **err`, return < 0 on
 * failure, and callers add context on the way up. Only main() prints. */
#ifndef SH_ERROR_H
#define SH_ERROR_H

#include <stdarg.h>

/* Exit statuses of the command-line contract. */
enum {
	SH_EXIT_OK = 0,
	SH_EXIT_INVALID = 1, /* profile, config or policy invalid or refused */
	SH_EXIT_SYSTEM = 2,  /* usage error or operating-system failure */
};

typedef struct sh_error {
	int status;   /* SH_EXIT_INVALID or SH_EXIT_SYSTEM */
	char *file;   /* file the problem is in, or NULL */
	unsigned line, col; /* 1-based; 0 when unknown */
	char *msg;
} sh_error;

/* Set *err (if err is not NULL and *err is NULL) and return -1. */
int sh_error_set(sh_error **err, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Same, at a location in a file. */
int sh_error_at(sh_error **err, int status, const char *file, unsigned line, unsigned col,
		const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* As sh_error_set, appending ": strerror(errnum)". */
int sh_error_errno(sh_error **err, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prepend "PREFIX: " to the message of an existing error; returns -1. */
int sh_error_prefix(sh_error **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Attach a file name (and position if not yet known) to an error. */
void sh_error_locate(sh_error *err, const char *file, unsigned line, unsigned col);
void sh_error_free(sh_error *err);
/* The line sh_error_report prints, without the newline (malloc'd). */
char *sh_error_line(const sh_error *err);
/* "FILE:LINE:COL: error: MSG" or "seccomp-hook: error: MSG", one line, to stderr; returns err->status. */
int sh_error_report(sh_error *err);

static inline void sh_errorp(sh_error **e) { sh_error_free(*e); }
#define cleanup_error __attribute__((cleanup(sh_errorp)))

#endif

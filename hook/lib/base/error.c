#include "config.h"
#include "error.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static int set_va(sh_error **err, int status, const char *file, unsigned line, unsigned col,
		  const char *fmt, va_list ap)
{
	if (!err || *err)
		return -1;
	sh_error *e = sh_xcalloc(1, sizeof(*e));
	e->status = status;
	e->file = file ? sh_xstrdup(file) : NULL;
	e->line = line;
	e->col = col;
	if (vasprintf(&e->msg, fmt, ap) < 0)
		e->msg = sh_xstrdup("(out of memory formatting an error)");
	*err = e;
	return -1;
}

int sh_error_set(sh_error **err, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_va(err, status, NULL, 0, 0, fmt, ap);
	va_end(ap);
	return -1;
}

int sh_error_at(sh_error **err, int status, const char *file, unsigned line, unsigned col,
		const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_va(err, status, file, line, col, fmt, ap);
	va_end(ap);
	return -1;
}

int sh_error_errno(sh_error **err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cleanup_free char *m = sh_xvasprintf(fmt, ap);
	va_end(ap);
	return sh_error_set(err, SH_EXIT_SYSTEM, "%s: %s", m, strerror(errnum));
}

int sh_error_prefix(sh_error **err, const char *fmt, ...)
{
	if (!err || !*err)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	cleanup_free char *p = sh_xvasprintf(fmt, ap);
	va_end(ap);
	char *n = sh_xasprintf("%s: %s", p, (*err)->msg);
	free((*err)->msg);
	(*err)->msg = n;
	return -1;
}

void sh_error_locate(sh_error *err, const char *file, unsigned line, unsigned col)
{
	if (!err)
		return;
	if (!err->file && file)
		err->file = sh_xstrdup(file);
	if (!err->line) {
		err->line = line;
		err->col = col;
	}
}

void sh_error_free(sh_error *err)
{
	if (!err)
		return;
	free(err->file);
	free(err->msg);
	free(err);
}

char *sh_error_line(const sh_error *err)
{
	if (!err)
		return sh_xstrdup("seccomp-hook: error: unknown failure");
	if (err->file && err->line)
		return sh_xasprintf("%s:%u:%u: error: %s", err->file, err->line, err->col, err->msg);
	if (err->file)
		return sh_xasprintf("%s: error: %s", err->file, err->msg);
	return sh_xasprintf("seccomp-hook: error: %s", err->msg);
}

int sh_error_report(sh_error *err)
{
	char *line = sh_error_line(err);
	fprintf(stderr, "%s\n", line);
	free(line);
	return err && err->status ? err->status : SH_EXIT_SYSTEM;
}

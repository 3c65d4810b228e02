/* Linked into seccomp-hook only when it is built against musl (configure --with-hook-libc).
 *
 * Debian ships static libseccomp and yajl compiled against glibc with _FORTIFY_SOURCE, so their
 * objects call glibc's checked variants of a few functions, which musl does not have. Everything
 * else they use from libc (malloc, the string functions, errno through __errno_location, FILE
 * pointers they only hand back to stdio, syscall, prctl, ioctl) has the same ABI in musl, and
 * configure runs a libseccomp + yajl round trip with this file before it picks musl.
 *
 * These keep the checks: a size over the destination's known size aborts, as glibc's do. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int __fprintf_chk(FILE *f, int flag, const char *fmt, ...);
int __snprintf_chk(char *s, size_t maxlen, int flag, size_t slen, const char *fmt, ...);
int __sprintf_chk(char *s, int flag, size_t slen, const char *fmt, ...);
void *__memcpy_chk(void *dst, const void *src, size_t n, size_t dstlen);

int __fprintf_chk(FILE *f, int flag, const char *fmt, ...)
{
	(void)flag;
	va_list ap;
	va_start(ap, fmt);
	int r = vfprintf(f, fmt, ap);
	va_end(ap);
	return r;
}

int __snprintf_chk(char *s, size_t maxlen, int flag, size_t slen, const char *fmt, ...)
{
	(void)flag;
	if (maxlen > slen)
		abort();
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(s, maxlen, fmt, ap);
	va_end(ap);
	return r;
}

int __sprintf_chk(char *s, int flag, size_t slen, const char *fmt, ...)
{
	(void)flag;
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(s, slen, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= slen)
		abort(); /* glibc's would have overflowed s: it aborts too */
	return r;
}

void *__memcpy_chk(void *dst, const void *src, size_t n, size_t dstlen)
{
	if (n > dstlen)
		abort();
	return memcpy(dst, src, n);
}

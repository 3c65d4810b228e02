/* Small helpers shared by every module: scope-bound cleanup and ownership transfer. */
#ifndef SH_UTIL_H
#define SH_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

/* Free/close the variable when it leaves scope; pair with steal_pointer() to hand ownership on. */
static inline void sh_freep(void *p) { free(*(void **)p); }
static inline void sh_closep(int *fd) { if (*fd >= 0) close(*fd); }
#define cleanup_free __attribute__((cleanup(sh_freep)))
#define cleanup_close __attribute__((cleanup(sh_closep)))

static inline void *sh_steal(void *pp)
{
	void **p = pp;
	void *v = *p;
	*p = NULL;
	return v;
}
#define steal_pointer(pp) sh_steal(pp)

#define SH_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation failure is not recoverable for a short-lived CLI: abort loudly rather than run on. */
void *sh_xmalloc(size_t n);
void *sh_xcalloc(size_t n, size_t size);
void *sh_xrealloc(void *p, size_t n);
void *sh_xreallocarray(void *p, size_t n, size_t size);
char *sh_xstrdup(const char *s);
char *sh_xstrndup(const char *s, size_t n);
char *sh_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *sh_xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Grow *items (of *cap elements of size sz) so it can hold at least n+1 elements. */
void sh_grow(void *items, size_t *cap, size_t n, size_t sz);
/* qsort for arrays that may be empty: an empty array may have no storage at all, and qsort's pointer
 * must not be NULL even when n is 0. */
void sh_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));
/* Sort p ascending and drop repeats; returns how many are left. */
size_t sh_u32_sort_unique(uint32_t *p, size_t n);

/* PATH lookup as execvp does it (a name with a slash is itself; no PATH: /usr/local/sbin:...:/bin):
 * the first executable candidate, or NULL. Caller frees. */
/* runc's and crun's search path when the environment has no PATH. */
#define SH_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
char *sh_path_lookup(const char *name);

/* pidfd_open(2) and pidfd_send_signal(2), which older C libraries have no numbers for. */
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

/* A wait status as a shell reports it: the exit code, or 128+N for signal N. */
int sh_wait_exit_code(int status);

/* Split "a,b,c" into a NULL-terminated vector; empty fields are dropped. */
char **sh_split_commas(const char *s, size_t *count);
void sh_strv_free(char **v);

bool sh_parse_u64(const char *s, size_t len, uint64_t *out);

/* Standard base64 (RFC 4648, with padding) of len bytes, NUL-terminated. */
char *sh_base64(const void *data, size_t len);

struct sh_error;
/* write(2) all of it, retrying on EINTR; -1 with errno on failure. */
int sh_write_all(int fd, const void *data, size_t len);
/* Write `len` bytes to path via a temporary file in the same directory, fsync and rename(2), so
 * readers see the old file or the whole new one, never a part. "-" writes to stdout; a device, pipe
 * or socket (-o /dev/null) is written to, not replaced. */
int sh_write_file_atomic(const char *path, const void *buf, size_t len, unsigned mode, struct sh_error **err);
/* The same; durable=false skips fsync, for files whose readers verify the content anyway. */
int sh_write_file_replace(const char *path, const void *buf, size_t len, unsigned mode, bool durable,
			  struct sh_error **err);

#endif

#include "config.h"
#include "util.h"
#include "error.h"

#include <errno.h>
#include <time.h>
#include <sys/file.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdlib.h>

static void oom(void)
{
	fputs("seccomp-hook: error: out of memory\n", stderr);
	abort();
}

void *sh_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *sh_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *sh_xrealloc(void *p, size_t n)
{
	void *r = realloc(p, n ? n : 1);
	if (!r)
		oom();
	return r;
}

void *sh_xreallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		oom();
	return sh_xrealloc(p, n * size);
}

char *sh_xstrdup(const char *s)
{
	char *r = strdup(s);
	if (!r)
		oom();
	return r;
}

char *sh_xstrndup(const char *s, size_t n)
{
	char *r = strndup(s, n);
	if (!r)
		oom();
	return r;
}

char *sh_xvasprintf(const char *fmt, va_list ap)
{
	char *r = NULL;
	if (vasprintf(&r, fmt, ap) < 0)
		oom();
	return r;
}

char *sh_xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *r = sh_xvasprintf(fmt, ap);
	va_end(ap);
	return r;
}

void sh_grow(void *items, size_t *cap, size_t n, size_t sz)
{
	void **p = items;
	if (n < *cap)
		return;
	size_t ncap = *cap ? *cap * 2 : 8;
	while (ncap <= n)
		ncap *= 2;
	*p = sh_xreallocarray(*p, ncap, sz);
	*cap = ncap;
}

char **sh_split_commas(const char *s, size_t *count)
{
	size_t n = 0, cap = 0;
	char **v = NULL;
	const char *p = s;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len) {
			sh_grow(&v, &cap, n + 1, sizeof(*v));
			v[n++] = sh_xstrndup(p, len);
		}
		p += len + (e ? 1 : 0);
	}
	sh_grow(&v, &cap, n + 1, sizeof(*v));
	v[n] = NULL;
	if (count)
		*count = n;
	return v;
}

void sh_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

/* Decimal (or 0x hex) text to uint64 without going through a signed type: values up to 2^64-1. */
bool sh_parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;
	size_t i = 0;
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i >= len)
		return false;
	for (; i < len; i++) {
		unsigned d;
		char c = s[i];
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

int sh_write_all(int fd, const void *data, size_t len)
{
	const char *buf = data;
	while (len) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

int sh_write_file_atomic(const char *path, const void *buf, size_t len, unsigned mode, sh_error **err)
{
	return sh_write_file_replace(path, buf, len, mode, true, err);
}

/* One of path's temporary files, unlocked and a few seconds old (a writer takes its lock right after
 * creating it), left by a writer that was killed: removed. */
static void remove_if_stale(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() && time(NULL) - st.st_mtime >= 2 &&
	    flock(fd, LOCK_EX | LOCK_NB) == 0)
		unlinkat(dfd, name, 0);
	close(fd);
}

static void remove_stale_temps(const char *path)
{
	const char *slash = strrchr(path, '/');
	cleanup_free char *dir = slash ? sh_xstrndup(path, (size_t)(slash - path) + (slash == path)) : sh_xstrdup(".");
	cleanup_free char *prefix = sh_xasprintf("%s.tmp.", slash ? slash + 1 : path);
	size_t plen = strlen(prefix);
	DIR *d = opendir(dir);
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));)
		if (strncmp(e->d_name, prefix, plen) == 0 && strlen(e->d_name) == plen + 6)
			remove_if_stale(dirfd(d), e->d_name);
	closedir(d);
}

/* A device, pipe or socket at path is written to, as a shell's redirection writes to it: replacing
 * it with a file would take /dev/null from everyone else on the machine. */
static int write_special(const char *path, const void *buf, size_t len, sh_error **err)
{
	cleanup_close int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return sh_error_errno(err, errno, "%s", path);
	if (sh_write_all(fd, buf, len) < 0)
		return sh_error_errno(err, errno, "%s: write", path);
	return 0;
}

int sh_write_file_replace(const char *path, const void *buf, size_t len, unsigned mode, bool durable, sh_error **err)
{
	if (strcmp(path, "-") == 0) {
		if (sh_write_all(1, buf, len) < 0)
			return sh_error_errno(err, errno, "write to standard output");
		return 0;
	}
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return write_special(path, buf, len, err);
	remove_stale_temps(path);
	cleanup_free char *tmp = sh_xasprintf("%s.tmp.XXXXXX", path);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return sh_error_errno(err, errno, "%s: cannot create a temporary file", path);
	/* Held until the rename: a temporary file nobody holds a lock on was left by a killed writer. */
	flock(fd, LOCK_EX);
	if (sh_write_all(fd, buf, len) < 0 || fchmod(fd, mode) < 0 || (durable && fsync(fd) < 0)) {
		int e = errno;
		close(fd);
		unlink(tmp);
		return sh_error_errno(err, e, "%s: write", tmp);
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return sh_error_errno(err, e, "%s: rename", path);
	}
	return 0;
}


char *sh_base64(const void *data, size_t len)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *in = data;
	char *out = sh_xmalloc((len + 2) / 3 * 4 + 1), *o = out;
	size_t i = 0;
	for (; len - i >= 3; i += 3, o += 4) { /* whole groups without a test per byte */
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		o[0] = alphabet[v >> 18];
		o[1] = alphabet[(v >> 12) & 63];
		o[2] = alphabet[(v >> 6) & 63];
		o[3] = alphabet[v & 63];
	}
	if (i < len) { /* one or two bytes left: padded */
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0);
		*o++ = alphabet[v >> 18];
		*o++ = alphabet[(v >> 12) & 63];
		*o++ = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	*o = 0;
	return out;
}

char *sh_path_lookup(const char *name)
{
	if (strchr(name, '/'))
		return sh_xstrdup(name);
	const char *path = getenv("PATH");
	for (const char *p = path ? path : SH_DEFAULT_PATH; *p;) {
		size_t n = strcspn(p, ":");
		char *cand = sh_xasprintf("%.*s/%s", (int)n, n ? p : ".", name);
		if (access(cand, X_OK) == 0)
			return cand;
		free(cand);
		p += n + (p[n] == ':');
	}
	return NULL;
}

int sh_wait_exit_code(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

void sh_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

size_t sh_u32_sort_unique(uint32_t *p, size_t n)
{
	if (!n)
		return 0;
	sh_sort(p, n, sizeof(*p), cmp_u32);
	size_t k = 1;
	for (size_t i = 1; i < n; i++)
		if (p[i] != p[k - 1])
			p[k++] = p[i];
	return k;
}

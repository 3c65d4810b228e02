#include "config.h"
#include "loaderstore.h"
#include "sha256.h"
#include "trust.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <unistd.h>

/* The names the container sees under SH_INIT_DIR: the loader, and the place the program is bound. */
#define COPY_NAME "init"
#define PROGRAM_NAME "filter.bpf"
#define OVERLAY_NAME "overlay.bpf"

static char *stamp_of(const struct stat *st)
{
	char text[160], hex[65];
	snprintf(text, sizeof text, "%ju %ju %jd %jd.%09ld %jd.%09ld", (uintmax_t)st->st_dev, (uintmax_t)st->st_ino,
		 (intmax_t)st->st_size, (intmax_t)st->st_mtim.tv_sec, st->st_mtim.tv_nsec, (intmax_t)st->st_ctim.tv_sec,
		 st->st_ctim.tv_nsec);
	sh_sha256_hex(text, strlen(text), hex);
	hex[16] = '\0';
	return sh_xstrdup(hex);
}

static int trusted_source(const char *source, struct stat *st, sh_error **err)
{
	if (sh_trust_file(source, "init loader", err) < 0)
		return -1;
	if (stat(source, st) < 0)
		return sh_error_errno(err, errno, "init loader %s", source);
	if (!S_ISREG(st->st_mode))
		return sh_error_set(err, SH_EXIT_SYSTEM, "init loader %s: not a regular file", source);
	return 0;
}

/* An empty regular file at DIR/NAME: a place a program is bound over. */
static bool is_place(const char *dir, const char *name)
{
	struct stat st;
	cleanup_free char *path = sh_xasprintf("%s/%s", dir, name);
	return lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0;
}

/* A read-only tmpfs mounted at dir (not the directory it is in) holding the copy, of the source's
 * size, and the programs' places (a store made before overlays had one place: made again). */
static bool is_ready(const sh_loader_copy *c, off_t size)
{
	struct statfs fs;
	struct stat d, parent, f;
	cleanup_free char *up = sh_xasprintf("%s/..", c->dir);
	if (statfs(c->dir, &fs) < 0 || fs.f_type != TMPFS_MAGIC || !(fs.f_flags & ST_RDONLY))
		return false;
	if (stat(c->dir, &d) < 0 || stat(up, &parent) < 0 || d.st_dev == parent.st_dev)
		return false;
	return lstat(c->path, &f) == 0 && S_ISREG(f.st_mode) && f.st_uid == 0 && f.st_size == size &&
	       !(f.st_mode & 0222) && is_place(c->dir, PROGRAM_NAME) && is_place(c->dir, OVERLAY_NAME);
}

int sh_loader_copy_find(const char *store, const char *source, sh_loader_copy *c, sh_error **err)
{
	struct stat st;
	memset(c, 0, sizeof(*c));
	if (trusted_source(source, &st, err) < 0)
		return -1;
	cleanup_free char *stamp = stamp_of(&st);
	c->source = sh_xstrdup(source);
	c->dir = sh_xasprintf("%s/%s", store, stamp);
	c->path = sh_xasprintf("%s/%s", c->dir, COPY_NAME);
	c->ready = is_ready(c, st.st_size);
	return 0;
}

void sh_loader_copy_free(sh_loader_copy *c)
{
	free(c->source);
	free(c->dir);
	free(c->path);
	memset(c, 0, sizeof(*c));
}

static int mkdirs(const char *path, mode_t mode, sh_error **err)
{
	cleanup_free char *p = sh_xstrdup(path);
	for (char *s = p + 1;; s++) {
		bool last = *s == '\0';
		if (*s != '/' && !last)
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return sh_error_errno(err, errno, "%s", p);
		if (last)
			return 0;
		*s = '/';
	}
}

/* The source's bytes into the copy, checking it is still the file the stamp was made of. */
static int copy_file(const sh_loader_copy *c, sh_error **err)
{
	cleanup_close int in = open(c->source, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct stat st;
	if (in < 0 || fstat(in, &st) < 0)
		return sh_error_errno(err, errno, "init loader %s", c->source);
	cleanup_free char *stamp = stamp_of(&st);
	if (!S_ISREG(st.st_mode) || strncmp(c->dir + strlen(c->dir) - 16, stamp, 16) != 0)
		return sh_error_set(err, SH_EXIT_SYSTEM, "init loader %s changed while it was copied", c->source);
	cleanup_close int out = open(c->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0555);
	if (out < 0)
		return sh_error_errno(err, errno, "%s", c->path);
	char buf[65536];
	for (off_t done = 0; done < st.st_size;) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n <= 0)
			return sh_error_errno(err, n < 0 ? errno : EIO, "init loader %s", c->source);
		if (sh_write_all(out, buf, (size_t)n) < 0)
			return sh_error_errno(err, errno, "%s", c->path);
		done += n;
	}
	if (fchmod(out, 0555) < 0)
		return sh_error_errno(err, errno, "%s", c->path);
	static const char *const places[] = { PROGRAM_NAME, OVERLAY_NAME };
	for (size_t i = 0; i < SH_ARRAY_SIZE(places); i++) {
		cleanup_free char *program = sh_xasprintf("%s/%s", c->dir, places[i]);
		cleanup_close int place = open(program, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444);
		if (place < 0)
			return sh_error_errno(err, errno, "%s", program);
	}
	return 0;
}

static int mount_copy(const sh_loader_copy *c, off_t size, sh_error **err)
{
	/* What an earlier, interrupted attempt left mounted here is not trusted: replaced. */
	umount2(c->dir, MNT_DETACH);
	cleanup_free char *opts = sh_xasprintf("mode=0755,size=%jdk,nr_inodes=8", (intmax_t)(size / 1024 + 64));
	if (mount("tmpfs", c->dir, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
		return sh_error_errno(err, errno, "mount a tmpfs at %s for the init loader's copy", c->dir);
	if (copy_file(c, err) < 0 ||
	    mount(NULL, c->dir, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0) {
		int e = errno;
		umount2(c->dir, MNT_DETACH);
		return err && *err ? -1 : sh_error_errno(err, e, "remount %s read-only", c->dir);
	}
	return 0;
}

int sh_loader_copy_make(sh_loader_copy *c, sh_error **err)
{
	struct stat st;
	if (c->ready)
		return 0;
	cleanup_free char *store = sh_xstrdup(c->dir);
	*strrchr(store, '/') = '\0';
	if (mkdirs(store, 0755, err) < 0 || sh_trust_dir(store, "init loader store", err) < 0)
		return -1;
	cleanup_free char *lock = sh_xasprintf("%s/.lock", store);
	cleanup_close int lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lfd < 0 || flock(lfd, LOCK_EX) < 0)
		return sh_error_errno(err, errno, "%s", lock);
	if (stat(c->source, &st) < 0)
		return sh_error_errno(err, errno, "init loader %s", c->source);
	c->ready = is_ready(c, st.st_size); /* another start may have made it meanwhile */
	if (c->ready)
		return 0;
	if (mkdir(c->dir, 0755) < 0 && errno != EEXIST)
		return sh_error_errno(err, errno, "%s", c->dir);
	if (mount_copy(c, st.st_size, err) < 0)
		return -1;
	c->ready = is_ready(c, st.st_size);
	return c->ready ? 0 : sh_error_set(err, SH_EXIT_SYSTEM, "%s: not a read-only copy after it was made", c->path);
}

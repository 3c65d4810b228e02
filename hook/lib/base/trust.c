#include "config.h"
#include "trust.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool owned_by_us(const struct stat *st)
{
	return st->st_uid == 0 || st->st_uid == geteuid();
}

static int refuse(sh_error **err, const char *what, const char *path, const struct stat *st, const char *why)
{
	return sh_error_set(err, SH_EXIT_INVALID, "%s %s: %s (owner uid %u, mode %04o); refusing it", what, path, why,
			    (unsigned)st->st_uid, (unsigned)(st->st_mode & 07777));
}

int sh_trust_entry(const char *path, const char *what, sh_error **err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : sh_error_errno(err, errno, "%s %s", what, path);
	if (!owned_by_us(&st))
		return refuse(err, what, path, &st, "not owned by root or the hook's user");
	if (!S_ISLNK(st.st_mode) && (st.st_mode & (S_IWGRP | S_IWOTH)))
		return refuse(err, what, path, &st, "writable by group or others");
	return 0;
}

/* Each parent of an absolute path, from the closest up to "/". */
static int trust_parents(const char *abs, const char *what, sh_error **err)
{
	cleanup_free char *p = sh_xstrdup(abs);
	for (char *slash = strrchr(p, '/'); slash; slash = strrchr(p, '/')) {
		*slash = '\0';
		const char *dir = *p ? p : "/";
		struct stat st;
		if (stat(dir, &st) < 0)
			return sh_error_errno(err, errno, "%s %s", what, dir);
		if (!owned_by_us(&st))
			return refuse(err, what, dir, &st, "a parent directory not owned by root or the hook's user");
		if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
			return refuse(err, what, dir, &st, "a parent directory writable by group or others, not sticky");
		if (!*p)
			break;
	}
	return 0;
}

int sh_trust_dir(const char *dir, const char *what, sh_error **err)
{
	if (sh_trust_entry(dir, what, err) < 0) /* a symbolic link itself, or the directory */
		return -1;
	cleanup_free char *abs = realpath(dir, NULL);
	if (!abs)
		return errno == ENOENT ? 0 : sh_error_errno(err, errno, "%s %s", what, dir);
	return sh_trust_entry(abs, what, err) < 0 ? -1 : trust_parents(abs, what, err);
}

/* Each directory and link a path is written through, from "/" (not resolved): whoever owns one, or
 * may write a directory that is not sticky, can make the path name something else. */
static int trust_as_written(const char *path, const char *what, sh_error **err)
{
	cleanup_free char *cwd = path[0] == '/' ? NULL : getcwd(NULL, 0);
	cleanup_free char *abs = path[0] == '/' ? sh_xstrdup(path) : sh_xasprintf("%s/%s", cwd ? cwd : "", path);
	for (char *slash = strchr(abs + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		struct stat st;
		int r = lstat(abs, &st);
		if (r == 0 && !owned_by_us(&st))
			r = refuse(err, what, abs, &st, "a directory or link on its path not owned by root or the hook's user");
		else if (r == 0 && S_ISDIR(st.st_mode) && (st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
			r = refuse(err, what, abs, &st, "a directory on its path writable by group or others, not sticky");
		else if (r < 0)
			r = sh_error_errno(err, errno, "%s %s", what, abs);
		*slash = '/';
		if (r < 0)
			return -1;
	}
	return 0;
}

int sh_trust_file(const char *path, const char *what, sh_error **err)
{
	cleanup_free char *abs = realpath(path, NULL);
	if (!abs)
		return sh_error_errno(err, errno, "%s %s", what, path);
	cleanup_free char *dir = sh_xstrdup(abs);
	*strrchr(dir, '/') = '\0';
	cleanup_free char *dirwhat = sh_xasprintf("%s's directory", what);
	if (trust_as_written(path, what, err) < 0 || sh_trust_dir(*dir ? dir : "/", dirwhat, err) < 0)
		return -1;
	return sh_trust_entry(path, what, err) < 0 ? -1 : sh_trust_entry(abs, what, err);
}

#include "config.h"
#include "lookup.h"
#include "trust.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>


bool sh_profile_name_valid(const char *name)
{
	static const char first[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	size_t n = strlen(name);
	if (n == 0 || n > SH_NAME_MAX || !strchr(first, name[0]))
		return false;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* DIR/NAME.json. A regular file there is used by that path (a valid name has no '/' and does not
 * start with '.', so it names an entry of DIR itself); anything else is resolved, and its canonical
 * path must lie directly inside DIR's: no symlink escape. 1: not there (try the next directory). */
static int find_in(const char *name, const char *dir, char **path, sh_error **err)
{
	cleanup_free char *file = sh_xasprintf("%s/%s.json", dir, name);
	struct stat st;
	if (lstat(file, &st) < 0)
		return errno == ENOENT ? 1 : sh_error_errno(err, errno, "%s", file);
	if (S_ISREG(st.st_mode)) {
		*path = steal_pointer(&file);
		return 0;
	}
	cleanup_free char *rdir = realpath(dir, NULL);
	if (!rdir)
		return errno == ENOENT ? 1 : sh_error_errno(err, errno, "profiles directory %s", dir);
	cleanup_free char *rfile = realpath(file, NULL);
	if (!rfile)
		return errno == ENOENT ? 1 : sh_error_errno(err, errno, "%s", file);
	size_t dl = strlen(rdir);
	if (strncmp(rfile, rdir, dl) != 0 || rfile[dl] != '/' || strchr(rfile + dl + 1, '/'))
		return sh_error_set(err, SH_EXIT_INVALID, "profile '%s' resolves outside %s (to %s)", name, rdir, rfile);
	*path = steal_pointer(&rfile);
	return 0;
}

int sh_profile_find(const char *name, const char *dir, char **path, sh_error **err)
{
	if (!sh_profile_name_valid(name))
		return sh_error_set(err, SH_EXIT_INVALID,
				    "invalid profile name '%.64s%s' (allowed: [A-Za-z0-9][A-Za-z0-9._-]*, at most %d characters)",
				    name, strlen(name) > 64 ? "..." : "", SH_NAME_MAX);
	const char *dirs[] = { dir, dir ? NULL : SH_SYSCONFDIR "/profiles", dir ? NULL : SH_DATADIR "/profiles" };
	for (size_t i = 0; i < SH_ARRAY_SIZE(dirs); i++) {
		if (!dirs[i])
			continue;
		int r = find_in(name, dirs[i], path, err);
		if (r < 0)
			return r;
		/* Whoever could write the directory or the file could choose the profile. */
		if (r == 0 && (sh_trust_dir(dirs[i], "profiles directory", err) < 0 ||
			       sh_trust_entry(*path, "profile", err) < 0)) {
			free(steal_pointer(path));
			return -1;
		}
		if (r == 0)
			return 0;
	}
	if (dir)
		return sh_error_set(err, SH_EXIT_INVALID, "no profile named '%s' in %s", name, dir);
	return sh_error_set(err, SH_EXIT_INVALID, "no profile named '%s' in %s/profiles or %s/profiles", name,
			    SH_SYSCONFDIR, SH_DATADIR);
}

int sh_profile_arg(const char *arg, const char *dir, char **path, sh_error **err)
{
	size_t n = strlen(arg);
	if (strchr(arg, '/') || (n > 5 && strcmp(arg + n - 5, ".json") == 0)) {
		*path = sh_xstrdup(arg);
		return 0;
	}
	return sh_profile_find(arg, dir, path, err);
}

/* The files module (trust.c, lookup.c): which directories and files may decide what a container
 * runs, and how a profile NAME finds its file. Rows of (what is on disk) -> (trusted or the reason it
 * is not), built in a private directory under /tmp. The rows that need an entry owned by someone
 * else than the test run as root (as make check runs in CI). */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lookup.h"
#include "trust.h"
#include "testutil.h"
#include "util.h"

enum { NOBODY = 65534 };

/* What a row puts on disk under the private directory before it asks. */
typedef enum { MAKE_DIR, MAKE_FILE, MAKE_LINK } make_kind;

typedef struct entry {
	make_kind kind;
	const char *path;   /* under the private directory */
	mode_t mode;        /* chmod after creating (not for links) */
	uid_t owner;        /* chown (lchown for links) when not 0 */
	const char *target; /* MAKE_LINK: what the link points to (as written) */
} entry;

static char base[] = "/tmp/sh-files-XXXXXX";

static void setup_dir(void)
{
	cr_assert_not_null(mkdtemp(base));
	cr_assert_eq(chmod(base, 0755), 0);
}

static void teardown_dir(void)
{
	cr_assert_eq(sh_test_remove_tree(base), 0);
}

static char *at(const char *rel)
{
	return sh_xasprintf("%s/%s", base, rel);
}

static void make(const entry *e)
{
	cleanup_free char *p = at(e->path);
	int r = 0;
	if (e->kind == MAKE_DIR)
		r = mkdir(p, 0700);
	else if (e->kind == MAKE_FILE)
		r = close(open(p, O_WRONLY | O_CREAT | O_EXCL, 0600));
	else
		r = symlink(e->target, p);
	cr_assert_eq(r, 0, "%s: %s", p, strerror(errno));
	if (e->kind != MAKE_LINK)
		cr_assert_eq(chmod(p, e->mode), 0);
	if (e->owner)
		cr_assert_eq(lchown(p, e->owner, (gid_t)-1), 0, "%s: %s", p, strerror(errno));
}

/* A row: the entries made, then the call asked of `path`; NULL `refused`: trusted. */
typedef enum { ASK_DIR, ASK_ENTRY, ASK_FILE } ask_kind;

typedef struct trust_row {
	const char *name;
	entry made[3];
	ask_kind ask;
	const char *path;
	const char *refused; /* a part of the error the call must give */
	bool foreign;        /* needs an owner other than the test's: root only */
} trust_row;

static const trust_row trust_rows[] = {
	{ "a root directory 0755", { { .kind = MAKE_DIR, .path = "d", .mode = 0755 } }, ASK_DIR, "d", NULL, false },
	{ "a group-writable directory", { { .kind = MAKE_DIR, .path = "d", .mode = 0775 } }, ASK_DIR, "d", "writable by group or others", false },
	{ "a world-writable directory", { { .kind = MAKE_DIR, .path = "d", .mode = 0757 } }, ASK_DIR, "d", "writable by group or others", false },
	{ "a sticky world-writable directory itself", { { .kind = MAKE_DIR, .path = "d", .mode = 01777 } }, ASK_DIR, "d",
	  "writable by group or others", false },
	{ "a missing directory", { { .path = NULL } }, ASK_DIR, "none", NULL, false },
	{ "a directory under a world-writable parent",
	  { { .kind = MAKE_DIR, .path = "p", .mode = 0777 }, { .kind = MAKE_DIR, .path = "p/d", .mode = 0755 } },
	  ASK_DIR,
	  "p/d",
	  "a parent directory writable by group or others, not sticky",
	  false },
	{ "a directory under a sticky parent", { { .kind = MAKE_DIR, .path = "p", .mode = 01777 }, { .kind = MAKE_DIR, .path = "p/d", .mode = 0755 } }, ASK_DIR, "p/d", NULL,
	  false },
	{ "a directory through a link to a writable one",
	  { { .kind = MAKE_DIR, .path = "w", .mode = 0777 }, { .kind = MAKE_LINK, .path = "l", .target = "w" } },
	  ASK_DIR,
	  "l",
	  "writable by group or others",
	  false },
	{ "a directory of another user", { { .kind = MAKE_DIR, .path = "d", .mode = 0755, .owner = NOBODY } }, ASK_DIR, "d",
	  "not owned by root or the hook's user", true },
	{ "a directory under another user's parent",
	  { { .kind = MAKE_DIR, .path = "p", .mode = 0755, .owner = NOBODY }, { .kind = MAKE_DIR, .path = "p/d", .mode = 0755 } },
	  ASK_DIR,
	  "p/d",
	  "a parent directory not owned by root or the hook's user",
	  true },
	{ "a file 0644", { { .kind = MAKE_FILE, .path = "f", .mode = 0644 } }, ASK_ENTRY, "f", NULL, false },
	{ "a group-writable file", { { .kind = MAKE_FILE, .path = "f", .mode = 0664 } }, ASK_ENTRY, "f", "writable by group or others", false },
	{ "a link (its mode is not asked)", { { .kind = MAKE_LINK, .path = "l", .target = "anything" } }, ASK_ENTRY, "l", NULL, false },
	{ "a missing entry", { { .path = NULL } }, ASK_ENTRY, "none", NULL, false },
	{ "another user's link", { { .kind = MAKE_LINK, .path = "l", .owner = NOBODY, .target = "anything" } }, ASK_ENTRY, "l",
	  "not owned by root or the hook's user", true },
	{ "a file decides: 0755", { { .kind = MAKE_FILE, .path = "f", .mode = 0755 } }, ASK_FILE, "f", NULL, false },
	{ "a file decides: missing", { { .path = NULL } }, ASK_FILE, "none", "No such file", false },
	{ "a file decides: writable by others", { { .kind = MAKE_FILE, .path = "f", .mode = 0757 } }, ASK_FILE, "f", "writable by group or others",
	  false },
	{ "a file decides: through a link to a writable file",
	  { { .kind = MAKE_FILE, .path = "f", .mode = 0666 }, { .kind = MAKE_LINK, .path = "l", .target = "f" } },
	  ASK_FILE,
	  "l",
	  "writable by group or others",
	  false },
	{ "a file decides: in a world-writable directory",
	  { { .kind = MAKE_DIR, .path = "p", .mode = 0777 }, { .kind = MAKE_FILE, .path = "p/f", .mode = 0755 } },
	  ASK_FILE,
	  "p/f",
	  "writable by group or others, not sticky",
	  false },
	{ "a file decides: through another user's link",
	  { { .kind = MAKE_FILE, .path = "f", .mode = 0755 }, { .kind = MAKE_LINK, .path = "l", .owner = NOBODY, .target = "f" } },
	  ASK_FILE,
	  "l",
	  "not owned by root or the hook's user",
	  true },
};

Test(trust, rows, .init = setup_dir, .fini = teardown_dir)
{
	size_t asked = 0;
	for (size_t i = 0; i < SH_ARRAY_SIZE(trust_rows); i++) {
		const trust_row *r = &trust_rows[i];
		if (r->foreign && geteuid() != 0) {
			cr_log_warn("%s: needs root (another user's entry)", r->name);
			continue;
		}
		cleanup_free char *dir = sh_xasprintf("row%zu", i);
		cleanup_free char *rowdir = at(dir);
		cr_assert_eq(mkdir(rowdir, 0755), 0);
		for (size_t k = 0; k < SH_ARRAY_SIZE(r->made) && r->made[k].path; k++) {
			entry e = r->made[k];
			e.path = sh_xasprintf("%s/%s", dir, r->made[k].path);
			make(&e);
			free((char *)e.path);
		}
		cleanup_free char *path = sh_xasprintf("%s/%s", rowdir, r->path);
		sh_error *err = NULL;
		int rc = r->ask == ASK_DIR     ? sh_trust_dir(path, "directory", &err)
			 : r->ask == ASK_ENTRY ? sh_trust_entry(path, "entry", &err)
					       : sh_trust_file(path, "file", &err);
		if (r->refused) {
			cr_assert_lt(rc, 0, "%s: trusted", r->name);
			cr_assert(strstr(err->msg, r->refused), "%s: %s", r->name, err->msg);
			sh_error_free(err);
		} else {
			cr_assert_eq(rc, 0, "%s: %s", r->name, err ? err->msg : "");
		}
		asked++;
	}
	cr_assert_gt(asked, SH_ARRAY_SIZE(trust_rows) / 2);
}

/* ---- profile names ---------------------------------------------------------------------------- */

Test(lookup, names)
{
	static const struct {
		const char *name;
		bool valid;
	} rows[] = {
		{ "docker-default", true }, { "a", true },	  { "A.b_c-1", true },	   { "0day", true },
		{ "", false },		    { ".hidden", false }, { "-x", false },	   { "_x", false },
		{ "a/b", false },	    { "../x", false },	  { "a b", false },	   { "a\nb", false },
		{ "é", false },		    { "a:b", false },	  { "x.json/..", false },
	};
	for (size_t i = 0; i < SH_ARRAY_SIZE(rows); i++)
		cr_assert_eq(sh_profile_name_valid(rows[i].name), rows[i].valid, "'%s'", rows[i].name);
	char longest[SH_NAME_MAX + 2];
	memset(longest, 'a', sizeof(longest) - 1);
	longest[SH_NAME_MAX] = 0;
	cr_assert(sh_profile_name_valid(longest));
	longest[SH_NAME_MAX] = 'a';
	longest[SH_NAME_MAX + 1] = 0;
	cr_assert_not(sh_profile_name_valid(longest));
}

/* NAME -> DIR/NAME.json: a file there, a link that stays in DIR, a link out of it refused, a name
 * that is not one refused before anything is looked at, a path taken as written. */
Test(lookup, find, .init = setup_dir, .fini = teardown_dir)
{
	const entry made[] = {
		{ .kind = MAKE_DIR, .path = "profiles", .mode = 0755 },
		{ .kind = MAKE_FILE, .path = "profiles/one.json", .mode = 0644 },
		{ .kind = MAKE_FILE, .path = "profiles/target.json", .mode = 0644 },
		{ .kind = MAKE_LINK, .path = "profiles/alias.json", .target = "target.json" },
		{ .kind = MAKE_FILE, .path = "outside.json", .mode = 0644 },
		{ .kind = MAKE_LINK, .path = "profiles/escape.json", .target = "../outside.json" },
		{ .kind = MAKE_FILE, .path = "profiles/open.json", .mode = 0666 },
	};
	for (size_t i = 0; i < SH_ARRAY_SIZE(made); i++)
		make(&made[i]);
	cleanup_free char *dir = at("profiles");
	static const struct {
		const char *arg;
		const char *found;   /* under the private directory */
		const char *refused; /* part of the error */
	} rows[] = {
		{ "one", "profiles/one.json", NULL },
		{ "alias", "profiles/target.json", NULL },
		{ "escape", NULL, "resolves outside" },
		{ "missing", NULL, "no profile named 'missing' in" },
		{ "../outside", NULL, "invalid profile name" },
		{ "open", NULL, "writable by group or others" },
	};
	for (size_t i = 0; i < SH_ARRAY_SIZE(rows); i++) {
		char *path = NULL;
		sh_error *err = NULL;
		int rc = sh_profile_find(rows[i].arg, dir, &path, &err);
		if (rows[i].refused) {
			cr_assert_lt(rc, 0, "%s: found %s", rows[i].arg, path);
			cr_assert(strstr(err->msg, rows[i].refused), "%s: %s", rows[i].arg, err->msg);
			cr_assert_null(path);
			sh_error_free(err);
			continue;
		}
		cr_assert_eq(rc, 0, "%s: %s", rows[i].arg, err ? err->msg : "");
		cleanup_free char *want = at(rows[i].found);
		cleanup_free char *real_want = realpath(want, NULL), *real_got = realpath(path, NULL);
		cr_assert_str_eq(real_got, real_want, "%s", rows[i].arg);
		free(path);
	}
	/* --profile=ARG: a path (a '/' or .json) is taken as written, anything else is a NAME. */
	char *path = NULL;
	sh_error *err = NULL;
	cr_assert_eq(sh_profile_arg("some/where.json", dir, &path, &err), 0);
	cr_assert_str_eq(path, "some/where.json");
	free(path);
	cr_assert_eq(sh_profile_arg("here.json", dir, &path, &err), 0);
	cr_assert_str_eq(path, "here.json");
	free(path);
	cr_assert_eq(sh_profile_arg("one", dir, &path, &err), 0);
	cr_assert(strstr(path, "/profiles/one.json"), "%s", path);
	free(path);
}

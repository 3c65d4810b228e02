/* The loader's read-only store (loaderstore.c): which loader files it takes, where each copy goes,
 * and that a copy made is on a read-only tmpfs nothing can write through. Making a copy mounts, so
 * that part runs in a private mount namespace of the test's own process, as root (make check runs
 * as root in CI). */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loaderstore.h"
#include "util.h"

static char dir[] = "/tmp/sh-store-XXXXXX";

static void setup_dir(void)
{
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(chmod(dir, 0755), 0);
}

static void teardown_dir(void)
{
	cleanup_free char *cmd = sh_xasprintf("umount -R %s/store/* 2>/dev/null; rm -rf '%s'", dir, dir);
	cr_assert_geq(system(cmd), 0);
}

static char *file(const char *name, mode_t mode, const char *content)
{
	char *p = sh_xasprintf("%s/%s", dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
	cr_assert_eq(chmod(p, mode), 0);
	return p;
}

/* Rows: a loader file -> taken (its copy's place) or refused with the reason. Nothing is made. */
Test(loaderstore, which_loader_files_it_takes, .init = setup_dir, .fini = teardown_dir)
{
	cleanup_free char *store = sh_xasprintf("%s/store", dir);
	cleanup_free char *good = file("init", 0755, "#!loader\n");
	cleanup_free char *open_to_all = file("init-w", 0757, "#!loader\n");
	cleanup_free char *subdir = sh_xasprintf("%s/sub", dir);
	cr_assert_eq(mkdir(subdir, 0755), 0);
	const struct {
		const char *source;
		const char *refused;
	} rows[] = {
		{ good, NULL },
		{ open_to_all, "writable by group or others" },
		{ subdir, "not a regular file" },
		{ "/nonexistent/init", "No such file" },
	};
	for (size_t i = 0; i < SH_ARRAY_SIZE(rows); i++) {
		sh_loader_copy c;
		sh_error *err = NULL;
		int rc = sh_loader_copy_find(store, rows[i].source, &c, &err);
		if (rows[i].refused) {
			cr_assert_lt(rc, 0, "%s taken", rows[i].source);
			cr_assert(strstr(err->msg, rows[i].refused), "%s", err->msg);
			sh_error_free(err);
			continue;
		}
		cr_assert_eq(rc, 0, "%s", err ? err->msg : "");
		cr_assert_not(c.ready);
		/* STORE/<16 hex digits>/init */
		cr_assert_eq(strncmp(c.dir, store, strlen(store)), 0);
		const char *stamp = c.dir + strlen(store) + 1;
		cr_assert_eq(strlen(stamp), 16, "%s", c.dir);
		cr_assert_eq(strspn(stamp, "0123456789abcdef"), 16, "%s", c.dir);
		cleanup_free char *want = sh_xasprintf("%s/init", c.dir);
		cr_assert_str_eq(c.path, want);
		struct stat st;
		cr_assert_lt(stat(store, &st), 0, "find made the store");
		sh_loader_copy_free(&c);
	}
}

/* The same file gets the same place; a changed one (another size, another time) another. */
Test(loaderstore, a_changed_loader_gets_another_copy, .init = setup_dir, .fini = teardown_dir)
{
	cleanup_free char *store = sh_xasprintf("%s/store", dir);
	cleanup_free char *src = file("init", 0755, "one\n");
	sh_loader_copy a, b, c;
	sh_error *err = NULL;
	cr_assert_eq(sh_loader_copy_find(store, src, &a, &err), 0);
	cr_assert_eq(sh_loader_copy_find(store, src, &b, &err), 0);
	cr_assert_str_eq(a.dir, b.dir);
	free(file("init", 0755, "two, longer\n"));
	cr_assert_eq(sh_loader_copy_find(store, src, &c, &err), 0);
	cr_assert_str_neq(a.dir, c.dir);
	sh_loader_copy_free(&a);
	sh_loader_copy_free(&b);
	sh_loader_copy_free(&c);
}

/* Made: the copy on a read-only tmpfs of its own, with the programs' empty places; the loader's
 * bytes; root's and not writable; found ready afterwards; and no write reaches it, not even root's
 * through a read-write bind mount of it (the superblock is read-only). */
Test(loaderstore, a_copy_made_cannot_be_written, .init = setup_dir, .fini = teardown_dir)
{
	if (geteuid() != 0) /* make check-unit needs no root; make check, as CI runs it, is root */
		cr_skip_test("making a copy mounts a tmpfs: root only");
	cr_assert_eq(unshare(CLONE_NEWNS), 0);
	cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	cleanup_free char *store = sh_xasprintf("%s/store", dir);
	cleanup_free char *src = file("init", 0755, "#!the loader's bytes\n");
	sh_loader_copy c;
	sh_error *err = NULL;
	cr_assert_eq(sh_loader_copy_find(store, src, &c, &err), 0);
	cr_assert_eq(sh_loader_copy_make(&c, &err), 0, "%s", err ? err->msg : "");
	cr_assert(c.ready);
	char buf[64] = "";
	int fd = open(c.path, O_RDONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(read(fd, buf, sizeof buf - 1), 21);
	close(fd);
	cr_assert_str_eq(buf, "#!the loader's bytes\n");
	struct stat st;
	cr_assert_eq(stat(c.path, &st), 0);
	cr_assert_eq(st.st_uid, 0);
	cr_assert_eq(st.st_mode & 0222, 0);
	for (const char *const *p = (const char *const[]){ "filter.bpf", "overlay.bpf", NULL }; *p; p++) {
		cleanup_free char *place = sh_xasprintf("%s/%s", c.dir, *p);
		cr_assert_eq(stat(place, &st), 0, "%s", place);
		cr_assert_eq(st.st_size, 0);
	}
	cr_assert_lt(open(c.path, O_WRONLY), 0);
	cr_assert_eq(errno, EROFS);
	cleanup_free char *bind = sh_xasprintf("%s/bind", dir);
	cr_assert_eq(mkdir(bind, 0755), 0);
	cr_assert_eq(mount(c.dir, bind, NULL, MS_BIND, NULL), 0);
	cr_assert_neq(mount(NULL, bind, NULL, MS_REMOUNT | MS_BIND, NULL), -1);
	cleanup_free char *through = sh_xasprintf("%s/init", bind);
	cr_assert_lt(open(through, O_WRONLY), 0);
	cr_assert_eq(errno, EROFS);
	cleanup_free char *created = sh_xasprintf("%s/new", bind);
	cr_assert_lt(open(created, O_WRONLY | O_CREAT, 0755), 0);
	cr_assert_eq(errno, EROFS);
	cr_assert_eq(umount(bind), 0);
	sh_loader_copy again;
	cr_assert_eq(sh_loader_copy_find(store, src, &again, &err), 0);
	cr_assert(again.ready);
	cr_assert_str_eq(again.dir, c.dir);
	sh_loader_copy_make(&again, &err); /* made already: nothing changes */
	cr_assert(again.ready);
	sh_loader_copy_free(&again);
	sh_loader_copy_free(&c);
}

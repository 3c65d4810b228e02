/* The base module (util.c, error.c): errors that keep the first failure and gain context on the way
 * up, the one line each prints, and the small parsers and writers everything above shares. */
#include "config.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "testutil.h"
#include "util.h"

/* The first error set is the one kept; context is added in front, the errno text at the end. */
Test(error, first_failure_kept_context_added)
{
	sh_error *err = NULL;
	cr_assert_eq(sh_error_errno(&err, ENOENT, "profile %s", "x.json"), -1);
	cr_assert_eq(sh_error_set(&err, SH_EXIT_INVALID, "a later failure"), -1);
	cr_assert_eq(sh_error_prefix(&err, "loading %d", 1), -1);
	cr_assert_str_eq(err->msg, "loading 1: profile x.json: No such file or directory");
	cr_assert_eq(err->status, SH_EXIT_SYSTEM);
	sh_error_free(err);
	cr_assert_eq(sh_error_prefix(NULL, "nothing"), -1);
	cr_assert_eq(sh_error_set(NULL, SH_EXIT_INVALID, "nowhere to keep it"), -1);
}

/* The one line an error prints, by what is known of where it is. */
Test(error, the_line_it_prints)
{
	static const struct {
		const char *file;
		unsigned line, col;
		const char *want;
	} rows[] = {
		{ NULL, 0, 0, "seccomp-hook: error: bad" },
		{ "p.json", 0, 0, "p.json: error: bad" },
		{ "p.json", 3, 7, "p.json:3:7: error: bad" },
	};
	for (size_t i = 0; i < SH_ARRAY_SIZE(rows); i++) {
		sh_error *err = NULL;
		if (rows[i].file)
			sh_error_at(&err, SH_EXIT_INVALID, rows[i].file, rows[i].line, rows[i].col, "bad");
		else
			sh_error_set(&err, SH_EXIT_INVALID, "bad");
		cleanup_free char *line = sh_error_line(err);
		cr_assert_str_eq(line, rows[i].want);
		sh_error_free(err);
	}
}

Test(util, numbers)
{
	static const struct {
		const char *s;
		bool ok;
		uint64_t v;
	} rows[] = {
		{ "0", true, 0 },
		{ "18446744073709551615", true, UINT64_MAX },
		{ "18446744073709551616", false, 0 },
		{ "0xffffffffffffffff", true, UINT64_MAX },
		{ "0x10000000000000000", false, 0 },
		{ "0x", false, 0 },
		{ "", false, 0 },
		{ "-1", false, 0 },
		{ "12a", false, 0 },
		{ " 1", false, 0 },
	};
	for (size_t i = 0; i < SH_ARRAY_SIZE(rows); i++) {
		uint64_t v = 0;
		cr_assert_eq(sh_parse_u64(rows[i].s, strlen(rows[i].s), &v), rows[i].ok, "'%s'", rows[i].s);
		if (rows[i].ok)
			cr_assert_eq(v, rows[i].v, "'%s'", rows[i].s);
	}
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return x < y ? -1 : x > y;
}

Test(util, lists)
{
	size_t n = 0;
	char **v = sh_split_commas(",a,,b c,", &n);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(v[0], "a");
	cr_assert_str_eq(v[1], "b c");
	cr_assert_null(v[2]);
	sh_strv_free(v);
	uint32_t u[] = { 5, 1, 5, 0, UINT32_MAX, 1 };
	cr_assert_eq(sh_u32_sort_unique(u, SH_ARRAY_SIZE(u)), 4);
	cr_assert(u[0] == 0 && u[1] == 1 && u[2] == 5 && u[3] == UINT32_MAX);
	cr_assert_eq(sh_u32_sort_unique(NULL, 0), 0);
	/* sh_sort takes an empty array that has no storage (qsort's pointer must not be NULL). */
	sh_sort(NULL, 0, sizeof(int), cmp_int);
	int one[] = { 7 }, some[] = { 3, -1, 2, -1 };
	sh_sort(one, 1, sizeof(int), cmp_int);
	cr_assert_eq(one[0], 7);
	sh_sort(some, SH_ARRAY_SIZE(some), sizeof(int), cmp_int);
	cr_assert(some[0] == -1 && some[1] == -1 && some[2] == 2 && some[3] == 3);
	cleanup_free char *b = sh_base64("any carnal pleas", 16);
	cr_assert_str_eq(b, "YW55IGNhcm5hbCBwbGVhcw==");
}

Test(util, exit_codes_as_a_shell_gives_them)
{
	cr_assert_eq(sh_wait_exit_code(3 << 8), 3);
	cr_assert_eq(sh_wait_exit_code(SIGKILL), 128 + SIGKILL);
}

/* The file written is the directory's only entry (no temporary file was left beside it). */
static void only_one_entry_then_remove(const char *dir)
{
	size_t n = 0;
	DIR *d = opendir(dir);
	cr_assert_not_null(d);
	for (struct dirent *e; (e = readdir(d));)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	cr_assert_eq(n, 1, "%zu entries: a temporary file was left beside the file", n);
	cr_assert_eq(sh_test_remove_tree(dir), 0);
}

/* A file replaced atomically: the whole new content and the mode, nothing left beside it. */
Test(util, files_written_whole)
{
	char dir[] = "/tmp/sh-base-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	cleanup_free char *path = sh_xasprintf("%s/f", dir);
	sh_error *err = NULL;
	cr_assert_eq(sh_write_file_atomic(path, "old", 3, 0644, &err), 0);
	cr_assert_eq(sh_write_file_atomic(path, "new content", 11, 0600, &err), 0);
	char buf[32] = "";
	int fd = open(path, O_RDONLY);
	cr_assert_eq(read(fd, buf, sizeof buf), 11);
	close(fd);
	cr_assert_str_eq(buf, "new content");
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	cleanup_free char *missing = sh_xasprintf("%s/no/such/dir/f", dir);
	cr_assert_lt(sh_write_file_atomic(missing, "x", 1, 0644, &err), 0);
	cr_assert_not_null(err);
	sh_error_free(err);
	only_one_entry_then_remove(dir);
}

/* A pipe (or a device: -o /dev/null) at the path is written to, and stays what it was: a rename over
 * it would have replaced /dev/null with a file for everyone. */
Test(util, a_pipe_at_the_path_is_written_not_replaced)
{
	char dir[] = "/tmp/sh-base-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	cleanup_free char *fifo = sh_xasprintf("%s/fifo", dir);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	int rd = open(fifo, O_RDONLY | O_NONBLOCK);
	cr_assert_geq(rd, 0);
	sh_error *err = NULL;
	cr_assert_eq(sh_write_file_atomic(fifo, "through it", 10, 0644, &err), 0, "%s", err ? err->msg : "");
	char buf[32] = "";
	cr_assert_eq(read(rd, buf, sizeof buf), 10);
	cr_assert_str_eq(buf, "through it");
	close(rd);
	struct stat st;
	cr_assert_eq(lstat(fifo, &st), 0);
	cr_assert(S_ISFIFO(st.st_mode));
	only_one_entry_then_remove(dir);
}

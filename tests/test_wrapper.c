/* What the runtime wrapper decides around the runtime's own commands: the cleanup after create, run
 * and delete as a table; the runtime's log lines in both formats; the options this part of the
 * command line adds (--version, --detach, --override-profile); and where it finds the command, the
 * bundle, the container and --process in runc's command line. */
#include "config.h"
#include "runtime_cli.h"
#include "util.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int rt_parse(sh_rt_cli *c, char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	sh_error *err = NULL;
	int r = sh_rt_parse(argc, argv, c, &err);
	if (r < 0)
		cr_log_info("%s", err->msg);
	sh_error_free(err);
	return r;
}

/* (after which command, its exit code, whether the runtime still knows the container) -> what is
 * cleaned up: the record, the loader's place the runtime made, the agent. */
static const struct {
	const char *what;
	sh_rt_after step;
	int code;
	bool exists;
	sh_rt_cleanup want;
} cleanup_rows[] = {
	{ "create failed: no container was made", SH_RT_AFTER_CREATE, 1, false, { true, true, true } },
	{ "create failed with a signal's status", SH_RT_AFTER_CREATE, 137, false, { true, true, true } },
	{ "create succeeded: the container lives until delete", SH_RT_AFTER_CREATE, 0, false, { false, false, false } },
	{ "a foreground run ended and the runtime deleted the container", SH_RT_AFTER_RUN, 0, false, { true, true, true } },
	{ "a foreground run failed: nothing left", SH_RT_AFTER_RUN, 1, false, { true, true, true } },
	{ "a foreground run killed before it deleted the container: it lives on", SH_RT_AFTER_RUN, 137, true,
	  { false, false, false } },
	{ "the same with status 0", SH_RT_AFTER_RUN, 0, true, { false, false, false } },
	{ "delete succeeded", SH_RT_AFTER_DELETE, 0, false, { true, true, true } },
	{ "delete failed (a running container without --force): all stays", SH_RT_AFTER_DELETE, 1, false,
	  { false, false, false } },
	{ "delete: whether the runtime knows it is not asked", SH_RT_AFTER_DELETE, 0, true, { true, true, true } },
	{ "create: whether the runtime knows it is not asked", SH_RT_AFTER_CREATE, 0, true, { false, false, false } },
};

Test(wrapper, cleanup_after_the_runtimes_command)
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(cleanup_rows); i++) {
		sh_rt_cleanup got = sh_rt_cleanup_plan(cleanup_rows[i].step, cleanup_rows[i].code, cleanup_rows[i].exists);
		sh_rt_cleanup want = cleanup_rows[i].want;
		cr_expect(got.record == want.record && got.place == want.place && got.agent == want.agent,
			  "%s: record %d place %d agent %d", cleanup_rows[i].what, got.record, got.place, got.agent);
	}
}

/* 2026-12-07T02:38:15Z */
#define WHEN 1796611095LL

Test(wrapper, log_lines_as_runc_writes_them)
{
	cleanup_free char *json = sh_rt_log_line(true, "warning", "a \"quoted\" word", WHEN);
	cr_expect_str_eq(json, "{\"level\":\"warning\",\"msg\":\"a \\\"quoted\\\" word\",\"time\":\"2026-12-07T02:38:15Z\"}\n");
	cleanup_free char *text = sh_rt_log_line(false, "error", "x: y", WHEN);
	cr_expect_str_eq(text, "time=\"2026-12-07T02:38:15Z\" level=error msg=\"x: y\"\n");
	cleanup_free char *nl = sh_rt_log_line(true, "info", "two\nlines", WHEN);
	cr_expect_eq(strchr(nl, '\n'), nl + strlen(nl) - 1, "one line: %s", nl);
}

Test(wrapper, version_detach_and_the_override)
{
	char *v[] = { "w", "--runtime-path=/bin/true", "--version", NULL };
	char *vshort[] = { "w", "--runtime-path=/bin/true", "-v", NULL };
	char *fg[] = { "w", "--runtime-path=/bin/true", "run", "-b", "/b", "x", NULL };
	char *bg[] = { "w", "--runtime-path=/bin/true", "run", "--detach", "-b", "/b", "x", NULL };
	char *bg2[] = { "w", "--runtime-path=/bin/true", "run", "-d", "x", NULL };
	char *cr[] = { "w", "--runtime-path=/bin/true", "--override-profile", "default", "create", "x", NULL };
	sh_rt_cli c;
	cr_assert_eq(rt_parse(&c, v), 0);
	cr_expect(c.version);
	cr_expect_str_eq(c.argv[1], "--version", "the runtime prints its own version after the wrapper's");
	sh_rt_cli_free(&c);
	cr_assert_eq(rt_parse(&c, vshort), 0);
	cr_expect(c.version);
	sh_rt_cli_free(&c);
	cr_assert_eq(rt_parse(&c, fg), 0);
	cr_expect(c.foreground);
	cr_expect_not(c.version);
	sh_rt_cli_free(&c);
	cr_assert_eq(rt_parse(&c, bg), 0);
	cr_expect_not(c.foreground);
	sh_rt_cli_free(&c);
	cr_assert_eq(rt_parse(&c, bg2), 0);
	cr_expect_not(c.foreground);
	sh_rt_cli_free(&c);
	cr_assert_eq(rt_parse(&c, cr), 0);
	cr_expect_not(c.foreground, "create never runs in the foreground");
	cr_expect_str_eq(c.o.override_profile, "default");
	cr_expect_eq(c.argc, 3u, "the option is the wrapper's, not the runtime's");
	sh_rt_cli_free(&c);
}

/* crun's --config (-f): the transform rewrites the bundle's config.json, so any other file the runtime
 * would read is refused. */
Test(wrapper, crun_config_other_than_the_bundles_is_refused)
{
	static const struct {
		char *argv[8];
		int want;
	} rows[] = {
		{ { "w", "--runtime-path=/bin/true", "run", "--config", "config.json", "x", NULL }, 0 },
		{ { "w", "--runtime-path=/bin/true", "run", "--config=config.json", "-b", "/b", "x", NULL }, 0 },
		{ { "w", "--runtime-path=/bin/true", "run", "--config", "/elsewhere.json", "x", NULL }, -1 },
		{ { "w", "--runtime-path=/bin/true", "create", "-f", "other.json", "x", NULL }, -1 },
		{ { "w", "--runtime-path=/bin/true", "run", "--config=./config.json", "x", NULL }, -1 },
		{ { "w", "--runtime-path=/bin/true", "exec", "x", "cat", "--config", "/e", NULL }, 0 },
	};
	for (size_t i = 0; i < SH_ARRAY_SIZE(rows); i++) {
		sh_rt_cli c;
		cr_expect_eq(rt_parse(&c, (char **)rows[i].argv), rows[i].want, "row %zu", i);
		sh_rt_cli_free(&c);
	}
}

/* The watch after a foreground run asks the runtime about the container in the root it held open
 * (/proc/self/fd/N): a root removed since is not made again by the runtime's `state`. */
Test(wrapper, state_in_another_root)
{
	static const struct {
		char *argv[8];
		const char *want;
	} rows[] = {
		{ { "w", "--runtime-path=/bin/true", "--root", "/r", "run", "x", NULL }, "--root /proc/self/fd/4 state x" },
		{ { "w", "--runtime-path=/bin/true", "--root=/r", "--log", "/l", "run", "x", NULL },
		  "--log /l --root /proc/self/fd/4 state x" },
		{ { "w", "--runtime-path=/bin/true", "-root", "/r", "--debug", "run", "x", NULL },
		  "--debug --root /proc/self/fd/4 state x" },
		{ { "w", "--runtime-path=/bin/true", "--debug", "run", "x", NULL }, "--debug --root /proc/self/fd/4 state x" },
	};
	for (size_t i = 0; i < SH_ARRAY_SIZE(rows); i++) {
		sh_rt_cli c;
		cr_assert_eq(rt_parse(&c, (char **)rows[i].argv), 0);
		cleanup_free char **v = sh_rt_state_argv_in(&c, "/proc/self/fd/4");
		char got[256] = "";
		for (size_t k = 1; v[k]; k++)
			snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", k > 1 ? " " : "", v[k]);
		cr_expect_str_eq(got, rows[i].want, "row %zu", i);
		cleanup_free char **same = sh_rt_state_argv(&c);
		cr_expect_str_eq(same[1], rows[i].argv[2], "row %zu: as given without a root", i);
		sh_rt_cli_free(&c);
	}
}

/* ---- the wrapper's command line ---------------------------------------------------------------- */

Test(runtime_cli, wrapper_options_come_out_runc_globals_and_the_command_stay)
{
	char *argv[] = { "seccomp-hook-runtime", "--mode=runtime", "--root", "/run/x", "--runtime-path=/bin/true",
			 "--log", "/l.json", "--profiles-dir", "/p", "--systemd-cgroup", "create", "--bundle", "/b",
			 "--pid-file", "/pid", "id1", NULL };
	sh_rt_cli c;
	cr_assert_eq(rt_parse(&c, argv), 0);
	const char *want[] = { "/bin/true", "--root", "/run/x", "--log", "/l.json", "--systemd-cgroup", "create",
			       "--bundle", "/b", "--pid-file", "/pid", "id1" };
	cr_assert_eq(c.argc, SH_ARRAY_SIZE(want));
	for (size_t i = 0; i < c.argc; i++)
		cr_expect_str_eq(c.argv[i], want[i]);
	cr_expect_null(c.argv[c.argc]);
	cr_expect_eq(c.command, SH_RT_CREATE);
	cr_expect_eq(c.command_at, 6u);
	cr_expect_str_eq(c.bundle, "/b");
	cr_expect_str_eq(c.o.mode, "runtime");
	cr_expect_str_eq(c.o.profiles_dir, "/p");
	cr_expect(c.o.seccomp_as_profile);
	cr_expect_not(c.o.crun);
	sh_rt_cli_free(&c);
}

Test(runtime_cli, bundle_forms_and_the_default_mode)
{
	char *a[] = { "w", "--runtime-path=/bin/true", "run", "-d", "-b=/b1", "x", NULL };
	char *b[] = { "w", "--runtime-path=/bin/true", "run", "--bundle=/b2", "x", NULL };
	char *n[] = { "w", "--runtime-path=/bin/true", "create", "x", NULL };
	sh_rt_cli c;
	cr_assert_eq(rt_parse(&c, a), 0);
	cr_expect_str_eq(c.bundle, "/b1");
	cr_expect_str_eq(c.o.mode, "init");
	sh_rt_cli_free(&c);
	cr_assert_eq(rt_parse(&c, b), 0);
	cr_expect_str_eq(c.bundle, "/b2");
	sh_rt_cli_free(&c);
	cr_assert_eq(rt_parse(&c, n), 0);
	cr_expect_null(c.bundle);
	sh_rt_cli_free(&c);
}

Test(runtime_cli, exec_finds_the_container_after_valued_options_and_splits_inline_process)
{
	char *argv[] = { "w", "--runtime-path=/bin/true", "exec", "-e", "A=1", "--cwd=/", "--cap", "CAP_KILL", "-d",
			 "--process=/p.json", "ctr", "sh", NULL };
	sh_rt_cli c;
	cr_assert_eq(rt_parse(&c, argv), 0);
	cr_expect_eq(c.command, SH_RT_EXEC);
	cr_expect_str_eq(c.container, "ctr");
	cr_expect_str_eq(c.argv[c.container_at], "ctr");
	cr_assert_neq(c.process_at, 0u);
	cr_expect_str_eq(c.argv[c.process_at - 1], "--process");
	cr_expect_str_eq(c.argv[c.process_at], "/p.json");
	cr_assert_eq(c.ncaps_added, 1u);
	cr_expect_str_eq(c.caps_added[0], "CAP_KILL");
	char **st = sh_rt_state_argv(&c);
	cr_expect_str_eq(st[1], "state");
	cr_expect_str_eq(st[2], "ctr");
	cr_expect_null(st[3]);
	free(st);
	sh_rt_cli_free(&c);
}

Test(runtime_cli, exec_without_a_container_is_refused_help_is_help)
{
	char *argv[] = { "w", "--runtime-path=/bin/true", "exec", "-t", NULL };
	char *help[] = { "w", "--help", NULL };
	sh_rt_cli c;
	cr_expect_eq(rt_parse(&c, argv), -1);
	cr_expect(sh_rt_starts_process(&c));
	sh_rt_cli_free(&c);
	cr_expect_eq(rt_parse(&c, help), SH_RT_HELP);
	sh_rt_cli_free(&c);
}

Test(runtime_cli, a_config_file_sets_options_the_command_line_wins_crun_is_seen_by_name)
{
	char dir[] = "/tmp/sh-rtconf.XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	cleanup_free char *path = sh_xasprintf("%s/runtime.conf", dir);
	cleanup_free char *crun = sh_xasprintf("%s/crun-1.8", dir);
	cr_assert_eq(symlink("/bin/true", crun), 0);
	FILE *f = fopen(path, "w");
	fputs("# comment\n\n  mode = runtime\nprofiles-dir=/etc/p  \ndefault-profile = web\n", f);
	fclose(f);
	cleanup_free char *conf = sh_xasprintf("--config=%s", path);
	cleanup_free char *rt = sh_xasprintf("--runtime-path=%s", crun);
	char *argv[] = { "w", conf, "--profiles-dir=/cli", rt, "state", "x", NULL };
	sh_rt_cli c;
	cr_assert_eq(rt_parse(&c, argv), 0);
	cr_expect_str_eq(c.o.mode, "runtime");
	cr_expect_str_eq(c.o.profiles_dir, "/cli");
	cr_expect_str_eq(c.o.default_profile, "web");
	cr_expect(c.o.crun, "a runtime whose file name starts with crun is handed the program");
	sh_rt_cli_free(&c);
	f = fopen(path, "a");
	fputs("nonsense\n", f);
	fclose(f);
	char *again[] = { "w", conf, "--runtime-path=/bin/true", "delete", "x", NULL };
	cr_expect_eq(rt_parse(&c, again), -1);
	cr_expect_not(sh_rt_starts_process(&c));
	cr_expect_str_eq(c.runtime_file, "/bin/true", "a broken file still lets delete reach the runtime");
	sh_rt_cli_free(&c);
	unlink(crun);
	unlink(path);
	rmdir(dir);
}

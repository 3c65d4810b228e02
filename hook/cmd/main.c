/* seccomp-hook: entry point and subcommand dispatch. */
#include "config.h"
#include "cli.h"
#include "lookup.h"
#include "names.h"
#include "sha256.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <seccomp.h>
#include <string.h>
#include <yajl/yajl_version.h>

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "check", cmd_check, "validate and lint profiles" },
	{ "compile", cmd_compile, "resolve a profile and write BPF, PFC or OCI JSON" },
	{ "explain", cmd_explain, "what a syscall gets under a profile, and which rule decided it" },
	{ "diff", cmd_diff, "where two profiles decide differently" },
	{ "merge", cmd_merge, "the union of several profiles (recordings) as one Docker-format profile" },
	{ "exec", cmd_exec, "run a command under a profile (or precompiled BPF)" },
	{ "record", cmd_record, "run a command and write the profile of the syscalls it used" },
	{ "precreate", cmd_precreate, "OCI precreate hook: config on stdin -> config on stdout" },
	{ "inject", cmd_inject, "apply a profile to a runc/crun bundle's config.json" },
	{ "state", cmd_state, "OCI state hook: log and verify the profile a container got" },
	{ "dump", cmd_dump, "show the seccomp filters a running process has" },
	{ "scan", cmd_scan, "which running containers' processes a call gets through (every filter, every ABI)" },
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: seccomp-hook COMMAND [OPTION...] [ARG...]\n"
		     "Apply Docker/OCI seccomp profiles to OCI containers.\n\nCommands:\n");
	for (size_t i = 0; i < SH_ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nRun 'seccomp-hook COMMAND --help' for a command's options.\n"
		     "Exit status: 0 success, 1 invalid or refused profile/config, 2 usage or system error.\n");
}

int sh_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "seccomp-hook%s%s: error: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'seccomp-hook%s%s --help')\n", cmd ? " " : "", cmd ? cmd : "");
	return SH_EXIT_SYSTEM;
}

bool sh_cli_quiet;

void sh_print_warnings(const sh_diag *d)
{
	if (!sh_cli_quiet)
		sh_diag_print(d, SH_FMT_TEXT, stderr);
}

int sh_cli_target(sh_target_opts *o, sh_target *t, sh_error **err)
{
	uint64_t bounding = 0;
	if (sh_target_init(t, false, err) < 0)
		return -1;
	if (o->caps && strcmp(o->caps, "caller") == 0 && sh_caps_bounding(&bounding, err) < 0)
		return -1;
	if (sh_caps_option(o->caps, bounding, &t->caps, &o->caller, err) < 0)
		return -1;
	if (o->kernel && sh_kernel_parse(o->kernel, &t->kmajor, &t->kminor) < 0)
		return sh_error_set(err, SH_EXIT_SYSTEM, "--kernel: invalid version '%s' (expected X.Y)", o->kernel);
	if (o->arch) {
		if (sh_arches_parse(o->arch, o->arch_buf, SH_MAX_ARCHES, &t->narches, err) < 0)
			return -1;
		t->arches = o->arch_buf;
		t->native_arch = o->arch_buf[0];
	}
	return 0;
}

int sh_cli_load_profile(const char *arg, const char *dir, sh_profile **p, sh_diag *d, sh_error **err)
{
	cleanup_free char *path = NULL;
	if (sh_profile_arg(arg, dir, &path, err) < 0)
		return -1;
	return sh_profile_load(path, p, d, err);
}

/* The profile at arg, read and resolved for t; its warnings printed where warn. */
static int load_resolved(const char *arg, const char *dir, const sh_target *t, bool warn, sh_profile **p,
			 sh_ruleset **rs, sh_error **err)
{
	sh_diag d = { 0 };
	int r = sh_cli_load_profile(arg, dir, p, &d, err);
	if (r == 0)
		r = sh_resolve(*p, t, rs, &d, err);
	if (warn)
		sh_print_warnings(&d);
	sh_diag_free(&d);
	return r;
}

int sh_cli_load_ruleset(const char *arg, const char *dir, sh_target_opts *o, sh_target *t, sh_profile **p,
			sh_ruleset **rs, sh_error **err)
{
	if (sh_cli_target(o, t, err) < 0)
		return -1;
	return load_resolved(arg, dir, t, true, p, rs, err);
}

int sh_cli_compile(const char *arg, const char *dir, const sh_target *t, bool warn, sh_cli_compiled *c,
		   sh_error **err)
{
	if (load_resolved(arg, dir, t, warn, &c->p, &c->rs, err) < 0)
		return -1;
	return sh_engine_init(&c->e, c->rs, err);
}

void sh_cli_compiled_free(sh_cli_compiled *c)
{
	sh_engine_fini(&c->e);
	sh_ruleset_free(c->rs);
	sh_profile_free(c->p);
}

char *sh_cli_describe_target(const sh_target_opts *o, const sh_target *t, const sh_ruleset *rs)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return sh_xstrdup("?");
	for (size_t i = 0; i < rs->narches; i++)
		fprintf(f, "%s%s", i ? "," : "", sh_arch_scmp_name(rs->arches[i]));
	cleanup_free char *caps = sh_caps_describe(t->caps);
	/* Where the set came from matters as much as what is in it: as root the caller has every one. */
	fprintf(f, "; caps: %s%s; kernel %u.%u", o->caller ? "caller's bounding set, " : "", caps, t->kmajor, t->kminor);
	fclose(f);
	return buf;
}

void sh_cli_say_target(const char *cmd, const sh_target_opts *o, const sh_target *t, const sh_ruleset *rs)
{
	if (sh_cli_quiet)
		return;
	cleanup_free char *target = sh_cli_describe_target(o, t, rs);
	fprintf(stderr, "seccomp-hook %s: %s: resolved for %s\n", cmd, rs->profile->file, target);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr), SH_EXIT_SYSTEM;
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0)
		return usage(stdout), SH_EXIT_OK;
	if (strcmp(cmd, "--version") == 0) {
		/* First line for scripts; then what the binary was built with, as runc prints it. */
		const struct scmp_version *v = seccomp_version();
		int y = yajl_version();
		printf("seccomp-hook %s\nlibseccomp: %u.%u.%u\nyajl: %d.%d.%d\nlibc: %s\nsha256: %s\n", PACKAGE_VERSION,
		       v->major, v->minor, v->micro, y / 10000, y / 100 % 100, y % 100,
#ifdef __GLIBC__
		       "glibc",
#else
		       "musl",
#endif
		       sh_sha256_impl());
		return SH_EXIT_OK;
	}
	for (size_t i = 0; i < SH_ARRAY_SIZE(commands); i++)
		if (strcmp(cmd, commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	return sh_usage_error(NULL, "unknown command '%s'", cmd);
}

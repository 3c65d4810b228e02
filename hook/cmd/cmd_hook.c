/* The OCI hook front-ends: precreate (config on stdin -> stdout), inject (a bundle's config.json),
 * and state (any state-hook stage: record and verify; the decisions are in statehook.c). */
#include "config.h"
#include "agent.h"
#include "cli.h"
#include "gofold.h"
#include "hookcfg.h"
#include "loaderstore.h"
#include "oplog.h"
#include "seal.h"
#include "statehook.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char hook_opts_help[] =
	"  --mode=MODE            runtime (default): write the resolved profile into linux.seccomp;\n"
	"                         init: compile to BPF and start the container through seccomp-hook-init\n"
	"  --profiles-dir=DIR     where NAME.json profiles live (default: the installed directories)\n"
	"  --default-profile=NAME profile for containers without the org.seccomp-hook.profile annotation\n"
	"  --cache-dir=DIR        init mode: compiled-filter cache (default " SH_DEFAULT_CACHE_DIR ")\n"
	"  --loader=PATH          init mode: the seccomp-hook-init binary (default " SH_LIBEXECDIR "/seccomp-hook-init)\n"
	"  --loader-store=DIR     init mode: where the loader's read-only copy is mounted, which containers bind\n"
	"                         (default " SH_LOADER_STORE ")\n"
	"  --runtime=NAME         the runtime that runs the configs written: any (default), crun or wrapper.\n"
	"                         With crun, init mode hands crun the compiled program (run.oci.seccomp_bpf_data)\n"
	"                         instead of the loader; linux.seccomp kills every syscall, so a runtime that\n"
	"                         ignores the program does not start the container. wrapper: seccomp-hook-runtime\n"
	"                         runs every container, so precreate's init mode keeps the loader (with any,\n"
	"                         precreate applies runtime mode, as a plain runtime cannot run the loader's\n"
	"                         config safely)\n"
	"  --allow-unfiltered-exec  init mode with the loader: let the runtime start processes in the\n"
	"                         container itself (runc exec, podman exec) with no filter. Without it,\n"
	"                         linux.seccomp refuses execve, so only seccomp-hook-runtime, which routes\n"
	"                         every exec through the loader, can run the config\n"
	"  --recordings-dir=DIR   where org.seccomp-hook.record=NAME writes NAME.json when the container stops\n"
	"                         (default " SH_DEFAULT_RECORDINGS_DIR ")\n"
	"  --reports-log=FILE     JSON lines of org.seccomp-hook.report (default " SH_DEFAULT_REPORTS_LOG ")\n"
	"  --metrics-dir=DIR      reports: seccomp-hook-CONTAINER.prom counts for node_exporter's textfile\n"
	"                         collector (default: none)\n"
	"  --agents-dir=DIR       the agents' sockets (default " SH_DEFAULT_AGENTS_DIR ")\n"
	"  --seal-key=FILE        the host key that seals what the transform writes, so that it recognises\n"
	"                         its own output and nothing else (default " SH_SEAL_KEY_DEFAULT ", made on\n"
	"                         first use, root's, mode 0600)\n"
	"  --overlay=NAME|PATH    a profile of deny rules stacked on whatever the container gets: its\n"
	"                         profile, the one linux.seccomp holds, or none (NAME: overlays/NAME.json in\n"
	"                         the profiles directories). May be given more than once\n"
	"  --overlay-unconfined=yes|no  no: a container with no filter at all stays so (default yes)\n"
	"  -h, --help             show this help\n\n"
	"Annotations: org.seccomp-hook.profile=NAME|unconfined, org.seccomp-hook.mode=runtime|init,\n"
	"org.seccomp-hook.record=NAME (and org.seccomp-hook.record-args=true), org.seccomp-hook.report=enforce|complain.\n"
	"Exit status: 0 done (or nothing to do), 1 invalid or refused profile/config, 2 usage or system error.\n";

enum { OPT_MODE = 256, OPT_DIR, OPT_DEFAULT, OPT_CACHE, OPT_LOADER, OPT_PROFILE, OPT_REQUIRE, OPT_STAGE, OPT_RUNTIME, OPT_VERIFY,
       OPT_UNFILTERED_EXEC, OPT_RECORDINGS, OPT_REPORTS_LOG, OPT_METRICS, OPT_AGENTS, OPT_SEAL_KEY, OPT_LOADER_STORE,
       OPT_OVERLAY, OPT_OVERLAY_UNCONFINED, OPT_ON_REFUSAL };

/* Each command's options, from one list of entries: getopt_long refuses what a command's table lacks. */
#define OPT_ENTRY_MODE { "mode", required_argument, NULL, OPT_MODE }
#define OPT_ENTRY_DIR { "profiles-dir", required_argument, NULL, OPT_DIR }
#define OPT_ENTRY_SEAL { "seal-key", required_argument, NULL, OPT_SEAL_KEY }
#define OPT_ENTRIES_TRANSFORM                                                                        \
	OPT_ENTRY_MODE, OPT_ENTRY_DIR, { "default-profile", required_argument, NULL, OPT_DEFAULT },       \
		{ "cache-dir", required_argument, NULL, OPT_CACHE }, { "loader", required_argument, NULL, OPT_LOADER }, \
		{ "runtime", required_argument, NULL, OPT_RUNTIME },                                      \
		{ "allow-unfiltered-exec", no_argument, NULL, OPT_UNFILTERED_EXEC },                      \
		{ "recordings-dir", required_argument, NULL, OPT_RECORDINGS },                             \
		{ "reports-log", required_argument, NULL, OPT_REPORTS_LOG },                               \
		{ "metrics-dir", required_argument, NULL, OPT_METRICS }, { "agents-dir", required_argument, NULL, OPT_AGENTS }, \
		OPT_ENTRY_SEAL, { "loader-store", required_argument, NULL, OPT_LOADER_STORE },               \
		{ "overlay", required_argument, NULL, OPT_OVERLAY },                                        \
		{ "overlay-unconfined", required_argument, NULL, OPT_OVERLAY_UNCONFINED }
#define OPT_ENTRY_HELP { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }

static const struct option precreate_longopts[] = { OPT_ENTRIES_TRANSFORM,
						    { "on-refusal", required_argument, NULL, OPT_ON_REFUSAL }, OPT_ENTRY_HELP };
static const struct option inject_longopts[] = { OPT_ENTRIES_TRANSFORM,
						 { "profile", required_argument, NULL, OPT_PROFILE }, OPT_ENTRY_HELP };
static const struct option state_longopts[] = {
	OPT_ENTRY_DIR, OPT_ENTRY_SEAL, { "require", no_argument, NULL, OPT_REQUIRE }, { "stage", required_argument, NULL, OPT_STAGE },
	{ "verify-filter", no_argument, NULL, OPT_VERIFY }, OPT_ENTRY_HELP,
};

typedef struct hook_cli {
	sh_hook_opts o;
	bool require, verify_filter;
	bool refuse_in_config; /* precreate --on-refusal=config */
	bool wrapper;          /* --runtime=wrapper: seccomp-hook-runtime runs every container */
	const char *stage;
	const char *overlays[32]; /* --overlay, in the order given */
} hook_cli;

/* -1 to go on, else the usage error's exit status. */
static int add_overlay(const char *cmd, hook_cli *c, const char *arg)
{
	if (c->o.noverlays == SH_ARRAY_SIZE(c->overlays))
		return sh_usage_error(cmd, "more than %zu --overlay options", SH_ARRAY_SIZE(c->overlays));
	c->overlays[c->o.noverlays++] = arg;
	c->o.overlays = c->overlays;
	return -1;
}

/* Returns -1 to go on, else an exit status. `longopts` are the options this command takes; --help
 * prints the usage texts given (NULL ends them; a container start does not pay for joining them). */
static int parse_hook_opts(const char *cmd, const char *const usage[], const struct option *longopts, int argc,
			   char **argv, hook_cli *c)
{
	int ch;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		if (ch == 'h') {
			for (size_t i = 0; usage[i]; i++)
				fputs(usage[i], stdout);
			return SH_EXIT_OK;
		}
		if (ch == '?' || ch == ':')
			return sh_usage_error(cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
		switch (ch) {
		case OPT_MODE: c->o.mode = optarg; break;
		case OPT_DIR: c->o.profiles_dir = optarg; break;
		case OPT_DEFAULT: c->o.default_profile = optarg; break;
		case OPT_CACHE: c->o.cache_dir = optarg; break;
		case OPT_LOADER: c->o.loader = optarg; break;
		case OPT_PROFILE: c->o.profile = optarg; break;
		case OPT_REQUIRE: c->require = true; break;
		case OPT_STAGE: c->stage = optarg; break;
		case OPT_VERIFY: c->verify_filter = true; break;
		case OPT_UNFILTERED_EXEC: c->o.allow_unfiltered_exec = true; break;
		case OPT_RECORDINGS: c->o.recordings_dir = optarg; break;
		case OPT_REPORTS_LOG: c->o.reports_log = optarg; break;
		case OPT_METRICS: c->o.metrics_dir = optarg; break;
		case OPT_AGENTS: c->o.agents_dir = optarg; break;
		case OPT_SEAL_KEY: c->o.seal_key = optarg; break;
		case OPT_LOADER_STORE: c->o.loader_store = optarg; break;
		case OPT_OVERLAY: {
			int st = add_overlay(cmd, c, optarg);
			if (st >= 0)
				return st;
			break;
		}
		case OPT_OVERLAY_UNCONFINED:
			if (strcmp(optarg, "yes") != 0 && strcmp(optarg, "no") != 0)
				return sh_usage_error(cmd, "invalid --overlay-unconfined '%s' (yes or no)", optarg);
			c->o.overlay_skip_unconfined = strcmp(optarg, "no") == 0;
			break;
		case OPT_ON_REFUSAL:
			if (strcmp(optarg, "exit") != 0 && strcmp(optarg, "config") != 0)
				return sh_usage_error(cmd, "invalid --on-refusal '%s' (exit or config)", optarg);
			c->refuse_in_config = strcmp(optarg, "config") == 0;
			break;
		case OPT_RUNTIME:
			if (strcmp(optarg, "crun") != 0 && strcmp(optarg, "any") != 0 && strcmp(optarg, "wrapper") != 0)
				return sh_usage_error(cmd, "invalid --runtime '%s' (any, crun or wrapper)", optarg);
			c->o.crun = strcmp(optarg, "crun") == 0;
			c->wrapper = strcmp(optarg, "wrapper") == 0;
			break;
		}
	}
	sh_mode m;
	if (c->o.mode && sh_mode_parse(c->o.mode, &m) < 0)
		return sh_usage_error(cmd, "invalid --mode '%s' (runtime or init)", c->o.mode);
	return -1;
}

static const char precreate_usage[] =
	"Usage: seccomp-hook precreate [--mode=runtime|init] [--profiles-dir=DIR] [--default-profile=NAME]\n"
	"                              [--cache-dir=DIR] [--loader=PATH] [--runtime=any|crun|wrapper]\n"
	"                              [--allow-unfiltered-exec] [--recordings-dir=DIR] [--reports-log=FILE]\n"
	"                              [--metrics-dir=DIR] [--agents-dir=DIR] [--seal-key=FILE]\n"
	"                              [--loader-store=DIR] [--overlay=NAME|PATH]... [--overlay-unconfined=yes|no]\n"
	"                              [--on-refusal=exit|config]\n"
	"OCI precreate hook (podman, CRI-O, buildah): reads the container's runtime config on standard\n"
	"input and writes the config the runtime must use on standard output. Every warning and refusal\n"
	"is also logged to syslog (" SH_OPLOG_WHERE "). Init mode through the loader, which only\n"
	"seccomp-hook-runtime can run safely, becomes runtime mode with a warning unless --runtime=crun,\n"
	"--runtime=wrapper or --allow-unfiltered-exec says otherwise (the wrapper applies init mode again).\n\n"
	"  --on-refusal=WHAT      exit (default): a refused container is one line on standard error and\n"
	"                         exit status 1. config: exit 0 with a config every runtime refuses,\n"
	"                         naming seccomp-hook and the reason in the error it prints (podman shows\n"
	"                         the runtime's error, but drops a hook's standard error)\n";

/* A refusal, in the form --on-refusal asked for: the config every runtime refuses, or the exit status. */
static int refuse(const hook_cli *c, const char *in, size_t inlen, sh_error *err)
{
	cleanup_free char *line = sh_error_line(err), *out = NULL;
	const char *reason = strncmp(line, "seccomp-hook: error: ", 21) == 0 ? line + 21 : line;
	size_t outlen = 0;
	sh_error *again = NULL;
	if (!c->refuse_in_config || !in ||
	    sh_hook_refusal_text(in, inlen, "<stdin>", reason, &out, &outlen, &again) < 0 ||
	    sh_write_file_atomic("-", out, outlen, 0, &again) < 0) {
		sh_error_free(again);
		return sh_error_report(err);
	}
	fprintf(stderr, "%s\n", line);
	return SH_EXIT_OK;
}

int cmd_precreate(int argc, char **argv)
{
	hook_cli c = { 0 };
	static const char *const usage[] = { precreate_usage, hook_opts_help, NULL };
	int st = parse_hook_opts("precreate", usage, precreate_longopts, argc, argv, &c);
	if (st >= 0)
		return st;
	if (optind != argc)
		return sh_usage_error("precreate", "unexpected argument '%s'", argv[optind]);
	c.o.any_runtime = !c.wrapper;
	c.o.agent_creator = (int)getppid();
	cleanup_error sh_error *err = NULL;
	cleanup_free char *in = NULL, *out = NULL;
	size_t inlen = 0, outlen = 0;
	sh_diag d = { 0 };
	sh_hook_result res = { 0 };
	int r = sh_read_fd_bounded(0, "<stdin>", sh_hook_config_limits.max_bytes, &in, &inlen, &err);
	if (r == 0)
		r = sh_hook_transform_text(in, inlen, "<stdin>", &c.o, &out, &outlen, &res, &d, &err);
	sh_oplog who = { .who = "precreate", .profile = res.profile };
	sh_oplog_diag(&who, &d);
	if (r < 0)
		sh_oplog_error(&who, err);
	sh_hook_result_free(&res);
	sh_print_warnings(&d);
	sh_diag_free(&d);
	if (r < 0)
		return refuse(&c, in, inlen, err);
	/* Unchanged: hand back the very bytes we were given. */
	if (sh_write_file_atomic("-", out ? out : in, out ? outlen : inlen, 0, &err) < 0)
		return sh_error_report(err);
	return SH_EXIT_OK;
}

static const char inject_usage[] =
	"Usage: seccomp-hook inject [--mode=runtime|init] [--profiles-dir=DIR] [--default-profile=NAME]\n"
	"                           [--cache-dir=DIR] [--loader=PATH] [--runtime=any|crun|wrapper]\n"
	"                           [--allow-unfiltered-exec] [--recordings-dir=DIR] [--reports-log=FILE]\n"
	"                           [--metrics-dir=DIR] [--agents-dir=DIR] [--seal-key=FILE]\n"
	"                           [--loader-store=DIR] [--overlay=NAME|PATH]... [--overlay-unconfined=yes|no]\n"
	"                           [--profile=NAME|PATH] BUNDLE_DIR\n"
	"Apply a profile to a plain runc/crun bundle: rewrites BUNDLE_DIR/config.json atomically with the\n"
	"same logic as the precreate hook. --profile wins over the config's annotations.\n\n";

int cmd_inject(int argc, char **argv)
{
	hook_cli c = { 0 };
	static const char *const usage[] = { inject_usage, "  --profile=NAME|PATH    the profile to apply\n",
					     hook_opts_help, NULL };
	int st = parse_hook_opts("inject", usage, inject_longopts, argc, argv, &c);
	if (st >= 0)
		return st;
	if (argc - optind != 1)
		return sh_usage_error("inject", "expected exactly one BUNDLE_DIR");
	cleanup_error sh_error *err = NULL;
	sh_diag d = { 0 };
	int r = sh_hook_rewrite_bundle(argv[optind], &c.o, true, NULL, &d, NULL, &err);
	sh_print_warnings(&d);
	sh_diag_free(&d);
	return r < 0 ? sh_error_report(err) : SH_EXIT_OK;
}

/* ---- state ------------------------------------------------------------------------------------- */

static const char state_usage[] =
	"Usage: seccomp-hook state [--require] [--verify-filter] [--stage=STAGE] [--profiles-dir=DIR]\n"
	"                          [--seal-key=FILE]\n"
	"OCI state hook for any stage (prestart, createRuntime, createContainer, startContainer, poststart,\n"
	"poststop): reads the state JSON on standard input, finds the bundle's config, and logs (syslog and\n"
	"standard error) the container id, profile and BPF digest.\n\n"
	"  --require        refuse a container whose annotation asks for a profile its config does not\n"
	"                   carry (config stages); at poststart, kill a container whose PID 1 runs no filter\n"
	"  --verify-filter  with --require at poststart, also read back the filters PID 1 runs (ptrace)\n"
	"                   and log their digests; in init mode kill it unless one is the compiled\n"
	"                   program the config names (org.seccomp-hook.applied); with overlays, also unless\n"
	"                   the filters together deny every call the overlays deny, as they deny it\n"
	"  --stage=STAGE    the stage this hook runs at (default: inferred from the state's status)\n"
	"  --profiles-dir=DIR  where the overlays the config names are (overlays/NAME.json)\n"
	"  --seal-key=FILE  the key precreate and inject seal their output with (default " SH_SEAL_KEY_DEFAULT ");\n"
	"                   what a config says was applied counts only under that seal\n"
	"  -h, --help       show this help\n";

static int run_state(const hook_cli *c, sh_error **err)
{
	cleanup_free char *in = NULL;
	size_t inlen = 0;
	sh_json *st = NULL;
	sh_state_info si = { 0 };
	int r = sh_read_fd_bounded(0, "<stdin>", 1u << 20, &in, &inlen, err);
	if (r == 0)
		r = sh_json_parse(in, inlen, "<stdin>", NULL, &st, err);
	if (r == 0)
		r = sh_gofold_check_state(st, "<stdin>", err);
	if (r == 0)
		r = sh_hook_check_annotations(st, err);
	if (r == 0)
		r = sh_state_read(st, &si, err);
	if (r == 0)
		r = sh_state_check_bundle(&(sh_state_opts){ .stage = c->stage, .require = c->require,
							    .verify_filter = c->verify_filter, .seal_key = c->o.seal_key,
							    .profiles_dir = c->o.profiles_dir },
					  &si, err);
	sh_json_free(st);
	return r;
}

int cmd_state(int argc, char **argv)
{
	hook_cli c = { 0 };
	static const char *const usage[] = { state_usage, NULL };
	int st = parse_hook_opts("state", usage, state_longopts, argc, argv, &c);
	if (st >= 0)
		return st;
	if (optind != argc)
		return sh_usage_error("state", "unexpected argument '%s'", argv[optind]);
	static const char *const stages[] = { "prestart", "createRuntime", "createContainer", "startContainer",
					       "poststart", "poststop" };
	bool known = !c.stage;
	for (size_t i = 0; i < SH_ARRAY_SIZE(stages) && !known; i++)
		known = strcmp(c.stage, stages[i]) == 0;
	if (!known)
		return sh_usage_error("state", "unknown --stage '%s'", c.stage);
	cleanup_error sh_error *err = NULL;
	return run_state(&c, &err) < 0 ? sh_error_report(err) : SH_EXIT_OK;
}

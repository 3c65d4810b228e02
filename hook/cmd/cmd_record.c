/* seccomp-hook record: run a command under a filter that hands every call to this process, and write
 * the Docker-format profile of what it used. The filter, the supervisor and the recorder are the
 * library's (notifyset, supervise, record); this is the command line. */
#include "config.h"
#include "cli.h"
#include "crossarch.h"
#include "names.h"
#include "notifyset.h"
#include "record.h"
#include "startcalls.h"
#include "supervise.h"
#include "translate.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char record_usage[] =
	"Usage: seccomp-hook record -o OUT.json [--base=PROFILE] [--profiles-dir=DIR] [--args] [--caps=..]\n"
	"                           [--arch=..] [--target-arch=..] [--kernel=X.Y] [--for=runc|crun|init]\n"
	"                           [-v] [-q] -- COMMAND [ARG...]\n"
	"Run COMMAND, with every process and thread it starts and on every ABI (x86_64, x86, x32), under\n"
	"a filter that hands each syscall to this process (seccomp user notification; no ptrace, eBPF or\n"
	"kernel headers), and write a Docker-format profile of the syscalls it used: defaultAction\n"
	"SCMP_ACT_ERRNO (EPERM) or the base's, an archMap of the native arch and its sub-architectures, and\n"
	"one ALLOW rule with the names used. The recording ends when COMMAND and everything it started\n"
	"have exited; SIGTERM, SIGINT and SIGHUP are passed on to COMMAND (stop a server with kill -TERM).\n\n"
	"  -o, --output=F    where the profile goes (written atomically, also when COMMAND fails)\n"
	"  --base=PROFILE    record on top of an enforcing profile (file, or NAME in the profiles\n"
	"                    directories): what it denies stays denied, is answered with its errno, and is\n"
	"                    listed in the summary; what it allows only under conditions keeps them\n"
	"  --profiles-dir=DIR  where to look NAME up\n"
	"  --args            allow clone, personality and socket only with the argument values used\n"
	"                    (clone's namespace flags, the personality, the socket domain), as Docker's\n"
	"                    profile keys them; with --base, only those of the values the base allows\n"
	"  --caps=LIST       with --base: capabilities for its includes/excludes (default 'docker':\n"
	"                    Docker's default set; 'caller': this process's bounding set)\n"
	"  --for=RUNTIME     the profile is for a container started by runc, crun or init (the loader,\n"
	"                    init mode): also allow what that installer calls after the filter is in\n"
	"                    and before COMMAND runs, which a run on the host never makes (where the base\n"
	"                    allows them whatever the arguments)\n"
	"  --arch=A,..       architectures to record (default: the base's, or native + sub-architectures)\n"
	"  --target-arch=A,..  also make the profile run COMMAND on these architectures (aarch64 from an\n"
	"                    x86_64 recording, x86_64 from an aarch64 one): an archMap entry for each, and a\n"
	"                    rule limited to it allowing the calls the same libc functions make there (openat\n"
	"                    for open, newfstatat for stat, clone for fork...; with --base, those it allows)\n"
	"  --kernel=X.Y      with --base: kernel version for minKernel (default: the running kernel)\n"
	"  -v, --verbose     a line for each syscall at its first call\n"
	"  -q, --quiet       no summary line\n"
	"  -h, --help        show this help\n\n"
	"The summary on standard error says how many syscalls were used, which calls the base denied (with\n"
	"the deciding rule, as explain names it) and where the profile was written; with --base, a line\n"
	"first says what the base was resolved for (architectures, capabilities, kernel).\n\n"
	"Exit status: COMMAND's (128+N if a signal N ended it); 1 invalid base profile; 2 usage or system\n"
	"error (the filter could not be installed: COMMAND did not run; or the profile could not be\n"
	"written); 127 COMMAND not found.\n";

typedef struct record_opts {
	sh_target_opts t;
	const char *output, *base, *dir, *targets;
	bool args, verbose;
	bool for_container;
	sh_installer installer; /* --for */
} record_opts;

/* Names the filter never hands over, so that processes can still end if this process is killed. */
static const char *const exempt[] = { "exit", "exit_group", NULL };

typedef struct recording {
	sh_recorder *rec;
	bool verbose;
} recording;

static void on_call(void *ctx, const sh_call *c)
{
	recording *r = ctx;
	const char *name;
	if (sh_recorder_add(r->rec, c, &name) && r->verbose)
		fprintf(stderr, "seccomp-hook record: %s %s by pid %d%s\n", sh_arch_scmp_name(c->arch),
			name ? name : "(no name)", (int)c->pid, c->let_through ? "" : " (denied by the base)");
}

typedef struct pipeline {
	sh_profile *p;
	sh_ruleset *base, *filter;
	sh_engine engine; /* the base's program, which decides every call (engine.rs NULL without a base) */
	sh_bpf bpf;
	sh_target t;      /* what the base was resolved for */
	uint32_t targets[SH_MAX_ARCHES]; /* --target-arch */
	size_t ntargets;
} pipeline;

static const sh_engine *base_engine(const pipeline *pl)
{
	return pl->engine.rs ? &pl->engine : NULL;
}

static void pipeline_free(pipeline *pl)
{
	sh_engine_fini(&pl->engine);
	sh_ruleset_free(pl->filter);
	sh_ruleset_free(pl->base);
	sh_profile_free(pl->p);
	sh_bpf_free(&pl->bpf);
}

static int build_filter(record_opts *o, pipeline *pl, sh_error **err)
{
	sh_target *t = &pl->t;
	if (o->base ? sh_cli_load_ruleset(o->base, o->dir, &o->t, t, &pl->p, &pl->base, err) < 0 ||
			      sh_engine_init(&pl->engine, pl->base, err) < 0
		    : sh_cli_target(&o->t, t, err) < 0)
		return -1;
	if (o->base)
		sh_cli_say_target("record", &o->t, t, pl->base);
	uint32_t family[4];
	size_t n = t->arches ? t->narches : sh_arch_family(sh_arch_native(), family);
	sh_notify_opts no = { .default_may_notify = true, .exempt = exempt };
	pl->filter = sh_notifyset_record(base_engine(pl), sh_notify_no_base(), t->arches ? t->arches : family, n, &no);
	/* Checked before anything runs: a recording that cannot be written as asked is not worth making. */
	if (o->targets && sh_crossarch_targets(o->targets, pl->filter->arches[0], pl->targets, SH_MAX_ARCHES,
						&pl->ntargets, err) < 0)
		return -1;
	sh_diag d = { 0 };
	int r = sh_translate_bpf(pl->filter, NULL, &pl->bpf, &d, err);
	sh_diag_free(&d); /* names missing on one of the arches: not the user's concern here */
	return r;
}

/* The names the profile allows without their calls being seen: exec's own exempt names, and with
 * --for what the installer calls after the filter is in; those the base allows whatever the
 * arguments. */
static size_t always_allowed(const record_opts *o, const pipeline *pl, const char **out, size_t max)
{
	const char *start[64];
	size_t n = o->for_container ? sh_start_calls(o->installer, NULL, SH_START_NEEDED | SH_START_WANTED, start,
						    SH_ARRAY_SIZE(start)) : 0;
	size_t k = 0;
	for (size_t i = 0; exempt[i] && k < max; i++)
		if (sh_engine_allows_whole(base_engine(pl), exempt[i]))
			out[k++] = exempt[i];
	for (size_t i = 0; i < n && k < max; i++)
		if (sh_engine_allows_whole(base_engine(pl), start[i]))
			out[k++] = start[i];
	return k;
}

static int write_profile(const record_opts *o, const pipeline *pl, const sh_recorder *rec, sh_error **err)
{
	const char *always[80] = { NULL };
	always_allowed(o, pl, always, SH_ARRAY_SIZE(always) - 1);
	sh_crossarch_opts x = { .targets = pl->targets, .ntargets = pl->ntargets, .base = pl->p, .base_target = &pl->t };
	return sh_recorder_write(rec, pl->filter->arches, pl->filter->narches, always, &x, o->output, err);
}

/* Before anything runs: a recording that cannot be written is not worth making. */
static int check_output(const char *out, sh_error **err)
{
	const char *slash = strrchr(out, '/');
	cleanup_free char *dir = slash ? sh_xstrndup(out, (size_t)(slash - out) + (slash == out)) : sh_xstrdup(".");
	if (access(dir, W_OK) < 0)
		return sh_error_errno(err, errno, "-o %s: cannot write in %s", out, dir);
	return 0;
}

static int record(record_opts *o, const char *path, char **argv, int *status, sh_error **err)
{
	pipeline pl = { 0 };
	int r = check_output(o->output, err);
	if (r == 0)
		r = build_filter(o, &pl, err);
	if (r < 0) {
		pipeline_free(&pl);
		return -1;
	}
	recording rc = { .rec = sh_recorder_new(pl.base, o->args), .verbose = o->verbose };
	sh_supervisor *sup = sh_supervisor_new(base_engine(&pl), false, on_call, &rc);
	if (!sh_cli_quiet)
		fprintf(stderr, "seccomp-hook record: recording %s (pid %d: kill -TERM it to stop)\n", argv[0], (int)getpid());
	r = sh_run_supervised(sup, path, argv, &pl.bpf, sh_translate_flags(pl.filter), status, err);
	sh_supervisor_free(sup);
	if (r == 0)
		r = write_profile(o, &pl, rc.rec, err);
	if (r == 0 && !sh_cli_quiet) {
		cleanup_free char *sum = sh_recorder_summary(rc.rec);
		cleanup_free char *with = o->for_container ? sh_xasprintf(" (with what %s calls after the filter is in)",
									sh_installer_name(o->installer)) : NULL;
		fprintf(stderr, "seccomp-hook record: %s; profile written to %s%s\n", sum, o->output, with ? with : "");
	}
	sh_recorder_free(rc.rec);
	pipeline_free(&pl);
	return r;
}

int cmd_record(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' }, { "base", required_argument, NULL, 'b' },
		{ "args", no_argument, NULL, 'A' }, { "caps", required_argument, NULL, 'c' },
		{ "arch", required_argument, NULL, 'a' }, { "kernel", required_argument, NULL, 'k' },
		{ "target-arch", required_argument, NULL, 'T' },
		{ "profiles-dir", required_argument, NULL, 'd' }, { "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' }, { "for", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	record_opts o = { 0 };
	int ch;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+o:vqh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o': o.output = optarg; break;
		case 'b': o.base = optarg; break;
		case 'A': o.args = true; break;
		case 'c': o.t.caps = optarg; break;
		case 'a': o.t.arch = optarg; break;
		case 'T': o.targets = optarg; break;
		case 'k': o.t.kernel = optarg; break;
		case 'd': o.dir = optarg; break;
		case 'v': o.verbose = true; break;
		case 'F':
			if (sh_installer_parse(optarg, &o.installer) < 0)
				return sh_usage_error("record", "--for is runc, crun or init, not '%s'", optarg);
			o.for_container = true;
			break;
		case 'q': sh_cli_quiet = true; break;
		case 'h': fputs(record_usage, stdout); return SH_EXIT_OK;
		default: return sh_usage_error("record", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (!o.output)
		return sh_usage_error("record", "-o OUT.json is required");
	if (optind >= argc)
		return sh_usage_error("record", "no COMMAND given");
	cleanup_free char *path = sh_path_lookup(argv[optind]);
	if (!path) {
		fprintf(stderr, "seccomp-hook record: error: %s: command not found\n", argv[optind]);
		return 127;
	}
	cleanup_error sh_error *err = NULL;
	int status = 0;
	if (record(&o, path, argv + optind, &status, &err) < 0)
		return sh_error_report(err);
	return sh_wait_exit_code(status);
}

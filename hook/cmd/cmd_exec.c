/* seccomp-hook exec: put this process under a profile (or precompiled BPF), then exec COMMAND.
 * The same path as the init loader, for any process: entrypoints, systemd units, CI jobs. */
#include "config.h"
#include "apply.h"
#include "cli.h"
#include "notify.h"
#include "report.h"
#include "supervise.h"
#include "lookup.h"
#include "names.h"
#include "overlay.h"
#include "translate.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

static const char exec_usage[] =
	"Usage: seccomp-hook exec [--profile=PROFILE | --bpf=FILE] [--overlay=NAME|PATH]... [--caps=..]\n"
	"                         [--arch=..] [--kernel=X.Y] [--flags=FLAG,..] [--report=enforce|complain\n"
	"                         [--report-log=FILE] [--report-metrics=FILE]] [-q] -- COMMAND [ARG...]\n"
	"Install a seccomp filter in this process and exec COMMAND under it (PATH lookup as a runtime\n"
	"does it). no_new_privs is set unless the process holds CAP_SYS_ADMIN; the filter is installed\n"
	"with TSYNC. If anything fails, COMMAND is not run.\n\n"
	"  --profile=P     a profile file, or NAME for NAME.json in the profiles directories\n"
	"  --profiles-dir=DIR  where to look NAME up\n"
	"  --bpf=FILE      precompiled raw BPF (compile --format=bpf)\n"
	"  --overlay=O     a profile of deny rules (overlays/NAME.json in the profiles directories, or a file)\n"
	"                  stacked on the profile or program: a call gets the more restrictive answer of\n"
	"                  the two, the profile's where they are equal. With --profile, one filter proven\n"
	"                  to answer so where there is one; else (and under --bpf) installed first. Alone,\n"
	"                  it is the filter. May be given more than once\n"
	"  --flags=LIST    with --bpf: SECCOMP_FILTER_FLAG_LOG,SPEC_ALLOW,.. to install with\n"
	"  --caps=LIST     capabilities for includes/excludes: names (CAP_SYS_ADMIN,..), 'all', 'none',\n"
	"                  'docker' (the default: Docker's default set, so that the profile decides as in\n"
	"                  `docker run`; docker,CAP_SYS_ADMIN adds one) or 'caller' (this process's\n"
	"                  bounding set: every capability for root, as a privileged container)\n"
	"  --arch=A,..     architectures (default: native + the profile's archMap)\n"
	"  --kernel=X.Y    kernel version for minKernel (default: the running kernel)\n"
	"  --report=MODE   with --profile: hand every call the profile denies with an errno (its rules and\n"
	"                  default action) to this process, which stays COMMAND's parent, and report it\n"
	"                  once per (syscall, rule) with pid, comm, arguments and the deciding rule (as\n"
	"                  explain names it) on stderr and to syslog; 'enforce' answers with the profile's\n"
	"                  errno, 'complain' lets the call through. Allowed calls run the same filter path\n"
	"                  as without --report. If the reporter dies, those calls fail with ENOSYS.\n"
	"  --report-log=F  also append each report to F as a JSON object per line\n"
	"  --report-metrics=F  keep per-(syscall, action) counts in F in the Prometheus text format (for\n"
	"                  node_exporter's textfile collector), rewritten at most once a second\n"
	"  -q, --quiet     no warnings (unknown syscall names skipped and the like) and no summary line;\n"
	"                  errors still print\n"
	"  -h, --help      show this help\n\n"
	"With --profile, one summary line on stderr says what the filter was resolved for: rules applied,\n"
	"architectures, the capability set (--caps: Docker's default set unless told) and kernel.\n\n"
	"Exit status: COMMAND's; 1 invalid profile; 2 usage or system error (filter not installed);\n"
	"126/127 COMMAND could not be executed.\n";

typedef struct exec_opts {
	sh_target_opts t;
	const char *profile, *bpf, *flags, *dir;
	const char *overlays[32];
	size_t noverlays;
	const char *report, *report_log, *report_metrics;
	int exit; /* --report: COMMAND's exit code */
} exec_opts;

int sh_cli_read_bpf_file(const char *path, sh_bpf *b, sh_error **err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return sh_error_errno(err, errno, "%s", path);
	cleanup_free char *buf = NULL;
	size_t len = 0;
	if (sh_read_fd_bounded(fd, path, SH_BPF_MAX_INSNS * sizeof(struct sock_filter) + 1, &buf, &len, err) < 0)
		return -1;
	const char *bad = sh_bpf_check_size(len);
	if (!bad)
		bad = sh_bpf_check_program((const struct sock_filter *)buf, len / sizeof(struct sock_filter));
	if (bad)
		return sh_error_at(err, SH_EXIT_INVALID, path, 0, 0, "not a usable BPF program: %s", bad);
	b->insns = (struct sock_filter *)steal_pointer(&buf);
	b->len = len / sizeof(struct sock_filter);
	return 0;
}

static int parse_flags(const char *s, unsigned *flags, sh_error **err)
{
	size_t n;
	char **v = sh_split_commas(s, &n);
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		uint32_t bit;
		cleanup_free char *full = strncmp(v[i], "SECCOMP_FILTER_FLAG_", 20) == 0 ? sh_xstrdup(v[i])
							: sh_xasprintf("SECCOMP_FILTER_FLAG_%s", v[i]);
		if (sh_flag_from_name(full, &bit) < 0)
			r = sh_error_set(err, SH_EXIT_SYSTEM, "--flags: unknown flag '%s'", v[i]);
		*flags |= bit;
	}
	sh_strv_free(v);
	return r;
}

/* What is about to be installed, and in particular which capability set decided includes/excludes. */
static char *summary(const exec_opts *o, const sh_target *t, const sh_ruleset *rs, const sh_bpf *b)
{
	cleanup_free char *target = sh_cli_describe_target(&o->t, t, rs);
	return sh_xasprintf("seccomp-hook exec: %s: %zu of %zu rules for %s; %zu instructions\n",
			    rs->profile->file, rs->nrules, rs->profile->nrules, target, b->len);
}

/* The overlays on the profile (rs): the composed rule set (*composed, which borrows rs), one filter
 * proven to answer as the two stacked, as a container gets it; where there is none, or under a
 * program (--bpf), the overlays' program to install first (*out), in the form that leaves the
 * multiplexers to what is under it; with nothing under it, libseccomp's (overlay.h). */
static int overlay_program(exec_opts *o, const sh_ruleset *rs, bool under, sh_bpf *out, sh_ruleset **composed,
			   sh_error **err)
{
	sh_overlay_set set;
	sh_diag d = { 0 };
	sh_target t;
	uint32_t family[4];
	if (sh_overlay_set_load(o->overlays, o->noverlays, o->dir, &set, &d, err) < 0 ||
	    sh_cli_target(&o->t, &t, err) < 0) {
		sh_diag_free(&d);
		return -1;
	}
	sh_print_warnings(&d);
	sh_diag_free(&d);
	size_t nf = rs ? rs->narches : sh_arch_family(t.native_arch ? t.native_arch : sh_arch_native(), family);
	cleanup_ruleset sh_ruleset *ov = NULL;
	int r = sh_overlay_merge((const sh_profile *const *)set.p, set.n, &t, rs ? rs->arches : family, nf, &ov, err);
	sh_error *inexpressible = NULL;
	if (r == 0 && rs && composed && sh_overlay_stack(rs, ov, composed, NULL, &inexpressible) == 0)
		r = 1;
	sh_error_free(inexpressible);
	if (r == 0)
		r = sh_overlay_program(ov, under, out, err);
	sh_overlay_set_free(&set);
	return r < 0 ? -1 : 0;
}

static int compile_profile(exec_opts *o, sh_bpf *b, sh_bpf *ob, unsigned *flags, char **listener, char **metadata,
			   char **said, sh_error **err)
{
	sh_target t;
	cleanup_profile sh_profile *p = NULL;
	cleanup_ruleset sh_ruleset *rs = NULL;
	if (sh_cli_load_ruleset(o->profile, o->dir, &o->t, &t, &p, &rs, err) < 0)
		return -1;
	cleanup_ruleset sh_ruleset *composed = NULL; /* borrows rs: freed first */
	if (o->noverlays && overlay_program(o, rs, true, ob, &composed, err) < 0)
		return -1;
	const sh_ruleset *installed = composed ? composed : rs;
	sh_diag d = { 0 };
	int r = sh_translate_bpf(installed, NULL, b, &d, err);
	sh_print_warnings(&d);
	sh_diag_free(&d);
	if (r < 0)
		return -1;
	*flags = sh_translate_flags(rs);
	*said = summary(o, &t, rs, b);
	*listener = p->listener_path ? sh_xstrdup(p->listener_path) : NULL;
	*metadata = p->listener_metadata ? sh_xstrdup(p->listener_metadata) : NULL;
	return 0;
}

/* --report: the profile's errno decisions handed to this process, which reports them and answers. */
typedef struct reported {
	sh_target t;
	sh_profile *p;
	sh_ruleset *base;
	sh_engine engine; /* the profile's own program: what decides each handed-over call */
	sh_bpf bpf;       /* the same program with its errno answers handed over: what is installed */
	sh_reporter *rep;
} reported;

static void reported_free(reported *x)
{
	sh_reporter_free(x->rep);
	sh_bpf_free(&x->bpf);
	sh_engine_fini(&x->engine);
	sh_ruleset_free(x->base);
	sh_profile_free(x->p);
}

static int prepare_report(exec_opts *o, const char *id, reported *x, sh_error **err)
{
	if (sh_cli_load_ruleset(o->profile, o->dir, &o->t, &x->t, &x->p, &x->base, err) < 0)
		return -1;
	if (sh_translate_flags(x->base) & SH_FLAG_NEW_LISTENER)
		return sh_error_set(err, SH_EXIT_INVALID, "%s: --report cannot serve a profile that has its own "
				    "SCMP_ACT_NOTIFY listener", x->p->file);
	/* The profile's own program with its errno answers handed over: allowed calls take its path. */
	sh_translate_opts to = { .optimize = 2, .notify_errno = true };
	sh_diag d = { 0 };
	int r = sh_translate_bpf(x->base, &to, &x->bpf, &d, err);
	sh_diag_free(&d); /* the same names as the profile's, whose warnings were printed */
	if (r < 0 || sh_engine_init(&x->engine, x->base, err) < 0)
		return -1;
	sh_report_opts ro = { .container = id, .complain = strcmp(o->report, "complain") == 0, .syslog = true,
			      .text = sh_cli_quiet ? NULL : stderr, .jsonl = o->report_log, .metrics = o->report_metrics };
	x->rep = sh_reporter_new(x->base, &ro, err);
	return x->rep ? 0 : -1;
}

static int run_reported(exec_opts *o, char **argv, sh_error **err)
{
	cleanup_free char *path = sh_path_lookup(argv[0]);
	if (!path)
		return sh_error_set(err, SH_EXIT_SYSTEM, "%s: command not found", argv[0]);
	cleanup_free char *id = sh_xasprintf("exec:%s", argv[0]);
	reported x = { 0 };
	int r = prepare_report(o, id, &x, err);
	if (r == 0 && !sh_cli_quiet) {
		cleanup_free char *said = summary(o, &x.t, x.base, &x.bpf);
		fputs(said, stderr);
	}
	int status = 0;
	if (r == 0) {
		sh_supervisor *sup = sh_supervisor_new(&x.engine, strcmp(o->report, "complain") == 0, sh_reporter_call, x.rep);
		r = sh_run_supervised(sup, path, argv, &x.bpf, sh_translate_flags(x.base), &status, err);
		sh_supervisor_free(sup);
	}
	if (r == 0 && sh_reporter_flush(x.rep, err) < 0)
		r = -1;
	if (r == 0 && !sh_cli_quiet) {
		size_t n;
		unsigned long long calls;
		sh_reporter_counts(x.rep, &n, &calls);
		fprintf(stderr, "seccomp-hook exec: %zu denials reported (%llu calls, %s)\n", n, calls, o->report);
	}
	reported_free(&x);
	o->exit = sh_wait_exit_code(status);
	return r;
}

/* The overlays' program, then (the newer filter, whose answer stands between equal ones) the
 * profile's or the file's. */
static int install_overlay(const sh_bpf *ob, unsigned flags, sh_error **err)
{
	const char *why = NULL;
	if (ob->insns && sh_apply_filter(ob->insns, ob->len, flags & ~SH_FLAG_NEW_LISTENER, &why) < 0)
		return sh_error_errno(err, errno, "cannot install the overlays' filter: %s", why);
	return 0;
}

static int prepare(exec_opts *o, sh_bpf *b, sh_bpf *ob, unsigned *flags, char **listener, char **metadata, char **said,
		   sh_error **err)
{
	if (!o->bpf && !o->profile) { /* the overlays alone */
		*flags = SH_FLAG_SPEC_ALLOW;
		return overlay_program(o, NULL, false, ob, NULL, err);
	}
	int r = o->bpf ? sh_cli_read_bpf_file(o->bpf, b, err) : compile_profile(o, b, ob, flags, listener, metadata, said, err);
	if (r == 0 && o->bpf && o->noverlays)
		r = overlay_program(o, NULL, true, ob, NULL, err);
	return r;
}

static int apply(exec_opts *o, sh_error **err)
{
	sh_bpf b = { 0 }, ob = { 0 };
	unsigned flags = 0;
	cleanup_free char *listener = NULL, *metadata = NULL, *said = NULL;
	int r = prepare(o, &b, &ob, &flags, &listener, &metadata, &said, err);
	if (r == 0 && o->flags)
		r = parse_flags(o->flags, &flags, err);
	cleanup_close int sock = -1;
	if (r == 0 && (flags & SH_FLAG_NEW_LISTENER) && listener)
		r = sock = sh_notify_connect(listener, err);
	if (r < 0) {
		sh_bpf_free(&b);
		sh_bpf_free(&ob);
		return -1;
	}
	if (said && !sh_cli_quiet)
		fputs(said, stderr); /* before the filter: it may deny the write */
	r = install_overlay(&ob, flags, err);
	sh_bpf_free(&ob);
	if (r < 0 || !b.insns) {
		sh_bpf_free(&b);
		return r;
	}
	const char *why = NULL;
	int fd = sh_apply_filter(b.insns, b.len, flags, &why);
	sh_bpf_free(&b);
	if (fd < 0)
		return sh_error_errno(err, errno, "cannot install the filter: %s", why);
	if (fd > 0) {
		cleanup_free char *id = sh_xasprintf("seccomp-hook-exec-%d", (int)getpid());
		sh_notify_state st = { .id = id, .status = "running", .bundle = "", .metadata = metadata, .pid = getpid() };
		r = sh_notify_send(sock, fd, &st, err);
		close(fd);
	}
	return r;
}

int cmd_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "profile", required_argument, NULL, 'p' }, { "bpf", required_argument, NULL, 'b' },
		{ "caps", required_argument, NULL, 'c' }, { "arch", required_argument, NULL, 'a' },
		{ "kernel", required_argument, NULL, 'k' }, { "flags", required_argument, NULL, 'f' },
		{ "profiles-dir", required_argument, NULL, 'd' }, { "quiet", no_argument, NULL, 'q' },
		{ "report", required_argument, NULL, 'r' }, { "report-log", required_argument, NULL, 'L' },
		{ "report-metrics", required_argument, NULL, 'M' }, { "overlay", required_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	exec_opts o = { 0 };
	int ch;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+qh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'q': sh_cli_quiet = true; break;
		case 'p': o.profile = optarg; break;
		case 'b': o.bpf = optarg; break;
		case 'c': o.t.caps = optarg; break;
		case 'a': o.t.arch = optarg; break;
		case 'k': o.t.kernel = optarg; break;
		case 'f': o.flags = optarg; break;
		case 'd': o.dir = optarg; break;
		case 'r': o.report = optarg; break;
		case 'L': o.report_log = optarg; break;
		case 'M': o.report_metrics = optarg; break;
		case 'O':
			if (o.noverlays == SH_ARRAY_SIZE(o.overlays))
				return sh_usage_error("exec", "more than %zu --overlay options", SH_ARRAY_SIZE(o.overlays));
			o.overlays[o.noverlays++] = optarg;
			break;
		case 'h': fputs(exec_usage, stdout); return SH_EXIT_OK;
		default: return sh_usage_error("exec", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (o.profile && o.bpf)
		return sh_usage_error("exec", "give one of --profile and --bpf");
	if (!o.profile && !o.bpf && !o.noverlays)
		return sh_usage_error("exec", "give --profile, --bpf or --overlay");
	if (o.flags && !o.bpf)
		return sh_usage_error("exec", "--flags goes with --bpf (a profile carries its own flags)");
	if (optind >= argc)
		return sh_usage_error("exec", "no COMMAND given");
	if (o.report && strcmp(o.report, "enforce") != 0 && strcmp(o.report, "complain") != 0)
		return sh_usage_error("exec", "--report is enforce or complain, not '%s'", o.report);
	if (!o.report && (o.report_log || o.report_metrics))
		return sh_usage_error("exec", "--report-log and --report-metrics go with --report");
	if (o.report && !o.profile)
		return sh_usage_error("exec", "--report needs --profile (the rules name the denials)");
	if (o.report && o.noverlays)
		return sh_usage_error("exec", "--report and --overlay cannot be combined");
	cleanup_error sh_error *err = NULL;
	if (o.report)
		return run_reported(&o, argv + optind, &err) < 0 ? sh_error_report(err) : o.exit;
	if (apply(&o, &err) < 0)
		return sh_error_report(err);
	execvp(argv[optind], argv + optind);
	int e = errno;
	fprintf(stderr, "seccomp-hook exec: error: %s: %s\n", argv[optind], strerror(e));
	return e == ENOENT ? 127 : 126;
}

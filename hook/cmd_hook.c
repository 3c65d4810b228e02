/* The OCI hook front-ends: precreate (config on stdin -> stdout), inject (a bundle's config.json),
 * and state (any state-hook stage: record and verify). */
#include "config.h"
#include "apply.h"
#include "bpf.h"
#include "cli.h"
#include "gofold.h"
#include "hookcfg.h"
#include "sha256.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static const char hook_opts_help[] =
	"  --mode=MODE            runtime (default): write the resolved profile into linux.seccomp;\n"
	"                         init: compile to BPF and start the container through seccomp-hook-init\n"
	"  --profiles-dir=DIR     where NAME.json profiles live (default: the installed directories)\n"
	"  --default-profile=NAME profile for containers without the org.seccomp-hook.profile annotation\n"
	"  --cache-dir=DIR        init mode: compiled-filter cache (default " SH_DEFAULT_CACHE_DIR ")\n"
	"  --loader=PATH          init mode: the seccomp-hook-init binary (default " SH_LIBEXECDIR "/seccomp-hook-init)\n"
	"  --runtime=NAME         the runtime that runs the configs written: any (default) or crun. With crun,\n"
	"                         init mode hands crun the compiled program (run.oci.seccomp_bpf_data) instead\n"
	"                         of the loader; linux.seccomp kills every syscall, so a runtime that ignores\n"
	"                         the program does not start the container\n"
	"  --allow-unfiltered-exec  init mode with the loader: let the runtime start processes in the\n"
	"                         container itself (runc exec, podman exec) with no filter. Without it,\n"
	"                         linux.seccomp refuses execve, so only seccomp-hook-runtime, which routes\n"
	"                         every exec through the loader, can run the config\n"
	"  -h, --help             show this help\n\n"
	"Annotations: org.seccomp-hook.profile=NAME|unconfined, org.seccomp-hook.mode=runtime|init.\n"
	"Exit status: 0 done (or nothing to do), 1 invalid or refused profile/config, 2 usage or system error.\n";

enum { OPT_MODE = 256, OPT_DIR, OPT_DEFAULT, OPT_CACHE, OPT_LOADER, OPT_PROFILE, OPT_REQUIRE, OPT_STAGE, OPT_RUNTIME, OPT_VERIFY,
       OPT_UNFILTERED_EXEC };

static const struct option hook_longopts[] = {
	{ "mode", required_argument, NULL, OPT_MODE }, { "profiles-dir", required_argument, NULL, OPT_DIR },
	{ "default-profile", required_argument, NULL, OPT_DEFAULT }, { "cache-dir", required_argument, NULL, OPT_CACHE },
	{ "loader", required_argument, NULL, OPT_LOADER }, { "profile", required_argument, NULL, OPT_PROFILE },
	{ "require", no_argument, NULL, OPT_REQUIRE }, { "stage", required_argument, NULL, OPT_STAGE },
	{ "runtime", required_argument, NULL, OPT_RUNTIME }, { "verify-filter", no_argument, NULL, OPT_VERIFY },
	{ "allow-unfiltered-exec", no_argument, NULL, OPT_UNFILTERED_EXEC },
	{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
};

typedef struct hook_cli {
	sh_hook_opts o;
	bool require, verify_filter;
	const char *stage;
} hook_cli;

/* Returns -1 to go on, else an exit status. `allowed` lists the options this command takes; --help
 * prints the usage texts given (NULL ends them; a container start does not pay for joining them). */
static int parse_hook_opts(const char *cmd, const char *const usage[], const char *allowed, int argc, char **argv,
			   hook_cli *c)
{
	int ch;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", hook_longopts, NULL)) != -1) {
		if (ch == 'h') {
			for (size_t i = 0; usage[i]; i++)
				fputs(usage[i], stdout);
			return SH_EXIT_OK;
		}
		if (ch == '?' || ch == ':' || !strchr(allowed, ch - OPT_MODE + 'a'))
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
		case OPT_RUNTIME:
			if (strcmp(optarg, "crun") != 0 && strcmp(optarg, "any") != 0)
				return sh_usage_error(cmd, "invalid --runtime '%s' (any or crun)", optarg);
			c->o.crun = strcmp(optarg, "crun") == 0;
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
	"                              [--cache-dir=DIR] [--loader=PATH] [--runtime=any|crun]\n"
	"                              [--allow-unfiltered-exec]\n"
	"OCI precreate hook (podman, CRI-O, buildah): reads the container's runtime config on standard\n"
	"input and writes the config the runtime must use on standard output.\n\n";

int cmd_precreate(int argc, char **argv)
{
	hook_cli c = { 0 };
	static const char *const usage[] = { precreate_usage, hook_opts_help, NULL };
	int st = parse_hook_opts("precreate", usage, "abcdeik", argc, argv, &c);
	if (st >= 0)
		return st;
	if (optind != argc)
		return sh_usage_error("precreate", "unexpected argument '%s'", argv[optind]);
	cleanup_error sh_error *err = NULL;
	cleanup_free char *in = NULL, *out = NULL;
	size_t inlen = 0, outlen = 0;
	sh_diag d = { 0 };
	int r = sh_read_fd_bounded(0, "<stdin>", sh_hook_config_limits.max_bytes, &in, &inlen, &err);
	if (r == 0)
		r = sh_hook_transform_text(in, inlen, "<stdin>", &c.o, &out, &outlen, NULL, &d, &err);
	sh_print_warnings(&d);
	sh_diag_free(&d);
	/* Unchanged: hand back the very bytes we were given. */
	if (r < 0 || sh_write_file_atomic("-", out ? out : in, out ? outlen : inlen, 0, &err) < 0)
		return sh_error_report(err);
	return SH_EXIT_OK;
}

static const char inject_usage[] =
	"Usage: seccomp-hook inject [--mode=runtime|init] [--profiles-dir=DIR] [--default-profile=NAME]\n"
	"                           [--cache-dir=DIR] [--loader=PATH] [--runtime=any|crun]\n"
	"                           [--allow-unfiltered-exec] [--profile=NAME|PATH] BUNDLE_DIR\n"
	"Apply a profile to a plain runc/crun bundle: rewrites BUNDLE_DIR/config.json atomically with the\n"
	"same logic as the precreate hook. --profile wins over the config's annotations.\n\n";

int cmd_inject(int argc, char **argv)
{
	hook_cli c = { 0 };
	static const char *const usage[] = { inject_usage, "  --profile=NAME|PATH    the profile to apply\n",
					     hook_opts_help, NULL };
	int st = parse_hook_opts("inject", usage, "abcdefik", argc, argv, &c);
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
	"OCI state hook for any stage (prestart, createRuntime, createContainer, startContainer, poststart,\n"
	"poststop): reads the state JSON on standard input, finds the bundle's config, and logs (syslog and\n"
	"standard error) the container id, profile and BPF digest.\n\n"
	"  --require        refuse a container whose annotation asks for a profile its config does not\n"
	"                   carry (config stages); at poststart, kill a container whose PID 1 runs no filter\n"
	"  --verify-filter  with --require at poststart, also read back the filters PID 1 runs (ptrace)\n"
	"                   and log their digests; in init mode kill it unless one is the compiled\n"
	"                   program the config names (org.seccomp-hook.applied)\n"
	"  --stage=STAGE    the stage this hook runs at (default: inferred from the state's status)\n"
	"  --profiles-dir=DIR  accepted for symmetry with precreate\n"
	"  -h, --help       show this help\n";

typedef struct state_info {
	const char *id, *status, *bundle;
	long pid;
	const char *requested; /* annotation */
	const char *applied;   /* org.seccomp-hook.applied in the bundle config */
	bool has_seccomp, has_loader, has_crun_bpf;
} state_info;

static int read_state(const sh_json *st, state_info *si, sh_error **err)
{
	const sh_json *id = sh_json_get(st, "id"), *status = sh_json_get(st, "status");
	const sh_json *bundle = sh_json_get(st, "bundle"), *pid = sh_json_get(st, "pid");
	if (!id || id->type != SH_JSON_STRING || !bundle || bundle->type != SH_JSON_STRING)
		return sh_error_set(err, SH_EXIT_INVALID, "state: 'id' and 'bundle' strings are required");
	si->id = id->u.str.s;
	si->bundle = bundle->u.str.s;
	si->status = status && status->type == SH_JSON_STRING ? status->u.str.s : "";
	si->pid = pid && pid->type == SH_JSON_NUMBER ? strtol(pid->u.num, NULL, 10) : 0;
	si->requested = sh_oci_annotation(st, SH_ANNOT_PROFILE);
	return 0;
}

static void inspect_config(const sh_json *config, state_info *si)
{
	if (!si->requested)
		si->requested = sh_oci_annotation(config, SH_ANNOT_PROFILE);
	si->applied = sh_oci_annotation(config, SH_ANNOT_APPLIED);
	si->has_seccomp = !sh_json_is_null(sh_json_get(sh_json_get(config, "linux"), "seccomp"));
	si->has_crun_bpf = sh_oci_annotation(config, SH_ANNOT_CRUN_BPF) != NULL;
	const sh_json *args = sh_json_get(sh_json_get(config, "process"), "args");
	si->has_loader = args && args->type == SH_JSON_ARRAY && args->u.arr.n &&
			 args->u.arr.v[0]->type == SH_JSON_STRING && strcmp(args->u.arr.v[0]->u.str.s, SH_INIT_DEST) == 0;
}

/* Does the config carry the requested profile? */
static bool config_carries(const state_info *si)
{
	if (!si->requested)
		return true;
	if (strcmp(si->requested, "unconfined") == 0)
		return true;
	size_t n = strlen(si->requested);
	if (!si->applied || strncmp(si->applied, si->requested, n) != 0 || si->applied[n] != ' ')
		return false;
	bool init = strstr(si->applied, " init ") != NULL;
	/* Init mode: the loader, or (--runtime=crun) crun's program beside the kill-all placeholder. */
	return init ? si->has_loader || (si->has_crun_bpf && si->has_seccomp) : si->has_seccomp;
}

/* One line to syslog, and with `echo` also to standard error as "seccomp-hook: LINE". */
static void record(int prio, bool echo, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void record(int prio, bool echo, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = NULL;
	int n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (echo)
		fprintf(stderr, "seccomp-hook: %s\n", msg);
	openlog("seccomp-hook", LOG_PID, LOG_DAEMON);
	syslog(prio, "%s", msg);
	closelog();
	free(msg);
}

/* Is PID still inside the runtime's init or our loader, i.e. before the workload's exec? The
 * runtime's init runs from a memfd, whose executable reads as "/" (runc 1.1, crun here) or
 * "/memfd:..." (other runc versions); no file a workload is exec'd from reads so. Once PID has been
 * seen so (*SEEN_INIT), only that executable or the loader counts as starting: a workload is judged
 * once it is exec'd, even one whose file is named like the runtime. Not seen so (the watcher came
 * later, or a runtime exec'd from a file), a PID named runc* (runc:[2:INIT]) or crun* counts as
 * starting. */
static bool still_starting(long pid, bool *seen_init)
{
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/%ld/exe", pid);
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);
	if (n < 0)
		return false;
	buf[n] = 0;
	if (strcmp(buf, SH_INIT_DEST) == 0)
		return true;
	if (strcmp(buf, "/") == 0 || strncmp(buf, "/memfd:", 7) == 0)
		return *seen_init = true;
	if (*seen_init)
		return false;
	snprintf(path, sizeof path, "/proc/%ld/comm", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	bool runtime = fgets(buf, sizeof buf, f) && (strncmp(buf, "runc", 4) == 0 || strncmp(buf, "crun", 4) == 0);
	fclose(f);
	return runtime;
}

/* The process a watch is about: a pidfd pins it, so that neither a read of /proc/PID after it
 * exited (another process may have its PID by then) nor the kill can reach another process. */
typedef struct {
	long pid;
	int pidfd; /* -1 if the kernel has no pidfd_open: then by PID alone */
	bool seen_init;
	bool verify; /* --verify-filter */
} watch;

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

static void watch_open(watch *w, long pid)
{
	w->pid = pid;
	w->pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	w->seen_init = false;
	if (w->pidfd >= 0 && w->pidfd <= 2) { /* a hook run with standard streams closed: keep them free */
		int fd = fcntl(w->pidfd, F_DUPFD_CLOEXEC, 3);
		close(w->pidfd);
		w->pidfd = fd;
	}
}

/* Has the watched process exited? (A pidfd polls readable then.) */
static bool watch_exited(const watch *w)
{
	struct pollfd p = { .fd = w->pidfd, .events = POLLIN };
	return w->pidfd >= 0 && poll(&p, 1, 0) != 0;
}

enum { WATCH_FILTERED = 2, WATCH_GONE = -1, WATCH_UNDECIDED = -2 };

/* Poll until the workload runs: its seccomp mode then, WATCH_GONE, or WATCH_UNDECIDED after max_ms
 * (no limit if negative). Fast polling first (the usual case is milliseconds), slower later.
 * Whether PID is still starting is read before its mode: a loader that installs the filter and
 * execs the workload between the two reads would otherwise look like a workload without a filter (a
 * mode read before the install, a workload seen after the exec) and be killed. In this order a
 * workload seen running is seen with the filter it was started with or a later one: a filter is
 * never removed. The pidfd is asked last: alive then, the process held its PID through both reads. */
static int watch_start(watch *w, long max_ms)
{
	for (long waited = 0; max_ms < 0 || waited < max_ms;) {
		bool starting = still_starting(w->pid, &w->seen_init);
		int mode = sh_proc_seccomp_mode(w->pid);
		if (mode < 0 || watch_exited(w))
			return WATCH_GONE;
		if (mode == 2 || !starting)
			return mode;
		long step = waited < 2000 ? 2 : waited < 60000 ? 50 : 500;
		nanosleep(&(struct timespec){ .tv_nsec = step * 1000 * 1000 }, NULL);
		waited += step;
	}
	return WATCH_UNDECIDED;
}

static int kill_pid1(const state_info *si, const watch *w, const char *why, sh_error **err)
{
	if (w->pidfd >= 0)
		syscall(SYS_pidfd_send_signal, w->pidfd, SIGKILL, NULL, 0);
	else
		kill((pid_t)w->pid, SIGKILL);
	record(LOG_ERR, false, "container %s: pid %ld %s; killed", si->id, si->pid, why);
	return sh_error_set(err, SH_EXIT_INVALID, "container %s: pid %ld %s; killed", si->id, si->pid, why);
}

static int kill_unfiltered(const state_info *si, const watch *w, int mode, sh_error **err)
{
	char why[64];
	snprintf(why, sizeof why, "runs without a seccomp filter (Seccomp: %d)", mode);
	return kill_pid1(si, w, why, err);
}

/* The digest of the program PID 1 must run as compiled: in init mode (the loader, or crun handed
 * the program) the config's org.seccomp-hook.applied reads "NAME init sha256:HEX". Else NULL. */
static const char *expected_digest(const state_info *si)
{
	const char *p = si->applied ? strstr(si->applied, " init sha256:") : NULL;
	return p && strlen(p + 13) >= 64 ? p + 13 : NULL;
}

/* --verify-filter, once PID 1 runs a filter: read its filters back from the kernel and log their
 * digests; in init mode kill it unless one of them is the compiled program (or the read fails
 * while it lives: what cannot be verified does not run). 0 if it holds or PID 1 is gone. Without
 * CAP_SYS_ADMIN (the read's requirement) it only warns: that is no sign of a wrong filter. */
static int verify_filter(const state_info *si, const watch *w, sh_error **err)
{
	sh_bpf *v = NULL;
	size_t n = 0;
	cleanup_error sh_error *e = NULL;
	const char *want = expected_digest(si);
	if (!sh_have_cap_sys_admin()) { /* e.g. rootless: the kernel never lets this read succeed */
		fprintf(stderr, "seccomp-hook: warning: container %s: without CAP_SYS_ADMIN the filters of pid %ld "
				"cannot be read back; not verified\n", si->id, si->pid);
		return 0;
	}
	int r = sh_dump_read((int)w->pid, &v, &n, &e);
	bool found = false;
	char hex[65], newest[65] = "-", why[256];
	for (size_t i = 0; r == 0 && i < n; i++) {
		sh_sha256_hex(v[i].insns, v[i].len * sizeof(struct sock_filter), hex);
		if (i == 0)
			memcpy(newest, hex, sizeof hex);
		found = found || (want && strncmp(hex, want, 64) == 0);
	}
	for (size_t i = 0; i < n; i++)
		sh_bpf_free(&v[i]);
	free(v);
	if (r < 0 && watch_exited(w))
		return 0;
	if (r == 0)
		record(LOG_INFO, true, "container %s: pid %ld runs %zu filter(s), newest sha256:%s", si->id, si->pid, n, newest);
	if (!want) { /* nothing to hold the filters to: a read that fails is a warning */
		if (r < 0)
			fprintf(stderr, "seccomp-hook: warning: container %s: %s\n", si->id, e->msg);
		return 0;
	}
	if (r < 0)
		snprintf(why, sizeof why, "runs a filter that cannot be read back (%.160s)", e->msg);
	else if (!found)
		snprintf(why, sizeof why, "runs %zu filter(s), none the compiled program sha256:%.64s (newest: sha256:%s)", n,
			 want, newest);
	return r < 0 || !found ? kill_pid1(si, w, why, err) : 0;
}

/* What a watch ends in: a filtered PID 1 is verified (--verify-filter), an unfiltered one killed. */
static int judge_start(const state_info *si, const watch *w, int mode, sh_error **err)
{
	if (mode == WATCH_FILTERED)
		return w->verify ? verify_filter(si, w, err) : 0;
	return mode == WATCH_GONE ? 0 : kill_unfiltered(si, w, mode, err);
}

/* runc runs poststart hooks at the end of `create`, before the workload may start: the check
 * cannot block there, so a detached watcher waits for the exec, however long the container stays
 * created, and kills an unfiltered start. */
static int watch_detached(const state_info *si, watch *w)
{
	pid_t child = fork();
	if (child < 0)
		return -1;
	if (child > 0) {
		waitpid(child, NULL, 0);
		return 0;
	}
	setsid();
	if (fork() != 0)
		_exit(0);
	int devnull = open("/dev/null", O_RDWR);
	if (devnull >= 0) {
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(devnull, 2);
	}
	sh_error *e = NULL;
	judge_start(si, w, watch_start(w, -1), &e);
	sh_error_free(e);
	_exit(0);
}

static const char *infer_stage(const char *status)
{
	if (strcmp(status, "creating") == 0 || strcmp(status, "created") == 0)
		return "prestart";
	if (strcmp(status, "running") == 0)
		return "poststart";
	return "poststop";
}

/* At poststart PID 1 must run a filter when the annotation asks for a profile, or, without one (a
 * bundle given its profile by `inject --profile`), when the config says one was applied. */
static int verify_running(const state_info *si, bool verify, sh_error **err)
{
	const char *asked = si->requested ? si->requested : si->applied;
	if (!asked || strcmp(asked, "unconfined") == 0 || si->pid <= 0)
		return 0;
	watch w;
	watch_open(&w, si->pid);
	w.verify = verify;
	int r = 0;
	if (strcmp(si->status, "created") == 0 && still_starting(w.pid, &w.seen_init)) {
		if (watch_detached(si, &w) < 0)
			r = sh_error_errno(err, errno, "container %s: cannot start the poststart watcher", si->id);
	} else {
		r = judge_start(si, &w, watch_start(&w, 2000), err);
	}
	if (w.pidfd >= 0)
		close(w.pidfd);
	return r;
}

static void log_state(const state_info *si, const char *stage)
{
	const char *req = si->requested ? si->requested : "(none)", *app = si->applied ? si->applied : "(nothing)";
	record(LOG_INFO, true, "container %s (%s): profile %s, applied %s", si->id, stage, req, app);
}

/* Load BUNDLE/config.json, log, and verify what the stage can verify. */
static int check_bundle(const hook_cli *c, state_info *si, sh_error **err)
{
	cleanup_free char *cpath = sh_xasprintf("%s/config.json", si->bundle ? si->bundle : ".");
	sh_json *config = NULL;
	if (sh_json_read_file(cpath, &sh_hook_config_limits, &config, NULL, NULL, err) < 0)
		return -1;
	if (sh_gofold_check_config(config, cpath, err) < 0 || sh_hook_check_annotations(config, err) < 0) {
		sh_json_free(config);
		return -1;
	}
	inspect_config(config, si);
	const char *stage = c->stage ? c->stage : infer_stage(si->status);
	log_state(si, stage);
	int r = 0;
	if (c->require && strcmp(stage, "poststart") == 0)
		r = verify_running(si, c->verify_filter, err);
	else if (c->require && strcmp(stage, "poststop") != 0 && !config_carries(si))
		r = sh_error_set(err, SH_EXIT_INVALID, "container %s asks for profile '%.64s' but its config does not carry it",
				 si->id, si->requested);
	sh_json_free(config);
	return r;
}

static int run_state(const hook_cli *c, sh_error **err)
{
	cleanup_free char *in = NULL;
	size_t inlen = 0;
	sh_json *st = NULL;
	state_info si = { 0 };
	int r = sh_read_fd_bounded(0, "<stdin>", 1u << 20, &in, &inlen, err);
	if (r == 0)
		r = sh_json_parse(in, inlen, "<stdin>", NULL, &st, err);
	if (r == 0)
		r = sh_gofold_check_state(st, "<stdin>", err);
	if (r == 0)
		r = sh_hook_check_annotations(st, err);
	if (r == 0)
		r = read_state(st, &si, err);
	if (r == 0)
		r = check_bundle(c, &si, err);
	sh_json_free(st);
	return r;
}

int cmd_state(int argc, char **argv)
{
	hook_cli c = { 0 };
	static const char *const usage[] = { state_usage, NULL };
	int st = parse_hook_opts("state", usage, "bghj", argc, argv, &c);
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

/* The state hook's decisions about a container and its PID 1 (see statehook.h). */
#include "config.h"
#include "statehook.h"
#include "apply.h"
#include "bpf.h"
#include "gofold.h"
#include "hookcfg.h"
#include "initproc.h"
#include "names.h"
#include "overlay.h"
#include "seal.h"
#include "sha256.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>


int sh_state_read(const sh_json *st, sh_state_info *si, sh_error **err)
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

/* What the config carries; org.seccomp-hook.applied and the loader only as the transform sealed them
 * (a pod's annotation or an image's command that looks like them says nothing). */
static void inspect_config(const sh_json *config, bool sealed, sh_state_info *si)
{
	if (!si->requested)
		si->requested = sh_oci_annotation(config, SH_ANNOT_PROFILE);
	si->applied = sealed ? sh_oci_annotation(config, SH_ANNOT_APPLIED) : NULL;
	si->has_seccomp = !sh_json_is_null(sh_json_get(sh_json_get(config, "linux"), "seccomp"));
	si->has_crun_bpf = sh_oci_annotation(config, SH_ANNOT_CRUN_BPF) != NULL;
	const sh_json *args = sh_json_get(sh_json_get(config, "process"), "args");
	sh_loader_args call;
	bool loader = sh_initproc_decode(args, &call) > 0;
	si->has_loader = sealed && loader;
	si->unsealed_claim = !sealed && (loader || sh_oci_annotation(config, SH_ANNOT_APPLIED));
	si->overlays = si->applied ? sh_hook_applied_overlays(si->applied, &si->overlays_len) : NULL;
	si->bounding = sh_oci_bounding_caps(config);
}

/* Does the config carry the requested profile? */
bool sh_state_config_carries(const sh_state_info *si)
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
bool sh_watch_still_starting(long pid, bool *seen_init)
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



void sh_watch_open(sh_watch *w, long pid)
{
	w->pid = pid;
	w->pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	/* Only a kernel without pidfds leaves the PID itself to go by; any other refusal (the process is
	 * gone) means the PID may be another's by now. */
	w->gone = w->pidfd < 0 && errno != ENOSYS;
	w->seen_init = false;
	w->verify = false;
	if (w->pidfd >= 0 && w->pidfd <= 2) { /* a hook run with standard streams closed: keep them free */
		int fd = fcntl(w->pidfd, F_DUPFD_CLOEXEC, 3);
		close(w->pidfd);
		w->pidfd = fd;
	}
}

void sh_watch_close(sh_watch *w)
{
	if (w->pidfd >= 0)
		close(w->pidfd);
	w->pidfd = -1;
}

/* Has the watched process exited? (A pidfd polls readable then.) */
static bool watch_exited(const sh_watch *w)
{
	struct pollfd p = { .fd = w->pidfd, .events = POLLIN };
	return w->pidfd >= 0 && poll(&p, 1, 0) != 0;
}


/* Poll until the workload runs: its seccomp mode then, SH_WATCH_GONE, or SH_WATCH_UNDECIDED after max_ms
 * (no limit if negative). Fast polling first (the usual case is milliseconds), slower later.
 * Whether PID is still starting is read before its mode: a loader that installs the filter and
 * execs the workload between the two reads would otherwise look like a workload without a filter (a
 * mode read before the install, a workload seen after the exec) and be killed. In this order a
 * workload seen running is seen with the filter it was started with or a later one: a filter is
 * never removed. The pidfd is asked last: alive then, the process held its PID through both reads. */
int sh_watch_start(sh_watch *w, long max_ms)
{
	for (long waited = 0; max_ms < 0 || waited < max_ms;) {
		bool starting = sh_watch_still_starting(w->pid, &w->seen_init);
		int mode = sh_proc_seccomp_mode(w->pid);
		if (mode < 0 || w->gone || watch_exited(w))
			return SH_WATCH_GONE;
		if (mode == 2 || !starting)
			return mode;
		long step = waited < 2000 ? 2 : waited < 60000 ? 50 : 500;
		nanosleep(&(struct timespec){ .tv_nsec = step * 1000 * 1000 }, NULL);
		waited += step;
	}
	return SH_WATCH_UNDECIDED;
}

static int kill_pid1(const sh_state_info *si, const sh_watch *w, const char *why, sh_error **err)
{
	if (w->pidfd >= 0)
		syscall(SYS_pidfd_send_signal, w->pidfd, SIGKILL, NULL, 0);
	else if (!w->gone)
		kill((pid_t)w->pid, SIGKILL);
	record(LOG_ERR, false, "container %s: pid %ld %s; killed", si->id, si->pid, why);
	return sh_error_set(err, SH_EXIT_INVALID, "container %s: pid %ld %s; killed", si->id, si->pid, why);
}

static int kill_unfiltered(const sh_state_info *si, const sh_watch *w, int mode, sh_error **err)
{
	char why[64];
	snprintf(why, sizeof why, "runs without a seccomp filter (Seccomp: %d)", mode);
	return kill_pid1(si, w, why, err);
}

/* The digest of the program PID 1 must run as compiled: in init mode (the loader, or crun handed
 * the program) the config's org.seccomp-hook.applied reads "NAME init sha256:HEX". Else NULL. */
const char *sh_state_expected_digest(const sh_state_info *si)
{
	const char *p = si->applied ? strstr(si->applied, " init sha256:") : NULL;
	return p && strlen(p + 13) >= 64 ? p + 13 : NULL;
}

/* The overlays the config names, as the transform resolved them (the container's capabilities, this
 * host's arch family), in the form that leaves the multiplexers alone: what must be denied of the
 * direct calls in any mode. NULL with why set when they cannot be read. */
static int overlay_engine(const sh_state_info *si, sh_overlay_set *set, sh_ruleset **rs, sh_engine *e, char *why,
			  size_t whylen)
{
	cleanup_free char *list = sh_xstrndup(si->overlays, si->overlays_len);
	size_t n;
	char **args = sh_split_commas(list, &n);
	sh_target t;
	uint32_t family[4];
	sh_error *err = NULL;
	int r = sh_overlay_set_load((const char *const *)args, n, si->profiles_dir, set, NULL, &err);
	if (r == 0)
		r = sh_target_init(&t, false, &err);
	t.caps = si->bounding;
	size_t nf = sh_arch_family(sh_arch_native(), family);
	if (r == 0)
		r = sh_overlay_merge((const sh_profile *const *)set->p, set->n, &t, family, nf, rs, &err);
	*e = (sh_engine){ .rs = r == 0 ? *rs : NULL };
	if (r == 0)
		r = sh_overlay_program(*rs, true, &e->prog, &err);
	if (r < 0)
		snprintf(why, whylen, "names overlays %s that cannot be read to verify them (%.160s)", list, err->msg);
	sh_error_free(err);
	sh_strv_free(args);
	return r;
}

/* Whether the filters PID 1 runs deny what the overlays deny; false with why set. */
static bool overlays_enforced(const sh_state_info *si, const sh_bpf *v, size_t n, char *why, size_t whylen)
{
	sh_overlay_set set = { 0 };
	sh_ruleset *rs = NULL;
	sh_engine e = { 0 };
	sh_overlay_miss miss;
	sh_error *err = NULL;
	int r = overlay_engine(si, &set, &rs, &e, why, whylen);
	if (r == 0)
		r = sh_overlay_enforced(&e, v, n, &miss, &err);
	if (r == 1) {
		cleanup_free char *text = sh_overlay_miss_text(&miss);
		snprintf(why, whylen, "runs filters that do not enforce its overlays %.*s: %.400s", (int)si->overlays_len,
			 si->overlays, text);
	} else if (r < 0 && err) {
		snprintf(why, whylen, "runs filters its overlays cannot be checked against (%.160s)", err->msg);
	}
	sh_error_free(err);
	sh_bpf_free(&e.prog);
	sh_ruleset_free(rs);
	sh_overlay_set_free(&set);
	return r == 0;
}

/* --verify-filter, once PID 1 runs a filter: read its filters back from the kernel and log their
 * digests; in init mode kill it unless one of them is the compiled program (or the read fails
 * while it lives: what cannot be verified does not run), and with overlays unless the filters deny
 * what they deny. 0 if it holds or PID 1 is gone. Without CAP_SYS_ADMIN (the read's requirement) it
 * only warns: that is no sign of a wrong filter. */
static int verify_filter(const sh_state_info *si, const sh_watch *w, sh_error **err)
{
	sh_bpf *v = NULL;
	size_t n = 0;
	cleanup_error sh_error *e = NULL;
	const char *want = sh_state_expected_digest(si);
	if (!sh_have_cap_sys_admin()) { /* e.g. rootless: the kernel never lets this read succeed */
		fprintf(stderr, "seccomp-hook: warning: container %s: without CAP_SYS_ADMIN the filters of pid %ld "
				"cannot be read back; not verified\n", si->id, si->pid);
		return 0;
	}
	int r = sh_dump_read((int)w->pid, &v, &n, &e);
	bool found = false, enforced = true;
	char hex[65], newest[65] = "-", why[768];
	for (size_t i = 0; r == 0 && i < n; i++) {
		sh_sha256_hex(v[i].insns, v[i].len * sizeof(struct sock_filter), hex);
		if (i + 1 == n) /* the kernel numbers them from the first installed */
			memcpy(newest, hex, sizeof hex);
		found = found || (want && strncmp(hex, want, 64) == 0);
	}
	if (r == 0 && si->overlays)
		enforced = overlays_enforced(si, v, n, why, sizeof why);
	for (size_t i = 0; i < n; i++)
		sh_bpf_free(&v[i]);
	free(v);
	if (!enforced)
		return kill_pid1(si, w, why, err);
	if (r < 0 && watch_exited(w))
		return 0;
	if (r == 0)
		record(LOG_INFO, true, "container %s: pid %ld runs %zu filter(s), newest sha256:%s", si->id, si->pid, n, newest);
	if (!want && !si->overlays) { /* nothing to hold the filters to: a read that fails is a warning */
		if (r < 0)
			fprintf(stderr, "seccomp-hook: warning: container %s: %s\n", si->id, e->msg);
		return 0;
	}
	if (r < 0)
		snprintf(why, sizeof why, "runs a filter that cannot be read back (%.160s)", e->msg);
	else if (want && !found)
		snprintf(why, sizeof why, "runs %zu filter(s), none the compiled program sha256:%.64s (newest: sha256:%s)", n,
			 want, newest);
	return r < 0 || (want && !found) ? kill_pid1(si, w, why, err) : 0;
}

/* What a watch ends in: a filtered PID 1 is verified (--verify-filter), an unfiltered one killed. */
int sh_watch_judge(const sh_state_info *si, const sh_watch *w, int mode, sh_error **err)
{
	if (mode == SH_WATCH_FILTERED)
		return w->verify ? verify_filter(si, w, err) : 0;
	return mode == SH_WATCH_GONE ? 0 : kill_unfiltered(si, w, mode, err);
}

/* runc runs poststart hooks at the end of `create`, before the workload may start: the check
 * cannot block there, so a detached watcher waits for the exec, however long the container stays
 * created, and kills an unfiltered start. */
static int watch_detached(const sh_state_info *si, sh_watch *w)
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
	sh_watch_judge(si, w, sh_watch_start(w, -1), &e);
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
static int verify_running(const sh_state_info *si, bool verify, sh_error **err)
{
	const char *asked = si->requested ? si->requested : si->applied;
	bool nothing = !asked || (strcmp(asked, "unconfined") == 0 && !si->overlays);
	if (!si->unsealed_claim && (nothing || si->pid <= 0))
		return 0;
	if (si->pid <= 0)
		return 0;
	sh_watch w;
	sh_watch_open(&w, si->pid);
	w.verify = verify;
	int r = 0;
	if (si->unsealed_claim)
		r = kill_pid1(si, &w, "has a config that says seccomp-hook applied a profile, but no valid seal vouches for "
				      "it (changed after the transform, or not written by it)", err);
	else if (strcmp(si->status, "created") == 0 && sh_watch_still_starting(w.pid, &w.seen_init)) {
		if (watch_detached(si, &w) < 0)
			r = sh_error_errno(err, errno, "container %s: cannot start the poststart watcher", si->id);
	} else {
		r = sh_watch_judge(si, &w, sh_watch_start(&w, 2000), err);
	}
	sh_watch_close(&w);
	return r;
}

static void log_state(const sh_state_info *si, const char *stage)
{
	const char *req = si->requested ? si->requested : "(none)", *app = si->applied ? si->applied : "(nothing)";
	record(LOG_INFO, true, "container %s (%s): profile %s, applied %s", si->id, stage, req, app);
}

/* Load BUNDLE/config.json, log, and verify what the stage can verify. */
int sh_state_check_bundle(const sh_state_opts *o, sh_state_info *si, sh_error **err)
{
	cleanup_free char *cpath = sh_xasprintf("%s/config.json", si->bundle ? si->bundle : ".");
	sh_json *config = NULL;
	sh_seal_key key;
	if (sh_json_read_file(cpath, &sh_hook_config_limits, &config, NULL, NULL, err) < 0)
		return -1;
	if (sh_gofold_check_config(config, cpath, err) < 0 || sh_hook_check_annotations(config, err) < 0 ||
	    sh_seal_key_read(o->seal_key, &key, err) < 0) {
		sh_json_free(config);
		return -1;
	}
	inspect_config(config, sh_seal_valid(&key, config), si);
	si->profiles_dir = o->profiles_dir;
	const char *stage = o->stage ? o->stage : infer_stage(si->status);
	bool require = o->require, verify_filter = o->verify_filter;
	log_state(si, stage);
	int r = 0;
	if (require && strcmp(stage, "poststart") == 0)
		r = verify_running(si, verify_filter, err);
	else if (require && strcmp(stage, "poststop") != 0 && si->unsealed_claim)
		r = sh_error_set(err, SH_EXIT_INVALID, "container %s: its config says seccomp-hook applied a profile, but no "
				 "valid seal vouches for it (changed after the transform, or not written by it)", si->id);
	else if (require && strcmp(stage, "poststop") != 0 && !sh_state_config_carries(si))
		r = sh_error_set(err, SH_EXIT_INVALID, "container %s asks for profile '%.64s' but its config does not carry it",
				 si->id, si->requested);
	sh_json_free(config);
	return r;
}

#include "config.h"
#include "runtime_cli.h"
#include "agent.h"
#include "gofold.h"
#include "initproc.h"
#include "seal.h"
#include "names.h"
#include "sha256.h"
#include "trust.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* runc's and crun's search path when the environment has no PATH. */

/* The wrapper's own options; the same names as precreate's where they mean the same. */
typedef enum {
	W_RUNTIME_PATH, W_MODE, W_PROFILES_DIR, W_DEFAULT_PROFILE, W_CACHE_DIR, W_LOADER, W_RUNTIME, W_STATE_DIR, W_CONFIG,
	W_RECORDINGS_DIR, W_REPORTS_LOG, W_METRICS_DIR, W_AGENTS_DIR, W_SEAL_KEY, W_LOADER_STORE,
	W_OVERRIDE_PROFILE, W_OVERLAY, W_OVERLAY_UNCONFINED
} wopt;
static const char *const wopt_names[] = { "runtime-path", "mode", "profiles-dir", "default-profile", "cache-dir",
					  "loader", "runtime", "state-dir", "config", "recordings-dir",
					  "reports-log", "metrics-dir", "agents-dir", "seal-key",
					  "loader-store", "override-profile", "overlay", "overlay-unconfined" };

/* runc's (and crun's) global options that take a value; the others are flags. */
static const char *const global_valued[] = { "log", "log-format", "root", "criu", "rootless", "cgroup-manager",
					     "log-level", NULL };
/* Options of `exec` that take a value (runc 1.1), long and short. */
static const char *const exec_valued[] = { "console-socket", "cwd", "env", "e", "user", "u", "additional-gids",
					   "g", "process", "p", "pid-file", "process-label", "apparmor", "cap",
					   "c", "preserve-fds", "cgroup", NULL };

typedef struct wsettings {
	const char *v[SH_ARRAY_SIZE(wopt_names)];
	/* overlay, which may be given more than once: every one counts (the config file's and the
	 * command line's together: an overlay only ever denies more) */
	const char **overlays;
	size_t noverlays;
} wsettings;

static void set_option(wsettings *w, int opt, const char *value)
{
	if (opt != W_OVERLAY) {
		w->v[opt] = value;
		return;
	}
	w->overlays = sh_xreallocarray(w->overlays, w->noverlays + 1, sizeof(*w->overlays));
	w->overlays[w->noverlays++] = value;
}

/* "--name=value" or "-name value" (Go's flag forms): the name, and the value after '=' if any. */
static const char *opt_name(const char *arg, size_t *len, const char **inline_value)
{
	const char *n = arg + (arg[1] == '-' ? 2 : 1);
	const char *eq = strchr(n, '=');
	*len = eq ? (size_t)(eq - n) : strlen(n);
	*inline_value = eq ? eq + 1 : NULL;
	return n;
}

static bool name_in(const char *n, size_t len, const char *const *list)
{
	for (; *list; list++)
		if (strlen(*list) == len && strncmp(*list, n, len) == 0)
			return true;
	return false;
}

static int wopt_find(const char *n, size_t len)
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(wopt_names); i++)
		if (strlen(wopt_names[i]) == len && strncmp(wopt_names[i], n, len) == 0)
			return (int)i;
	return -1;
}

/* s, kept until sh_rt_cli_free. */
static char *keep(sh_rt_cli *c, char *s)
{
	c->owned = sh_xreallocarray(c->owned, c->nowned + 1, sizeof(char *));
	c->owned[c->nowned++] = s;
	return s;
}

char *sh_rt_keep(sh_rt_cli *c, char *s)
{
	return keep(c, s);
}

void sh_rt_cli_free(sh_rt_cli *c)
{
	for (size_t i = 0; i < c->nowned; i++)
		free(c->owned[i]);
	free(c->owned);
	free(c->argv);
	free(c->caps_added);
	free(c->conf_text);
	free(c->runtime_file);
	free(c->overlays);
	memset(c, 0, sizeof(*c));
}

static void push(sh_rt_cli *c, char *s)
{
	c->argv = sh_xreallocarray(c->argv, c->argc + 2, sizeof(char *));
	c->argv[c->argc++] = s;
	c->argv[c->argc] = NULL;
}

/* Global options up to the command: the wrapper's are taken out, the runtime's copied. */
static int split_globals(int argc, char **argv, int *i, sh_rt_cli *c, wsettings *cli, sh_error **err)
{
	for (; *i < argc && argv[*i][0] == '-' && argv[*i][1]; (*i)++) {
		size_t len;
		const char *val, *n = opt_name(argv[*i], &len, &val);
		int w = argv[*i][1] == '-' ? wopt_find(n, len) : -1;
		if (w >= 0) {
			if (!val && *i + 1 >= argc)
				return sh_error_set(err, SH_EXIT_SYSTEM, "option --%s needs a value", wopt_names[w]);
			set_option(cli, w, val ? val : argv[++*i]);
			continue;
		}
		push(c, argv[*i]);
		c->version |= (len == 7 && strncmp(n, "version", 7) == 0) || (len == 1 && n[0] == 'v');
		if (!val && name_in(n, len, global_valued) && *i + 1 < argc) {
			push(c, argv[++*i]);
			val = argv[*i];
		}
		if (val && len == 3 && strncmp(n, "log", 3) == 0)
			c->log = val;
		if (val && len == 4 && strncmp(n, "root", 4) == 0)
			c->root = val;
		if (val && len == 10 && strncmp(n, "log-format", 10) == 0)
			c->log_json = strcmp(val, "json") == 0;
	}
	return 0;
}

static void split_inline(sh_rt_cli *c, size_t i, const char *val);

/* --preserve-fds N at argv[i] (either form): its value's index and the number. */
static void note_preserve(sh_rt_cli *c, size_t i, const char *n, size_t len, const char *val)
{
	if (len != 12 || strncmp(n, "preserve-fds", 12) != 0)
		return;
	if (val)
		split_inline(c, i, val);
	if (i + 1 < c->argc) {
		c->preserve_at = i + 1;
		c->preserve_fds = atoi(c->argv[i + 1]);
	}
}

/* create/run: --bundle, -b (each with its value after '=' or next), crun's --config, -f,
 * --preserve-fds, --detach, the id. */
static void read_create_args(sh_rt_cli *c)
{
	bool detach = false;
	for (size_t i = c->command_at + 1; i < c->argc; i++) {
		size_t len;
		const char *val, *n = c->argv[i][0] == '-' ? opt_name(c->argv[i], &len, &val) : NULL;
		if (n && ((len == 6 && strncmp(n, "bundle", 6) == 0) || (len == 1 && n[0] == 'b')))
			c->bundle = val ? val : (i + 1 < c->argc ? c->argv[i + 1] : NULL);
		if (n && ((len == 6 && strncmp(n, "config", 6) == 0) || (len == 1 && n[0] == 'f')))
			c->config_file = val ? val : (i + 1 < c->argc ? c->argv[i + 1] : "");
		if (n)
			note_preserve(c, i, n, len, val);
		detach |= n && ((len == 6 && strncmp(n, "detach", 6) == 0) || (len == 1 && n[0] == 'd')) &&
			  (!val || strcmp(val, "true") == 0);
	}
	c->foreground = strcmp(c->argv[c->command_at], "run") == 0 && !detach;
	if (c->argc > c->command_at + 1)
		c->id = c->argv[c->argc - 1];
}

static void split_inline(sh_rt_cli *c, size_t i, const char *val)
{
	c->argv = sh_xreallocarray(c->argv, c->argc + 2, sizeof(char *));
	memmove(&c->argv[i + 2], &c->argv[i + 1], (c->argc - i) * sizeof(char *));
	c->argv[i] = keep(c, sh_xstrndup(c->argv[i], (size_t)(val - 1 - c->argv[i])));
	c->argv[i + 1] = (char *)val;
	c->argc++;
}

/* exec: the options before the container id (runc does not reorder them), the id itself. */
static void read_exec_args(sh_rt_cli *c)
{
	size_t i = c->command_at + 1;
	for (; i < c->argc && c->argv[i][0] == '-' && c->argv[i][1]; i++) {
		size_t len;
		const char *val, *n = opt_name(c->argv[i], &len, &val);
		bool takes = !val && name_in(n, len, exec_valued) && i + 1 < c->argc;
		const char *v = val ? val : takes ? c->argv[i + 1] : NULL;
		if (v && ((len == 7 && strncmp(n, "process", 7) == 0) || (len == 1 && n[0] == 'p'))) {
			if (val) { /* "--process=FILE" becomes "--process" "FILE", so the value can be replaced */
				split_inline(c, i, val);
				takes = true;
			}
			c->process_at = i + 1;
		}
		if (v && ((len == 3 && strncmp(n, "cap", 3) == 0) || (len == 1 && n[0] == 'c'))) {
			c->caps_added = sh_xreallocarray(c->caps_added, c->ncaps_added + 1, sizeof(char *));
			c->caps_added[c->ncaps_added++] = (char *)v;
		}
		note_preserve(c, i, n, len, val);
		i += takes || (val && len == 12 && strncmp(n, "preserve-fds", 12) == 0);
	}
	if (i < c->argc) {
		c->container = c->argv[i];
		c->container_at = i;
	}
}

static sh_rt_command command_of(const char *s)
{
	if (strcmp(s, "create") == 0 || strcmp(s, "run") == 0)
		return SH_RT_CREATE;
	if (strcmp(s, "delete") == 0)
		return SH_RT_DELETE;
	return strcmp(s, "exec") == 0 ? SH_RT_EXEC : SH_RT_OTHER;
}

/* "name = value" lines, '#' comments; names are the long options without "--". */
static int read_conf(const char *path, bool must_exist, sh_rt_cli *c, wsettings *file, sh_error **err)
{
	size_t len = 0;
	if (!must_exist && access(path, F_OK) < 0 && errno == ENOENT)
		return 0;
	/* It chooses the profile of every container: nobody but root may be able to change it. */
	if (sh_trust_file(path, "wrapper config", err) < 0 ||
	    sh_read_file_limited(path, 1u << 16, &c->conf_text, &len, err) < 0)
		return -1;
	unsigned lineno = 0;
	for (char *line = c->conf_text, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		line += strspn(line, " \t");
		if (*line == '#' || *line == '\0')
			continue;
		char *eq = strchr(line, '=');
		size_t nlen = eq ? strcspn(line, " \t=") : 0;
		int w = eq ? wopt_find(line, nlen) : -1;
		if (w < 0 || w == W_CONFIG)
			return sh_error_at(err, SH_EXIT_SYSTEM, path, lineno, 1, "expected NAME = VALUE with a wrapper "
					   "option's name (see seccomp-hook-runtime --help)");
		char *v = eq + 1 + strspn(eq + 1, " \t"), *end = v + strlen(v);
		while (end > v && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
			*--end = '\0';
		set_option(file, w, v);
	}
	return 0;
}

/* PATH lookup as execvp does it, refusing this very program (a wrapper named runc would loop). */
static int resolve_runtime(const char *name, sh_rt_cli *c, sh_error **err)
{
	char *found = sh_path_lookup(name);
	struct stat self, st;
	if (!found || stat(found, &st) < 0) {
		free(found);
		return sh_error_set(err, SH_EXIT_SYSTEM, "runtime '%s' not found (--runtime-path)", name);
	}
	if (stat("/proc/self/exe", &self) == 0 && self.st_dev == st.st_dev && self.st_ino == st.st_ino) {
		sh_error_set(err, SH_EXIT_SYSTEM, "--runtime-path %s is this wrapper itself", found);
		free(found);
		return -1;
	}
	c->runtime_file = found;
	c->argv[0] = found;
	return 0;
}

static int apply_settings(const wsettings *w, sh_rt_cli *c, sh_error **err)
{
	c->o.mode = w->v[W_MODE] ? w->v[W_MODE] : "init";
	c->o.profiles_dir = w->v[W_PROFILES_DIR];
	c->o.default_profile = w->v[W_DEFAULT_PROFILE];
	c->o.cache_dir = w->v[W_CACHE_DIR];
	c->o.loader = w->v[W_LOADER];
	c->o.recordings_dir = w->v[W_RECORDINGS_DIR];
	c->o.reports_log = w->v[W_REPORTS_LOG];
	c->o.metrics_dir = w->v[W_METRICS_DIR];
	c->o.agents_dir = w->v[W_AGENTS_DIR];
	c->o.seal_key = w->v[W_SEAL_KEY];
	c->o.loader_store = w->v[W_LOADER_STORE];
	c->o.override_profile = w->v[W_OVERRIDE_PROFILE];
	c->state_dir = w->v[W_STATE_DIR] ? w->v[W_STATE_DIR] : SH_RUNTIME_STATE_DIR;
	c->o.seccomp_as_profile = true;
	c->o.overlays = w->overlays;
	c->o.noverlays = w->noverlays;
	const char *bare = w->v[W_OVERLAY_UNCONFINED];
	if (bare && strcmp(bare, "yes") != 0 && strcmp(bare, "no") != 0)
		return sh_error_set(err, SH_EXIT_SYSTEM, "invalid overlay-unconfined '%s' (yes or no)", bare);
	c->o.overlay_skip_unconfined = bare && strcmp(bare, "no") == 0;
	sh_mode m;
	if (sh_mode_parse(c->o.mode, &m) < 0)
		return sh_error_set(err, SH_EXIT_SYSTEM, "invalid mode '%s' (runtime or init)", c->o.mode);
	const char *rt = w->v[W_RUNTIME];
	if (rt && strcmp(rt, "crun") != 0 && strcmp(rt, "any") != 0)
		return sh_error_set(err, SH_EXIT_SYSTEM, "invalid --runtime '%s' (any or crun)", rt);
	const char *base = strrchr(c->runtime_file, '/');
	c->o.crun = rt ? strcmp(rt, "crun") == 0 : strncmp(base ? base + 1 : c->runtime_file, "crun", 4) == 0;
	c->o.runc = !c->o.crun && strncmp(base ? base + 1 : c->runtime_file, "runc", 4) == 0;
	return 0;
}

static int parse_options(wsettings *cli, sh_rt_cli *c, sh_error **err)
{
	wsettings merged = { 0 };
	const char *conf = cli->v[W_CONFIG] ? cli->v[W_CONFIG] : SH_RUNTIME_CONFIG;
	int r = read_conf(conf, cli->v[W_CONFIG] != NULL, c, &merged, err);
	for (size_t i = 0; i < cli->noverlays; i++)
		set_option(&merged, W_OVERLAY, cli->overlays[i]);
	free(cli->overlays);
	if (r < 0) {
		free(merged.overlays);
		/* Still find the runtime, so that what starts no process can reach it. */
		const char *rt = cli->v[W_RUNTIME_PATH];
		resolve_runtime(rt ? rt : "runc", c, NULL);
		return -1;
	}
	for (size_t i = 0; i < SH_ARRAY_SIZE(merged.v); i++)
		if (cli->v[i])
			merged.v[i] = cli->v[i];
	c->overlays = merged.overlays; /* c's from here on */
	if (resolve_runtime(merged.v[W_RUNTIME_PATH] ? merged.v[W_RUNTIME_PATH] : "runc", c, err) < 0)
		return -1;
	return apply_settings(&merged, c, err);
}

int sh_rt_parse(int argc, char **argv, sh_rt_cli *c, sh_error **err)
{
	memset(c, 0, sizeof(*c));
	wsettings cli = { 0 };
	push(c, "runc");
	int i = 1;
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		return SH_RT_HELP;
	int r = split_globals(argc, argv, &i, c, &cli, err);
	c->command_at = c->argc;
	for (; i < argc; i++)
		push(c, argv[i]);
	c->command = c->command_at < c->argc ? command_of(c->argv[c->command_at]) : SH_RT_OTHER;
	if (c->command == SH_RT_CREATE)
		read_create_args(c);
	if (c->command == SH_RT_EXEC)
		read_exec_args(c);
	if (c->command == SH_RT_DELETE && c->argc > c->command_at + 1)
		c->id = c->argv[c->argc - 1];
	if (r == 0 && c->command == SH_RT_EXEC && !c->container)
		r = sh_error_set(err, SH_EXIT_SYSTEM, "exec: no container id");
	/* crun reads another file than the bundle's config.json, which is the one the transform
	 * rewrites: the container would start without the profile. */
	if (r == 0 && c->command == SH_RT_CREATE && c->config_file && strcmp(c->config_file, "config.json") != 0)
		r = sh_error_set(err, SH_EXIT_INVALID, "%s --config '%.256s': the profile is applied to the bundle's "
				 "config.json, which the runtime would not read; give the bundle (--bundle) instead",
				 c->argv[c->command_at], c->config_file);
	/* The runtime passes stdio, then $LISTEN_FDS descriptors, then --preserve-fds more. */
	const char *listen = getenv("LISTEN_FDS");
	c->next_fd = 3 + (listen ? atoi(listen) : 0) + c->preserve_fds;
	int o = parse_options(&cli, c, r < 0 ? NULL : err);
	return r < 0 ? r : o;
}

void sh_rt_preserve_one_more(sh_rt_cli *c)
{
	char *n = keep(c, sh_xasprintf("%d", c->preserve_fds + 1));
	if (c->preserve_at) {
		c->argv[c->preserve_at] = n;
		return;
	}
	size_t at = c->command_at + 1;
	c->argv = sh_xreallocarray(c->argv, c->argc + 3, sizeof(char *));
	memmove(&c->argv[at + 2], &c->argv[at], (c->argc - at + 1) * sizeof(char *));
	c->argv[at] = "--preserve-fds";
	c->argv[at + 1] = n;
	c->argc += 2;
	if (c->container_at >= at)
		c->container_at += 2;
	if (c->process_at >= at)
		c->process_at += 2;
	c->preserve_at = at + 1;
}

bool sh_rt_starts_process(const sh_rt_cli *c)
{
	return c->command == SH_RT_CREATE || c->command == SH_RT_EXEC;
}

char **sh_rt_state_argv(const sh_rt_cli *c)
{
	return sh_rt_state_argv_in(c, NULL);
}

/* "--root", "-root", "--root=X", "-root=X": how many of argv[i..] are it (0: another argument). */
static size_t root_option_at(const sh_rt_cli *c, size_t i)
{
	size_t len;
	const char *val, *n = c->argv[i][0] == '-' ? opt_name(c->argv[i], &len, &val) : NULL;
	if (!n || len != 4 || strncmp(n, "root", 4) != 0)
		return 0;
	return val || i + 1 >= c->command_at ? 1 : 2;
}

char **sh_rt_state_argv_in(const sh_rt_cli *c, const char *root)
{
	char **v = sh_xcalloc(c->command_at + 5, sizeof(char *));
	size_t n = 0;
	for (size_t i = 0; i < c->command_at; i++) {
		size_t skip = root && i > 0 ? root_option_at(c, i) : 0;
		if (skip)
			i += skip - 1;
		else
			v[n++] = c->argv[i];
	}
	if (root) {
		v[n++] = "--root";
		v[n++] = (char *)root;
	}
	v[n++] = "state";
	v[n] = (char *)(c->container ? c->container : c->id);
	return v;
}

char *sh_rt_log_line(bool json, const char *level, const char *msg, long long unix_time)
{
	char when[32];
	time_t t = (time_t)unix_time;
	struct tm tm;
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	sh_json *m = sh_json_new_string(msg);
	cleanup_free char *quoted = sh_json_serialize(m, false, NULL);
	sh_json_free(m);
	if (json) /* logrus's JSON formatter: what containerd's shim parses for the error it shows */
		return sh_xasprintf("{\"level\":\"%s\",\"msg\":%s,\"time\":\"%s\"}\n", level, quoted, when);
	return sh_xasprintf("time=\"%s\" level=%s msg=%s\n", when, level, quoted);
}

static int read_json(const char *path, sh_json **out, sh_error **err)
{
	return sh_json_read_file(path, &sh_hook_config_limits, out, NULL, NULL, err);
}

/* The runtime's own record of the container must name the program the config's loader installs:
 * a config.json changed after create is refused rather than followed. */
static int check_state(const sh_json *state, const sh_loader_args *call, sh_error **err)
{
	const char *applied = sh_oci_annotation(state, SH_ANNOT_APPLIED);
	const char *d = applied ? strstr(applied, " sha256:") : NULL;
	if (!d || strncmp(d + 8, call->digest, 64) != 0 || (d[72] != '\0' && d[72] != ' '))
		return sh_error_set(err, SH_EXIT_INVALID, "exec: the container's config.json does not match the "
				    "program the runtime recorded for it at create; refusing to exec");
	return 0;
}

/* The exec's process file, read as runc reads it (Go's member names checked as config.json's are);
 * without capabilities the runtime gives it the container's own. An engine that builds it from the
 * container's config as the transform rewrote it (podman, after a precreate hook) asks for the sets
 * lent to the loader: those are the container's own (sh_initproc_unlend). */
static int read_process(const sh_rt_cli *c, const sh_capsets *own, sh_json **xp, sh_capsets *caps, sh_error **err)
{
	const char *path = c->argv[c->process_at];
	if (read_json(path, xp, err) < 0 || sh_gofold_check_process(*xp, path, err) < 0)
		return -1;
	if (!sh_json_get(*xp, "capabilities"))
		sh_initproc_set_caps(*xp, own);
	if (sh_initproc_caps(*xp, caps) < 0)
		return sh_error_set(err, SH_EXIT_INVALID, "%s: capabilities is not an object", path);
	if (sh_initproc_unlend(own, caps))
		sh_initproc_set_caps(*xp, caps);
	return 0;
}

/* The argv form: runc builds the process from config.json (whose capabilities lend the loader what
 * it needs) plus --cap, which it adds to the bounding, effective, permitted and ambient sets, each
 * name read as runc reads it (one it does not know it leaves out, and so does this). */
static sh_capsets argv_caps(const sh_rt_cli *c, sh_capsets own)
{
	for (size_t i = 0; i < c->ncaps_added; i++) {
		int cap = sh_cap_from_oci_name(c->caps_added[i]);
		if (cap < 0 || cap > SH_CAP_MAX)
			continue;
		uint64_t bit = UINT64_C(1) << cap;
		own.bounding |= bit, own.effective |= bit, own.permitted |= bit, own.ambient |= bit;
	}
	return own;
}

/* The exec is judged by the rule PID 1 and the hooks were: a process that may hold CAP_SYS_ADMIN
 * could remount or replace the loader the container's later execs go through. */
static int judge_exec(const sh_rt_cli *c, const sh_capsets *caps, sh_error **err)
{
	const char *why = sh_initproc_caps_unsafe(caps, true);
	if (!why)
		return 0;
	return sh_error_set(err, SH_EXIT_INVALID, "exec: container %s starts its processes through the init loader, "
			    "and this one %s; refusing it (create the container in runtime mode, "
			    SH_ANNOT_MODE "=runtime, to run such an exec)", c->container, why + strlen("its process "));
}

static void insert_argv(sh_rt_cli *c, const sh_loader_args *call)
{
	sh_json *pre = sh_initproc_prefix(call);
	size_t n = pre->u.arr.n, at = c->container_at + 1;
	c->argv = sh_xreallocarray(c->argv, c->argc + n + 1, sizeof(char *));
	memmove(&c->argv[at + n], &c->argv[at], (c->argc - at + 1) * sizeof(char *));
	for (size_t i = 0; i < n; i++)
		c->argv[at + i] = keep(c, sh_xstrdup(pre->u.arr.v[i]->u.str.s));
	c->argc += n;
	sh_json_free(pre);
}

/* The new process goes through the loader with its own sets, judged first. (With --process runc
 * takes the process from the file alone: --cap does not count then.) */
static int plan_process(sh_rt_cli *c, sh_loader_args *call, sh_rt_exec_plan *p, sh_error **err)
{
	sh_capsets caps = argv_caps(c, call->caps);
	if (!c->process_at) {
		if (judge_exec(c, &caps, err) < 0)
			return -1;
		call->caps = sh_initproc_granted(caps);
		insert_argv(c, call);
		return 0;
	}
	sh_json *xp = NULL;
	int r = read_process(c, &call->caps, &xp, &caps, err);
	if (r == 0)
		r = judge_exec(c, &caps, err);
	if (r == 0 && sh_initproc_wrap_process(xp, call, err) < 0)
		r = sh_error_prefix(err, "%s", c->argv[c->process_at]);
	if (r == 0)
		p->process_json = sh_json_serialize(xp, false, &p->process_len);
	sh_json_free(xp);
	return r;
}

/* A container whose loader hands a listener on: this process's loader does the same, on the
 * descriptor this exec passes in, to the same listenerPath. */
static int plan_listener(sh_rt_cli *c, const sh_json *config, const char *bundle, sh_loader_args *call,
			 sh_rt_exec_plan *p, sh_error **err)
{
	if (call->listener_fd < 0)
		return 0;
	const char *path = sh_oci_annotation(config, SH_ANNOT_LISTENER_PATH);
	const char *meta = sh_oci_annotation(config, SH_ANNOT_LISTENER_METADATA);
	if (!path)
		return sh_error_set(err, SH_EXIT_INVALID, "exec: the container's config names no listenerPath");
	call->listener_fd = c->next_fd;
	p->listener_path = sh_xstrdup(path);
	p->listener_metadata = meta ? sh_xstrdup(meta) : NULL;
	p->bundle = sh_xstrdup(bundle);
	p->annotations = sh_rt_annotations_text(config);
	return 0;
}

/* state NULL: config is the wrapper's own record, which only it writes; else the bundle's
 * config.json, whose loader call is believed only under the seal the transform put on it. */
static int plan_for_config(sh_rt_cli *c, const sh_json *state, const sh_json *config, const char *bundle,
			   sh_rt_exec_plan *p, sh_error **err)
{
	sh_loader_args call;
	if (!sh_initproc_decode(sh_json_get(sh_json_get(config, "process"), "args"), &call))
		return 0; /* the runtime filters this container's processes itself */
	if (state) {
		sh_seal_key key;
		if (sh_seal_key_read(c->o.seal_key, &key, err) < 0)
			return -1;
		if (!sh_seal_valid(&key, config))
			return sh_error_set(err, SH_EXIT_INVALID, "exec: the container's config.json starts its process with "
					    "seccomp-hook's loader call, but no valid seal says seccomp-hook wrote it; refusing to exec");
		if (check_state(state, &call, err) < 0)
			return -1;
	}
	if (plan_listener(c, config, bundle, &call, p, err) < 0)
		return -1;
	if (!call.has_caps)
		return sh_error_set(err, SH_EXIT_INVALID, "exec: the container's loader has no --caps; recreate it");
	return plan_process(c, &call, p, err);
}

int sh_rt_plan_exec(sh_rt_cli *c, const char *state, size_t statelen, sh_rt_exec_plan *p, sh_error **err)
{
	sh_json *st = NULL, *config = NULL;
	memset(p, 0, sizeof(*p));
	if (sh_json_parse(state, statelen, "runtime state", NULL, &st, err) < 0 ||
	    sh_gofold_check_state(st, "runtime state", err) < 0) {
		sh_json_free(st);
		return -1;
	}
	const sh_json *bundle = sh_json_get(st, "bundle");
	int r = -1;
	if (!bundle || bundle->type != SH_JSON_STRING) {
		sh_error_set(err, SH_EXIT_SYSTEM, "exec: the runtime's state of %s names no bundle", c->container);
	} else {
		cleanup_free char *path = sh_xasprintf("%s/config.json", bundle->u.str.s);
		if (read_json(path, &config, err) == 0 && sh_gofold_check_config(config, path, err) == 0)
			r = plan_for_config(c, st, config, bundle->u.str.s, p, err);
	}
	sh_json_free(config);
	sh_json_free(st);
	return r;
}

void sh_rt_use_process_fd(sh_rt_cli *c, int fd)
{
	c->argv[c->process_at] = keep(c, sh_xasprintf("/proc/self/fd/%d", fd));
}

void sh_rt_exec_plan_free(sh_rt_exec_plan *p)
{
	free(p->process_json);
	free(p->listener_path);
	free(p->listener_metadata);
	free(p->bundle);
	free(p->annotations);
	memset(p, 0, sizeof(*p));
}

/* ---- the wrapper's record of each container it created ---------------------------------------- */

/* STATE/runtime/<16 hex digits of the runtime root's SHA-256>/: one directory per runtime root, as
 * container ids are unique only within one. */
static char *record_dir(const sh_rt_cli *c)
{
	char h[65];
	const char *root = c->root ? c->root : "";
	sh_sha256_hex(root, strlen(root), h);
	h[16] = '\0';
	return sh_xasprintf("%s/runtime/%s", c->state_dir, h);
}

/* Runtimes allow [A-Za-z0-9_+.-] in ids; anything else (a '/', "..") names no record. */
static bool id_is_plain(const char *id)
{
	return id && *id && strcmp(id, ".") != 0 && strcmp(id, "..") != 0 &&
	       strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+.-") == strlen(id);
}

char *sh_rt_record_path(const sh_rt_cli *c, const char *id)
{
	if (!id_is_plain(id))
		return NULL;
	cleanup_free char *dir = record_dir(c);
	return sh_xasprintf("%s/%s.json", dir, id);
}

/* Made where missing; the common case (it is there) costs one mkdir. */
static int mkdirs(const char *path, sh_error **err)
{
	if (mkdir(path, 0700) == 0 || errno == EEXIST)
		return 0;
	cleanup_free char *p = sh_xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return sh_error_errno(err, errno, "%s", p);
		*s = '/';
	}
	if (mkdir(p, 0700) < 0 && errno != EEXIST)
		return sh_error_errno(err, errno, "%s", p);
	return 0;
}

static void set_str(sh_json *obj, const char *key, const char *value)
{
	if (value)
		sh_json_set(obj, key, sh_json_new_string(value));
}

char *sh_rt_annotations_text(const sh_json *config)
{
	const sh_json *ann = sh_json_get(config, "annotations");
	return ann && ann->type == SH_JSON_OBJECT && ann->u.obj.n > 0 ? sh_json_serialize(ann, false, NULL) : NULL;
}

/* A copy of the config's annotations (what a runtime's state of the container shows). */
static sh_json *annotations_copy(const sh_json *config)
{
	cleanup_free char *text = sh_rt_annotations_text(config);
	sh_json *ann = NULL;
	if (!text || sh_json_parse(text, strlen(text), "annotations", NULL, &ann, NULL) < 0)
		return sh_json_new(SH_JSON_OBJECT);
	return ann;
}

/* What exec needs, from the config as the transform left it: the loader's arguments in front of
 * process.args (none: the runtime filters the container's processes itself) and the listener's
 * annotations; and what to clean up once the container is gone (res: its agent, the loader's place
 * the runtime makes), under a nonce of its own. Written before the runtime creates the container, so
 * no exec can come first. */
int sh_rt_write_record(const sh_rt_cli *c, const char *bundle, const sh_json *config, const sh_hook_result *res,
		       sh_rt_record *written, sh_error **err)
{
	cleanup_free char *path = sh_rt_record_path(c, c->id), *dir = record_dir(c);
	size_t len = 0;
	if (!path)
		return sh_error_set(err, SH_EXIT_SYSTEM, "container id '%.64s' is not one a runtime accepts", c->id ? c->id : "");
	uint8_t rnd[8];
	char nonce[17];
	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		return sh_error_errno(err, errno, "getrandom");
	sh_hex(rnd, sizeof rnd, nonce);
	sh_json *rec = sh_json_new(SH_JSON_OBJECT), *proc = sh_json_new(SH_JSON_OBJECT);
	sh_json *args = sh_json_new(SH_JSON_ARRAY), *ann = annotations_copy(config);
	const sh_json *a = sh_json_get(sh_json_get(config, "process"), "args");
	/* The longest loader call and the command's first element: what exec decodes. */
	for (size_t i = 0; a && a->type == SH_JSON_ARRAY && i < a->u.arr.n && i <= SH_LOADER_ARGV_MAX; i++)
		sh_json_append(args, sh_json_new_string(a->u.arr.v[i]->type == SH_JSON_STRING ? a->u.arr.v[i]->u.str.s : ""));
	sh_json_set(rec, "bundle", sh_json_new_string(bundle));
	sh_json_set(proc, "args", args);
	sh_json_set(rec, "process", proc);
	sh_json_set(rec, "annotations", ann);
	set_str(rec, "place", res ? res->made_place : NULL);
	set_str(rec, "agent", res ? res->agent : NULL);
	set_str(rec, "nonce", nonce);
	cleanup_free char *out = sh_json_serialize(rec, false, &len);
	sh_json_free(rec);
	if (mkdirs(dir, err) < 0 || sh_trust_dir(dir, "wrapper state directory", err) < 0 ||
	    sh_write_file_replace(path, out, len, 0600, false, err) < 0)
		return -1;
	if (written) {
		written->place = res && res->made_place ? sh_xstrdup(res->made_place) : NULL;
		written->agent = res && res->agent ? sh_xstrdup(res->agent) : NULL;
		memcpy(written->nonce, nonce, sizeof nonce);
	}
	return 0;
}

/* The record of container `id` as the wrapper wrote it (*rec NULL: there is none). */
static int load_record(const sh_rt_cli *c, const char *id, sh_json **rec, char **path, sh_error **err)
{
	cleanup_free char *dir = record_dir(c);
	*rec = NULL;
	*path = sh_rt_record_path(c, id);
	if (!*path || access(*path, F_OK) < 0)
		return 0;
	if (sh_trust_dir(dir, "wrapper state directory", err) < 0 || sh_trust_entry(*path, "wrapper state", err) < 0)
		return -1;
	return read_json(*path, rec, err);
}

static char *get_str(const sh_json *obj, const char *key)
{
	const sh_json *v = sh_json_get(obj, key);
	return v && v->type == SH_JSON_STRING && v->u.str.s[0] ? sh_xstrdup(v->u.str.s) : NULL;
}

/* 1 with the plan made from the record, 0 if there is none (then the runtime's state is asked). */
int sh_rt_plan_exec_from_record(sh_rt_cli *c, sh_rt_exec_plan *p, sh_error **err)
{
	sh_json *rec = NULL;
	cleanup_free char *path = NULL;
	memset(p, 0, sizeof(*p));
	if (load_record(c, c->container, &rec, &path, err) < 0)
		return -1;
	if (!rec)
		return 0;
	const sh_json *bundle = sh_json_get(rec, "bundle");
	int r = bundle && bundle->type == SH_JSON_STRING
			? plan_for_config(c, NULL, rec, bundle->u.str.s, p, err)
			: sh_error_set(err, SH_EXIT_SYSTEM, "%s: no bundle", path);
	sh_json_free(rec);
	return r < 0 ? -1 : 1;
}

int sh_rt_read_record(const sh_rt_cli *c, const char *id, sh_rt_record *r, sh_error **err)
{
	sh_json *rec = NULL;
	cleanup_free char *path = NULL;
	memset(r, 0, sizeof(*r));
	if (load_record(c, id, &rec, &path, err) < 0)
		return -1;
	if (!rec)
		return 0;
	r->place = get_str(rec, "place");
	r->agent = get_str(rec, "agent");
	cleanup_free char *nonce = get_str(rec, "nonce");
	snprintf(r->nonce, sizeof r->nonce, "%s", nonce ? nonce : "");
	sh_json_free(rec);
	return 1;
}

void sh_rt_record_free(sh_rt_record *r)
{
	free(r->place);
	free(r->agent);
	memset(r, 0, sizeof(*r));
}

sh_rt_cleanup sh_rt_cleanup_plan(sh_rt_after step, int exit_code, bool container_exists)
{
	static const struct {
		sh_rt_after step;
		bool succeeded; /* the command exited 0 */
		bool exists;    /* (foreground run) the runtime still knows the container */
		sh_rt_cleanup what;
	} table[] = {
		{ SH_RT_AFTER_CREATE, false, false, { true, true, true } }, /* no container was made */
		{ SH_RT_AFTER_CREATE, true, false, { false, false, false } },
		{ SH_RT_AFTER_RUN, false, false, { true, true, true } },    /* the runtime deleted it */
		{ SH_RT_AFTER_RUN, true, false, { true, true, true } },
		{ SH_RT_AFTER_RUN, false, true, { false, false, false } },  /* killed before it deleted it */
		{ SH_RT_AFTER_RUN, true, true, { false, false, false } },
		{ SH_RT_AFTER_DELETE, true, false, { true, true, true } },
		{ SH_RT_AFTER_DELETE, false, false, { false, false, false } }, /* still there */
	};
	bool ok = exit_code == 0, exists = step == SH_RT_AFTER_RUN && container_exists;
	for (size_t i = 0; i < SH_ARRAY_SIZE(table); i++)
		if (table[i].step == step && table[i].succeeded == ok && table[i].exists == exists)
			return table[i].what;
	return (sh_rt_cleanup){ false, false, false };
}

/* The loader's place, as the runtime made it: an empty directory (a link, a file, or a directory
 * with something in it is not the runtime's mount point, and stays). */
static void remove_place(const char *place)
{
	cleanup_free char *root = sh_xstrdup(place);
	char *slash = strrchr(root, '/');
	if (!slash)
		return;
	*slash = '\0';
	cleanup_close int fd = open(*root ? root : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		unlinkat(fd, slash + 1, AT_REMOVEDIR);
}

/* The record is removed only while it is the one read (a create with the same id since wrote
 * another, with a nonce of its own). */
static void remove_record(const sh_rt_cli *c, const char *id, const char *nonce)
{
	sh_json *rec = NULL;
	cleanup_free char *path = NULL;
	sh_error *err = NULL;
	if (load_record(c, id, &rec, &path, &err) == 0 && rec) {
		/* One written before records had nonces is the container's that was read. */
		cleanup_free char *now = get_str(rec, "nonce");
		if (now ? strcmp(now, nonce) == 0 : !*nonce)
			unlink(path);
	}
	sh_json_free(rec);
	sh_error_free(err);
}

void sh_rt_cleanup_act(const sh_rt_cli *c, const char *id, const sh_rt_record *r, sh_rt_cleanup what)
{
	sh_error *err = NULL;
	if (what.agent && r->agent)
		sh_agent_release(r->agent, &err);
	sh_error_free(err);
	if (what.place && r->place)
		remove_place(r->place);
	if (what.record)
		remove_record(c, id, r->nonce);
}


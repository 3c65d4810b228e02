/* seccomp-hook check: is each profile valid, and what would the hook warn about? */
#include "config.h"
#include "cli.h"
#include "lint.h"
#include "overlay.h"
#include "lookup.h"
#include "startcalls.h"
#include "translate.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char check_usage[] =
	"Usage: seccomp-hook check [--strict] [--format=text|json|github] [--arch=A,..] [--kernel=X.Y]\n"
	"                          [--for=runc|crun|init] [--overlay] [--profiles-dir=DIR] PROFILE|DIR...\n"
	"       seccomp-hook check --within=BASE [OPTION...] PROFILE...   (see check --within --help)\n"
	"Validate Docker/OCI seccomp profiles (or config.json files carrying one) and report problems\n"
	"as FILE:LINE:COL: SEVERITY: MESSAGE. A PROFILE is a file, or NAME for NAME.json in the profiles\n"
	"directories; a directory (not named *.json) stands for every *.json file in it (sorted by name).\n\n"
	"  --strict        treat warnings (unknown keys and syscall names, lints) as errors\n"
	"  --format=F      text (GCC style, default), json (array of findings), github (annotations)\n"
	"  --arch=A,..     architectures to check names on (default: native + the profile's archMap)\n"
	"  --kernel=X.Y    kernel version for minKernel (default: the running kernel)\n"
	"  --for=RUNTIME   the profile is for containers started by runc, crun or init (the loader):\n"
	"                  name what that installer calls after the filter is in and the profile does\n"
	"                  not allow (resolved for Docker's default capabilities): start-calls-needed,\n"
	"                  a warning (the container cannot start), start-calls-wanted, a note\n"
	"  --overlay       the files are overlays (--overlay of the hooks, the wrapper and exec): deny rules\n"
	"                  stacked on another filter, checked as such (SCMP_ACT_ALLOW by default, every rule\n"
	"                  denying) instead of with the lints about what a whole profile lets through\n"
	"  --profiles-dir=DIR  where to look NAME up (--overlay: overlays/NAME.json)\n"
	"  -h, --help      show this help\n\n"
	"Lints (warnings): duplicate-name, conflicting-actions, no-effect, never-matches, missing-arch,\n"
	"open-escape, no-rules, unknown-syscall, unknown-key, unknown-capability, unknown-architecture,\n"
	"or-conditions, socketcall-bypass, socketcall-blocked, io-uring, start-calls-needed (--for);\n"
	"af-alg (CVE-2026-31431) and overlapping-rules are notes.\n"
	"A real Linux syscall that this libseccomp does not know yet is a note\n"
	"(syscall-unknown-to-libseccomp), not a warning: --strict passes it, as runc and crun skip it.\n"
	"Every error in a file is reported, not only the first, and a misspelt action, operator, errno,\n"
	"syscall, architecture or capability name comes with the nearest known one (did you mean ...?).\n\n"
	"Every file is checked, whatever the ones before it held. A file's findings come in the order of\n"
	"its text; the text and github formats end with a summary line on standard output (profiles, how\n"
	"many with errors, errors, warnings, and notes when there are some).\n"
	"Exit status: 0 no errors, 1 a profile has errors, 2 usage error or a file that cannot be read.\n";

/* Keep one finding per (file, line, col, message): the profile is checked under several capability
 * sets and the same unknown name would otherwise be reported twice. */
static void merge_unique(sh_diag *into, const sh_diag *from)
{
	for (size_t i = 0; i < from->n; i++) {
		const sh_finding *f = &from->items[i];
		bool dup = false;
		for (size_t k = 0; k < into->n && !dup; k++) {
			const sh_finding *g = &into->items[k];
			dup = g->line == f->line && g->col == f->col && strcmp(g->file, f->file) == 0 &&
			      strcmp(g->msg, f->msg) == 0;
		}
		if (!dup)
			sh_diag_add(into, f->sev, f->file, f->line, f->col, f->code, "%s", f->msg);
	}
}

/* Translate under no capabilities and under all, so rules behind includes and excludes are both seen. */
static int check_translate(const sh_profile *p, sh_target *t, sh_diag *out, sh_error **err)
{
	const uint64_t cap_sets[] = { 0, ~UINT64_C(0) };
	for (size_t i = 0; i < SH_ARRAY_SIZE(cap_sets); i++) {
		sh_diag d = { 0 };
		t->caps = cap_sets[i];
		cleanup_ruleset sh_ruleset *rs = NULL;
		sh_bpf b = { 0 };
		int r = sh_resolve(p, t, &rs, &d, err);
		if (r == 0)
			r = sh_translate_bpf(rs, NULL, &b, &d, err);
		sh_bpf_free(&b);
		merge_unique(out, &d);
		sh_diag_free(&d);
		if (r < 0)
			return -1;
	}
	return 0;
}

/* --for: what the installer calls after the filter is in, against the program a container with
 * Docker's default capabilities gets. */
static int check_start_calls(const sh_profile *p, sh_target *t, sh_installer i, sh_diag *d, sh_error **err)
{
	t->caps = SH_DOCKER_DEFAULT_CAPS;
	cleanup_ruleset sh_ruleset *rs = NULL;
	sh_engine e;
	if (sh_resolve(p, t, &rs, NULL, err) < 0 || sh_engine_init(&e, rs, err) < 0)
		return -1;
	sh_lint_start_calls(&e, rs->arches[0], i, d);
	sh_engine_fini(&e);
	return 0;
}

typedef struct check_opts {
	sh_target_opts t;
	const char *dir; /* --profiles-dir */
	bool strict;
	sh_diag_format fmt;
	bool for_container;
	sh_installer installer; /* --for */
	bool overlay;
} check_opts;

/* Every problem with the file becomes a finding, so the files after it are still checked; one that
 * cannot be read (missing, a directory) makes the exit status 2 once all are done. */
static int check_one(const char *path, check_opts *o, sh_diag *d)
{
	cleanup_error sh_error *err = NULL;
	cleanup_profile sh_profile *p = NULL;
	sh_target t;
	if (sh_cli_target(&o->t, &t, &err) < 0)
		return sh_error_report(err);
	int r = sh_profile_load(path, &p, d, &err);
	if (r == 0 && o->overlay)
		r = sh_overlay_check(p, d, &err);
	else if (r == 0)
		sh_lint_profile(p, t.native_arch, d);
	if (r < 0 || check_translate(p, &t, d, &err) < 0 ||
	    (o->for_container && check_start_calls(p, &t, o->installer, d, &err) < 0)) {
		int status = err->status == SH_EXIT_SYSTEM && !err->line ? SH_EXIT_SYSTEM : SH_EXIT_OK;
		size_t n = strlen(path);
		if (!err->file && strncmp(err->msg, path, n) == 0 && strncmp(err->msg + n, ": ", 2) == 0)
			memmove(err->msg, err->msg + n + 2, strlen(err->msg + n + 2) + 1); /* the file leads the line */
		sh_error_locate(err, path, 0, 0);
		sh_diag_add_error(d, err, status ? "unreadable" : "invalid");
		return status;
	}
	return SH_EXIT_OK;
}

/* A file's findings in the order of the text, as a compiler reports them: the reading, the lints
 * and the translation each find their own in turn, and a kept error is only recorded when the next
 * one is found. Stable (insertion: a file has tens of findings), so one place keeps its order. */
static void sort_by_position(sh_diag *d, size_t from)
{
	for (size_t i = from + 1; i < d->n; i++) {
		sh_finding f = d->items[i];
		size_t k = i;
		for (; k > from && (d->items[k - 1].line > f.line ||
				    (d->items[k - 1].line == f.line && d->items[k - 1].col > f.col)); k--)
			d->items[k] = d->items[k - 1];
		d->items[k] = f;
	}
}

/* The closing line of the text and github formats, on standard output (text: the findings went to
 * standard error). Notes (a syscall newer than libseccomp) are counted only when there are some. */
static void print_summary(size_t files, size_t with_errors, const sh_diag *d)
{
	size_t e = sh_diag_count(d, SH_SEV_ERROR), w = sh_diag_count(d, SH_SEV_WARNING), n = sh_diag_count(d, SH_SEV_NOTE);
	printf("check: %zu profile%s, %zu with errors; %zu error%s, %zu warning%s", files, files == 1 ? "" : "s",
	       with_errors, e, e == 1 ? "" : "s", w, w == 1 ? "" : "s");
	if (n)
		printf(", %zu note%s", n, n == 1 ? "" : "s");
	putchar('\n');
}


/* The files the arguments name: a directory's *.json files in name order, a profile NAME's file, a
 * path as it is. */
typedef struct file_list {
	char **v;
	size_t n, cap;
} file_list;

static void add_file(file_list *l, char *path)
{
	sh_grow(&l->v, &l->cap, l->n, sizeof(*l->v));
	l->v[l->n++] = path;
}

static int json_entry(const struct dirent *e)
{
	size_t n = strlen(e->d_name);
	return e->d_name[0] != '.' && n > 5 && strcmp(e->d_name + n - 5, ".json") == 0;
}

static int add_dir(file_list *l, const char *dir, sh_error **err)
{
	struct dirent **ents = NULL;
	int n = scandir(dir, &ents, json_entry, alphasort);
	if (n < 0)
		return sh_error_errno(err, errno, "%s", dir);
	for (int i = 0; i < n; i++) {
		add_file(l, sh_xasprintf("%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", ents[i]->d_name));
		free(ents[i]);
	}
	free(ents);
	return n ? 0 : sh_error_set(err, SH_EXIT_SYSTEM, "%s: no *.json file in this directory", dir);
}

/* A directory stands for its profiles, unless its name says it is one (NAME.json): then the profile
 * is not a regular file, which check_one says. */
static bool profiles_dir(const char *arg)
{
	struct stat st;
	size_t n = strlen(arg);
	return !(n > 5 && strcmp(arg + n - 5, ".json") == 0) && stat(arg, &st) == 0 && S_ISDIR(st.st_mode);
}

/* One argument's files into l; an argument that names none is a finding (exit status 2). */
static int expand_arg(const char *arg, const check_opts *o, file_list *l, sh_diag *d)
{
	cleanup_error sh_error *err = NULL;
	char *path = NULL;
	int r = profiles_dir(arg) ? add_dir(l, arg, &err)
		: o->overlay	  ? sh_overlay_find(arg, o->dir, &path, &err)
				  : sh_profile_arg(arg, o->dir, &path, &err);
	if (path)
		add_file(l, path);
	if (r == 0)
		return SH_EXIT_OK;
	sh_error_locate(err, arg, 0, 0);
	sh_diag_add_error(d, err, "unreadable");
	return SH_EXIT_SYSTEM;
}

static size_t errors_counted(const sh_diag *d, bool strict)
{
	return sh_diag_count(d, SH_SEV_ERROR) + (strict ? sh_diag_count(d, SH_SEV_WARNING) : 0);
}

/* Each argument in turn (a directory's files in name order), so the findings come in the order the
 * arguments name the files. */
static int check_all(char **args, size_t nargs, check_opts *o)
{
	sh_diag d = { 0 };
	int status = SH_EXIT_OK;
	size_t with_errors = 0, checked = 0;
	for (size_t a = 0; a < nargs; a++) {
		file_list files = { 0 };
		int st = expand_arg(args[a], o, &files, &d);
		with_errors += st != SH_EXIT_OK;
		checked += st != SH_EXIT_OK;
		status = st > status ? st : status;
		for (size_t i = 0; i < files.n; i++, checked++) {
			size_t before = errors_counted(&d, o->strict), first = d.n;
			st = check_one(files.v[i], o, &d);
			sort_by_position(&d, first);
			status = st > status ? st : status;
			with_errors += errors_counted(&d, o->strict) > before;
			free(files.v[i]);
		}
		free(files.v);
	}
	if (o->strict)
		sh_diag_promote_warnings(&d);
	sh_diag_print(&d, o->fmt, o->fmt == SH_FMT_TEXT ? stderr : stdout);
	if (o->fmt != SH_FMT_JSON)
		print_summary(checked, with_errors, &d);
	if (status == SH_EXIT_OK && sh_diag_count(&d, SH_SEV_ERROR))
		status = SH_EXIT_INVALID;
	sh_diag_free(&d);
	return status;
}

int cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "strict", no_argument, NULL, 's' }, { "format", required_argument, NULL, 'f' },
		{ "arch", required_argument, NULL, 'a' }, { "kernel", required_argument, NULL, 'k' },
		{ "profiles-dir", required_argument, NULL, 'd' }, { "for", required_argument, NULL, 'F' },
		{ "overlay", no_argument, NULL, 'O' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (strncmp(argv[i], "--within", 8) == 0 && (argv[i][8] == '=' || !argv[i][8]))
			return cmd_check_within(argc, argv);
	check_opts o = { .fmt = SH_FMT_TEXT };
	int ch;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (ch) {
		case 's': o.strict = true; break;
		case 'a': o.t.arch = optarg; break;
		case 'k': o.t.kernel = optarg; break;
		case 'd': o.dir = optarg; break;
		case 'O': o.overlay = true; break;
		case 'F':
			if (sh_installer_parse(optarg, &o.installer) < 0)
				return sh_usage_error("check", "--for is runc, crun or init, not '%s'", optarg);
			o.for_container = true;
			break;
		case 'f':
			if (sh_diag_format_parse(optarg, &o.fmt) < 0)
				return sh_usage_error("check", "unknown format '%s' (text, json or github)", optarg);
			break;
		case 'h': fputs(check_usage, stdout); return SH_EXIT_OK;
		default: return sh_usage_error("check", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return sh_usage_error("check", "no PROFILE given");
	return check_all(argv + optind, (size_t)(argc - optind), &o);
}

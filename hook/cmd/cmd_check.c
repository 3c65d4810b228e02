/* seccomp-hook check: is each profile valid, and what would the hook warn about? */
#include "config.h"
#include "cli.h"
#include "lint.h"
#include "translate.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char check_usage[] =
	"Usage: seccomp-hook check [--strict] [--format=text|json|github] [--arch=A,..] PROFILE...\n"
	"       seccomp-hook check --within=BASE [OPTION...] PROFILE...   (see check --within --help)\n"
	"Validate Docker/OCI seccomp profiles (or config.json files carrying one) and report problems\n"
	"as FILE:LINE:COL: SEVERITY: MESSAGE.\n\n"
	"  --strict        treat warnings (unknown keys and syscall names, lints) as errors\n"
	"  --format=F      text (GCC style, default), json (array of findings), github (annotations)\n"
	"  --arch=A,..     architectures to check names on (default: native + the profile's archMap)\n"
	"  --kernel=X.Y    kernel version for minKernel (default: the running kernel)\n"
	"  -h, --help      show this help\n\n"
	"Lints (warnings): duplicate-name, conflicting-actions, no-effect, never-matches, missing-arch,\n"
	"open-escape, no-rules, unknown-syscall, unknown-key, unknown-capability, unknown-architecture,\n"
	"or-conditions, socketcall-bypass, socketcall-blocked, io-uring; af-alg is a note (CVE-2026-31431).\n"
	"A real Linux syscall that this libseccomp does not know yet is a note\n"
	"(syscall-unknown-to-libseccomp), not a warning: --strict passes it, as runc and crun skip it.\n"
	"Every error in a file is reported, not only the first, and a misspelt action, operator, errno,\n"
	"syscall, architecture or capability name comes with the nearest known one (did you mean ...?).\n\n"
	"Every file is checked, whatever the ones before it held. A file's findings come in the order of\n"
	"its text; the text format ends with a summary line on standard output (profiles, how many with\n"
	"errors, errors, warnings, and notes when there are some).\n"
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

/* Every problem with the file becomes a finding, so the files after it are still checked; one that
 * cannot be read (missing, a directory) makes the exit status 2 once all are done. */
static int check_one(const char *path, sh_target_opts *to, sh_diag *d)
{
	cleanup_error sh_error *err = NULL;
	cleanup_profile sh_profile *p = NULL;
	sh_target t;
	if (sh_cli_target(to, false, &t, &err) < 0)
		return sh_error_report(err);
	if (sh_profile_load(path, &p, d, &err) == 0)
		sh_lint_profile(p, t.native_arch, d);
	if (!p || check_translate(p, &t, d, &err) < 0) {
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

/* The closing line of the text format, on standard output: the findings went to standard error.
 * Notes (a syscall newer than libseccomp) are counted only when there are some. */
static void print_summary(int files, int with_errors, const sh_diag *d)
{
	size_t e = sh_diag_count(d, SH_SEV_ERROR), w = sh_diag_count(d, SH_SEV_WARNING), n = sh_diag_count(d, SH_SEV_NOTE);
	printf("check: %d profile%s, %d with errors; %zu error%s, %zu warning%s", files, files == 1 ? "" : "s",
	       with_errors, e, e == 1 ? "" : "s", w, w == 1 ? "" : "s");
	if (n)
		printf(", %zu note%s", n, n == 1 ? "" : "s");
	putchar('\n');
}

int cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "strict", no_argument, NULL, 's' }, { "format", required_argument, NULL, 'f' },
		{ "arch", required_argument, NULL, 'a' }, { "kernel", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (strncmp(argv[i], "--within", 8) == 0 && (argv[i][8] == '=' || !argv[i][8]))
			return cmd_check_within(argc, argv);
	bool strict = false;
	sh_diag_format fmt = SH_FMT_TEXT;
	sh_target_opts to = { 0 };
	int ch;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (ch) {
		case 's': strict = true; break;
		case 'a': to.arch = optarg; break;
		case 'k': to.kernel = optarg; break;
		case 'f':
			if (sh_diag_format_parse(optarg, &fmt) < 0)
				return sh_usage_error("check", "unknown format '%s' (text, json or github)", optarg);
			break;
		case 'h': fputs(check_usage, stdout); return SH_EXIT_OK;
		default: return sh_usage_error("check", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return sh_usage_error("check", "no PROFILE given");
	sh_diag d = { 0 };
	int status = SH_EXIT_OK, with_errors = 0;
	for (int i = optind; i < argc; i++) {
		size_t before = sh_diag_count(&d, SH_SEV_ERROR) + (strict ? sh_diag_count(&d, SH_SEV_WARNING) : 0);
		size_t first = d.n;
		int st = check_one(argv[i], &to, &d);
		sort_by_position(&d, first);
		status = st > status ? st : status;
		with_errors += sh_diag_count(&d, SH_SEV_ERROR) + (strict ? sh_diag_count(&d, SH_SEV_WARNING) : 0) > before;
	}
	if (strict)
		sh_diag_promote_warnings(&d);
	sh_diag_print(&d, fmt, fmt == SH_FMT_TEXT ? stderr : stdout);
	if (fmt == SH_FMT_TEXT)
		print_summary(argc - optind, with_errors, &d);
	if (status == SH_EXIT_OK && sh_diag_count(&d, SH_SEV_ERROR))
		status = SH_EXIT_INVALID;
	sh_diag_free(&d);
	return status;
}

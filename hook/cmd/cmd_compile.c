/* seccomp-hook compile: profile -> resolved rule set -> BPF | PFC | OCI JSON. */
#include "config.h"
#include "cli.h"
#include "oci.h"
#include "names.h"
#include "translate.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char compile_usage[] =
	"Usage: seccomp-hook compile [--arch=A,..] [--caps=CAP,..|all|none|docker|caller] [--kernel=X.Y]\n"
	"                            [--format=bpf|disasm|pfc|oci|table] [--linear|--no-ranges] [-q] [-o FILE]\n"
	"                            [--profiles-dir=DIR] PROFILE\n"
	"Resolve PROFILE (a file, or NAME for NAME.json in the profiles directories) for an architecture\n"
	"set, capability set and kernel, and write it (--format=F) as:\n"
	"  bpf     the raw struct sock_filter program that is installed (default; not to a terminal)\n"
	"  disasm  the same program as a readable listing (as dump --format=disasm prints a live one)\n"
	"  pfc     libseccomp's pseudo-filter-code text (its tree, before the dispatch becomes ranges)\n"
	"  oci     the resolved OCI linux.seccomp JSON a runtime would receive\n"
	"  table   the resolved rules, one line per syscall (sorted): action, argument conditions,\n"
	"          the capabilities/arches/kernel includes and excludes ask for, and the rule's FILE:LINE\n\n"
	"  --format=F      one of the forms above (default bpf)\n"
	"  --arch=A,..     architectures (x86_64 or SCMP_ARCH_X86_64 spellings); default: native + archMap\n"
	"  --caps=LIST     capabilities for includes/excludes (CAP_SYS_ADMIN,..), 'all', 'none', 'docker'\n"
	"                  (the default: Docker's default set; docker,CAP_SYS_ADMIN adds one) or 'caller'\n"
	"                  (this process's bounding set)\n"
	"  --kernel=X.Y    kernel version for minKernel (default: the running kernel)\n"
	"  --linear        linear filter instead of a binary tree (for comparison)\n"
	"  --no-ranges     libseccomp's binary tree as it builds it, its syscall-number tests not\n"
	"                  rewritten as range tests (for comparison)\n"
	"  -o, --output=F  write to F atomically (default: standard output)\n"
	"  --profiles-dir=DIR  where to look NAME up\n"
	"  -q, --quiet     no warnings (unknown syscall names skipped and the like) and no line saying what\n"
	"                  the profile was resolved for; errors still print\n"
	"  -h, --help      show this help\n\n"
	"Unless -q, one line on standard error says what the profile was resolved for (architectures,\n"
	"capability set, kernel).\n";

enum { FMT_BPF, FMT_PFC, FMT_OCI, FMT_DISASM, FMT_TABLE };

typedef struct compile_opts {
	sh_target_opts t;
	int format;
	const char *output;
	const char *dir; /* --profiles-dir */
	bool linear;
	bool no_ranges;
} compile_opts;

static int parse_format(const char *s, int *out)
{
	static const struct { const char *name; int fmt; } table[] = {
		{ "bpf", FMT_BPF }, { "pfc", FMT_PFC }, { "oci", FMT_OCI }, { "disasm", FMT_DISASM },
		{ "table", FMT_TABLE },
	};
	for (size_t i = 0; i < SH_ARRAY_SIZE(table); i++)
		if (strcmp(s, table[i].name) == 0) {
			*out = table[i].fmt;
			return 0;
		}
	return -1;
}

/* The program that is installed, as raw BPF or (disasm) as the listing dump prints. */
static int emit_bpf(const sh_ruleset *rs, const compile_opts *o, sh_diag *d, sh_error **err)
{
	sh_translate_opts to = { .optimize = o->linear ? 1 : 2, .tree_as_built = o->no_ranges };
	sh_bpf b = { 0 };
	if (sh_translate_bpf(rs, &to, &b, d, err) < 0)
		return -1;
	char *text = NULL;
	size_t len = 0;
	FILE *f = o->format == FMT_DISASM ? open_memstream(&text, &len) : NULL;
	if (f) {
		sh_bpf_disasm(f, &b);
		fclose(f);
	}
	int r = o->format == FMT_DISASM ? sh_write_file_atomic(o->output, text, len, 0644, err)
					: sh_write_file_atomic(o->output, b.insns, b.len * sizeof(*b.insns), 0644, err);
	free(text);
	sh_bpf_free(&b);
	return r;
}

static int emit_pfc(const sh_ruleset *rs, const compile_opts *o, sh_diag *d, sh_error **err)
{
	sh_translate_opts to = { .optimize = o->linear ? 1 : 2 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return sh_error_errno(err, errno, "open_memstream");
	int r = sh_translate_pfc(rs, &to, f, d, err);
	fclose(f);
	if (r == 0)
		r = sh_write_file_atomic(o->output, buf, len, 0644, err);
	free(buf);
	return r;
}

static int emit_oci(const sh_ruleset *rs, const sh_target *t, const compile_opts *o, sh_error **err)
{
	sh_json *j = sh_oci_seccomp(rs, t);
	size_t len;
	cleanup_free char *s = sh_json_serialize(j, true, &len);
	sh_json_free(j);
	return sh_write_file_atomic(o->output, s, len, 0644, err);
}

/* ---- --format=table: the resolved rule set, one line per syscall a rule names ------------------ */

typedef struct table_row {
	const char *name;
	size_t rule;       /* position in "syscalls": keeps a syscall's rules in profile order */
	char *cell[4];     /* action, conditions, requirements, FILE:LINE */
} table_row;

enum { TABLE_COLS = 5 };
static const char *const table_head[TABLE_COLS] = { "SYSCALL", "ACTION", "CONDITIONS", "REQUIRES", "RULE" };

/* "ALLOW", "ERRNO(1) EPERM", "TRACE(5)", "KILL": disasm's spelling, with the errno's name. */
static char *action_text(sh_action_kind a, uint32_t e)
{
	const char *name = sh_action_name(a) + strlen("SCMP_ACT_");
	if (a == SH_ACT_TRACE)
		return sh_xasprintf("%s(%u)", name, e);
	if (a != SH_ACT_ERRNO)
		return sh_xstrdup(name);
	const char *en = sh_errno_name((int)e);
	return sh_xasprintf("%s(%u)%s%s", name, e, en ? " " : "", en ? en : "");
}

static int row_order(const void *a, const void *b)
{
	const table_row *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->rule > y->rule) - (x->rule < y->rule);
}

/* One row per (name, rule) the filter gets: names libseccomp does not know are left out, as the
 * translator skips them (with the same warning, from the compile that checks the set). */
static table_row *table_rows(const sh_ruleset *rs, size_t *n)
{
	table_row *rows = NULL;
	size_t cap = 0;
	*n = 0;
	for (size_t i = 0; i < rs->nrules; i++) {
		const sh_rrule *rr = &rs->rules[i];
		for (size_t k = 0; k < rr->origin->nnames; k++) {
			if (!sh_syscall_name_known(rr->origin->names[k]))
				continue;
			sh_grow(&rows, &cap, *n, sizeof(*rows));
			rows[(*n)++] = (table_row){
				.name = rr->origin->names[k], .rule = rr->origin->index,
				.cell = { action_text(rr->action, rr->errno_ret), sh_rule_conditions_text(rr->origin),
					  sh_rule_requires_text(rr->origin),
					  sh_xasprintf("%s:%u", rs->profile->file, rr->origin->loc.line) },
			};
		}
	}
	sh_sort(rows, *n, sizeof(*rows), row_order);
	return rows;
}

static const char *row_cell(const table_row *r, int col)
{
	return r ? (col == 0 ? r->name : r->cell[col - 1]) : table_head[col];
}

/* Aligned columns, two spaces apart; r == NULL prints the heading. */
static void put_row(FILE *f, const table_row *r, const int width[TABLE_COLS])
{
	for (int c = 0; c < TABLE_COLS - 1; c++)
		fprintf(f, "%-*s  ", width[c], row_cell(r, c));
	fprintf(f, "%s\n", row_cell(r, TABLE_COLS - 1));
}

static void print_table(FILE *f, const sh_ruleset *rs, const char *target)
{
	size_t n;
	table_row *rows = table_rows(rs, &n);
	int width[TABLE_COLS];
	for (int c = 0; c < TABLE_COLS; c++) {
		width[c] = (int)strlen(table_head[c]);
		for (size_t i = 0; i < n; i++)
			if ((int)strlen(row_cell(&rows[i], c)) > width[c])
				width[c] = (int)strlen(row_cell(&rows[i], c));
	}
	cleanup_free char *def = action_text(rs->default_action, rs->default_errno);
	fprintf(f, "# %s for %s\n# default: %s (%s:%u)\n", rs->profile->file, target, def, rs->profile->file,
		rs->profile->default_loc.line);
	put_row(f, NULL, width);
	for (size_t i = 0; i < n; i++) {
		put_row(f, &rows[i], width);
		for (int c = 0; c < 4; c++)
			free(rows[i].cell[c]);
	}
	free(rows);
}

static int emit_table(const sh_ruleset *rs, const sh_target *t, const compile_opts *o, sh_diag *d, sh_error **err)
{
	sh_bpf b = { 0 }; /* the rule set as the translator takes it: its errors and warnings */
	if (sh_translate_bpf(rs, NULL, &b, d, err) < 0)
		return -1;
	sh_bpf_free(&b);
	cleanup_free char *target = sh_cli_describe_target(&o->t, t, rs);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return sh_error_errno(err, errno, "open_memstream");
	print_table(f, rs, target);
	fclose(f);
	int r = sh_write_file_atomic(o->output, buf, len, 0644, err);
	free(buf);
	return r;
}

static int run_compile(const char *path, compile_opts *o, sh_diag *d, sh_error **err)
{
	sh_target t;
	if (sh_cli_target(&o->t, &t, err) < 0)
		return -1;
	cleanup_profile sh_profile *p = NULL;
	if (sh_cli_load_profile(path, o->dir, &p, d, err) < 0)
		return -1;
	cleanup_ruleset sh_ruleset *rs = NULL;
	if (sh_resolve(p, &t, &rs, d, err) < 0)
		return -1;
	sh_cli_say_target("compile", &o->t, &t, rs);
	if (o->format == FMT_OCI) {
		/* Unknown names are reported as the hook would; the OCI form keeps them for the runtime,
		 * which compiles it with libseccomp: refused where that program would be weaker. */
		sh_bpf b = { 0 };
		if (sh_translate_bpf(rs, NULL, &b, d, err) < 0 || sh_translate_runtime_form(rs, d, err) < 0) {
			sh_bpf_free(&b);
			return -1;
		}
		sh_bpf_free(&b);
		return emit_oci(rs, &t, o, err);
	}
	if (o->format == FMT_TABLE)
		return emit_table(rs, &t, o, d, err);
	return o->format == FMT_PFC ? emit_pfc(rs, o, d, err) : emit_bpf(rs, o, d, err); /* bpf, disasm */
}

int cmd_compile(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "arch", required_argument, NULL, 'a' }, { "caps", required_argument, NULL, 'c' },
		{ "kernel", required_argument, NULL, 'k' }, { "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' }, { "linear", no_argument, NULL, 'l' },
		{ "no-ranges", no_argument, NULL, 'r' }, { "quiet", no_argument, NULL, 'q' },
		{ "profiles-dir", required_argument, NULL, 'd' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	compile_opts o = { .format = FMT_BPF, .output = "-" };
	int ch;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+o:qh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'q': sh_cli_quiet = true; break;
		case 'a': o.t.arch = optarg; break;
		case 'c': o.t.caps = optarg; break;
		case 'k': o.t.kernel = optarg; break;
		case 'o': o.output = optarg; break;
		case 'd': o.dir = optarg; break;
		case 'l': o.linear = true; break;
		case 'r': o.no_ranges = true; break;
		case 'f':
			if (parse_format(optarg, &o.format) < 0)
				return sh_usage_error("compile", "unknown format '%s' (bpf, disasm, pfc, oci or table)", optarg);
			break;
		case 'h': fputs(compile_usage, stdout); return SH_EXIT_OK;
		default: return sh_usage_error("compile", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return sh_usage_error("compile", "expected exactly one PROFILE");
	if (o.format == FMT_BPF && strcmp(o.output, "-") == 0 && isatty(STDOUT_FILENO))
		return sh_usage_error("compile", "refusing to write binary BPF to a terminal (-o FILE, or --format=disasm)");
	sh_diag d = { 0 };
	cleanup_error sh_error *err = NULL;
	int r = run_compile(argv[optind], &o, &d, &err);
	sh_print_warnings(&d);
	sh_diag_free(&d);
	return r < 0 ? sh_error_report(err) : SH_EXIT_OK;
}

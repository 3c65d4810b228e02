/* seccomp-hook check --within=BASE PROFILE...: the containment proof (hook/lib/compile/within.c) of each
 * profile's compiled program in the base's, resolved for one target, and its counterexamples. */
#include "config.h"
#include "cli.h"
#include "names.h"
#include "within.h"
#include "util.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <yajl/yajl_gen.h>

static const char within_usage[] =
	"Usage: seccomp-hook check --within=BASE [--allowed-only] [--arch=A,..] [--caps=..] [--kernel=X.Y]\n"
	"                          [--format=text|json] PROFILE...\n"
	"Prove that each PROFILE stays within BASE for the same target (architectures, capabilities,\n"
	"kernel): every call, on every ABI the filters see, with every value of every argument, gets from\n"
	"PROFILE's compiled filter an answer at least as restrictive as from BASE's (the kernel's order:\n"
	"KILL_PROCESS, KILL_THREAD, TRAP, ERRNO, USER_NOTIF, TRACE, then ALLOW and LOG alike). Every path\n"
	"of both programs is walked jointly; nothing is sampled. Where it does not hold, one counterexample\n"
	"per syscall: the ABI, the call and its arguments, and both answers, each confirmed by running\n"
	"both programs on it. Where the walk cannot decide, it says so: containment is never claimed\n"
	"unproved. A PROFILE or BASE is a file, or NAME for NAME.json in the profiles directories.\n\n"
	"  --within=BASE   the profile every PROFILE must stay within\n"
	"  --allowed-only  only calls PROFILE may let run that BASE refuses (ERRNO against KILL is left\n"
	"                  out; TRACE and USER_NOTIF, where another process decides, may run)\n"
	"  --arch=A,..     architectures of both filters (default: native + each profile's archMap)\n"
	"  --caps=LIST     capabilities for includes/excludes (CAP_SYS_ADMIN,..), 'all', 'none', 'docker'\n"
	"                  (Docker's default set, the default) or 'caller' (this process's bounding set)\n"
	"  --kernel=X.Y    kernel version for minKernel (default: the running kernel)\n"
	"  --format=F      text (default) or json (an array: one object per PROFILE)\n"
	"  -h, --help      show this help\n\n"
	"Exit status: 0 every PROFILE is within BASE, 1 one is not or cannot be proved to be, 2 usage\n"
	"error or a profile that is missing, unreadable or invalid.\n";

#define MAX_CEX 4096

typedef struct within_opts {
	const char *base, *format;
	sh_target_opts to;
	sh_within_order order;
} within_opts;

static const char *verdict_name(sh_within_verdict v)
{
	return v == SH_WITHIN_HOLDS ? "holds" : v == SH_WITHIN_FAILS ? "fails" : "undecided";
}

/* "vmsplice" or "#1023" for a number without a name. Caller frees. */
static char *call_name(uint32_t abi, int nr)
{
	char *n = seccomp_syscall_resolve_num_arch(abi, nr);
	return n ? n : sh_xasprintf("#%d", nr);
}

/* ---- text ----------------------------------------------------------------------------------------- */

static void put_cex_text(const sh_within_cex *c)
{
	cleanup_free char *name = call_name(c->abi, c->call.nr);
	char a[48], b[48];
	printf("  %s %s (%d)", sh_arch_scmp_name(c->abi), name, c->call.nr);
	for (int i = 0; i < 6; i++)
		printf(" arg%d=%#" PRIx64, i, (uint64_t)c->call.args[i]);
	if (c->call.instruction_pointer)
		printf(" ip=%#" PRIx64, (uint64_t)c->call.instruction_pointer);
	printf(": profile %s, base %s\n", sh_ret_name(c->a, a, sizeof a), sh_ret_name(c->b, b, sizeof b));
}

static void put_text(const char *file, const char *base, const sh_within_result *r)
{
	if (r->verdict == SH_WITHIN_HOLDS) {
		printf("%s: within %s: holds for every call and argument value\n", file, base);
		return;
	}
	if (r->verdict == SH_WITHIN_UNDECIDED) {
		cleanup_free char *name = r->undecided_any_nr ? NULL : call_name(r->undecided_abi, r->undecided_nr);
		printf("%s: within %s: undecided: the walk could not decide %s %s%s; not proved\n", file, base,
		       sh_arch_scmp_name(r->undecided_abi), name ? name : "numbers outside the syscall tables",
		       name ? " (its arguments)" : "");
		return;
	}
	printf("%s: not within %s: %zu syscall%s answered less restrictively; counterexamples:\n", file, base, r->ncex,
	       r->ncex == 1 ? "" : "s");
	for (size_t i = 0; i < r->ncex; i++)
		put_cex_text(&r->cex[i]);
}

/* ---- json ----------------------------------------------------------------------------------------- */

static void gen_str(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void gen_u64(yajl_gen g, uint64_t v)
{
	char buf[24];
	int n = snprintf(buf, sizeof buf, "%" PRIu64, v);
	yajl_gen_number(g, buf, (size_t)n); /* the whole 64 bits, which a double would round */
}

static void gen_cex(yajl_gen g, const sh_within_cex *c)
{
	cleanup_free char *name = call_name(c->abi, c->call.nr);
	char a[48], b[48];
	yajl_gen_map_open(g);
	gen_str(g, "arch"), gen_str(g, sh_arch_scmp_name(c->abi));
	gen_str(g, "syscall"), gen_str(g, name);
	gen_str(g, "nr"), yajl_gen_integer(g, c->call.nr);
	gen_str(g, "args"), yajl_gen_array_open(g);
	for (int i = 0; i < 6; i++)
		gen_u64(g, c->call.args[i]);
	yajl_gen_array_close(g);
	gen_str(g, "instruction_pointer"), gen_u64(g, c->call.instruction_pointer);
	gen_str(g, "profile"), gen_str(g, sh_ret_name(c->a, a, sizeof a));
	gen_str(g, "base"), gen_str(g, sh_ret_name(c->b, b, sizeof b));
	yajl_gen_map_close(g);
}

static void gen_result(yajl_gen g, const char *file, const char *base, const sh_within_result *r)
{
	yajl_gen_map_open(g);
	gen_str(g, "profile"), gen_str(g, file);
	gen_str(g, "base"), gen_str(g, base);
	gen_str(g, "verdict"), gen_str(g, verdict_name(r->verdict));
	gen_str(g, "counterexamples"), yajl_gen_array_open(g);
	for (size_t i = 0; i < r->ncex; i++)
		gen_cex(g, &r->cex[i]);
	yajl_gen_array_close(g);
	if (r->verdict == SH_WITHIN_UNDECIDED) {
		gen_str(g, "undecided"), yajl_gen_map_open(g);
		gen_str(g, "arch"), gen_str(g, sh_arch_scmp_name(r->undecided_abi));
		gen_str(g, "nr");
		if (r->undecided_any_nr)
			gen_str(g, "outside the tables");
		else
			yajl_gen_integer(g, r->undecided_nr);
		yajl_gen_map_close(g);
	}
	yajl_gen_map_close(g);
}

/* ---- command -------------------------------------------------------------------------------------- */

static int parse_within_args(int argc, char **argv, within_opts *o)
{
	static const struct option longopts[] = {
		{ "within", required_argument, NULL, 'w' }, { "allowed-only", no_argument, NULL, 'A' },
		{ "arch", required_argument, NULL, 'a' },   { "caps", required_argument, NULL, 'c' },
		{ "kernel", required_argument, NULL, 'k' }, { "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },	    { NULL, 0, NULL, 0 },
	};
	int ch;
	/* --help anywhere: "check --within --help" would otherwise read --help as the base */
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return fputs(within_usage, stdout), SH_EXIT_OK;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'w': o->base = optarg; break;
		case 'A': o->order = SH_WITHIN_RUNS; break;
		case 'a': o->to.arch = optarg; break;
		case 'c': o->to.caps = optarg; break;
		case 'k': o->to.kernel = optarg; break;
		case 'f': o->format = optarg; break;
		case 'h': fputs(within_usage, stdout); return SH_EXIT_OK;
		default: return sh_usage_error("check", "unknown or incomplete option '%s' with --within", argv[optind - 1]);
		}
	}
	if (strcmp(o->format, "text") && strcmp(o->format, "json"))
		return sh_usage_error("check", "unknown format '%s' with --within (text or json)", o->format);
	if (!o->base || !*o->base)
		return sh_usage_error("check", "--within needs a BASE profile");
	if (optind >= argc)
		return sh_usage_error("check", "no PROFILE given");
	return -1; /* go on */
}

/* Every profile is loaded before anything is proved: one that cannot be read is trouble (2), not
 * a profile outside the base. */
static int load_all(const within_opts *o, int n, char **args, sh_cli_compiled *sides, sh_error **err)
{
	sh_target_opts to = o->to;
	sh_target t;
	if (sh_cli_target(&to, &t, err) < 0 || sh_cli_compile(o->base, NULL, &t, true, &sides[0], err) < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (sh_cli_compile(args[i], NULL, &t, true, &sides[i + 1], err) < 0)
			return -1;
	return 0;
}

int cmd_check_within(int argc, char **argv)
{
	within_opts o = { .format = "text" };
	int done = parse_within_args(argc, argv, &o);
	if (done >= 0)
		return done;
	int n = argc - optind;
	sh_cli_compiled *sides = sh_xcalloc((size_t)n + 1, sizeof(*sides));
	cleanup_error sh_error *err = NULL;
	bool loaded = load_all(&o, n, argv + optind, sides, &err) == 0;
	int status = loaded ? SH_EXIT_OK : SH_EXIT_SYSTEM;
	yajl_gen g = yajl_gen_alloc(NULL);
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_array_open(g);
	for (int i = 0; i < n && loaded; i++) {
		sh_within_result r;
		sh_within_engines(&sides[i + 1].e, &sides[0].e, o.order, MAX_CEX, &r);
		if (strcmp(o.format, "json") == 0)
			gen_result(g, argv[optind + i], o.base, &r);
		else
			put_text(argv[optind + i], o.base, &r);
		if (r.verdict != SH_WITHIN_HOLDS)
			status = SH_EXIT_INVALID;
		sh_within_result_free(&r);
	}
	yajl_gen_array_close(g);
	if (status != SH_EXIT_SYSTEM && strcmp(o.format, "json") == 0) {
		const unsigned char *buf;
		size_t len;
		yajl_gen_get_buf(g, &buf, &len);
		fwrite(buf, 1, len, stdout);
	}
	yajl_gen_free(g);
	for (int i = 0; i <= n; i++)
		sh_cli_compiled_free(&sides[i]);
	free(sides);
	return status == SH_EXIT_SYSTEM ? (sh_error_report(err), SH_EXIT_SYSTEM) : status;
}

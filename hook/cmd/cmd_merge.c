/* seccomp-hook merge: the union of several profiles (recordings, or a base and additions) as one
 * Docker-format profile. The rules of the union are hook/lib/compile/merge.c's; this is the command line. */
#include "config.h"
#include "cli.h"
#include "crossarch.h"
#include "merge.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char merge_usage[] =
	"Usage: seccomp-hook merge PROFILE... [--allow=NAME,..] [--deny=NAME,..] [--target-arch=A,..] [-q]\n"
	"                          [-o OUT.json]\n"
	"Write the union of the PROFILEs (Docker or OCI form, e.g. recordings of replicas or test runs, or a\n"
	"base profile and additions) as one Docker-format profile:\n"
	"  - defaultAction/defaultErrnoRet, flags and listenerPath must agree across the inputs (error 1);\n"
	"  - architectures and archMap: their union (archMap if any input has one);\n"
	"  - rules without args, includes or excludes that allow become one sorted ALLOW rule; every other\n"
	"    rule is kept as it is, identical ones once; a syscall allowed by one and given another\n"
	"    action than the default by an argument-free rule of another is an error (1).\n\n"
	"  --allow=NAME,..  add the syscalls to the ALLOW rule (repeatable)\n"
	"  --deny=NAME,..   remove the syscalls from every rule that allows (ALLOW, LOG) them; the default\n"
	"                   action then denies them (an allowing default gets a SCMP_ACT_ERRNO(EPERM) rule)\n"
	"  --target-arch=A,..  make the union run the same programs on these architectures too (aarch64\n"
	"                   for x86_64 profiles, x86_64 for aarch64 ones): an archMap entry for each, and a\n"
	"                   rule limited to it allowing the calls the same libc functions make there\n"
	"  -o, --output=F   write to F atomically (default: standard output)\n"
	"  -q, --quiet      no warnings and no summary line\n"
	"  -h, --help       show this help\n"
	"A summary line goes to standard error. Exit status: 0 written; 1 an input is invalid or the inputs\n"
	"conflict (nothing written); 2 usage error, unknown --allow/--deny syscall or unreadable file.\n";

typedef struct merge_cli {
	char **allow, **deny; /* NULL-terminated */
	size_t nallow, ndeny;
	const char *output, *targets;
} merge_cli;

/* --target-arch: the archMap entries and counterpart rules of crossarch.h, on the union. */
static int add_targets(const merge_cli *c, sh_json *j, sh_error **err)
{
	uint32_t targets[SH_MAX_ARCHES];
	sh_crossarch_opts x = { .targets = targets };
	if (!c->targets)
		return 0;
	if (sh_crossarch_targets(c->targets, 0, targets, SH_MAX_ARCHES, &x.ntargets, err) < 0)
		return -1;
	return sh_crossarch_add(j, &x, NULL, err);
}

/* Append "a,b" to the list: the options may be repeated. */
static void add_names(char ***v, size_t *n, const char *list)
{
	size_t k;
	char **more = sh_split_commas(list, &k);
	*v = sh_xreallocarray(*v, *n + k + 1, sizeof(char *));
	if (k)
		memcpy(*v + *n, more, k * sizeof(char *));
	*n += k;
	(*v)[*n] = NULL;
	free(more); /* the strings moved */
}

static int load_all(char **paths, size_t n, sh_profile **ps, sh_diag *d, sh_error **err)
{
	for (size_t i = 0; i < n; i++)
		if (sh_profile_load(paths[i], &ps[i], d, err) < 0)
			return -1;
	return 0;
}

static int write_result(const merge_cli *c, sh_json *j, sh_error **err)
{
	size_t len;
	cleanup_free char *s = sh_json_serialize(j, true, &len);
	return sh_write_file_atomic(c->output, s, len, 0644, err);
}

static void print_summary(const merge_cli *c, const sh_merge_stats *st)
{
	if (sh_cli_quiet)
		return;
	/* One fixed wording, plurals and all: scripts read it. */
	fprintf(stderr, "merge: %zu inputs, %zu syscalls allowed (%zu added by --allow, %zu removed by --deny), "
			"%zu other rules -> %s\n", st->inputs, st->allowed, st->added, st->removed, st->other_rules,
		strcmp(c->output, "-") == 0 ? "standard output" : c->output);
}

static int run_merge(merge_cli *c, char **paths, size_t n, sh_error **err)
{
	sh_merge_opts o = { .allow = c->allow, .nallow = c->nallow, .deny = c->deny, .ndeny = c->ndeny };
	if (sh_merge_check_opts(&o, err) < 0)
		return -1;
	sh_profile **ps = sh_xcalloc(n, sizeof(*ps));
	sh_diag d = { 0 };
	sh_json *j = NULL;
	sh_merge_stats st;
	int r = load_all(paths, n, ps, &d, err);
	if (r == 0)
		r = sh_merge_profiles((const sh_profile *const *)ps, n, &o, &j, &st, err);
	if (r == 0)
		r = add_targets(c, j, err);
	if (r == 0)
		sh_print_warnings(&d); /* a failed load's findings are its one error line */
	if (r == 0)
		r = write_result(c, j, err);
	if (r == 0)
		print_summary(c, &st);
	sh_json_free(j);
	sh_diag_free(&d);
	for (size_t i = 0; i < n; i++)
		sh_profile_free(ps[i]);
	free(ps);
	return r;
}

int cmd_merge(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "allow", required_argument, NULL, 'A' }, { "deny", required_argument, NULL, 'D' },
		{ "output", required_argument, NULL, 'o' }, { "quiet", no_argument, NULL, 'q' },
		{ "target-arch", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },	    { NULL, 0, NULL, 0 },
	};
	merge_cli c = { .output = "-" };
	int ch;
	opterr = 0;
	/* No '+': the synopsis puts options after the PROFILEs. */
	while ((ch = getopt_long(argc, argv, "o:qh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'A': add_names(&c.allow, &c.nallow, optarg); break;
		case 'D': add_names(&c.deny, &c.ndeny, optarg); break;
		case 'o': c.output = optarg; break;
		case 'T': c.targets = optarg; break;
		case 'q': sh_cli_quiet = true; break;
		case 'h': fputs(merge_usage, stdout); return SH_EXIT_OK;
		default: return sh_usage_error("merge", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind == argc)
		return sh_usage_error("merge", "expected at least one PROFILE");
	cleanup_error sh_error *err = NULL;
	int r = run_merge(&c, argv + optind, (size_t)(argc - optind), &err);
	sh_strv_free(c.allow);
	sh_strv_free(c.deny);
	return r < 0 ? sh_error_report(err) : SH_EXIT_OK;
}

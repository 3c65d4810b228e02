/* seccomp-hook explain: what a syscall gets under a profile, decided by running the compiled BPF
 * (so it cannot disagree with what is enforced), and which rule decided it. */
#include "config.h"
#include "cli.h"
#include "names.h"
#include "translate.h"
#include "util.h"

#include <getopt.h>
#include <linux/audit.h>
#include <stdio.h>
#include <string.h>

static const char explain_usage[] =
	"Usage: seccomp-hook explain [--arch=A] [--caps=..] [--kernel=X.Y] [--format=text|json]\n"
	"                            PROFILE SYSCALL [ARG0..ARG5]\n"
	"Print the action SYSCALL (a name or a number) with the given arguments gets under PROFILE,\n"
	"computed by running the compiled filter, and the rule (file:line:col) that decided it.\n\n"
	"  --arch=A        the ABI the call is made on (default: native); the filter covers what a\n"
	"                  runtime would load (native + the profile's archMap)\n"
	"  --caps=LIST     capabilities for includes/excludes (default: none)\n"
	"  --kernel=X.Y    kernel version for minKernel (default: the running kernel)\n"
	"  --format=F      text (default) or json\n"
	"  -h, --help      show this help\n";

typedef struct query {
	uint32_t arch;
	int nr;
	char *name;
	uint64_t args[6];
} query;

static bool cond_holds(const sh_arg *a, uint64_t v)
{
	switch (a->op) {
	case SH_OP_NE: return v != a->value;
	case SH_OP_LT: return v < a->value;
	case SH_OP_LE: return v <= a->value;
	case SH_OP_EQ: return v == a->value;
	case SH_OP_GE: return v >= a->value;
	case SH_OP_GT: return v > a->value;
	case SH_OP_MASKED_EQ: return (v & a->value) == a->value_two;
	}
	return false;
}

/* Does the rule's argument list accept these arguments? Repeated index = OR, else AND. */
static bool sh_rule_args_match(const sh_rule *r, const uint64_t args[6])
{
	unsigned seen = 0;
	bool repeats = false, all = true, any = false;
	for (size_t i = 0; i < r->nargs; i++) {
		repeats |= (seen >> r->args[i].index) & 1;
		seen |= 1u << r->args[i].index;
		bool h = cond_holds(&r->args[i], args[r->args[i].index]);
		all &= h;
		any |= h;
	}
	return r->nargs == 0 || (repeats ? any : all);
}

/* The first resolved rule naming the syscall whose action is `ret` and whose conditions accept args. */
static const sh_rrule *deciding_rule(const sh_ruleset *rs, const query *q, uint32_t ret)
{
	for (size_t i = 0; i < rs->nrules; i++) {
		const sh_rrule *rr = &rs->rules[i];
		if (sh_rrule_equals_default(rs, rr) || sh_action_ret(rr->action, rr->errno_ret) != ret ||
		    !sh_rule_args_match(rr->origin, q->args))
			continue;
		for (size_t k = 0; k < rr->origin->nnames; k++)
			if (strcmp(rr->origin->names[k], q->name) == 0)
				return rr;
	}
	return NULL;
}

static bool arch_in_set(const sh_ruleset *rs, uint32_t arch)
{
	for (size_t i = 0; i < rs->narches; i++)
		if (rs->arches[i] == arch)
			return true;
	return false;
}

static int parse_query(const char *sys, char **argv, int nargs, query *q, sh_error **err)
{
	char *end = NULL;
	long n = strtol(sys, &end, 0);
	if (*sys && !*end) {
		q->nr = (int)n;
		char *nm = seccomp_syscall_resolve_num_arch(q->arch, q->nr);
		q->name = nm ? nm : sh_xasprintf("#%d", q->nr);
	} else {
		q->nr = seccomp_syscall_resolve_name_arch(q->arch, sys);
		if (q->nr < 0)
			return sh_error_set(err, SH_EXIT_SYSTEM, "unknown syscall '%s' on %s", sys, sh_arch_scmp_name(q->arch));
		q->name = sh_xstrdup(sys);
	}
	if (nargs > 6)
		return sh_error_set(err, SH_EXIT_SYSTEM, "at most 6 arguments");
	for (int i = 0; i < nargs; i++)
		if (!sh_parse_u64(argv[i], strlen(argv[i]), &q->args[i]))
			return sh_error_set(err, SH_EXIT_SYSTEM, "argument %d: '%s' is not a number", i, argv[i]);
	return 0;
}

/* Why the filter returned `ret`: a rule, the ENOSYS stub, the bad-arch action, or the default. */
static void explain_reason(const sh_ruleset *rs, const query *q, uint32_t ret, char *buf, size_t len)
{
	const sh_profile *p = rs->profile;
	const sh_rrule *rr = deciding_rule(rs, q, ret);
	if (rr)
		snprintf(buf, len, "rule syscalls[%zu] (%s:%u:%u)%s%s", rr->origin->index, p->file, rr->origin->loc.line,
			 rr->origin->loc.col, rr->origin->comment && *rr->origin->comment ? ": " : "",
			 rr->origin->comment ? rr->origin->comment : "");
	else if (!arch_in_set(rs, q->arch))
		snprintf(buf, len, "architecture %s is not in the filter (bad-architecture action)", sh_arch_scmp_name(q->arch));
	else if (ret == (SECCOMP_RET_ERRNO | 38) && (rs->default_action != SH_ACT_ERRNO || rs->default_errno != 38))
		snprintf(buf, len, "ENOSYS: newer than every syscall the profile names on this architecture");
	else
		snprintf(buf, len, "default action (%s:%u:%u)", p->file, p->default_loc.line, p->default_loc.col);
}

static int run_explain(const char *path, query *q, sh_target_opts *to, bool json, sh_error **err)
{
	sh_target t;
	const char *arch_opt = to->arch;
	to->arch = NULL; /* --arch picks the ABI of the call, not the filter's arch set */
	if (sh_cli_target(to, false, &t, err) < 0)
		return -1;
	q->arch = arch_opt ? sh_arch_from_name(arch_opt) : t.native_arch;
	if (!q->arch)
		return sh_error_set(err, SH_EXIT_SYSTEM, "--arch: unknown architecture '%s'", arch_opt);
	cleanup_profile sh_profile *p = NULL;
	cleanup_ruleset sh_ruleset *rs = NULL;
	sh_bpf b = { 0 };
	if (sh_profile_load(path, &p, NULL, err) < 0 || sh_resolve(p, &t, &rs, NULL, err) < 0 ||
	    sh_translate_bpf(rs, NULL, &b, NULL, err) < 0)
		return -1;
	sh_seccomp_data d = { .nr = q->nr, .arch = q->arch == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : q->arch };
	memcpy(d.args, q->args, sizeof(d.args));
	unsigned steps = 0;
	uint32_t ret = sh_bpf_run(b.insns, b.len, &d, &steps);
	sh_bpf_free(&b);
	char action[48], reason[1024];
	sh_ret_name(ret, action, sizeof action);
	explain_reason(rs, q, ret, reason, sizeof reason);
	if (!json) {
		printf("%s (%s #%d): %s - %s\n", q->name, sh_arch_scmp_name(q->arch), q->nr, action, reason);
		return 0;
	}
	sh_json *o = sh_json_new(SH_JSON_OBJECT);
	sh_json_set(o, "syscall", sh_json_new_string(q->name));
	sh_json_set(o, "arch", sh_json_new_string(sh_arch_scmp_name(q->arch)));
	sh_json_set(o, "nr", sh_json_new_u64((uint32_t)q->nr));
	sh_json_set(o, "action", sh_json_new_string(action));
	sh_json_set(o, "reason", sh_json_new_string(reason));
	sh_json_set(o, "instructions", sh_json_new_u64(steps));
	cleanup_free char *s = sh_json_serialize(o, true, NULL);
	sh_json_free(o);
	fputs(s, stdout);
	return 0;
}

int cmd_explain(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "arch", required_argument, NULL, 'a' }, { "caps", required_argument, NULL, 'c' },
		{ "kernel", required_argument, NULL, 'k' }, { "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	sh_target_opts to = { 0 };
	bool json = false;
	int ch;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a': to.arch = optarg; break;
		case 'c': to.caps = optarg; break;
		case 'k': to.kernel = optarg; break;
		case 'f':
			if (strcmp(optarg, "json") && strcmp(optarg, "text"))
				return sh_usage_error("explain", "unknown format '%s' (text or json)", optarg);
			json = strcmp(optarg, "json") == 0;
			break;
		case 'h': fputs(explain_usage, stdout); return SH_EXIT_OK;
		default: return sh_usage_error("explain", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind < 2)
		return sh_usage_error("explain", "expected PROFILE SYSCALL [ARG...]");
	cleanup_error sh_error *err = NULL;
	query q = { 0 };
	q.arch = to.arch ? sh_arch_from_name(to.arch) : seccomp_arch_native();
	if (!q.arch)
		return sh_usage_error("explain", "unknown architecture '%s'", to.arch);
	int r = parse_query(argv[optind + 1], argv + optind + 2, argc - optind - 2, &q, &err);
	if (r == 0)
		r = run_explain(argv[optind], &q, &to, json, &err);
	free(q.name);
	return r < 0 ? sh_error_report(err) : SH_EXIT_OK;
}

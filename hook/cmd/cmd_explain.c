/* seccomp-hook explain: what a syscall gets under a profile, decided by running the compiled BPF
 * (so it cannot disagree with what is enforced); which rule decided it, read from the rule set as
 * the translator builds the program (translate.c's sh_call_rules, held equal to the program by
 * tests/test_equivalence.c); when the arguments decide; and which capabilities or kernel would
 * change the answer (resolve.c's sh_rule_applies judges the other targets). */
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
	"Print the action SYSCALL (a name or a number) with the given arguments (default 0) gets under\n"
	"PROFILE, computed by running the compiled filter, with the errno's name, and the rule\n"
	"(file:line:col) that decided it. Then, when there is something to say:\n"
	"  the rule needs: ...   the includes/excludes the target met for the deciding rule\n"
	"  depends on the arguments:   the syscall's rules in the order the filter tries them, each\n"
	"                        with its conditions (arg0&0x7e020000==0), and what holds otherwise\n"
	"  with CAP_X: / without CAP_X: / from kernel X.Y: / before kernel X.Y:   what the syscall\n"
	"                        gets when a rule the capabilities or kernel left out is taken in\n\n"
	"  --arch=A        the ABI the call is made on (default: native); the filter covers what a\n"
	"                  runtime would load (native + the profile's archMap)\n"
	"  --caps=LIST     capabilities for includes/excludes (CAP_SYS_ADMIN,..), 'all' or 'none'\n"
	"                  (default); 'docker' is Docker's default set (docker,CAP_SYS_ADMIN adds one)\n"
	"  --kernel=X.Y    kernel version for minKernel (default: the running kernel)\n"
	"  --format=F      text (default) or json (the same, as fields: action, errno, errno_name,\n"
	"                  decided_by, rule, conditions, requires, rules, alternatives...)\n"
	"  -h, --help      show this help\n";

typedef struct query {
	uint32_t arch;
	int nr;
	char *name;
	uint64_t args[6];
} query;

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

/* A capability set or kernel under which rules the target left out would decide the call. */
typedef struct alternative {
	sh_target t;
	sh_ruleset *rs;
	sh_call_rules c;
} alternative;

/* Everything explain says about one call: the program's answer, and the rule set's reading of it. */
typedef struct explanation {
	const sh_profile *p;
	const sh_ruleset *rs;
	const sh_target *t;
	const query *q;
	uint32_t ret;      /* what the compiled program returned */
	unsigned steps;
	sh_call_rules c;   /* the rules of the call, as the program tries them */
	sh_decision d;     /* their decision for the arguments (equal to ret; checked) */
	alternative alt[8];
	size_t nalt;
} explanation;

/* "SCMP_ACT_ERRNO(38) ENOSYS": the action as the filter returns it, the errno by name. */
static const char *action_text(uint32_t ret, char *buf, size_t len)
{
	sh_ret_name(ret, buf, len);
	const char *en = (ret & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO ? sh_errno_name((int)(ret & SECCOMP_RET_DATA)) : NULL;
	if (en)
		snprintf(buf + strlen(buf), len - strlen(buf), " %s", en);
	return buf;
}

static bool depends_on_arguments(const sh_call_rules *c)
{
	return c->n && c->rules[0]->origin->nargs;
}

static void put_reason(FILE *f, const explanation *e, const sh_decision *d, bool with_comment)
{
	sh_decision_put_reason(f, e->p, e->q->arch, d, with_comment);
}

/* "SCMP_ACT_ALLOW when arg0&0x7e020000==0 - rule syscalls[14] (FILE:LINE:COL)" */
static void put_decision(FILE *f, const explanation *e, const sh_decision *d)
{
	char act[64];
	fputs(action_text(d->ret, act, sizeof act), f);
	if (d->rule && d->rule->origin->nargs) {
		cleanup_free char *cond = sh_rule_conditions_text(d->rule->origin);
		fprintf(f, " when %s", cond);
	}
	fputs(" - ", f);
	put_reason(f, e, d, false);
}

static sh_decision rule_decision(const sh_rrule *rr)
{
	return (sh_decision){ .ret = sh_action_ret(rr->action, rr->errno_ret), .by = SH_BY_RULE, .rule = rr };
}

/* The first line's reason: the rule set's reading, which the program's answer must equal. */
static void put_call_reason(FILE *f, const explanation *e)
{
	char act[64];
	if (e->d.ret == e->ret)
		put_reason(f, e, &e->d, true);
	else /* cannot happen: tests/test_equivalence.c holds the two readings equal */
		fprintf(f, "no rule explains it (the rules read %s)", action_text(e->d.ret, act, sizeof act));
}

static void print_argument_rules(FILE *f, const explanation *e)
{
	fputs("  depends on the arguments:\n", f);
	for (size_t i = 0; i < e->c.n; i++) {
		sh_decision d = rule_decision(e->c.rules[i]);
		fputs("    ", f);
		put_decision(f, e, &d);
		fputc('\n', f);
	}
	fputs("    otherwise ", f);
	put_decision(f, e, &e->c.otherwise);
	fputc('\n', f);
}

static bool kernel_below(unsigned major, unsigned minor, unsigned kmajor, unsigned kminor)
{
	return major < kmajor || (major == kmajor && minor < kminor);
}

/* A target lowered below an excludes' minKernel X.Y runs X.(Y-1), or .999: name X.Y again. */
static void kernel_excluded(const sh_target *alt, unsigned *major, unsigned *minor)
{
	*major = alt->kminor == 999 ? alt->kmajor + 1 : alt->kmajor;
	*minor = alt->kminor == 999 ? 0 : alt->kminor + 1;
}

/* "with CAP_SYS_ADMIN", "without CAP_AUDIT_WRITE", "from kernel 4.8", "before kernel 5.0". */
static void put_change(FILE *f, const sh_target *from, const sh_target *to)
{
	const char *sep = "";
	for (int cap = 0; cap <= SH_CAP_MAX; cap++) {
		uint64_t bit = UINT64_C(1) << cap;
		if ((from->caps ^ to->caps) & bit) {
			fprintf(f, "%s%s %s", sep, to->caps & bit ? "with" : "without", sh_cap_name(cap));
			sep = " and ";
		}
	}
	unsigned major, minor;
	if (kernel_below(from->kmajor, from->kminor, to->kmajor, to->kminor)) {
		fprintf(f, "%sfrom kernel %u.%u", sep, to->kmajor, to->kminor);
	} else if (kernel_below(to->kmajor, to->kminor, from->kmajor, from->kminor)) {
		kernel_excluded(to, &major, &minor);
		fprintf(f, "%sbefore kernel %u.%u", sep, major, minor);
	}
}

static void print_alternative(FILE *f, const explanation *e, const alternative *a)
{
	fputs("  ", f);
	put_change(f, e->t, &a->t);
	fputs(": ", f);
	for (size_t i = 0; i < a->c.n; i++) {
		sh_decision d = rule_decision(a->c.rules[i]);
		fputs(i ? "; " : "", f);
		put_decision(f, e, &d);
	}
	if (!a->c.n || depends_on_arguments(&a->c)) {
		fputs(a->c.n ? "; otherwise " : "", f);
		put_decision(f, e, &a->c.otherwise);
	}
	fputc('\n', f);
}

static void print_text(const explanation *e)
{
	char act[64];
	printf("%s (%s #%d): %s - ", e->q->name, sh_arch_scmp_name(e->q->arch), e->q->nr, action_text(e->ret, act, sizeof act));
	put_call_reason(stdout, e);
	putchar('\n');
	cleanup_free char *needs = e->d.rule ? sh_rule_requires_text(e->d.rule->origin) : NULL;
	if (needs && strcmp(needs, "-"))
		printf("  the rule needs: %s\n", needs);
	if (depends_on_arguments(&e->c))
		print_argument_rules(stdout, e);
	for (size_t i = 0; i < e->nalt; i++)
		print_alternative(stdout, e, &e->alt[i]);
}

/* ---- other capability sets and kernels ----------------------------------------------------------- */

static bool rule_names(const sh_rule *r, const char *name)
{
	for (size_t k = 0; k < r->nnames; k++)
		if (strcmp(r->names[k], name) == 0)
			return true;
	return false;
}

static void set_caps(sh_target *t, char **names, size_t n, bool on)
{
	for (size_t i = 0; i < n; i++) {
		int cap = sh_cap_from_name(names[i]);
		if (cap >= 0 && cap <= SH_CAP_MAX)
			t->caps = on ? t->caps | (UINT64_C(1) << cap) : t->caps & ~(UINT64_C(1) << cap);
	}
}

/* The target changed just enough in capabilities and kernel for the rule's includes and excludes;
 * whether the rule then applies is resolve.c's to say (an arch it asks for cannot be changed). */
static bool target_for_rule(const sh_rule *r, const sh_target *t, sh_target *alt)
{
	const sh_cond *in = &r->includes, *ex = &r->excludes;
	*alt = *t;
	set_caps(alt, in->caps, in->ncaps, true);
	set_caps(alt, ex->caps, ex->ncaps, false);
	if (in->has_min_kernel && kernel_below(alt->kmajor, alt->kminor, in->kmajor, in->kminor)) {
		alt->kmajor = in->kmajor;
		alt->kminor = in->kminor;
	}
	if (ex->has_min_kernel && !kernel_below(alt->kmajor, alt->kminor, ex->kmajor, ex->kminor)) {
		alt->kmajor = ex->kminor ? ex->kmajor : ex->kmajor - 1; /* the last version before it */
		alt->kminor = ex->kminor ? ex->kminor - 1 : 999;
	}
	return sh_rule_applies(r, alt, t->native_arch);
}

static bool same_rules(const sh_call_rules *a, const sh_call_rules *b)
{
	if (a->n != b->n || a->otherwise.ret != b->otherwise.ret)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->rules[i]->origin != b->rules[i]->origin)
			return false;
	return true;
}

static bool seen_target(const explanation *e, const sh_target *t)
{
	for (size_t i = 0; i < e->nalt; i++)
		if (e->alt[i].t.caps == t->caps && e->alt[i].t.kmajor == t->kmajor && e->alt[i].t.kminor == t->kminor)
			return true;
	return false;
}

/* For each rule of the call the target's capabilities or kernel left out: the target that would
 * take it in, when the call's rules would then differ. */
static void find_alternatives(explanation *e)
{
	for (size_t i = 0; i < e->p->nrules && e->nalt < SH_ARRAY_SIZE(e->alt); i++) {
		const sh_rule *r = &e->p->rules[i];
		sh_target alt;
		if (!rule_names(r, e->q->name) || sh_rule_applies(r, e->t, e->t->native_arch) ||
		    !target_for_rule(r, e->t, &alt) || seen_target(e, &alt))
			continue;
		alternative *a = &e->alt[e->nalt];
		a->t = alt;
		if (sh_resolve(e->p, &alt, &a->rs, NULL, NULL) < 0)
			continue;
		sh_call_rules_build(a->rs, e->q->arch, e->q->nr, &a->c);
		if (same_rules(&a->c, &e->c)) {
			sh_call_rules_free(&a->c);
			sh_ruleset_free(a->rs);
			continue;
		}
		e->nalt++;
	}
}

static void explanation_free(explanation *e)
{
	sh_call_rules_free(&e->c);
	for (size_t i = 0; i < e->nalt; i++) {
		sh_call_rules_free(&e->alt[i].c);
		sh_ruleset_free(e->alt[i].rs);
	}
}

/* ---- --format=json --------------------------------------------------------------------------------- */

static sh_json *json_strings(char **v, size_t n)
{
	sh_json *a = sh_json_new(SH_JSON_ARRAY);
	for (size_t i = 0; i < n; i++)
		sh_json_append(a, sh_json_new_string(v[i]));
	return a;
}

static sh_json *json_conditions(const sh_rule *r)
{
	sh_json *a = sh_json_new(SH_JSON_ARRAY);
	for (size_t i = 0; r && i < r->nargs; i++) {
		const sh_arg *c = &r->args[i];
		sh_json *o = sh_json_new(SH_JSON_OBJECT);
		sh_json_set(o, "index", sh_json_new_u64(c->index));
		sh_json_set(o, "op", sh_json_new_string(sh_op_name(c->op)));
		sh_json_set(o, "value", sh_json_new_u64(c->value));
		sh_json_set(o, "valueTwo", sh_json_new_u64(c->value_two));
		sh_json_append(a, o);
	}
	return a;
}

/* What the rule's includes ask (caps, minKernel, arches) and its excludes rule out. */
static sh_json *json_cond(const sh_cond *c)
{
	sh_json *o = sh_json_new(SH_JSON_OBJECT);
	sh_json_set(o, "caps", json_strings(c->caps, c->ncaps));
	sh_json_set(o, "arches", json_strings(c->arches, c->narches));
	if (c->has_min_kernel)
		sh_json_set(o, "minKernel", sh_json_new_string_owned(sh_xasprintf("%u.%u", c->kmajor, c->kminor)));
	return o;
}

static sh_json *json_rule(const explanation *e, const sh_rule *r)
{
	sh_json *o = sh_json_new(SH_JSON_OBJECT);
	sh_json_set(o, "file", sh_json_new_string(e->p->file));
	sh_json_set(o, "line", sh_json_new_u64(r ? r->loc.line : e->p->default_loc.line));
	sh_json_set(o, "column", sh_json_new_u64(r ? r->loc.col : e->p->default_loc.col));
	if (r)
		sh_json_set(o, "index", sh_json_new_u64(r->index));
	if (r && r->comment && *r->comment)
		sh_json_set(o, "comment", sh_json_new_string(r->comment));
	return o;
}

/* One decision into o: action, errno and its name, what decided it, the rule and its conditions. */
static void json_decision_into(sh_json *o, const explanation *e, const sh_decision *d)
{
	static const char *const by[] = { [SH_BY_RULE] = "rule", [SH_BY_DEFAULT] = "default",
					   [SH_BY_ENOSYS] = "enosys-stub", [SH_BY_BAD_ARCH] = "bad-architecture" };
	char act[64];
	sh_json_set(o, "action", sh_json_new_string(sh_ret_name(d->ret, act, sizeof act)));
	uint32_t kind = d->ret & SECCOMP_RET_ACTION_FULL;
	if (kind == SECCOMP_RET_ERRNO || kind == SECCOMP_RET_TRACE)
		sh_json_set(o, "errno", sh_json_new_u64(d->ret & SECCOMP_RET_DATA));
	const char *en = kind == SECCOMP_RET_ERRNO ? sh_errno_name((int)(d->ret & SECCOMP_RET_DATA)) : NULL;
	if (en)
		sh_json_set(o, "errno_name", sh_json_new_string(en));
	sh_json_set(o, "decided_by", sh_json_new_string(by[d->by]));
	const sh_rule *r = d->rule ? d->rule->origin : NULL;
	if (r || d->by == SH_BY_DEFAULT)
		sh_json_set(o, "rule", json_rule(e, r));
	sh_json_set(o, "conditions", json_conditions(r));
	if (r && r->nargs)
		sh_json_set(o, "when", sh_json_new_string_owned(sh_rule_conditions_text(r)));
	if (r) {
		sh_json_set(o, "requires", json_cond(&r->includes));
		sh_json_set(o, "excludes", json_cond(&r->excludes));
	}
}

static sh_json *json_decision(const explanation *e, const sh_decision *d)
{
	sh_json *o = sh_json_new(SH_JSON_OBJECT);
	json_decision_into(o, e, d);
	return o;
}

/* The call's rules in the order they are tried, then what holds when none does. */
static sh_json *json_rules(const explanation *e, const sh_call_rules *c)
{
	sh_json *a = sh_json_new(SH_JSON_ARRAY);
	for (size_t i = 0; i < c->n; i++) {
		sh_decision d = rule_decision(c->rules[i]);
		sh_json_append(a, json_decision(e, &d));
	}
	if (!c->n || depends_on_arguments(c))
		sh_json_append(a, json_decision(e, &c->otherwise));
	return a;
}

/* What the alternative target changes: capabilities gained or given up, a kernel from or before. */
static sh_json *json_change(const explanation *e, const alternative *a)
{
	sh_json *o = sh_json_new(SH_JSON_OBJECT), *add = sh_json_new(SH_JSON_ARRAY), *drop = sh_json_new(SH_JSON_ARRAY);
	for (int cap = 0; cap <= SH_CAP_MAX; cap++)
		if ((e->t->caps ^ a->t.caps) & (UINT64_C(1) << cap))
			sh_json_append(a->t.caps & (UINT64_C(1) << cap) ? add : drop, sh_json_new_string(sh_cap_name(cap)));
	sh_json_set(o, "caps", add);
	sh_json_set(o, "without_caps", drop);
	unsigned major, minor;
	if (kernel_below(e->t->kmajor, e->t->kminor, a->t.kmajor, a->t.kminor)) {
		sh_json_set(o, "minKernel", sh_json_new_string_owned(sh_xasprintf("%u.%u", a->t.kmajor, a->t.kminor)));
	} else if (kernel_below(a->t.kmajor, a->t.kminor, e->t->kmajor, e->t->kminor)) {
		kernel_excluded(&a->t, &major, &minor);
		sh_json_set(o, "belowKernel", sh_json_new_string_owned(sh_xasprintf("%u.%u", major, minor)));
	}
	return o;
}

static sh_json *json_alternative(const explanation *e, const alternative *a)
{
	sh_json *o = sh_json_new(SH_JSON_OBJECT);
	cleanup_free char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (f) {
		put_change(f, e->t, &a->t);
		fclose(f);
		sh_json_set(o, "text", sh_json_new_string(text));
	}
	sh_json_set(o, "requires", json_change(e, a));
	sh_json_set(o, "rules", json_rules(e, &a->c));
	return o;
}

/* The fields of before (syscall, arch, nr, action, reason, instructions), then the structured ones. */
static void print_json(const explanation *e, const char *reason)
{
	char act[64];
	sh_json *o = sh_json_new(SH_JSON_OBJECT);
	sh_json_set(o, "syscall", sh_json_new_string(e->q->name));
	sh_json_set(o, "arch", sh_json_new_string(sh_arch_scmp_name(e->q->arch)));
	sh_json_set(o, "nr", sh_json_new_u64((uint32_t)e->q->nr));
	sh_json_set(o, "action", sh_json_new_string(sh_ret_name(e->ret, act, sizeof act)));
	sh_json_set(o, "reason", sh_json_new_string(reason));
	sh_json_set(o, "instructions", sh_json_new_u64(e->steps));
	json_decision_into(o, e, &e->d);
	sh_json *args = sh_json_new(SH_JSON_ARRAY);
	for (int i = 0; i < 6; i++)
		sh_json_append(args, sh_json_new_u64(e->q->args[i]));
	sh_json_set(o, "args", args);
	sh_json_set(o, "depends_on_arguments", sh_json_new_bool(depends_on_arguments(&e->c)));
	sh_json_set(o, "rules", json_rules(e, &e->c));
	sh_json *alts = sh_json_new(SH_JSON_ARRAY);
	for (size_t i = 0; i < e->nalt; i++)
		sh_json_append(alts, json_alternative(e, &e->alt[i]));
	sh_json_set(o, "alternatives", alts);
	cleanup_free char *s = sh_json_serialize(o, true, NULL);
	sh_json_free(o);
	fputs(s, stdout);
}

/* ---- the command -------------------------------------------------------------------------------- */

static uint32_t run_program(const sh_ruleset *rs, const query *q, unsigned *steps, sh_error **err)
{
	sh_bpf b = { 0 };
	if (sh_translate_bpf(rs, NULL, &b, NULL, err) < 0)
		return UINT32_MAX;
	sh_seccomp_data d = { .nr = q->nr, .arch = q->arch == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : q->arch };
	memcpy(d.args, q->args, sizeof(d.args));
	uint32_t ret = sh_bpf_run(b.insns, b.len, &d, steps);
	sh_bpf_free(&b);
	return ret;
}

static void report(explanation *e, bool json)
{
	sh_call_rules_build(e->rs, e->q->arch, e->q->nr, &e->c);
	e->d = sh_call_rules_decide(&e->c, e->q->args);
	find_alternatives(e);
	if (!json) {
		print_text(e);
		return;
	}
	cleanup_free char *reason = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&reason, &len);
	if (f) {
		put_call_reason(f, e);
		fclose(f);
	}
	print_json(e, reason ? reason : "");
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
	if (sh_profile_load(path, &p, NULL, err) < 0 || sh_resolve(p, &t, &rs, NULL, err) < 0)
		return -1;
	t.native_arch = rs->arches[0]; /* the arch includes/excludes were judged against */
	explanation e = { .p = p, .rs = rs, .t = &t, .q = q };
	e.ret = run_program(rs, q, &e.steps, err);
	if (e.ret == UINT32_MAX)
		return -1;
	report(&e, json);
	explanation_free(&e);
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

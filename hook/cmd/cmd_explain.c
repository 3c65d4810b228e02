/* seccomp-hook explain: options, and the engine's explanation of one call (hook/lib/compile/explain.c) as
 * text or JSON: what the compiled program answers, the rule that carries the answer, the call's
 * rules when its arguments decide, and which capabilities or kernel would change them. */
#include "config.h"
#include "apply.h"
#include "cli.h"
#include "sha256.h"
#include "names.h"
#include "explain.h"
#include "translate.h"
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char explain_usage[] =
	"Usage: seccomp-hook explain [--arch=A] [--caps=..] [--kernel=X.Y] [--format=text|json]\n"
	"                            [--profiles-dir=DIR] PROFILE SYSCALL [ARG0..ARG5]\n"
	"                            | --pid=PID SYSCALL [ARG0..ARG5]\n"
	"Print the action SYSCALL (a name or a number) with the given arguments (default 0) gets under\n"
	"PROFILE (a file, or NAME for NAME.json in the profiles directories), computed by running the\n"
	"compiled filter, with the errno's name, and the rule (file:line:col) that decided it. Then, when\n"
	"there is something to say:\n"
	"  the rule needs: ...   the includes/excludes the target met for the deciding rule\n"
	"  depends on the arguments:   the syscall's rules in the profile's order (the program\n"
	"                        decides between overlapping ones), each with its conditions\n"
	"                        (arg0&0x7e020000==0), and what holds when none does\n"
	"  with CAP_X: / without CAP_X: / from kernel X.Y: / before kernel X.Y:   what the syscall\n"
	"                        gets when a rule the capabilities or kernel left out is taken in\n"
	"  resolved for: ...     the architectures, capability set and kernel the profile was resolved for\n\n"
	"  --arch=A        the ABI the call is made on (default: native); the filter covers what a\n"
	"                  runtime would load (native + the profile's archMap)\n"
	"  --caps=LIST     capabilities for includes/excludes (CAP_SYS_ADMIN,..), 'all', 'none', 'docker'\n"
	"                  (the default: Docker's default set; docker,CAP_SYS_ADMIN adds one) or 'caller'\n"
	"                  (this process's bounding set)\n"
	"  --kernel=X.Y    kernel version for minKernel (default: the running kernel)\n"
	"  --format=F      text (default) or json (the same, as fields: action, errno, errno_name,\n"
	"                  decided_by, rule, conditions, requires, rules, alternatives, target...)\n"
	"  --profiles-dir=DIR  where to look NAME up\n"
	"  --pid=PID       the filters process PID runs instead of a profile, read back from the kernel as\n"
	"                  dump reads them (needs CAP_SYS_ADMIN): what each one answers, and what the\n"
	"                  kernel makes of them (the answer of highest precedence, of equals the newest's)\n"
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

/* What is printed: the engine's explanation of the query, for a profile and a target. */
typedef struct view {
	const sh_profile *p;
	const query *q;
	const sh_explanation *x;
	const char *target; /* what the profile was resolved for (sh_cli_describe_target) */
} view;

/* "SCMP_ACT_ERRNO(38) ENOSYS": the action as the filter returns it, the errno by name. */
static const char *action_text(uint32_t ret, char *buf, size_t len)
{
	sh_ret_name(ret, buf, len);
	const char *en = (ret & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO ? sh_errno_name((int)(ret & SECCOMP_RET_DATA)) : NULL;
	if (en)
		snprintf(buf + strlen(buf), len - strlen(buf), " %s", en);
	return buf;
}

static void put_reason(FILE *f, const view *v, const sh_decision *d, bool with_comment)
{
	sh_decision_put_reason(f, v->p, v->q->arch, d, with_comment);
}

/* "SCMP_ACT_ALLOW when arg0&0x7e020000==0 - rule syscalls[14] (FILE:LINE:COL)" */
static void put_decision(FILE *f, const view *v, const sh_decision *d)
{
	char act[64];
	fputs(action_text(d->ret, act, sizeof act), f);
	if (d->rule && d->rule->origin->nargs) {
		cleanup_free char *cond = sh_rule_conditions_text(d->rule->origin);
		fprintf(f, " when %s", cond);
	}
	fputs(" - ", f);
	put_reason(f, v, d, false);
}

/* A rule of the call as the listings show it: its action, conditions and place. */
static sh_decision rule_decision(const sh_rrule *rr)
{
	return (sh_decision){ .ret = sh_action_ret(rr->action, rr->errno_ret), .by = SH_BY_RULE, .rule = rr };
}

static void print_argument_rules(FILE *f, const view *v)
{
	const sh_call_rules *c = &v->x->c;
	fputs("  depends on the arguments:\n", f);
	for (size_t i = 0; i < c->n; i++) {
		sh_decision d = rule_decision(c->rules[i]);
		fputs("    ", f);
		put_decision(f, v, &d);
		fputc('\n', f);
	}
	fputs("    otherwise ", f);
	put_decision(f, v, &c->otherwise);
	fputc('\n', f);
}

/* "with CAP_SYS_ADMIN", "without CAP_AUDIT_WRITE", "from kernel 4.8", "before kernel 5.0". */
static void put_change(FILE *f, const sh_explain_alt *a)
{
	const char *sep = "";
	for (int cap = 0; cap <= SH_CAP_MAX; cap++) {
		uint64_t bit = UINT64_C(1) << cap;
		if ((a->with_caps | a->without_caps) & bit) {
			fprintf(f, "%s%s %s", sep, a->with_caps & bit ? "with" : "without", sh_cap_name(cap));
			sep = " and ";
		}
	}
	if (a->from_kernel || a->before_kernel)
		fprintf(f, "%s%s kernel %u.%u", sep, a->from_kernel ? "from" : "before", a->kmajor, a->kminor);
}

static void print_alternative(FILE *f, const view *v, const sh_explain_alt *a)
{
	fputs("  ", f);
	put_change(f, a);
	fputs(": ", f);
	for (size_t i = 0; i < a->c.n; i++) {
		sh_decision d = rule_decision(a->c.rules[i]);
		fputs(i ? "; " : "", f);
		put_decision(f, v, &d);
	}
	if (!a->c.n || sh_call_rules_conditional(&a->c)) {
		fputs(a->c.n ? "; otherwise " : "", f);
		put_decision(f, v, &a->c.otherwise);
	}
	fputc('\n', f);
}

static void print_text(const view *v)
{
	char act[64];
	const sh_explanation *x = v->x;
	printf("%s (%s #%d): %s - ", v->q->name, sh_arch_scmp_name(x->arch), x->nr, action_text(x->answer.ret, act, sizeof act));
	put_reason(stdout, v, &x->d, true);
	putchar('\n');
	cleanup_free char *needs = x->d.rule ? sh_rule_requires_text(x->d.rule->origin) : NULL;
	if (needs && strcmp(needs, "-"))
		printf("  the rule needs: %s\n", needs);
	if (x->answer.by_args)
		print_argument_rules(stdout, v);
	for (size_t i = 0; i < x->nalt; i++)
		print_alternative(stdout, v, &x->alt[i]);
	printf("  resolved for: %s\n", v->target);
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

static sh_json *json_rule(const view *v, const sh_rule *r)
{
	sh_json *o = sh_json_new(SH_JSON_OBJECT);
	sh_json_set(o, "file", sh_json_new_string(v->p->file));
	sh_json_set(o, "line", sh_json_new_u64(r ? r->loc.line : v->p->default_loc.line));
	sh_json_set(o, "column", sh_json_new_u64(r ? r->loc.col : v->p->default_loc.col));
	if (r)
		sh_json_set(o, "index", sh_json_new_u64(r->index));
	if (r && r->comment && *r->comment)
		sh_json_set(o, "comment", sh_json_new_string(r->comment));
	return o;
}

/* One decision into o: action, errno and its name, what decided it, the rule and its conditions. */
static void json_decision_into(sh_json *o, const view *v, const sh_decision *d)
{
	char act[64];
	sh_json_set(o, "action", sh_json_new_string(sh_ret_name(d->ret, act, sizeof act)));
	uint32_t kind = d->ret & SECCOMP_RET_ACTION_FULL;
	if (kind == SECCOMP_RET_ERRNO || kind == SECCOMP_RET_TRACE)
		sh_json_set(o, "errno", sh_json_new_u64(d->ret & SECCOMP_RET_DATA));
	const char *en = kind == SECCOMP_RET_ERRNO ? sh_errno_name((int)(d->ret & SECCOMP_RET_DATA)) : NULL;
	if (en)
		sh_json_set(o, "errno_name", sh_json_new_string(en));
	sh_json_set(o, "decided_by", sh_json_new_string(sh_decided_by_name(d->by)));
	const sh_rule *r = d->rule ? d->rule->origin : NULL;
	if (r || d->by == SH_BY_DEFAULT)
		sh_json_set(o, "rule", json_rule(v, r));
	sh_json_set(o, "conditions", json_conditions(r));
	if (r && r->nargs)
		sh_json_set(o, "when", sh_json_new_string_owned(sh_rule_conditions_text(r)));
	if (r) {
		sh_json_set(o, "requires", json_cond(&r->includes));
		sh_json_set(o, "excludes", json_cond(&r->excludes));
	}
}

static sh_json *json_decision(const view *v, const sh_decision *d)
{
	sh_json *o = sh_json_new(SH_JSON_OBJECT);
	json_decision_into(o, v, d);
	return o;
}

/* The call's rules in the order they are tried, then what holds when none does. */
static sh_json *json_rules(const view *v, const sh_call_rules *c, bool by_args)
{
	sh_json *a = sh_json_new(SH_JSON_ARRAY);
	for (size_t i = 0; i < c->n; i++) {
		sh_decision d = rule_decision(c->rules[i]);
		sh_json_append(a, json_decision(v, &d));
	}
	if (!c->n || by_args)
		sh_json_append(a, json_decision(v, &c->otherwise));
	return a;
}

/* What the alternative target changes: capabilities gained or given up, a kernel from or before. */
static sh_json *json_change(const sh_explain_alt *a)
{
	sh_json *o = sh_json_new(SH_JSON_OBJECT), *add = sh_json_new(SH_JSON_ARRAY), *drop = sh_json_new(SH_JSON_ARRAY);
	for (int cap = 0; cap <= SH_CAP_MAX; cap++)
		if ((a->with_caps | a->without_caps) & (UINT64_C(1) << cap))
			sh_json_append(a->with_caps & (UINT64_C(1) << cap) ? add : drop, sh_json_new_string(sh_cap_name(cap)));
	sh_json_set(o, "caps", add);
	sh_json_set(o, "without_caps", drop);
	if (a->from_kernel || a->before_kernel)
		sh_json_set(o, a->from_kernel ? "minKernel" : "belowKernel",
			    sh_json_new_string_owned(sh_xasprintf("%u.%u", a->kmajor, a->kminor)));
	return o;
}

static sh_json *json_alternative(const view *v, const sh_explain_alt *a)
{
	sh_json *o = sh_json_new(SH_JSON_OBJECT);
	cleanup_free char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (f) {
		put_change(f, a);
		fclose(f);
		sh_json_set(o, "text", sh_json_new_string(text));
	}
	sh_json_set(o, "requires", json_change(a));
	sh_json_set(o, "rules", json_rules(v, &a->c, sh_call_rules_conditional(&a->c)));
	return o;
}

/* The fields of before (syscall, arch, nr, action, reason, instructions), then the structured ones. */
static void print_json(const view *v)
{
	char act[64];
	const sh_explanation *x = v->x;
	cleanup_free char *reason = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&reason, &len);
	if (f) {
		put_reason(f, v, &x->d, true);
		fclose(f);
	}
	sh_json *o = sh_json_new(SH_JSON_OBJECT);
	sh_json_set(o, "syscall", sh_json_new_string(v->q->name));
	sh_json_set(o, "arch", sh_json_new_string(sh_arch_scmp_name(x->arch)));
	sh_json_set(o, "nr", sh_json_new_u64((uint32_t)x->nr));
	sh_json_set(o, "action", sh_json_new_string(sh_ret_name(x->answer.ret, act, sizeof act)));
	sh_json_set(o, "reason", sh_json_new_string(reason ? reason : ""));
	sh_json_set(o, "instructions", sh_json_new_u64(x->answer.steps));
	json_decision_into(o, v, &x->d);
	sh_json *args = sh_json_new(SH_JSON_ARRAY);
	for (int i = 0; i < 6; i++)
		sh_json_append(args, sh_json_new_u64(x->args[i]));
	sh_json_set(o, "args", args);
	sh_json_set(o, "depends_on_arguments", sh_json_new_bool(x->answer.by_args));
	sh_json_set(o, "rules", json_rules(v, &x->c, x->answer.by_args));
	sh_json *alts = sh_json_new(SH_JSON_ARRAY);
	for (size_t i = 0; i < x->nalt; i++)
		sh_json_append(alts, json_alternative(v, &x->alt[i]));
	sh_json_set(o, "alternatives", alts);
	sh_json_set(o, "target", sh_json_new_string(v->target));
	cleanup_free char *s = sh_json_serialize(o, true, NULL);
	sh_json_free(o);
	fputs(s, stdout);
}

/* ---- --pid: a live process's filters ------------------------------------------------------------ */

/* What the filters of a process answer for one call: each one's, and the kernel's combination. */
typedef struct live {
	long pid;
	int mode;          /* its Seccomp: line */
	sh_engine *e;      /* its filters, the first installed first, as engines without rules */
	size_t n;
	sh_answer *each;
	sh_answer answer;  /* what the kernel returns */
	size_t which;      /* the filter whose answer that is */
} live;

static void live_free(live *l)
{
	for (size_t i = 0; i < l->n; i++)
		sh_engine_fini(&l->e[i]);
	free(l->e);
	free(l->each);
}

static int live_read(live *l, const query *q, sh_error **err)
{
	sh_bpf *v = NULL;
	l->mode = sh_proc_seccomp_mode(l->pid);
	if (l->mode < 0)
		return sh_error_set(err, SH_EXIT_SYSTEM, "pid %ld: no such process", l->pid);
	if (sh_dump_read((pid_t)l->pid, &v, &l->n, err) < 0)
		return -1;
	l->e = sh_xcalloc(l->n + 1, sizeof(*l->e));
	l->each = sh_xcalloc(l->n + 1, sizeof(*l->each));
	for (size_t i = 0; i < l->n; i++) {
		sh_engine_of_program(&l->e[i], v[i].insns, v[i].len);
		sh_bpf_free(&v[i]);
	}
	free(v);
	sh_seccomp_data d = sh_call_data(q->arch, q->nr, q->args);
	for (size_t i = 0; i < l->n; i++)
		l->each[i] = sh_engine_run(&l->e[i], &d);
	l->answer = l->n ? sh_engines_run(l->e, l->n, &d, &l->which) : (sh_answer){ .ret = SECCOMP_RET_ALLOW };
	return 0;
}

static void digest_of(const sh_engine *e, char hex[65])
{
	sh_sha256_hex(e->prog.insns, e->prog.len * sizeof(*e->prog.insns), hex);
}

static void print_live_text(const live *l, const query *q)
{
	char act[64], hex[65];
	printf("%s (%s #%d): %s - ", q->name, sh_arch_scmp_name(q->arch), q->nr, action_text(l->answer.ret, act, sizeof act));
	if (!l->n)
		printf("pid %ld runs no seccomp filter (Seccomp: %d)\n", l->pid, l->mode);
	else
		printf("filter %zu of pid %ld\n", l->which, l->pid);
	for (size_t i = 0; i < l->n; i++) {
		digest_of(&l->e[i], hex);
		printf("  filter %zu (%zu instructions, sha256:%s): %s%s\n", i, l->e[i].prog.len, hex,
		       action_text(l->each[i].ret, act, sizeof act), l->each[i].by_args ? ", depends on the arguments" : "");
	}
}

static void print_live_json(const live *l, const query *q)
{
	char act[64], hex[65];
	sh_json *o = sh_json_new(SH_JSON_OBJECT), *filters = sh_json_new(SH_JSON_ARRAY);
	sh_json_set(o, "syscall", sh_json_new_string(q->name));
	sh_json_set(o, "arch", sh_json_new_string(sh_arch_scmp_name(q->arch)));
	sh_json_set(o, "nr", sh_json_new_u64((uint32_t)q->nr));
	sh_json_set(o, "action", sh_json_new_string(sh_ret_name(l->answer.ret, act, sizeof act)));
	sh_json_set(o, "pid", sh_json_new_u64((uint64_t)l->pid));
	sh_json_set(o, "seccomp", sh_json_new_u64((uint64_t)l->mode));
	sh_json_set(o, "depends_on_arguments", sh_json_new_bool(l->answer.by_args));
	if (l->n)
		sh_json_set(o, "decided_by_filter", sh_json_new_u64(l->which));
	for (size_t i = 0; i < l->n; i++) {
		sh_json *f = sh_json_new(SH_JSON_OBJECT);
		digest_of(&l->e[i], hex);
		sh_json_set(f, "index", sh_json_new_u64(i));
		sh_json_set(f, "length", sh_json_new_u64(l->e[i].prog.len));
		sh_json_set(f, "sha256", sh_json_new_string(hex));
		sh_json_set(f, "action", sh_json_new_string(sh_ret_name(l->each[i].ret, act, sizeof act)));
		sh_json_set(f, "depends_on_arguments", sh_json_new_bool(l->each[i].by_args));
		sh_json_append(filters, f);
	}
	sh_json_set(o, "filters", filters);
	cleanup_free char *s = sh_json_serialize(o, true, NULL);
	sh_json_free(o);
	fputs(s, stdout);
}

static int run_live(long pid, query *q, bool json, sh_error **err)
{
	live l = { .pid = pid };
	int r = live_read(&l, q, err);
	if (r == 0 && json)
		print_live_json(&l, q);
	else if (r == 0)
		print_live_text(&l, q);
	live_free(&l);
	return r;
}

/* ---- the command -------------------------------------------------------------------------------- */

typedef struct explain_opts {
	sh_target_opts t;
	const char *dir; /* --profiles-dir */
	bool json;
} explain_opts;

static int run_explain(const char *arg, query *q, explain_opts *o, sh_error **err)
{
	sh_target t;
	sh_target_opts *to = &o->t;
	const char *arch_opt = to->arch;
	to->arch = NULL; /* --arch picks the ABI of the call, not the filter's arch set */
	if (sh_cli_target(to, &t, err) < 0)
		return -1;
	q->arch = arch_opt ? sh_arch_from_name(arch_opt) : t.native_arch;
	if (!q->arch)
		return sh_error_set(err, SH_EXIT_SYSTEM, "--arch: unknown architecture '%s'", arch_opt);
	cleanup_profile sh_profile *p = NULL;
	cleanup_ruleset sh_ruleset *rs = NULL;
	sh_engine e;
	if (sh_cli_load_profile(arg, o->dir, &p, NULL, err) < 0 || sh_resolve(p, &t, &rs, NULL, err) < 0 ||
	    sh_engine_init(&e, rs, err) < 0)
		return -1;
	t.native_arch = rs->arches[0]; /* the arch includes/excludes were judged against */
	sh_explanation x;
	sh_explain_call(&e, &t, q->arch, q->nr, q->args, &x);
	cleanup_free char *target = sh_cli_describe_target(to, &t, rs);
	view v = { .p = p, .q = q, .x = &x, .target = target };
	if (o->json)
		print_json(&v);
	else
		print_text(&v);
	sh_explanation_free(&x);
	sh_engine_fini(&e);
	return 0;
}

int cmd_explain(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "arch", required_argument, NULL, 'a' }, { "caps", required_argument, NULL, 'c' },
		{ "kernel", required_argument, NULL, 'k' }, { "format", required_argument, NULL, 'f' },
		{ "profiles-dir", required_argument, NULL, 'd' }, { "pid", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	explain_opts o = { 0 };
	const char *pid = NULL;
	sh_target_opts *to = &o.t;
	int ch;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a': to->arch = optarg; break;
		case 'c': to->caps = optarg; break;
		case 'k': to->kernel = optarg; break;
		case 'd': o.dir = optarg; break;
		case 'p': pid = optarg; break;
		case 'f':
			if (strcmp(optarg, "json") && strcmp(optarg, "text"))
				return sh_usage_error("explain", "unknown format '%s' (text or json)", optarg);
			o.json = strcmp(optarg, "json") == 0;
			break;
		case 'h': fputs(explain_usage, stdout); return SH_EXIT_OK;
		default: return sh_usage_error("explain", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	char *end = NULL;
	long live_pid = pid ? strtol(pid, &end, 10) : 0;
	if (pid && (live_pid <= 0 || *end))
		return sh_usage_error("explain", "--pid: '%s' is not a process id", pid);
	if (pid && (to->caps || to->kernel || o.dir))
		return sh_usage_error("explain", "--pid reads the filters a process runs: no --caps, --kernel or --profiles-dir");
	int first = pid ? optind : optind + 1; /* where SYSCALL is */
	if (argc - first < 1)
		return sh_usage_error("explain", pid ? "expected SYSCALL [ARG...]" : "expected PROFILE SYSCALL [ARG...]");
	cleanup_error sh_error *err = NULL;
	query q = { 0 };
	q.arch = to->arch ? sh_arch_from_name(to->arch) : seccomp_arch_native();
	if (!q.arch)
		return sh_usage_error("explain", "unknown architecture '%s'", to->arch);
	int r = parse_query(argv[first], argv + first + 1, argc - first - 1, &q, &err);
	if (r == 0)
		r = pid ? run_live(live_pid, &q, o.json, &err) : run_explain(argv[optind], &q, &o, &err);
	free(q.name);
	return r < 0 ? sh_error_report(err) : SH_EXIT_OK;
}

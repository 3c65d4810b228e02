/* The decision engine, and explain's reading of one call; see explain.h. */
#include "config.h"
#include "explain.h"
#include "names.h"
#include "util.h"

#include <linux/audit.h>
#include <string.h>

int sh_engine_init(sh_engine *e, const sh_ruleset *rs, sh_error **err)
{
	*e = (sh_engine){ .rs = rs };
	return sh_translate_bpf(rs, NULL, &e->prog, NULL, err);
}

void sh_engine_of_program(sh_engine *e, const struct sock_filter *insns, size_t len)
{
	struct sock_filter *copy = sh_xreallocarray(NULL, len ? len : 1, sizeof(*insns));
	memcpy(copy, insns, len * sizeof(*insns));
	*e = (sh_engine){ .prog = { .insns = copy, .len = len } };
}

void sh_engine_fini(sh_engine *e)
{
	sh_bpf_free(&e->prog);
	e->rs = NULL;
}

sh_seccomp_data sh_call_data(uint32_t arch, int nr, const uint64_t args[6])
{
	sh_seccomp_data d = { .nr = nr, .arch = arch == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : arch };
	if (args)
		memcpy(d.args, args, sizeof(d.args));
	return d;
}

sh_answer sh_engine_run(const sh_engine *e, const sh_seccomp_data *d)
{
	sh_bpf_trace t;
	uint32_t ret = sh_bpf_run_traced(e->prog.insns, e->prog.len, d, &t);
	return (sh_answer){ .ret = ret, .steps = t.steps, .by_args = (t.loaded & SH_BPF_WORDS_BEYOND_ARCH) != 0 };
}

/* When rules overlap with different actions (a rule denying socket(AF_NETLINK) after one allowing
 * every family below AF_ALG), the program, not their order, says which one wins: the name follows
 * the answer. A rule that holds and carries another answer, or an answer no rule and no fallback
 * carries, is a program unlike its rules: said as such, never papered over. */
sh_decision sh_decision_named(const sh_call_rules *c, const uint64_t args[6], uint32_t ret)
{
	bool any_holds = false;
	for (size_t i = 0; i < c->n; i++) {
		const sh_rrule *rr = c->rules[i];
		if (!sh_rule_args_hold(rr->origin, c->arch, args))
			continue;
		any_holds = true;
		if (sh_action_ret(rr->action, rr->errno_ret) == ret)
			return (sh_decision){ .ret = ret, .by = SH_BY_RULE, .rule = rr };
	}
	if (!any_holds && c->otherwise.ret == ret)
		return c->otherwise;
	return (sh_decision){ .ret = ret, .by = SH_BY_NO_RULE };
}

sh_decision sh_engine_decide(const sh_engine *e, const sh_seccomp_data *d)
{
	sh_call_rules c;
	uint64_t args[6];
	memcpy(args, d->args, sizeof(args)); /* __u64 is not uint64_t's type on every ABI */
	sh_call_rules_build(e->rs, sh_arch_of_call(d->arch, d->nr), d->nr, &c);
	sh_decision r = sh_decision_named(&c, args, sh_engine_run(e, d).ret);
	sh_call_rules_free(&c);
	return r;
}

bool sh_engine_allows_whole(const sh_engine *e, const char *name)
{
	if (!e)
		return true;
	if (!e->rs->narches)
		return false;
	uint32_t arch = e->rs->arches[0];
	int nr = seccomp_syscall_resolve_name_arch(arch, name);
	/* No number on the arch (or a pseudo-number no call carries): the default answers the name. */
	if (nr < 0)
		return e->rs->default_action == SH_ACT_ALLOW;
	return sh_engine_allows_call(e, arch, nr);
}

bool sh_engine_allows_call(const sh_engine *e, uint32_t arch, int nr)
{
	sh_seccomp_data d = sh_call_data(arch, nr, NULL);
	sh_answer a = sh_engine_run(e, &d);
	return !a.by_args && (a.ret & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ALLOW;
}

/* The kernel's ACTION_ONLY: the action as a signed number, the smaller taking precedence
 * (SECCOMP_RET_KILL_PROCESS is 0x80000000, the most negative). */
static int32_t precedence(uint32_t ret)
{
	return (int32_t)(ret & SECCOMP_RET_ACTION_FULL);
}

sh_answer sh_engines_run(const sh_engine *v, size_t n, const sh_seccomp_data *d, size_t *which)
{
	sh_answer best = sh_engine_run(&v[n - 1], d);
	*which = n - 1;
	for (size_t i = n - 1; i-- > 0;) { /* older and older: a tie keeps the newer */
		sh_answer a = sh_engine_run(&v[i], d);
		best.by_args |= a.by_args;
		best.steps += a.steps;
		if (precedence(a.ret) < precedence(best.ret)) {
			best.ret = a.ret;
			*which = i;
		}
	}
	return best;
}

bool sh_decision_lets_through(uint32_t ret)
{
	uint32_t act = ret & SECCOMP_RET_ACTION_FULL;
	return act == SECCOMP_RET_ALLOW || act == SECCOMP_RET_LOG;
}

const char *sh_decided_by_name(sh_decided_by by)
{
	static const char *const names[] = { [SH_BY_RULE] = "rule", [SH_BY_DEFAULT] = "default",
					     [SH_BY_ENOSYS] = "enosys-stub", [SH_BY_BAD_ARCH] = "bad-architecture",
					     [SH_BY_NO_RULE] = "no-rule" };
	return (size_t)by < SH_ARRAY_SIZE(names) ? names[by] : "?";
}

void sh_decision_put_reason(FILE *f, const sh_profile *p, uint32_t arch, const sh_decision *d, bool with_comment)
{
	const sh_rule *r = d->rule ? d->rule->origin : NULL;
	bool comment = with_comment && r && r->comment && *r->comment;
	if (d->by == SH_BY_RULE)
		fprintf(f, "rule syscalls[%zu] (%s:%u:%u)%s%s", r->index, p->file, r->loc.line, r->loc.col,
			comment ? ": " : "", comment ? r->comment : "");
	else if (d->by == SH_BY_BAD_ARCH)
		fprintf(f, "architecture %s is not in the filter (bad-architecture action)", sh_arch_scmp_name(arch));
	else if (d->by == SH_BY_ENOSYS)
		fputs("ENOSYS: newer than every syscall the profile names on this architecture", f);
	else if (d->by == SH_BY_NO_RULE)
		fputs("no rule: the compiled program gives an answer no rule whose conditions hold carries", f);
	else
		fprintf(f, "default action (%s:%u:%u)", p->file, p->default_loc.line, p->default_loc.col);
}

bool sh_call_rules_conditional(const sh_call_rules *c)
{
	return c->n && c->rules[0]->origin->nargs;
}

/* ---- other capability sets and kernels ------------------------------------------------------------ */

static bool kernel_below(unsigned major, unsigned minor, unsigned kmajor, unsigned kminor)
{
	return major < kmajor || (major == kmajor && minor < kminor);
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

/* What the alternative changes, for the reader: a target lowered below an excludes' minKernel X.Y
 * runs X.(Y-1), or .999, and is named by X.Y again. */
static void describe_change(const sh_target *from, sh_explain_alt *a)
{
	a->with_caps = a->t.caps & ~from->caps;
	a->without_caps = from->caps & ~a->t.caps;
	if (kernel_below(from->kmajor, from->kminor, a->t.kmajor, a->t.kminor)) {
		a->from_kernel = true;
		a->kmajor = a->t.kmajor;
		a->kminor = a->t.kminor;
	} else if (kernel_below(a->t.kmajor, a->t.kminor, from->kmajor, from->kminor)) {
		a->before_kernel = true;
		a->kmajor = a->t.kminor == 999 ? a->t.kmajor + 1 : a->t.kmajor;
		a->kminor = a->t.kminor == 999 ? 0 : a->t.kminor + 1;
	}
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

static bool seen_target(const sh_explanation *x, const sh_target *t)
{
	for (size_t i = 0; i < x->nalt; i++)
		if (x->alt[i].t.caps == t->caps && x->alt[i].t.kmajor == t->kmajor && x->alt[i].t.kminor == t->kminor)
			return true;
	return false;
}

/* For each rule of the call the target's capabilities or kernel left out: the target that would
 * take it in, when the call's rules would then differ. */
static void find_alternatives(const sh_ruleset *rs, const sh_target *t, const char *name, sh_explanation *x)
{
	const sh_profile *p = rs->profile;
	for (size_t i = 0; i < p->nrules && x->nalt < SH_EXPLAIN_ALTS_MAX; i++) {
		const sh_rule *r = &p->rules[i];
		sh_target alt;
		if (!sh_rule_names(r, name) || sh_rule_applies(r, t, t->native_arch) || !target_for_rule(r, t, &alt) ||
		    seen_target(x, &alt))
			continue;
		sh_explain_alt *a = &x->alt[x->nalt];
		*a = (sh_explain_alt){ .t = alt };
		if (sh_resolve(p, &alt, &a->rs, NULL, NULL) < 0)
			continue;
		sh_call_rules_build(a->rs, x->arch, x->nr, &a->c);
		if (same_rules(&a->c, &x->c)) {
			sh_call_rules_free(&a->c);
			sh_ruleset_free(a->rs);
			continue;
		}
		describe_change(t, a);
		x->nalt++;
	}
}

void sh_explain_call(const sh_engine *e, const sh_target *t, uint32_t arch, int nr, const uint64_t args[6],
		     sh_explanation *x)
{
	*x = (sh_explanation){ .arch = arch, .nr = nr };
	memcpy(x->args, args, sizeof(x->args));
	sh_seccomp_data d = sh_call_data(arch, nr, args);
	x->answer = sh_engine_run(e, &d);
	sh_call_rules_build(e->rs, arch, nr, &x->c);
	x->d = sh_decision_named(&x->c, args, x->answer.ret);
	cleanup_free char *name = seccomp_syscall_resolve_num_arch(arch, nr);
	if (name)
		find_alternatives(e->rs, t, name, x);
}

void sh_explanation_free(sh_explanation *x)
{
	sh_call_rules_free(&x->c);
	for (size_t i = 0; i < x->nalt; i++) {
		sh_call_rules_free(&x->alt[i].c);
		sh_ruleset_free(x->alt[i].rs);
	}
	x->nalt = 0;
}

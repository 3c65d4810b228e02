/* Containment (hook/lib/compile/within.c) on the joint walk of bpf_reach.c: rows of (profile, base, order)
 * -> verdict and the first counterexample, with stacks of filters and 32-bit ABIs; then random rule
 * sets over every operator and 64-bit values, held to a brute-force run of both programs on a grid
 * of argument values: a violation the grid finds must be found by the walk (never "holds"), every
 * counterexample the walk gives must be one when run, and the walk must decide them all. */
#include "config.h"

#include <criterion/criterion.h>
#include <inttypes.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>

#include "names.h"
#include "testutil.h"
#include "translate.h"
#include "util.h"
#include "within.h"

#define ALLOW SECCOMP_RET_ALLOW
#define ERRNO(e) (SECCOMP_RET_ERRNO | (e))

static const uint32_t x86_family[] = { SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32 };

typedef struct compiled {
	sh_profile *p;
	sh_ruleset *rs;
	sh_bpf prog;
} compiled;

/* A profile (JSON text) resolved for x86_64 with its sub-architectures, compiled. False when
 * libseccomp refuses the rule set (random ones may be). */
static bool compile(const char *json, compiled *c)
{
	cleanup_error sh_error *err = NULL;
	*c = (compiled){ 0 };
	c->p = sh_test_profile(json, NULL, &err);
	cr_assert_not_null(c->p, "%s: %s", json, err ? err->msg : "");
	sh_target t = { .native_arch = SCMP_ARCH_X86_64, .kmajor = 6, .kminor = 1, .arches = x86_family, .narches = 3 };
	cr_assert_eq(sh_resolve(c->p, &t, &c->rs, NULL, &err), 0, "%s", err ? err->msg : "");
	return sh_translate_bpf(c->rs, NULL, &c->prog, NULL, &err) == 0;
}

static void release(compiled *c)
{
	sh_bpf_free(&c->prog);
	sh_ruleset_free(c->rs);
	sh_profile_free(c->p);
}

#define PROFILE(dflt, rules) "{\"defaultAction\": \"" dflt "\", \"syscalls\": [" rules "]}"
#define RULE(names, action, args) "{\"names\": [" names "], \"action\": \"" action "\", \"args\": [" args "]}"
#define ARG(i, op, v) "{\"index\": " #i ", \"op\": \"SCMP_CMP_" #op "\", \"value\": " #v "}"
#define MASKED(i, m, v2) "{\"index\": " #i ", \"op\": \"SCMP_CMP_MASKED_EQ\", \"value\": " #m ", \"valueTwo\": " #v2 "}"

/* personality: allowed below 10, at most 10, masked, by its high half. */
static const char pers_lt10[] = PROFILE("SCMP_ACT_ERRNO", RULE("\"personality\"", "SCMP_ACT_ALLOW", ARG(0, LT, 10)));
static const char pers_le10[] = PROFILE("SCMP_ACT_ERRNO", RULE("\"personality\"", "SCMP_ACT_ALLOW", ARG(0, LE, 10)));
static const char pers_masked[] =
	PROFILE("SCMP_ACT_ERRNO", RULE("\"personality\"", "SCMP_ACT_ALLOW", MASKED(0, 18446744073709551608, 8)));
static const char pers_masked32[] =
	PROFILE("SCMP_ACT_ERRNO", RULE("\"personality\"", "SCMP_ACT_ALLOW", MASKED(0, 4294967288, 8)));
/* 8..15: a repeated index makes each condition its own rule (OR) */
static const char pers_8_15[] =
	PROFILE("SCMP_ACT_ERRNO", RULE("\"personality\"", "SCMP_ACT_ALLOW",
				       ARG(0, EQ, 8) "," ARG(0, EQ, 9) "," ARG(0, EQ, 10) "," ARG(0, EQ, 11) "," ARG(0, EQ, 12) ","
				       ARG(0, EQ, 13) "," ARG(0, EQ, 14) "," ARG(0, EQ, 15)));
static const char pers_hi[] =
	PROFILE("SCMP_ACT_ERRNO", RULE("\"personality\"", "SCMP_ACT_ALLOW", ARG(0, EQ, 4294967297)));
static const char pers_one[] = PROFILE("SCMP_ACT_ERRNO", RULE("\"personality\"", "SCMP_ACT_ALLOW", ARG(0, EQ, 1)));
/* The runtime ORs conditions on one index: != 38 or != 16 is every value. */
static const char sock_or[] =
	PROFILE("SCMP_ACT_ERRNO", RULE("\"personality\"", "SCMP_ACT_ALLOW", ARG(0, NE, 38) "," ARG(0, NE, 16)));
static const char pers_any[] = PROFILE("SCMP_ACT_ERRNO", RULE("\"personality\"", "SCMP_ACT_ALLOW", ""));
static const char allow_all[] = PROFILE("SCMP_ACT_ALLOW", "");
static const char deny_getpid[] = PROFILE("SCMP_ACT_ALLOW", RULE("\"getpid\"", "SCMP_ACT_ERRNO", ""));
static const char kill_getpid[] = PROFILE("SCMP_ACT_ALLOW", RULE("\"getpid\"", "SCMP_ACT_KILL_PROCESS", ""));
static const char log_all[] = PROFILE("SCMP_ACT_LOG", "");
static const char trace_getpid[] = PROFILE("SCMP_ACT_ALLOW", RULE("\"getpid\"", "SCMP_ACT_TRACE", ""));

typedef struct row {
	const char *what, *a, *b;
	sh_within_order order;
	const uint32_t *abis;
	size_t nabis;
	sh_within_verdict want;
	/* FAILS: the first counterexample's ABI and syscall, and its answers */
	uint32_t abi;
	const char *syscall;
	uint32_t ret_a, ret_b;
} row;

#define HOLDS SH_WITHIN_HOLDS, 0, NULL, 0, 0

static const uint32_t only_x86[] = { SCMP_ARCH_X86 };

static const row rows[] = {
	{ "below 10 within at most 10", pers_lt10, pers_le10, SH_WITHIN_RESTRICTIVE, x86_family, 3, HOLDS },
	{ "at most 10 not within below 10: 10 itself", pers_le10, pers_lt10, SH_WITHIN_RESTRICTIVE, x86_family, 3,
	  SH_WITHIN_FAILS, SCMP_ARCH_X86_64, "personality", ALLOW, ERRNO(1) },
	{ "(arg & ~7) == 8 is 8..15", pers_masked, pers_8_15, SH_WITHIN_SAME, x86_family, 3, HOLDS },
	{ "a 32-bit mask lets 0x100000008 through on x86_64", pers_masked32, pers_8_15, SH_WITHIN_RESTRICTIVE, x86_family,
	  3, SH_WITHIN_FAILS, SCMP_ARCH_X86_64, "personality", ALLOW, ERRNO(1) },
	{ "but not on x86, whose arguments are 32 bits", pers_masked32, pers_8_15, SH_WITHIN_SAME, only_x86, 1, HOLDS },
	{ "a 64-bit value: on x86 only the low half is compared", pers_hi, pers_one, SH_WITHIN_SAME, only_x86, 1,
	  HOLDS },
	{ "a 64-bit value: on x86_64 it is not 1", pers_hi, pers_one, SH_WITHIN_RESTRICTIVE, x86_family, 3,
	  SH_WITHIN_FAILS, SCMP_ARCH_X86_64, "personality", ALLOW, ERRNO(1) },
	{ "!= 38 || != 16 allows every value", pers_any, sock_or, SH_WITHIN_SAME, x86_family, 3, HOLDS },
	{ "everything allowed is not within a denial", allow_all, deny_getpid, SH_WITHIN_RESTRICTIVE, x86_family, 3,
	  SH_WITHIN_FAILS, SCMP_ARCH_X86_64, "getpid", ALLOW, ERRNO(1) },
	{ "ERRNO is less restrictive than KILL_PROCESS", deny_getpid, kill_getpid, SH_WITHIN_RESTRICTIVE, x86_family,
	  3, SH_WITHIN_FAILS, SCMP_ARCH_X86_64, "getpid", ERRNO(1), SECCOMP_RET_KILL_PROCESS },
	{ "but it does not run either", deny_getpid, kill_getpid, SH_WITHIN_RUNS, x86_family, 3, HOLDS },
	{ "LOG runs as ALLOW does", allow_all, log_all, SH_WITHIN_RESTRICTIVE, x86_family, 3, HOLDS },
	{ "but it is not the same answer", allow_all, log_all, SH_WITHIN_SAME, x86_family, 3, SH_WITHIN_FAILS,
	  SCMP_ARCH_X86_64, "read", ALLOW, SECCOMP_RET_LOG },
	{ "ALLOW is less restrictive than TRACE", allow_all, trace_getpid, SH_WITHIN_RESTRICTIVE, x86_family, 3,
	  SH_WITHIN_FAILS, SCMP_ARCH_X86_64, "getpid", ALLOW, SECCOMP_RET_TRACE | 1 },
	{ "with allowed-only TRACE is left to the tracer", allow_all, trace_getpid, SH_WITHIN_RUNS, x86_family, 3,
	  HOLDS },
};

static sh_within_verdict within_of(const char *a, const char *b, sh_within_order order, const uint32_t *abis,
				   size_t nabis, sh_within_result *r)
{
	compiled ca, cb;
	cr_assert(compile(a, &ca) && compile(b, &cb), "compile");
	sh_within_query q = { .a = &ca.prog, .na = 1, .b = &cb.prog, .nb = 1, .abis = abis, .nabis = nabis,
			      .order = order, .max_cex = 1 };
	sh_within_verdict v = sh_within(&q, r);
	for (size_t i = 0; i < r->ncex; i++) {
		sh_within_cex *c = &r->cex[i];
		uint32_t ra = sh_bpf_run(ca.prog.insns, ca.prog.len, &c->call, NULL);
		uint32_t rb = sh_bpf_run(cb.prog.insns, cb.prog.len, &c->call, NULL);
		cr_expect(ra == c->a && rb == c->b && !sh_within_answer(order, ra, rb), "the counterexample runs as said");
	}
	release(&ca);
	release(&cb);
	return v;
}

Test(within, rows)
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(rows); i++) {
		const row *w = &rows[i];
		sh_within_result r;
		sh_within_verdict v = within_of(w->a, w->b, w->order, w->abis, w->nabis, &r);
		cr_expect_eq(v, w->want, "%s: verdict %d", w->what, v);
		if (v == SH_WITHIN_FAILS && w->want == SH_WITHIN_FAILS) {
			cleanup_free char *name = seccomp_syscall_resolve_num_arch(r.cex[0].abi, r.cex[0].call.nr);
			cr_expect(r.cex[0].abi == w->abi && name && strcmp(name, w->syscall) == 0 && r.cex[0].a == w->ret_a &&
					  r.cex[0].b == w->ret_b,
				  "%s: %s %s %#x %#x", w->what, sh_arch_scmp_name(r.cex[0].abi), name ? name : "?", r.cex[0].a,
				  r.cex[0].b);
		}
		sh_within_result_free(&r);
	}
}

/* The counterexamples name the boundary: 10 for "at most 10" against "below 10", and on x86_64 a
 * value whose low half is 1 but not the whole. */
Test(within, counterexamples_are_the_boundary_values)
{
	sh_within_result r;
	within_of(pers_le10, pers_lt10, SH_WITHIN_RESTRICTIVE, x86_family, 3, &r);
	cr_assert_eq(r.ncex, 1);
	cr_expect_eq(r.cex[0].call.args[0], 10);
	sh_within_result_free(&r);
	within_of(pers_hi, pers_one, SH_WITHIN_RESTRICTIVE, x86_family, 1, &r);
	cr_assert_eq(r.ncex, 1);
	cr_expect_eq(r.cex[0].call.args[0], UINT64_C(0x100000001));
	sh_within_result_free(&r);
	within_of(pers_masked32, pers_8_15, SH_WITHIN_RESTRICTIVE, x86_family, 1, &r);
	cr_assert_eq(r.ncex, 1);
	cr_expect_eq(r.cex[0].call.args[0], UINT64_C(0x100000008));
	sh_within_result_free(&r);
}

/* Stacks: the kernel answers the most restrictive of its filters, the newest among equals. */
Test(within, stacks_answer_as_the_kernel_combines_them)
{
	static const char deny_dup3[] = PROFILE("SCMP_ACT_ALLOW", RULE("\"dup3\"", "SCMP_ACT_ERRNO", ""));
	static const char deny_both[] =
		PROFILE("SCMP_ACT_ALLOW", RULE("\"getpid\"", "SCMP_ACT_ERRNO", "") "," RULE("\"dup3\"", "SCMP_ACT_ERRNO", ""));
	static const char deny_getpid_13[] =
		PROFILE("SCMP_ACT_ALLOW", "{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13}");
	compiled g, d, both, g13;
	cr_assert(compile(deny_getpid, &g) && compile(deny_dup3, &d) && compile(deny_both, &both) &&
		  compile(deny_getpid_13, &g13));
	sh_bpf stack[2] = { g.prog, d.prog };
	sh_within_result r;
	sh_within_query q = { .a = stack, .na = 2, .b = &both.prog, .nb = 1, .abis = x86_family, .nabis = 3,
			      .order = SH_WITHIN_SAME };
	cr_expect_eq(sh_within(&q, &r), SH_WITHIN_HOLDS, "two filters, the two denials");
	sh_within_result_free(&r);
	q = (sh_within_query){ .a = &both.prog, .na = 1, .b = stack, .nb = 2, .abis = x86_family, .nabis = 3,
			       .order = SH_WITHIN_SAME };
	cr_expect_eq(sh_within(&q, &r), SH_WITHIN_HOLDS, "and the other way");
	sh_within_result_free(&r);
	/* getpid: ERRNO(1) newest, ERRNO(13) older: the newest filter's errno. */
	sh_bpf errnos[2] = { g.prog, g13.prog };
	q = (sh_within_query){ .a = errnos, .na = 2, .b = &g.prog, .nb = 1, .abis = x86_family, .nabis = 3,
			       .order = SH_WITHIN_SAME };
	cr_expect_eq(sh_within(&q, &r), SH_WITHIN_HOLDS, "the newest among equals");
	sh_within_result_free(&r);
	q.b = &g13.prog;
	cr_expect_eq(sh_within(&q, &r), SH_WITHIN_FAILS, "not the oldest");
	sh_within_result_free(&r);
	release(&g), release(&d), release(&both), release(&g13);
}

/* What the walk cannot follow it does not claim: an answer computed from an argument. */
Test(within, an_answer_the_walk_cannot_follow_is_undecided)
{
	struct sock_filter computed[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 16), /* arg0's low half */
		BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, SECCOMP_RET_ERRNO),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	struct sock_filter errno_0[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO) };
	sh_bpf a = { computed, SH_ARRAY_SIZE(computed) }, b = { errno_0, 1 };
	sh_within_result r;
	sh_within_query q = { .a = &a, .na = 1, .b = &b, .nb = 1, .abis = x86_family, .nabis = 1,
			      .order = SH_WITHIN_SAME };
	cr_expect_eq(sh_within(&q, &r), SH_WITHIN_UNDECIDED);
	cr_expect_eq(r.undecided_abi, SCMP_ARCH_X86_64);
	sh_within_result_free(&r);
}

/* Numbers outside every table: a filter that allows only number 5000 on x86_64 is not within one
 * that denies everything, though no syscall of the tables shows it. */
Test(within, numbers_outside_the_tables_are_walked_too)
{
	struct sock_filter only_5000[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 5000, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1),
	};
	struct sock_filter deny[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1) };
	sh_bpf a = { only_5000, SH_ARRAY_SIZE(only_5000) }, b = { deny, 1 };
	sh_within_result r;
	sh_within_query q = { .a = &a, .na = 1, .b = &b, .nb = 1, .abis = x86_family, .nabis = 3 };
	cr_assert_eq(sh_within(&q, &r), SH_WITHIN_FAILS);
	cr_expect_eq(r.cex[0].call.nr, 5000);
	sh_within_result_free(&r);
}

/* On x86 the kernel zero-extends the arguments: a filter that allows a call only when arg0's upper
 * half is set allows no x86 call at all; on x86_64 it does. */
Test(within, a_32_bit_abi_has_no_upper_halves)
{
	struct sock_filter upper[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 20), /* arg0's upper half */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1),
	};
	struct sock_filter deny[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1) };
	sh_bpf a = { upper, SH_ARRAY_SIZE(upper) }, b = { deny, 1 };
	sh_within_result r;
	sh_within_query q = { .a = &a, .na = 1, .b = &b, .nb = 1, .abis = only_x86, .nabis = 1 };
	cr_expect_eq(sh_within(&q, &r), SH_WITHIN_HOLDS);
	sh_within_result_free(&r);
	q.abis = x86_family;
	cr_assert_eq(sh_within(&q, &r), SH_WITHIN_FAILS);
	cr_expect_eq(r.cex[0].abi, SCMP_ARCH_X86_64);
	cr_expect_eq(r.cex[0].call.args[0], UINT64_C(0x100000000));
	sh_within_result_free(&r);
}

/* ---- random rule sets against brute force ------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static const uint64_t pool[] = { 0,		1,	       2,	       5,		 8,	      15,
				 0xff,		0x7fffffff,    0x80000000,     0xffffffff,	 0x100000000, 0x100000001,
				 0x100000005,	0xffffffff00000000, 0x8000000000000000, UINT64_MAX - 1, UINT64_MAX };
static const char *const names[] = { "personality", "dup3", "fchmod" };
static const char *const actions[] = { "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP",
				       "SCMP_ACT_LOG", "SCMP_ACT_KILL_THREAD" };
static const char *const ops[] = { "NE", "LT", "LE", "EQ", "GE", "GT", "MASKED_EQ" };

/* A value of the pool, now and then moved by up to 2 (so that conditions meet at their edges) or
 * with one bit flipped. */
static uint64_t pool_value(void)
{
	uint64_t v = pool[rnd() % SH_ARRAY_SIZE(pool)];
	switch (rnd() % 6) {
	case 0: return v ^ (UINT64_C(1) << (rnd() % 64));
	case 1:
	case 2: return v + (rnd() % 5) - 2;
	default: return v;
	}
}

/* "{...}" for one argument condition on index 0 or 1; its values also go to the grid. */
static void random_arg(FILE *f, uint64_t *grid, size_t *ng)
{
	unsigned op = (unsigned)(rnd() % SH_ARRAY_SIZE(ops));
	uint64_t v = pool_value(), two = op == 6 ? (rnd() % 2 ? pool_value() & v : pool_value()) : 0;
	fprintf(f, "{\"index\": %u, \"op\": \"SCMP_CMP_%s\", \"value\": %" PRIu64 ", \"valueTwo\": %" PRIu64 "}",
		(unsigned)(rnd() % 2), ops[op], v, two);
	uint64_t near[] = { v - 1, v, v + 1, two, two | ~v, two ^ 1, v & two };
	for (size_t i = 0; i < SH_ARRAY_SIZE(near) && *ng < 96; i++)
		grid[(*ng)++] = near[i];
}

static char *random_profile(uint64_t *grid, size_t *ng)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const char *dflt = actions[rnd() % 3 == 0 ? 0 : 1 + rnd() % (SH_ARRAY_SIZE(actions) - 1)];
	fprintf(f, "{\"defaultAction\": \"%s\", \"syscalls\": [", dflt);
	for (unsigned r = 0, nr = 1 + (unsigned)(rnd() % 4); r < nr; r++) {
		const char *action = actions[rnd() % SH_ARRAY_SIZE(actions)];
		fprintf(f, "%s{\"names\": [\"%s\"], \"action\": \"%s\", ", r ? ", " : "",
			names[rnd() % SH_ARRAY_SIZE(names)], action);
		if (strcmp(action, "SCMP_ACT_ERRNO") == 0)
			fprintf(f, "\"errnoRet\": %u, ", (unsigned)(1 + rnd() % 3));
		fputs("\"args\": [", f);
		for (unsigned a = 0, na = (unsigned)(rnd() % 4); a < na; a++) {
			fputs(a ? ", " : "", f);
			random_arg(f, grid, ng);
		}
		fputs("]}", f);
	}
	fputs("]}", f);
	fclose(f);
	return buf;
}

static uint32_t stacked(const sh_bpf *v, size_t n, const sh_seccomp_data *d)
{
	uint32_t rets[4];
	for (size_t i = 0; i < n; i++)
		rets[i] = sh_bpf_run(v[i].insns, v[i].len, d, NULL);
	return sh_ret_stacked(rets, n);
}

typedef struct trial {
	const sh_bpf *a, *b;
	size_t na, nb;
	uint64_t grid[100];
	size_t ng;
} trial;

/* Every call of the grid on one number: whether a is not within b for some (the first into *at). */
static bool brute_nr(const trial *t, sh_within_order order, uint32_t abi, int nr, sh_seccomp_data *at)
{
	bool narrow = abi == SCMP_ARCH_X86;
	for (size_t i = 0; i < t->ng; i++)
		for (size_t k = 0; k < t->ng; k++) {
			uint64_t args[6] = { t->grid[i], t->grid[k] };
			if (narrow)
				args[0] &= UINT32_MAX, args[1] &= UINT32_MAX;
			sh_seccomp_data d = sh_call_data(abi, nr, args);
			if (!sh_within_answer(order, stacked(t->a, t->na, &d), stacked(t->b, t->nb, &d))) {
				*at = d;
				return true;
			}
		}
	return false;
}

static bool has_cex(const sh_within_result *r, uint32_t abi, int nr)
{
	for (size_t i = 0; i < r->ncex; i++)
		if (r->cex[i].abi == abi && r->cex[i].call.nr == nr)
			return true;
	return false;
}

static size_t undecided_trials;

static void check_trial(const trial *t, sh_within_order order, const char *what)
{
	sh_within_result r;
	sh_within_query q = { .a = t->a, .na = t->na, .b = t->b, .nb = t->nb, .abis = x86_family, .nabis = 3,
			      .order = order, .max_cex = 4096 };
	sh_within_verdict v = sh_within(&q, &r);
	undecided_trials += v == SH_WITHIN_UNDECIDED;
	for (size_t i = 0; i < r.ncex; i++) {
		const sh_seccomp_data *d = &r.cex[i].call;
		cr_assert(!sh_within_answer(order, stacked(t->a, t->na, d), stacked(t->b, t->nb, d)),
			  "%s: a counterexample that is none", what);
		cr_assert(r.cex[i].abi != SCMP_ARCH_X86 || (d->args[0] >> 32 == 0 && d->args[1] >> 32 == 0),
			  "%s: an x86 call with upper halves", what);
	}
	static const char *const probe[] = { "personality", "dup3", "fchmod", "getpid" };
	for (size_t a = 0; a < 3; a++) {
		for (size_t k = 0; k < SH_ARRAY_SIZE(probe); k++) {
			int nr = seccomp_syscall_resolve_name_arch(x86_family[a], probe[k]);
			sh_seccomp_data at;
			if (brute_nr(t, order, x86_family[a], nr, &at))
				cr_assert(v == SH_WITHIN_UNDECIDED || has_cex(&r, x86_family[a], nr),
					  "%s: %s %s arg0=%#" PRIx64 " arg1=%#" PRIx64 " breaks it, the walk says %d", what,
					  sh_arch_scmp_name(x86_family[a]), probe[k], (uint64_t)at.args[0],
					  (uint64_t)at.args[1], v);
		}
		/* beyond the tables: the ENOSYS stub and the default answer */
		sh_seccomp_data at;
		int beyond = x86_family[a] == SCMP_ARCH_X32 ? 0x40000000 + 1000 : 1000;
		if (brute_nr(t, order, x86_family[a], beyond, &at))
			cr_assert(v != SH_WITHIN_HOLDS, "%s: number %d breaks it, the walk says it holds", what, beyond);
	}
	sh_within_result_free(&r);
}

Test(within, random_rule_sets_agree_with_brute_force, .timeout = 600)
{
	enum { TRIALS = 150 };
	size_t done = 0;
	for (int i = 0; i < TRIALS; i++) {
		trial t = { .na = 1 + (i % 3 == 2), .nb = 1 };
		compiled c[3];
		bool ok = true;
		size_t n = t.na + t.nb;
		for (size_t k = 0; k < n; k++) {
			cleanup_free char *json = random_profile(t.grid, &t.ng);
			ok = compile(json, &c[k]) && ok;
		}
		const uint64_t fixed[] = { 0, 1, UINT64_MAX, 0x100000000 };
		for (size_t k = 0; k < SH_ARRAY_SIZE(fixed); k++)
			t.grid[t.ng++] = fixed[k];
		if (ok) {
			sh_bpf progs[3] = { c[0].prog, c[1].prog, n > 2 ? c[2].prog : (sh_bpf){ 0 } };
			t.a = progs, t.b = progs + t.na;
			char what[64];
			for (int order = SH_WITHIN_RESTRICTIVE; order <= SH_WITHIN_SAME; order++) {
				snprintf(what, sizeof what, "trial %d order %d", i, order);
				check_trial(&t, (sh_within_order)order, what);
			}
			sh_bpf *swap_a = progs + t.na; /* and the other way round */
			t.a = swap_a, t.b = progs;
			size_t na = t.na;
			t.na = t.nb, t.nb = na;
			snprintf(what, sizeof what, "trial %d reversed", i);
			check_trial(&t, SH_WITHIN_RESTRICTIVE, what);
			done++;
		}
		for (size_t k = 0; k < n; k++)
			release(&c[k]);
	}
	cr_expect_gt(done, TRIALS / 2, "only %zu rule sets compiled", done);
	cr_expect_eq(undecided_trials, 0, "%zu trials undecided", undecided_trials);
}

/* The range rewrite of the syscall-number dispatch (hook/lib/compile/bpfopt.c): Docker's tree shrinks to under
 * a quarter; single numbers between stretches that decide alike become one JEQ each; hand-built programs that need every layout case (far returns, far non-returns, regions
 * entered from two places, A changed by ALU, JSET on the number, comparisons at the ends of the
 * 32-bit range) decide as before; and so do thousands of random programs. */
#include "config.h"

#include <criterion/criterion.h>
#include <linux/audit.h>
#include <stdio.h>

#include "bpf.h"
#include "testutil.h"
#include "translate.h"

#define LD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0)
#define LD_ARCH BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4)
#define LD_ARG0 BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 16)
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
#define ALLOW SECCOMP_RET_ALLOW
#define KILL SECCOMP_RET_KILL_PROCESS
#define EPERM (SECCOMP_RET_ERRNO | 1)

static uint32_t decide(const sh_bpf *b, uint32_t arch, uint32_t nr, uint64_t arg0)
{
	sh_seccomp_data d = { .nr = (int)nr, .arch = arch, .args = { arg0 } };
	return sh_bpf_run(b->insns, b->len, &d, NULL);
}

static sh_bpf copy(const struct sock_filter *p, size_t n)
{
	sh_bpf b = { calloc(n, sizeof(*p)), n };
	memcpy(b.insns, p, n * sizeof(*p));
	return b;
}

/* Both decide alike on every number in [0, 300], around each constant the program compares with,
 * and at the ends of the range, for three arches and three first arguments. */
static bool alike(const sh_bpf *a, const sh_bpf *b)
{
	const uint32_t arches[] = { AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, 0 };
	const uint64_t args[] = { 0, 1, 0xffffffff };
	uint32_t nrs[300 + 3 * 512 + 4];
	size_t n = 0;
	for (uint32_t i = 0; i <= 300; i++)
		nrs[n++] = i;
	for (size_t i = 0; i < a->len && n + 3 <= sizeof(nrs) / sizeof(nrs[0]) - 4; i++) {
		nrs[n++] = a->insns[i].k - 1;
		nrs[n++] = a->insns[i].k;
		nrs[n++] = a->insns[i].k + 1;
	}
	nrs[n++] = 0x7fffffff;
	nrs[n++] = 0x80000000;
	nrs[n++] = 0xfffffffe;
	for (size_t x = 0; x < 3; x++)
		for (size_t i = 0; i < n; i++)
			for (size_t g = 0; g < 3; g++)
				if (decide(a, arches[x], nrs[i], args[g]) != decide(b, arches[x], nrs[i], args[g])) {
					cr_log_error("arch %#x nr %#x arg0 %#llx: %#x before, %#x after", arches[x], nrs[i],
						     (unsigned long long)args[g], decide(a, arches[x], nrs[i], args[g]),
						     decide(b, arches[x], nrs[i], args[g]));
					return false;
				}
	return true;
}

/* Optimise a copy; the result must be a valid program deciding as the original. */
static sh_bpf optimised(const struct sock_filter *p, size_t n, bool *replaced)
{
	sh_bpf orig = copy(p, n), b = copy(p, n);
	*replaced = sh_bpf_optimize(&b);
	cr_assert_null(sh_bpf_check_program(b.insns, b.len), "%s", sh_bpf_check_program(b.insns, b.len));
	cr_assert(alike(&orig, &b));
	sh_bpf_free(&orig);
	return b;
}

Test(bpfopt, docker_default_tree_shrinks_to_under_a_quarter)
{
	sh_error *err = NULL;
	sh_profile *p = sh_test_upstream_profile("docker-default.json", &err);
	cr_assert_not_null(p);
	sh_target t = { .native_arch = SCMP_ARCH_X86_64, .caps = 0, .kmajor = 6, .kminor = 1 };
	sh_ruleset *rs = NULL;
	cr_assert_eq(sh_resolve(p, &t, &rs, NULL, &err), 0);
	sh_translate_opts as_built = { .tree_as_built = true };
	sh_bpf tree = { 0 }, ranges = { 0 };
	cr_assert_eq(sh_translate_bpf(rs, &as_built, &tree, NULL, &err), 0);
	cr_assert_eq(sh_translate_bpf(rs, NULL, &ranges, NULL, &err), 0);
	cr_log_info("Docker's default: libseccomp's tree %zu instructions, with ranges %zu", tree.len, ranges.len);
	cr_assert_lt(ranges.len * 4, tree.len);
	/* Optimising again finds nothing left to gain. */
	sh_bpf again = copy(ranges.insns, ranges.len);
	cr_assert_not(sh_bpf_optimize(&again));
	cr_assert_eq(again.len, ranges.len);
	sh_bpf_free(&again);
	sh_bpf_free(&tree);
	sh_bpf_free(&ranges);
	sh_ruleset_free(rs);
	sh_profile_free(p);
}

/* Numbers 5-7 leave through a JA to the instruction `far` places on (past 300 stores and a KILL at
 * 306); the others run the stores. Returns the number of instructions written. */
static size_t far_chain(struct sock_filter *p, uint32_t far)
{
	size_t n = 0;
	p[n++] = (struct sock_filter)LD_NR;
	p[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 5, 3, 0);
	p[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 6, 2, 0);
	p[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 7, 1, 0);
	p[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0); /* not 5-7: on to the stores */
	p[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, far, 0, 0);
	while (n < 306)
		p[n++] = (struct sock_filter)BPF_STMT(BPF_ST, 0);
	p[n++] = (struct sock_filter)RET(KILL);
	return n;
}

/* The far target is a return: the search reaches it through a copy of that return. */
Test(bpfopt, far_return_is_copied)
{
	struct sock_filter p[310];
	size_t n = far_chain(p, 302); /* 5-7: to ALLOW */
	p[n++] = (struct sock_filter)RET(EPERM);
	p[n++] = (struct sock_filter)RET(ALLOW);
	bool replaced;
	sh_bpf b = optimised(p, n, &replaced);
	cr_assert(replaced);
	sh_bpf_free(&b);
}

/* The far target is not a return: reached through an added JA. */
Test(bpfopt, far_non_return_gets_a_jump)
{
	struct sock_filter p[320];
	size_t n = far_chain(p, 301); /* 5-7: to the argument test */
	p[n++] = (struct sock_filter)LD_ARG0;
	p[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1);
	p[n++] = (struct sock_filter)RET(ALLOW);
	p[n++] = (struct sock_filter)RET(EPERM);
	bool replaced;
	sh_bpf b = optimised(p, n, &replaced);
	cr_assert(replaced);
	bool has_far_ja = false;
	for (size_t i = 0; i < b.len; i++)
		has_far_ja |= b.insns[i].code == (BPF_JMP | BPF_JA) && b.insns[i].k > 255;
	cr_assert(has_far_ja, "the argument test is reached through a JA");
	sh_bpf_free(&b);
}

/* ALLOW for 0-99 but 10, 20, 30 and 40, as a chain of JEQ: the search has a block for 0-29 (JEQ 10
 * and 20: at most two single numbers a block), one for 30, one for 31-99 (JEQ 40), one for the rest;
 * three JGE and three JEQ where a search over the nine stretches needs eight JGE. */
Test(bpfopt, single_numbers_inside_a_stretch_become_jeq)
{
	const struct sock_filter p[] = {
		LD_NR,
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 8, 0), /* tests that change nothing */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 2, 7, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 3, 6, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 10, 6, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 20, 5, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 30, 4, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 40, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 100, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JA, 0, 0, 0),
		RET(ALLOW),
		RET(EPERM),
	};
	bool replaced;
	sh_bpf b = optimised(p, sizeof p / sizeof p[0], &replaced);
	cr_assert(replaced);
	size_t jge = 0, jeq = 0;
	for (size_t i = 0; i < b.len; i++) {
		jge += b.insns[i].code == (BPF_JMP | BPF_JGE | BPF_K);
		jeq += b.insns[i].code == (BPF_JMP | BPF_JEQ | BPF_K);
	}
	cr_assert_eq(jge, 3);
	cr_assert_eq(jeq, 3);
	cr_assert_eq(b.len, 9, "ld, 3 JGE, 3 JEQ, 2 returns: got %zu", b.len);
	for (uint32_t nr = 0; nr < 200; nr++) {
		bool denied = nr == 10 || nr == 20 || nr == 30 || nr == 40 || nr >= 100;
		cr_assert_eq(decide(&b, AUDIT_ARCH_X86_64, nr, 0), denied ? (uint32_t)EPERM : (uint32_t)ALLOW, "nr %u", nr);
	}
	sh_bpf_free(&b);
}

/* An argument test that falls back into the number tree after loading nr again, so a region is
 * entered from two places; constants at both ends of the 32-bit range. */
Test(bpfopt, region_entered_twice_and_range_ends)
{
	const struct sock_filter p[] = {
		LD_ARCH,
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		RET(KILL),
		LD_NR,
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, UINT32_MAX, 0, 1), /* never true */
		RET(KILL),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0, 0, 1), /* always true */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 10, 5, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 8, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, UINT32_MAX, 7, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 11, 6, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 12, 5, 0),
		RET(EPERM),
		/* nr 10: an argument test, then nr loaded again on its way to ALLOW */
		LD_ARG0,
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 2, 0),
		LD_NR,
		BPF_JUMP(BPF_JMP | BPF_JA, 0, 0, 0),
		BPF_JUMP(BPF_JMP | BPF_JA, 0, 0, 0),
		RET(ALLOW),
	};
	bool replaced;
	sh_bpf b = optimised(p, sizeof p / sizeof p[0], &replaced);
	cr_assert(replaced, "the never-true JGT, the always-true JGE and the chain become one search");
	sh_bpf_free(&b);
	/* The same with the second nr load jumping back to the chain's middle is not possible (jumps
	 * only go forward); a re-entry lands later in the tree: */
	const struct sock_filter q[] = {
		LD_NR,
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 10, 0, 3),
		LD_ARG0,
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 10, 0), /* nr 10, arg0 1: ALLOW */
		LD_NR,
		/* entered from the load above and from nr != 10 */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 11, 8, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 12, 7, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 13, 6, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 14, 5, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 15, 4, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 16, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 17, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 18, 1, 0),
		RET(EPERM),
		RET(ALLOW),
	};
	b = optimised(q, sizeof q / sizeof q[0], &replaced);
	cr_assert(replaced, "11-18 become one range");
	sh_bpf_free(&b);
}

/* Comparisons after A was changed (ALU, TXA) or by JSET are not number dispatch: kept. */
Test(bpfopt, changed_accumulator_and_jset_are_kept)
{
	const struct sock_filter p[] = {
		LD_NR,
		BPF_STMT(BPF_MISC | BPF_TAX, 0),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x40000000, 8, 0),
		BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 1),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 3, 5, 0), /* nr 2 */
		BPF_STMT(BPF_MISC | BPF_TXA, 0),
		BPF_JUMP(BPF_JEQ | BPF_JMP | BPF_K, 7, 3, 0),
		BPF_JUMP(BPF_JEQ | BPF_JMP | BPF_K, 8, 2, 0),
		BPF_JUMP(BPF_JEQ | BPF_JMP | BPF_K, 9, 1, 0),
		RET(EPERM),
		BPF_STMT(BPF_RET | BPF_A, 0), /* returns the number itself */
		RET(KILL),
	};
	bool replaced;
	sh_bpf b = optimised(p, sizeof p / sizeof p[0], &replaced);
	cr_assert_not(replaced);
	cr_assert_eq(b.len, sizeof p / sizeof p[0]);
	cr_assert_arr_eq(b.insns, p, sizeof p);
	sh_bpf_free(&b);
}

/* Random forward-only programs mixing number, arch and argument loads, comparisons on constants
 * near each other, JSET, ALU, TAX/TXA, scratch stores and returns. */
static uint64_t rng = 0x2545f4914f6cdd1dull;
static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static struct sock_filter random_insn(size_t i, size_t n)
{
	static const uint32_t ks[] = { 0, 1, 2, 3, 5, 8, 9, 10, 11, 40, 41, 0x40000000, 0x7fffffff, UINT32_MAX };
	static const uint32_t rets[] = { ALLOW, KILL, EPERM, SECCOMP_RET_LOG };
	size_t left = n - i - 2; /* jump targets stay before the last instruction */
	uint8_t jt = (uint8_t)rnd((uint32_t)(left < 8 ? left + 1 : 8)), jf = (uint8_t)rnd((uint32_t)(left < 8 ? left + 1 : 8));
	uint32_t k = ks[rnd(sizeof ks / sizeof ks[0])];
	switch (rnd(20)) {
	case 0: case 1: case 2: return (struct sock_filter)LD_NR;
	case 3: return (struct sock_filter)LD_ARCH;
	case 4: return (struct sock_filter)LD_ARG0;
	case 5: case 6: case 7: case 8: return (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, jt, jf);
	case 9: case 10: return (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, k, jt, jf);
	case 11: case 12: return (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, k, jt, jf);
	case 13: return (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, k, jt, jf);
	case 14: return (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, rnd((uint32_t)left + 1), 0, 0);
	case 15: return (struct sock_filter)BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 1);
	case 16: return (struct sock_filter)BPF_STMT(BPF_MISC | (rnd(2) ? BPF_TAX : BPF_TXA), 0);
	case 17: return (struct sock_filter)BPF_STMT(BPF_ST, 0);
	default: return (struct sock_filter)RET(rets[rnd(4)]);
	}
}

Test(bpfopt, random_programs_decide_alike)
{
	size_t replaced_count = 0, total = 3000;
	for (size_t t = 0; t < total; t++) {
		struct sock_filter p[120];
		size_t n = 8 + rnd(110);
		for (size_t i = 0; i + 1 < n; i++)
			p[i] = random_insn(i, n);
		p[n - 1] = (struct sock_filter)RET(rnd(2) ? ALLOW : EPERM);
		if (sh_bpf_check_program(p, n))
			continue;
		bool replaced;
		sh_bpf b = optimised(p, n, &replaced);
		replaced_count += replaced;
		sh_bpf_free(&b);
	}
	cr_log_info("%zu of %zu random programs rewritten", replaced_count, total);
	cr_assert_gt(replaced_count, total / 10, "the test must exercise rewrites, not only refusals");
}

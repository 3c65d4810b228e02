/* The decision engine (hook/lib/compile/explain.c), in the style of libseccomp's tests/NN-*.tests: rows of
 * (arch, syscall, arguments) -> the program's answer and the rule named for it, on profiles with
 * overlapping conditional rules and on every little-endian architecture libseccomp knows (a filter
 * holds one byte order, and this host's is little). Then every number of every such arch's tables
 * (names.c's ranges: x32's bit, MIPS's bases, ARM's private calls) is asked, and the ranges are
 * checked to hold every number libseccomp's own header names. */
#include "config.h"

#include <criterion/criterion.h>
#include <ctype.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>

#include "explain.h"
#include "names.h"
#include "testutil.h"
#include "util.h"

/* x86_64 with x86 and x32: Docker's current socket rules (every family but AF_ALG and AF_VSOCK)
 * with a rule denying AF_NETLINK appended; overlapping kill rules; a 64-bit value; a repeated index. */
static const char family_profile[] =
	"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\","
	" \"subArchitectures\": [\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"]}], \"syscalls\": ["
	"{\"names\": [\"read\", \"write\", \"getppid\", \"exit_group\", \"socketcall\"], \"action\": \"SCMP_ACT_ALLOW\"},"
	"{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 38, \"op\": \"SCMP_CMP_LT\"}]},"
	"{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 39, \"op\": \"SCMP_CMP_EQ\"}]},"
	"{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 40, \"op\": \"SCMP_CMP_GT\"}]},"
	"{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13, \"args\": [{\"index\": 0, \"value\": 16, \"op\": \"SCMP_CMP_EQ\"}]},"
	"{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 6, \"args\": [{\"index\": 0, \"value\": 9, \"op\": \"SCMP_CMP_GE\"}]},"
	"{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 1, \"value\": 15, \"op\": \"SCMP_CMP_EQ\"}]},"
	"{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 4294967304, \"op\": \"SCMP_CMP_EQ\"}]},"
	"{\"names\": [\"dup\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 3, \"op\": \"SCMP_CMP_LT\"},"
	" {\"index\": 0, \"value\": 100, \"op\": \"SCMP_CMP_GT\"}]},"
	"{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_TRAP\"}]}";

/* Every little-endian arch libseccomp 2.5 filters, with calls from the far ends of their tables. */
static const char little_profile[] =
	"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\","
	" \"SCMP_ARCH_X32\", \"SCMP_ARCH_ARM\", \"SCMP_ARCH_AARCH64\", \"SCMP_ARCH_MIPSEL\", \"SCMP_ARCH_MIPSEL64\","
	" \"SCMP_ARCH_MIPSEL64N32\", \"SCMP_ARCH_PPC64LE\", \"SCMP_ARCH_RISCV64\"], \"syscalls\": ["
	"{\"names\": [\"read\", \"write\", \"getppid\", \"cacheflush\", \"exit_group\"], \"action\": \"SCMP_ACT_ALLOW\"},"
	"{\"names\": [\"set_tls\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 22},"
	"{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_TRAP\"},"
	"{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 1, \"value\": 15, \"op\": \"SCMP_CMP_EQ\"}]}]}";

#define ALLOW SECCOMP_RET_ALLOW
#define ERRNO(e) (SECCOMP_RET_ERRNO | (e))
#define NONE (-1)

typedef struct row {
	const char *arch;  /* any spelling */
	const char *call;  /* a name, or a number */
	uint64_t args[6];
	uint32_t ret;      /* the program's answer */
	sh_decided_by by;
	int rule;          /* SH_BY_RULE: the index in syscalls[] */
} row;

static const row family_rows[] = {
	/* The appended rule wins over the allowing one for AF_NETLINK, on every ABI of the family. */
	{ "x86_64", "socket", { 16 }, ERRNO(13), SH_BY_RULE, 4 },
	{ "x32", "socket", { 16 }, ERRNO(13), SH_BY_RULE, 4 },
	{ "x86_64", "socket", { 1 }, ALLOW, SH_BY_RULE, 1 },
	{ "x86_64", "socket", { 39 }, ALLOW, SH_BY_RULE, 2 },
	{ "x86_64", "socket", { 41 }, ALLOW, SH_BY_RULE, 3 },
	{ "x86_64", "socket", { 38 }, ERRNO(1), SH_BY_DEFAULT, NONE },
	{ "x86_64", "socket", { 40 }, ERRNO(1), SH_BY_DEFAULT, NONE },
	/* On x86 the direct socket call is above every number the profile names there (socket is the
	 * socketcall multiplexer's): the ENOSYS stub answers, as runc's does; glibc then uses socketcall. */
	{ "x86", "359", { 16 }, ERRNO(38), SH_BY_ENOSYS, NONE },
	{ "x86", "socketcall", { 1 }, ALLOW, SH_BY_RULE, 0 },
	/* Both kill rules hold for kill(9, SIGTERM): the more restrictive wins (docs/verification.md). */
	{ "x86_64", "kill", { 9, 15 }, ERRNO(6), SH_BY_RULE, 5 },
	{ "x86_64", "kill", { 9, 0 }, ERRNO(6), SH_BY_RULE, 5 },
	{ "x86_64", "kill", { 1, 15 }, ALLOW, SH_BY_RULE, 6 },
	{ "x86_64", "kill", { 1, 0 }, ERRNO(1), SH_BY_DEFAULT, NONE },
	/* A 32-bit ABI compares the low half of a 64-bit value only. */
	{ "x86", "personality", { 0x100000008 }, ALLOW, SH_BY_RULE, 7 },
	{ "x86", "personality", { 8 }, ALLOW, SH_BY_RULE, 7 },
	{ "x86_64", "personality", { 0x100000008 }, ALLOW, SH_BY_RULE, 7 },
	{ "x86_64", "personality", { 8 }, ERRNO(1), SH_BY_DEFAULT, NONE },
	/* A repeated index: either condition. */
	{ "x86_64", "dup", { 1 }, ALLOW, SH_BY_RULE, 8 },
	{ "x86_64", "dup", { 50 }, ERRNO(1), SH_BY_DEFAULT, NONE },
	{ "x86_64", "dup", { 200 }, ALLOW, SH_BY_RULE, 8 },
	{ "x86_64", "getpid", { 0 }, SECCOMP_RET_TRAP, SH_BY_RULE, 9 },
	{ "x32", "getppid", { 0 }, ALLOW, SH_BY_RULE, 0 },
	{ "x86_64", "1023", { 0 }, ERRNO(38), SH_BY_ENOSYS, NONE },
	{ "aarch64", "getppid", { 0 }, SECCOMP_RET_KILL_THREAD, SH_BY_BAD_ARCH, NONE },
};

static const row little_rows[] = {
	{ "x86_64", "getppid", { 0 }, ALLOW, SH_BY_RULE, 0 },
	{ "x86", "getppid", { 0 }, ALLOW, SH_BY_RULE, 0 },
	{ "x32", "getppid", { 0 }, ALLOW, SH_BY_RULE, 0 },
	{ "aarch64", "getppid", { 0 }, ALLOW, SH_BY_RULE, 0 },
	{ "ppc64le", "getppid", { 0 }, ALLOW, SH_BY_RULE, 0 },
	{ "riscv64", "getppid", { 0 }, ALLOW, SH_BY_RULE, 0 },
	/* MIPS: O32 from 4000, N64 from 5000, N32 from 6000. */
	{ "mipsel", "4064", { 0 }, ALLOW, SH_BY_RULE, 0 },
	{ "mipsel64", "5108", { 0 }, ALLOW, SH_BY_RULE, 0 },
	{ "mipsel64n32", "6108", { 0 }, ALLOW, SH_BY_RULE, 0 },
	{ "mipsel", "cacheflush", { 0 }, ALLOW, SH_BY_RULE, 0 },
	/* libseccomp names 64 on MIPS as if it were 4064; the program compares the real number. */
	{ "mipsel", "64", { 0 }, ERRNO(1), SH_BY_DEFAULT, NONE },
	/* ARM's private calls, from 0x0f0000. */
	{ "arm", "0x0f0002", { 0 }, ALLOW, SH_BY_RULE, 0 },
	{ "arm", "set_tls", { 0 }, ERRNO(22), SH_BY_RULE, 1 },
	{ "arm", "0x0f0007", { 0 }, ERRNO(38), SH_BY_ENOSYS, NONE },
	{ "arm", "getpid", { 0 }, SECCOMP_RET_TRAP, SH_BY_RULE, 2 },
	{ "mipsel64n32", "kill", { 1, 15 }, ALLOW, SH_BY_RULE, 3 },
	{ "mipsel64n32", "kill", { 1, 16 }, ERRNO(1), SH_BY_DEFAULT, NONE },
	{ "mips", "getppid", { 0 }, SECCOMP_RET_KILL_THREAD, SH_BY_BAD_ARCH, NONE },
};

typedef struct loaded {
	sh_profile *p;
	sh_ruleset *rs;
	sh_engine e;
} loaded;

static loaded load(const char *json)
{
	loaded l = { 0 };
	cleanup_error sh_error *err = NULL;
	l.p = sh_test_profile(json, NULL, &err);
	cr_assert_not_null(l.p, "%s", err ? err->msg : "");
	sh_target t = { .native_arch = SCMP_ARCH_X86_64, .kmajor = 6, .kminor = 1 };
	cr_assert_eq(sh_resolve(l.p, &t, &l.rs, NULL, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(sh_engine_init(&l.e, l.rs, &err), 0, "%s", err ? err->msg : "");
	return l;
}

static void unload(loaded *l)
{
	sh_engine_fini(&l->e);
	sh_ruleset_free(l->rs);
	sh_profile_free(l->p);
}

static int call_number(uint32_t arch, const char *call)
{
	char *end;
	long n = strtol(call, &end, 0);
	return *end ? seccomp_syscall_resolve_name_arch(arch, call) : (int)n;
}

static void run_rows(const char *json, const row *rows, size_t n)
{
	loaded l = load(json);
	for (size_t i = 0; i < n; i++) {
		const row *r = &rows[i];
		uint32_t arch = sh_arch_from_name(r->arch);
		int nr = call_number(arch, r->call);
		cr_assert_neq(arch, 0, "row %zu", i);
		sh_seccomp_data d = sh_call_data(arch, nr, r->args);
		sh_decision got = sh_engine_decide(&l.e, &d);
		cr_assert_eq(got.ret, r->ret, "row %zu: %s %s: %#x, want %#x", i, r->arch, r->call, got.ret, r->ret);
		cr_assert_eq(got.by, r->by, "row %zu: %s %s: decided by %s", i, r->arch, r->call, sh_decided_by_name(got.by));
		if (r->by == SH_BY_RULE)
			cr_assert_eq(got.rule->origin->index, (size_t)r->rule, "row %zu: %s %s: rule %zu", i, r->arch, r->call,
				     got.rule->origin->index);
		/* The answer is the installed program's, whatever named it. */
		cr_assert_eq(sh_bpf_run(l.e.prog.insns, l.e.prog.len, &d, NULL), got.ret, "row %zu", i);
	}
	unload(&l);
}

Test(engine, overlapping_rules_x86_family)
{
	run_rows(family_profile, family_rows, SH_ARRAY_SIZE(family_rows));
}

Test(engine, every_little_endian_arch)
{
	run_rows(little_profile, little_rows, SH_ARRAY_SIZE(little_rows));
}

/* An answer no holding rule carries (the program changed under its rules) is said so, never named
 * after a rule or the default. */
Test(engine, a_program_unlike_its_rules_is_named_as_such)
{
	loaded l = load(family_profile);
	size_t patched = 0;
	for (size_t i = 0; i < l.e.prog.len; i++)
		if (l.e.prog.insns[i].code == (BPF_RET | BPF_K) && l.e.prog.insns[i].k == ERRNO(13)) {
			l.e.prog.insns[i].k = ERRNO(99);
			patched++;
		}
	cr_assert_gt(patched, 0);
	uint64_t netlink[6] = { 16 };
	sh_seccomp_data d = sh_call_data(SCMP_ARCH_X86_64, 41, netlink);
	sh_decision got = sh_engine_decide(&l.e, &d);
	cr_assert_eq(got.ret, ERRNO(99));
	cr_assert_eq(got.by, SH_BY_NO_RULE);
	cr_assert_null(got.rule);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	sh_decision_put_reason(f, l.p, SCMP_ARCH_X86_64, &got, false);
	fclose(f);
	cr_assert(strstr(text, "no rule"), "%s", text);
	free(text);
	cr_assert_str_eq(sh_decided_by_name(got.by), "no-rule");
	unload(&l);
}

/* Naming alone: the default is named only when no rule holds. */
Test(engine, the_default_is_named_only_when_no_rule_holds)
{
	loaded l = load(family_profile);
	sh_call_rules c;
	sh_call_rules_build(l.rs, SCMP_ARCH_X86_64, 62 /* kill */, &c);
	cr_assert_eq(c.n, 2);
	uint64_t holds[6] = { 9, 15 }, none[6] = { 1, 0 };
	cr_assert_eq(sh_decision_named(&c, holds, ERRNO(1)).by, SH_BY_NO_RULE);
	cr_assert_eq(sh_decision_named(&c, none, ERRNO(1)).by, SH_BY_DEFAULT);
	cr_assert_eq(sh_decision_named(&c, none, ALLOW).by, SH_BY_NO_RULE);
	sh_decision d = sh_decision_named(&c, holds, ERRNO(6));
	cr_assert_eq(d.by, SH_BY_RULE);
	cr_assert_eq(d.rule->origin->index, 5);
	sh_call_rules_free(&c);
	unload(&l);
}

/* Which calls the supervisor may answer from what it kept: the program's path reads no argument. */
Test(engine, an_answer_reads_the_arguments_only_where_rules_test_them)
{
	loaded l = load(family_profile);
	const struct {
		int nr;
		bool by_args;
	} calls[] = { { 0 /* read */, false }, { 41 /* socket */, true }, { 62 /* kill */, true }, { 39 /* getpid */, false },
		      { 165 /* mount: the default */, false }, { 1023, false } };
	for (size_t i = 0; i < SH_ARRAY_SIZE(calls); i++) {
		sh_seccomp_data d = sh_call_data(SCMP_ARCH_X86_64, calls[i].nr, NULL);
		cr_assert_eq(sh_engine_run(&l.e, &d).by_args, calls[i].by_args, "nr %d", calls[i].nr);
	}
	cr_assert(sh_engine_allows_whole(&l.e, "read"));
	cr_assert_not(sh_engine_allows_whole(&l.e, "socket"));
	cr_assert_not(sh_engine_allows_whole(&l.e, "getpid"));
	cr_assert_not(sh_engine_allows_whole(&l.e, "mount"));
	cr_assert(sh_engine_allows_whole(NULL, "mount"));
	unload(&l);
}

/* Argument vectors: testutil's (each condition's boundary values on its own index), then every two of
 * them together (where rules on different indexes overlap: kill(9, SIGTERM)). */
static size_t probes(const sh_profile *p, uint64_t (*out)[6], size_t max)
{
	size_t n = sh_test_arg_probes(p, out, max);
	for (size_t i = 1, end = n; i < end && n < max; i++)
		for (size_t j = i + 1; j < end && n < max; j++) {
			memcpy(out[n], out[i], sizeof(out[n]));
			for (int k = 0; k < 6; k++)
				out[n][k] |= out[j][k];
			n++;
		}
	return n;
}

/* Every number of every arch's tables, at every probe: the engine's answer is the program's and is
 * named (a rule that holds and carries it, or the fallback when none holds). */
static void every_number(const char *json, size_t min_named_per_arch)
{
	loaded l = load(json);
	static uint64_t args[2048][6];
	size_t nargs = probes(l.p, args, SH_ARRAY_SIZE(args));
	for (size_t a = 0; a < l.rs->narches; a++) {
		uint32_t arch = l.rs->arches[a];
		size_t named = 0;
		for (size_t i = 0; i < sh_arch_nr_count(arch); i++) {
			int nr = sh_arch_nr_at(arch, i);
			cleanup_free char *name = seccomp_syscall_resolve_num_arch(arch, nr);
			for (size_t k = 0; k < (name ? nargs : 1); k++) {
				sh_seccomp_data d = sh_call_data(arch, nr, args[k]);
				sh_decision got = sh_engine_decide(&l.e, &d);
				cr_assert_eq(got.ret, sh_bpf_run(l.e.prog.insns, l.e.prog.len, &d, NULL));
				cr_assert_neq(got.by, SH_BY_NO_RULE, "%s nr %#x args[%zu]: %#x unnamed", sh_arch_scmp_name(arch), nr,
					      k, got.ret);
				named += k == 0 && got.by == SH_BY_RULE;
			}
		}
		cr_assert_geq(named, min_named_per_arch, "%s: %zu named", sh_arch_scmp_name(arch), named);
	}
	unload(&l);
}

Test(engine, every_number_of_every_table_is_named, .timeout = 120)
{
	every_number(family_profile, 4);
	every_number(little_profile, 4);
}

/* ---- the ranges: every number libseccomp has for an arch is in that arch's tables --------------- */

static const uint32_t all_arches[] = {
	SCMP_ARCH_X86,	     SCMP_ARCH_X86_64,	  SCMP_ARCH_X32,       SCMP_ARCH_ARM,	      SCMP_ARCH_AARCH64,
	SCMP_ARCH_MIPS,	     SCMP_ARCH_MIPS64,	  SCMP_ARCH_MIPS64N32, SCMP_ARCH_MIPSEL,      SCMP_ARCH_MIPSEL64,
	SCMP_ARCH_MIPSEL64N32, SCMP_ARCH_PPC,	  SCMP_ARCH_PPC64,     SCMP_ARCH_PPC64LE,     SCMP_ARCH_S390,
	SCMP_ARCH_S390X,     SCMP_ARCH_PARISC,	  SCMP_ARCH_PARISC64,  SCMP_ARCH_RISCV64,
};

/* The names of libseccomp's header: "#define __SNR_name ..." for every syscall it knows. */
static char **header_names(size_t *n)
{
	FILE *f = fopen(SH_SECCOMP_SYSCALLS_H, "r");
	cr_assert_not_null(f, "%s: libseccomp's header (libseccomp-dev)", SH_SECCOMP_SYSCALLS_H);
	char **v = calloc(4096, sizeof(char *)), line[512];
	*n = 0;
	while (fgets(line, sizeof line, f) && *n < 4096) {
		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "#define", 7) != 0)
			continue;
		p += 7;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "__SNR_", 6) != 0)
			continue;
		p += 6;
		size_t len = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_");
		bool seen = false;
		for (size_t i = 0; i < *n && !seen; i++)
			seen = strlen(v[i]) == len && strncmp(v[i], p, len) == 0;
		if (!seen && len)
			v[(*n)++] = strndup(p, len);
	}
	fclose(f);
	return v;
}

Test(ranges, hold_every_number_libseccomp_has)
{
	size_t n;
	char **names = header_names(&n);
	cr_assert_gt(n, 400, "%zu names", n);
	size_t checked = 0;
	for (size_t a = 0; a < SH_ARRAY_SIZE(all_arches); a++)
		for (size_t i = 0; i < n; i++) {
			int nr = seccomp_syscall_resolve_name_arch(all_arches[a], names[i]);
			if (nr < 0)
				continue; /* not on this arch, or a pseudo-number no call carries */
			long slot = sh_arch_nr_slot(all_arches[a], nr);
			cr_assert_geq(slot, 0, "%s: %s is %d, outside its tables", sh_arch_scmp_name(all_arches[a]), names[i], nr);
			cr_assert_eq(sh_arch_nr_at(all_arches[a], (size_t)slot), nr);
			checked++;
		}
	cr_assert_gt(checked, 19 * 250, "%zu checked", checked);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* (arch, number) -> its place in the arch's tables (-1: in none). */
Test(ranges, rows)
{
	static const struct {
		uint32_t arch;
		int nr;
		long slot;
	} rows[] = {
		{ SCMP_ARCH_X86_64, 0, 0 },
		{ SCMP_ARCH_X86_64, 1023, 1023 },
		{ SCMP_ARCH_X86_64, 1024, -1 },
		{ SCMP_ARCH_X86_64, 0x40000000 + 110, -1 }, /* x32's */
		{ SCMP_ARCH_X32, 0x40000000 + 110, 110 },
		{ SCMP_ARCH_X32, 110, -1 },
		{ SCMP_ARCH_MIPSEL, 4064, 64 },
		{ SCMP_ARCH_MIPSEL, 64, -1 },
		{ SCMP_ARCH_MIPS64, 5000, 0 },
		{ SCMP_ARCH_MIPSEL64N32, 6999, 999 },
		{ SCMP_ARCH_MIPSEL64N32, 7000, -1 },
		{ SCMP_ARCH_ARM, 1023, 1023 },
		{ SCMP_ARCH_ARM, 0x0f0002, 1024 + 2 },
		{ SCMP_ARCH_ARM, 0x0f07ff, 1024 + 0x7ff },
		{ SCMP_ARCH_ARM, 0x0f0800, -1 },
		{ SCMP_ARCH_AARCH64, -1, -1 },
	};
	for (size_t i = 0; i < SH_ARRAY_SIZE(rows); i++) {
		cr_assert_eq(sh_arch_nr_slot(rows[i].arch, rows[i].nr), rows[i].slot, "row %zu", i);
		if (rows[i].slot >= 0)
			cr_assert_eq(sh_arch_nr_at(rows[i].arch, (size_t)rows[i].slot), rows[i].nr, "row %zu", i);
	}
	cr_assert_eq(sh_arch_nr_count(SCMP_ARCH_ARM), 1024 + 0x800);
	cr_assert_eq(sh_arch_nr_count(SCMP_ARCH_MIPS), 1000);
	cr_assert_eq(sh_arch_nr_at(SCMP_ARCH_ARM, 1024 + 0x800), -1);
	uint32_t out[4], x86_64[] = { SCMP_ARCH_X86_64, SCMP_ARCH_X86 }, with_x32[] = { SCMP_ARCH_X86_64, SCMP_ARCH_X32 };
	cr_assert_eq(sh_arch_callers(x86_64, 2, out), 3);
	cr_assert_eq(out[2], SCMP_ARCH_X32);
	cr_assert_eq(sh_arch_callers(with_x32, 2, out), 2);
	cr_assert_eq(sh_arch_callers(&x86_64[1], 1, out), 1);
}

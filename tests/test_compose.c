/* Overlays stacked on a profile (compose.c, overlay.c), as tables: the kernel's rule for two stacked
 * filters; which rules overlap; what an overlay may be; for real profiles (Docker's, podman's, the
 * shipped ones) and made-up ones, the answers of the composed program to calls on x86_64, x86 and x32,
 * each the answer the two stacked filters give; compositions one filter cannot hold, refused; a
 * wrong composition, caught by the proof; and random rule sets, the composed program checked against
 * the stack on random calls far from any boundary the proof tries. */
#include "config.h"
#include "compose.h"
#include "overlay.h"
#include "within.h"
#include "names.h"

#include <criterion/criterion.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"
#include "util.h"

#define ALLOW SECCOMP_RET_ALLOW
#define ERRNO(e) (SECCOMP_RET_ERRNO | (e))
#define KILLP SECCOMP_RET_KILL_PROCESS
#define KILLT SECCOMP_RET_KILL_THREAD
#define TRAP SECCOMP_RET_TRAP
#define LOG SECCOMP_RET_LOG
#define TRACE(e) (SECCOMP_RET_TRACE | (e))
#define NOTIFY SECCOMP_RET_USER_NOTIF

/* ---- the kernel's rule --------------------------------------------------------------------------- */

typedef struct stack_row {
	uint32_t newer, older, want;
} stack_row;

static const stack_row stack_rows[] = {
	{ ALLOW, ERRNO(97), ERRNO(97) },  /* an overlay's denial over an allowing profile */
	{ ERRNO(38), ERRNO(1), ERRNO(38) }, /* equal actions: the newer filter's errno (the profile's) */
	{ ERRNO(1), ERRNO(38), ERRNO(1) },
	{ ERRNO(1), KILLP, KILLP },
	{ KILLT, KILLP, KILLP },           /* KILL_PROCESS is the most restrictive (a negative int) */
	{ KILLP, KILLT, KILLP },
	{ TRAP, ERRNO(1), TRAP },
	{ LOG, ALLOW, LOG },
	{ ALLOW, LOG, LOG },
	{ TRACE(5), NOTIFY, NOTIFY },
	{ ERRNO(1), TRACE(1), ERRNO(1) },
};

Test(compose, stack)
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(stack_rows); i++) {
		const stack_row *r = &stack_rows[i];
		cr_expect_eq(sh_bpf_stack(r->newer, r->older), r->want, "newer %#x older %#x", r->newer, r->older);
	}
}

/* ---- profiles -------------------------------------------------------------------------------------- */

#define X86_FAMILY "\"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\", \"subArchitectures\": [\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"]}]"
#define RULE(names, action, rest) "{\"names\": [" names "], \"action\": \"" action "\"" rest "}"
#define ARG(i, v, op) "{\"index\": " #i ", \"value\": " #v ", \"op\": \"SCMP_CMP_" #op "\"}"
#define MASKED(i, m, v) "{\"index\": " #i ", \"value\": " #m ", \"valueTwo\": " #v ", \"op\": \"SCMP_CMP_MASKED_EQ\"}"
#define ARGS(...) ", \"args\": [" __VA_ARGS__ "]"
#define ERRNO_RET(e) ", \"errnoRet\": " #e
#define PROFILE(deflt, ...) "{\"defaultAction\": \"" deflt "\", " X86_FAMILY ", \"syscalls\": [" __VA_ARGS__ "]}"
#define OVERLAY(...) "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [" __VA_ARGS__ "]}"

#define SHIPPED(name) "@" SH_SRCDIR "/profiles/" name
#define UPSTREAM(name) "@@" name

/* A profile from its text, "@FILE", or "@@NAME" (an upstream fixture). */
static sh_profile *profile_of(const char *spec)
{
	cleanup_error sh_error *err = NULL;
	sh_profile *p = NULL;
	if (strncmp(spec, "@@", 2) == 0)
		p = sh_test_upstream_profile(spec + 2, &err);
	else if (spec[0] == '@')
		cr_assert_eq(sh_profile_load(spec + 1, &p, NULL, &err), 0, "%s", err ? err->msg : "");
	else
		p = sh_test_profile(spec, NULL, &err);
	cr_assert_not_null(p, "%s: %s", spec, err ? err->msg : "");
	return p;
}

static sh_target target(void)
{
	return (sh_target){ .native_arch = SCMP_ARCH_X86_64, .caps = SH_DOCKER_DEFAULT_CAPS, .kmajor = 6, .kminor = 18 };
}

/* A base (NULL: none) and overlays, stacked. */
typedef struct stacked {
	sh_profile *base_p, *ov_p[3];
	size_t nov;
	sh_ruleset *base, *ov, *composed;
	sh_engine eb, eo, ec;
	uint32_t family[4];
} stacked;

static int stack_up(stacked *s, const char *base, const char *const *overlays, sh_error **err)
{
	memset(s, 0, sizeof(*s));
	sh_target t = target();
	if (base) {
		s->base_p = profile_of(base);
		cr_assert_eq(sh_resolve(s->base_p, &t, &s->base, NULL, err), 0);
		s->eb.rs = s->base;
		if (sh_translate_bpf(s->base, NULL, &s->eb.prog, NULL, err) < 0)
			return 1; /* libseccomp cannot compile the profile itself */
	}
	for (; overlays[s->nov]; s->nov++) {
		s->ov_p[s->nov] = profile_of(overlays[s->nov]);
		cr_assert_eq(sh_overlay_check(s->ov_p[s->nov], NULL, err), 0, "%s", *err ? (*err)->msg : "");
	}
	size_t nf = sh_arch_family(SCMP_ARCH_X86_64, s->family);
	int r = sh_overlay_merge((const sh_profile *const *)s->ov_p, s->nov, &t, base ? s->base->arches : s->family,
				 base ? s->base->narches : nf, &s->ov, err);
	if (r == 0)
		r = sh_overlay_stack(s->base, s->ov, &s->composed, &s->eo.prog, err);
	s->eo.rs = s->ov;
	s->ec.rs = s->composed;
	if (r == 0)
		cr_assert_eq(sh_translate_bpf(s->composed, NULL, &s->ec.prog, NULL, err), 0, "%s", *err ? (*err)->msg : "");
	return r;
}

static void unstack(stacked *s)
{
	sh_engine_fini(&s->ec);
	sh_bpf_free(&s->eo.prog);
	sh_engine_fini(&s->eb);
	sh_ruleset_free(s->composed);
	sh_ruleset_free(s->ov);
	sh_ruleset_free(s->base);
	for (size_t i = 0; i < s->nov; i++)
		sh_profile_free(s->ov_p[i]);
	sh_profile_free(s->base_p);
}

static uint32_t answer(const sh_engine *e, const sh_seccomp_data *d)
{
	return e->rs ? sh_engine_run(e, d).ret : ALLOW;
}

/* ---- compositions ---------------------------------------------------------------------------------- */

typedef struct call {
	const char *arch, *name; /* name: a syscall name on arch, or a number */
	uint64_t args[6];
	uint32_t want;
} call;

#define CALLS_MAX 12
typedef struct compose_row {
	const char *what;
	const char *base; /* NULL: no profile */
	const char *overlays[3];
	const char *error; /* refused: the message names this */
	call calls[CALLS_MAX];
} compose_row;

#define AF_ALG SHIPPED("overlays/af-alg.json")
#define IO_URING SHIPPED("overlays/io-uring.json")
#define USERNS SHIPPED("overlays/user-namespaces.json")
#define ALG_HIGH 0x100000026
#define SEQPACKET 5

static const compose_row compose_rows[] = {
	{ "Docker's default (socket and socketcall allowed whole) and AF_ALG",
	  UPSTREAM("docker-default.json"), { AF_ALG },
	  NULL,
	  { { "x86_64", "socket", { 38, SEQPACKET }, ERRNO(97) },
	    { "x86_64", "socket", { ALG_HIGH, SEQPACKET }, ERRNO(97) }, /* the kernel reads AF_ALG in it */
	    { "x86_64", "socket", { 38, SEQPACKET | 0x80000 }, ERRNO(97) },
	    { "x86_64", "socket", { 38, 1 }, ALLOW }, /* the kernel refuses that type itself */
	    { "x86_64", "socket", { 2, 1 }, ALLOW },
	    { "x86_64", "socket", { 16, 3 }, ALLOW },
	    { "x32", "socket", { 38, SEQPACKET }, ERRNO(97) },
	    { "x86", "359", { 38, SEQPACKET }, ERRNO(97) }, /* x86's direct socket call */
	    { "x86", "359", { 10, 1 }, ALLOW },
	    /* socketcall(SYS_SOCKET, args): the domain is behind the pointer; the profile's answer. */
	    { "x86", "socketcall", { 1, 0xffd0 }, ALLOW },
	    { "x86", "socketcall", { 1, 0xffd5 }, ALLOW },
	    { "x86_64", "read", { 0 }, ALLOW } } },
	{ "podman's default and AF_ALG", UPSTREAM("podman-default.json"), { AF_ALG }, NULL,
	  { { "x86_64", "socket", { 38, SEQPACKET }, ERRNO(97) },
	    { "x86_64", "socket", { 1, 1 }, ALLOW },
	    { "x86", "359", { 38, SEQPACKET }, ERRNO(97) },
	    { "x86", "socketcall", { 1, 0xffd5 }, ALLOW } } },
	{ "the shipped default: families 0-63 but AF_ALG and AF_VSOCK; AF_ALG was denied already, with its own errno",
	  SHIPPED("default.json"), { AF_ALG }, NULL,
	  { { "x86_64", "socket", { 38, SEQPACKET }, ERRNO(1) },
	    { "x86_64", "socket", { 38, 1 }, ERRNO(1) },
	    { "x86_64", "socket", { 40, 1 }, ERRNO(1) },
	    { "x86_64", "socket", { 39, 1 }, ALLOW },
	    { "x86_64", "socket", { 41, 1 }, ALLOW },
	    { "x86_64", "socket", { ALG_HIGH, SEQPACKET }, ERRNO(1) },
	    { "x86", "359", { 38, SEQPACKET }, ERRNO(1) },
	    { "x86", "359", { 39, SEQPACKET }, ALLOW },
	    { "x86", "socketcall", { 1, 0xffd5 }, ALLOW } } },
	{ "a profile allowing three families: AF_ALG was denied already, with its own errno",
	  SHIPPED("web-server.json"), { AF_ALG }, NULL,
	  { { "x86_64", "socket", { 38, SEQPACKET }, ERRNO(1) },
	    { "x86_64", "socket", { 2, 1 }, ALLOW },
	    { "x86", "socketcall", { 1, 0xffd5 }, ALLOW } } },
	{ "no profile: the overlay alone, libseccomp's x86 form (a pointer no libc passes is denied)",
	  NULL, { AF_ALG }, NULL,
	  { { "x86_64", "socket", { 38, SEQPACKET }, ERRNO(97) },
	    { "x86_64", "socket", { 2, 1 }, ALLOW },
	    { "x86", "socketcall", { 1, 0xffd0 }, ALLOW },
	    { "x86", "socketcall", { 1, 0xffd5 }, ERRNO(97) },
	    { "x86", "359", { 38, SEQPACKET }, ERRNO(97) },
	    { "x86_64", "mount", { 0 }, ALLOW } } },
	{ "allow by default with a deny list: the overlay's denial added",
	  SHIPPED("deny-dangerous.json"), { AF_ALG, IO_URING }, NULL,
	  { { "x86_64", "socket", { 38, SEQPACKET }, ERRNO(97) },
	    /* It denies io_uring itself, with EPERM: between equal actions its errno stands. */
	    { "x86_64", "io_uring_setup", { 1 }, ERRNO(1) },
	    { "x86_64", "io_uring_enter", { 1 }, ERRNO(1) },
	    { "x86_64", "init_module", { 0 }, ERRNO(1) },
	    { "x86_64", "getpid", { 0 }, ALLOW } } },
	{ "Docker's default and user namespaces: its clone rule already excludes them, clone3 keeps ENOSYS",
	  UPSTREAM("docker-default.json"), { USERNS }, NULL,
	  { { "x86_64", "clone", { 0x10000000 | 17 }, ERRNO(1) },
	    { "x86_64", "clone", { 0x3d0f00 }, ALLOW },
	    { "x86_64", "clone3", { 0 }, ERRNO(38) },
	    { "x86_64", "unshare", { 0x10000000 }, ERRNO(1) },
	    { "x86", "clone", { 0x10000000 | 17 }, ERRNO(1) } } },
	{ "a profile allowing unshare and clone3: the overlay narrows them",
	  PROFILE("SCMP_ACT_ERRNO", RULE("\"unshare\", \"clone\", \"clone3\", \"setns\", \"read\"", "SCMP_ACT_ALLOW", "")),
	  { USERNS }, NULL,
	  { { "x86_64", "unshare", { 0x10000000 }, ERRNO(1) },
	    { "x86_64", "unshare", { 0x10020000 }, ERRNO(1) },
	    { "x86_64", "unshare", { 0x20000 }, ALLOW },
	    { "x86_64", "clone", { 0x10000000 | 17 }, ERRNO(1) },
	    { "x86_64", "clone", { 17 }, ALLOW },
	    { "x86_64", "clone3", { 0 }, ERRNO(38) },
	    { "x86_64", "setns", { 3, 0x10000000 }, ERRNO(1) },
	    { "x86_64", "setns", { 3, 0 }, ALLOW },
	    { "x86", "unshare", { 0x10000000 }, ERRNO(1) },
	    { "x32", "unshare", { 0x20000 }, ALLOW } } },
	{ "equal actions: the profile's errno stands (EPERM, not the overlay's ENOSYS)",
	  PROFILE("SCMP_ACT_ERRNO", RULE("\"read\", \"faccessat2\"", "SCMP_ACT_ALLOW", "")), { IO_URING }, NULL,
	  { { "x86_64", "io_uring_setup", { 1 }, ERRNO(1) }, { "x86_64", "read", { 0 }, ALLOW } } },
	{ "a more restrictive overlay action wins over the profile's errno",
	  PROFILE("SCMP_ACT_ERRNO", RULE("\"read\", \"faccessat2\"", "SCMP_ACT_ALLOW", "")),
	  { OVERLAY(RULE("\"io_uring_setup\"", "SCMP_ACT_KILL_PROCESS", "")) }, NULL,
	  { { "x86_64", "io_uring_setup", { 1 }, KILLP }, { "x86_64", "read", { 0 }, ALLOW } } },
	{ "a kill in the profile stays where the overlay only returns an errno",
	  PROFILE("SCMP_ACT_ALLOW", RULE("\"kill\"", "SCMP_ACT_KILL_PROCESS", ARGS(ARG(1, 9, EQ)))),
	  { OVERLAY(RULE("\"kill\"", "SCMP_ACT_ERRNO", ERRNO_RET(13) ARGS(ARG(0, 1, EQ)))) }, NULL,
	  { { "x86_64", "kill", { 1, 9 }, KILLP },
	    { "x86_64", "kill", { 1, 15 }, ERRNO(13) },
	    { "x86_64", "kill", { 2, 9 }, KILLP },
	    { "x86_64", "kill", { 2, 15 }, ALLOW },
	    { "x86", "kill", { 1, 15 }, ERRNO(13) } } },
	{ "conditions on one argument combined: a range less a masked value",
	  PROFILE("SCMP_ACT_ERRNO", RULE("\"personality\"", "SCMP_ACT_ALLOW", ARGS(ARG(0, 16, LT)))),
	  { OVERLAY(RULE("\"personality\"", "SCMP_ACT_ERRNO", ERRNO_RET(22) ARGS(MASKED(0, 12, 4)))) }, NULL,
	  { { "x86_64", "personality", { 0 }, ALLOW },
	    { "x86_64", "personality", { 4 }, ERRNO(22) },
	    { "x86_64", "personality", { 7 }, ERRNO(22) },
	    { "x86_64", "personality", { 8 }, ALLOW },
	    { "x86_64", "personality", { 15 }, ALLOW },
	    { "x86_64", "personality", { 20 }, ERRNO(1) },
	    { "x86", "personality", { 5 }, ERRNO(22) },
	    { "x86", "personality", { 9 }, ALLOW } } },
	{ "two overlays together", UPSTREAM("docker-default.json"), { AF_ALG, IO_URING, USERNS }, NULL,
	  { { "x86_64", "socket", { 38, SEQPACKET }, ERRNO(97) },
	    { "x86_64", "io_uring_setup", { 1 }, ERRNO(38) },
	    { "x86_64", "unshare", { 0x10000000 }, ERRNO(1) },
	    { "x86_64", "socket", { 10, 2 }, ALLOW } } },
	{ "refused: a profile comparing the domain as a 64-bit number (NE) cannot hold the low-half AF_ALG rule in one filter "
	  "on a 64-bit and a 32-bit ABI at once",
	  PROFILE("SCMP_ACT_ERRNO", RULE("\"socket\"", "SCMP_ACT_ALLOW", ARGS(ARG(0, 40, NE)))), { AF_ALG },
	  "cannot be written into the profile's one filter", { { 0 } } },
	{ "refused: an overlay rule for a call the profile answers with its ENOSYS stub on some arch, more restrictively",
	  PROFILE("SCMP_ACT_ERRNO", RULE("\"read\"", "SCMP_ACT_ALLOW", "")),
	  { OVERLAY(RULE("\"io_uring_setup\"", "SCMP_ACT_KILL_PROCESS", "")) }, "ENOSYS before any rule", { { 0 } } },
};

static sh_seccomp_data data_of(const call *c)
{
	uint32_t arch = sh_arch_from_name(c->arch);
	char *end;
	long nr = strtol(c->name, &end, 0);
	if (*end)
		nr = seccomp_syscall_resolve_name_arch(arch, c->name);
	cr_assert_geq(nr, 0, "%s on %s", c->name, c->arch);
	return sh_call_data(arch, (int)nr, c->args);
}

/* Each call: the composed program's answer is the one wanted, and so is the stack's (the base's
 * program over the overlay's, as the loader installs them). */
static void check_compose_row(const compose_row *r)
{
	stacked s;
	cleanup_error sh_error *err = NULL;
	int st = stack_up(&s, r->base, r->overlays, &err);
	cr_assert_neq(st, 1, "%s: %s", r->what, err ? err->msg : "");
	if (r->error) {
		cr_assert_lt(st, 0, "%s: composed", r->what);
		cr_assert(strstr(err->msg, r->error), "%s: %s", r->what, err->msg);
		unstack(&s);
		return;
	}
	cr_assert_eq(st, 0, "%s: %s", r->what, err ? err->msg : "");
	/* The joint walk (within.h) over every call: the one filter gives the stack's very answer. */
	sh_bpf progs[2] = { s.eb.prog, s.eo.prog };
	uint32_t abis[2 * SH_MAX_ARCHES + 1];
	sh_within_query q = { .a = &s.ec.prog, .na = 1, .b = r->base ? progs : progs + 1, .nb = r->base ? 2 : 1,
			      .abis = abis, .nabis = sh_rulesets_abis(s.composed, s.composed, abis), .order = SH_WITHIN_SAME };
	sh_within_result res;
	sh_within_verdict v = sh_within(&q, &res);
	cr_expect_eq(v, SH_WITHIN_HOLDS, "%s: the joint walk says %d (%zu counterexamples)", r->what, v, res.ncex);
	sh_within_result_free(&res);
	for (size_t i = 0; i < CALLS_MAX && r->calls[i].arch; i++) {
		const call *c = &r->calls[i];
		sh_seccomp_data d = data_of(c);
		uint32_t stack = sh_bpf_stack(answer(&s.eb, &d), answer(&s.eo, &d));
		cr_expect_eq(stack, c->want, "%s: %s %s(%#lx, %#lx): the stack answers %#x, not %#x", r->what, c->arch, c->name,
			     (unsigned long)c->args[0], (unsigned long)c->args[1], stack, c->want);
		cr_expect_eq(answer(&s.ec, &d), c->want, "%s: %s %s(%#lx, %#lx): one filter answers %#x, not %#x", r->what,
			     c->arch, c->name, (unsigned long)c->args[0], (unsigned long)c->args[1], answer(&s.ec, &d), c->want);
	}
	unstack(&s);
}

Test(compose, rows, .timeout = 120)
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(compose_rows); i++)
		check_compose_row(&compose_rows[i]);
}

/* ---- the state hook's question: do a process's filters enforce the overlay? -------------------------- */

/* Filters (oldest first) as a process may run them, held to the overlay's program: Docker's default
 * with the AF_ALG overlay. */
Test(compose, filters_enforce_the_overlay_or_the_call_is_named, .timeout = 60)
{
	stacked s;
	cleanup_error sh_error *err = NULL;
	const char *ov[] = { AF_ALG, NULL };
	cr_assert_eq(stack_up(&s, UPSTREAM("docker-default.json"), ov, &err), 0, "%s", err ? err->msg : "");
	sh_bpf allow_all = { 0 };
	sh_profile *ap = profile_of(PROFILE("SCMP_ACT_ALLOW", RULE("\"kexec_load\"", "SCMP_ACT_ERRNO", "")));
	sh_ruleset *ars = NULL;
	sh_target t = target();
	cr_assert_eq(sh_resolve(ap, &t, &ars, NULL, &err), 0);
	cr_assert_eq(sh_translate_bpf(ars, NULL, &allow_all, NULL, &err), 0);
	const struct {
		const char *what;
		sh_bpf f[2];
		size_t n;
		int want;
	} rows[] = {
		{ "the overlay's program alone", { s.eo.prog }, 1, 0 },
		{ "init mode: the overlay's, then the profile's", { s.eo.prog, s.eb.prog }, 2, 0 },
		{ "runtime mode: the one composed program", { s.ec.prog }, 1, 0 },
		{ "the profile alone", { s.eb.prog }, 1, 1 },
		{ "a filter that denies something else", { allow_all }, 1, 1 },
		{ "no filter", { { 0 } }, 0, 1 },
	};
	for (size_t i = 0; i < SH_ARRAY_SIZE(rows); i++) {
		sh_overlay_miss miss = { 0 };
		int r = sh_overlay_enforced(&s.eo, rows[i].f, rows[i].n, &miss, &err);
		cr_expect_eq(r, rows[i].want, "%s: %d", rows[i].what, r);
		if (r == 1) /* the call named is one the overlay denies and the filters let run */
			cr_expect(sh_ret_outranks(miss.want, miss.got), "%s: %#x against %#x", rows[i].what, miss.want,
				  miss.got);
	}
	sh_bpf_free(&allow_all);
	sh_ruleset_free(ars);
	sh_profile_free(ap);
	unstack(&s);
}

/* ---- the proof has teeth --------------------------------------------------------------------------- */

/* The overlay's rule appended to an allowing profile as it is: libseccomp lets the unconditional
 * allow decide kill, so the denial never happens. The proof finds the call. */
Test(compose, proof_catches_an_unnarrowed_rule)
{
	static const char base_text[] = PROFILE("SCMP_ACT_ERRNO", RULE("\"kill\", \"read\"", "SCMP_ACT_ALLOW", ""));
	static const char ov_text[] = OVERLAY(RULE("\"kill\"", "SCMP_ACT_ERRNO", ERRNO_RET(13) ARGS(ARG(1, 9, EQ))));
	static const char wrong_text[] = PROFILE("SCMP_ACT_ERRNO", RULE("\"kill\", \"read\"", "SCMP_ACT_ALLOW", "") ","
						 RULE("\"kill\"", "SCMP_ACT_ERRNO", ERRNO_RET(13) ARGS(ARG(1, 9, EQ))));
	stacked s;
	cleanup_error sh_error *err = NULL;
	const char *ov[] = { ov_text, NULL };
	cr_assert_eq(stack_up(&s, base_text, ov, &err), 0, "%s", err ? err->msg : "");
	sh_target t = target();
	cleanup_profile sh_profile *wp = profile_of(wrong_text);
	cleanup_ruleset sh_ruleset *wrs = NULL;
	sh_engine we;
	cr_assert_eq(sh_resolve(wp, &t, &wrs, NULL, &err), 0);
	cr_assert_eq(sh_engine_init(&we, wrs, &err), 0, "%s", err ? err->msg : "");
	sh_overlay_miss miss;
	cr_assert_eq(sh_overlay_prove(&s.eb, &s.eo, &we, &miss, &err), 1);
	cr_expect_eq(miss.want, ERRNO(13));
	cr_expect_eq(miss.got, ALLOW);
	cr_expect_eq(miss.args[1] & 0xffffffff, 9);
	cleanup_free char *text = sh_overlay_miss_text(&miss);
	cr_expect(strstr(text, "kill") && strstr(text, "SCMP_ACT_ERRNO(13)"), "%s", text);
	sh_engine_fini(&we);
	/* And the right one holds. */
	cr_expect_eq(sh_overlay_prove(&s.eb, &s.eo, &s.ec, &miss, &err), 0);
	unstack(&s);
}

/* ---- which rules overlap ------------------------------------------------------------------------------ */

typedef struct overlap_row {
	const char *a, *b; /* args arrays */
	bool want;
} overlap_row;

static const overlap_row overlap_rows[] = {
	{ ARG(0, 38, EQ), ARG(0, 38, NE), false },
	{ ARG(0, 38, EQ), ARG(0, 40, LT), true },
	{ ARG(0, 38, EQ), ARG(1, 5, EQ), true }, /* different arguments: both can hold */
	{ MASKED(0, 4294967295, 38), ARG(0, 38, EQ), true },
	{ MASKED(0, 4294967295, 38), ARG(0, 39, GE), true }, /* 0x100000026 */
	{ MASKED(0, 268435456, 268435456), MASKED(0, 2114060288, 0), false },
	{ ARG(0, 4294967301, EQ), ARG(0, 5, EQ), true },    /* the same call on a 32-bit ABI */
	{ ARG(0, 3, LT) "," ARG(0, 100, GT), ARG(0, 50, EQ), false }, /* a repeated index: either one */
	{ ARG(0, 3, LT) "," ARG(0, 100, GT), ARG(0, 150, EQ), true },
	{ MASKED(1, 15, 5), MASKED(1, 1, 0), false },
	{ ARG(0, 10, GT), ARG(0, 11, LT), false },
};

static void check_overlap_row(const overlap_row *r)
{
	cleanup_free char *text = sh_xasprintf("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
			    "{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [%s]},"
			    "{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [%s]}]}",
			    r->a, r->b);
	cleanup_profile sh_profile *p = profile_of(text);
	cr_expect_eq(sh_rules_overlap(&p->rules[0], &p->rules[1]), r->want, "%s vs %s", r->a, r->b);
	cr_expect_eq(sh_rules_overlap(&p->rules[1], &p->rules[0]), r->want, "%s vs %s", r->b, r->a);
}

Test(compose, overlap)
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(overlap_rows); i++)
		check_overlap_row(&overlap_rows[i]);
}

/* ---- what an overlay may be --------------------------------------------------------------------------- */

typedef struct check_row {
	const char *text;
	const char *error;   /* NULL: accepted */
	const char *warning; /* a warning's code */
} check_row;

static const check_row check_rows[] = {
	{ OVERLAY(RULE("\"socket\"", "SCMP_ACT_ERRNO", "")), NULL, NULL },
	{ OVERLAY(RULE("\"socket\"", "SCMP_ACT_KILL", "") "," RULE("\"ptrace\"", "SCMP_ACT_TRAP", "") ","
		  RULE("\"bpf\"", "SCMP_ACT_TRACE", "")), NULL, NULL },
	{ "{\"defaultAction\": \"SCMP_ACT_ERRNO\"}", "defaultAction must be SCMP_ACT_ALLOW", NULL },
	{ OVERLAY(RULE("\"socket\"", "SCMP_ACT_ALLOW", "")), "only denies", NULL },
	{ OVERLAY(RULE("\"socket\"", "SCMP_ACT_LOG", "")), "only denies", NULL },
	{ "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/x.sock\", \"syscalls\": ["
	  RULE("\"socket\"", "SCMP_ACT_NOTIFY", "") "]}", "no listener", NULL },
	{ "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86_64\"]}", NULL, "overlay-arches" },
	{ "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": []}", NULL, "overlay-flags" },
};

static void check_check_row(const check_row *r)
{
	cleanup_error sh_error *err = NULL;
	sh_diag d = { 0 };
	cleanup_profile sh_profile *p = sh_test_profile(r->text, NULL, &err);
	cr_assert_not_null(p, "%s", err ? err->msg : "");
	int st = sh_overlay_check(p, &d, &err);
	if (r->error) {
		cr_expect_lt(st, 0, "%s", r->text);
		cr_expect(err && strstr(err->msg, r->error), "%s: %s", r->text, err ? err->msg : "(accepted)");
	} else {
		cr_expect_eq(st, 0, "%s: %s", r->text, err ? err->msg : "");
	}
	bool warned = false;
	for (size_t i = 0; i < d.n; i++)
		warned |= r->warning && strcmp(d.items[i].code, r->warning) == 0;
	cr_expect_eq(warned, r->warning != NULL, "%s", r->text);
	sh_diag_free(&d);
}

Test(compose, check)
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(check_rows); i++)
		check_check_row(&check_rows[i]);
}

/* Overlays whose rules decide one call differently are refused: which one wins would be libseccomp's
 * choice. The same answer twice is fine. */
Test(compose, merge_refuses_conflicts)
{
	static const char *const a = OVERLAY(RULE("\"socket\"", "SCMP_ACT_ERRNO", ERRNO_RET(97) ARGS(ARG(0, 38, EQ))));
	static const char *const b = OVERLAY(RULE("\"socket\"", "SCMP_ACT_ERRNO", ERRNO_RET(1) ARGS(ARG(0, 30, GT))));
	static const char *const c = OVERLAY(RULE("\"socket\"", "SCMP_ACT_ERRNO", ERRNO_RET(97) ARGS(ARG(0, 30, GT))));
	const sh_profile *p[2] = { profile_of(a), profile_of(b) };
	sh_target t = target();
	uint32_t fam[4];
	size_t nf = sh_arch_family(SCMP_ARCH_X86_64, fam);
	sh_ruleset *rs = NULL;
	cleanup_error sh_error *err = NULL;
	cr_expect_lt(sh_overlay_merge(p, 2, &t, fam, nf, &rs, &err), 0);
	cr_expect(err && strstr(err->msg, "different answers"), "%s", err ? err->msg : "(merged)");
	sh_profile_free((sh_profile *)p[1]);
	p[1] = profile_of(c);
	cr_expect_eq(sh_overlay_merge(p, 2, &t, fam, nf, &rs, NULL), 0);
	sh_ruleset_free(rs);
	sh_profile_free((sh_profile *)p[0]);
	sh_profile_free((sh_profile *)p[1]);
}

/* ---- random rule sets ------------------------------------------------------------------------------------ */

static uint64_t rng = 0x9e3779b97f4a7c15;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A value near one of a few boundaries, or anywhere. */
static uint64_t value(void)
{
	static const uint64_t near[] = { 0, 1, 5, 38, 40, 0x7fffffff, 0xffffffff, 0x100000000, 0x100000026 };
	uint64_t v = near[next() % SH_ARRAY_SIZE(near)];
	switch (next() % 4) {
	case 0: return v + 1;
	case 1: return v - 1;
	case 2: return next();
	default: return v;
	}
}

static char *random_rule(bool deny)
{
	static const char *const ops[] = { "EQ", "NE", "LT", "LE", "GT", "GE", "MASKED_EQ" };
	/* Not a socket call: where libseccomp multiplexes those (x86), most made-up rules conflict. */
	static const char *const names[] = { "\"kill\"", "\"prctl\"", "\"kill\", \"prctl\"" };
	static const char *const actions[] = { "\"SCMP_ACT_ERRNO\", \"errnoRet\": 13", "\"SCMP_ACT_KILL_PROCESS\"",
						"\"SCMP_ACT_TRAP\"" };
	char args[256] = "";
	unsigned n = next() % 3, used = 0;
	for (unsigned k = 0; k < n; k++) {
		unsigned index = next() % 2;
		if (used & (1u << index))
			continue;
		used |= 1u << index;
		const char *op = ops[next() % SH_ARRAY_SIZE(ops)];
		uint64_t v = value(), two = strcmp(op, "MASKED_EQ") == 0 ? value() & v : 0;
		size_t len = strlen(args);
		snprintf(args + len, sizeof args - len, "%s{\"index\": %u, \"value\": %llu, \"valueTwo\": %llu, \"op\": \"SCMP_CMP_%s\"}",
			 len ? ", " : "", index, (unsigned long long)v, (unsigned long long)two, op);
	}
	const char *action = deny ? actions[next() % SH_ARRAY_SIZE(actions)]
				  : next() % 2 ? "\"SCMP_ACT_ALLOW\"" : "\"SCMP_ACT_ERRNO\", \"errnoRet\": 1";
	return sh_xasprintf("{\"names\": [%s], \"action\": %s, \"args\": [%s]}", names[next() % SH_ARRAY_SIZE(names)],
			    action, args);
}

/* Where the proof holds, random calls agree too; where the composition is refused, it says why. */
Test(compose, random_rule_sets, .timeout = 120)
{
	unsigned composed = 0, refused = 0;
	for (int round = 0; round < 40; round++) {
		cleanup_free char *b1 = random_rule(false), *b2 = random_rule(false), *o1 = random_rule(true);
		cleanup_free char *base = sh_xasprintf(PROFILE("%s", "%s, %s, {\"names\": [\"read\", \"faccessat2\"], \"action\": \"SCMP_ACT_ALLOW\"}"),
						       next() % 2 ? "SCMP_ACT_ERRNO" : "SCMP_ACT_ALLOW", b1, b2);
		cleanup_free char *ov = sh_xasprintf(OVERLAY("%s"), o1);
		const char *ovs[] = { ov, NULL };
		if (getenv("SH_TEST_TRACE"))
			fprintf(stderr, "round %d: %s + %s\n", round, base, ov);
		stacked s;
		cleanup_error sh_error *err = NULL;
		int st = stack_up(&s, base, ovs, &err);
		if (st == 1) { /* not an overlay's doing */
			unstack(&s);
			continue;
		}
		if (st < 0) {
			cr_expect(strstr(err->msg, "cannot be") || strstr(err->msg, "rules for"), "%s + %s: %s", base, ov, err->msg);
			cr_log_info("refused: %s + %s: %s", base, ov, err->msg);
			refused++;
			unstack(&s);
			continue;
		}
		composed++;
		static const char *const arches[] = { "x86_64", "x86", "x32" };
		for (int k = 0; k < 400; k++) {
			call c = { arches[next() % 3], next() % 2 ? "kill" : "prctl", { value(), value(), next() }, 0 };
			sh_seccomp_data d = data_of(&c);
			uint32_t want = sh_bpf_stack(answer(&s.eb, &d), answer(&s.eo, &d)), got = answer(&s.ec, &d);
			cr_assert_eq(got, want, "%s + %s: %s %s(%#llx, %#llx): stack %#x, one filter %#x", base, ov, c.arch, c.name,
				     (unsigned long long)c.args[0], (unsigned long long)c.args[1], want, got);
		}
		unstack(&s);
	}
	cr_log_info("random rule sets: %u composed, %u refused", composed, refused);
	cr_expect_gt(composed, refused, "most random rule sets compose: %u composed, %u refused", composed, refused);
}

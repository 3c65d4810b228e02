/* The notifying filters, compiled and run in the BPF interpreter on every syscall number of every
 * arch of Docker's and podman's profiles: a report filter returns exactly the plain program's answer
 * on every call the profile does not deny with an errno, in the same number of steps (so allowed
 * calls cost what they cost without reports), and notifies exactly the calls it denies with one; a
 * record filter notifies every call but the exempt ones. */
#include <criterion/criterion.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <unistd.h>

#include "explain.h"
#include "names.h"
#include "notifyset.h"
#include "report.h"
#include "supervise.h"
#include "testutil.h"
#include "translate.h"
#include "util.h"

typedef struct compiled {
	sh_profile *p;
	sh_ruleset *rs;
	sh_bpf plain;
	sh_engine e; /* the same program, as the supervisor asks it */
} compiled;

static compiled load(const char *file)
{
	compiled c = { 0 };
	cleanup_error sh_error *err = NULL;
	c.p = sh_test_upstream_profile(file, &err);
	cr_assert_not_null(c.p, "%s", file);
	sh_target t = { .native_arch = SCMP_ARCH_X86_64, .caps = UINT64_C(0xa80425fb), .kmajor = 6, .kminor = 1 };
	cr_assert_eq(sh_resolve(c.p, &t, &c.rs, NULL, &err), 0);
	cr_assert_eq(sh_translate_bpf(c.rs, NULL, &c.plain, NULL, &err), 0);
	cr_assert_eq(sh_engine_init(&c.e, c.rs, &err), 0);
	return c;
}

static void unload(compiled *c)
{
	sh_engine_fini(&c->e);
	sh_bpf_free(&c->plain);
	sh_ruleset_free(c->rs);
	sh_profile_free(c->p);
}

static uint32_t audit_arch(uint32_t token)
{
	return token == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : token;
}

static uint32_t run(const sh_bpf *b, uint32_t arch, int nr, uint64_t a0, unsigned *steps)
{
	sh_seccomp_data d = { .nr = nr, .arch = audit_arch(arch), .args = { a0 } };
	return sh_bpf_run(b->insns, b->len, &d, steps);
}

/* The errno answers a report filter leaves to the kernel: the ENOSYS stub's, and (when the default
 * cannot notify) the default's for a name whose rules' conditions do not hold, and for numbers
 * libseccomp has no name for (a rule can only name a syscall). */
static bool kept_denial(const sh_engine *e, uint32_t arch, int nr, uint64_t a0, bool default_may_notify)
{
	sh_call_rules c;
	sh_call_rules_build(e->rs, arch, nr, &c);
	uint64_t args[6] = { a0 };
	sh_seccomp_data data = sh_call_data(arch, nr, args);
	sh_decision d = sh_engine_decide(e, &data);
	bool has_rules = c.n > 0;
	sh_call_rules_free(&c);
	char *name = seccomp_syscall_resolve_num_arch(arch, nr);
	bool nameless = !name;
	free(name);
	return d.by == SH_BY_ENOSYS || (d.by == SH_BY_DEFAULT && (has_rules || nameless) && !default_may_notify);
}

static const uint64_t probes[] = { 0, 1, 0x10000000, 0x7e020000, 0xffffffff };

/* One probe: a call both programs answer, with what they answered and in how many steps. */
typedef struct probe {
	const char *file;
	uint32_t arch, want, got;
	int nr;
	uint64_t a0;
	unsigned steps_plain, steps_got;
} probe;

typedef size_t (*probe_fn)(const probe *p, const sh_engine *e, bool default_may_notify);

/* Every number of the tables of every arch of the rule set, at each probe value of arg0, through the
 * plain program and `other`; returns how many calls fn counted (the notified ones). */
static size_t each_probe(const char *file, const compiled *c, const sh_bpf *other, probe_fn fn, bool dmn)
{
	size_t counted = 0;
	for (size_t a = 0; a < c->rs->narches; a++)
		for (size_t i = 0; i < sh_arch_nr_count(c->rs->arches[a]); i++)
			for (size_t k = 0; k < sizeof probes / sizeof *probes; k++) {
				probe p = { .file = file, .arch = c->rs->arches[a], .a0 = probes[k] };
				p.nr = sh_arch_nr_at(p.arch, i);
				p.want = run(&c->plain, p.arch, p.nr, p.a0, &p.steps_plain);
				p.got = run(other, p.arch, p.nr, p.a0, &p.steps_got);
				counted += fn(&p, &c->e, dmn);
			}
	return counted;
}

static bool errno_answer(uint32_t ret)
{
	return (ret & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO;
}

/* The report program: exactly the errno answers notified, everything in the same number of steps. */
static size_t patched_probe(const probe *p, const sh_engine *e, bool dmn)
{
	(void)e, (void)dmn;
	cr_assert_eq(p->steps_got, p->steps_plain, "%s: arch %#x nr %d: %u steps, plain %u", p->file, p->arch, p->nr,
		     p->steps_got, p->steps_plain);
	if (errno_answer(p->want)) {
		cr_assert_eq(p->got, SECCOMP_RET_USER_NOTIF, "%s: arch %#x nr %d", p->file, p->arch, p->nr);
		return 1;
	}
	cr_assert_eq(p->got, p->want, "%s: arch %#x nr %d arg0 %#lx", p->file, p->arch, p->nr, (unsigned long)p->a0);
	return 0;
}

/* The OCI form: only errno answers notified, and those left to the kernel are the ones expected. */
static size_t oci_probe(const probe *p, const sh_engine *e, bool dmn)
{
	if (p->got == SECCOMP_RET_USER_NOTIF) {
		cr_assert(errno_answer(p->want), "%s: arch %#x nr %d arg0 %#lx: notified, plain %#x", p->file, p->arch,
			  p->nr, (unsigned long)p->a0, p->want);
		return 1;
	}
	cr_assert_eq(p->got, p->want, "%s: arch %#x nr %d arg0 %#lx", p->file, p->arch, p->nr, (unsigned long)p->a0);
	if (errno_answer(p->want))
		cr_assert(kept_denial(e, p->arch, p->nr, p->a0, dmn), "%s: arch %#x nr %d arg0 %#lx: an errno answer not notified",
			  p->file, p->arch, p->nr, (unsigned long)p->a0);
	return 0;
}

/* The program seccomp-hook installs for reports (exec, init mode): the plain program with its errno
 * answers handed over: the same answer and the same number of steps for everything else. */
static void check_patched(const char *file)
{
	compiled c = load(file);
	sh_translate_opts to = { .optimize = 2, .notify_errno = true };
	sh_bpf rb = { 0 };
	cleanup_error sh_error *err = NULL;
	cr_assert_eq(sh_translate_bpf(c.rs, &to, &rb, NULL, &err), 0);
	cr_assert_eq(rb.len, c.plain.len);
	size_t notified = each_probe(file, &c, &rb, patched_probe, true);
	cr_assert_gt(notified, 1000, "%s: %zu notified", file, notified);
	sh_bpf_free(&rb);
	unload(&c);
}

Test(notifyset, report_program_docker_same_path_for_all_but_errno)
{
	check_patched("docker-default.json");
}

Test(notifyset, report_program_podman_same_path_for_all_but_errno)
{
	check_patched("podman-default.json");
}

/* The OCI form for runc and crun (runtime mode), which compile it themselves: only errno answers
 * change (the default's for names with rules stays, where the default cannot notify). */
static void check_report(const char *file, bool default_may_notify)
{
	compiled c = load(file);
	sh_notify_opts o = { .default_may_notify = default_may_notify, .exempt = sh_notify_exempt_report };
	sh_ruleset *rep = sh_notifyset_report(c.rs, &o);
	sh_bpf rb = { 0 };
	cleanup_error sh_error *err = NULL;
	cr_assert_eq(sh_translate_bpf(rep, NULL, &rb, NULL, &err), 0);
	cr_assert(sh_translate_flags(rep) & SH_FLAG_NEW_LISTENER);
	size_t notified = each_probe(file, &c, &rb, oci_probe, default_may_notify);
	cr_assert_gt(notified, 500, "%s: %zu notified", file, notified);
	sh_bpf_free(&rb);
	sh_ruleset_free(rep);
	unload(&c);
}

Test(notifyset, report_oci_docker_changes_only_errno_answers)
{
	check_report("docker-default.json", true);
}

Test(notifyset, report_oci_podman_changes_only_errno_answers)
{
	check_report("podman-default.json", false);
}

Test(notifyset, report_oci_docker_without_notifying_default)
{
	check_report("docker-default.json", false);
}

Test(notifyset, record_notifies_everything_but_the_exempt)
{
	uint32_t arches[] = { SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32 };
	sh_profile p = { .file = (char[]){ "none" }, .default_action = SH_ACT_ALLOW };
	sh_notify_opts o = { .default_may_notify = true, .exempt = sh_notify_exempt_runtime };
	sh_ruleset *rs = sh_notifyset_record(NULL, &p, arches, 3, &o);
	sh_bpf b = { 0 };
	cleanup_error sh_error *err = NULL;
	cr_assert_eq(sh_translate_bpf(rs, NULL, &b, NULL, &err), 0);
	size_t allowed = 0;
	for (size_t a = 0; a < 3; a++)
		for (size_t i = 0; i < sh_arch_nr_count(arches[a]); i++) {
			int nr = sh_arch_nr_at(arches[a], i);
			uint32_t got = run(&b, arches[a], nr, 0, NULL);
			char *name = seccomp_syscall_resolve_num_arch(arches[a], nr);
			bool exempt = false;
			for (const char *const *e = sh_notify_exempt_runtime; name && *e; e++)
				exempt |= strcmp(*e, name) == 0;
			if (exempt) {
				cr_assert_eq(got, SECCOMP_RET_ALLOW, "%s", name);
				allowed++;
			} else if (name) {
				cr_assert_eq(got, SECCOMP_RET_USER_NOTIF, "arch %#x %s", arches[a], name);
			}
			free(name);
		}
	cr_assert_geq(allowed, 8); /* four names on x86_64 and x32, and on x86 */
	sh_bpf_free(&b);
	sh_ruleset_free(rs);
}

/* On top of a base, an exempt name the base denies is notified, not allowed. */
Test(notifyset, record_never_exempts_what_the_base_denies)
{
	cleanup_error sh_error *err = NULL;
	sh_profile *p = sh_test_profile("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"sendmsg\"],"
					" \"action\": \"SCMP_ACT_ERRNO\"}]}", NULL, &err);
	cr_assert_not_null(p);
	sh_target t = { .native_arch = SCMP_ARCH_X86_64 };
	sh_ruleset *base = NULL;
	cr_assert_eq(sh_resolve(p, &t, &base, NULL, &err), 0);
	sh_engine e;
	cr_assert_eq(sh_engine_init(&e, base, &err), 0);
	sh_notify_opts o = { .exempt = sh_notify_exempt_runtime };
	cr_assert_not(sh_engine_allows_whole(&e, "sendmsg"));
	cr_assert(sh_engine_allows_whole(&e, "write"));
	sh_ruleset *rs = sh_notifyset_record(&e, NULL, NULL, 0, &o);
	sh_bpf b = { 0 };
	cr_assert_eq(sh_translate_bpf(rs, NULL, &b, NULL, &err), 0);
	cr_assert_eq(run(&b, SCMP_ARCH_X86_64, 46 /* sendmsg */, 0, NULL), SECCOMP_RET_USER_NOTIF);
	cr_assert_eq(run(&b, SCMP_ARCH_X86_64, 1 /* write */, 0, NULL), SECCOMP_RET_ALLOW);
	sh_bpf_free(&b);
	sh_ruleset_free(rs);
	sh_engine_fini(&e);
	sh_ruleset_free(base);
	sh_profile_free(p);
}

/* The supervisor's decisions are the program's, named as the engine names them, for every number,
 * also when a number with the x32 bit comes first on an arch that has no such bit (it once shared the
 * cache slot of the number without it, so an unnamed 0x40000000+64 made i386 getppid allowed), and
 * when the arguments decide: a number it keeps an answer for is one whose answer they never change. */
static void supervisor_is_the_engine(const char *json, const uint64_t *values, size_t nvalues)
{
	cleanup_error sh_error *err = NULL;
	sh_profile *p = sh_test_profile(json, NULL, &err);
	cr_assert_not_null(p);
	sh_target t = { .native_arch = SCMP_ARCH_X86_64, .kmajor = 6, .kminor = 1 };
	sh_ruleset *rs = NULL;
	cr_assert_eq(sh_resolve(p, &t, &rs, NULL, &err), 0);
	sh_engine e;
	cr_assert_eq(sh_engine_init(&e, rs, &err), 0);
	sh_supervisor *s = sh_supervisor_new(&e, false, NULL, NULL);
	for (size_t a = 0; a < rs->narches; a++)
		for (int n = 0; n < 1100; n++)
			for (int bit = 1; bit >= 0; bit--)
				for (size_t v = 0; v < nvalues; v++) {
					int nr = n | (bit ? 0x40000000 : 0);
					uint64_t args[6] = { values[v] };
					sh_seccomp_data d = sh_call_data(rs->arches[a], nr, args);
					sh_decision want = sh_engine_decide(&e, &d);
					sh_decision got = sh_supervisor_decide(s, rs->arches[a], nr, args);
					cr_assert_eq(got.ret, want.ret, "arch %#x nr %#x arg0 %#lx: %#x, the program says %#x",
						     rs->arches[a], nr, (unsigned long)values[v], got.ret, want.ret);
					cr_assert_eq(got.by, want.by);
					cr_assert_eq(got.rule, want.rule);
				}
	sh_supervisor_free(s);
	sh_engine_fini(&e);
	sh_ruleset_free(rs);
	sh_profile_free(p);
}

Test(supervise, decisions_are_the_programs_for_every_number_in_any_order)
{
	static const uint64_t zero[] = { 0 };
	supervisor_is_the_engine("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"archMap\": [{\"architecture\": "
				 "\"SCMP_ARCH_X86_64\", \"subArchitectures\": [\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"]}],"
				 " \"syscalls\": [{\"names\": [\"getppid\", \"mount\"], \"action\": \"SCMP_ACT_ERRNO\"}]}",
				 zero, 1);
}

/* Overlapping conditional rules with different actions, the first seen with an argument that an
 * allowing rule matches (a first-rule-in-profile-order reading let socket(AF_NETLINK) through). */
Test(supervise, overlapping_rules_take_the_programs_answer_whatever_came_first)
{
	static const uint64_t families[] = { 1, 16, 38, 39, 40, 41, 0xffffffff };
	supervisor_is_the_engine("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
				 "{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 38, \"op\": \"SCMP_CMP_LT\"}]},"
				 "{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 40, \"op\": \"SCMP_CMP_GT\"}]},"
				 "{\"names\": [\"getpid\", \"read\"], \"action\": \"SCMP_ACT_ALLOW\"},"
				 "{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13, \"args\": [{\"index\": 0, \"value\": 16, \"op\": \"SCMP_CMP_EQ\"}]}]}",
				 families, sizeof families / sizeof *families);
}

/* A container that makes every number it can: the reports stay bounded (one per arch for numbers
 * without a name, an overflow kind past the limit), whatever it does. */
Test(report, distinct_denials_are_bounded)
{
	cleanup_error sh_error *err = NULL;
	sh_profile *p = sh_test_profile("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": []}", NULL, &err);
	sh_target t = { .native_arch = SCMP_ARCH_X86_64, .kmajor = 6, .kminor = 1 };
	sh_ruleset *rs = NULL;
	cr_assert_eq(sh_resolve(p, &t, &rs, NULL, &err), 0);
	char path[] = "/tmp/sh-report-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
	sh_report_opts o = { .container = "c1", .jsonl = path };
	sh_reporter *r = sh_reporter_new(rs, &o, &err);
	cr_assert_not_null(r);
	for (int i = 0; i < 200000; i++) {
		sh_call c = { .pid = getpid(), .arch = SCMP_ARCH_X86_64, .nr = i % 2 ? 1024 + i : i % 6000,
			      .d = { .ret = SECCOMP_RET_ERRNO | (uint32_t)(1 + i % 4000), .by = SH_BY_DEFAULT } };
		sh_reporter_call(r, &c);
	}
	size_t kinds;
	unsigned long long calls;
	sh_reporter_counts(r, &kinds, &calls);
	cr_assert_eq(calls, 200000);
	cr_assert_leq(kinds, 4096 + 4000, "%zu kinds", kinds);
	FILE *f = fopen(path, "r");
	size_t lines = 0;
	for (int ch; (ch = fgetc(f)) != EOF;)
		lines += ch == '\n';
	fclose(f);
	unlink(path);
	cr_assert_eq(lines, kinds);
	sh_reporter_free(r);
	sh_ruleset_free(rs);
	sh_profile_free(p);
}

/* Resolution as moby does it: archMap picks the native entry, excludes before includes, caps must
 * all be present, minKernel compares major.minor. */
#include "config.h"

#include <criterion/criterion.h>
#include <seccomp.h>
#include <stdio.h>

#include "names.h"
#include "oci.h"
#include "testutil.h"

static sh_target target(uint32_t native, uint64_t caps, unsigned kmaj, unsigned kmin)
{
	return (sh_target){ .native_arch = native, .caps = caps, .kmajor = kmaj, .kminor = kmin };
}

static sh_ruleset *resolve(const char *json, const sh_target *t, sh_profile **pp)
{
	sh_error *err = NULL;
	sh_profile *p = sh_test_profile(json, NULL, &err);
	cr_assert_not_null(p, "%s", err ? err->msg : "");
	sh_ruleset *rs = NULL;
	cr_assert_eq(sh_resolve(p, t, &rs, NULL, &err), 0);
	*pp = p;
	return rs;
}

static bool has_rule(const sh_ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->nrules; i++)
		for (size_t k = 0; k < rs->rules[i].origin->nnames; k++)
			if (strcmp(rs->rules[i].origin->names[k], name) == 0)
				return true;
	return false;
}

static const char archmap_profile[] =
	"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"archMap\": ["
	" {\"architecture\": \"SCMP_ARCH_X86_64\", \"subArchitectures\": [\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"]},"
	" {\"architecture\": \"SCMP_ARCH_AARCH64\", \"subArchitectures\": [\"SCMP_ARCH_ARM\"]},"
	" {\"architecture\": \"SCMP_ARCH_RISCV64\", \"subArchitectures\": null}]}";

Test(resolve, archmap_native_entry_and_subs)
{
	sh_profile *p;
	sh_target t = target(SCMP_ARCH_X86_64, 0, 6, 1);
	sh_ruleset *rs = resolve(archmap_profile, &t, &p);
	cr_assert_eq(rs->narches, 3);
	cr_assert_eq(rs->arches[0], SCMP_ARCH_X86_64);
	cr_assert_eq(rs->arches[1], SCMP_ARCH_X86);
	cr_assert_eq(rs->arches[2], SCMP_ARCH_X32);
	sh_ruleset_free(rs);
	t = target(SCMP_ARCH_AARCH64, 0, 6, 1);
	rs = resolve(archmap_profile, &t, &p);
	cr_assert_eq(rs->narches, 2);
	cr_assert_eq(rs->arches[1], SCMP_ARCH_ARM);
	sh_ruleset_free(rs);
	sh_profile_free(p);
}

Test(resolve, archmap_null_subs_and_no_match_give_native_only)
{
	sh_profile *p;
	sh_target t = target(SCMP_ARCH_RISCV64, 0, 6, 1);
	sh_ruleset *rs = resolve(archmap_profile, &t, &p);
	cr_assert_eq(rs->narches, 1);
	cr_assert_eq(rs->arches[0], SCMP_ARCH_RISCV64);
	sh_ruleset_free(rs);
	sh_profile_free(p);
	t = target(SCMP_ARCH_S390X, 0, 6, 1);
	rs = resolve(archmap_profile, &t, &p);
	cr_assert_eq(rs->narches, 1);
	cr_assert_eq(rs->arches[0], SCMP_ARCH_S390X);
	sh_ruleset_free(rs);
	sh_profile_free(p);
}

Test(resolve, architectures_list_adds_to_native)
{
	sh_profile *p;
	sh_target t = target(SCMP_ARCH_X86_64, 0, 6, 1);
	sh_ruleset *rs = resolve("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86\", \"x32\"]}", &t, &p);
	cr_assert_eq(rs->narches, 3);
	cr_assert_eq(rs->arches[0], SCMP_ARCH_X86_64);
	sh_ruleset_free(rs);
	sh_profile_free(p);
}

Test(resolve, arch_override)
{
	sh_profile *p;
	uint32_t arches[] = { SCMP_ARCH_AARCH64 };
	sh_target t = target(SCMP_ARCH_X86_64, 0, 6, 1);
	t.arches = arches;
	t.narches = 1;
	sh_ruleset *rs = resolve(archmap_profile, &t, &p);
	cr_assert_eq(rs->narches, 1);
	cr_assert_eq(rs->arches[0], SCMP_ARCH_AARCH64);
	sh_ruleset_free(rs);
	sh_profile_free(p);
}

static const char cond_profile[] =
	"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
	" {\"names\": [\"inc_admin\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}},"
	" {\"names\": [\"inc_both\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"caps\": [\"CAP_SYS_ADMIN\", \"CAP_BPF\"]}},"
	" {\"names\": [\"exc_admin\"], \"action\": \"SCMP_ACT_ALLOW\", \"excludes\": {\"caps\": [\"CAP_SYS_ADMIN\", \"CAP_BPF\"]}},"
	" {\"names\": [\"inc_amd64\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"arches\": [\"amd64\", \"x32\"]}},"
	" {\"names\": [\"inc_arm\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"arches\": [\"arm\", \"arm64\"]}},"
	" {\"names\": [\"exc_s390\"], \"action\": \"SCMP_ACT_ALLOW\", \"excludes\": {\"arches\": [\"s390\", \"s390x\"]}},"
	" {\"names\": [\"inc_k48\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"minKernel\": \"4.8\"}},"
	" {\"names\": [\"exc_k510\"], \"action\": \"SCMP_ACT_ALLOW\", \"excludes\": {\"minKernel\": \"5.10\"}},"
	" {\"names\": [\"exc_beats_inc\"], \"action\": \"SCMP_ACT_ALLOW\","
	"  \"includes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}, \"excludes\": {\"arches\": [\"amd64\"]}}]}";

Test(resolve, includes_excludes_by_caps)
{
	sh_profile *p;
	sh_target t = target(SCMP_ARCH_X86_64, 0, 6, 1);
	sh_ruleset *rs = resolve(cond_profile, &t, &p);
	cr_assert_not(has_rule(rs, "inc_admin"));
	cr_assert_not(has_rule(rs, "inc_both"));
	cr_assert(has_rule(rs, "exc_admin"), "no excluded cap present");
	sh_ruleset_free(rs);
	t.caps = SH_CAP(21);
	rs = resolve(cond_profile, &t, &p);
	cr_assert(has_rule(rs, "inc_admin"));
	cr_assert_not(has_rule(rs, "inc_both"), "includes need all caps");
	cr_assert_not(has_rule(rs, "exc_admin"), "any excluded cap drops the rule");
	sh_ruleset_free(rs);
	t.caps = SH_CAP(21) | SH_CAP(39);
	rs = resolve(cond_profile, &t, &p);
	cr_assert(has_rule(rs, "inc_both"));
	cr_assert_not(has_rule(rs, "exc_beats_inc"), "excludes are tested first");
	sh_ruleset_free(rs);
	sh_profile_free(p);
}

Test(resolve, includes_excludes_by_arch_and_kernel)
{
	sh_profile *p;
	sh_target t = target(SCMP_ARCH_X86_64, 0, 5, 10);
	sh_ruleset *rs = resolve(cond_profile, &t, &p);
	cr_assert(has_rule(rs, "inc_amd64"));
	cr_assert_not(has_rule(rs, "inc_arm"));
	cr_assert(has_rule(rs, "exc_s390"));
	cr_assert(has_rule(rs, "inc_k48"));
	cr_assert_not(has_rule(rs, "exc_k510"), "kernel 5.10 >= 5.10 is excluded");
	sh_ruleset_free(rs);
	t = target(SCMP_ARCH_S390X, 0, 4, 7);
	rs = resolve(cond_profile, &t, &p);
	cr_assert_not(has_rule(rs, "inc_amd64"));
	cr_assert_not(has_rule(rs, "exc_s390"));
	cr_assert_not(has_rule(rs, "inc_k48"), "4.7 < 4.8");
	cr_assert(has_rule(rs, "exc_k510"));
	sh_ruleset_free(rs);
	t = target(SCMP_ARCH_AARCH64, 0, 4, 10);
	rs = resolve(cond_profile, &t, &p);
	cr_assert(has_rule(rs, "inc_arm"));
	cr_assert(has_rule(rs, "inc_k48"), "4.10 >= 4.8 compares numerically");
	sh_ruleset_free(rs);
	sh_profile_free(p);
}

Test(resolve, errno_defaults_and_equal_to_default)
{
	sh_profile *p;
	sh_target t = target(SCMP_ARCH_X86_64, 0, 6, 1);
	sh_ruleset *rs = resolve("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
				 "{\"names\": [\"a\"], \"action\": \"SCMP_ACT_ERRNO\"},"
				 "{\"names\": [\"b\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1},"
				 "{\"names\": [\"c\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38},"
				 "{\"names\": [\"d\"], \"action\": \"SCMP_ACT_TRACE\"}]}", &t, &p);
	cr_assert_eq(rs->default_errno, 1, "EPERM by default");
	cr_assert(sh_rrule_equals_default(rs, &rs->rules[0]));
	cr_assert(sh_rrule_equals_default(rs, &rs->rules[1]));
	cr_assert_not(sh_rrule_equals_default(rs, &rs->rules[2]));
	cr_assert_eq(rs->rules[3].errno_ret, 1);
	cr_assert_not(sh_rrule_equals_default(rs, &rs->rules[3]));
	sh_ruleset_free(rs);
	sh_profile_free(p);
}

Test(resolve, caps_kernel_arch_option_parsing)
{
	uint64_t caps;
	sh_error *err = NULL;
	cr_assert_eq(sh_caps_parse("CAP_SYS_ADMIN,chown", &caps, &err), 0);
	cr_assert_eq(caps, SH_CAP(21) | SH_CAP(0));
	cr_assert_eq(sh_caps_parse("none", &caps, &err), 0);
	cr_assert_eq(caps, 0);
	cr_assert_eq(sh_caps_parse("all", &caps, &err), 0);
	cr_assert_eq(caps, (SH_CAP(41) - 1));
	cr_assert_lt(sh_caps_parse("CAP_BOGUS", &caps, &err), 0);
	cr_assert_str_eq(err->msg, "--caps: unknown capability 'CAP_BOGUS'");
	sh_error_free(err);
	unsigned a, b;
	cr_assert_eq(sh_kernel_parse("6.1.0-13-amd64", &a, &b), 0);
	cr_assert_eq(a, 6);
	cr_assert_eq(b, 1);
	cr_assert_lt(sh_kernel_parse("six", &a, &b), 0);
	cr_assert_eq(sh_kernel_parse("5.10", &a, &b), 0);
	cr_assert_eq(a, 5);
	cr_assert_eq(b, 10);
	const char *bad[] = { "5", "5.", "5.x", "5.-1", "5. 1", "4294967296.1", "4.99999999999", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_lt(sh_kernel_parse(bad[i], &a, &b), 0, "'%s' accepted", bad[i]);
}

/* Docker's daemon resolves its default profile with the container's bounding set: these are the
 * rules that differ with capabilities and kernel. */
static const char *const docker_caps =
	"CAP_CHOWN,CAP_DAC_OVERRIDE,CAP_FSETID,CAP_FOWNER,CAP_MKNOD,CAP_NET_RAW,CAP_SETGID,CAP_SETUID,"
	"CAP_SETFCAP,CAP_SETPCAP,CAP_NET_BIND_SERVICE,CAP_SYS_CHROOT,CAP_KILL,CAP_AUDIT_WRITE";

static sh_json *docker_oci(uint64_t caps, unsigned kmaj, unsigned kmin)
{
	sh_error *err = NULL;
	sh_profile *p = sh_test_upstream_profile("docker-default.json", &err);
	cr_assert_not_null(p);
	sh_target t = target(SCMP_ARCH_X86_64, caps, kmaj, kmin);
	sh_ruleset *rs = NULL;
	cr_assert_eq(sh_resolve(p, &t, &rs, NULL, &err), 0);
	sh_json *j = sh_oci_seccomp(rs, &t);
	sh_ruleset_free(rs);
	sh_profile_free(p);
	return j;
}

/* The rule objects naming `name`, as "ACTION[/errno][:index op value]" strings joined by ';'. */
static void rules_for(const sh_json *oci, const char *name, char *out, size_t outlen)
{
	out[0] = 0;
	const sh_json *rules = sh_json_get(oci, "syscalls");
	for (size_t i = 0; i < rules->u.arr.n; i++) {
		const sh_json *r = rules->u.arr.v[i], *names = sh_json_get(r, "names");
		for (size_t k = 0; k < names->u.arr.n; k++) {
			if (strcmp(names->u.arr.v[k]->u.str.s, name) != 0)
				continue;
			char one[256];
			const sh_json *e = sh_json_get(r, "errnoRet"), *args = sh_json_get(r, "args");
			snprintf(one, sizeof one, "%s%s%s", sh_json_get(r, "action")->u.str.s, e ? "/" : "", e ? e->u.num : "");
			strncat(out, out[0] ? ";" : "", outlen - strlen(out) - 1);
			strncat(out, one, outlen - strlen(out) - 1);
			for (size_t a = 0; args && a < args->u.arr.n; a++) {
				const sh_json *arg = args->u.arr.v[a];
				snprintf(one, sizeof one, ":%s %s %s", sh_json_get(arg, "index")->u.num,
					 sh_json_get(arg, "op")->u.str.s + 9, sh_json_get(arg, "value")->u.num);
				strncat(out, one, outlen - strlen(out) - 1);
			}
		}
	}
}

Test(docker, default_profile_with_docker_default_caps)
{
	uint64_t caps;
	sh_error *err = NULL;
	cr_assert_eq(sh_caps_parse(docker_caps, &caps, &err), 0);
	sh_json *j = docker_oci(caps, 6, 1);
	char buf[1024];
	cr_assert_str_eq(sh_json_get(j, "defaultAction")->u.str.s, "SCMP_ACT_ERRNO");
	cr_assert_null(sh_json_get(j, "defaultErrnoRet"), "Docker 20.10's profile sets none: runc falls back to EPERM");
	const sh_json *arches = sh_json_get(j, "architectures");
	cr_assert_eq(arches->u.arr.n, 3);
	cr_assert_str_eq(arches->u.arr.v[2]->u.str.s, "SCMP_ARCH_X32");
	rules_for(j, "clone", buf, sizeof buf);
	cr_assert_str_eq(buf, "SCMP_ACT_ALLOW:0 MASKED_EQ 2114060288");
	rules_for(j, "clone3", buf, sizeof buf);
	cr_assert_str_eq(buf, "SCMP_ACT_ERRNO/38");
	rules_for(j, "chroot", buf, sizeof buf);
	cr_assert_str_eq(buf, "SCMP_ACT_ALLOW", "CAP_SYS_CHROOT is in Docker's default set");
	rules_for(j, "ptrace", buf, sizeof buf);
	cr_assert_str_eq(buf, "SCMP_ACT_ALLOW", "ptrace is allowed from kernel 4.8 on");
	rules_for(j, "mount", buf, sizeof buf);
	cr_assert_str_eq(buf, "");
	rules_for(j, "personality", buf, sizeof buf);
	cr_assert_str_eq(buf, "SCMP_ACT_ALLOW:0 EQ 0;SCMP_ACT_ALLOW:0 EQ 8;SCMP_ACT_ALLOW:0 EQ 131072;"
			      "SCMP_ACT_ALLOW:0 EQ 131080;SCMP_ACT_ALLOW:0 EQ 4294967295");
	rules_for(j, "socket", buf, sizeof buf);
	cr_assert_str_eq(buf, "SCMP_ACT_ALLOW", "Docker 20.10 allows every socket family");
	rules_for(j, "arch_prctl", buf, sizeof buf);
	cr_assert_str_eq(buf, "SCMP_ACT_ALLOW");
	rules_for(j, "sync_file_range2", buf, sizeof buf);
	cr_assert_str_eq(buf, "", "arm-only rule dropped on amd64");
	sh_json_free(j);
}

Test(docker, default_profile_flips_with_sys_admin_and_old_kernel)
{
	uint64_t caps;
	sh_error *err = NULL;
	cr_assert_eq(sh_caps_parse(docker_caps, &caps, &err), 0);
	sh_json *j = docker_oci(caps | SH_CAP(21), 4, 4);
	char buf[1024];
	rules_for(j, "clone", buf, sizeof buf);
	cr_assert_str_eq(buf, "SCMP_ACT_ALLOW", "with CAP_SYS_ADMIN clone is allowed outright");
	rules_for(j, "clone3", buf, sizeof buf);
	cr_assert_str_eq(buf, "SCMP_ACT_ALLOW");
	rules_for(j, "mount", buf, sizeof buf);
	cr_assert_str_eq(buf, "SCMP_ACT_ALLOW");
	rules_for(j, "ptrace", buf, sizeof buf);
	cr_assert_str_eq(buf, "", "kernel 4.4 < minKernel 4.8 and no CAP_SYS_PTRACE");
	sh_json_free(j);
}

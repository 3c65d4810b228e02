/* Init mode's judging of what a filter lets a workload do (initsafe.c), read from the program with
 * bpf_reach.c: rows of profile (or hand-written program) -> the call it lets run, or none. Every "yes"
 * the walk gives is checked by running the program on the call it found; the shipped and upstream
 * profiles are judged as a container with Docker's capabilities gets them. */
#include "config.h"

#include <criterion/criterion.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_reach.h"
#include "initsafe.h"
#include "names.h"
#include "resolve.h"
#include "testutil.h"
#include "translate.h"
#include "util.h"

static char *judge_profile(const char *json_or_file, uint64_t caps)
{
	sh_error *err = NULL;
	sh_profile *p = json_or_file[0] == '{' ? sh_test_profile(json_or_file, NULL, &err)
					       : sh_test_upstream_profile(json_or_file, &err);
	cr_assert_not_null(p, "%s: %s", json_or_file, err ? err->msg : "");
	sh_target t;
	cr_assert_eq(sh_target_init(&t, false, &err), 0);
	t.caps = caps;
	t.native_arch = SCMP_ARCH_X86_64;
	sh_ruleset *rs = NULL;
	cr_assert_eq(sh_resolve(p, &t, &rs, NULL, &err), 0, "%s", err ? err->msg : "");
	sh_bpf b = { 0 };
	cr_assert_eq(sh_translate_bpf(rs, NULL, &b, NULL, &err), 0, "%s", err ? err->msg : "");
	char *why = sh_init_filter_escape(b.insns, b.len, SCMP_ARCH_X86_64);
	sh_bpf_free(&b);
	sh_ruleset_free(rs);
	sh_profile_free(p);
	return why;
}

#define GUARD_CLONE(bit)                                                                                        \
	"{\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": " bit          \
	", \"valueTwo\": " bit ", \"op\": \"SCMP_CMP_MASKED_EQ\"}]}"
#define NO_ESCAPE                                                                                                 \
	"{\"names\": [\"unshare\", \"setns\", \"mount\", \"umount2\", \"pivot_root\", \"open_tree\", \"move_mount\", "   \
	"\"fsopen\", \"fsconfig\", \"fsmount\", \"fspick\", \"mount_setattr\", \"clone3\"], \"action\": \"SCMP_ACT_ERRNO\"}"

Test(initsafe, what_each_profile_lets_a_workload_do_about_the_loaders_path)
{
	const uint64_t docker = SH_DOCKER_DEFAULT_CAPS, all = ~UINT64_C(0) >> 23;
	struct {
		const char *what, *profile;
		uint64_t caps;
		const char *escape; /* what the reason names, NULL: none */
	} rows[] = {
		{ "Docker's default, Docker's capabilities", "docker-default.json", docker, NULL },
		{ "Docker's default with CAP_SYS_ADMIN: its includes open the namespaces", "docker-default.json", all,
		  "its filter lets it call unshare(CLONE_NEWUSER) (SCMP_ARCH_X86_64)" },
		{ "podman's default allows unshare and mount", "podman-default.json", docker,
		  "its filter lets it call unshare(CLONE_NEWUSER) (SCMP_ARCH_X86_64)" },
		{ "allow everything", "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}", docker, "unshare(CLONE_NEWUSER)" },
		{ "everything guarded", "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [" NO_ESCAPE ", "
		  GUARD_CLONE("268435456") ", " GUARD_CLONE("131072") "]}", docker, NULL },
		{ "clone guarded against user namespaces only", "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
		  NO_ESCAPE ", " GUARD_CLONE("268435456") "]}", docker, "clone(CLONE_NEWNS)" },
		{ "clone refused below a value: the flags above it run", "{\"defaultAction\": \"SCMP_ACT_ALLOW\", "
		  "\"syscalls\": [" NO_ESCAPE ", {\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": "
		  "[{\"index\": 0, \"value\": 268435456, \"op\": \"SCMP_CMP_LT\"}]}]}", docker, "clone(CLONE_NEWUSER)" },
		{ "mount API left open", "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"unshare\", "
		  "\"setns\", \"mount\", \"umount2\", \"pivot_root\", \"clone3\"], \"action\": \"SCMP_ACT_ERRNO\"}, "
		  GUARD_CLONE("268435456") ", " GUARD_CLONE("131072") "]}", docker, "open_tree" },
		{ "x86 left open (only x86_64 in architectures is no x86 at all: killed)",
		  "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86_64\"], \"syscalls\": ["
		  NO_ESCAPE ", " GUARD_CLONE("268435456") ", " GUARD_CLONE("131072") "]}", docker, NULL },
	};
	for (size_t i = 0; i < SH_ARRAY_SIZE(rows); i++) {
		cleanup_free char *why = judge_profile(rows[i].profile, rows[i].caps);
		if (rows[i].escape)
			cr_expect(why && strstr(why, rows[i].escape), "%s: %s", rows[i].what, why ? why : "(judged safe)");
		else
			cr_expect_null(why, "%s: %s", rows[i].what, why);
	}
}

/* The kernel hands an x32 call to seccomp with x86_64's audit architecture and the x32 bit in the
 * number (SCMP_ARCH_X32 is libseccomp's token, never a seccomp_data.arch): a program that lets only
 * x32's unshare run is not safe. */
Test(initsafe, an_x32_call_is_asked_as_the_kernel_hands_it_over)
{
	struct sock_filter p[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x40000000 | 272, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1),
	};
	cleanup_free char *why = sh_init_filter_escape(p, SH_ARRAY_SIZE(p), SCMP_ARCH_X86_64);
	cr_assert(why && strstr(why, "unshare(CLONE_NEWUSER) (SCMP_ARCH_X32)"), "%s", why ? why : "(judged safe)");
}

static bool any_allow(uint32_t ret)
{
	return (ret & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ALLOW;
}

/* Hand-written programs on x86_64 unshare: the walk's answer, and its witness runs as it says. */
Test(initsafe, the_walk_answers_yes_only_with_a_call_that_gets_the_answer_and_never_where_none_does)
{
	enum { A = AUDIT_ARCH_X86_64, NR = 272 };
#define HEAD BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, A, 1, 0), \
	     BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS), BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 16)
#define DENY BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1)
#define ALLOW BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
	/* allowed only when arg0's low word has bit 28 clear (Docker's clone rule, on unshare) */
	struct sock_filter masked[] = { HEAD, BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x7e020000),
					BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1), ALLOW, DENY };
	/* allowed when bit 28 is set and the word is below 0x10000100 */
	struct sock_filter narrow[] = { HEAD, BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x10000000, 0, 2),
					BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x10000100, 1, 0), ALLOW, DENY };
	/* bit 28 set and exactly 0x10000000 excluded: 0x10000001 is allowed */
	struct sock_filter exclude[] = { HEAD, BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x10000000, 1, 0), ALLOW, DENY };
	/* an impossible path: bit 28 set and the word below 0x10000000 */
	struct sock_filter none[] = { HEAD, BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x10000000, 1, 0), ALLOW, DENY };
	/* the answer is computed from the argument: the walk cannot say */
	struct sock_filter computed[] = { HEAD, BPF_STMT(BPF_RET | BPF_A, 0) };
	struct {
		const char *what;
		const struct sock_filter *p;
		size_t n;
		sh_reach want;
	} rows[] = {
		{ "masked equality refuses the bit", masked, SH_ARRAY_SIZE(masked), SH_REACH_NEVER },
		{ "bit set and a range", narrow, SH_ARRAY_SIZE(narrow), SH_REACH_YES },
		{ "one value excluded", exclude, SH_ARRAY_SIZE(exclude), SH_REACH_YES },
		{ "no value on the path", none, SH_ARRAY_SIZE(none), SH_REACH_NEVER },
		{ "a computed answer", computed, SH_ARRAY_SIZE(computed), SH_REACH_UNSURE },
	};
	for (size_t i = 0; i < SH_ARRAY_SIZE(rows); i++) {
		sh_reach_call c = { .arch = A, .nr = NR, .bits_set = { 0x10000000 } };
		sh_seccomp_data found;
		sh_reach r = sh_bpf_reach(rows[i].p, rows[i].n, &c, any_allow, &found);
		cr_expect_eq(r, rows[i].want, "%s: %d", rows[i].what, r);
		if (r == SH_REACH_YES) {
			cr_expect(found.args[0] & 0x10000000, "%s: the call found has the bit", rows[i].what);
			cr_expect(any_allow(sh_bpf_run(rows[i].p, rows[i].n, &found, NULL)), "%s: and is allowed", rows[i].what);
		}
	}
}

Test(initsafe, the_loaders_path_must_be_the_containers_alone)
{
	struct {
		const char *config;
		const char *why;
	} rows[] = {
		{ "{\"linux\": {\"namespaces\": [{\"type\": \"mount\"}]}}", NULL },
		{ "{\"linux\": {\"namespaces\": [{\"type\": \"mount\", \"path\": \"\"}]}}", NULL },
		{ "{\"linux\": {\"namespaces\": [{\"type\": \"pid\"}]}}", "no mount namespace of its own" },
		{ "{\"linux\": {\"namespaces\": [{\"type\": \"mount\", \"path\": \"/proc/1/ns/mnt\"}]}}", "by path" },
		{ "{}", "no mount namespace of its own" },
	};
	for (size_t i = 0; i < SH_ARRAY_SIZE(rows); i++) {
		sh_json *c = NULL;
		sh_error *err = NULL;
		cr_assert_eq(sh_json_parse(rows[i].config, strlen(rows[i].config), "t", NULL, &c, &err), 0);
		const char *why = sh_init_mount_ns_unsafe(c);
		if (rows[i].why)
			cr_expect(why && strstr(why, rows[i].why), "%s: %s", rows[i].config, why ? why : "(none)");
		else
			cr_expect_null(why, "%s: %s", rows[i].config, why);
		sh_json_free(c);
	}
}

/* Attacks on init mode's judging of a filter (initsafe, bpf_reach) that it does not stop today:
 * each test asserts the secure answer. */
#include "config.h"

#include <criterion/criterion.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>

#include "initsafe.h"

/* The kernel hands an x32 call to seccomp with the x86_64 audit architecture and the x32 bit in
 * the number; SCMP_ARCH_X32 (0x4000003e) is libseccomp's token, never a seccomp_data.arch. A
 * program that lets x32's unshare (0x40000000 | 272) run must be judged unsafe on x86_64, where
 * the x32 ABI is one of the ABIs a process can call with. */
Test(redteam, an_x32_unshare_the_program_allows_is_seen)
{
	struct sock_filter p[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x40000000 | 272, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1),
	};
	char *why = sh_init_filter_escape(p, sizeof p / sizeof *p, SCMP_ARCH_X86_64);
	cr_assert_not_null(why, "a filter that lets x32's unshare(CLONE_NEWUSER) run was judged safe for init mode");
	free(why);
}

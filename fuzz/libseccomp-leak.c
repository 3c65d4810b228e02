/* Shows the libseccomp 2.5.4 leak that fuzz/lsan.supp suppresses, with libseccomp calls only:
 *   clang -g -fsanitize=address fuzz/libseccomp-leak.c -lseccomp && ./a.out
 * LeakSanitizer reports 192 bytes in 2 objects allocated inside libseccomp.so and never freed. */
#include <seccomp.h>

int main(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	seccomp_arch_add(ctx, SCMP_ARCH_X86);
	seccomp_arch_add(ctx, SCMP_ARCH_X32);
	seccomp_rule_add(ctx, SCMP_ACT_LOG, SCMP_SYS(accept4), 1, SCMP_A1(SCMP_CMP_EQ, 0));
	seccomp_rule_add(ctx, SCMP_ACT_LOG, SCMP_SYS(connect), 0);
	seccomp_rule_add(ctx, SCMP_ACT_LOG, SCMP_SYS(socketcall), 1, SCMP_A1(SCMP_CMP_EQ, 0));
	seccomp_release(ctx);
	return 0;
}

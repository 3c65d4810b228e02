/* hook/lib/compile/bpf.c: size and structure checks, and installation with the real kernel. The checker claims
 * to accept exactly what the kernel accepts, so besides hand-picked cases every opcode is tried on
 * the kernel too. Filters are installed in forked children only. Needs Linux with seccomp. */
#include "config.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpf.h"

#define INSN(c, t, f, kk) ((struct sock_filter){ .code = (c), .jt = (t), .jf = (f), .k = (kk) })
#define STMT(c, kk) INSN(c, 0, 0, kk)
#define RET_K(v) STMT(BPF_RET | BPF_K, v)
#define LD_IMM(v) STMT(BPF_LD | BPF_IMM, v)
#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- children: install filters where they cannot affect the test runner ----------------------- */

static int report_fd = -1;

/* In a child: describe the failure to the parent and stop. */
static void __attribute__((noreturn, format(printf, 1, 2))) child_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdprintf(report_fd, fmt, ap);
	va_end(ap);
	_exit(1);
}

#define CHILD_CHECK(cond, ...) \
	do { \
		if (!(cond)) \
			child_fail(__VA_ARGS__); \
	} while (0)

/* Run fn in a forked child; the test fails with the child's message unless it exits 0 (or, with
 * want_signal, is killed by that signal). */
static void in_child_ending(void (*fn)(void), int want_signal)
{
	int p[2];
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(p[0]);
		report_fd = p[1];
		CHILD_CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, "no_new_privs: %s", strerror(errno));
		fn();
		_exit(0);
	}
	close(p[1]);
	char msg[4096] = "";
	size_t n = 0;
	ssize_t r;
	while (n < sizeof msg - 1 && (r = read(p[0], msg + n, sizeof msg - 1 - n)) > 0)
		n += (size_t)r;
	msg[n] = '\0';
	close(p[0]);
	int st;
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	if (want_signal) {
		cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == want_signal, "child status 0x%x, not signal %d: %s",
			  st, want_signal, msg);
		return;
	}
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child %s %d: %s", WIFSIGNALED(st) ? "killed by signal" : "exited",
		  WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), msg);
}

static void in_child(void (*fn)(void))
{
	in_child_ending(fn, 0);
}

/* ---- sizes --------------------------------------------------------------------------------------- */

Test(bpf_size, limits)
{
	cr_expect_not_null(sh_bpf_check_size(0));
	cr_expect_not_null(sh_bpf_check_size(7));
	cr_expect_not_null(sh_bpf_check_size(12));
	cr_expect_null(sh_bpf_check_size(8));
	cr_expect_null(sh_bpf_check_size(4096 * 8));
	cr_expect_not_null(sh_bpf_check_size(4097 * 8));
	cr_expect_not_null(sh_bpf_check_size((size_t)65536 * 8), "sock_fprog.len would wrap to 0");
}

/* ---- structure: hand-picked cases ------------------------------------------------------------- */

static const struct sock_filter allow_all[] = { RET_K(SECCOMP_RET_ALLOW) };

Test(bpf_check, accepts_a_minimal_program)
{
	cr_expect_null(sh_bpf_check_program(allow_all, 1));
}

Test(bpf_check, rejects_empty_and_oversized)
{
	cr_expect_not_null(sh_bpf_check_program(allow_all, 0));
	static struct sock_filter big[SH_BPF_MAX_INSNS + 1];
	for (size_t i = 0; i < LEN(big); i++)
		big[i] = RET_K(SECCOMP_RET_ALLOW);
	cr_expect_null(sh_bpf_check_program(big, SH_BPF_MAX_INSNS));
	cr_expect_not_null(sh_bpf_check_program(big, SH_BPF_MAX_INSNS + 1));
}

Test(bpf_check, rejects_jumps_past_the_end)
{
	const struct sock_filter jt[] = { INSN(BPF_JMP | BPF_JEQ | BPF_K, 1, 1, 0), RET_K(0) };
	const struct sock_filter jf[] = { INSN(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), RET_K(0) };
	const struct sock_filter ja[] = { STMT(BPF_JMP | BPF_JA, 1), RET_K(0) };
	const struct sock_filter ja_huge[] = { STMT(BPF_JMP | BPF_JA, 0xffffffff), RET_K(0) };
	const struct sock_filter ok[] = { INSN(BPF_JMP | BPF_JGT | BPF_K, 1, 0, 0), RET_K(0), RET_K(0) };
	cr_expect_not_null(sh_bpf_check_program(jt, LEN(jt)));
	cr_expect_not_null(sh_bpf_check_program(jf, LEN(jf)));
	cr_expect_not_null(sh_bpf_check_program(ja, LEN(ja)));
	cr_expect_not_null(sh_bpf_check_program(ja_huge, LEN(ja_huge)));
	cr_expect_null(sh_bpf_check_program(ok, LEN(ok)));
}

Test(bpf_check, requires_a_final_return)
{
	const struct sock_filter p[] = { RET_K(0), LD_IMM(0) };
	cr_expect_str_eq(sh_bpf_check_program(p, LEN(p)), "the program does not end with a return");
}

Test(bpf_check, loads_stay_inside_seccomp_data)
{
	const struct sock_filter last[] = { STMT(BPF_LD | BPF_W | BPF_ABS, 60), RET_K(0) };
	const struct sock_filter past[] = { STMT(BPF_LD | BPF_W | BPF_ABS, 64), RET_K(0) };
	const struct sock_filter odd[] = { STMT(BPF_LD | BPF_W | BPF_ABS, 2), RET_K(0) };
	const struct sock_filter byte[] = { STMT(BPF_LD | BPF_B | BPF_ABS, 0), RET_K(0) };
	const struct sock_filter ind[] = { STMT(BPF_LD | BPF_W | BPF_IND, 0), RET_K(0) };
	cr_expect_null(sh_bpf_check_program(last, LEN(last)));
	cr_expect_not_null(sh_bpf_check_program(past, LEN(past)));
	cr_expect_not_null(sh_bpf_check_program(odd, LEN(odd)));
	cr_expect_not_null(sh_bpf_check_program(byte, LEN(byte)));
	cr_expect_not_null(sh_bpf_check_program(ind, LEN(ind)));
}

Test(bpf_check, scratch_memory_index_and_initialisation)
{
	const struct sock_filter st16[] = { STMT(BPF_ST, 16), RET_K(0) };
	const struct sock_filter rw[] = { LD_IMM(1), STMT(BPF_ST, 15), STMT(BPF_LDX | BPF_MEM, 15), RET_K(0) };
	const struct sock_filter unwritten[] = { STMT(BPF_LD | BPF_MEM, 0), RET_K(0) };
	cr_expect_not_null(sh_bpf_check_program(st16, LEN(st16)));
	cr_expect_null(sh_bpf_check_program(rw, LEN(rw)));
	cr_expect_not_null(sh_bpf_check_program(unwritten, LEN(unwritten)));
}

Test(bpf_check, alu_operands)
{
	const struct sock_filter div0[] = { STMT(BPF_ALU | BPF_DIV | BPF_K, 0), RET_K(0) };
	const struct sock_filter divx[] = { STMT(BPF_ALU | BPF_DIV | BPF_X, 0), RET_K(0) };
	const struct sock_filter shl32[] = { STMT(BPF_ALU | BPF_LSH | BPF_K, 32), RET_K(0) };
	const struct sock_filter mod[] = { STMT(BPF_ALU | BPF_MOD | BPF_K, 3), RET_K(0) };
	cr_expect_not_null(sh_bpf_check_program(div0, LEN(div0)));
	cr_expect_null(sh_bpf_check_program(divx, LEN(divx)), "division by X is checked at run time");
	cr_expect_not_null(sh_bpf_check_program(shl32, LEN(shl32)));
	cr_expect_not_null(sh_bpf_check_program(mod, LEN(mod)), "seccomp does not allow BPF_MOD");
}

/* ---- the kernel agrees with the checker ------------------------------------------------------- */

/* 1 accepted, 0 refused with EINVAL; anything else ends the child. */
static int kernel_accepts(const struct sock_filter *p, size_t len)
{
	int r = sh_bpf_install(p, len, 0);
	CHILD_CHECK(r == 0 || r == -EINVAL, "seccomp(2) returned %d (%s)", r, strerror(-r));
	return r == 0;
}

/* Every 9-bit opcode with a few operands, in a program that allows everything if accepted:
 * A = ALLOW, X = 1 (a division by X = 0 would end the program with 0, KILL_THREAD), the
 * instruction, RET ALLOW. Accepted programs stack, each costing 4+4 of the kernel's
 * 32768-instruction budget, which a few hundred stay far below. */
static void sweep_opcodes(void)
{
	static const uint32_t ks[] = { 0, 1, 4, 16, 32, 64 };
	int mismatches = 0;
	for (unsigned code = 0; code < 0x200; code++) {
		bool ret = BPF_CLASS(code) == BPF_RET;
		for (size_t i = 0; i < (ret ? 1 : LEN(ks)); i++) {
			uint32_t k = ret ? SECCOMP_RET_ALLOW : ks[i];
			const struct sock_filter p[] = { LD_IMM(SECCOMP_RET_ALLOW), STMT(BPF_LDX | BPF_IMM, 1),
							 STMT((uint16_t)code, k), RET_K(SECCOMP_RET_ALLOW) };
			int want = kernel_accepts(p, LEN(p));
			int got = sh_bpf_check_program(p, LEN(p)) == NULL;
			if (want != got && mismatches++ < 10)
				dprintf(report_fd, "code 0x%03x k=%u: kernel %s, checker %s\n", code, k,
					want ? "accepts" : "refuses", got ? "accepts" : "refuses");
		}
	}
	CHILD_CHECK(mismatches == 0, "%d mismatches\n", mismatches);
}

Test(bpf_kernel, every_opcode_as_the_kernel_decides)
{
	in_child(sweep_opcodes);
}

typedef struct program_case {
	const char *name;
	bool valid;
	size_t len;
	struct sock_filter insns[8];
} program_case;

#define A_ALLOW LD_IMM(SECCOMP_RET_ALLOW)
#define RET_A STMT(BPF_RET | BPF_A, 0)
static const program_case cases[] = {
	{ "store then load", true, 4, { A_ALLOW, STMT(BPF_ST, 0), STMT(BPF_LD | BPF_MEM, 0), RET_A } },
	{ "load before any store", false, 2, { STMT(BPF_LD | BPF_MEM, 0), RET_A } },
	{ "store on one branch only", false, 5,
	  { A_ALLOW, INSN(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 5), STMT(BPF_ST, 0), STMT(BPF_LD | BPF_MEM, 0), RET_A } },
	{ "store on both branches", true, 7,
	  { A_ALLOW, INSN(BPF_JMP | BPF_JEQ | BPF_K, 0, 2, 5), STMT(BPF_ST, 0), STMT(BPF_JMP | BPF_JA, 1),
	    STMT(BPF_ST, 0), STMT(BPF_LD | BPF_MEM, 0), RET_A } },
	/* Only a jump that stored reaches index 5, but the kernel also counts the fall-through after
	 * the RET at index 4, as if it were a path. */
	{ "fall-through after a return counts", false, 7,
	  { A_ALLOW, INSN(BPF_JMP | BPF_JEQ | BPF_K, 0, 2, 5), STMT(BPF_ST, 0), STMT(BPF_JMP | BPF_JA, 1), RET_A,
	    STMT(BPF_LD | BPF_MEM, 0), RET_A } },
	{ "X-source jumps and ALU", true, 6,
	  { A_ALLOW, STMT(BPF_LDX | BPF_IMM, 3), STMT(BPF_ALU | BPF_ADD | BPF_X, 0), STMT(BPF_ALU | BPF_SUB | BPF_X, 0),
	    INSN(BPF_JMP | BPF_JGE | BPF_X, 0, 0, 0), RET_A } },
	{ "JA to the last instruction", true, 3, { A_ALLOW, STMT(BPF_JMP | BPF_JA, 0), RET_A } },
	{ "seccomp_data.args[5] high word", true, 2, { STMT(BPF_LD | BPF_W | BPF_ABS, 60), RET_K(SECCOMP_RET_ALLOW) } },
};

static void check_cases(void)
{
	for (size_t i = 0; i < LEN(cases); i++) {
		const program_case *c = &cases[i];
		const char *why = sh_bpf_check_program(c->insns, c->len);
		CHILD_CHECK((why == NULL) == c->valid, "%s: checker says %s", c->name, why ? why : "valid");
		CHILD_CHECK(kernel_accepts(c->insns, c->len) == c->valid, "%s: the kernel disagrees", c->name);
	}
}

Test(bpf_kernel, memory_and_jump_cases_as_the_kernel_decides)
{
	in_child(check_cases);
}

/* ---- installation -------------------------------------------------------------------------------- */

/* ERRNO(ENOSYS) for getppid, ALLOW for the rest. Single-architecture on purpose: a unit test of
 * installation, not a filter anyone should ship (no arch check). */
static const struct sock_filter deny_getppid[] = {
	STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	INSN(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, __NR_getppid),
	RET_K(SECCOMP_RET_ERRNO | ENOSYS),
	RET_K(SECCOMP_RET_ALLOW),
};

static void install_deny_getppid(void)
{
	pid_t self = (pid_t)syscall(SYS_getpid);
	CHILD_CHECK(syscall(SYS_getppid) > 0, "getppid before the filter");
	int r = sh_bpf_install(deny_getppid, LEN(deny_getppid), 0);
	CHILD_CHECK(r == 0, "install: %s", strerror(-r));
	errno = 0;
	long ppid = syscall(SYS_getppid);
	CHILD_CHECK(ppid == -1 && errno == ENOSYS, "getppid returned %ld, errno %d", ppid, errno);
	CHILD_CHECK(syscall(SYS_getpid) == self, "getpid changed or failed");
}

Test(bpf_install, filter_decides_syscalls)
{
	in_child(install_deny_getppid);
}

static void install_with_listener(void)
{
	int fd = sh_bpf_install(deny_getppid, LEN(deny_getppid), SECCOMP_FILTER_FLAG_NEW_LISTENER);
	CHILD_CHECK(fd > 2, "NEW_LISTENER returned %d (%s)", fd, fd < 0 ? strerror(-fd) : "not an fd");
	int fdflags = fcntl(fd, F_GETFD);
	CHILD_CHECK(fdflags >= 0 && (fdflags & FD_CLOEXEC), "the listener fd is not close-on-exec");
	errno = 0;
	CHILD_CHECK(syscall(SYS_getppid) == -1 && errno == ENOSYS, "the filter is not in place");
}

Test(bpf_install, new_listener_returns_an_fd)
{
	in_child(install_with_listener);
}

/* Seccomp_filters: in /proc/self/status (the runner itself may already run under filters). */
static int filter_count(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	CHILD_CHECK(f != NULL, "/proc/self/status: %s", strerror(errno));
	char line[256];
	int n = -1;
	while (fgets(line, sizeof line, f) && sscanf(line, "Seccomp_filters: %d", &n) != 1)
		;
	fclose(f);
	CHILD_CHECK(n >= 0, "no Seccomp_filters line in /proc/self/status");
	return n;
}

static void install_refusals(void)
{
	int before = filter_count();
	const struct sock_filter bad[] = { STMT(BPF_LD | BPF_MEM, 0), RET_K(SECCOMP_RET_ALLOW) };
	int r = sh_bpf_install(bad, LEN(bad), 0);
	CHILD_CHECK(r == -EINVAL, "a program the kernel refuses: %d", r);
	r = sh_bpf_install(allow_all, 0, 0);
	CHILD_CHECK(r == -EINVAL, "an empty program: %d", r);
	r = sh_bpf_install(allow_all, (size_t)65536 + 1, 0);
	CHILD_CHECK(r == -EINVAL, "a length that wraps sock_fprog.len: %d", r);
	r = sh_bpf_install(allow_all, 1, 1u << 30);
	CHILD_CHECK(r == -EINVAL, "an unknown flag: %d", r);
	CHILD_CHECK(filter_count() == before, "a refused install left a filter behind");
}

/* Classic BPF has no exceptions: a division by X = 0 ends the program with 0, which seccomp reads
 * as SECCOMP_RET_KILL_THREAD (what a simulator must model too). */
static void divide_by_zero_x(void)
{
	const struct sock_filter p[] = { LD_IMM(SECCOMP_RET_ALLOW), STMT(BPF_ALU | BPF_DIV | BPF_X, 0), RET_A };
	int r = sh_bpf_install(p, LEN(p), 0);
	CHILD_CHECK(r == 0, "install: %s", strerror(-r));
	syscall(SYS_getppid);
	child_fail("survived a filter that divided by zero");
}

Test(bpf_install, division_by_zero_x_kills)
{
	in_child_ending(divide_by_zero_x, SIGSYS);
}

Test(bpf_install, refusals_are_negative_errno)
{
	in_child(install_refusals);
}

Test(bpf_free, resets)
{
	sh_bpf b = { .insns = calloc(2, sizeof(struct sock_filter)), .len = 2 };
	sh_bpf_free(&b);
	cr_expect_null(b.insns);
	cr_expect_eq(b.len, 0);
	sh_bpf_free(&b); /* twice is harmless */
}

/* Checking and installing classic-BPF seccomp programs. libc only: the static loader links it.
 *
 * sh_bpf_check_program() accepts exactly what the kernel accepts for SECCOMP_SET_MODE_FILTER
 * (bpf_check_classic() followed by seccomp_check_filter()), so a program that passes here fails to
 * install only for resource reasons (memory, the 32768-instruction limit across stacked filters)
 * or because of flags, never because of its content. */
#include "config.h"
#include "bpf.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

const char *sh_bpf_check_size(size_t bytes)
{
	if (bytes == 0)
		return "the program is empty";
	if (bytes % sizeof(struct sock_filter))
		return "the size is not a multiple of 8 bytes (a truncated or foreign file)";
	if (bytes / sizeof(struct sock_filter) > SH_BPF_MAX_INSNS)
		return "the program has more than 4096 instructions";
	return NULL;
}

/* The opcodes seccomp allows, matched on the whole 16-bit code as the kernel does: unused bits
 * set (a BPF_ST with a size, a BPF_NEG with BPF_X, BPF_MOD, packet loads) are refused. */
static bool seccomp_allows(uint16_t code)
{
	switch (code) {
	case BPF_LD | BPF_W | BPF_ABS:
	case BPF_LD | BPF_W | BPF_LEN:
	case BPF_LDX | BPF_W | BPF_LEN:
	case BPF_LD | BPF_IMM:
	case BPF_LDX | BPF_IMM:
	case BPF_LD | BPF_MEM:
	case BPF_LDX | BPF_MEM:
	case BPF_ST:
	case BPF_STX:
	case BPF_RET | BPF_K:
	case BPF_RET | BPF_A:
	case BPF_MISC | BPF_TAX:
	case BPF_MISC | BPF_TXA:
	case BPF_ALU | BPF_NEG:
	case BPF_JMP | BPF_JA:
		return true;
	}
	if (code > 0xff)
		return false;
	uint16_t op = BPF_OP(code);
	if (BPF_CLASS(code) == BPF_ALU) /* K or X source; seccomp_check_filter() has no BPF_MOD */
		return op == BPF_ADD || op == BPF_SUB || op == BPF_MUL || op == BPF_DIV || op == BPF_AND ||
		       op == BPF_OR || op == BPF_XOR || op == BPF_LSH || op == BPF_RSH;
	if (BPF_CLASS(code) == BPF_JMP) /* conditional jumps, K or X */
		return op == BPF_JEQ || op == BPF_JGT || op == BPF_JGE || op == BPF_JSET;
	return false;
}

/* Operand checks of one allowed instruction at index i of a len-instruction program. Jumps only
 * go forward in classic BPF, so "in range" is all that termination needs. */
static const char *check_operands(const struct sock_filter *f, size_t i, size_t len)
{
	size_t room = len - i - 1; /* instructions after this one */
	switch (f->code) {
	case BPF_LD | BPF_W | BPF_ABS:
		if (f->k >= sizeof(struct seccomp_data) || f->k % 4)
			return "a load outside struct seccomp_data or not 4-byte aligned";
		return NULL;
	case BPF_LD | BPF_MEM:
	case BPF_LDX | BPF_MEM:
	case BPF_ST:
	case BPF_STX:
		return f->k >= BPF_MEMWORDS ? "a scratch-memory index out of range" : NULL;
	case BPF_ALU | BPF_DIV | BPF_K:
		return f->k == 0 ? "a division by zero" : NULL;
	case BPF_ALU | BPF_LSH | BPF_K:
	case BPF_ALU | BPF_RSH | BPF_K:
		return f->k >= 32 ? "a shift by 32 bits or more" : NULL;
	case BPF_JMP | BPF_JA:
		return f->k >= room ? "a jump past the end" : NULL;
	}
	if (BPF_CLASS(f->code) == BPF_JMP && (f->jt >= room || f->jf >= room))
		return "a jump past the end";
	return NULL;
}

/* The kernel refuses a program that may read a scratch-memory word no path has written. Walk the
 * program once, keeping the set of words written on every path to each instruction (forward
 * jumps make one pass enough). Like the kernel, fall-through after a RET still counts as a path. */
static const char *check_memory_reads(const struct sock_filter *insns, size_t len)
{
	uint16_t known[SH_BPF_MAX_INSNS]; /* words written on every jump into each instruction */
	uint16_t written = 0;
	for (size_t i = 0; i < len; i++)
		known[i] = 0xffff;
	for (size_t i = 0; i < len; i++) {
		const struct sock_filter *f = &insns[i];
		written &= known[i];
		if (f->code == BPF_ST || f->code == BPF_STX) {
			written |= (uint16_t)(1u << f->k);
		} else if (f->code == (BPF_LD | BPF_MEM) || f->code == (BPF_LDX | BPF_MEM)) {
			if (!(written & (1u << f->k)))
				return "a scratch-memory read before any write";
		} else if (f->code == (BPF_JMP | BPF_JA)) {
			known[i + 1 + f->k] &= written;
			written = 0xffff; /* the next instruction is reached only by jumps */
		} else if (BPF_CLASS(f->code) == BPF_JMP) {
			known[i + 1 + f->jt] &= written;
			known[i + 1 + f->jf] &= written;
			written = 0xffff;
		}
	}
	return NULL;
}

const char *sh_bpf_check_program(const struct sock_filter *insns, size_t len)
{
	if (len == 0)
		return "the program is empty";
	if (len > SH_BPF_MAX_INSNS)
		return "the program has more than 4096 instructions";
	for (size_t i = 0; i < len; i++) {
		if (!seccomp_allows(insns[i].code))
			return "an instruction seccomp does not allow";
		const char *bad = check_operands(&insns[i], i, len);
		if (bad)
			return bad;
	}
	if (BPF_CLASS(insns[len - 1].code) != BPF_RET)
		return "the program does not end with a return";
	return check_memory_reads(insns, len);
}

int sh_bpf_install(const struct sock_filter *insns, size_t len, unsigned flags)
{
	/* sock_fprog.len is 16 bits: refuse rather than let a cast install a prefix of the program. */
	if (len == 0 || len > SH_BPF_MAX_INSNS)
		return -EINVAL;
	struct sock_fprog prog = { .len = (unsigned short)len, .filter = (struct sock_filter *)insns };
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	return r < 0 ? -errno : (int)r;
}

void sh_bpf_free(sh_bpf *b)
{
	free(b->insns);
	b->insns = NULL;
	b->len = 0;
}

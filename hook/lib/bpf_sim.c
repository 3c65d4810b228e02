/* A classic-BPF interpreter with the kernel's seccomp semantics: what a filter returns for a given
 * struct seccomp_data, and how many instructions it ran. Used by explain, diff, the benchmark and
 * the translator tests; libc only. */
#include "config.h"
#include "bpf.h"

#include <string.h>

static uint32_t load_word(const sh_seccomp_data *d, uint32_t off)
{
	uint32_t w = 0;
	if (off + 4 <= sizeof(*d))
		memcpy(&w, (const char *)d + off, 4);
	return w;
}

uint32_t sh_bpf_alu(uint16_t op, uint32_t a, uint32_t x)
{
	switch (op) {
	case BPF_ADD: return a + x;
	case BPF_SUB: return a - x;
	case BPF_MUL: return a * x;
	case BPF_DIV: return x ? a / x : 0;
	case BPF_MOD: return x ? a % x : 0;
	case BPF_OR: return a | x;
	case BPF_AND: return a & x;
	case BPF_XOR: return a ^ x;
	case BPF_LSH: return a << (x & 31); /* the kernel's 32-bit shifts use the low 5 bits */
	case BPF_RSH: return a >> (x & 31);
	case BPF_NEG: return -a;
	default: return a;
	}
}

bool sh_bpf_jump_taken(uint16_t op, uint32_t a, uint32_t v)
{
	switch (op) {
	case BPF_JEQ: return a == v;
	case BPF_JGT: return a > v;
	case BPF_JGE: return a >= v;
	case BPF_JSET: return (a & v) != 0;
	default: return false;
	}
}

uint32_t sh_bpf_run(const struct sock_filter *insns, size_t len, const sh_seccomp_data *data, unsigned *steps)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };
	unsigned n = 0;
	for (size_t pc = 0; pc < len; pc++) {
		const struct sock_filter *f = &insns[pc];
		uint32_t src = BPF_SRC(f->code) == BPF_X ? x : f->k;
		n++;
		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
			a = BPF_MODE(f->code) == BPF_ABS ? load_word(data, f->k)
			    : BPF_MODE(f->code) == BPF_MEM ? mem[f->k % BPF_MEMWORDS]
			    : BPF_MODE(f->code) == BPF_LEN ? (uint32_t)sizeof(*data) : f->k;
			break;
		case BPF_LDX:
			x = BPF_MODE(f->code) == BPF_MEM ? mem[f->k % BPF_MEMWORDS]
			    : BPF_MODE(f->code) == BPF_LEN ? (uint32_t)sizeof(*data) : f->k;
			break;
		case BPF_ST:
			mem[f->k % BPF_MEMWORDS] = a;
			break;
		case BPF_STX:
			mem[f->k % BPF_MEMWORDS] = x;
			break;
		case BPF_ALU:
			/* Dividing by a zero register ends the filter with 0 (kill the thread), as the kernel does. */
			if ((BPF_OP(f->code) == BPF_DIV || BPF_OP(f->code) == BPF_MOD) && src == 0) {
				if (steps)
					*steps = n;
				return 0;
			}
			a = sh_bpf_alu(BPF_OP(f->code), a, src);
			break;
		case BPF_JMP:
			if (BPF_OP(f->code) == BPF_JA)
				pc += f->k;
			else
				pc += sh_bpf_jump_taken(BPF_OP(f->code), a, src) ? f->jt : f->jf;
			break;
		case BPF_RET:
			if (steps)
				*steps = n;
			return BPF_RVAL(f->code) == BPF_A ? a : f->k;
		case BPF_MISC:
			if (BPF_MISCOP(f->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		}
	}
	if (steps)
		*steps = n;
	return SECCOMP_RET_KILL_PROCESS; /* fell off the end: the kernel would have refused it */
}

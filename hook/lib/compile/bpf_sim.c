/* A classic-BPF interpreter with the kernel's seccomp semantics: what a filter returns for a given
 * struct seccomp_data, how many instructions it ran and what it read. The decision engine
 * (hook/lib/compile/explain.c) runs it for explain, diff and the supervisor; also the benchmark and the
 * translator tests; libc only. */
#include "config.h"
#include "bpf.h"

#include <string.h>

static uint32_t load_word(const sh_seccomp_data *d, uint32_t off, uint32_t *loaded)
{
	uint32_t w = 0;
	if (off <= sizeof(*d) - 4) { /* not off + 4: a k near 2^32 would wrap */
		memcpy(&w, (const char *)d + off, 4);
		/* Both words an unaligned load touches (the kernel refuses those; a program read from a
		 * file has not been through it). */
		*loaded |= UINT32_C(1) << (off / 4) | UINT32_C(1) << ((off + 3) / 4);
	}
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

bool sh_ret_outranks(uint32_t a, uint32_t b)
{
	/* The kernel compares the action bits as signed: KILL_PROCESS (0x80000000) is the lowest. */
	return (int32_t)(a & SECCOMP_RET_ACTION_FULL) < (int32_t)(b & SECCOMP_RET_ACTION_FULL);
}

uint32_t sh_ret_stacked(const uint32_t *rets, size_t n)
{
	uint32_t ret = SECCOMP_RET_ALLOW;
	for (size_t i = 0; i < n; i++)
		if (sh_ret_outranks(rets[i], ret))
			ret = rets[i];
	return ret;
}

int sh_ret_rank(uint32_t ret)
{
	switch (ret & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_ALLOW:
	case SECCOMP_RET_LOG: return 0;
	case SECCOMP_RET_TRACE: return 1;
	case SECCOMP_RET_USER_NOTIF: return 2;
	case SECCOMP_RET_ERRNO: return 3;
	case SECCOMP_RET_TRAP: return 4;
	case SECCOMP_RET_KILL_PROCESS: return 6;
	default: return 5;
	}
}

uint32_t sh_bpf_stack(uint32_t newer, uint32_t older)
{
	return sh_ret_outranks(older, newer) ? older : newer;
}

uint32_t sh_bpf_run(const struct sock_filter *insns, size_t len, const sh_seccomp_data *data, unsigned *steps)
{
	sh_bpf_trace t;
	uint32_t ret = sh_bpf_run_traced(insns, len, data, &t);
	if (steps)
		*steps = t.steps;
	return ret;
}

uint32_t sh_bpf_run_traced(const struct sock_filter *insns, size_t len, const sh_seccomp_data *data, sh_bpf_trace *t)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };
	unsigned n = 0;
	t->loaded = 0;
	for (size_t pc = 0; pc < len; pc++) {
		const struct sock_filter *f = &insns[pc];
		uint32_t src = BPF_SRC(f->code) == BPF_X ? x : f->k;
		n++;
		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
			a = BPF_MODE(f->code) == BPF_ABS ? load_word(data, f->k, &t->loaded)
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
				t->steps = n;
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
			t->steps = n;
			return BPF_RVAL(f->code) == BPF_A ? a : f->k;
		case BPF_MISC:
			if (BPF_MISCOP(f->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		}
	}
	t->steps = n;
	return SECCOMP_RET_KILL_PROCESS; /* fell off the end: the kernel would have refused it */
}

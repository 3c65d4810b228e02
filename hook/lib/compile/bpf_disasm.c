/* The readable listing of a classic-BPF seccomp program that `dump --format=disasm` and `compile
 * --format=disasm` print. */
#include "config.h"
#include "bpf.h"
#include "names.h"
#include "util.h"

#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>

/* One line per instruction. A syscall number is named for the architecture the program's flow has
 * established at that instruction (sh_bpf_flow_info, the analysis the range rewrite uses), so an x86
 * branch names x86 syscalls whatever comes before it in the listing; the native one where the paths
 * do not agree on one. */
void sh_bpf_disasm(FILE *out, const sh_bpf *b)
{
	uint32_t native = seccomp_arch_native();
	sh_bpf_flow *fl = sh_xcalloc(b->len ? b->len : 1, sizeof(*fl));
	sh_bpf_flow_info(b->insns, b->len, fl);
	for (size_t i = 0; i < b->len; i++) {
		const struct sock_filter *f = &b->insns[i];
		fprintf(out, "  %04zu: ", i);
		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
			if (BPF_MODE(f->code) == BPF_ABS)
				fprintf(out, "ld  [%u]%s\n", f->k, f->k == 0 ? "  ; nr" : f->k == 4 ? "  ; arch" : "");
			else
				fprintf(out, "ld  code=%#x k=%#x\n", f->code, f->k);
			break;
		case BPF_JMP: {
			const char *name = NULL;
			if (fl[i].a_is_nr && BPF_OP(f->code) != BPF_JA)
				name = seccomp_syscall_resolve_num_arch(fl[i].arch ? fl[i].arch : native, (int)f->k);
			if (BPF_OP(f->code) == BPF_JA)
				fprintf(out, "ja  %zu\n", i + 1 + f->k);
			else
				fprintf(out, "j%s #%#x%s%s  true:%zu false:%zu\n",
					BPF_OP(f->code) == BPF_JEQ ? "eq" : BPF_OP(f->code) == BPF_JGT ? "gt"
					: BPF_OP(f->code) == BPF_JGE ? "ge" : "set", f->k, name ? " " : "", name ? name : "",
					i + 1 + f->jt, i + 1 + f->jf);
			free((void *)name);
			break;
		}
		case BPF_RET:
			fprintf(out, "ret %s", sh_ret_short_name(f->k));
			if ((f->k & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO ||
			    (f->k & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_TRACE)
				fprintf(out, "(%u)", f->k & SECCOMP_RET_DATA);
			fputc('\n', out);
			break;
		default:
			fprintf(out, "op  code=%#x jt=%u jf=%u k=%#x\n", f->code, f->jt, f->jf, f->k);
		}
	}
	free(fl);
}


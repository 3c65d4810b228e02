/* seccomp-hook's own argument checks for a call whose checks libseccomp builds wrongly (verify.h
 * finds them): a block of BPF placed in front of the program that decides that one call exactly as
 * its rules say (translate.h's sh_call_rules: the most restrictive rule whose conditions hold, the
 * first among equals, otherwise the call's default) and lets every other call through to the
 * program. The result is checked like any program. */
#ifndef SH_ARGCHECK_H
#define SH_ARGCHECK_H

#include "bpf.h"
#include "translate.h"

/* The block for the call `nr` on `c->arch` (as the kernel reports it: x32 numbers with their bit).
 * Its last instruction falls through to whatever follows. Caller frees out. */
void sh_argcheck_block(const sh_call_rules *c, uint32_t nr, sh_bpf *out);

/* Blocks in front of a program: *b becomes blocks + b. */
void sh_argcheck_prepend(sh_bpf *b, const sh_bpf *blocks, size_t n);

#endif

/* "Did you mean ...?": the nearest known name to a misspelt action, operator, errno, syscall,
 * architecture or capability, and the syscalls Linux has that the linked libseccomp may not know yet
 * (a right name, not a typo). */
#ifndef SH_SUGGEST_H
#define SH_SUGGEST_H

#include <stddef.h>

/* Optimal-string-alignment distance of a and b (a swap of two neighbours counts 1), or max + 1 when
 * it is larger than max. O(len(a) * (2 * max + 1)) time; names over 64 bytes are never near. */
size_t sh_edit_distance(const char *a, const char *b, size_t max);
/* The one candidate nearest to s (nth(0), nth(1)... until NULL) within 2 edits, and within a third
 * of s's length not counting a leading prefix (NULL for none: "SCMP_ACT_") that the candidates'
 * spelling shares; NULL when there is none or two are equally near. */
const char *sh_nearest_name(const char *s, const char *prefix, const char *(*nth)(size_t i));
/* The same among n names (no prefix): the keys of a JSON object a reader knows. */
const char *sh_nearest_of(const char *s, const char *const *names, size_t n);

const char *sh_suggest_action(const char *s);
const char *sh_suggest_op(const char *s);
const char *sh_suggest_errno(const char *s);
/* Any spelling of an architecture (SCMP_ARCH_X86_64, x86_64, amd64). */
const char *sh_suggest_arch(const char *s);
/* A capability, in any case, with or without CAP_: the CAP_ name (CAP_SYS_ADMIN). */
const char *sh_suggest_cap(const char *s);
/* Among the syscall names libseccomp knows on the native architecture and the newer ones below; a
 * name in another case (MKDIR) is the lower-case one's. */
const char *sh_suggest_syscall(const char *s);
/* Where syscall NAME comes from when it is a real one that the libseccomp releases distributions
 * ship may not know yet: the Linux release that added it ("Linux 6.10" for mseal), or "m68k only"
 * for the m68k syscalls (libseccomp supports m68k from 2.6); NULL for any other name. */
const char *sh_syscall_origin(const char *name);

#endif

/* "Did you mean ...?": the nearest known name to a misspelt action, operator, errno or syscall, and
 * the syscalls Linux has that the linked libseccomp may not know yet (a right name, not a typo). */
#ifndef SH_SUGGEST_H
#define SH_SUGGEST_H

#include <stddef.h>

/* Optimal-string-alignment distance of a and b (a swap of two neighbours counts 1), or max + 1 when
 * it is larger than max. O(len(a) * len(b)) time: callers pass names of at most 64 bytes. */
size_t sh_edit_distance(const char *a, const char *b, size_t max);
/* The one candidate nearest to s (nth(0), nth(1)... until NULL) within 2 edits, and within a third
 * of s's length; NULL when there is none or two are equally near. */
const char *sh_nearest_name(const char *s, const char *(*nth)(size_t i));

const char *sh_suggest_action(const char *s);
const char *sh_suggest_op(const char *s);
const char *sh_suggest_errno(const char *s);
/* Among the syscall names libseccomp knows on the native architecture and the newer ones below. */
const char *sh_suggest_syscall(const char *s);
/* The Linux release that added syscall NAME when it is one the libseccomp releases distributions
 * ship may not know yet ("6.10" for mseal), else NULL. */
const char *sh_syscall_linux_since(const char *name);

#endif

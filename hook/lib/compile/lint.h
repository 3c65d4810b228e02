/* Lints: problems in a valid profile that a reviewer wants to hear about before it ships. Each is a
 * warning (check --strict makes it an error) with a stable code and the location of the rule. */
#ifndef SH_LINT_H
#define SH_LINT_H

#include "diag.h"
#include "profile.h"

/* native: the arch the profile is checked for (SCMP_ARCH_* token). */
void sh_lint_profile(const sh_profile *p, uint32_t native, sh_diag *d);

/* The finding for rule r's k-th name that libseccomp cannot resolve: a note for a real syscall newer
 * than this libseccomp (code syscall-unknown-to-libseccomp), else a warning with the nearest known
 * name (unknown-syscall). The translator and check report it with this one text. */
void sh_lint_unknown_syscall(sh_diag *d, const char *file, const sh_rule *r, size_t k);

#endif

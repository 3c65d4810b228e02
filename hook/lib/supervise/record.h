/* The recorder: what a supervised run used (supervise.h calls it for every notified call), and the
 * Docker-format profile that allows exactly that, on top of the base it was recorded with. */
#ifndef SH_RECORD_H
#define SH_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "json.h"
#include "supervise.h"

typedef struct sh_recorder sh_recorder;
struct sh_crossarch_opts;

/* base: the rule set the calls were decided by (NULL: none, all allowed), borrowed. args: keep the
 * argument values of the calls Docker's profile keys on (clone's namespace flags, personality,
 * socket's domain) and allow only those. */
sh_recorder *sh_recorder_new(const sh_ruleset *base, bool args);
void sh_recorder_free(sh_recorder *r);
/* Record one call. Returns whether it is the first of its number on its arch, with the syscall's
 * name in *name (the recorder's; NULL for a number libseccomp has no name for). */
bool sh_recorder_add(sh_recorder *r, const sh_call *c, const char **name);
/* The same as an sh_call_fn: ctx is the recorder. */
void sh_recorder_call(void *ctx, const sh_call *c);

/* The profile: the base's defaultAction (SCMP_ACT_ERRNO, EPERM, without one), an archMap of the
 * native arch and its sub-architectures (`arches`, native first), and ALLOW rules for what was let
 * through, plus the names in `always` (calls made without notification). Caller frees. */
sh_json *sh_recorder_profile(const sh_recorder *r, const uint32_t *arches, size_t narches,
			     const char *const *always);

/* The same profile written to path atomically (temporary file, rename: a file or symlink there is
 * replaced, never followed), mode 0644; with x (may be NULL), also for the architectures it names
 * (crossarch.h's archMap entries and counterparts). */
int sh_recorder_write(const sh_recorder *r, const uint32_t *arches, size_t narches, const char *const *always,
		      const struct sh_crossarch_opts *x, const char *path, sh_error **err);

/* One line for people: "47 syscalls on x86_64, x86; denied by the base: mount (2 calls, ...)".
 * Caller frees. */
char *sh_recorder_summary(const sh_recorder *r);
/* Whether a call of the name was let through. */
bool sh_recorder_allowed_name(const sh_recorder *r, const char *name);
/* How many distinct syscall names were let through. */
size_t sh_recorder_allowed(const sh_recorder *r);

#endif

/* The union of Docker-format profiles (`seccomp-hook merge`): recordings of replicas or test runs,
 * or a base profile and additions, as one Docker-format profile. Everything that cannot be united
 * without choosing for the user (the default action, flags, a syscall allowed by one input and
 * denied by another) is an error that names the inputs: merge never guesses. */
#ifndef SH_MERGE_H
#define SH_MERGE_H

#include <stddef.h>

#include "error.h"
#include "json.h"
#include "profile.h"

typedef struct sh_merge_opts {
	char **allow; /* --allow: names added to the merged ALLOW rule */
	size_t nallow;
	char **deny;  /* --deny: names removed from every rule that allows them */
	size_t ndeny;
} sh_merge_opts;

typedef struct sh_merge_stats {
	size_t inputs;
	size_t allowed;     /* names in the merged unconditional ALLOW rule */
	size_t added;       /* --allow names no input allowed unconditionally */
	size_t removed;     /* --deny names some input allowed */
	size_t other_rules; /* every other rule of the result */
} sh_merge_stats;

/* Check --allow/--deny names (`opt` names the option in the message): a name libseccomp knows, or a
 * syscall newer than it (sh_syscall_origin); else an error (SH_EXIT_SYSTEM, a usage error) with
 * the nearest known name. A name in both lists is an error too. */
int sh_merge_check_opts(const sh_merge_opts *o, sh_error **err);

/* Merge n >= 1 profiles into a new Docker-format profile object (*out, caller frees). Errors
 * (SH_EXIT_INVALID): inputs disagreeing on defaultAction/defaultErrnoRet, flags, listenerPath or
 * listenerMetadata; a syscall allowed unconditionally (by an input or --allow) that a rule without
 * argument conditions gives another action than the default. st (optional) gets the counts. */
int sh_merge_profiles(const sh_profile *const *in, size_t n, const sh_merge_opts *o, sh_json **out,
		      sh_merge_stats *st, sh_error **err);

#endif

/* Stacking a deny overlay under a container's rule set, written as the one rule set a runtime
 * compiles. The kernel runs every filter a process has and takes the most restrictive answer
 * (between equal actions, the newest filter's); the overlay counts as installed first, so between
 * equal actions the container's own answer (its errno) stands. The composed rule set keeps every
 * rule of the base for the names the overlay changes nothing of, and for the others writes the
 * base's rules narrowed by the negation of the overlay's conditions, plus a rule for each region the
 * overlay denies. Conditions are combined exactly: each one is a set of 64-bit values (a comparison,
 * or a masked-equality "cube"), and where two on one argument must both hold, their intersection is
 * written as masked equalities. Whether the compiled result answers as the stack does is the
 * proof's to say (overlay.h), never assumed. */
#ifndef SH_COMPOSE_H
#define SH_COMPOSE_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "resolve.h"

/* At most this many rules for one syscall name in the result; a composition that needs more is
 * refused (its conditions do not combine into a program of reasonable size). */
#define SH_COMPOSE_MAX_PER_NAME 512

/* base NULL: no filter at all (every call allowed); the result then has the overlay's arches,
 * profile and flags and SCMP_ACT_ALLOW as its default. Otherwise it has the base's profile (borrowed:
 * it must outlive the result), default, arches, flags and listener. The overlay's rules must all deny
 * (overlay.h checks that), its default allow. */
int sh_compose(const sh_ruleset *base, const sh_ruleset *overlay, sh_ruleset **out, sh_error **err);

/* Whether some call meets both rules' conditions (as the runtime reads them: repeated indexes OR'd),
 * on a 64-bit ABI or, comparing low halves only, on a 32-bit one. Names are not compared. */
bool sh_rules_overlap(const sh_rule *a, const sh_rule *b);

#endif

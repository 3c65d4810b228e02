/* The OCI `linux.seccomp` form of a resolved rule set: what runtime mode writes into a container's
 * config and `compile --format=oci` prints (moby's output for the same inputs). */
#ifndef SH_OCI_H
#define SH_OCI_H

#include "json.h"
#include "resolve.h"

/* A new JSON object (caller frees). */
sh_json *sh_oci_seccomp(const sh_ruleset *rs, const sh_target *t);

#endif

/* The OCI `linux.seccomp` form of a resolved rule set: what runtime mode writes into a container's
 * config and `compile --format=oci` prints (moby's output for the same inputs). */
#ifndef SH_OCI_H
#define SH_OCI_H

#include "json.h"
#include "resolve.h"

/* A new JSON object (caller frees). */
sh_json *sh_oci_seccomp(const sh_ruleset *rs, const sh_target *t);
/* A rule's argument conditions as the OCI/Docker JSON array of {index, value, valueTwo, op}. */
sh_json *sh_oci_args_array(const sh_rule *r);
/* The OCI names (SECCOMP_FILTER_FLAG_*) of the kernel filter flags set in flags, as an array. */
sh_json *sh_oci_flags(uint32_t flags);

#endif

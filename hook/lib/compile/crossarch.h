/* Profiles that travel between architectures: the calls the same libc operation makes on another
 * architecture (a recording made on x86_64 lists open and stat; on aarch64 the same program calls
 * openat and newfstatat), archMap entries and rules that allow them there, and the lint that names the
 * calls of a profile with no counterpart on an architecture it lists. The table is crossarch.c's. */
#ifndef SH_CROSSARCH_H
#define SH_CROSSARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "error.h"
#include "json.h"
#include "profile.h"
#include "resolve.h"

/* clone's namespace flags (CLONE_NEWNS ... CLONE_NEWNET and CLONE_NEWCGROUP), as Docker's profile
 * masks clone's first argument: what --args keeps of each clone, and what a fork's clone on another
 * architecture must leave clear (here). */
#define SH_CLONE_NAMESPACE_FLAGS UINT64_C(0x7E020000)

typedef enum {
	SH_XARCH_SAME,       /* the target has the call itself */
	SH_XARCH_MAPPED,     /* libc makes other calls there (out) */
	SH_XARCH_NOT_NEEDED, /* libc needs no call there (x86's TLS setup: arch_prctl) */
	SH_XARCH_NONE,       /* nothing on the target does what it does (iopl, modify_ldt...) */
} sh_xarch_kind;

#define SH_XARCH_MAX 4

/* Whether the table covers calls made on `from` run on `to` (SCMP_ARCH_*): x86_64 <-> aarch64. */
bool sh_crossarch_supported(uint32_t from, uint32_t to);
/* The calls that stand on `to` for a call of `name` made on `from`: `name` itself when `to` has it,
 * plus the names the other libc builds call for the same function there (aarch64's openat is x86_64
 * musl's open); else the table's. Returns how many were put in out (at most SH_XARCH_MAX). */
size_t sh_counterparts(const char *name, uint32_t from, uint32_t to, const char **out, sh_xarch_kind *kind);

typedef struct sh_crossarch_opts {
	const uint32_t *targets; /* SCMP_ARCH_* tokens */
	size_t ntargets;
	/* The base a recording was made on, if any: a counterpart is allowed on a target only where the
	 * base, resolved for that target (capabilities and kernel of base_target), allows it whatever
	 * the arguments. */
	const sh_profile *base;
	const sh_target *base_target;
} sh_crossarch_opts;

/* What a Docker-format profile (json, written by record or merge) needs to run the same program on
 * each target: an archMap entry, and one ALLOW rule limited to the target (includes.arches) with the
 * counterparts of the names it allows whatever the arguments that it does not allow there yet (clone
 * for fork keeps the namespace-flag condition a profile narrowing clone by arguments has). A target
 * the table does not cover (or the profile's own arch) is an error. *added (optional): names added. */
int sh_crossarch_add(sh_json *profile, const sh_crossarch_opts *o, size_t *added, sh_error **err);

/* Parse "aarch64,x86_64" (any spelling of an arch name) into targets the table covers from `from`
 * (0: not checked here, sh_crossarch_add checks them against the profile); anything else is an error
 * naming it. */
int sh_crossarch_targets(const char *list, uint32_t from, uint32_t *out, size_t max, size_t *n, sh_error **err);

/* check: for each architecture the profile lists (archMap entries, `architectures`) other than the
 * native family of the first, every name it allows whatever the arguments there that the
 * architecture does not have: no-counterpart when nothing there does what it does, missing-counterpart
 * when libc calls something else there that the profile does not allow there. */
void sh_crossarch_lint(const sh_profile *p, sh_diag *d);

#endif

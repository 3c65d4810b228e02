/* Overlays: Docker-format profiles of deny rules stacked on whatever a container gets (its own
 * profile, the one its engine wrote, or none), as an operator's emergency measure for a fleet.
 *
 * What a container then runs answers every call as the kernel answers two stacked filters: the
 * overlay's program installed first, the container's on top, so the most restrictive action wins and
 * between equal actions the container's own answer (its errno) stands. Every mode gets the composed
 * rule set (compose.h), so that a call runs one filter as it does without overlays; where there is
 * none, init mode's loader installs the two programs (its --overlay). The composed rule set is used
 * only once the proof here holds: every architecture's every syscall
 * number, at the boundary values of every condition on its arguments, gets the same answer from the
 * composed program as from the stack, and the joint walk of the programs (within.h) finds no call on
 * which they differ.
 *
 * On a 32-bit ABI that multiplexes socket and IPC calls (x86's socketcall and ipc), libseccomp makes a
 * rule for socket also a rule for socketcall(SYS_SOCKET, ...), its first argument the call's number
 * in place of the rule's condition on it: the domain is behind socketcall's pointer, which seccomp
 * cannot read. The overlay's program leaves the multiplexers to the container's profile (its rules
 * apply to the direct calls only), so 32-bit programs keep their sockets, wherever the one program of
 * a runtime can do the same: where the profile decides socketcall by a rule of its own (Docker's and
 * podman's defaults allow it) or by its own socket rules. Where it cannot (no profile, or one whose
 * default decides socketcall), the overlay's program is libseccomp's, multiplexed rules and all. The
 * proof says which of the two the composed program is; init mode installs that one too. */
#ifndef SH_OVERLAY_H
#define SH_OVERLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "bpf.h"
#include "diag.h"
#include "error.h"
#include "explain.h"
#include "resolve.h"

/* Overlays by name: NAME.json in this subdirectory of the profiles directories. */
#define SH_OVERLAYS_SUBDIR "overlays"

/* An --overlay=ARG value: an existing path (contains '/' or ends in .json), else NAME for
 * overlays/NAME.json in the profiles directories (dir given: DIR/overlays only). */
int sh_overlay_find(const char *arg, const char *dir, char **path, sh_error **err);
/* An argument the applied annotation can name: no whitespace and no ',' (it lists them). */
bool sh_overlay_arg_valid(const char *arg);

/* The overlays a container gets, read and checked, in the order given (each file once). */
typedef struct sh_overlay_set {
	sh_profile **p;
	size_t n;
	char *names;     /* "af-alg,io-uring": the arguments as given, as org.seccomp-hook.applied lists them */
	char digest[65]; /* sha256 over their files' bytes, in order: what a cache key takes of them */
} sh_overlay_set;

int sh_overlay_set_load(const char *const *args, size_t n, const char *dir, sh_overlay_set *out, sh_diag *d,
			sh_error **err);
void sh_overlay_set_free(sh_overlay_set *s);

/* Whether the profile is an overlay: SCMP_ACT_ALLOW as its default, every rule denying (any action
 * but ALLOW, LOG and NOTIFY), no listener. Its architectures and flags are the filter's it is stacked
 * on: a warning says so when it names some. */
int sh_overlay_check(const sh_profile *p, sh_diag *d, sh_error **err);

/* The overlays, each resolved for the target on `arches`, as one rule set (their rules in order);
 * refused when rules of two of them, or of one, overlap on a name with different answers (which the
 * program would answer depends on libseccomp, not on the overlays). The result borrows p[0]. */
int sh_overlay_merge(const sh_profile *const *p, size_t n, const sh_target *t, const uint32_t *arches,
		     size_t narches, sh_ruleset **out, sh_error **err);

/* The overlay's program: leaving the multiplexers alone (leave_muxes; see above), else libseccomp's. */
int sh_overlay_program(const sh_ruleset *overlay, bool leave_muxes, sh_bpf *out, sh_error **err);
/* Whether the two forms differ: its arches multiplex and its rules do not name the multiplexers. */
bool sh_overlay_has_forms(const sh_ruleset *overlay);

/* A call the composed program answers unlike the stack. */
typedef struct sh_overlay_miss {
	uint32_t arch; /* SCMP_ARCH_* */
	int nr;
	uint64_t args[6];
	uint32_t want, got; /* the stack's answer, the composed program's */
} sh_overlay_miss;

/* The boundary probes: 0 when `composed` answers every call they try as `overlay` stacked under
 * `base` (NULL engine or rs: no filter), 1 with *miss set when not, -1 when it cannot be checked
 * within their limits. */
int sh_overlay_prove(const sh_engine *base, const sh_engine *overlay, const sh_engine *composed, sh_overlay_miss *miss,
		     sh_error **err);
/* Whether filters a process runs (oldest first, as sh_dump_read gives them) enforce the overlay:
 * 0 when, stacked as the kernel stacks them, they answer every call at least as restrictively as the
 * overlay's program does (the boundary probes, then the joint walk); 1 with *miss (want: the
 * overlay's answer, got: theirs) when not; -1. */
int sh_overlay_enforced(const sh_engine *overlay, const sh_bpf *filters, size_t n, sh_overlay_miss *miss,
			sh_error **err);
/* "on SCMP_ARCH_X86 socket(38, 5, 0, 0, 0, 0): the stack answers SCMP_ACT_ERRNO(97), one filter
 * SCMP_ACT_ALLOW". Caller frees. */
char *sh_overlay_miss_text(const sh_overlay_miss *m);

/* All of it: the composed rule set of base (NULL: none) and overlay, proven against the overlay's
 * program leaving the multiplexers to the base where it can, else against libseccomp's form (where
 * the base does not decide them whole, a runtime's one program has the overlay's multiplexed rules
 * too). prog (optional) gets the form it holds for: what init mode installs under the base. The
 * result borrows base's profile (or overlay's). */
int sh_overlay_stack(const sh_ruleset *base, const sh_ruleset *overlay, sh_ruleset **out, sh_bpf *prog,
		     sh_error **err);

/* What the loader calls once it has installed the overlay's program and before the workload runs:
 * installing the container's own program, then what it calls after any install (startcalls.h, for
 * the start configuration sc). NULL when the overlay lets them all through, else the first name it
 * does not. */
struct sh_start_config;
const char *sh_overlay_blocks_loader(const sh_engine *overlay, const struct sh_start_config *sc);

#endif

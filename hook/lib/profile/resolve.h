/* Resolution: a profile plus a target (native arch, capabilities, kernel) gives the rule set a
 * runtime would load, exactly as moby's profiles/seccomp turns a Docker profile into OCI form. */
#ifndef SH_RESOLVE_H
#define SH_RESOLVE_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "error.h"
#include "profile.h"

typedef struct sh_target {
	uint32_t native_arch;     /* SCMP_ARCH_* token; 0 = the host's */
	uint64_t caps;            /* bit N set = capability N present */
	unsigned kmajor, kminor;  /* kernel for minKernel */
	const uint32_t *arches;   /* --arch override (NULL = derive from the profile) */
	size_t narches;
} sh_target;

typedef struct sh_rrule {
	const sh_rule *origin; /* the profile rule it came from (borrowed) */
	sh_action_kind action;
	uint32_t errno_ret;    /* ERRNO/TRACE: errnoRet or the default EPERM */
} sh_rrule;

typedef struct sh_ruleset {
	const sh_profile *profile; /* borrowed: must outlive the rule set */
	sh_action_kind default_action;
	uint32_t default_errno; /* ERRNO/TRACE default: defaultErrnoRet or EPERM */
	uint32_t arches[SH_MAX_ARCHES]; /* arches[0] is the native arch */
	size_t narches;
	uint32_t flags;     /* kernel SECCOMP_FILTER_FLAG_* bits to install with (not TSYNC unless asked) */
	bool flags_given;   /* the profile had "flags" */
	sh_rrule *rules;
	size_t nrules;
	/* Rules made for this rule set rather than read from the profile (the notifying filters of
	 * notifyset.h, the composed rules of compose.h), owned with their names, args and comment; and
	 * the listenerPath it hands its listener to, if not the profile's. */
	sh_rule *own_rules;
	size_t nown;
	char *listener_path;
} sh_ruleset;

/* Fill a target from the running system: native arch, this process's bounding set (when
 * own_caps) or no capabilities, and uname's kernel version. */
int sh_target_init(sh_target *t, bool own_caps, sh_error **err);
/* Docker's default capability set (moby's oci/caps defaults): CHOWN, DAC_OVERRIDE, FOWNER, FSETID,
 * KILL, SETGID, SETUID, SETPCAP, NET_BIND_SERVICE, NET_RAW, SYS_CHROOT, MKNOD, AUDIT_WRITE, SETFCAP. */
#define SH_DOCKER_DEFAULT_CAPS UINT64_C(0xa80425fb)
/* "CAP_A,CAP_B" | "all" | "none"; "docker" in the list stands for Docker's default set. */
int sh_caps_parse(const char *s, uint64_t *caps, sh_error **err);
/* The capability set a --caps option value names for the commands (explain, compile, diff, exec,
 * record): without the option (s NULL) Docker's default set, what a container gets from `docker run`,
 * so that every command decides as a container would; "caller" this process's bounding set
 * (`bounding`: as root, every capability), the explicit opt-in to deciding as a privileged process;
 * else sh_caps_parse's lists. *caller says the set came from the caller. */
int sh_caps_option(const char *s, uint64_t bounding, uint64_t *caps, bool *caller, sh_error **err);
/* Readable name of a capability set and its mask: "none (0x0)", "all (0x1ffffffffff)", "docker default
 * (0xa80425fb)", "docker default+CAP_SYS_ADMIN (0xa82425fb)", "all but CAP_SYS_RESOURCE (..)", else
 * the list "CAP_CHOWN,CAP_KILL (0x21)". Caller frees. */
char *sh_caps_describe(uint64_t caps);
/* Bounding set of this process, from /proc/self/status CapBnd. */
int sh_caps_bounding(uint64_t *caps, sh_error **err);
/* "X.Y" (or "X.Y.Z-anything": only major.minor count) */
int sh_kernel_parse(const char *s, unsigned *major, unsigned *minor);
/* "x86_64,x86" -> tokens */
int sh_arches_parse(const char *s, uint32_t *out, size_t max, size_t *n, sh_error **err);

int sh_resolve(const sh_profile *p, const sh_target *t, sh_ruleset **out, sh_diag *diag, sh_error **err);
void sh_ruleset_free(sh_ruleset *rs);

/* Whether the rule is part of the rule set resolved for `t` on the native arch `native` (its
 * includes and excludes as moby reads them); explain asks it about other capability sets and kernels. */
bool sh_rule_applies(const sh_rule *r, const sh_target *t, uint32_t native);
/* Its includes/excludes' arches alone: whether it can take part on the native arch `native`. */
bool sh_rule_on_arch(const sh_rule *r, uint32_t native);
/* What the rule's includes/excludes ask of the target: "CAP_SYS_ADMIN", "!CAP_SYS_ADMIN
 * arch!=s390|s390x", "kernel>=4.8", "-" for nothing. Caller frees. */
char *sh_rule_requires_text(const sh_rule *r);

/* Whether a rule's action (with errno) is the same as the default (then it is skipped). */
bool sh_rrule_equals_default(const sh_ruleset *rs, const sh_rrule *r);

static inline void sh_rulesetp(sh_ruleset **p) { sh_ruleset_free(*p); }
#define cleanup_ruleset __attribute__((cleanup(sh_rulesetp)))

#endif

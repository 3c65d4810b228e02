/* The profile model: what a Docker-format or OCI `linux.seccomp` profile says, validated and with
 * source locations, before it is resolved for a particular container. */
#ifndef SH_PROFILE_H
#define SH_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "error.h"
#include "json.h"

typedef enum {
	SH_ACT_KILL_THREAD,  /* SCMP_ACT_KILL and SCMP_ACT_KILL_THREAD */
	SH_ACT_KILL_PROCESS,
	SH_ACT_TRAP,
	SH_ACT_ERRNO,
	SH_ACT_TRACE,
	SH_ACT_ALLOW,
	SH_ACT_LOG,
	SH_ACT_NOTIFY,
} sh_action_kind;

typedef enum {
	SH_OP_NE,
	SH_OP_LT,
	SH_OP_LE,
	SH_OP_EQ,
	SH_OP_GE,
	SH_OP_GT,
	SH_OP_MASKED_EQ,
} sh_op;

/* Kernel seccomp(2) filter flags (SECCOMP_FILTER_FLAG_*), kept as the kernel's bits. */
enum {
	SH_FLAG_TSYNC = 1u << 0,
	SH_FLAG_LOG = 1u << 1,
	SH_FLAG_SPEC_ALLOW = 1u << 2,
	SH_FLAG_NEW_LISTENER = 1u << 3,
	SH_FLAG_WAIT_KILLABLE_RECV = 1u << 5,
};

/* Limits on what a profile may contain (beyond the JSON reader's byte/depth/node limits). */
#define SH_MAX_RULES 4096
#define SH_MAX_NAMES 16384 /* across all rules */
#define SH_MAX_CONDS 64    /* argument conditions in one rule (indexes may repeat) */
#define SH_MAX_ARCHES 32
#define SH_ERRNO_MAX 4095

typedef struct sh_loc {
	unsigned line, col;
} sh_loc;

typedef struct sh_arg {
	unsigned index; /* 0..5 */
	uint64_t value, value_two;
	sh_op op;
	sh_loc loc;
} sh_arg;

/* includes / excludes */
typedef struct sh_cond {
	char **caps;   /* capability names as written (CAP_SYS_ADMIN) */
	size_t ncaps;
	char **arches; /* Go-style arch names as written (amd64, x86, arm64...) */
	size_t narches;
	bool has_min_kernel;
	unsigned kmajor, kminor;
	sh_loc loc;
} sh_cond;

typedef struct sh_rule {
	char **names;
	sh_loc *name_locs;
	size_t nnames;
	sh_action_kind action;
	bool has_errno_ret;
	uint32_t errno_ret;
	sh_arg *args;
	size_t nargs;
	sh_cond includes, excludes;
	char *comment;
	sh_loc loc;        /* the rule object */
	sh_loc action_loc;
	size_t index;      /* position in "syscalls" */
} sh_rule;

typedef struct sh_archmap_entry {
	uint32_t arch;  /* libseccomp SCMP_ARCH_* token */
	uint32_t *subs;
	size_t nsubs;
	sh_loc loc;
} sh_archmap_entry;

typedef struct sh_profile {
	char *file; /* name used in diagnostics */
	sh_action_kind default_action;
	bool has_default_errno;
	uint32_t default_errno_ret;
	sh_loc default_loc;
	uint32_t *arches; /* "architectures" */
	size_t narches;
	sh_archmap_entry *archmap;
	size_t narchmap;
	bool has_flags; /* "flags" present (even if empty) */
	uint32_t flags;
	char *listener_path;
	char *listener_metadata;
	sh_rule *rules;
	size_t nrules;
	bool embedded; /* read from linux.seccomp of a whole config.json */
} sh_profile;

/* Build a profile from a parsed JSON document: a Docker/OCI profile object, or a whole OCI config
 * whose linux.seccomp holds one. Warnings (unknown keys...) go to diag (may be NULL). */
int sh_profile_from_json(const sh_json *root, const char *file, sh_profile **out, sh_diag *diag,
			 sh_error **err);
/* Read and build in one step. */
int sh_profile_load(const char *path, sh_profile **out, sh_diag *diag, sh_error **err);
/* From a buffer (tests, stdin). */
int sh_profile_load_buffer(const char *buf, size_t len, const char *file, sh_profile **out, sh_diag *diag,
			   sh_error **err);
void sh_profile_free(sh_profile *p);
/* A rule that applies whatever the container: no arguments, no includes, no excludes. */
bool sh_rule_unconditional(const sh_rule *r);
/* Whether the rule lists the syscall name. */
bool sh_rule_names(const sh_rule *r, const char *name);
/* The errno a runtime gives for the rule (errnoRet, else EPERM). */
uint32_t sh_rule_errno(const sh_rule *r);

static inline void sh_profilep(sh_profile **p) { sh_profile_free(*p); }
#define cleanup_profile __attribute__((cleanup(sh_profilep)))

#endif

/* The OCI hook transform shared by `precreate` (stdin -> stdout), `inject` (bundle config.json) and
 * seccomp-hook-runtime: pick the profile for this container, then either write the resolved OCI form
 * into linux.seccomp (runtime mode) or compile it into the cache and start the container through the
 * init loader (init mode). In three steps: the plan decides everything from the config and the
 * options and touches nothing; act does what must happen on the host (the cache, the loader's
 * read-only copy, an agent, the seal key); write only edits the config, and seals what it wrote. */
#ifndef SH_HOOKCFG_H
#define SH_HOOKCFG_H

#include <stdbool.h>

#include "diag.h"
#include "error.h"
#include "cache.h"
#include "initproc.h"
#include "json.h"
#include "loaderstore.h"
#include "seal.h"

#define SH_ANNOT_PROFILE "org.seccomp-hook.profile"
#define SH_ANNOT_MODE "org.seccomp-hook.mode"
/* Record this container into NAME.json in the recordings directory (written when it stops);
 * record-args: "true" keeps argument values as `record --args` does. */
#define SH_ANNOT_RECORD "org.seccomp-hook.record"
#define SH_ANNOT_RECORD_ARGS "org.seccomp-hook.record-args"
/* enforce | complain: report every call the profile denies with an errno (the deciding rule). */
#define SH_ANNOT_REPORT "org.seccomp-hook.report"
/* "NAME MODE sha256:DIGEST[ overlays=NAME,..][ record=..|report=..]", set by the hook */
#define SH_ANNOT_APPLIED "org.seccomp-hook.applied"
#define SH_APPLIED_OVERLAYS "overlays="
/* The overlays an org.seccomp-hook.applied value names: their list ("a,b") and its length, or NULL. */
const char *sh_hook_applied_overlays(const char *applied, size_t *len);
/* Init mode with SCMP_ACT_NOTIFY through the loader: the profile's listenerPath and listenerMetadata,
 * for the wrapper's relay at exec. */
#define SH_ANNOT_LISTENER_PATH "org.seccomp-hook.listener-path"
#define SH_ANNOT_LISTENER_METADATA "org.seccomp-hook.listener-metadata"
/* crun loads the base64 program in this annotation instead of compiling linux.seccomp; other
 * runtimes ignore it and compile linux.seccomp. Set in runtime mode, removed otherwise. */
#define SH_ANNOT_CRUN_BPF "run.oci.seccomp_bpf_data"
/* crun's: set to anything but "0", a syscall name libseccomp does not know fails the container
 * instead of being skipped. Honoured whatever the runtime (it can only refuse). */
#define SH_ANNOT_FAIL_UNKNOWN "run.oci.seccomp_fail_unknown_syscall"
/* A precreate hook that refused the container (--on-refusal=config): why. Any config carrying it is
 * refused again, by the runtime wrapper with this reason (refusing is safe whoever wrote it). */
#define SH_ANNOT_REFUSED "org.seccomp-hook.refused"
/* "sha256:DIGEST" of linux.seccomp as the engine wrote it, when that was the profile: the text is
 * kept in the cache under its digest, so that a second transform of the config (which no longer
 * carries it: init mode removes it, runtime mode replaces it) applies the same profile. Sealed. */
#define SH_ANNOT_ENGINE_SECCOMP "org.seccomp-hook.engine-seccomp"
#define SH_DEFAULT_CACHE_DIR "/var/cache/seccomp-hook"

typedef enum { SH_MODE_RUNTIME, SH_MODE_INIT } sh_mode;

typedef struct sh_hook_opts {
	const char *mode;            /* default mode when no annotation: "runtime" (default) or "init" */
	const char *profiles_dir;    /* NULL: the installed profile directories */
	const char *default_profile; /* used when the container has no profile annotation */
	const char *cache_dir;       /* init mode */
	const char *loader;          /* host path of seccomp-hook-init */
	const char *profile;         /* inject --profile=NAME|PATH: wins over annotations */
	bool crun;                   /* --runtime=crun: init mode hands crun the program (no loader) */
	bool runc;                   /* the runtime is known to be runc (the wrapper's): what it calls after
				      * the filter is in is what a runtime-mode profile must allow */
	/* Init mode with the loader: every exec goes through the loader (the runtime wrapper), so the
	 * config needs no placeholder filter to stop the runtime starting a process itself. */
	bool exec_routed;
	/* --allow-unfiltered-exec: the same without the wrapper; a process the runtime itself starts in
	 * the container (runc exec) then runs unfiltered. */
	bool allow_unfiltered_exec;
	/* The runtime wrapper: without a profile annotation, linux.seccomp as the engine wrote it
	 * (Docker's default or --security-opt seccomp=FILE) is the profile. */
	bool seccomp_as_profile;
	/* The wrapper: the descriptor a loader finds its channel to the listener relay on, for profiles
	 * with SCMP_ACT_NOTIFY (init mode needs it, or crun). */
	bool has_listener_fd;
	int listener_fd;
	/* Recordings and reports (agent.h; NULL: the defaults there). */
	const char *agents_dir, *recordings_dir, *reports_log, *metrics_dir;
	const char *seal_key;     /* NULL: SH_SEAL_KEY_DEFAULT */
	const char *loader_store; /* NULL: SH_LOADER_STORE */
	const char *bundle;       /* the bundle directory, where known (inject, the wrapper) */
	/* --overlay (overlay.h): deny profiles stacked on whatever the container gets, NAME or PATH each;
	 * also on a container with no filter at all, unless overlay_skip_unconfined. */
	const char *const *overlays;
	size_t noverlays;
	bool overlay_skip_unconfined;
	/* A precreate hook: any runtime may run the config, plain runc included (the hook cannot tell).
	 * Init mode through the loader, which only seccomp-hook-runtime can run (unless
	 * allow_unfiltered_exec), becomes runtime mode with a warning; the wrapper, if it is the runtime,
	 * applies init mode again. */
	bool any_runtime;
	/* The runtime wrapper: the profile for every container that names none by annotation, in place
	 * of the linux.seccomp the engine wrote (its default profile or the user's). default_profile
	 * still decides for a container with none. */
	const char *override_profile;
	/* A precreate hook's engine (its parent), which runs the runtime's create and start itself: an
	 * agent started for the container ends when that process does and no listener came. 0: none. */
	int agent_creator;
} sh_hook_opts;

/* The profile name org.seccomp-hook.applied records for a profile taken from linux.seccomp. */
#define SH_PROFILE_FROM_CONFIG "(linux.seccomp)"

typedef struct sh_hook_result {
	bool changed;     /* false: the config passes through unchanged */
	sh_mode mode;
	char digest[65];  /* sha256 of the BPF (init) or of the linux.seccomp JSON (runtime) */
	/* Init mode through the loader with SCMP_ACT_NOTIFY: where the listener goes (malloc'd). */
	char *listener_path, *listener_metadata;
	char *profile;    /* the profile chosen, also when the transform failed (NULL: none chosen) */
	char *agent;      /* the socket of the agent started for the container, or NULL */
	/* The host path of the loader's place in the container's root, which the runtime makes when it
	 * mounts the loader there (the image has none); NULL if nothing is made. The wrapper removes it
	 * once the container is gone, so images and root directories stay as they were. */
	char *made_place;
} sh_hook_result;

void sh_hook_result_free(sh_hook_result *res);

int sh_mode_parse(const char *s, sh_mode *m);
const char *sh_mode_name(sh_mode m);

/* The annotation value, or NULL. */
const char *sh_oci_annotation(const sh_json *config, const char *key);
/* 0 if the annotations the hook reads (profile, mode) are strings where present. */
int sh_hook_check_annotations(const sh_json *config, sh_error **err);
/* process.capabilities.bounding as a bit mask (unknown names ignored). */
uint64_t sh_oci_bounding_caps(const sh_json *config);

/* ---- the three steps ---- */

typedef enum {
	SH_HOW_PASS,       /* nothing applied (an earlier transform's edits may still be undone) */
	SH_HOW_UNCONFINED, /* linux.seccomp removed */
	SH_HOW_RUNTIME,    /* linux.seccomp written (and crun handed the program) */
	SH_HOW_LOADER,     /* init mode: the loader starts every process */
	SH_HOW_CRUN,       /* init mode: crun installs the program itself */
} sh_hook_how;

/* What an earlier transform of the config left, as far as its seal vouches for it. */
typedef struct sh_earlier {
	bool sealed;         /* a valid seal: the rest is the transform's own */
	bool init;           /* it ran in init mode */
	char *profile;       /* the profile it applied (org.seccomp-hook.applied's first word) */
	bool supervised;     /* a recording or reports */
	size_t cmd_at;       /* process.args: the command after its loader call (0: none) */
	sh_loader_args call; /* that call */
	char *agent;         /* a recording's or reports' agent socket it started (it has no use now) */
	char *engine;        /* the digest of the engine's linux.seccomp it kept (SH_ANNOT_ENGINE_SECCOMP) */
	char *overlays;      /* the overlays it stacked ("a,b"): kept by every later transform */
} sh_earlier;

typedef struct sh_supervision sh_supervision;
typedef struct sh_overlay_set sh_overlay_set;

typedef struct sh_hook_plan {
	bool changed;          /* the config is written; else it passes through as it is */
	sh_earlier earlier;
	sh_hook_how how;
	sh_mode mode;          /* as org.seccomp-hook.applied records it */
	char *profile;         /* applied's first word: a name, a path, "(linux.seccomp)", "(none)" */
	char *fallback;        /* init mode was asked for, runtime mode chosen: why (a warning) */
	sh_capsets own;        /* the process's own capability sets (an earlier loader's lending undone) */
	bool has_caps;
	/* The program: installed by the loader or crun, or crun's copy in runtime mode. */
	char key[65];
	sh_cache_entry program;
	bool store;            /* act puts it into the cache (a miss) */
	bool store_required;   /* the container cannot start without that */
	/* SH_HOW_RUNTIME: linux.seccomp (built on a miss; a hit keeps only the texts), its text and the
	 * same in Go's canonical form, which the seal covers; act stores those a miss made. */
	sh_json *seccomp;
	char *oci_text, *oci_canonical;
	size_t oci_len, oci_clen;
	bool store_oci, store_oci_canonical;
	bool crun_copy;        /* crun also gets the program (run.oci.seccomp_bpf_data) */
	char digest[65];       /* what org.seccomp-hook.applied names */
	/* SH_HOW_LOADER */
	sh_loader_args call;   /* PID 1's and the hooks' loader call (caps: the process's own) */
	sh_loader_copy loader; /* the read-only copy the container binds */
	/* SCMP_ACT_NOTIFY: where the listener goes (a profile's, or the agent's once started) */
	char *listener_path, *listener_metadata;
	sh_supervision *sup;   /* a recording or reports */
	/* Overlays: read and checked (NULL: none). SH_HOW_LOADER installs the overlay's program too. */
	sh_overlay_set *ov;
	char overlay_key[65];
	sh_cache_entry overlay_program;
	bool store_overlay;
	/* The engine's linux.seccomp when it is the profile: kept in the cache under its digest (act),
	 * named by SH_ANNOT_ENGINE_SECCOMP (write). */
	char *engine_text;
	size_t engine_len;
	char engine_digest[65];
	char *release_agent;   /* an earlier transform's agent, told to go (act) */
	char *made_place;      /* SH_HOW_LOADER: see sh_hook_result */
} sh_hook_plan;

typedef struct sh_hook_acted {
	sh_seal_key key;
	char *bpf_path;        /* where the program is in the cache */
	char *overlay_bpf_path; /* and the overlay's (SH_HOW_LOADER) */
	char *socket;          /* the agent's */
	bool agent_failed;     /* reports that could not start: the plain profile is written instead */
} sh_hook_acted;

int sh_hook_plan_make(const sh_json *config, const sh_hook_opts *o, sh_hook_plan *p, sh_diag *d, sh_error **err);
int sh_hook_act(sh_hook_plan *p, const sh_hook_opts *o, sh_hook_acted *a, sh_diag *d, sh_error **err);
int sh_hook_write(sh_json *config, sh_hook_plan *p, const sh_hook_acted *a, const sh_hook_opts *o,
		  sh_error **err);
void sh_hook_plan_free(sh_hook_plan *p);
void sh_hook_acted_free(sh_hook_acted *a);

/* A runtime config can be much larger than a profile (env, mounts): 16 MiB. */
extern const sh_json_limits sh_hook_config_limits;

int sh_hook_transform(sh_json *config, const sh_hook_opts *o, sh_hook_result *res, sh_diag *d, sh_error **err);
/* The parts of a config sh_hook_transform reads or edits with these options: a config parsed with
 * this shape (sh_json_parse_shaped) is transformed as the whole tree would be, and everything else
 * in it is carried over as written. */
const sh_json_shape *sh_hook_config_shape(const sh_hook_opts *o);

/* Parse, transform, serialize config text. *out NULL: unchanged. res (optional) gets the result. */
int sh_hook_transform_text(const char *buf, size_t len, const char *name, const sh_hook_opts *o, char **out,
			   size_t *outlen, sh_hook_result *res, sh_diag *d, sh_error **err);
/* The same on BUNDLE/config.json, rewritten atomically (temporary file + rename) when it changes;
 * durable: fsync'd before the rename (a bundle kept on disk), else not (an engine's bundle, in /run).
 * config (optional): the config as the transform left it (the parts it reads are built), the
 * caller's to free. */
int sh_hook_rewrite_bundle(const char *bundle, const sh_hook_opts *o, bool durable, sh_hook_result *res,
			   sh_diag *d, sh_json **config, sh_error **err);

/* The config a precreate hook writes when it refuses the container (--on-refusal=config): one that
 * every runtime refuses before creating anything, with `reason` in the error it prints, and marked
 * (SH_ANNOT_REFUSED) for the runtime wrapper. */
int sh_hook_refusal_text(const char *buf, size_t len, const char *name, const char *reason, char **out,
			 size_t *outlen, sh_error **err);

#endif

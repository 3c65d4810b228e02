/* What the state hook decides about a container: whether its config carries the profile its
 * annotation asks for, and at poststart whether PID 1 runs a filter (with --verify-filter: the
 * compiled one), killing it if not. The judging of PID 1 is security: it lives here, unit-tested,
 * and cmd_hook.c only parses options. */
#ifndef SH_STATEHOOK_H
#define SH_STATEHOOK_H

#include "error.h"
#include "json.h"

#include <stdbool.h>

typedef struct sh_state_info {
	const char *id, *status, *bundle;
	long pid;
	const char *requested; /* annotation */
	const char *applied;   /* org.seccomp-hook.applied in the bundle config */
	bool has_seccomp, has_loader, has_crun_bpf;
	/* The config says the transform applied a profile (org.seccomp-hook.applied, a loader call) but
	 * its seal does not hold: changed after the transform, or never written by it. */
	bool unsealed_claim;
	/* The overlays org.seccomp-hook.applied names ("a,b", not NUL-terminated: overlays_len), where to
	 * find them, and the capabilities they are resolved for (the container's bounding set). */
	const char *overlays;
	size_t overlays_len;
	const char *profiles_dir;
	uint64_t bounding;
} sh_state_info;

/* The fields of an OCI state document (id and bundle required); strings point into ST. */
int sh_state_read(const sh_json *st, sh_state_info *si, sh_error **err);
/* Does the config carry the requested profile (as precreate/inject write it)? */
bool sh_state_config_carries(const sh_state_info *si);
/* In init mode, the hex digest of the program PID 1 must run (from org.seccomp-hook.applied); else NULL. */
const char *sh_state_expected_digest(const sh_state_info *si);
typedef struct sh_state_opts {
	const char *stage;    /* NULL: inferred from the status */
	bool require;         /* refuse (or kill) a container that does not carry what it asks for */
	bool verify_filter;   /* at poststart, read back the filters PID 1 runs */
	const char *seal_key; /* NULL: SH_SEAL_KEY_DEFAULT */
	const char *profiles_dir; /* where the overlays org.seccomp-hook.applied names are (NULL: installed) */
} sh_state_opts;

/* Load BUNDLE/config.json, log, and verify what the stage can verify. What the config says was
 * applied is believed only under the transform's seal (seal.h). */
int sh_state_check_bundle(const sh_state_opts *o, sh_state_info *si, sh_error **err);

/* The process a watch is about: a pidfd pins it, so that neither a read of /proc/PID after it
 * exited (another process may have its PID by then) nor the kill can reach another process. */
typedef struct sh_watch {
	long pid;
	int pidfd; /* -1 if the kernel has no pidfd_open: then by PID alone */
	bool gone; /* pidfd_open found no such process: nothing is judged or killed by its PID */
	bool seen_init;
	bool verify; /* --verify-filter */
} sh_watch;

enum { SH_WATCH_FILTERED = 2, SH_WATCH_GONE = -1, SH_WATCH_UNDECIDED = -2 };

/* Is PID still inside the runtime's init or the loader, i.e. before the workload's exec? */
bool sh_watch_still_starting(long pid, bool *seen_init);
void sh_watch_open(sh_watch *w, long pid);
void sh_watch_close(sh_watch *w);
/* Poll until the workload runs: its seccomp mode then, SH_WATCH_GONE, or SH_WATCH_UNDECIDED after
 * max_ms (no limit if negative). */
int sh_watch_start(sh_watch *w, long max_ms);
/* What a watch ends in: a filtered PID 1 is verified (w->verify), an unfiltered one killed. */
int sh_watch_judge(const sh_state_info *si, const sh_watch *w, int mode, sh_error **err);

#endif

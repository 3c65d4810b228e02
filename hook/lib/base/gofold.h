/* Member names a Go reader takes for others. runc, containerd and podman read config.json and the
 * state with Go's encoding/json, which matches an object member to a struct field without regard to
 * case, with Unicode folding (U+017F matches s, U+212A matches k), and lets the last such member win.
 * A config with "Process" beside (or instead of) "process" would be transformed by the hook and run
 * by runc differently. These checks refuse, in every struct-like object the hook reads (maps such as
 * annotations match exactly and are not concerned):
 * - two members whose names fold to the same name;
 * - a member whose name folds to a field of the runtime-spec but is not spelt as that field. */
#ifndef SH_GOFOLD_H
#define SH_GOFOLD_H

#include "error.h"
#include "json.h"

/* A runtime config (config.json) as parsed; opaque parts are not looked into. */
int sh_gofold_check_config(const sh_json *config, const char *file, sh_error **err);
/* An exec's process file (runc exec --process). */
int sh_gofold_check_process(const sh_json *process, const char *file, sh_error **err);
/* The OCI state a hook reads on stdin. */
int sh_gofold_check_state(const sh_json *state, const char *file, sh_error **err);

/* The name as Go compares it (ASCII lower case, U+017F and U+212A as s and k); malloc'd. */
char *sh_gofold(const char *name);

#endif

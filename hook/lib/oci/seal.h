/* Recognising the transform's own earlier output by what no image, pod spec or annotation author can
 * forge: an HMAC-SHA256, under a root-only key kept on the host, over every part of the config the
 * transform writes (org.seccomp-hook.seal). A config that looks like that output (a loader call in
 * process.args, an org.seccomp-hook.applied annotation) but carries no valid seal is not believed:
 * its args are a command like any other, its annotation a string like any other. */
#ifndef SH_SEAL_H
#define SH_SEAL_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "json.h"

#define SH_ANNOT_SEAL "org.seccomp-hook.seal"
#define SH_SEAL_KEY_DEFAULT "/var/lib/seccomp-hook/seal.key"

typedef struct sh_seal_key {
	bool present; /* false: there is no key yet, so nothing was sealed with one */
	uint8_t k[32];
} sh_seal_key;

/* Read the key at path (NULL: the default). Absent is not an error (k->present false); a key that
 * is not a 32-byte regular file owned by root (or this user) and closed to everyone else, or whose
 * directory others could change, is refused. */
int sh_seal_key_read(const char *path, sh_seal_key *k, sh_error **err);
/* The same, making the key first when there is none (32 random bytes, mode 0600, the directory
 * 0700): two hooks racing to make it agree on one. */
int sh_seal_key_get(const char *path, sh_seal_key *k, sh_error **err);

/* The seal of config's parts as they are now, as lower-case hex: an HMAC over one line per part,
 * "NAME\tJSON" ("-" when absent), of the process's args and capabilities, hooks.startContainer, the
 * mounts at the loader's place, linux.seccomp and the annotations the transform writes. Each must be
 * built (not opaque) or given (json.h). */
void sh_seal_compute(const sh_seal_key *k, const sh_json *config, char out[65]);
/* The config carries org.seccomp-hook.seal and it is the seal of its parts under k. */
bool sh_seal_valid(const sh_seal_key *k, const sh_json *config);

#endif

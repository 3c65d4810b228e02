/* Content-addressed cache of compiled filters (and of runtime mode's resolved OCI form).
 *   DIR/bpf/<sha256 of the program>.bpf     the program, never modified once written
 *   DIR/keys/<cache key>  -> ../bpf/<digest>.bpf   which program a set of inputs compiles to
 *   DIR/keys/<cache key>.flags -> <n>                the seccomp(2) flags it is installed with
 *   DIR/oci/<sha256 of the text>.json        linux.seccomp as runtime mode writes it
 *   DIR/keys/<cache key>.oci -> ../oci/<digest>.json
 *   DIR/keys/<canonical key>.canonical -> ../oci/<digest>.json   a text as the seal reads it, found
 *     by the text's digest (the canonical key: SHA-256 of seccomp-hook's version and that digest)
 * The flags link is written before the key link, so a key that resolves always has its flags; a
 * missing or malformed part is a miss.
 * Writes go to a temporary name and are renamed into place, so concurrent hooks never see a partial
 * file; every hit is re-hashed, so a corrupt or truncated entry is rebuilt, never used. */
#ifndef SH_CACHE_H
#define SH_CACHE_H

#include "bpf.h"
#include "error.h"

typedef struct sh_cache_entry {
	char *path;       /* DIR/bpf/<digest>.bpf */
	char digest[65];  /* sha256 of the program bytes */
	unsigned flags;   /* SH_FLAG_* the program is installed with */
	void *data;       /* the program's bytes, as verified (lookup) or stored */
	size_t len;
} sh_cache_entry;

/* 1 hit (entry filled, content verified), 0 miss, <0 error: the cache directory, or an entry the
 * key needs, is not owned by root or the hook's user or is writable by others (trust.h). */
int sh_cache_lookup(const char *dir, const char *key, sh_cache_entry *e, sh_error **err);
int sh_cache_store(const char *dir, const char *key, const sh_bpf *b, unsigned flags, sh_cache_entry *e,
		   sh_error **err);
void sh_cache_entry_free(sh_cache_entry *e);

/* Runtime mode's linux.seccomp text for a key: 1 hit (*text malloc'd, verified, digest its
 * SHA-256), 0 miss, <0 an untrusted cache as above. */
int sh_cache_lookup_oci(const char *dir, const char *key, char **text, size_t *len, char digest[65], sh_error **err);
int sh_cache_store_oci(const char *dir, const char *key, const char *text, size_t len, sh_error **err);
/* The same text as sh_json_serialize_go_canonical writes it (what the seal covers), kept so that a hit
 * parses none: found by the digest of the text it is the form of, and of this seccomp-hook's version,
 * so it cannot be paired with another text or outlive the code that made it. Lookup as above. */
int sh_cache_lookup_canonical(const char *dir, const char *text_digest, char **canonical, size_t *len, sh_error **err);
int sh_cache_store_canonical(const char *dir, const char *text_digest, const char *canonical, size_t len,
			     sh_error **err);
/* A linux.seccomp text kept under its own digest (DIR/oci/<digest>.json), with no key: put it there
 * (digest: its SHA-256), get it back by digest (1 hit, verified; 0 missing or changed; <0 untrusted). */
int sh_cache_put_oci_text(const char *dir, const char *text, size_t len, char digest[65], sh_error **err);
int sh_cache_get_oci_text(const char *dir, const char *digest, char **text, size_t *len, sh_error **err);

#endif

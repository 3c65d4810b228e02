/* SHA-256 (FIPS 180-4) for cache keys and BPF digests. */
#ifndef SH_SHA256_H
#define SH_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sh_sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes hashed so far */
	uint8_t buf[64];
	size_t nbuf;
} sh_sha256;

void sh_sha256_init(sh_sha256 *s);
void sh_sha256_update(sh_sha256 *s, const void *data, size_t len);
void sh_sha256_final(sh_sha256 *s, uint8_t out[32]);
/* Lower-case hex of the digest of data (65 bytes with the NUL). */
void sh_sha256_hex(const void *data, size_t len, char out[65]);
/* s is such a digest: 64 lower-case hex digits and nothing else. */
bool sh_sha256_hex_valid(const char *s);
void sh_hex(const uint8_t *in, size_t n, char *out);
/* HMAC-SHA256 (RFC 2104), fed in pieces. */
typedef struct sh_hmac {
	sh_sha256 s;
	uint8_t opad[64];
} sh_hmac;
void sh_hmac_init(sh_hmac *m, const uint8_t *key, size_t keylen);
void sh_hmac_update(sh_hmac *m, const void *data, size_t len);
void sh_hmac_final(sh_hmac *m, uint8_t out[32]);
/* The compression function in use: "sha-ni" (x86 SHA extensions, picked when the CPU has them)
 * or "generic". sh_sha256_use("generic" | "sha-ni" | "auto") switches; false if not available. */
const char *sh_sha256_impl(void);
bool sh_sha256_use(const char *impl);

#endif

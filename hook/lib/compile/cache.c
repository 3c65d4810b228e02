#include "config.h"
#include "cache.h"
#include "json.h"
#include "sha256.h"
#include "trust.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* One that was there before is used only if nobody else could have written it. */
static int ensure_dir(const char *path, sh_error **err)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return sh_error_errno(err, errno, "cache directory %s", path);
	struct stat st;
	if (lstat(path, &st) < 0)
		return sh_error_errno(err, errno, "cache directory %s", path);
	if (!S_ISDIR(st.st_mode))
		return sh_error_set(err, SH_EXIT_SYSTEM, "cache directory %s: not a directory", path);
	return sh_trust_entry(path, "cache directory", err);
}

/* The cache, its key directory, the content directory of this kind and the key's links: whoever
 * could write any of them could choose the program (or linux.seccomp text) a key stands for. */
static int trusted(const char *dir, const char *subdir, const char *key, const char *suffix, sh_error **err)
{
	cleanup_free char *keys = sh_xasprintf("%s/keys", dir), *content = sh_xasprintf("%s/%s", dir, subdir);
	cleanup_free char *link = sh_xasprintf("%s/keys/%s%s", dir, key, suffix);
	cleanup_free char *flags = sh_xasprintf("%s/keys/%s.flags", dir, key);
	if (sh_trust_dir(dir, "cache directory", err) < 0 || sh_trust_entry(keys, "cache directory", err) < 0 ||
	    sh_trust_entry(content, "cache directory", err) < 0 || sh_trust_entry(link, "cache entry", err) < 0)
		return -1;
	return *suffix ? 0 : sh_trust_entry(flags, "cache entry", err);
}

/* What the cache holds, each content-addressed in its own directory and found through a key link:
 *   DIR/bpf/<sha256>.bpf   <- DIR/keys/<key>        the compiled program
 *   DIR/oci/<sha256>.json  <- DIR/keys/<key>.oci    runtime mode's resolved linux.seccomp
 *   DIR/oci/<sha256>.json  <- DIR/keys/<ckey>.canonical  a text in Go's canonical form, by the text's digest */
typedef struct kind {
	const char *subdir, *ext, *link_suffix;
	size_t max;
	bool bpf; /* the content must also have a program's size */
} kind;

static const kind BPF = { "bpf", ".bpf", "", SH_BPF_MAX_INSNS * sizeof(struct sock_filter), true };
static const kind OCI = { "oci", ".json", ".oci", 16u << 20, false };
static const kind CANONICAL = { "oci", ".json", ".canonical", 16u << 20, false };

/* Read the whole file and check that its SHA-256 is `digest`; the bytes go to *data (if not NULL). */
static bool verify(const kind *k, const char *path, const char *digest, void **data, size_t *data_len)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	cleanup_free char *buf = NULL;
	size_t len = 0;
	sh_error *err = NULL;
	if (sh_read_fd_bounded(fd, path, k->max, &buf, &len, &err) < 0) {
		sh_error_free(err);
		return false;
	}
	if (k->bpf && sh_bpf_check_size(len))
		return false;
	char hex[65];
	sh_sha256_hex(buf, len, hex);
	if (strcmp(hex, digest) != 0)
		return false;
	if (data) {
		*data = steal_pointer(&buf);
		*data_len = len;
	}
	return true;
}

static bool read_flags(const char *dir, const char *key, unsigned *flags)
{
	cleanup_free char *link = sh_xasprintf("%s/keys/%s.flags", dir, key);
	char target[16];
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = 0;
	char *end;
	errno = 0;
	unsigned long v = strtoul(target, &end, 10);
	if (errno || *end || target[0] < '0' || target[0] > '9' || v > UINT32_MAX)
		return false;
	*flags = (unsigned)v;
	return true;
}

/* The content a key links to, verified: 1 with *path, digest and the bytes filled, 0 miss, -1 if the
 * content file is not trusted (the caller checked the directories and links: trusted()). A link to
 * content that fails verification is removed with the content, so the caller rebuilds both. */
static int lookup(const kind *k, const char *dir, const char *key, char **path, char digest[65], void **data,
		  size_t *len, sh_error **err)
{
	cleanup_free char *link = sh_xasprintf("%s/keys/%s%s", dir, key, k->link_suffix);
	char target[256];
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return 0;
	target[n] = 0;
	/* ../<subdir>/<64 hex><ext> */
	size_t sub = strlen(k->subdir), ext = strlen(k->ext);
	if ((size_t)n != 4 + sub + 64 + ext || strncmp(target, "../", 3) != 0 || strncmp(target + 3, k->subdir, sub) != 0 ||
	    target[3 + sub] != '/' || strcmp(target + 4 + sub + 64, k->ext) != 0)
		return 0;
	memcpy(digest, target + 4 + sub, 64);
	digest[64] = 0;
	cleanup_free char *file = sh_xasprintf("%s/%s/%s%s", dir, k->subdir, digest, k->ext);
	if (sh_trust_entry(file, "cache entry", err) < 0)
		return -1;
	if (!verify(k, file, digest, data, len)) {
		/* Corrupt or truncated: forget it; the caller rebuilds and rewrites it. */
		unlink(file);
		unlink(link);
		return 0;
	}
	*path = steal_pointer(&file);
	return 1;
}

int sh_cache_lookup(const char *dir, const char *key, sh_cache_entry *e, sh_error **err)
{
	unsigned flags;
	if (trusted(dir, BPF.subdir, key, BPF.link_suffix, err) < 0)
		return -1;
	if (!read_flags(dir, key, &flags))
		return 0;
	int r = lookup(&BPF, dir, key, &e->path, e->digest, &e->data, &e->len, err);
	if (r != 1)
		return r;
	e->flags = flags;
	return 1;
}

static int lookup_text(const kind *k, const char *dir, const char *key, char **text, size_t *len, char digest[65],
		       sh_error **err)
{
	cleanup_free char *path = NULL;
	void *data = NULL;
	if (trusted(dir, k->subdir, key, k->link_suffix, err) < 0)
		return -1;
	int r = lookup(k, dir, key, &path, digest, &data, len, err);
	if (r == 1)
		*text = data;
	return r;
}

int sh_cache_lookup_oci(const char *dir, const char *key, char **text, size_t *len, char digest[65], sh_error **err)
{
	return lookup_text(&OCI, dir, key, text, len, digest, err);
}

static void canonical_key(const char *text_digest, char key[65])
{
	cleanup_free char *text = sh_xasprintf("seccomp-hook %s canonical form of %s\n", PACKAGE_VERSION, text_digest);
	sh_sha256_hex(text, strlen(text), key);
}

int sh_cache_lookup_canonical(const char *dir, const char *text_digest, char **canonical, size_t *len, sh_error **err)
{
	char key[65], digest[65];
	canonical_key(text_digest, key);
	return lookup_text(&CANONICAL, dir, key, canonical, len, digest, err);
}

/* Point DIR/keys/NAME at TARGET: a symlink made under a temporary name and renamed into place. */
static int set_link(const char *dir, const char *name, const char *target, sh_error **err)
{
	cleanup_free char *link = sh_xasprintf("%s/keys/%s", dir, name);
	for (int attempt = 0; attempt < 100; attempt++) {
		cleanup_free char *tmp = sh_xasprintf("%s.tmp.%d.%d", link, (int)getpid(), attempt);
		if (symlink(target, tmp) < 0) {
			if (errno == EEXIST)
				continue;
			return sh_error_errno(err, errno, "cache: cannot create %s", tmp);
		}
		if (rename(tmp, link) < 0) {
			int e = errno;
			unlink(tmp);
			return sh_error_errno(err, e, "cache: cannot rename to %s", link);
		}
		return 0;
	}
	return sh_error_set(err, SH_EXIT_SYSTEM, "cache: cannot create a temporary link for %s", link);
}

/* Write the content under its digest (unless it is there already, intact) into DIR/<subdir>. */
static int store_content(const kind *k, const char *dir, const void *data, size_t len, char digest[65], char **path,
			 sh_error **err)
{
	sh_sha256_hex(data, len, digest);
	cleanup_free char *sdir = sh_xasprintf("%s/%s", dir, k->subdir);
	cleanup_free char *kdir = sh_xasprintf("%s/keys", dir);
	if (ensure_dir(dir, err) < 0 || sh_trust_dir(dir, "cache directory", err) < 0 || ensure_dir(sdir, err) < 0 ||
	    ensure_dir(kdir, err) < 0)
		return -1;
	cleanup_free char *file = sh_xasprintf("%s/%s%s", sdir, digest, k->ext);
	if (sh_trust_entry(file, "cache entry", err) < 0) /* one already there is used as it is */
		return -1;
	/* No fsync: every hit is re-hashed, so a file torn by a crash is rebuilt, never loaded. */
	if (!verify(k, file, digest, NULL, NULL) && sh_write_file_replace(file, data, len, 0444, false, err) < 0)
		return -1;
	*path = steal_pointer(&file);
	return 0;
}

static char *link_target(const kind *k, const char *digest)
{
	return sh_xasprintf("../%s/%s%s", k->subdir, digest, k->ext);
}

int sh_cache_store(const char *dir, const char *key, const sh_bpf *b, unsigned flags, sh_cache_entry *e,
		   sh_error **err)
{
	size_t len = b->len * sizeof(*b->insns);
	char digest[65];
	cleanup_free char *path = NULL;
	if (store_content(&BPF, dir, b->insns, len, digest, &path, err) < 0)
		return -1;
	cleanup_free char *flags_name = sh_xasprintf("%s.flags", key);
	cleanup_free char *flags_text = sh_xasprintf("%u", flags);
	cleanup_free char *target = link_target(&BPF, digest);
	/* Flags first: once the key link exists, a reader finds both. */
	if (set_link(dir, flags_name, flags_text, err) < 0 || set_link(dir, key, target, err) < 0)
		return -1;
	e->data = sh_xmalloc(len);
	memcpy(e->data, b->insns, len);
	e->len = len;
	e->path = steal_pointer(&path);
	memcpy(e->digest, digest, sizeof(digest));
	e->flags = flags;
	return 0;
}

static int store_text(const kind *k, const char *dir, const char *key, const char *text, size_t len, sh_error **err)
{
	char digest[65];
	cleanup_free char *path = NULL;
	if (store_content(k, dir, text, len, digest, &path, err) < 0)
		return -1;
	cleanup_free char *name = sh_xasprintf("%s%s", key, k->link_suffix);
	cleanup_free char *target = link_target(k, digest);
	return set_link(dir, name, target, err);
}

int sh_cache_store_oci(const char *dir, const char *key, const char *text, size_t len, sh_error **err)
{
	return store_text(&OCI, dir, key, text, len, err);
}

int sh_cache_store_canonical(const char *dir, const char *text_digest, const char *canonical, size_t len,
			     sh_error **err)
{
	char key[65];
	canonical_key(text_digest, key);
	return store_text(&CANONICAL, dir, key, canonical, len, err);
}

void sh_cache_entry_free(sh_cache_entry *e)
{
	free(e->path);
	free(e->data);
	e->path = NULL;
	e->data = NULL;
	e->len = 0;
}

int sh_cache_put_oci_text(const char *dir, const char *text, size_t len, char digest[65], sh_error **err)
{
	cleanup_free char *path = NULL;
	return store_content(&OCI, dir, text, len, digest, &path, err);
}

int sh_cache_get_oci_text(const char *dir, const char *digest, char **text, size_t *len, sh_error **err)
{
	cleanup_free char *content = sh_xasprintf("%s/%s", dir, OCI.subdir);
	cleanup_free char *file = sh_xasprintf("%s/%s%s", content, digest, OCI.ext);
	if (!sh_sha256_hex_valid(digest))
		return 0;
	if (sh_trust_dir(dir, "cache directory", err) < 0 || sh_trust_entry(content, "cache directory", err) < 0 ||
	    sh_trust_entry(file, "cache entry", err) < 0)
		return -1;
	void *data = NULL;
	if (!verify(&OCI, file, digest, &data, len))
		return 0;
	*text = data;
	return 1;
}

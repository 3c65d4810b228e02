#include "config.h"
#include "cache.h"
#include "json.h"
#include "sha256.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int ensure_dir(const char *path, sh_error **err)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return sh_error_errno(err, errno, "cache directory %s", path);
	struct stat st;
	if (lstat(path, &st) < 0)
		return sh_error_errno(err, errno, "cache directory %s", path);
	if (!S_ISDIR(st.st_mode))
		return sh_error_set(err, SH_EXIT_SYSTEM, "cache directory %s: not a directory", path);
	return 0;
}

/* Read the whole file and check that its SHA-256 is `digest`; the bytes go to *data (if not NULL). */
static bool verify(const char *path, const char *digest, void **data, size_t *data_len)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	cleanup_free char *buf = NULL;
	size_t len = 0;
	sh_error *err = NULL;
	if (sh_read_fd_bounded(fd, path, SH_BPF_MAX_INSNS * sizeof(struct sock_filter), &buf, &len, &err) < 0) {
		sh_error_free(err);
		return false;
	}
	if (sh_bpf_check_size(len))
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

int sh_cache_lookup(const char *dir, const char *key, sh_cache_entry *e, sh_error **err)
{
	(void)err;
	cleanup_free char *link = sh_xasprintf("%s/keys/%s", dir, key);
	char target[256];
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return 0;
	target[n] = 0;
	/* ../bpf/<64 hex>.bpf */
	if (n != 7 + 64 + 4 || strncmp(target, "../bpf/", 7) != 0 || strcmp(target + 71, ".bpf") != 0)
		return 0;
	unsigned flags;
	if (!read_flags(dir, key, &flags))
		return 0;
	char digest[65];
	memcpy(digest, target + 7, 64);
	digest[64] = 0;
	cleanup_free char *path = sh_xasprintf("%s/bpf/%s.bpf", dir, digest);
	if (!verify(path, digest, &e->data, &e->len)) {
		/* Corrupt or truncated: forget it; the caller rebuilds and rewrites it. */
		unlink(path);
		unlink(link);
		return 0;
	}
	e->path = steal_pointer(&path);
	memcpy(e->digest, digest, sizeof(digest));
	e->flags = flags;
	return 1;
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

static int link_key(const char *dir, const char *key, const char *digest, unsigned flags, sh_error **err)
{
	cleanup_free char *flags_name = sh_xasprintf("%s.flags", key);
	cleanup_free char *flags_text = sh_xasprintf("%u", flags);
	cleanup_free char *target = sh_xasprintf("../bpf/%s.bpf", digest);
	/* Flags first: once the key link exists, a reader finds both. */
	if (set_link(dir, flags_name, flags_text, err) < 0)
		return -1;
	return set_link(dir, key, target, err);
}

int sh_cache_store(const char *dir, const char *key, const sh_bpf *b, unsigned flags, sh_cache_entry *e,
		   sh_error **err)
{
	size_t len = b->len * sizeof(*b->insns);
	char digest[65];
	sh_sha256_hex(b->insns, len, digest);
	cleanup_free char *bdir = sh_xasprintf("%s/bpf", dir);
	cleanup_free char *kdir = sh_xasprintf("%s/keys", dir);
	if (ensure_dir(dir, err) < 0 || ensure_dir(bdir, err) < 0 || ensure_dir(kdir, err) < 0)
		return -1;
	cleanup_free char *path = sh_xasprintf("%s/%s.bpf", bdir, digest);
	/* No fsync: every hit is re-hashed, so a file torn by a crash is rebuilt, never loaded. */
	if (!verify(path, digest, NULL, NULL) && sh_write_file_replace(path, b->insns, len, 0444, false, err) < 0)
		return -1;
	if (link_key(dir, key, digest, flags, err) < 0)
		return -1;
	e->data = sh_xmalloc(len);
	memcpy(e->data, b->insns, len);
	e->len = len;
	e->path = steal_pointer(&path);
	memcpy(e->digest, digest, sizeof(digest));
	e->flags = flags;
	return 0;
}

void sh_cache_entry_free(sh_cache_entry *e)
{
	free(e->path);
	free(e->data);
	e->path = NULL;
	e->data = NULL;
	e->len = 0;
}

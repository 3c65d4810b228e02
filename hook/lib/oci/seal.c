#include "config.h"
#include "seal.h"
#include "hookcfg.h"
#include "initproc.h"
#include "sha256.h"
#include "trust.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *key_path(const char *path)
{
	return path ? path : SH_SEAL_KEY_DEFAULT;
}

static int refuse_key(sh_error **err, const char *path, const char *why)
{
	return sh_error_set(err, SH_EXIT_INVALID, "seal key %s: %s; refusing it", path, why);
}

/* O_NOFOLLOW and O_NONBLOCK: neither a link nor a FIFO planted at the path is read. */
static int read_key_file(const char *path, sh_seal_key *k, sh_error **err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	struct stat st;
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || fstat(fd, &st) < 0)
		return sh_error_errno(err, errno, "seal key %s", path);
	if (!S_ISREG(st.st_mode))
		return refuse_key(err, path, "not a regular file");
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return refuse_key(err, path, "not owned by root or the hook's user");
	if (st.st_mode & 077)
		return refuse_key(err, path, "group or others may read or write it (mode must be 0600)");
	ssize_t n = read(fd, k->k, sizeof k->k);
	char extra;
	if (n != (ssize_t)sizeof k->k || read(fd, &extra, 1) != 0)
		return refuse_key(err, path, "not 32 bytes");
	k->present = true;
	return 0;
}

int sh_seal_key_read(const char *path, sh_seal_key *k, sh_error **err)
{
	path = key_path(path);
	memset(k, 0, sizeof(*k));
	cleanup_free char *copy = sh_xstrdup(path);
	if (sh_trust_dir(dirname(copy), "seal key directory", err) < 0)
		return -1;
	return read_key_file(path, k, err);
}

/* A new key under a temporary name, then link(2)ed into place: link fails if another hook made one
 * first, and then that one is the key. */
static int make_key(const char *path, sh_error **err)
{
	uint8_t k[32];
	if (getrandom(k, sizeof k, 0) != (ssize_t)sizeof k)
		return sh_error_errno(err, errno, "seal key: getrandom");
	cleanup_free char *tmp = sh_xasprintf("%s.%ld.tmp", path, (long)getpid());
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return sh_error_errno(err, errno, "seal key %s", tmp);
	int r = sh_write_all(fd, k, sizeof k) < 0 || fsync(fd) < 0 ? -1 : 0;
	int e = errno;
	close(fd);
	if (r == 0 && link(tmp, path) < 0 && errno != EEXIST)
		r = -1, e = errno;
	unlink(tmp);
	return r < 0 ? sh_error_errno(err, e, "seal key %s", path) : 0;
}

int sh_seal_key_get(const char *path, sh_seal_key *k, sh_error **err)
{
	path = key_path(path);
	cleanup_free char *copy = sh_xstrdup(path);
	const char *dir = dirname(copy);
	if (sh_seal_key_read(path, k, err) < 0 || k->present)
		return k->present ? 0 : -1;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return sh_error_errno(err, errno, "seal key directory %s", dir);
	if (make_key(path, err) < 0 || sh_seal_key_read(path, k, err) < 0)
		return -1;
	return k->present ? 0 : sh_error_set(err, SH_EXIT_SYSTEM, "seal key %s: made, then missing", path);
}

static void put(sh_hmac *mac, const char *s)
{
	sh_hmac_update(mac, s, strlen(s));
}

/* One part, a line "NAME\tJSON" ("-" when absent), as Go's structs read it: an engine that reads the
 * config and writes it again (podman does, after its hooks) may change member order and leave empty
 * members out, and the seal still holds. */
static void put_part(sh_hmac *mac, const char *name, const sh_json *v)
{
	size_t len = 1;
	cleanup_free char *json = v && !sh_json_go_empty(v) ? sh_json_serialize_go_canonical(v, &len) : NULL;
	put(mac, name);
	put(mac, "\t");
	sh_hmac_update(mac, json ? json : "-", len);
	put(mac, "\n");
}

/* The mounts at the loader's place, in the config's order. */
static sh_json *loader_mounts(const sh_json *config)
{
	const sh_json *mounts = sh_json_get(config, "mounts");
	sh_json *out = sh_json_new(SH_JSON_ARRAY);
	for (size_t i = 0; mounts && mounts->type == SH_JSON_ARRAY && i < mounts->u.arr.n; i++) {
		const sh_json *m = mounts->u.arr.v[i], *dest = sh_json_get(m, "destination");
		if (dest && dest->type == SH_JSON_STRING && sh_initproc_is_loader_place(dest->u.str.s))
			sh_json_append(out, sh_json_new_string_owned(sh_json_serialize_go_canonical(m, NULL)));
	}
	return out;
}

/* The parts are fed to the MAC as they are written: the text they make is never built. */
void sh_seal_compute(const sh_seal_key *k, const sh_json *config, char out[65])
{
	static const char *const annotations[] = { SH_ANNOT_APPLIED, SH_ANNOT_LISTENER_PATH, SH_ANNOT_LISTENER_METADATA,
						   SH_ANNOT_CRUN_BPF };
	/* Added later: a line only where it is present, so that seals made before still hold. */
	static const char *const where_present[] = { SH_ANNOT_ENGINE_SECCOMP };
	const sh_json *process = sh_json_get(config, "process"), *ann = sh_json_get(config, "annotations");
	sh_hmac mac;
	sh_hmac_init(&mac, k->k, sizeof k->k);
	put(&mac, "seccomp-hook seal 1\n");
	put_part(&mac, "process.args", sh_json_get(process, "args"));
	put_part(&mac, "process.capabilities", sh_json_get(process, "capabilities"));
	put_part(&mac, "hooks.startContainer", sh_json_get(sh_json_get(config, "hooks"), "startContainer"));
	sh_json *mounts = loader_mounts(config);
	put_part(&mac, "mounts", mounts);
	sh_json_free(mounts);
	put_part(&mac, "linux.seccomp", sh_json_get(sh_json_get(config, "linux"), "seccomp"));
	for (size_t i = 0; i < SH_ARRAY_SIZE(annotations); i++) {
		cleanup_free char *name = sh_xasprintf("annotations.%s", annotations[i]);
		put_part(&mac, name, sh_json_get(ann, annotations[i]));
	}
	for (size_t i = 0; i < SH_ARRAY_SIZE(where_present); i++) {
		const sh_json *v = sh_json_get(ann, where_present[i]);
		cleanup_free char *name = v ? sh_xasprintf("annotations.%s", where_present[i]) : NULL;
		if (v)
			put_part(&mac, name, v);
	}
	uint8_t m[32];
	sh_hmac_final(&mac, m);
	sh_hex(m, sizeof m, out);
}

bool sh_seal_valid(const sh_seal_key *k, const sh_json *config)
{
	const char *seal = sh_oci_annotation(config, SH_ANNOT_SEAL);
	if (!k->present || !seal || strlen(seal) != 64)
		return false;
	char want[65];
	sh_seal_compute(k, config, want);
	unsigned diff = 0; /* every byte compared: the time taken says nothing of where they differ */
	for (size_t i = 0; i < 64; i++)
		diff |= (unsigned)(seal[i] ^ want[i]);
	return diff == 0;
}

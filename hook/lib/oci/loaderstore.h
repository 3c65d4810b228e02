/* The loader file containers run, as a copy on a read-only tmpfs of its own: a container that
 * remounts its bind mount of the loader read-write still cannot write through it (the superblock is
 * read-only, and only CAP_SYS_ADMIN in the host's user namespace could change that), so nothing a
 * container does can change the loader another container executes. One copy per loader file (its
 * device, inode, size and times name it), made on first use, kept until reboot:
 *   STORE/<16 hex digits>/init         the copy     (STORE/<..> a tmpfs mounted read-only,
 *   STORE/<16 hex digits>/filter.bpf   empty        which containers bind at SH_INIT_DIR)
 *   STORE/<16 hex digits>/overlay.bpf  empty
 * filter.bpf is where each container's program is bound, overlay.bpf an overlay's (overlay.h). */
#ifndef SH_LOADERSTORE_H
#define SH_LOADERSTORE_H

#include <stdbool.h>

#include "error.h"

#define SH_LOADER_STORE "/run/seccomp-hook/loader"

typedef struct sh_loader_copy {
	char *source; /* the loader file (trusted: root's, not writable by others) */
	char *dir;    /* its store directory, a read-only tmpfs once made: what containers bind */
	char *path;   /* the copy in it */
	bool ready;   /* it is there, on a read-only tmpfs, and the right size */
} sh_loader_copy;

/* Where the copy of `source` is and whether it is ready; nothing is made. Refuses a source others
 * could change (sh_trust_dir on its directory, sh_trust_entry on it) or that is not a regular file. */
int sh_loader_copy_find(const char *store, const char *source, sh_loader_copy *c, sh_error **err);
/* Make it if it is not ready: mount the tmpfs, copy, remount it read-only (under a lock, so
 * concurrent starts make it once). */
int sh_loader_copy_make(sh_loader_copy *c, sh_error **err);
void sh_loader_copy_free(sh_loader_copy *c);

#endif

/* Whether a directory or file may decide what a container runs: the cache (whoever writes it picks
 * the program a key stands for) and the profiles directories. As sshd's StrictModes: it and every
 * entry used below it must be owned by root or the hook's effective user and not be writable by
 * group or others; each parent directory must be owned by root or that user and, if others can
 * write it, sticky (as /tmp is), so nobody else can rename it away. */
#ifndef SH_TRUST_H
#define SH_TRUST_H

#include "error.h"

/* A directory and its parents. `what` names it in the error ("cache directory"). A directory that
 * does not exist is not an error here (the caller creates it, or finds nothing in it). */
int sh_trust_dir(const char *dir, const char *what, sh_error **err);
/* One entry (file, directory or symbolic link, not followed): owner, and mode unless a link. 0 if it
 * is trusted or does not exist. */
int sh_trust_entry(const char *path, const char *what, sh_error **err);

/* A file that decides what containers run (the init loader, runtime.conf): it, followed through
 * links, and the directories above it, as sh_trust_dir and sh_trust_entry judge them. It must exist. */
int sh_trust_file(const char *path, const char *what, sh_error **err);

#endif

/* Finding profiles by name: NAME.json in the profiles directories, with names restricted to
 * [A-Za-z0-9][A-Za-z0-9._-]* and the file required to stay inside its directory. */
#ifndef SH_LOOKUP_H
#define SH_LOOKUP_H

#include <stdbool.h>

#include "error.h"

/* The longest profile name. */
#define SH_NAME_MAX 128

bool sh_profile_name_valid(const char *name);
/* dir NULL: $(sysconfdir)/seccomp-hook/profiles, then $(datadir)/seccomp-hook/profiles.
 * *path receives the profile file's canonical path. */
int sh_profile_find(const char *name, const char *dir, char **path, sh_error **err);
/* A --profile=ARG value: an existing path (contains '/' or ends in .json) or a NAME. */
int sh_profile_arg(const char *arg, const char *dir, char **path, sh_error **err);

#endif

/* Installing a compiled filter in the calling process. libc only: shared by `seccomp-hook exec` and
 * the static init loader. */
#ifndef SH_APPLY_H
#define SH_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/filter.h>

/* Whether CAP_SYS_ADMIN is in this process's effective set (then no_new_privs is not needed). */
bool sh_have_cap_sys_admin(void);

/* Set no_new_privs unless CAP_SYS_ADMIN is held, then install with flags | TSYNC (and TSYNC_ESRCH
 * when a listener is asked for). Returns the listener fd (NEW_LISTENER) or 0; on failure -1 with a
 * static description in *why and errno set. */
int sh_apply_filter(const struct sock_filter *insns, size_t len, unsigned flags, const char **why);

/* The Seccomp: field of /proc/PID/status (0 none, 1 strict, 2 filter), -1 if it cannot be read. */
int sh_proc_seccomp_mode(long pid);

#endif

/* Installing a compiled filter in the calling process. libc only: shared by `seccomp-hook exec` and
 * the static init loader. */
#ifndef SH_APPLY_H
#define SH_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/filter.h>

/* Whether CAP_SYS_ADMIN is in this process's effective set (then no_new_privs is not needed). */
bool sh_have_cap_sys_admin(void);

/* Set no_new_privs unless CAP_SYS_ADMIN is held, then install with flags | TSYNC (and TSYNC_ESRCH
 * when a listener is asked for). Returns the listener fd (NEW_LISTENER) or 0; on failure -1 with a
 * static description in *why and errno set. */
int sh_apply_filter(const struct sock_filter *insns, size_t len, unsigned flags, const char **why);

/* The five capability sets of a process, one bit per capability number. */
typedef struct sh_capsets {
	uint64_t bounding, permitted, effective, inheritable, ambient;
} sh_capsets;

/* The loader's --caps= text: five hex masks "B:P:E:I:A". Written by the hook, read by the loader. */
#define SH_CAPSETS_TEXT_MAX (5 * 17)
void sh_capsets_format(const sh_capsets *c, char out[SH_CAPSETS_TEXT_MAX]);
bool sh_capsets_parse(const char *s, sh_capsets *c);

/* Lower the calling process's capability sets to `want` (bounding, ambient, then permitted,
 * effective and inheritable), then read them back. Only drops: the bounding, inheritable and
 * ambient sets become exactly `want`'s (a capability the process lacks there fails), permitted and
 * effective `want`'s as far as the process holds them. Dropping from the bounding set needs
 * CAP_SETPCAP, so it comes first. -1 with a static description in *why and errno set. */
int sh_capsets_restore(const sh_capsets *want, const char **why);
/* The calling process's sets. */
int sh_capsets_get(sh_capsets *c);

/* One message on a unix socket carrying fd by SCM_RIGHTS (how a listener fd reaches its agent).
 * -1 with errno on failure. */
int sh_send_fd(int sock, int fd, const void *payload, size_t len);
/* Receive such a message: *fd (or -1 if it carried none), the payload NUL-terminated in buf, and in
 * *sender (if not NULL) the sending process as the kernel saw it (SO_PASSCRED must be on; 0 if it
 * was not); the number of payload bytes, 0 at end of file, -1 with errno on failure. */
ssize_t sh_recv_fd(int sock, int *fd, pid_t *sender, char *buf, size_t bufsize);

/* The Seccomp: field of /proc/PID/status (0 none, 1 strict, 2 filter), -1 if it cannot be read. */
int sh_proc_seccomp_mode(long pid);
/* Its NoNewPrivs line (0 or 1), or -1. */
int sh_proc_no_new_privs(long pid);

#endif

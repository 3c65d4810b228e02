#include "config.h"
#include "apply.h"
#include "bpf.h"

#include <errno.h>
#include <stdlib.h>
#include <stddef.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <stdio.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <sys/prctl.h>
#include <sys/vfs.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif

bool sh_have_cap_sys_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2] = { { 0 } };
	if (syscall(SYS_capget, &hdr, data) < 0)
		return false;
	return (data[CAP_SYS_ADMIN / 32].effective & (1u << (CAP_SYS_ADMIN % 32))) != 0;
}

int sh_apply_filter(const struct sock_filter *insns, size_t len, unsigned flags, const char **why)
{
	const char *bad = sh_bpf_check_size(len * sizeof(*insns));
	if (!bad)
		bad = sh_bpf_check_program(insns, len);
	if (bad) {
		*why = bad;
		errno = EINVAL;
		return -1;
	}
	/* Without CAP_SYS_ADMIN the kernel only accepts a filter under no_new_privs. */
	if (!sh_have_cap_sys_admin() && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		*why = "cannot set no_new_privs";
		return -1;
	}
	flags |= SECCOMP_FILTER_FLAG_TSYNC;
	/* TSYNC and NEW_LISTENER together are refused unless a sync failure reports ESRCH. */
	if (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)
		flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
	int r = sh_bpf_install(insns, len, flags);
	if (r < 0) {
		errno = -r;
		*why = "the kernel refused the filter";
		return -1;
	}
	/* With TSYNC alone, a positive result is the id of a thread that could not be synchronized. */
	if (r > 0 && !(flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)) {
		*why = "a thread could not be synchronized to the filter (TSYNC)";
		errno = ESRCH;
		return -1;
	}
	return r;
}

/* A number field of /proc/PID/status ("Seccomp:"), or -1. */
static int status_field(long pid, const char *key)
{
	char path[64], line[256];
	int v = -1;
	size_t klen = strlen(key);
	snprintf(path, sizeof path, "/proc/%ld/status", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	while (v < 0 && fgets(line, sizeof line, f))
		if (strncmp(line, key, klen) == 0)
			v = (int)strtol(line + klen, NULL, 10);
	fclose(f);
	return v;
}

int sh_proc_seccomp_mode(long pid)
{
	return status_field(pid, "Seccomp:");
}

int sh_proc_no_new_privs(long pid)
{
	return status_field(pid, "NoNewPrivs:");
}

void sh_capsets_format(const sh_capsets *c, char out[SH_CAPSETS_TEXT_MAX])
{
	snprintf(out, SH_CAPSETS_TEXT_MAX, "%" PRIx64 ":%" PRIx64 ":%" PRIx64 ":%" PRIx64 ":%" PRIx64, c->bounding,
		 c->permitted, c->effective, c->inheritable, c->ambient);
}

/* One hex mask of 1 to 16 digits ending at `stop`; *s moves past it. */
static bool parse_mask(const char **s, char stop, uint64_t *out)
{
	uint64_t v = 0;
	const char *p = *s;
	for (; *p && *p != stop; p++) {
		int d = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;
		if (d < 0 || p - *s >= 16)
			return false;
		v = v << 4 | (uint64_t)d;
	}
	if (p == *s || *p != stop)
		return false;
	*out = v;
	*s = *p ? p + 1 : p;
	return true;
}

bool sh_capsets_parse(const char *s, sh_capsets *c)
{
	uint64_t *sets[] = { &c->bounding, &c->permitted, &c->effective, &c->inheritable, &c->ambient };
	for (size_t i = 0; i < 5; i++)
		if (!parse_mask(&s, i < 4 ? ':' : '\0', sets[i]))
			return false;
	return true;
}

/* The highest capability number the kernel knows: PR_CAPBSET_READ fails past it. A binary search,
 * six calls, where probing each number took forty. */
static int last_cap(void)
{
	int lo = 0, hi = 63;
	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;
		if (prctl(PR_CAPBSET_READ, mid, 0, 0, 0) >= 0)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* The five sets as /proc/self/status shows them: one read, where asking the kernel takes two prctl(2)
 * calls per capability (the bounding and ambient sets have no other interface), about 80 calls in
 * every init-mode start. Only from a procfs (fstatfs), so a file planted at the path is never taken
 * for the kernel's word; false otherwise, or if it cannot be read (no /proc in the container). */
static bool status_capsets(sh_capsets *c)
{
	static const struct { const char *key; size_t off; } fields[] = {
		{ "\nCapInh:", offsetof(sh_capsets, inheritable) }, { "\nCapPrm:", offsetof(sh_capsets, permitted) },
		{ "\nCapEff:", offsetof(sh_capsets, effective) },   { "\nCapBnd:", offsetof(sh_capsets, bounding) },
		{ "\nCapAmb:", offsetof(sh_capsets, ambient) },
	};
	char buf[8192];
	size_t n = 0;
	struct statfs fs;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	if (fstatfs(fd, &fs) < 0 || fs.f_type != PROC_SUPER_MAGIC) {
		close(fd);
		return false;
	}
	for (ssize_t r; n < sizeof buf - 1 && (r = read(fd, buf + n, sizeof buf - 1 - n)) > 0;)
		n += (size_t)r;
	close(fd);
	buf[n] = '\0';
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		const char *p = strstr(buf, fields[i].key);
		char *end = NULL;
		if (!p)
			return false;
		uint64_t v = strtoull(p + strlen(fields[i].key), &end, 16);
		if (end == p + strlen(fields[i].key) || *end != '\n')
			return false;
		memcpy((char *)c + fields[i].off, &v, sizeof v);
	}
	return true;
}

int sh_capsets_get(sh_capsets *c)
{
	if (status_capsets(c))
		return 0;
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2] = { { 0 } };
	if (syscall(SYS_capget, &hdr, d) < 0)
		return -1;
	*c = (sh_capsets){ .permitted = d[0].permitted | (uint64_t)d[1].permitted << 32,
			   .effective = d[0].effective | (uint64_t)d[1].effective << 32,
			   .inheritable = d[0].inheritable | (uint64_t)d[1].inheritable << 32 };
	for (int cap = 0, last = last_cap(); cap <= last; cap++) {
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) > 0)
			c->bounding |= UINT64_C(1) << cap;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) > 0)
			c->ambient |= UINT64_C(1) << cap;
	}
	return 0;
}

static int set_caps(const sh_capsets *w)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2] = {
		{ (uint32_t)w->effective, (uint32_t)w->permitted, (uint32_t)w->inheritable },
		{ (uint32_t)(w->effective >> 32), (uint32_t)(w->permitted >> 32), (uint32_t)(w->inheritable >> 32) },
	};
	return (int)syscall(SYS_capset, &hdr, d);
}

/* What a process can be lowered to: the bounding, inheritable and ambient sets exactly (they decide
 * what the next program gets), permitted and effective as far as it holds them (a process that is
 * not root holds only its ambient set after exec; the next exec recomputes both anyway). */
static sh_capsets lowered(const sh_capsets *want, const sh_capsets *have, uint64_t known)
{
	uint64_t p = want->permitted & have->permitted & known;
	return (sh_capsets){ want->bounding & known, p, want->effective & p, want->inheritable & known,
			     want->ambient & known };
}

int sh_capsets_restore(const sh_capsets *want, const char **why)
{
	sh_capsets have;
	if (sh_capsets_get(&have) < 0)
		return *why = "cannot read the capability sets", -1;
	/* Capabilities this kernel does not know cannot be held: compare the ones it knows. */
	int last = last_cap();
	sh_capsets w = lowered(want, &have, last >= 63 ? ~UINT64_C(0) : (UINT64_C(1) << (last + 1)) - 1);
	for (int cap = 0; cap < 64; cap++) {
		uint64_t bit = UINT64_C(1) << cap;
		if ((have.bounding & bit) && !(w.bounding & bit) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return *why = "cannot drop a capability from the bounding set", -1;
		if ((have.ambient & bit) && !(w.ambient & bit) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, cap, 0, 0) < 0)
			return *why = "cannot lower an ambient capability", -1;
	}
	if (set_caps(&w) < 0)
		return *why = "cannot set the capability sets (capset)", -1;
	if (sh_capsets_get(&have) < 0 || memcmp(&have, &w, sizeof(have)) != 0) {
		errno = EPERM;
		return *why = "the capability sets differ from those asked for after restoring them", -1;
	}
	return 0;
}

int sh_send_fd(int sock, int fd, const void *payload, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf = { { 0 } };
	struct iovec iov = { .iov_base = (void *)payload, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.buf, .msg_controllen = sizeof(cbuf.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	ssize_t n;
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -1 : 0;
}

/* Every descriptor a message passed, closed: a sender cannot make the receiver hold what it did not ask for. */
static void close_passed_fds(struct msghdr *mh)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
				int fd;
				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
				close(fd);
			}
}

/* The one descriptor of an SCM_RIGHTS message; a second one (in this or another message) means the
 * message is not what it claims: every one of them is closed, *fd included. */
static void take_one_fd(struct cmsghdr *c, int *fd)
{
	size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
	for (size_t i = 0; i < n; i++) {
		int got;
		memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof got);
		if (n == 1 && *fd == -1) {
			*fd = got;
			continue;
		}
		close(got);
		if (*fd >= 0)
			close(*fd);
		*fd = -2; /* stays refused */
	}
}

ssize_t sh_recv_fd(int sock, int *fd, pid_t *sender, char *buf, size_t bufsize)
{
	union {
		char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = buf, .iov_len = bufsize - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.buf, .msg_controllen = sizeof(cbuf.buf) };
	ssize_t n;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	*fd = -1;
	if (sender)
		*sender = 0;
	if (n < 0)
		return -1;
	if (mh.msg_flags & MSG_CTRUNC) { /* what did not fit the kernel closed; what did is closed here */
		close_passed_fds(&mh);
		errno = EPROTO;
		return -1;
	}
	buf[n] = '\0';
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_RIGHTS)
			take_one_fd(c, fd);
		if (c->cmsg_type == SCM_CREDENTIALS && sender && c->cmsg_len == CMSG_LEN(sizeof(struct ucred))) {
			struct ucred cred;
			memcpy(&cred, CMSG_DATA(c), sizeof cred);
			*sender = cred.pid;
		}
	}
	if (*fd == -2)
		*fd = -1;
	return n;
}

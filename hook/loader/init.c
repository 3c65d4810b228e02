/* seccomp-hook-init: the loader init mode makes PID 1 of a container. It reads precompiled BPF,
 * checks it (size, structure, and the SHA-256 the hook recorded), installs it (no_new_privs unless
 * it holds CAP_SYS_ADMIN, TSYNC), then execs the container's command, found the way runtimes find
 * it. With --overlay it first installs a second program, an overlay's: the kernel then answers each
 * call with the more restrictive of the two, the container's own where they are equal. Statically
 * linked, libc only: it must run in any rootfs.
 *
 * Fail closed: on any problem, one line "seccomp-hook-init: error: CAUSE" on stderr and exit 127
 * (126 when the command exists but cannot be executed); the command never runs unfiltered. */
#include "config.h"
#include "apply.h"
#include "bpf.h"
#include "loadargs.h"
#include "sha256.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXIT_FAIL 127
#define EXIT_CANNOT_EXEC 126

extern char **environ;

typedef struct loader_opts {
	sh_loader_args a;
	char **command; /* NULL-terminated, at least one element */
} loader_opts;

static void usage(FILE *out)
{
	fputs("Usage: seccomp-hook-init [--flags=N] [--sha256=HEX] [--caps=B:P:E:I:A] [--listener-fd=FD]\n"
	      "                         [--overlay=FILE [--overlay-sha256=HEX]] BPF_FILE -- COMMAND [ARG...]\n"
	      "Install the seccomp program in BPF_FILE (raw struct sock_filter, as `seccomp-hook compile`\n"
	      "writes it) with SECCOMP_FILTER_FLAG_TSYNC plus the flags N, then exec COMMAND (PATH lookup).\n"
	      "--caps: once the filter is installed, lower the bounding, permitted, effective, inheritable\n"
	      "and ambient capability sets to these hex masks (the hook lends the loader CAP_SYS_ADMIN and\n"
	      "CAP_SETPCAP for the install, as the runtime holds them when it installs a filter itself).\n"
	      "--listener-fd=FD: with NEW_LISTENER in N, send the listener over the unix socket FD (which\n"
	      "seccomp-hook-runtime relays to the profile's listenerPath) and wait for its answer; FD and\n"
	      "the listener are closed before the exec.\n"
	      "--overlay=FILE: first install the program in FILE (checked against --overlay-sha256), with\n"
	      "the flags N but NEW_LISTENER; BPF_FILE's program goes on top of it.\n"
	      "Exits 127 without running COMMAND if anything fails.\n", out);
}

/* One write(2) for the whole line, so concurrent output cannot split it. */
static void __attribute__((noreturn, format(printf, 2, 3))) fail(int status, const char *fmt, ...)
{
	char line[1024];
	int n = snprintf(line, sizeof line, "seccomp-hook-init: error: ");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	va_end(ap);
	strcat(line, "\n");
	ssize_t ignored = write(STDERR_FILENO, line, strlen(line));
	(void)ignored;
	_exit(status);
}

/* Exits for --help and --version (alone, first); any usage problem fails like every other problem. */
static void parse_args(int argc, char **argv, loader_opts *o)
{
	if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		exit(0);
	}
	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		puts("seccomp-hook-init " PACKAGE_VERSION);
		exit(0);
	}
	sh_loader_args_error e;
	int cmd = sh_loader_args_decode(argc, argv, 1, &o->a, &e);
	if (cmd >= 0) {
		o->command = argv + cmd;
		return;
	}
	const char *arg = e.index < argc ? argv[e.index] : "";
	if (e.fault == SH_LOADER_ARG_UNKNOWN)
		fail(EXIT_FAIL, "unknown option '%s' (see --help)", arg);
	if (e.fault == SH_LOADER_ARG_TWICE)
		fail(EXIT_FAIL, "option %.*s given twice", (int)e.namelen, arg);
	if (e.fault == SH_LOADER_ARG_INVALID)
		fail(EXIT_FAIL, "invalid %.*s value '%s' (%s)", (int)e.namelen, arg, arg + e.namelen + 1, e.valid);
	fail(EXIT_FAIL, "usage: seccomp-hook-init [--flags=N] [--sha256=HEX] [--caps=B:P:E:I:A] "
			"[--listener-fd=FD] [--overlay=FILE [--overlay-sha256=HEX]] BPF_FILE -- COMMAND [ARG...]");
}

/* One byte more than the largest valid program, so an oversized file is seen as such. In .bss: no
 * allocator mapping (and unmapping) 32 KiB in every container start. */
typedef struct program_buf {
	_Alignas(struct sock_filter) char b[SH_BPF_MAX_INSNS * sizeof(struct sock_filter) + 1];
} program_buf;

/* The whole file. O_NONBLOCK so a FIFO planted at the path cannot hang PID 1 in open(2). */
static struct sock_filter *read_program(const char *path, program_buf *buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		fail(EXIT_FAIL, "%s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0)
		fail(EXIT_FAIL, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		fail(EXIT_FAIL, "%s: not a regular file", path);
	size_t cap = sizeof buf->b, n = 0;
	while (n < cap) {
		ssize_t r = read(fd, buf->b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			fail(EXIT_FAIL, "%s: %s", path, strerror(errno));
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*len = n;
	return (struct sock_filter *)buf->b;
}

/* Size, recorded digest, then structure: the digest names a changed file more precisely than a
 * structural complaint about it would. */
static void check_program(const char *path, const char *digest, const struct sock_filter *prog, size_t bytes)
{
	const char *bad = sh_bpf_check_size(bytes);
	if (bad)
		fail(EXIT_FAIL, "%s: not a usable seccomp program: %s", path, bad);
	if (digest[0]) {
		char got[65];
		sh_sha256_hex(prog, bytes, got);
		if (strcmp(got, digest) != 0)
			fail(EXIT_FAIL, "%s: content does not match the recorded SHA-256 (changed or corrupt)", path);
	}
	bad = sh_bpf_check_program(prog, bytes / sizeof(*prog));
	if (bad)
		fail(EXIT_FAIL, "%s: not a usable seccomp program: %s", path, bad);
}

/* The listener goes to whoever holds the other end of the socket (the runtime wrapper's relay, on
 * the host), which answers 'y' once listenerPath has it, or 'n' and why not: without that answer
 * nobody would answer the notified syscalls, so the workload does not start. */
static void hand_listener(const loader_opts *o, int listener)
{
	static const char hello[] = "seccomp-hook-init listener";
	char answer[256];
	ssize_t n = -1;
	if (sh_send_fd(o->a.listener_fd, listener, hello, sizeof hello - 1) == 0)
		do
			n = read(o->a.listener_fd, answer, sizeof answer - 1);
		while (n < 0 && errno == EINTR);
	if (n == 1 && answer[0] == 'y') {
		close(listener);
		close(o->a.listener_fd);
		return;
	}
	if (n > 1 && answer[0] == 'n') {
		answer[n] = '\0';
		fail(EXIT_FAIL, "the listener could not be handed on: %s", answer + 1);
	}
	fail(EXIT_FAIL, "the listener could not be handed to the profile's listenerPath (%s)",
	     n < 0 ? strerror(errno) : "the relay went away without an answer");
}

static void install(const loader_opts *o, const struct sock_filter *prog, size_t len)
{
	/* Without a way out for the listener nobody could answer: refuse instead of running a workload
	 * whose notified syscalls all hang. */
	bool listen = o->a.flags & SECCOMP_FILTER_FLAG_NEW_LISTENER;
	struct stat st;
	if (listen && o->a.listener_fd < 0)
		fail(EXIT_FAIL, "--flags: NEW_LISTENER needs --listener-fd (run the container with seccomp-hook-runtime)");
	if (listen && (fstat(o->a.listener_fd, &st) < 0 || !S_ISSOCK(st.st_mode)))
		fail(EXIT_FAIL, "--listener-fd=%d: not a socket", o->a.listener_fd);
	const char *why = NULL;
	int r = sh_apply_filter(prog, len, o->a.flags, &why);
	if (r > 0 && listen)
		hand_listener(o, r);
	if (r >= 0)
		return;
	int e = errno;
	/* Every flag asked for is kept: a kernel without one (SPEC_ALLOW, WAIT_KILLABLE_RECV) fails. */
	if (e == EINVAL && o->a.flags)
		fail(EXIT_FAIL, "%s: %s (with flags 0x%x: this kernel may not support one of them)", why,
		     strerror(e), o->a.flags);
	fail(EXIT_FAIL, "%s: %s", why, strerror(e));
}

/* The overlay's program goes in first: the container's own then decides between equal answers, and
 * its install is the last call its filter has to let through before the capabilities and the exec. */
static void install_overlay(const loader_opts *o, const struct sock_filter *prog, size_t len)
{
	const char *why = NULL;
	if (sh_apply_filter(prog, len, o->a.flags & ~SECCOMP_FILTER_FLAG_NEW_LISTENER, &why) < 0)
		fail(EXIT_FAIL, "%s (the overlay %s): %s", why, o->a.overlay_path, strerror(errno));
}

static bool is_executable_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

/* The lookup runc does (Go's exec.LookPath): a name with a '/' is used as is; otherwise the first
 * PATH entry holding a regular file with an execute bit, an empty entry meaning ".". PATH comes
 * from the environment the workload gets, which is passed on unchanged. Runs before the filter is
 * installed, so the filter cannot break the search itself. Returns name itself or a static buffer:
 * the loader allocates nothing. */
static const char *find_command(const char *name)
{
	static char candidate[PATH_MAX];
	if (strchr(name, '/'))
		return name;
	const char *path = getenv("PATH");
	if (!path)
		path = SH_DEFAULT_PATH;
	for (const char *p = path;; p++) {
		size_t dlen = strcspn(p, ":");
		int n = dlen ? snprintf(candidate, sizeof candidate, "%.*s/%s", (int)dlen, p, name)
			     : snprintf(candidate, sizeof candidate, "./%s", name);
		if (n > 0 && (size_t)n < sizeof candidate && is_executable_file(candidate))
			return candidate;
		p += dlen;
		if (*p == '\0')
			break;
	}
	fail(EXIT_FAIL, "%s: executable file not found in PATH", name);
}

static void __attribute__((noreturn)) exec_command(const char *file, char **argv)
{
	execve(file, argv, environ);
	int e = errno;
	bool exists = e != ENOENT && e != ENOTDIR && e != ELOOP && e != ENAMETOOLONG;
	fail(exists ? EXIT_CANNOT_EXEC : EXIT_FAIL, "cannot execute %s: %s", file, strerror(e));
}

int main(int argc, char **argv)
{
	loader_opts o;
	parse_args(argc, argv, &o);
	static program_buf main_buf, overlay_buf;
	size_t bytes = 0, overlay_bytes = 0;
	struct sock_filter *prog = read_program(o.a.bpf_path, &main_buf, &bytes);
	check_program(o.a.bpf_path, o.a.digest, prog, bytes);
	struct sock_filter *overlay = NULL;
	if (o.a.overlay_path) {
		overlay = read_program(o.a.overlay_path, &overlay_buf, &overlay_bytes);
		check_program(o.a.overlay_path, o.a.overlay_digest, overlay, overlay_bytes);
	}
	const char *file = find_command(o.command[0]);
	if (overlay)
		install_overlay(&o, overlay, overlay_bytes / sizeof(*overlay));
	install(&o, prog, bytes / sizeof(*prog));
	/* After the install: until then the borrowed capabilities also keep the container's other
	 * processes from ptrace-attaching to the loader of an exec'd process before it is filtered. */
	const char *why = NULL;
	if (o.a.has_caps && sh_capsets_restore(&o.a.caps, &why) < 0)
		fail(EXIT_FAIL, "%s: %s (in init mode the profile must allow capset and prctl)", why, strerror(errno));
	exec_command(file, o.command);
}

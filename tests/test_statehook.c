/* The state hook's judging of a container (statehook.c): which configs carry the requested
 * profile, and how a real child process is seen while it starts, once it runs a filter, once it is
 * gone, and that an unfiltered one is killed. */
#include "config.h"
#include "statehook.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

Test(statehook, config_carries_what_precreate_and_inject_write)
{
	struct {
		const char *requested, *applied;
		bool seccomp, loader, crun_bpf, want;
	} rows[] = {
		{ NULL, NULL, false, false, false, true }, /* nothing asked */
		{ "unconfined", NULL, false, false, false, true },
		{ "default", "default runtime sha256:" HEX64, true, false, false, true },
		{ "default", "default runtime sha256:" HEX64, false, false, false, false }, /* seccomp removed */
		{ "default", "other runtime sha256:" HEX64, true, false, false, false },
		{ "default", "defaultx runtime sha256:" HEX64, true, false, false, false }, /* prefix only */
		{ "default", NULL, true, false, false, false },
		{ "default", "default init sha256:" HEX64, true, true, false, true },
		{ "default", "default init sha256:" HEX64, true, false, false, false }, /* loader taken out */
		{ "default", "default init sha256:" HEX64, true, false, true, true },	/* crun's program */
		{ "default", "default init sha256:" HEX64, false, false, true, false }, /* no placeholder */
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		sh_state_info si = { .requested = rows[i].requested, .applied = rows[i].applied,
				     .has_seccomp = rows[i].seccomp, .has_loader = rows[i].loader,
				     .has_crun_bpf = rows[i].crun_bpf };
		cr_assert_eq(sh_state_config_carries(&si), rows[i].want, "row %zu", i);
	}
}

Test(statehook, expected_digest_only_in_init_mode)
{
	sh_state_info si = { .applied = "default init sha256:" HEX64 };
	cr_assert_str_eq(sh_state_expected_digest(&si), HEX64);
	si.applied = "default runtime sha256:" HEX64;
	cr_assert_null(sh_state_expected_digest(&si));
	si.applied = "default init sha256:0123";
	cr_assert_null(sh_state_expected_digest(&si), "a short digest names no program");
	si.applied = NULL;
	cr_assert_null(sh_state_expected_digest(&si));
}

Test(statehook, state_needs_id_and_bundle)
{
	sh_json *st = NULL;
	sh_error *err = NULL;
	const char *ok = "{\"id\": \"c1\", \"bundle\": \"/b\", \"pid\": 42, \"status\": \"created\"}";
	cr_assert_eq(sh_json_parse(ok, strlen(ok), "t", NULL, &st, &err), 0);
	sh_state_info si = { 0 };
	cr_assert_eq(sh_state_read(st, &si, &err), 0);
	cr_assert_eq(si.pid, 42);
	cr_assert_str_eq(si.status, "created");
	sh_json_free(st);
	const char *bad = "{\"id\": \"c1\", \"pid\": 42}";
	cr_assert_eq(sh_json_parse(bad, strlen(bad), "t", NULL, &st, &err), 0);
	cr_assert_lt(sh_state_read(st, &si, &err), 0);
	cr_assert_not_null(strstr(err->msg, "'bundle'"));
	sh_error_free(err);
	sh_json_free(st);
}

/* A child that names itself NAME (as runc's init is named) and waits. */
static pid_t named_child(const char *name)
{
	pid_t p = fork();
	cr_assert_geq(p, 0);
	if (p == 0) {
		prctl(PR_SET_NAME, name);
		pause();
		_exit(0);
	}
	return p;
}

/* A child exec'd from a memfd copy of /bin/sleep, as runc and crun exec their init. */
static pid_t memfd_child(void)
{
	int in = open("/bin/sleep", O_RDONLY | O_CLOEXEC), fd = (int)syscall(SYS_memfd_create, "runc_cloned", 0);
	cr_assert(in >= 0 && fd >= 0);
	char buf[65536];
	for (ssize_t n; (n = read(in, buf, sizeof buf)) > 0;)
		cr_assert_eq(write(fd, buf, (size_t)n), n);
	close(in);
	pid_t p = fork();
	if (p == 0) {
		char *const argv[] = { "sleep", "30", NULL }, *const envp[] = { NULL };
		fexecve(fd, argv, envp);
		_exit(127);
	}
	close(fd);
	return p;
}

static void reap(pid_t p)
{
	kill(p, SIGKILL);
	waitpid(p, NULL, 0);
}

/* Wait until /proc/PID/comm reads NAME (the child has renamed itself or exec'd). */
static void wait_comm(pid_t p, const char *name)
{
	char path[64], buf[64] = "";
	snprintf(path, sizeof path, "/proc/%d/comm", p);
	for (int i = 0; i < 2000 && strncmp(buf, name, strlen(name)) != 0; i++) {
		FILE *f = fopen(path, "re");
		if (f) {
			if (!fgets(buf, sizeof buf, f))
				buf[0] = 0;
			fclose(f);
		}
		usleep(1000);
	}
	cr_assert_eq(strncmp(buf, name, strlen(name)), 0, "pid %d became %s", p, name);
}

Test(statehook, a_process_named_like_runc_counts_as_starting_until_its_init_was_seen)
{
	pid_t p = named_child("runc:[2:INIT]");
	wait_comm(p, "runc:[2:INIT]");
	bool seen = false;
	cr_assert(sh_watch_still_starting(p, &seen));
	seen = true;
	cr_assert_not(sh_watch_still_starting(p, &seen), "once the memfd init was seen, a name proves nothing");
	reap(p);
}

Test(statehook, the_memfd_init_counts_as_starting_and_is_remembered)
{
	pid_t p = memfd_child();
	char path[64], exe[256] = "";
	snprintf(path, sizeof path, "/proc/%d/exe", p);
	for (int i = 0; i < 2000 && strncmp(exe, "/memfd:", 7) != 0; i++) {
		ssize_t n = readlink(path, exe, sizeof exe - 1);
		exe[n > 0 ? n : 0] = 0;
		usleep(1000);
	}
	cr_assert_eq(strncmp(exe, "/memfd:", 7), 0, "exe reads %s", exe);
	bool seen = false;
	cr_assert(sh_watch_still_starting(p, &seen));
	cr_assert(seen);
	reap(p);
}

Test(statehook, a_workload_is_not_starting)
{
	pid_t p = fork();
	if (p == 0) {
		execl("/bin/sleep", "sleep", "30", (char *)NULL);
		_exit(127);
	}
	wait_comm(p, "sleep");
	bool seen = false;
	cr_assert_not(sh_watch_still_starting(p, &seen));
	cr_assert_not(seen);
	reap(p);
}

/* A child that installs an allow-all filter and waits. */
static pid_t filtered_child(void)
{
	pid_t p = fork();
	if (p == 0) {
		struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
		struct sock_fprog prog = { .len = 1, .filter = &allow };
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
			_exit(126);
		prctl(PR_SET_NAME, "filtered");
		pause();
		_exit(0);
	}
	return p;
}

Test(statehook, watch_sees_filtered_unfiltered_and_gone)
{
	pid_t f = filtered_child();
	wait_comm(f, "filtered");
	sh_watch w;
	sh_watch_open(&w, f);
	cr_assert_eq(sh_watch_start(&w, 2000), SH_WATCH_FILTERED);
	reap(f);
	cr_assert_eq(sh_watch_start(&w, 2000), SH_WATCH_GONE, "a reaped process is gone");
	sh_watch_close(&w);

	pid_t z = fork();
	if (z == 0)
		_exit(0);
	sh_watch_open(&w, z);
	usleep(100 * 1000); /* a zombie still has /proc/PID, but its pidfd polls readable */
	cr_assert_eq(sh_watch_start(&w, 2000), SH_WATCH_GONE);
	sh_watch_close(&w);
	waitpid(z, NULL, 0);
}

Test(statehook, an_unfiltered_pid1_is_killed_and_a_filtered_one_lives)
{
	pid_t u = named_child("workload");
	wait_comm(u, "workload");
	sh_watch w;
	sh_watch_open(&w, u);
	int mode = sh_watch_start(&w, 2000);
	cr_assert_eq(mode, 0);
	sh_state_info si = { .id = "c1", .pid = u };
	sh_error *err = NULL;
	cr_assert_lt(sh_watch_judge(&si, &w, mode, &err), 0);
	cr_assert_not_null(strstr(err->msg, "runs without a seccomp filter (Seccomp: 0); killed"), "%s", err->msg);
	sh_error_free(err);
	int status;
	cr_assert_eq(waitpid(u, &status, 0), u);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	sh_watch_close(&w);

	pid_t f = filtered_child();
	wait_comm(f, "filtered");
	sh_watch_open(&w, f);
	si.pid = f;
	cr_assert_eq(sh_watch_judge(&si, &w, sh_watch_start(&w, 2000), &err), 0);
	cr_assert_eq(waitpid(f, &status, WNOHANG), 0, "the filtered process still runs");
	sh_watch_close(&w);
	reap(f);
}

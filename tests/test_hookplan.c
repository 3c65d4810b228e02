/* The config transform's plan (hookcfg.c), as a table: a config (its annotations, command,
 * capabilities, namespaces, hooks, linux.seccomp) and the options go in; how the profile is applied,
 * the mode, the profile named, the reason init mode was not used, or the refusal come out. Every
 * attack on init mode that a config can carry is a row: an image's command or a hook imitating the
 * loader's call, a forged org.seccomp-hook.applied, capability names runc does not grant, a filter
 * that lets the workload make another mount namespace, mounts that are not the container's own. A
 * second table runs the whole transform twice (its output must be recognised, and nothing else). */
#include "config.h"
#include "bpf.h"
#include "hookcfg.h"
#include "overlay.h"
#include "profile.h"
#include "resolve.h"
#include "translate.h"
#include "seal.h"

#include <criterion/criterion.h>
#include <linux/audit.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static char dir[] = "/tmp/sh-hookplan.XXXXXX";
static sh_hook_opts base_opts;

/* Profiles: allow-all (its filter lets a workload make namespaces), guarded (allow all but what init
 * mode needs denied), and the shipped ones through --profiles-dir. */
static const char allow_all[] = "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}";
static const char guarded[] =
	"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
	"{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13},"
	"{\"names\": [\"unshare\", \"setns\", \"mount\", \"umount2\", \"pivot_root\", \"open_tree\", \"move_mount\","
	" \"fsopen\", \"fsconfig\", \"fsmount\", \"fspick\", \"mount_setattr\"], \"action\": \"SCMP_ACT_ERRNO\"},"
	"{\"names\": [\"clone3\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38},"
	"{\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 268435456,"
	" \"valueTwo\": 268435456, \"op\": \"SCMP_CMP_MASKED_EQ\"}]},"
	"{\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 131072,"
	" \"valueTwo\": 131072, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}]}";

/* libseccomp 2.5.4 builds these wrongly: "merged" lets personality(0) run where KILL_PROCESS holds
 * (GHSA-4q85-33p6-j5g6), "endless" it never finishes (docs/verification.md). "merged" allows what
 * the installers call after the filter is in, so that only the rules above decide. */
static const char merged[] =
	"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
	"{\"names\": [\"capset\", \"execve\", \"prctl\", \"rt_sigaction\", \"rt_sigprocmask\", \"setresgid\", \"setresuid\","
	" \"write\", \"close\", \"fstat\", \"newfstatat\", \"getppid\", \"setgroups\", \"sendmsg\"], \"action\": \"SCMP_ACT_ALLOW\"},"
	"{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 4294967396, \"op\": \"SCMP_CMP_LT\"}]},"
	"{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_KILL_PROCESS\", \"args\": [{\"index\": 0, \"value\": 4294967306, \"op\": \"SCMP_CMP_LT\"}]}]}";
static const char endless[] =
	"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
	"{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 4294967299, \"op\": \"SCMP_CMP_GE\"}, {\"index\": 1, \"value\": 0, \"op\": \"SCMP_CMP_GE\"}]},"
	"{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_KILL_PROCESS\", \"args\": [{\"index\": 0, \"value\": 8589934592, \"op\": \"SCMP_CMP_EQ\"}, {\"index\": 1, \"value\": 4294967296, \"op\": \"SCMP_CMP_LE\"}]},"
	"{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_KILL_PROCESS\", \"args\": [{\"index\": 0, \"value\": 4294967299, \"op\": \"SCMP_CMP_GE\"}, {\"index\": 1, \"value\": 4294967299, \"op\": \"SCMP_CMP_EQ\"}]}]}";
/* guarded, with one more call answered by ACTION */
#define DENYING(name, action)                                                                                   \
	"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"" name "\"], \"action\": \"" action "\"},"  \
	"{\"names\": [\"unshare\", \"setns\", \"mount\", \"umount2\", \"pivot_root\", \"open_tree\", \"move_mount\","      \
	" \"fsopen\", \"fsconfig\", \"fsmount\", \"fspick\", \"mount_setattr\"], \"action\": \"SCMP_ACT_ERRNO\"},"          \
	"{\"names\": [\"clone3\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38},"                                     \
	"{\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 268435456,"           \
	" \"valueTwo\": 268435456, \"op\": \"SCMP_CMP_MASKED_EQ\"}]},"                                                   \
	"{\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 131072,"              \
	" \"valueTwo\": 131072, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}]}"

static void put(const char *name, const char *text)
{
	cleanup_free char *path = sh_xasprintf("%s/profiles/%s.json", dir, name);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	cleanup_free char *profiles = sh_xasprintf("%s/profiles", dir);
	cr_assert_eq(mkdir(profiles, 0755), 0);
	put("allow-all", allow_all);
	put("guarded", guarded);
	put("merged", merged);
	put("endless", endless);
	put("no-capset", DENYING("capset", "SCMP_ACT_ERRNO"));
	put("no-fstatfs", DENYING("fstatfs", "SCMP_ACT_ERRNO"));
	put("no-setuid", DENYING("setuid", "SCMP_ACT_ERRNO"));
	put("errno-faccessat2", DENYING("faccessat2", "SCMP_ACT_ERRNO"));
	put("kill-faccessat2", DENYING("faccessat2", "SCMP_ACT_KILL_PROCESS"));
	put("unknown-name", DENYING("this_syscall_does_not_exist_12345", "SCMP_ACT_ERRNO"));
	put("notify-sendmsg",
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/agent.sock\", \"syscalls\": ["
	    "{\"names\": [\"sendmsg\"], \"action\": \"SCMP_ACT_NOTIFY\"},"
	    "{\"names\": [\"unshare\", \"setns\", \"mount\", \"umount2\", \"pivot_root\", \"open_tree\", \"move_mount\","
	    " \"fsopen\", \"fsconfig\", \"fsmount\", \"fspick\", \"mount_setattr\"], \"action\": \"SCMP_ACT_ERRNO\"},"
	    "{\"names\": [\"clone3\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38},"
	    "{\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 268435456,"
	    " \"valueTwo\": 268435456, \"op\": \"SCMP_CMP_MASKED_EQ\"}]},"
	    "{\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 131072,"
	    " \"valueTwo\": 131072, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}]}");
	cleanup_free char *cp = sh_xasprintf("cp %s/profiles/default.json %s && mkdir %s/overlays && cp "
					     "%s/profiles/overlays/af-alg.json %s/overlays/", SH_SRCDIR, profiles, profiles,
					     SH_SRCDIR, profiles);
	cr_assert_eq(system(cp), 0);
	put("overlays/allows", "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"socket\"],"
			       " \"action\": \"SCMP_ACT_ALLOW\"}]}");
	put("overlays/no-seccomp", "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"seccomp\"],"
				   " \"action\": \"SCMP_ACT_ERRNO\"}]}");
	/* cachestat is newer than every call default.json names: its ENOSYS stub answers it before any
	 * rule, so a rule that kills it cannot be written into default's one filter. */
	put("overlays/kill-cachestat", "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"cachestat\"],"
				       " \"action\": \"SCMP_ACT_KILL_PROCESS\"}]}");
	/* Root directories: an image's own, and one whose /.seccomp-hook is a link. */
	cleanup_free char *roots = sh_xasprintf("mkdir -p %s/rootfs/bin %s/linked && ln -s /tmp %s/linked/.seccomp-hook", dir,
						dir, dir);
	cr_assert_eq(system(roots), 0);
	base_opts = (sh_hook_opts){ .profiles_dir = sh_xasprintf("%s/profiles", dir),
				    .cache_dir = sh_xasprintf("%s/cache", dir),
				    .loader = SH_BUILDDIR "/seccomp-hook-init",
				    .loader_store = sh_xasprintf("%s/store", dir),
				    .seal_key = sh_xasprintf("%s/key/seal.key", dir),
				    .exec_routed = true, .has_listener_fd = true, .listener_fd = 3 };
}

static void teardown(void)
{
	cleanup_free char *cmd = sh_xasprintf("rm -rf %s", dir);
	cr_expect_eq(system(cmd), 0);
	free((char *)base_opts.profiles_dir);
	free((char *)base_opts.cache_dir);
	free((char *)base_opts.loader_store);
	free((char *)base_opts.seal_key);
}

TestSuite(hookplan, .init = setup, .fini = teardown);

#define DOCKER_CAPS "[\"CAP_CHOWN\", \"CAP_DAC_OVERRIDE\", \"CAP_FOWNER\", \"CAP_KILL\", \"CAP_SETUID\", \"CAP_SETGID\"]"
#define CAPS(list) "{\"bounding\": " list ", \"effective\": " list ", \"permitted\": " list "}"
#define OWN_MNT "[{\"type\": \"pid\"}, {\"type\": \"mount\"}]"
#define LOADER_CALL(caps)                                                                                        \
	"[\"/.seccomp-hook/init\", \"--sha256=" HEX64 "\", \"--flags=0\", \"--caps=" caps "\","                      \
	" \"/.seccomp-hook/filter.bpf\", \"--\", \"sh\"]"
#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* A config: annotations, process.args, process.capabilities (NULL: none), namespaces, root (NULL: a
 * read-only image root), extra members, extra members of process. */
typedef struct config_row {
	const char *annotations, *args, *caps, *namespaces, *root, *extra, *process;
	const char *seccomp; /* linux.seccomp as the engine wrote it (NULL: none) */
} config_row;

static sh_json *config_of(const config_row *r)
{
	cleanup_free char *caps = r->caps ? sh_xasprintf(", \"capabilities\": %s", r->caps) : sh_xstrdup("");
	cleanup_free char *root = sh_xstrdup(r->root ? r->root : "{\"path\": \"@DIR@/rootfs\", \"readonly\": true}");
	char *at = strstr(root, "@DIR@");
	if (at) { /* the test's directory, known only once it is made */
		char *with = sh_xasprintf("%.*s%s%s", (int)(at - root), root, dir, at + 5);
		free(root);
		root = with;
	}
	cleanup_free char *sec = r->seccomp ? sh_xasprintf(", \"seccomp\": %s", r->seccomp) : sh_xstrdup("");
	cleanup_free char *text = sh_xasprintf(
		"{\"ociVersion\": \"1.0.2\", \"annotations\": {%s}, \"process\": {\"args\": %s%s%s%s},"
		" \"root\": %s, \"linux\": {\"namespaces\": %s%s}%s%s}",
		r->annotations ? r->annotations : "", r->args ? r->args : "[\"sh\"]", caps, r->process ? ", " : "",
		r->process ? r->process : "", root,
		r->namespaces ? r->namespaces : OWN_MNT, sec, r->extra ? ", " : "", r->extra ? r->extra : "");
	sh_json *c = NULL;
	sh_error *err = NULL;
	cr_assert_eq(sh_json_parse(text, strlen(text), "test", &sh_hook_config_limits, &c, &err), 0, "%s: %s", text,
		     err ? err->msg : "");
	return c;
}

typedef struct plan_row {
	const char *what;
	config_row config;
	const char *mode, *default_profile;
	int runtime; /* who runs the config: RT_ANY (false), RT_CRUN (true: --runtime=crun), RT_RUNC (the wrapper's) */
	/* expected: an error naming this, or how/mode/profile and the fallback's reason (NULL: none) */
	const char *error;
	sh_hook_how how;
	const char *profile, *fallback;
	uint64_t target_bounding; /* the sets the profile is resolved for */
} plan_row;

enum { RT_ANY = 0, RT_CRUN = 1, RT_RUNC = 2 };

#define P(n) "\"org.seccomp-hook.profile\": \"" n "\""
#define INIT "\"org.seccomp-hook.mode\": \"init\""

static const plan_row rows[] = {
	{ "no annotation, no default: passes", { 0 }, NULL, NULL, false, NULL, SH_HOW_PASS, NULL, NULL, 0 },
	{ "runtime mode", { .annotations = P("guarded"), .args = NULL, .caps = CAPS(DOCKER_CAPS) }, NULL, NULL, false, NULL, SH_HOW_RUNTIME, "guarded",
	  NULL, 0xeb },
	{ "init mode, Docker's capabilities, a guarded filter: the loader", { .annotations = P("guarded") "," INIT, .args = NULL, .caps = CAPS(DOCKER_CAPS) },
	  NULL, NULL, false, NULL, SH_HOW_LOADER, "guarded", NULL, 0xeb },
	{ "the shipped default profile keeps init mode", { .annotations = P("default") "," INIT, .args = NULL, .caps = CAPS(DOCKER_CAPS) }, NULL, NULL,
	  false, NULL, SH_HOW_LOADER, "default", NULL, 0xeb },
	{ "a process that may hold CAP_SYS_ADMIN", { .annotations = P("guarded") "," INIT, .args = NULL, .caps = CAPS("[\"CAP_SYS_ADMIN\"]") }, NULL,
	  NULL, false, NULL, SH_HOW_RUNTIME, "guarded", "CAP_SYS_ADMIN", UINT64_C(1) << 21 },
	{ "CAP_SYS_PTRACE in the inheritable set only",
	  { .annotations = P("guarded") "," INIT, .args = NULL, .caps = "{\"bounding\": [], \"inheritable\": [\"CAP_SYS_PTRACE\"]}" }, NULL, NULL, false,
	  NULL, SH_HOW_RUNTIME, "guarded", "CAP_SYS_PTRACE", 0 },
	{ "no capability sets: it keeps every capability", { .annotations = P("guarded") "," INIT, .args = NULL, .caps = NULL }, NULL, NULL, false, NULL,
	  SH_HOW_RUNTIME, "guarded", "no capability sets", 0 },
	{ "attack: names runc does not grant are no capabilities (nor for the profile's includes)",
	  { .annotations = P("guarded") "," INIT, .args = NULL, .caps = CAPS("[\"cap_sys_admin\", \"SYS_ADMIN\", \"net_admin\"]") }, NULL, NULL, false,
	  NULL, SH_HOW_LOADER, "guarded", NULL, 0 },
	{ "attack: a filter that lets the workload make a user namespace",
	  { .annotations = P("allow-all") "," INIT, .args = NULL, .caps = CAPS(DOCKER_CAPS) }, NULL, NULL, false, NULL, SH_HOW_RUNTIME, "allow-all",
	  "unshare(CLONE_NEWUSER)", 0xeb },
	{ "attack: a writable root: whoever reaches it (a container sharing the PID namespace) could rename the loader's place",
	  { .annotations = P("guarded") "," INIT, .caps = CAPS(DOCKER_CAPS), .root = "{\"path\": \"/\", \"readonly\": false}" },
	  NULL, NULL, false, NULL, SH_HOW_RUNTIME, "guarded", "root filesystem is writable", 0xeb },
	{ "attack: an image whose /.seccomp-hook is a link (runc would mount through it)",
	  { .annotations = P("guarded") "," INIT, .caps = CAPS(DOCKER_CAPS), .root = "{\"path\": \"@DIR@/linked\", \"readonly\": true}" },
	  NULL, NULL, false, NULL, SH_HOW_RUNTIME, "guarded", "other than a directory", 0xeb },
	{ "a relative root with no bundle known (a precreate hook): not judged, so not init mode",
	  { .annotations = P("guarded") "," INIT, .caps = CAPS(DOCKER_CAPS), .root = "{\"path\": \"rootfs\", \"readonly\": true}" },
	  NULL, NULL, false, NULL, SH_HOW_RUNTIME, "guarded", "cannot be found", 0xeb },
	{ "the same under crun: crun installs the program in every process, no loader to guard",
	  { .annotations = P("allow-all") "," INIT, .args = NULL, .caps = CAPS(DOCKER_CAPS) }, NULL, NULL, true, NULL, SH_HOW_CRUN, "allow-all", NULL,
	  0xeb },
	{ "attack: no mount namespace of its own",
	  { .annotations = P("guarded") "," INIT, .args = NULL, .caps = CAPS(DOCKER_CAPS), .namespaces = "[{\"type\": \"pid\"}]" }, NULL, NULL, false, NULL,
	  SH_HOW_RUNTIME, "guarded", "no mount namespace", 0xeb },
	{ "attack: a mount namespace joined by path",
	  { .annotations = P("guarded") "," INIT, .args = NULL, .caps = CAPS(DOCKER_CAPS), .namespaces = "[{\"type\": \"mount\", \"path\": \"/proc/1/ns/mnt\"}]" },
	  NULL, NULL, false, NULL, SH_HOW_RUNTIME, "guarded", "by path", 0xeb },
	{ "attack: an image's command imitating the loader's call with every capability",
	  { .annotations = INIT, .args = LOADER_CALL("ffffffffff:ffffffffff:ffffffffff:ffffffffff:ffffffffff"), .caps = CAPS(DOCKER_CAPS) }, "init",
	  "guarded", false, "no valid seal", SH_HOW_PASS, NULL, NULL, 0 },
	{ "attack: the same with no profile anywhere is refused too",
	  { .annotations = NULL, .args = LOADER_CALL("ffffffffff:ffffffffff:ffffffffff:ffffffffff:ffffffffff"), .caps = CAPS(DOCKER_CAPS) }, NULL, NULL,
	  false, "no valid seal", SH_HOW_PASS, NULL, NULL, 0 },
	{ "attack: a startContainer hook imitating the loader's call",
	  { .annotations = P("guarded") "," INIT, .args = NULL, .caps = CAPS(DOCKER_CAPS), .namespaces = NULL, .extra = "\"hooks\": {\"startContainer\": [{\"path\": \"/.seccomp-hook/init\", \"args\": " LOADER_CALL("1:1:1:1:1") "}]}" },
	  NULL, NULL, false, "no valid seal", SH_HOW_PASS, NULL, NULL, 0 },
	{ "attack: a forged org.seccomp-hook.applied does not choose unconfined over the default",
	  { .annotations = "\"org.seccomp-hook.applied\": \"unconfined init sha256:" HEX64 "\"", .args = NULL, .caps = CAPS(DOCKER_CAPS) }, "init",
	  "guarded", false, NULL, SH_HOW_LOADER, "guarded", NULL, 0xeb },
	{ "attack: a forged seal is no seal",
	  { .annotations = "\"org.seccomp-hook.applied\": \"allow-all runtime sha256:" HEX64 "\", \"org.seccomp-hook.seal\": \"" HEX64 "\"", .args = LOADER_CALL("ffffffffff:0:0:0:0"), .caps = CAPS(DOCKER_CAPS) },
	  NULL, NULL, false, "no valid seal", SH_HOW_PASS, NULL, NULL, 0 },
	{ "report=complain lets what the profile denies run: the loader is not used",
	  { .annotations = P("default") "," INIT ", \"org.seccomp-hook.report\": \"complain\"", .args = NULL, .caps = CAPS(DOCKER_CAPS) }, NULL, NULL,
	  false, NULL, SH_HOW_RUNTIME, "default", "unshare(CLONE_NEWUSER)", 0xeb },
	{ "report=enforce: the agent answers as the profile does",
	  { .annotations = P("default") "," INIT ", \"org.seccomp-hook.report\": \"enforce\"", .args = NULL, .caps = CAPS(DOCKER_CAPS) }, NULL, NULL,
	  false, NULL, SH_HOW_LOADER, "default", NULL, 0xeb },
	{ "a recording without a base lets anything run",
	  { .annotations = INIT ", \"org.seccomp-hook.record\": \"r1\"", .args = NULL, .caps = CAPS(DOCKER_CAPS) }, NULL, NULL, false, NULL,
	  SH_HOW_RUNTIME, "(none)", "without a base profile", 0xeb },
	{ "runtime mode: runc's libseccomp would build the profile weaker than its rules: refused",
	  { .annotations = P("merged"), .args = NULL, .caps = CAPS(DOCKER_CAPS) }, NULL, NULL, false,
	  "runtime mode (init mode, or --runtime=crun, installs seccomp-hook's checked program instead)", SH_HOW_PASS, NULL,
	  NULL, 0 },
	{ "the same with --runtime=crun: crun installs seccomp-hook's checked program (init mode's crun form)",
	  { .annotations = P("merged"), .args = NULL, .caps = CAPS(DOCKER_CAPS) }, NULL, NULL, true, NULL, SH_HOW_CRUN, "merged",
	  NULL, 0xeb },
	{ "the same in init mode: the loader installs seccomp-hook's checked program",
	  { .annotations = P("merged") "," INIT, .args = NULL, .caps = CAPS(DOCKER_CAPS) }, NULL, NULL, false, NULL, SH_HOW_LOADER,
	  "merged", NULL, 0xeb },
	{ "runtime mode: rules libseccomp never finishes adding would hang runc: refused",
	  { .annotations = P("endless"), .args = NULL, .caps = CAPS(DOCKER_CAPS) }, NULL, NULL, false,
	  "does not finish adding the rules of personality", SH_HOW_PASS, NULL, NULL, 0 },
	{ "a recording on Docker's terms keeps the loader",
	  { .annotations = P("default") "," INIT ", \"org.seccomp-hook.record\": \"r1\"", .args = NULL, .caps = CAPS(DOCKER_CAPS) }, NULL, NULL, false,
	  NULL, SH_HOW_LOADER, "default", NULL, 0xeb },
	/* What the installer calls after the filter is in (startcalls.h): a profile that does not allow it
	 * cannot start the container, and is refused with the calls named. */
	{ .what = "the loader lowers the capability sets it borrowed: a profile denying capset is refused",
	  .config = { .annotations = P("no-capset") "," INIT, .caps = CAPS(DOCKER_CAPS) },
	  .error = "init calls capset in the container after it installs the filter" },
	{ .what = "crun installing the program does not call capset with no_new_privs",
	  .config = { .annotations = P("no-capset") "," INIT, .caps = CAPS(DOCKER_CAPS), .process = "\"noNewPrivileges\": true" },
	  .runtime = RT_CRUN, .how = SH_HOW_CRUN, .profile = "no-capset", .target_bounding = 0xeb },
	{ .what = "crun without no_new_privs lowers the capabilities after the install: refused",
	  .config = { .annotations = P("no-capset") "," INIT, .caps = CAPS(DOCKER_CAPS) },
	  .runtime = RT_CRUN, .error = "crun calls capset" },
	{ .what = "runc checks /proc/self/fd with fstatfs after the install: refused where the runtime is runc",
	  .config = { .annotations = P("no-fstatfs"), .caps = CAPS(DOCKER_CAPS), .process = "\"noNewPrivileges\": true" },
	  .runtime = RT_RUNC, .error = "runc calls fstatfs" },
	{ .what = "the same where the runtime is not known (a precreate hook): crun does not call it",
	  .config = { .annotations = P("no-fstatfs"), .caps = CAPS(DOCKER_CAPS), .process = "\"noNewPrivileges\": true" },
	  .how = SH_HOW_RUNTIME, .profile = "no-fstatfs", .target_bounding = 0xeb },
	{ .what = "runc sets the user after the install only without no_new_privs: setuid denied is refused",
	  .config = { .annotations = P("no-setuid"), .caps = CAPS(DOCKER_CAPS) }, .runtime = RT_RUNC, .error = "runc calls setuid" },
	{ .what = "with no_new_privs runc set the user before the install",
	  .config = { .annotations = P("no-setuid"), .caps = CAPS(DOCKER_CAPS), .process = "\"noNewPrivileges\": true" },
	  .runtime = RT_RUNC, .how = SH_HOW_RUNTIME, .profile = "no-setuid", .target_bounding = 0xeb },
	{ .what = "runc tolerates an errno from faccessat2 (Docker 20.10's profile denies it)",
	  .config = { .annotations = P("errno-faccessat2"), .caps = CAPS(DOCKER_CAPS), .process = "\"user\": {\"uid\": 1000, \"gid\": 1000}" },
	  .runtime = RT_RUNC, .how = SH_HOW_RUNTIME, .profile = "errno-faccessat2", .target_bounding = 0xeb },
	{ .what = "but not a kill",
	  .config = { .annotations = P("kill-faccessat2"), .caps = CAPS(DOCKER_CAPS) }, .runtime = RT_RUNC,
	  .error = "runc calls faccessat2" },
	/* crun's run.oci.seccomp_fail_unknown_syscall: crun fails the container on a name libseccomp does
	 * not know; so does the transform, in both modes and under any runtime (it can only refuse). */
	{ .what = "an unknown syscall name is skipped",
	  .config = { .annotations = P("unknown-name"), .caps = CAPS(DOCKER_CAPS) },
	  .how = SH_HOW_RUNTIME, .profile = "unknown-name", .target_bounding = 0xeb },
	{ .what = "with run.oci.seccomp_fail_unknown_syscall=1 it fails the container (runtime mode)",
	  .config = { .annotations = P("unknown-name") ", \"run.oci.seccomp_fail_unknown_syscall\": \"1\"", .caps = CAPS(DOCKER_CAPS) },
	  .error = "syscalls[0]: unknown syscall 'this_syscall_does_not_exist_12345' (run.oci.seccomp_fail_unknown_syscall is set" },
	{ .what = "and in init mode, under crun",
	  .config = { .annotations = P("unknown-name") "," INIT ", \"run.oci.seccomp_fail_unknown_syscall\": \"true\"", .caps = CAPS(DOCKER_CAPS) },
	  .runtime = RT_CRUN, .error = "unknown syscall 'this_syscall_does_not_exist_12345'" },
	{ .what = "\"0\" is crun's off",
	  .config = { .annotations = P("unknown-name") "," INIT ", \"run.oci.seccomp_fail_unknown_syscall\": \"0\"", .caps = CAPS(DOCKER_CAPS) },
	  .runtime = RT_CRUN, .how = SH_HOW_CRUN, .profile = "unknown-name", .target_bounding = 0xeb },
	/* The loader and crun hand the listener over with sendmsg after the filter is in. */
	{ .what = "init mode: a notified sendmsg would hang the loader's hand-over: refused",
	  .config = { .annotations = P("notify-sendmsg") "," INIT, .caps = CAPS(DOCKER_CAPS) },
	  .error = "sendmsg is SCMP_ACT_NOTIFY: the loader hands the listener over with sendmsg" },
	{ .what = "and crun's",
	  .config = { .annotations = P("notify-sendmsg") "," INIT, .caps = CAPS(DOCKER_CAPS) },
	  .runtime = RT_CRUN, .error = "sendmsg is SCMP_ACT_NOTIFY: crun hands the listener over" },
	{ .what = "runtime mode under runc: runc takes the listener with pidfd_getfd",
	  .config = { .annotations = P("notify-sendmsg"), .caps = CAPS(DOCKER_CAPS) },
	  .runtime = RT_RUNC, .how = SH_HOW_RUNTIME, .profile = "notify-sendmsg", .target_bounding = 0xeb },
	{ .what = "the shipped default profile starts under every installer",
	  .config = { .annotations = P("default"), .caps = CAPS(DOCKER_CAPS), .process = "\"user\": {\"uid\": 1000, \"gid\": 1000}" },
	  .runtime = RT_RUNC, .how = SH_HOW_RUNTIME, .profile = "default", .target_bounding = 0xeb },
};

/* The front-ends' own decisions: a precreate hook (any runtime may run the config it writes), the
 * runtime wrapper (linux.seccomp as the engine wrote it is the profile, or its override's). */
typedef struct front_row {
	plan_row r;
	bool precreate, wrapper, unfiltered_exec;
	const char *override_profile;
} front_row;

static const front_row front_rows[] = {
	{ { "a precreate hook cannot tell whether the runtime can run the loader's config: runtime mode",
	  { .annotations = P("guarded") "," INIT, .caps = CAPS(DOCKER_CAPS) }, NULL, NULL, false, NULL, SH_HOW_RUNTIME, "guarded",
	  "--runtime seccomp-hook-runtime", 0xeb }, .precreate = true },
	{ { "the same for a recording (a precreate hook has no relay for the listener)",
	  { .annotations = P("default") "," INIT ", \"org.seccomp-hook.record\": \"r1\"", .caps = CAPS(DOCKER_CAPS) }, NULL, NULL, false, NULL,
	  SH_HOW_RUNTIME, "default", "cannot tell which runtime", 0xeb }, .precreate = true },
	{ { "a precreate hook told --runtime=crun keeps init mode",
	  { .annotations = P("guarded") "," INIT, .caps = CAPS(DOCKER_CAPS) }, NULL, NULL, true, NULL, SH_HOW_CRUN, "guarded", NULL, 0xeb },
	  .precreate = true },
	{ { "a precreate hook told --allow-unfiltered-exec keeps the loader",
	  { .annotations = P("guarded") "," INIT, .caps = CAPS(DOCKER_CAPS) }, NULL, NULL, false, NULL, SH_HOW_LOADER, "guarded", NULL, 0xeb },
	  .precreate = true, .unfiltered_exec = true },
	{ { "a config a precreate hook refused is refused again, with its reason",
	  { .annotations = P("guarded") ", \"org.seccomp-hook.refused\": \"profile 'x': no profile named 'x'\"" }, NULL, NULL, false,
	  "precreate hook refused this container: profile 'x': no profile named 'x'", SH_HOW_PASS, NULL, NULL, 0 }, .wrapper = true },
	{ { "the wrapper: linux.seccomp as the engine wrote it is the profile",
	  { .caps = CAPS(DOCKER_CAPS), .seccomp = "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}" }, NULL, NULL, false, NULL, SH_HOW_RUNTIME,
	  "(linux.seccomp)", NULL, 0xeb }, .wrapper = true },
	{ { "the wrapper's override replaces the engine's profile",
	  { .caps = CAPS(DOCKER_CAPS), .seccomp = "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}" }, NULL, "allow-all", false, NULL,
	  SH_HOW_RUNTIME, "guarded", NULL, 0xeb }, .wrapper = true, .override_profile = "guarded" },
	{ { "no linux.seccomp (unconfined by the engine): the override does not apply, the default does",
	  { .caps = CAPS(DOCKER_CAPS) }, NULL, "allow-all", false, NULL, SH_HOW_RUNTIME, "allow-all", NULL, 0xeb }, .wrapper = true,
	  .override_profile = "guarded" },
	{ { "an annotation wins over the override",
	  { .annotations = P("allow-all"), .caps = CAPS(DOCKER_CAPS), .seccomp = "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}" }, NULL, NULL,
	  false, NULL, SH_HOW_RUNTIME, "allow-all", NULL, 0xeb }, .wrapper = true, .override_profile = "guarded" },
	{ { "the override outside the wrapper (precreate has no engine profile to replace) does nothing",
	  { .caps = CAPS(DOCKER_CAPS), .seccomp = "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}" }, NULL, NULL, false, NULL, SH_HOW_PASS, NULL,
	  NULL, 0 }, .precreate = true, .override_profile = "guarded" },
};

static void check_row(const plan_row *r, const sh_hook_plan *p, int status, sh_error *err)
{
	if (r->error) {
		cr_expect_lt(status, 0, "%s: planned, refusal expected", r->what);
		cr_expect(err && strstr(err->msg, r->error), "%s: %s", r->what, err ? err->msg : "(no error)");
		return;
	}
	cr_assert_eq(status, 0, "%s: %s", r->what, err ? err->msg : "");
	cr_expect_eq(p->how, r->how, "%s: how %d, expected %d", r->what, p->how, r->how);
	if (r->profile)
		cr_expect_str_eq(p->profile, r->profile, "%s", r->what);
	if (r->fallback)
		cr_expect(p->fallback && strstr(p->fallback, r->fallback), "%s: fallback %s", r->what,
			  p->fallback ? p->fallback : "(none)");
	else
		cr_expect_null(p->fallback, "%s: fallback %s", r->what, p->fallback);
	if (r->how != SH_HOW_PASS)
		cr_expect_eq(p->own.bounding, r->target_bounding, "%s: own bounding %#llx", r->what,
			     (unsigned long long)p->own.bounding);
}

static void run_row(const plan_row *r, sh_hook_opts o)
{
	o.mode = r->mode;
	o.default_profile = r->default_profile;
	o.crun = r->runtime == RT_CRUN;
	o.runc = r->runtime == RT_RUNC;
	sh_json *config = config_of(&r->config);
	sh_hook_plan p;
	sh_diag d = { 0 };
	sh_error *err = NULL;
	int st = sh_hook_plan_make(config, &o, &p, &d, &err);
	check_row(r, &p, st, err);
	sh_hook_plan_free(&p); /* also after a refusal: the plan holds what it had decided */
	sh_error_free(err);
	sh_diag_free(&d);
	sh_json_free(config);
}

Test(hookplan, table)
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(rows); i++)
		run_row(&rows[i], base_opts);
}

Test(hookplan, front_ends)
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(front_rows); i++) {
		const front_row *f = &front_rows[i];
		sh_hook_opts o = base_opts;
		o.seccomp_as_profile = f->wrapper;
		o.override_profile = f->override_profile;
		o.allow_unfiltered_exec = f->unfiltered_exec;
		if (f->precreate) { /* as cmd_precreate sets them */
			o.any_runtime = true;
			o.exec_routed = o.has_listener_fd = false;
			o.listener_fd = -1;
		}
		run_row(&f->r, o);
	}
}

/* The plan decides without touching anything: no cache, no loader copy, no key. */
Test(hookplan, the_plan_writes_nothing)
{
	sh_hook_opts o = base_opts;
	config_row cr = { .annotations = P("guarded") "," INIT, .args = NULL, .caps = CAPS(DOCKER_CAPS) };
	sh_json *config = config_of(&cr);
	cleanup_free char *before = sh_json_serialize(config, false, &(size_t){ 0 });
	sh_hook_plan p;
	sh_error *err = NULL;
	cr_assert_eq(sh_hook_plan_make(config, &o, &p, NULL, &err), 0, "%s", err ? err->msg : "");
	cr_expect(p.store, "a miss: the program is for act to store");
	cleanup_free char *after = sh_json_serialize(config, false, &(size_t){ 0 });
	cr_expect_str_eq(after, before);
	cr_expect_neq(access(o.cache_dir, F_OK), 0, "no cache made");
	cr_expect_neq(access(o.loader_store, F_OK), 0, "no loader copy made");
	cr_expect_neq(access(o.seal_key, F_OK), 0, "no key made");
	sh_hook_plan_free(&p);
	sh_json_free(config);
}

/* Plan and write with a key (act's host side left out: no mounts, no cache), as the transform does. */
static sh_json *transformed(const config_row *cr, const sh_hook_opts *o, sh_hook_plan *p)
{
	sh_json *config = config_of(cr);
	sh_error *err = NULL;
	cr_assert_eq(sh_hook_plan_make(config, o, p, NULL, &err), 0, "%s", err ? err->msg : "");
	sh_hook_acted a = { .bpf_path = sh_xstrdup("/var/cache/seccomp-hook/bpf/x.bpf"),
			    .overlay_bpf_path = sh_xstrdup("/var/cache/seccomp-hook/bpf/o.bpf") };
	cr_assert_eq(sh_seal_key_get(o->seal_key, &a.key, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(sh_hook_write(config, p, &a, o, &err), 0, "%s", err ? err->msg : "");
	sh_hook_acted_free(&a);
	return config;
}

static const char *arg_at(const sh_json *config, size_t i)
{
	return sh_json_get(sh_json_get(config, "process"), "args")->u.arr.v[i]->u.str.s;
}

Test(hookplan, its_own_sealed_output_is_undone_and_done_again_with_the_same_sets)
{
	sh_hook_opts o = base_opts;
	config_row cr = { .annotations = P("guarded") "," INIT, .args = "[\"sleep\", \"1\"]", .caps = CAPS(DOCKER_CAPS) };
	sh_hook_plan p;
	sh_json *config = transformed(&cr, &o, &p);
	cr_assert_eq(p.how, SH_HOW_LOADER);
	sh_hook_plan_free(&p);
	cr_expect_str_eq(arg_at(config, 0), "/.seccomp-hook/init");
	/* Again (hook then wrapper): recognised, undone, the process's own sets as they were. */
	sh_error *err = NULL;
	cr_assert_eq(sh_hook_plan_make(config, &o, &p, NULL, &err), 0, "%s", err ? err->msg : "");
	cr_expect(p.earlier.sealed);
	cr_expect_str_eq(p.profile, "guarded");
	cr_expect_eq(p.how, SH_HOW_LOADER);
	cr_expect_eq(p.own.bounding, 0xeb);
	sh_hook_acted a = { .bpf_path = sh_xstrdup("/x.bpf") };
	cr_assert_eq(sh_seal_key_get(o.seal_key, &a.key, &err), 0);
	cr_assert_eq(sh_hook_write(config, &p, &a, &o, &err), 0);
	sh_hook_acted_free(&a);
	sh_hook_plan_free(&p);
	sh_json *args = sh_json_get(sh_json_get(config, "process"), "args");
	size_t loaders = 0;
	for (size_t i = 0; i < args->u.arr.n; i++)
		loaders += strcmp(args->u.arr.v[i]->u.str.s, "/.seccomp-hook/init") == 0;
	cr_expect_eq(loaders, 1u, "one loader call, not two");
	sh_json_free(config);
}

Test(hookplan, a_sealed_output_changed_afterwards_is_not_believed)
{
	sh_hook_opts o = base_opts;
	config_row cr = { .annotations = P("guarded") "," INIT, .args = "[\"sleep\", \"1\"]", .caps = CAPS(DOCKER_CAPS) };
	sh_hook_plan p;
	sh_json *config = transformed(&cr, &o, &p);
	sh_hook_plan_free(&p);
	/* The --caps of the loader call raised to every capability: the seal no longer holds. */
	sh_json *args = sh_json_get(sh_json_get(config, "process"), "args");
	cr_assert_eq(strncmp(arg_at(config, 3), "--caps=", 7), 0, "%s", arg_at(config, 3));
	sh_json_delete_at(args, 3);
	sh_json_insert(args, 3, sh_json_new_string("--caps=ffffffffff:ffffffffff:ffffffffff:ffffffffff:ffffffffff"));
	sh_error *err = NULL;
	cr_expect_lt(sh_hook_plan_make(config, &o, &p, NULL, &err), 0);
	cr_expect(err && strstr(err->msg, "no valid seal"), "%s", err ? err->msg : "(planned)");
	sh_hook_plan_free(&p);
	sh_error_free(err);
	sh_json_free(config);
}

Test(hookplan, a_config_sealed_under_another_hosts_key_is_not_believed)
{
	sh_hook_opts o = base_opts;
	config_row cr = { .annotations = P("guarded") "," INIT, .args = "[\"sleep\", \"1\"]", .caps = CAPS(DOCKER_CAPS) };
	sh_hook_plan p;
	sh_json *config = transformed(&cr, &o, &p);
	sh_hook_plan_free(&p);
	o.seal_key = sh_xasprintf("%s/other-key/seal.key", dir);
	sh_seal_key k;
	sh_error *err = NULL;
	cr_assert_eq(sh_seal_key_get(o.seal_key, &k, &err), 0);
	cr_expect_lt(sh_hook_plan_make(config, &o, &p, NULL, &err), 0);
	cr_expect(err && strstr(err->msg, "no valid seal"), "%s", err ? err->msg : "(planned)");
	sh_hook_plan_free(&p);
	sh_error_free(err);
	free((char *)o.seal_key);
	sh_json_free(config);
}

/* Runtime mode from a warm cache writes linux.seccomp from the cache's texts, unparsed: the config is
 * the same, byte for byte and seal included, as the miss that filled the cache wrote, and a second
 * transform recognises it as its own. With an overlay, and under crun, whose config also carries the
 * program. */
Test(hookplan, runtime_mode_from_the_cache_writes_what_the_miss_wrote)
{
	static const struct {
		const char *profile;
		bool overlay, crun;
	} cases[] = { { "guarded", false, false }, { "default", true, false }, { "default", true, true } };
	for (size_t r = 0; r < SH_ARRAY_SIZE(cases); r++) {
		sh_hook_opts o = base_opts;
		const char *ov[] = { "af-alg" };
		o.overlays = cases[r].overlay ? ov : NULL;
		o.noverlays = cases[r].overlay ? 1 : 0;
		o.crun = cases[r].crun;
		o.cache_dir = sh_xasprintf("%s/cache-runtime-%zu", dir, r);
		cleanup_free char *annotations = sh_xasprintf("\"org.seccomp-hook.profile\": \"%s\"", cases[r].profile);
		config_row cr = { .annotations = annotations, .args = "[\"sleep\", \"1\"]", .caps = CAPS(DOCKER_CAPS) };
		sh_json *config = config_of(&cr);
		size_t len = 0;
		cleanup_free char *in = sh_json_serialize(config, false, &len);
		sh_json_free(config);
		char *out[2] = { NULL, NULL };
		for (int i = 0; i < 2; i++) { /* a miss, then a hit */
			size_t outlen = 0;
			sh_error *err = NULL;
			cr_assert_eq(sh_hook_transform_text(in, len, "test", &o, &out[i], &outlen, NULL, NULL, &err), 0, "row %zu: %s",
				     r, err ? err->msg : "");
		}
		cr_expect_str_eq(out[1], out[0], "row %zu: the hit's config differs from the miss's", r);
		sh_json *again = NULL;
		sh_error *err = NULL;
		cr_assert_eq(sh_json_parse(out[1], strlen(out[1]), "out", &sh_hook_config_limits, &again, &err), 0);
		sh_hook_plan p;
		cr_assert_eq(sh_hook_plan_make(again, &o, &p, NULL, &err), 0, "row %zu: %s", r, err ? err->msg : "");
		cr_expect(p.earlier.sealed, "row %zu: the hit's output is not recognised as sealed", r);
		cr_expect_eq(p.how, SH_HOW_RUNTIME, "row %zu", r);
		sh_hook_plan_free(&p);
		sh_json_free(again);
		free(out[0]);
		free(out[1]);
		free((char *)o.cache_dir);
	}
}

/* ---- overlays ---------------------------------------------------------------------------------------- */

#define ALG_DENIED (SECCOMP_RET_ERRNO | 97)
#define ENGINE_SECCOMP "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\"," \
	" \"SCMP_ARCH_X32\"], \"syscalls\": [{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\"}]}"

typedef struct overlay_row {
	const char *what;
	config_row config;
	const char *mode;
	bool crun, skip_unconfined;
	const char *overlays[3];
	/* expected: an error naming this; else how, the profile, the reason init mode was not used, and
	 * what socket(AF_ALG, SOCK_SEQPACKET, 0) gets from the program(s) planned (0: not checked) */
	const char *error;
	sh_hook_how how;
	const char *profile, *fallback;
	uint32_t alg;
	bool two; /* SH_HOW_LOADER: the overlays' program installed before the profile's */
} overlay_row;

static const overlay_row overlay_rows[] = {
	{ "runtime mode: the composed rules", { .annotations = P("guarded"), .caps = CAPS(DOCKER_CAPS) }, NULL, false, false,
	  { "af-alg" }, NULL, SH_HOW_RUNTIME, "guarded", NULL, ALG_DENIED, false },
	{ "init mode: the loader installs one program, the composed one, as crun gets it",
	  { .annotations = P("guarded") "," INIT, .caps = CAPS(DOCKER_CAPS) }, NULL, false, false, { "af-alg" }, NULL,
	  SH_HOW_LOADER, "guarded", NULL, ALG_DENIED, false },
	{ "init mode, overlays that cannot be one filter with the profile: the overlays' program, then the profile's",
	  { .annotations = P("default") "," INIT, .caps = CAPS(DOCKER_CAPS) }, NULL, false, false, { "kill-cachestat", "af-alg" },
	  NULL, SH_HOW_LOADER, "default", NULL, SECCOMP_RET_ERRNO | 1, true },
	{ "init mode under crun, which installs one program: the composed one",
	  { .annotations = P("guarded") "," INIT, .caps = CAPS(DOCKER_CAPS) }, NULL, true, false, { "af-alg" }, NULL,
	  SH_HOW_CRUN, "guarded", NULL, ALG_DENIED, false },
	{ "the engine's linux.seccomp, no profile named (a precreate hook): the overlay goes on it",
	  { .caps = CAPS(DOCKER_CAPS), .seccomp = ENGINE_SECCOMP }, NULL, false, false, { "af-alg" }, NULL,
	  SH_HOW_RUNTIME, SH_PROFILE_FROM_CONFIG, NULL, ALG_DENIED, false },
	{ "no filter at all (docker --security-opt seccomp=unconfined): the overlay alone",
	  { .caps = CAPS(DOCKER_CAPS) }, NULL, false, false, { "af-alg" }, NULL, SH_HOW_RUNTIME, "unconfined", NULL, ALG_DENIED, false },
	{ "an annotation asking for unconfined does not escape the overlay",
	  { .annotations = P("unconfined") "," INIT, .caps = CAPS(DOCKER_CAPS) }, NULL, false, false, { "af-alg" }, NULL,
	  SH_HOW_RUNTIME, "unconfined", NULL, ALG_DENIED, false },
	{ "overlay-unconfined=no: unconfined stays so", { .annotations = P("unconfined"), .caps = CAPS(DOCKER_CAPS) }, NULL,
	  false, true, { "af-alg" }, NULL, SH_HOW_UNCONFINED, "unconfined", NULL, 0, false },
	{ "overlay-unconfined=no: no filter stays none", { .caps = CAPS(DOCKER_CAPS) }, NULL, false, true, { "af-alg" }, NULL,
	  SH_HOW_PASS, NULL, NULL, 0, false },
	{ "an overlay denying seccomp in one composed program: the loader's last install is the composed one",
	  { .annotations = P("guarded") "," INIT, .caps = CAPS(DOCKER_CAPS) }, NULL, false, false, { "no-seccomp" }, NULL,
	  SH_HOW_LOADER, "guarded", NULL, 0, false },
	{ "refused: two programs, the first denying what the loader calls once it is in, and no one filter either",
	  { .annotations = P("default") "," INIT, .caps = CAPS(DOCKER_CAPS) }, NULL, false, false,
	  { "no-seccomp", "kill-cachestat" }, "cannot be stacked in one filter", SH_HOW_PASS, NULL, NULL, 0, false },
	{ "an overlay by path", { .annotations = P("guarded"), .caps = CAPS(DOCKER_CAPS) }, NULL, false, false,
	  { SH_SRCDIR "/profiles/overlays/af-alg.json" }, NULL, SH_HOW_RUNTIME, "guarded", NULL, ALG_DENIED, false },
	/* A container's own annotations asking for reports or a recording: the agent answers for its
	 * profile, the kernel for the overlays, whatever the agent would let through (complain). */
	{ "report=complain does not let the overlay's denials through",
	  { .annotations = P("guarded") ", \"org.seccomp-hook.report\": \"complain\"", .caps = CAPS(DOCKER_CAPS) }, NULL,
	  false, false, { "af-alg" }, NULL, SH_HOW_RUNTIME, "guarded", NULL, ALG_DENIED, false },
	{ "report=enforce in init mode: runtime mode, the overlays in the filter that hands calls on",
	  { .annotations = P("guarded") "," INIT ", \"org.seccomp-hook.report\": \"enforce\"", .caps = CAPS(DOCKER_CAPS) },
	  NULL, false, false, { "af-alg" }, NULL, SH_HOW_RUNTIME, "guarded", "hands calls to the agent", ALG_DENIED, false },
	{ "a recording without a profile: the overlays still deny",
	  { .annotations = "\"org.seccomp-hook.record\": \"r1\"", .caps = CAPS(DOCKER_CAPS) }, NULL, false, false,
	  { "af-alg" }, NULL, SH_HOW_RUNTIME, "(none)", NULL, ALG_DENIED, false },
	{ "refused: an overlay that allows", { .annotations = P("guarded"), .caps = CAPS(DOCKER_CAPS) }, NULL, false, false,
	  { "allows" }, "only denies", SH_HOW_PASS, NULL, NULL, 0, false },
	{ "refused: an overlay that is not there", { .annotations = P("guarded"), .caps = CAPS(DOCKER_CAPS) }, NULL, false,
	  false, { "nonesuch" }, "no profile named 'nonesuch'", SH_HOW_PASS, NULL, NULL, 0, false },
	{ "refused: an overlay org.seccomp-hook.applied could not list", { .caps = CAPS(DOCKER_CAPS) }, NULL, false, false,
	  { "af-alg,io-uring" }, "invalid overlay", SH_HOW_PASS, NULL, NULL, 0, false },
	{ "refused: a name that is no name", { .caps = CAPS(DOCKER_CAPS) }, NULL, false, false, { ".hidden" },
	  "invalid profile name", SH_HOW_PASS, NULL, NULL, 0, false },
};

static uint32_t run_program(const sh_cache_entry *e, const sh_seccomp_data *d)
{
	return sh_bpf_run((const struct sock_filter *)e->data, e->len / sizeof(struct sock_filter), d, NULL);
}

/* What the planned program(s) answer: the loader's two stacked, or the one a runtime or crun gets
 * (runtime mode: the program crun would be handed, compiled from the rules written). */
static uint32_t planned_answer(const sh_hook_plan *p, const sh_seccomp_data *d)
{
	uint32_t own = run_program(&p->program, d);
	return p->overlay_program.data ? sh_bpf_stack(own, run_program(&p->overlay_program, d)) : own;
}

/* What the runtime's program of linux.seccomp answers (its listenerPath, the agent's socket, is
 * written once the agent runs: a stand-in here). */
static uint32_t written_answer(const sh_json *seccomp, const sh_seccomp_data *d)
{
	size_t len;
	cleanup_free char *text = sh_json_serialize(seccomp, false, &len);
	char *lp = strstr(text, "\"listenerPath\":\"\"");
	cleanup_free char *fixed = lp ? sh_xasprintf("%.*s\"listenerPath\":\"/x\"%s", (int)(lp - text), text,
						     lp + strlen("\"listenerPath\":\"\"")) : sh_xstrdup(text);
	sh_profile *prof = NULL;
	sh_ruleset *rs = NULL;
	sh_target t;
	sh_bpf b = { 0 };
	sh_error *err = NULL;
	cr_assert_eq(sh_profile_load_buffer(fixed, strlen(fixed), "linux.seccomp", &prof, NULL, &err), 0, "%s", err->msg);
	cr_assert_eq(sh_target_init(&t, false, &err), 0);
	cr_assert_eq(sh_resolve(prof, &t, &rs, NULL, &err), 0, "%s", err->msg);
	cr_assert_eq(sh_translate_bpf(rs, NULL, &b, NULL, &err), 0, "%s", err->msg);
	uint32_t ret = sh_bpf_run(b.insns, b.len, d, NULL);
	sh_bpf_free(&b);
	sh_ruleset_free(rs);
	sh_profile_free(prof);
	return ret;
}

static void check_overlay_row(const overlay_row *r)
{
	sh_hook_opts o = base_opts;
	o.mode = r->mode;
	o.crun = r->crun;
	o.overlay_skip_unconfined = r->skip_unconfined;
	o.overlays = r->overlays;
	for (o.noverlays = 0; o.noverlays < 3 && r->overlays[o.noverlays]; o.noverlays++)
		;
	sh_json *config = config_of(&r->config);
	sh_hook_plan p;
	sh_error *err = NULL;
	sh_diag d = { 0 };
	int st = sh_hook_plan_make(config, &o, &p, &d, &err);
	plan_row as_plan = { .what = r->what, .error = r->error, .how = r->how, .profile = r->profile,
			     .fallback = r->fallback, .target_bounding = 0xeb };
	check_row(&as_plan, &p, st, err);
	if (st == 0 && r->alg) {
		uint64_t args[6] = { 38, 5 };
		sh_seccomp_data alg = { .nr = 41, .arch = AUDIT_ARCH_X86_64 };
		memcpy(alg.args, args, sizeof(args));
		bool supervised = p.sup != NULL;
		cr_expect(p.program.data || supervised, "%s: no program planned", r->what);
		if (p.program.data && !supervised)
			cr_expect_eq(planned_answer(&p, &alg), r->alg, "%s: socket(AF_ALG) gets %#x", r->what,
				     planned_answer(&p, &alg));
		if (supervised)
			cr_expect_eq(written_answer(p.seccomp, &alg), r->alg, "%s: socket(AF_ALG) gets %#x", r->what,
				     written_answer(p.seccomp, &alg));
		cr_expect_eq(p.call.overlay_path != NULL, r->two, "%s: the loader call names the overlays' program", r->what);
		cr_expect_eq(p.overlay_program.data != NULL, r->two, "%s: the overlays' program planned", r->what);
	}
	sh_hook_plan_free(&p);
	sh_error_free(err);
	sh_diag_free(&d);
	sh_json_free(config);
}

Test(hookplan, overlays)
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(overlay_rows); i++)
		check_overlay_row(&overlay_rows[i]);
}

/* The transform's own output with overlays, transformed again (the wrapper after the hook): the
 * overlays are named once more, and applied once. */
Test(hookplan, overlays_once_on_its_own_output)
{
	sh_hook_opts o = base_opts;
	const char *ov[] = { "kill-cachestat", "af-alg" };
	o.overlays = ov;
	o.noverlays = 2;
	config_row cr = { .annotations = P("default") "," INIT, .args = "[\"sleep\", \"1\"]", .caps = CAPS(DOCKER_CAPS) };
	sh_hook_plan p;
	sh_json *config = transformed(&cr, &o, &p);
	sh_hook_plan_free(&p);
	const char *applied = sh_oci_annotation(config, SH_ANNOT_APPLIED);
	cr_assert_not_null(applied);
	cr_expect(strstr(applied, "default init sha256:") == applied && strstr(applied, " overlays=kill-cachestat,af-alg"), "%s",
		  applied);
	size_t mounts = 0;
	sh_json *m = sh_json_get(config, "mounts");
	for (size_t i = 0; m && i < m->u.arr.n; i++)
		mounts += strcmp(sh_json_get(m->u.arr.v[i], "destination")->u.str.s, "/.seccomp-hook/overlay.bpf") == 0;
	cr_expect_eq(mounts, 1u);
	sh_error *err = NULL;
	cr_assert_eq(sh_hook_plan_make(config, &o, &p, NULL, &err), 0, "%s", err ? err->msg : "");
	cr_expect(p.earlier.sealed);
	cr_expect_eq(p.how, SH_HOW_LOADER);
	cr_expect_not_null(p.call.overlay_path);
	sh_hook_plan_free(&p);
	/* A transform without --overlay (a precreate hook for the annotation after the one with the
	 * overlay, the wrapper after a hook) keeps what the earlier one stacked. */
	sh_hook_opts plain = base_opts;
	cr_assert_eq(sh_hook_plan_make(config, &plain, &p, NULL, &err), 0, "%s", err ? err->msg : "");
	cr_assert_not_null(p.ov, "the earlier transform's overlays are dropped");
	cr_expect_str_eq(p.ov->names, "kill-cachestat,af-alg");
	cr_expect_eq(p.how, SH_HOW_LOADER);
	cr_expect_not_null(p.call.overlay_path);
	sh_hook_plan_free(&p);
	sh_json_free(config);
}

/* overlays= in an org.seccomp-hook.applied no valid seal covers names nothing: not even an overlay
 * that is not there is looked up. */
Test(hookplan, overlays_named_by_an_unsealed_config_are_not_read)
{
	sh_hook_opts o = base_opts;
	config_row cr = { .annotations = "\"org.seccomp-hook.applied\": \"guarded runtime sha256:" HEX64 " overlays=nonesuch\"",
			  .caps = CAPS(DOCKER_CAPS) };
	sh_json *config = config_of(&cr);
	sh_hook_plan p;
	sh_error *err = NULL;
	cr_assert_eq(sh_hook_plan_make(config, &o, &p, NULL, &err), 0, "%s", err ? err->msg : "");
	cr_expect_null(p.ov);
	cr_expect_null(p.earlier.overlays);
	sh_hook_plan_free(&p);
	sh_json_free(config);
}

/* The wrapper's second transform of its own output (a bundle run again): the engine's linux.seccomp,
 * which init mode removed, is the profile again, from the cache under the sealed digest; without it
 * there, the transform says so. */
Test(hookplan, the_engines_profile_is_kept_for_a_second_transform)
{
	sh_hook_opts o = base_opts;
	o.seccomp_as_profile = true;
	o.mode = "init";
	config_row cr = { .args = "[\"sleep\", \"1\"]", .caps = CAPS(DOCKER_CAPS), .seccomp = guarded };
	sh_hook_plan p;
	sh_json *config = transformed(&cr, &o, &p);
	cr_assert_eq(p.how, SH_HOW_LOADER);
	cr_assert_not_null(p.engine_text, "the engine's text is for act to keep");
	char first[65], engine[65];
	memcpy(first, p.digest, sizeof first);
	memcpy(engine, p.engine_digest, sizeof engine);
	sh_error *err = NULL;
	char stored[65];
	cr_assert_eq(sh_cache_put_oci_text(o.cache_dir, p.engine_text, p.engine_len, stored, &err), 0);
	cr_expect_str_eq(stored, engine);
	sh_hook_plan_free(&p);
	cr_expect_null(sh_json_get(sh_json_get(config, "linux"), "seccomp"), "init mode: no linux.seccomp left");
	cleanup_free char *want = sh_xasprintf("sha256:%s", engine);
	cr_expect_str_eq(sh_oci_annotation(config, SH_ANNOT_ENGINE_SECCOMP), want);
	cr_assert_eq(sh_hook_plan_make(config, &o, &p, NULL, &err), 0, "%s", err ? err->msg : "");
	cr_expect_str_eq(p.profile, SH_PROFILE_FROM_CONFIG);
	cr_expect_eq(p.how, SH_HOW_LOADER);
	cr_expect_str_eq(p.digest, first, "the same program as the first time");
	sh_hook_plan_free(&p);
	/* Gone from the cache: refused with the reason, not applied as something else. */
	cleanup_free char *rm = sh_xasprintf("rm -f %s/oci/%s.json", o.cache_dir, engine);
	cr_assert_eq(system(rm), 0);
	cr_expect_lt(sh_hook_plan_make(config, &o, &p, NULL, &err), 0);
	cr_expect(err && strstr(err->msg, "no longer in the cache"), "%s", err ? err->msg : "(planned)");
	sh_hook_plan_free(&p);
	sh_error_free(err);
	sh_json_free(config);
}

/* A digest in a config without a valid seal is a string like any other: it names nothing. */
Test(hookplan, an_engine_digest_without_a_seal_is_not_believed)
{
	sh_hook_opts o = base_opts;
	o.seccomp_as_profile = true;
	config_row cr = { .annotations = "\"org.seccomp-hook.applied\": \"(linux.seccomp) init sha256:" HEX64 "\","
					 " \"org.seccomp-hook.engine-seccomp\": \"sha256:" HEX64 "\"",
			  .caps = CAPS(DOCKER_CAPS) };
	sh_json *config = config_of(&cr);
	sh_hook_plan p;
	sh_error *err = NULL;
	cr_assert_eq(sh_hook_plan_make(config, &o, &p, NULL, &err), 0, "%s", err ? err->msg : "");
	cr_expect_eq(p.how, SH_HOW_PASS, "no profile: nothing applied from the unsealed digest");
	cr_expect_null(p.earlier.engine);
	sh_hook_plan_free(&p);
	sh_json_free(config);
}

/* hooks.d and the wrapper both installed: the hook's transform started an agent for a recording, the
 * wrapper's replaces it; the plan tells the first agent that nothing comes. */
Test(hookplan, an_earlier_transforms_agent_is_released)
{
	sh_hook_opts o = base_opts;
	config_row cr = { .annotations = P("default") "," INIT ", \"org.seccomp-hook.record\": \"r1\"", .caps = CAPS(DOCKER_CAPS) };
	sh_json *config = config_of(&cr);
	sh_hook_plan p;
	sh_error *err = NULL;
	cr_assert_eq(sh_hook_plan_make(config, &o, &p, NULL, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(p.how, SH_HOW_LOADER);
	cr_expect_null(p.release_agent, "nothing earlier");
	sh_hook_acted a = { .bpf_path = sh_xstrdup("/x.bpf"), .socket = sh_xstrdup("/run/agents/first.sock") };
	cr_assert_eq(sh_seal_key_get(o.seal_key, &a.key, &err), 0);
	cr_assert_eq(sh_hook_write(config, &p, &a, &o, &err), 0, "%s", err ? err->msg : "");
	sh_hook_acted_free(&a);
	sh_hook_plan_free(&p);
	cr_assert_eq(sh_hook_plan_make(config, &o, &p, NULL, &err), 0, "%s", err ? err->msg : "");
	cr_expect_str_eq(p.release_agent, "/run/agents/first.sock");
	sh_hook_plan_free(&p);
	sh_json_free(config);
}

/* crun hands a listener to listenerPath whenever a profile names one; runc only for a notifying rule. */
Test(hookplan, under_crun_a_listener_path_alone_gets_its_listener)
{
	put("listener-only", "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/agent.sock\","
			     " \"listenerMetadata\": \"m\"}");
	sh_hook_opts o = base_opts;
	config_row cr = { .annotations = P("listener-only") "," INIT, .caps = CAPS(DOCKER_CAPS) };
	sh_json *config = config_of(&cr);
	sh_hook_plan p;
	sh_error *err = NULL;
	sh_diag d = { 0 };
	o.crun = true;
	cr_assert_eq(sh_hook_plan_make(config, &o, &p, &d, &err), 0, "%s", err ? err->msg : "");
	cr_expect_eq(p.how, SH_HOW_CRUN);
	cr_expect_str_eq(p.listener_path ? p.listener_path : "(none)", "/run/agent.sock");
	cr_expect_str_eq(p.listener_metadata ? p.listener_metadata : "(none)", "m");
	sh_hook_plan_free(&p);
	o.crun = false;
	o.runc = true;
	cr_assert_eq(sh_hook_plan_make(config, &o, &p, &d, &err), 0, "%s", err ? err->msg : "");
	cr_expect_null(p.listener_path, "runc's loader gets no listener without a notifying rule");
	sh_hook_plan_free(&p);
	sh_diag_free(&d);
	sh_json_free(config);
}

/* The loader's place the runtime will make in a root that has none: named, so that it can be removed
 * once the container is gone; a root that has it already leaves nothing to remove. */
Test(hookplan, the_place_the_runtime_makes_is_named)
{
	sh_hook_opts o = base_opts;
	config_row cr = { .annotations = P("guarded") "," INIT, .caps = CAPS(DOCKER_CAPS) };
	sh_json *config = config_of(&cr);
	sh_hook_plan p;
	sh_error *err = NULL;
	cr_assert_eq(sh_hook_plan_make(config, &o, &p, NULL, &err), 0, "%s", err ? err->msg : "");
	cleanup_free char *want = sh_xasprintf("%s/rootfs/.seccomp-hook", dir);
	cr_expect_str_eq(p.made_place, want);
	cr_expect_neq(access(want, F_OK), 0, "the plan made nothing");
	sh_hook_plan_free(&p);
	cr_assert_eq(mkdir(want, 0755), 0);
	cr_assert_eq(sh_hook_plan_make(config, &o, &p, NULL, &err), 0, "%s", err ? err->msg : "");
	cr_expect_eq(p.how, SH_HOW_LOADER);
	cr_expect_null(p.made_place, "the image's own directory stays");
	sh_hook_plan_free(&p);
	rmdir(want);
	sh_json_free(config);
}

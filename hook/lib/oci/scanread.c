/* The exposure scan's reading of the node: the state roots of runc and crun, the processes of each
 * container, and the filters each of their tasks runs, read back from the kernel; see scan.h. What a
 * container's creator wrote (annotations) only names it; which processes belong to it comes from the
 * kernel (the namespaces of its init process, checked against the start time the runtime recorded),
 * what they run from the kernel alone. */
#include "config.h"
#include "scan.h"
#include "apply.h"
#include "json.h"
#include "names.h"
#include "sha256.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stddef.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* runc's default root, crun's, Docker's (EXEC_ROOT/runtime-NAME/NAMESPACE), containerd's shims'
 * (k8s.io for Kubernetes, moby, default...), and the rootless ones under /run/user. */
const char *const sh_scan_default_roots[] = {
	"/run/runc",	       "/run/crun",		 "/run/docker/runtime-*/*", "/run/containerd/runc/*",
	"/run/containerd/crun/*", "/run/user/*/runc", "/run/user/*/crun", NULL,
};

/* ---- the ABIs this kernel runs ------------------------------------------------------------------ */

#ifdef __x86_64__
/* An x86 getppid through int 0x80 (the IA32 entry), or an x32 one (x86_64's getppid with the x32 bit),
 * in a child: where the kernel has no IA32 entry int 0x80 faults (SIGSEGV), without x32 the call
 * fails with ENOSYS; the scanner itself must survive either. */
static bool child_call_returns(bool x32)
{
	pid_t pid = fork();
	if (pid < 0)
		return true; /* cannot tell: counted as run, so nothing is left out */
	if (pid == 0) {
		long r;
		signal(SIGSEGV, SIG_DFL); /* a fault is the answer: no handler (a sanitizer's) may report it */
		if (x32)
			r = syscall(0x40000000L | SYS_getppid);
		else
			__asm__ volatile("int $0x80" : "=a"(r) : "a"(64L) : "memory");
		_exit(r > 0 ? 0 : 1);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}
#endif

void sh_scan_probe_abis(sh_scan *s)
{
	uint32_t family[4];
	size_t n = sh_arch_family(sh_arch_native(), family);
	s->nabis = 0;
	for (size_t i = 0; i < n && i < SH_SCAN_ABIS_MAX; i++) {
		bool enabled = true;
#ifdef __x86_64__
		if (family[i] == SCMP_ARCH_X86 || family[i] == SCMP_ARCH_X32)
			enabled = child_call_returns(family[i] == SCMP_ARCH_X32);
#endif
		s->abis[s->nabis++] = (sh_scan_abi){ family[i], enabled };
	}
}

/* ---- a container's entry in a state root ------------------------------------------------------------ */

static const char *json_str(const sh_json *j)
{
	return j && j->type == SH_JSON_STRING ? j->u.str.s : NULL;
}

static bool json_u64(const sh_json *j, uint64_t *v)
{
	return j && j->type == SH_JSON_NUMBER && sh_parse_u64(j->u.num, strlen(j->u.num), v);
}

static void set_str(char **field, const char *v)
{
	if (v && !*field)
		*field = sh_xstrdup(v);
}

/* Names from the engines' annotations: Kubernetes through containerd's CRI, CRI-O, podman,
 * nerdctl. key=value pairs, as runc keeps them in its labels. */
static void annotation(sh_scan_container *c, const char *key, const char *v)
{
	static const struct {
		const char *key, *engine;
		size_t field; /* offsetof the name, pod or namespace */
	} known[] = {
		{ "io.kubernetes.cri.container-name", "kubernetes", offsetof(sh_scan_container, name) },
		{ "io.kubernetes.cri.sandbox-name", "kubernetes", offsetof(sh_scan_container, pod) },
		{ "io.kubernetes.cri.sandbox-namespace", "kubernetes", offsetof(sh_scan_container, ns) },
		{ "io.kubernetes.container.name", "cri-o", offsetof(sh_scan_container, name) },
		{ "io.kubernetes.pod.name", "cri-o", offsetof(sh_scan_container, pod) },
		{ "io.kubernetes.pod.namespace", "cri-o", offsetof(sh_scan_container, ns) },
		{ "nerdctl/name", "nerdctl", offsetof(sh_scan_container, name) },
	};
	for (size_t i = 0; i < SH_ARRAY_SIZE(known); i++)
		if (strcmp(key, known[i].key) == 0) {
			set_str((char **)((char *)c + known[i].field), v);
			set_str(&c->engine, known[i].engine);
		}
	if (strcmp(key, "io.container.manager") == 0 && strcmp(v, "libpod") == 0)
		set_str(&c->engine, "podman");
	if (strcmp(key, "io.kubernetes.cri.container-type") == 0 && strcmp(v, "sandbox") == 0)
		set_str(&c->name, "(sandbox)");
}

/* The engine the root's place says: Docker keeps runc's state in EXEC_ROOT/runtime-NAME/NAMESPACE,
 * containerd's shims in .../containerd/runc/NAMESPACE (k8s.io: Kubernetes). */
static void engine_from_root(sh_scan_container *c)
{
	const char *last = strrchr(c->root, '/'), *ns = last ? last + 1 : c->root;
	size_t plen = last ? (size_t)(last - c->root) : 0;
	const char *parent = memrchr(c->root, '/', plen);
	parent = parent ? parent + 1 : c->root;
	if (strncmp(parent, "runtime-", 8) == 0)
		set_str(&c->engine, "docker");
	else if (strstr(c->root, "/containerd/"))
		set_str(&c->engine, strcmp(ns, "k8s.io") == 0 ? "kubernetes" : strcmp(ns, "moby") == 0 ? "docker" : "containerd");
}

/* runc's state.json: the init process, its start time, and the config's labels (every annotation as
 * KEY=VALUE, and bundle=DIR). */
static int read_runc(const char *dir, sh_scan_container *c, uint64_t *start, sh_error **err)
{
	cleanup_free char *path = sh_xasprintf("%s/state.json", dir);
	sh_json *st = NULL;
	if (sh_json_read_file(path, &sh_json_default_limits, &st, NULL, NULL, err) < 0)
		return -1;
	uint64_t pid = 0;
	json_u64(sh_json_get(st, "init_process_pid"), &pid);
	json_u64(sh_json_get(st, "init_process_start"), start);
	c->pid = pid <= INT32_MAX ? (int)pid : 0;
	const sh_json *labels = sh_json_get(sh_json_get(st, "config"), "labels");
	for (size_t i = 0; labels && labels->type == SH_JSON_ARRAY && i < labels->u.arr.n; i++) {
		const char *l = json_str(labels->u.arr.v[i]), *eq = l ? strchr(l, '=') : NULL;
		if (!eq)
			continue;
		cleanup_free char *key = sh_xstrndup(l, (size_t)(eq - l));
		if (strcmp(key, "bundle") == 0)
			set_str(&c->bundle, eq + 1);
		else
			annotation(c, key, eq + 1);
	}
	sh_json_free(st);
	set_str(&c->runtime, "runc");
	return 0;
}

/* crun's status (pid, process-start-time, bundle) and the config.json it keeps beside it. */
static int read_crun(const char *dir, sh_scan_container *c, uint64_t *start, sh_error **err)
{
	cleanup_free char *path = sh_xasprintf("%s/status", dir), *cfg = sh_xasprintf("%s/config.json", dir);
	sh_json *st = NULL, *config = NULL;
	if (sh_json_read_file(path, &sh_json_default_limits, &st, NULL, NULL, err) < 0)
		return -1;
	uint64_t pid = 0;
	json_u64(sh_json_get(st, "pid"), &pid);
	json_u64(sh_json_get(st, "process-start-time"), start);
	c->pid = pid <= INT32_MAX ? (int)pid : 0;
	set_str(&c->bundle, json_str(sh_json_get(st, "bundle")));
	sh_json_free(st);
	if (sh_json_read_file(cfg, &sh_json_default_limits, &config, NULL, NULL, NULL) == 0) {
		const sh_json *ann = sh_json_get(config, "annotations");
		for (size_t i = 0; ann && ann->type == SH_JSON_OBJECT && i < ann->u.obj.n; i++) {
			const char *v = json_str(ann->u.obj.m[i].value);
			if (v)
				annotation(c, ann->u.obj.m[i].key, v);
		}
		sh_json_free(config);
	}
	set_str(&c->runtime, "crun");
	return 0;
}

/* Field 22 of /proc/PID/stat (after the command, which may hold spaces and parentheses). */
static bool proc_start_time(int pid, uint64_t *start)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	unsigned long long v;
	return p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu", &v) == 1 &&
	       (*start = v, true);
}

int sh_scan_read_container(const char *root, const char *id, sh_scan_container *c, sh_error **err)
{
	*c = (sh_scan_container){ .root = sh_xstrdup(root), .id = sh_xstrdup(id) };
	cleanup_free char *dir = sh_xasprintf("%s/%s", root, id), *runc_state = sh_xasprintf("%s/state.json", dir);
	cleanup_free char *fifo = sh_xasprintf("%s/exec.fifo", dir);
	cleanup_free char *crun_status = sh_xasprintf("%s/status", dir);
	uint64_t start = 0, now = 0;
	bool runc = access(runc_state, F_OK) == 0;
	if (!runc && access(crun_status, F_OK) != 0)
		return 1; /* neither runc's nor crun's: not a container */
	if ((runc ? read_runc(dir, c, &start, err) : read_crun(dir, c, &start, err)) < 0)
		return -1;
	engine_from_root(c);
	set_str(&c->engine, c->runtime);
	/* The pid is the runtime's record; a process that started at another time took the number over. */
	bool alive = c->pid > 0 && proc_start_time(c->pid, &now) && now == start;
	c->status = sh_xstrdup(!alive ? "stopped" : access(fifo, F_OK) == 0 ? "created" : "running");
	if (!alive)
		c->pid = 0;
	return 0;
}

/* ---- the processes of a container ------------------------------------------------------------------ */

/* Every process of the node and its mount and PID namespaces, read once. */
typedef struct proc_ns {
	int pid;
	struct stat ns[2]; /* mnt, pid; st_ino 0: unknown */
} proc_ns;

typedef struct proc_table {
	proc_ns *v;
	size_t n;
	proc_ns self;
} proc_table;

static const char *const ns_kinds[2] = { "mnt", "pid" };

static void read_ns(int pid, proc_ns *p)
{
	*p = (proc_ns){ .pid = pid };
	for (int i = 0; i < 2; i++) {
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/ns/%s", pid, ns_kinds[i]);
		if (stat(path, &p->ns[i]) < 0)
			p->ns[i].st_ino = 0;
	}
}

static int read_proc_table(proc_table *t, sh_error **err)
{
	DIR *d = opendir("/proc");
	if (!d)
		return sh_error_errno(err, errno, "/proc");
	read_ns(getpid(), &t->self);
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		int pid = atoi(e->d_name);
		if (pid <= 0 || pid == getpid())
			continue;
		t->v = sh_xreallocarray(t->v, t->n + 1, sizeof(*t->v));
		read_ns(pid, &t->v[t->n++]);
	}
	closedir(d);
	return 0;
}

static bool same_ns(const struct stat *a, const struct stat *b)
{
	return a->st_ino && a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static const proc_ns *find_pid(const proc_table *t, int pid)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].pid == pid)
			return &t->v[i];
	return NULL;
}

/* Which processes are the container's: those in its init's mount namespace (runc and crun exec into
 * it); where that is the host's, its PID namespace; where that is the host's too, the init alone.
 * Returns the namespace kind (0 mnt, 1 pid) or -1 for the init alone. */
static int membership_of(const proc_table *t, const proc_ns *init)
{
	for (int i = 0; i < 2; i++)
		if (init->ns[i].st_ino && !same_ns(&init->ns[i], &t->self.ns[i]))
			return i;
	return -1;
}

static void read_comm(int pid, char comm[17])
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/comm", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, comm, 16) : -1;
	if (fd >= 0)
		close(fd);
	comm[n > 0 ? n : 0] = 0;
	char *nl = strchr(comm, '\n');
	if (nl)
		*nl = 0;
}

static sh_seccomp_mode task_mode(int pid, int tid)
{
	char path[96], line[256];
	int mode = -1;
	snprintf(path, sizeof path, "/proc/%d/task/%d/status", pid, tid);
	FILE *f = fopen(path, "re");
	if (!f)
		return SH_SECCOMP_UNKNOWN;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "Seccomp: %d", &mode) == 1)
			break;
	fclose(f);
	return mode == 0 ? SH_SECCOMP_NONE : mode == 1 ? SH_SECCOMP_STRICT : mode == 2 ? SH_SECCOMP_FILTER : SH_SECCOMP_UNKNOWN;
}

/* One task's mode and filters, as a process entry with that task alone. False if it is gone. */
static bool read_task(int pid, int tid, sh_scan_proc *p)
{
	*p = (sh_scan_proc){ .pid = pid, .mode = task_mode(pid, tid) };
	read_comm(pid, p->comm);
	if (p->mode == SH_SECCOMP_FILTER) {
		cleanup_error sh_error *e = NULL;
		if (sh_dump_read(tid, &p->filters, &p->nfilters, &e) < 0) {
			if (kill(tid, 0) < 0 && errno == ESRCH)
				return false;
			p->mode = SH_SECCOMP_UNKNOWN;
			p->error = sh_xstrdup(e->msg);
		}
		/* The kernel numbers them from the first installed; the kernel runs them, and a process
		 * entry lists them, newest first (the newest answers between equal actions). */
		for (size_t i = 0; i < p->nfilters / 2; i++) {
			sh_bpf f = p->filters[i];
			p->filters[i] = p->filters[p->nfilters - 1 - i];
			p->filters[p->nfilters - 1 - i] = f;
		}
	}
	p->digests = sh_xcalloc(p->nfilters + 1, sizeof(*p->digests));
	for (size_t i = 0; i < p->nfilters; i++)
		sh_sha256_hex(p->filters[i].insns, p->filters[i].len * sizeof(struct sock_filter), p->digests[i]);
	if (p->mode == SH_SECCOMP_UNKNOWN && !p->error)
		p->error = sh_xstrdup("its seccomp mode cannot be read");
	p->tids = sh_xcalloc(1, sizeof(*p->tids));
	p->tids[p->ntids++] = tid;
	return true;
}

static bool same_filters(const sh_scan_proc *a, const sh_scan_proc *b)
{
	if (a->mode != b->mode || a->nfilters != b->nfilters || a->error || b->error)
		return false;
	for (size_t i = 0; i < a->nfilters; i++)
		if (strcmp(a->digests[i], b->digests[i]) != 0)
			return false;
	return true;
}

static void free_task(sh_scan_proc *t)
{
	free(t->tids);
	for (size_t i = 0; i < t->nfilters; i++)
		sh_bpf_free(&t->filters[i]);
	free(t->filters);
	free(t->digests);
	free(t->error);
}

/* Every task of the process, those with the same filters as one entry (threads may differ: a
 * filter installed without TSYNC is the installing thread's alone). */
static void read_process(sh_scan_container *c, int pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task", pid);
	DIR *d = opendir(path);
	if (!d)
		return;
	size_t first = c->nprocs;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		int tid = atoi(e->d_name);
		sh_scan_proc t;
		if (tid <= 0 || tid == (int)syscall(SYS_gettid) || !read_task(pid, tid, &t))
			continue;
		size_t k = first;
		while (k < c->nprocs && !same_filters(&c->procs[k], &t))
			k++;
		if (k < c->nprocs) {
			sh_scan_proc *p = &c->procs[k];
			p->tids = sh_xreallocarray(p->tids, p->ntids + 1, sizeof(*p->tids));
			p->tids[p->ntids++] = tid;
			free_task(&t);
			continue;
		}
		t.init = pid == c->pid;
		c->procs = sh_xreallocarray(c->procs, c->nprocs + 1, sizeof(*c->procs));
		c->procs[c->nprocs++] = t;
	}
	closedir(d);
}

static int by_pid(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void read_processes(sh_scan_container *c, const proc_table *t)
{
	const proc_ns *init = c->pid ? find_pid(t, c->pid) : NULL;
	if (!init)
		return;
	int kind = membership_of(t, init);
	int *pids = NULL;
	size_t n = 0;
	for (size_t i = 0; i < t->n; i++)
		if (kind < 0 ? t->v[i].pid == c->pid : same_ns(&t->v[i].ns[kind], &init->ns[kind])) {
			pids = sh_xreallocarray(pids, n + 1, sizeof(*pids));
			pids[n++] = t->v[i].pid;
		}
	sh_sort(pids, n, sizeof(*pids), by_pid);
	for (size_t i = 0; i < n; i++)
		read_process(c, pids[i]);
	free(pids);
}

/* ---- the roots ------------------------------------------------------------------------------------- */

static bool container_dir(const char *root, const char *id)
{
	if (id[0] == '.')
		return false;
	cleanup_free char *dir = sh_xasprintf("%s/%s", root, id);
	struct stat st;
	return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One root's containers, sorted by id. A root given by name that cannot be read is an error. */
static int read_root(const char *root, bool given, const proc_table *t, sh_scan *s, sh_error **err)
{
	DIR *d = opendir(root);
	if (!d)
		return given ? sh_error_errno(err, errno, "state root %s", root) : 0;
	char **ids = NULL;
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		if (container_dir(root, e->d_name)) {
			ids = sh_xreallocarray(ids, n + 1, sizeof(*ids));
			ids[n++] = sh_xstrdup(e->d_name);
		}
	closedir(d);
	sh_sort(ids, n, sizeof(*ids), cmp_str);
	for (size_t i = 0; i < n; i++) {
		sh_scan_container c;
		cleanup_error sh_error *e = NULL;
		int r = sh_scan_read_container(root, ids[i], &c, &e);
		if (r < 0) {
			c.error = sh_xstrdup(e->msg);
			set_str(&c.status, "unknown");
		} else if (r == 0) {
			read_processes(&c, t);
		}
		free(ids[i]);
		if (r > 0) {
			sh_scan_free_container(&c);
			continue;
		}
		s->cs = sh_xreallocarray(s->cs, s->ncs + 1, sizeof(*s->cs));
		s->cs[s->ncs++] = c;
	}
	free(ids);
	return 0;
}

int sh_scan_read(const sh_scan_opts *o, sh_scan *s, sh_error **err)
{
	proc_table t = { 0 };
	int r = read_proc_table(&t, err);
	for (size_t i = 0; r == 0 && o->roots && i < o->nroots; i++)
		r = read_root(o->roots[i], true, &t, s, err);
	for (size_t i = 0; r == 0 && !o->roots && sh_scan_default_roots[i]; i++) {
		glob_t g;
		if (glob(sh_scan_default_roots[i], 0, NULL, &g) != 0)
			continue;
		for (size_t k = 0; k < g.gl_pathc; k++)
			read_root(g.gl_pathv[k], false, &t, s, NULL);
		globfree(&g);
	}
	free(t.v);
	return r;
}

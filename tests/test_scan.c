/* The exposure scan's library (hook/lib/oci/scan.c, scanread.c, scanout.c): rows of query text -> parsed
 * or refused; rows of (filters, mode, ABI, query) -> class and answer, with stacked filters, x86's
 * socketcall and ipc, strict mode and no filter; state roots written here in runc's and crun's
 * formats -> the container each names (engine, names, status); exposure counted on the ABIs the
 * kernel runs only; and the three outputs with a container name written to break them. */
#include "config.h"

#include <criterion/criterion.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "scan.h"
#include "testutil.h"
#include "translate.h"
#include "util.h"

#define ERRNO(e) (SECCOMP_RET_ERRNO | (e))

/* ---- queries ---------------------------------------------------------------------------------- */

Test(scan, queries_parse_or_are_refused)
{
	static const struct {
		const char *text;
		bool ok;
		unsigned idx;	/* a fixed argument, when ok */
		uint64_t value;
	} rows[] = {
		{ "socket:arg0=38", true, 0, 38 },
		{ "socket", true, 6, 0 },
		{ "clone:arg0=0x10000000", true, 0, 0x10000000 },
		{ "socket:arg2=9,arg0=16", true, 2, 9 },
		{ "personality:arg0=18446744073709551615", true, 0, UINT64_MAX },
		{ "nosuchcall", false, 0, 0 },
		{ "", false, 0, 0 },
		{ ":arg0=1", false, 0, 0 },
		{ "socket:", false, 0, 0 },
		{ "socket:arg6=1", false, 0, 0 },
		{ "socket:arg0", false, 0, 0 },
		{ "socket:arg0=", false, 0, 0 },
		{ "socket:arg0=x", false, 0, 0 },
		{ "socket:arg0=1,arg0=2", false, 0, 0 },
		{ "socket:arg0=18446744073709551616", false, 0, 0 },
		{ "socket:arg00=1", false, 0, 0 },
		{ "socket:ARG0=1", false, 0, 0 },
	};
	for (size_t i = 0; i < SH_ARRAY_SIZE(rows); i++) {
		sh_scan_query q;
		cleanup_error sh_error *err = NULL;
		int r = sh_scan_query_parse(rows[i].text, &q, &err);
		cr_expect_eq(r == 0, rows[i].ok, "'%s': %d %s", rows[i].text, r, err ? err->msg : "");
		if (r == 0 && rows[i].idx < 6) {
			cr_expect_eq(q.mask[rows[i].idx], UINT64_MAX, "'%s'", rows[i].text);
			cr_expect_eq(q.value[rows[i].idx], rows[i].value, "'%s'", rows[i].text);
		}
		if (r == 0)
			sh_scan_query_free(&q);
		else
			cr_expect(err && strstr(err->msg, "--query"), "'%s': the message names the option", rows[i].text);
	}
}

/* ---- answers ---------------------------------------------------------------------------------- */

static const uint32_t x86_family[] = { SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32 };

/* A profile (a JSON text, or a fixture's file name) compiled for x86_64 with x86 and x32. */
static sh_bpf compile(const char *profile)
{
	cleanup_error sh_error *err = NULL;
	sh_profile *p = NULL;
	if (profile[0] == '{')
		p = sh_test_profile(profile, NULL, &err);
	else if (profile[0] == '/')
		sh_profile_load(profile, &p, NULL, &err);
	else
		p = sh_test_upstream_profile(profile, &err);
	cr_assert_not_null(p, "%s: %s", profile, err ? err->msg : "");
	sh_target t = { .native_arch = SCMP_ARCH_X86_64, .caps = SH_DOCKER_DEFAULT_CAPS, .kmajor = 6, .kminor = 1,
			.arches = x86_family, .narches = 3 };
	sh_ruleset *rs = NULL;
	cr_assert_eq(sh_resolve(p, &t, &rs, NULL, &err), 0, "%s", err ? err->msg : "");
	sh_bpf b = { 0 };
	cr_assert_eq(sh_translate_bpf(rs, NULL, &b, NULL, &err), 0, "%s", err ? err->msg : "");
	sh_ruleset_free(rs);
	sh_profile_free(p);
	return b;
}

static const char deny_alg[] = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"socket\"], "
			       "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 97, \"args\": [{\"index\": 0, \"value\": 38, "
			       "\"op\": \"SCMP_CMP_EQ\"}]}]}";
static const char deny_alg_seqpacket[] = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"socket\"], "
					 "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 97, \"args\": [{\"index\": 0, \"value\": 38, "
					 "\"op\": \"SCMP_CMP_EQ\"}, {\"index\": 1, \"value\": 5, \"op\": \"SCMP_CMP_EQ\"}]}]}";
static const char deny_getpid_13[] = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpid\"], "
				     "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13}]}";
static const char deny_getpid_1[] = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpid\"], "
				    "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1}]}";
static const char notify_getpid[] = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/x.sock\", "
				    "\"syscalls\": [{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}";
static const char deny_semget[] = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"semget\"], "
				  "\"action\": \"SCMP_ACT_ERRNO\"}]}";

typedef struct row {
	const char *what;
	const char *filters[3]; /* newest first; "" ends */
	sh_seccomp_mode mode;
	uint32_t abi;
	const char *query;
	sh_scan_class cls;
	uint32_t ret;
	const char *via;
} row;

#define F(...) { __VA_ARGS__ }
#define DEFAULT_JSON SH_SRCDIR "/profiles/default.json"
static const row rows[] = {
	{ "Docker 20.10 lets AF_ALG through", F("docker-default.json"), SH_SECCOMP_FILTER, SCMP_ARCH_X86_64,
	  "socket:arg0=38", SH_SCAN_ALLOWED, SECCOMP_RET_ALLOW, NULL },
	{ "on x86 too, by socket's own number", F("docker-default.json"), SH_SECCOMP_FILTER, SCMP_ARCH_X86,
	  "socket:arg0=38", SH_SCAN_ALLOWED, SECCOMP_RET_ALLOW, NULL },
	{ "an overlay stacked on it refuses AF_ALG", F(deny_alg, "docker-default.json"), SH_SECCOMP_FILTER,
	  SCMP_ARCH_X86_64, "socket:arg0=38", SH_SCAN_REFUSED, ERRNO(97), NULL },
	{ "on x86 libseccomp puts that denial on socketcall(SYS_SOCKET) whole: refused there too", F(deny_alg,
	  "docker-default.json"), SH_SECCOMP_FILTER, SCMP_ARCH_X86, "socket:arg0=38", SH_SCAN_REFUSED, ERRNO(97), NULL },
	{ "default.json allows socketcall(SYS_SOCKET) by name: on x86 the family is hidden there", F(DEFAULT_JSON),
	  SH_SECCOMP_FILTER, SCMP_ARCH_X86, "socket:arg0=38", SH_SCAN_ALLOWED, SECCOMP_RET_ALLOW, "socketcall" },
	{ "and natively refused", F(DEFAULT_JSON), SH_SECCOMP_FILTER, SCMP_ARCH_X86_64, "socket:arg0=38", SH_SCAN_REFUSED,
	  ERRNO(1), NULL },
	{ "other families still run", F(deny_alg, "docker-default.json"), SH_SECCOMP_FILTER, SCMP_ARCH_X86_64,
	  "socket:arg0=2", SH_SCAN_ALLOWED, SECCOMP_RET_ALLOW, NULL },
	{ "a denial of one socket type leaves AF_ALG's others open", F(deny_alg_seqpacket), SH_SECCOMP_FILTER,
	  SCMP_ARCH_X86_64, "socket:arg0=38", SH_SCAN_ALLOWED, SECCOMP_RET_ALLOW, NULL },
	{ "and refuses that one", F(deny_alg_seqpacket), SH_SECCOMP_FILTER, SCMP_ARCH_X86_64, "socket:arg0=38,arg1=5",
	  SH_SCAN_REFUSED, ERRNO(97), NULL },
	{ "the least restrictive of the stack: the newest filter's errno among equals", F(deny_getpid_13, deny_getpid_1),
	  SH_SECCOMP_FILTER, SCMP_ARCH_X86_64, "getpid", SH_SCAN_REFUSED, ERRNO(13), NULL },
	{ "the other order", F(deny_getpid_1, deny_getpid_13), SH_SECCOMP_FILTER, SCMP_ARCH_X86_64, "getpid",
	  SH_SCAN_REFUSED, ERRNO(1), NULL },
	{ "a notifying filter hands the call over", F(notify_getpid), SH_SECCOMP_FILTER, SCMP_ARCH_X86_64, "getpid",
	  SH_SCAN_HANDED, SECCOMP_RET_USER_NOTIF, NULL },
	{ "and a denying one below it wins", F(notify_getpid, deny_getpid_1), SH_SECCOMP_FILTER, SCMP_ARCH_X86_64,
	  "getpid", SH_SCAN_REFUSED, ERRNO(1), NULL },
	/* ipc(SEMGET | 1 << 16, ...): the kernel reads the call from the low 16 bits and a version above
	 * them; libseccomp's rule compares the whole word, so a version gets past it */
	{ "x86's SysV IPC through ipc, with a version in arg0's upper bits", F(deny_semget), SH_SECCOMP_FILTER,
	  SCMP_ARCH_X86, "semget", SH_SCAN_ALLOWED, SECCOMP_RET_ALLOW, "ipc" },
	{ "x86_64's semget is its own call", F(deny_semget), SH_SECCOMP_FILTER, SCMP_ARCH_X86_64, "semget",
	  SH_SCAN_REFUSED, ERRNO(1), NULL },
	{ "no filter at all", F(""), SH_SECCOMP_NONE, SCMP_ARCH_X86_64, "socket:arg0=38", SH_SCAN_ALLOWED,
	  SECCOMP_RET_ALLOW, NULL },
	{ "strict mode: read runs", F(""), SH_SECCOMP_STRICT, SCMP_ARCH_X86_64, "read", SH_SCAN_ALLOWED,
	  SECCOMP_RET_ALLOW, NULL },
	{ "strict mode: anything else kills", F(""), SH_SECCOMP_STRICT, SCMP_ARCH_X86_64, "socket", SH_SCAN_REFUSED,
	  SECCOMP_RET_KILL_THREAD, NULL },
	{ "filters that could not be read", F(""), SH_SECCOMP_UNKNOWN, SCMP_ARCH_X86_64, "socket", SH_SCAN_UNDECIDED,
	  0, NULL },
	{ "an ABI without the call", F("docker-default.json"), SH_SECCOMP_FILTER, SCMP_ARCH_X86_64, "socketcall",
	  SH_SCAN_NO_CALL, 0, NULL },
	{ "a value's upper half is not passed on x86", F(deny_alg), SH_SECCOMP_FILTER, SCMP_ARCH_X86,
	  "socket:arg0=0x100000026", SH_SCAN_REFUSED, ERRNO(97), NULL },
};

Test(scan, answers_per_abi)
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(rows); i++) {
		const row *r = &rows[i];
		sh_bpf v[3] = { { 0 } };
		size_t n = 0;
		for (; n < 3 && r->filters[n] && r->filters[n][0]; n++)
			v[n] = compile(r->filters[n]);
		sh_scan_query q;
		cleanup_error sh_error *err = NULL;
		cr_assert_eq(sh_scan_query_parse(r->query, &q, &err), 0);
		sh_scan_answer a = sh_scan_answer_query(v, n, r->mode, r->abi, &q);
		cr_expect_eq(a.cls, r->cls, "%s: class %s", r->what, sh_scan_class_name(a.cls));
		if (r->cls != SH_SCAN_NO_CALL && r->cls != SH_SCAN_UNDECIDED)
			cr_expect_eq(a.ret, r->ret, "%s: %#x", r->what, a.ret);
		cr_expect((!a.via && !r->via) || (a.via && r->via && strcmp(a.via, r->via) == 0), "%s: via %s", r->what,
			  a.via ? a.via : "-");
		/* The call found gets the answer when the filters run on it. */
		if (r->mode == SH_SECCOMP_FILTER && a.cls != SH_SCAN_NO_CALL && a.cls != SH_SCAN_UNDECIDED) {
			uint32_t rets[3];
			for (size_t k = 0; k < n; k++)
				rets[k] = sh_bpf_run(v[k].insns, v[k].len, &a.call, NULL);
			cr_expect_eq(sh_ret_stacked(rets, n), a.ret, "%s: the call's answer", r->what);
		}
		sh_scan_query_free(&q);
		for (size_t k = 0; k < n; k++)
			sh_bpf_free(&v[k]);
	}
}

/* The call that gets past x86's semget rule: ipc with SEMGET in the low 16 bits and a version above. */
Test(scan, the_ipc_call_found_carries_a_version)
{
	sh_bpf f = compile(deny_semget);
	sh_scan_query q;
	cleanup_error sh_error *err = NULL;
	cr_assert_eq(sh_scan_query_parse("semget", &q, &err), 0);
	sh_scan_answer a = sh_scan_answer_query(&f, 1, SH_SECCOMP_FILTER, SCMP_ARCH_X86, &q);
	cr_assert_eq(a.cls, SH_SCAN_ALLOWED);
	cr_expect_eq(a.call.nr, seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86, "ipc"));
	cr_expect_eq(a.call.args[0] & 0xffff, 2, "SEMGET");
	cr_expect_neq(a.call.args[0] >> 16, 0, "a version");
	sh_scan_query_free(&q);
	sh_bpf_free(&f);
}

/* A filter the walk cannot follow (an answer computed from an argument) is not shown refused. */
Test(scan, an_answer_the_walk_cannot_follow_is_undecided)
{
	struct sock_filter computed[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 16),
		BPF_STMT(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	sh_bpf f = { computed, SH_ARRAY_SIZE(computed) };
	sh_scan_query q;
	cleanup_error sh_error *err = NULL;
	cr_assert_eq(sh_scan_query_parse("getpid", &q, &err), 0);
	sh_scan_answer a = sh_scan_answer_query(&f, 1, SH_SECCOMP_FILTER, SCMP_ARCH_X86_64, &q);
	cr_expect_eq(a.cls, SH_SCAN_UNDECIDED, "%s", sh_scan_class_name(a.cls));
	sh_scan_query_free(&q);
}

/* ---- state roots ---------------------------------------------------------------------------------- */

static char *tmp_root(const char *sub)
{
	char tmpl[] = "/tmp/test-scan.XXXXXX";
	cr_assert_not_null(mkdtemp(tmpl));
	char *root = sh_xasprintf("%s/%s", tmpl, sub);
	char *cmd = sh_xasprintf("mkdir -p '%s'", root);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
	return root;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char *cmd = sh_xasprintf("mkdir -p '%s'", dir), *path = sh_xasprintf("%s/%s", dir, name);
	cr_assert_eq(system(cmd), 0);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	free(cmd);
	free(path);
}

static unsigned long long own_start_time(void)
{
	char buf[1024];
	FILE *f = fopen("/proc/self/stat", "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(buf, sizeof buf, f));
	fclose(f);
	unsigned long long v = 0;
	sscanf(strrchr(buf, ')') + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu", &v);
	return v;
}

static void rm_tree(const char *root)
{
	char *cmd = sh_xasprintf("rm -rf '%s'", root);
	cr_assert_eq(system(cmd), 0);
	free(cmd);
}

/* runc's state.json: the labels carry the annotations; the init is this process (alive, with its
 * own start time) or another start time (a number taken over: stopped). */
Test(scan, runc_state_names_the_container)
{
	char *root = tmp_root("containerd/runc/k8s.io");
	char *dir = sh_xasprintf("%s/abc", root), *state = NULL;
	state = sh_xasprintf("{\"id\": \"abc\", \"init_process_pid\": %d, \"init_process_start\": %llu, \"config\": {\"labels\": "
			     "[\"io.kubernetes.cri.container-name=web\", \"io.kubernetes.cri.sandbox-name=shop-7d\", "
			     "\"io.kubernetes.cri.sandbox-namespace=prod\", \"bundle=/b/abc\", \"noequals\"]}}",
			     getpid(), own_start_time());
	write_file(dir, "state.json", state);
	sh_scan_container c;
	cleanup_error sh_error *err = NULL;
	cr_assert_eq(sh_scan_read_container(root, "abc", &c, &err), 0, "%s", err ? err->msg : "");
	cr_expect_str_eq(c.engine, "kubernetes");
	cr_expect_str_eq(c.runtime, "runc");
	cr_expect_str_eq(c.name, "web");
	cr_expect_str_eq(c.pod, "shop-7d");
	cr_expect_str_eq(c.ns, "prod");
	cr_expect_str_eq(c.bundle, "/b/abc");
	cr_expect_str_eq(c.status, "running");
	cr_expect_eq(c.pid, getpid());
	sh_scan_free_container(&c);
	/* the same pid, another start time: the runtime's process is gone */
	free(state);
	state = sh_xasprintf("{\"init_process_pid\": %d, \"init_process_start\": %llu, \"config\": {}}", getpid(),
			     own_start_time() + 1);
	write_file(dir, "state.json", state);
	cr_assert_eq(sh_scan_read_container(root, "abc", &c, &err), 0);
	cr_expect_str_eq(c.status, "stopped");
	cr_expect_eq(c.pid, 0);
	cr_expect_str_eq(c.engine, "kubernetes", "from the root's place");
	sh_scan_free_container(&c);
	rm_tree(root);
	free(dir), free(state), free(root);
}

/* crun's status and config.json; engines from the place (Docker's runtime-NAME/NAMESPACE) or the
 * annotations (podman); a directory with neither file is no container; a broken one an error. */
Test(scan, crun_status_and_the_engines)
{
	char *root = tmp_root("runtime-crun/moby");
	char *dir = sh_xasprintf("%s/def", root), *pod = sh_xasprintf("%s/pod", root);
	write_file(dir, "status", "{\"pid\": 1, \"process-start-time\": 1, \"bundle\": \"/b/def\"}");
	write_file(dir, "config.json", "{\"annotations\": {\"nerdctl/name\": \"db\"}}");
	write_file(pod, "status", "{\"pid\": 0, \"bundle\": \"/b/pod\"}");
	write_file(pod, "config.json", "{\"annotations\": {\"io.container.manager\": \"libpod\"}}");
	sh_scan_container c;
	cleanup_error sh_error *err = NULL;
	cr_assert_eq(sh_scan_read_container(root, "def", &c, &err), 0, "%s", err ? err->msg : "");
	cr_expect_str_eq(c.runtime, "crun");
	cr_expect_str_eq(c.engine, "nerdctl", "the annotation comes first");
	cr_expect_str_eq(c.name, "db");
	cr_expect_str_eq(c.bundle, "/b/def");
	cr_expect_str_eq(c.status, "stopped", "pid 1 did not start at 1");
	sh_scan_free_container(&c);
	cr_assert_eq(sh_scan_read_container(root, "pod", &c, &err), 0);
	cr_expect_str_eq(c.engine, "podman");
	sh_scan_free_container(&c);
	char *empty = sh_xasprintf("%s/empty", root), *broken = sh_xasprintf("%s/broken", root);
	mkdir(empty, 0700);
	write_file(broken, "state.json", "{\"init_process_pid\": ");
	cr_expect_eq(sh_scan_read_container(root, "empty", &c, &err), 1);
	sh_scan_free_container(&c);
	cr_expect_eq(sh_scan_read_container(root, "broken", &c, &err), -1);
	sh_scan_free_container(&c);
	char *docker = tmp_root("runtime-runc/moby");
	char *x = sh_xasprintf("%s/x", docker);
	write_file(x, "state.json", "{\"init_process_pid\": 0}");
	cr_assert_eq(sh_scan_read_container(docker, "x", &c, &err), 0);
	cr_expect_str_eq(c.engine, "docker");
	sh_scan_free_container(&c);
	rm_tree(root), rm_tree(docker);
	free(dir), free(pod), free(root), free(empty), free(broken), free(docker), free(x);
}

/* ---- exposure and the outputs ------------------------------------------------------------------ */

/* Two processes: one with no filter, one under default.json, which refuses AF_ALG natively and lets
 * it through socketcall on x86; x86 counted only where the kernel runs it. */
static void two_processes(sh_scan *s, bool x86_enabled, const char *name)
{
	*s = (sh_scan){ .nabis = 2 };
	s->abis[0] = (sh_scan_abi){ SCMP_ARCH_X86_64, true };
	s->abis[1] = (sh_scan_abi){ SCMP_ARCH_X86, x86_enabled };
	s->queries = sh_xcalloc(1, sizeof(*s->queries));
	cleanup_error sh_error *err = NULL;
	cr_assert_eq(sh_scan_query_parse("socket:arg0=38", &s->queries[0], &err), 0);
	s->nqueries = 1;
	s->cs = sh_xcalloc(1, sizeof(*s->cs));
	s->ncs = 1;
	sh_scan_container *c = &s->cs[0];
	c->engine = sh_xstrdup("kubernetes"), c->id = sh_xstrdup("0123456789abcdef"), c->name = sh_xstrdup(name);
	c->status = sh_xstrdup("running"), c->pid = 100, c->nprocs = 2;
	c->procs = sh_xcalloc(2, sizeof(*c->procs));
	c->procs[0] = (sh_scan_proc){ .pid = 100, .init = true, .mode = SH_SECCOMP_NONE, .comm = "app" };
	c->procs[1] = (sh_scan_proc){ .pid = 101, .mode = SH_SECCOMP_FILTER, .comm = "exec'd", .nfilters = 1 };
	c->procs[1].filters = sh_xcalloc(1, sizeof(sh_bpf));
	c->procs[1].filters[0] = compile(DEFAULT_JSON);
	c->procs[1].digests = sh_xcalloc(1, 65);
	strcpy(c->procs[1].digests[0], "ab");
	for (int i = 0; i < 2; i++) {
		c->procs[i].tids = sh_xcalloc(1, sizeof(int));
		c->procs[i].tids[c->procs[i].ntids++] = c->procs[i].pid;
	}
}

Test(scan, exposure_counts_the_abis_the_kernel_runs)
{
	sh_scan s;
	two_processes(&s, false, "web");
	sh_scan_decide(&s);
	cr_expect_eq(s.processes, 2);
	cr_expect_eq(s.exposed, 1, "only the unfiltered one");
	cr_expect(s.cs[0].procs[0].exposed && !s.cs[0].procs[1].exposed);
	cr_expect_eq(s.cs[0].procs[1].answers[1].cls, SH_SCAN_ALLOWED, "x86 through socketcall, shown");
	sh_scan_free(&s);
	two_processes(&s, true, "web");
	sh_scan_decide(&s);
	cr_expect_eq(s.exposed, 2, "where the kernel runs x86, socketcall exposes it too");
	sh_scan_free(&s);
	/* without a query: only the process without a filter */
	two_processes(&s, true, "web");
	sh_scan_query_free(&s.queries[0]);
	s.nqueries = 0;
	sh_scan_decide(&s);
	cr_expect_eq(s.exposed, 1);
	sh_scan_free(&s);
}

static char *render(const sh_scan *s, void (*put)(FILE *, const sh_scan *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	put(f, s);
	fclose(f);
	return buf;
}

static void put_prom(FILE *f, const sh_scan *s)
{
	sh_scan_put_prometheus(f, s, 1700000000);
}

/* A name its creator chose to break the outputs: a quote and a newline ending the label and starting
 * a series of its own, a blank for the table's columns. */
Test(scan, a_hostile_name_breaks_no_output)
{
	static const char hostile[] = "x\"} 1\nseccomp_hook_scan_exposed{container=\"fake\"} 0 y";
	sh_scan s;
	two_processes(&s, true, hostile);
	sh_scan_decide(&s);
	cleanup_free char *prom = render(&s, put_prom), *json = render(&s, sh_scan_put_json),
			  *table = render(&s, sh_scan_put_table);
	/* every Prometheus line is a comment or one series: name{labels} value, the name escaped */
	for (char *line = prom, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		cr_expect(line[0] == '#' || strncmp(line, "seccomp_hook_scan_", 18) == 0, "%s", line);
		cr_expect(strstr(line, "container=\"fake\"") == NULL, "the name made a series: %s", line);
	}
	/* the JSON reads back with the name as it was */
	sh_json *j = NULL;
	cleanup_error sh_error *err = NULL;
	cr_assert_eq(sh_json_parse(json, strlen(json), "scan", NULL, &j, &err), 0, "%s", err ? err->msg : "");
	const sh_json *c0 = sh_json_get(j, "containers")->u.arr.v[0];
	cr_expect_str_eq(sh_json_get(c0, "name")->u.str.s, hostile);
	cr_expect_eq(sh_json_get(j, "exposed")->type, SH_JSON_NUMBER);
	sh_json_free(j);
	/* the table: one line per process (a header, two rows, the summary), the name without blanks */
	size_t nl = 0;
	for (const char *p = table; *p; p++)
		nl += *p == '\n';
	cr_expect_eq(nl, 4, "%s", table);
	cr_expect(strstr(table, "x\"}?1?seccomp_hook_scan_exposed{containe~ ") != NULL, "%s", table);
	sh_scan_free(&s);
}

/* Calls across architectures; see crossarch.h.
 *
 * The table was written here from these sources:
 * - which calls an architecture has: the kernels' syscall tables as libseccomp 2.5.4 carries them
 *   (arch/x86/entry/syscalls/syscall_64.tbl for x86_64; include/uapi/asm-generic/unistd.h, which arm64
 *   uses with __ARCH_WANT_RENAMEAT, __ARCH_WANT_NEW_STAT and __ARCH_WANT_SET_GET_RLIMIT): the code
 *   asks libseccomp, and the table lists only the x86_64 calls arm64 does not have;
 * - what a libc function calls where the legacy call is missing: glibc 2.36 (Debian 12),
 *   sysdeps/unix/sysv/linux (open64.c and creat64.c: openat; stat64.c, lstat64.c, fstatat64.c:
 *   newfstatat; access.c: faccessat; dup2.c: dup3, and fcntl(F_GETFL) when both fds are equal;
 *   pipe.c: pipe2; poll.c: ppoll; select.c: pselect6; pause.c: rt_sigsuspend; alarm.c: setitimer;
 *   arch-fork.h and aarch64's clone-based vfork: clone; mkdir.c, rmdir.c, unlink.c, rename.c, link.c,
 *   symlink.c, readlink.c, mknod.c, chmod.c, chown.c, lchown.c: the *at calls (rmdir is unlinkat
 *   with AT_REMOVEDIR); utime.c, utimes.c, futimesat.c: utimensat; getpgrp.c: getpgid;
 *   epoll_create.c: epoll_create1; epoll_wait.c: epoll_pwait; inotify_init: inotify_init1;
 *   signalfd.c: signalfd4; eventfd.c: eventfd2; time.c: clock_gettime; getdents.c: getdents64), and
 *   musl 1.2.3 (src/fcntl/open.c, src/stat/fstatat.c, src/unistd/access.c, dup2.c, pipe.c,
 *   src/select/poll.c, select.c, src/unistd/pause.c: ppoll; src/unistd/alarm.c: setitimer;
 *   src/process/fork.c, vfork.c: clone; src/stdio/rename.c and the rest of src/unistd and src/stat:
 *   the *at calls): musl calls the legacy call wherever SYS_<name> is defined, so its x86_64 build
 *   makes open, stat, poll... where its aarch64 build makes openat, newfstatat, ppoll;
 * - x86 only: arch_prctl, set_thread_area and get_thread_area set up thread-local storage, which on
 *   aarch64 is a register libc writes without a call; syscall_64.tbl's slots without an entry point
 *   (epoll_ctl_old, getpmsg, tuxcall, the module calls of Linux 2.4...) and the removed _sysctl and
 *   nfsservctl answer ENOSYS on x86_64 too; iopl, ioperm and modify_ldt touch x86 hardware state, and
 *   uselib, ustat and sysfs have no successor any libc calls: those have no counterpart.
 */
#include "config.h"
#include "crossarch.h"
#include "explain.h"
#include "names.h"
#include "util.h"

#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An x86_64 call arm64 lacks, and what libc calls there for the same function. back: an x86_64 libc
 * build calls `legacy` for a function whose aarch64 build calls generic[] (musl's open, stat, poll;
 * glibc's alarm, mkdir, epoll_wait...), so a recording made on aarch64 needs it on x86_64. */
typedef struct xrow {
	const char *legacy;
	const char *generic[3];
	bool back;
} xrow;

static const xrow rows[] = {
	{ "open", { "openat" }, true },
	{ "creat", { "openat" }, false },
	{ "stat", { "newfstatat" }, true },
	{ "lstat", { "newfstatat" }, true },
	{ "access", { "faccessat" }, true },
	{ "poll", { "ppoll" }, true },
	{ "select", { "pselect6" }, true },
	{ "pipe", { "pipe2" }, true },
	{ "dup2", { "dup3", "fcntl" }, true },
	{ "pause", { "ppoll", "rt_sigsuspend" }, true },
	{ "alarm", { "setitimer" }, true },
	{ "fork", { "clone" }, true },
	{ "vfork", { "clone" }, true },
	{ "getdents", { "getdents64" }, false },
	{ "rename", { "renameat" }, true },
	{ "mkdir", { "mkdirat" }, true },
	{ "rmdir", { "unlinkat" }, true },
	{ "unlink", { "unlinkat" }, true },
	{ "link", { "linkat" }, true },
	{ "symlink", { "symlinkat" }, true },
	{ "readlink", { "readlinkat" }, true },
	{ "mknod", { "mknodat" }, true },
	{ "chmod", { "fchmodat" }, true },
	{ "chown", { "fchownat" }, true },
	{ "lchown", { "fchownat" }, true },
	{ "utime", { "utimensat" }, true },
	{ "utimes", { "utimensat" }, false },
	{ "futimesat", { "utimensat" }, false },
	{ "getpgrp", { "getpgid" }, true },
	{ "time", { "clock_gettime" }, true },
	{ "epoll_create", { "epoll_create1" }, true },
	{ "epoll_wait", { "epoll_pwait" }, true },
	{ "inotify_init", { "inotify_init1" }, true },
	{ "signalfd", { "signalfd4" }, false },
	{ "eventfd", { "eventfd2" }, false },
};

/* Calls libc needs no counterpart of on aarch64: x86's thread-local storage set-up, and the slots
 * x86_64's table reserves without an implementation (the kernel answers ENOSYS there too; Docker's
 * profile lists epoll_ctl_old and epoll_wait_old all the same). */
static const char *const not_needed[] = {
	"arch_prctl", "set_thread_area", "get_thread_area", "epoll_ctl_old", "epoll_wait_old", "getpmsg",
	"putpmsg", "afs_syscall", "tuxcall", "security", "vserver", "create_module", "get_kernel_syms",
	"query_module", "nfsservctl", "_sysctl", NULL,
};

/* What libc reads through the vDSO without a call where the kernel lets it, and calls for where it
 * does not: under qemu-user (no vDSO for its guests) and on a machine whose clock source the vDSO cannot
 * read. A recording never sees them where they were answered without a call, so a profile made for
 * another architecture gets them (arch/arm64/kernel/vdso/vdso.lds.S, arch/x86/entry/vdso/vdso.lds.S). */
static const char *const vdso_calls[] = { "clock_gettime", "gettimeofday", "clock_getres", NULL };

static bool has_call(uint32_t arch, const char *name)
{
	return seccomp_syscall_resolve_name_arch(arch, name) >= 0;
}

static bool listed(const char *const *v, const char *name)
{
	for (; v && *v; v++)
		if (strcmp(*v, name) == 0)
			return true;
	return false;
}

bool sh_crossarch_supported(uint32_t from, uint32_t to)
{
	return (from == SCMP_ARCH_X86_64 && to == SCMP_ARCH_AARCH64) ||
	       (from == SCMP_ARCH_AARCH64 && to == SCMP_ARCH_X86_64);
}

static size_t add_out(const char **out, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(out[i], name) == 0)
			return n;
	if (n < SH_XARCH_MAX)
		out[n++] = name;
	return n;
}

/* From aarch64 to x86_64: every aarch64 call is there, and x86_64 libc builds make the legacy calls
 * of the rows that say so for the same functions. */
static size_t backwards(const char *name, const char **out, size_t n)
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(rows); i++)
		for (size_t k = 0; rows[i].back && k < SH_ARRAY_SIZE(rows[i].generic) && rows[i].generic[k]; k++)
			if (strcmp(rows[i].generic[k], name) == 0)
				n = add_out(out, n, rows[i].legacy);
	return n;
}

static size_t forwards(const char *name, const char **out, sh_xarch_kind *kind)
{
	size_t n = 0;
	for (size_t i = 0; i < SH_ARRAY_SIZE(rows) && !n; i++)
		if (strcmp(rows[i].legacy, name) == 0)
			for (size_t k = 0; k < SH_ARRAY_SIZE(rows[i].generic) && rows[i].generic[k]; k++)
				n = add_out(out, n, rows[i].generic[k]);
	*kind = n ? SH_XARCH_MAPPED : listed(not_needed, name) ? SH_XARCH_NOT_NEEDED : SH_XARCH_NONE;
	return n;
}

size_t sh_counterparts(const char *name, uint32_t from, uint32_t to, const char **out, sh_xarch_kind *kind)
{
	size_t n = 0;
	if (has_call(to, name)) {
		*kind = SH_XARCH_SAME;
		n = add_out(out, n, name);
		return from == SCMP_ARCH_AARCH64 && to == SCMP_ARCH_X86_64 ? backwards(name, out, n) : n;
	}
	if (!sh_crossarch_supported(from, to)) {
		*kind = SH_XARCH_NONE;
		return 0;
	}
	return forwards(name, out, kind);
}

/* ---- what a profile allows, per architecture ------------------------------------------------------ */

static bool lets_through(const sh_rule *r)
{
	return r->action == SH_ACT_ALLOW || r->action == SH_ACT_LOG;
}

/* A rule that allows its names on `arch` whatever the arguments, capabilities and kernel. */
static bool allows_on(const sh_rule *r, uint32_t arch)
{
	bool plain = !r->nargs && !r->includes.ncaps && !r->excludes.ncaps && !r->includes.has_min_kernel &&
		     !r->excludes.has_min_kernel;
	return lets_through(r) && plain && sh_rule_on_arch(r, arch);
}

static bool allowed_on(const sh_profile *p, uint32_t arch, const char *name)
{
	for (size_t i = 0; i < p->nrules; i++)
		if (allows_on(&p->rules[i], arch) && sh_rule_names(&p->rules[i], name))
			return true;
	return false;
}

/* For check: some rule allows the call on `arch`, under whatever conditions (Docker's clone rules
 * allow a fork's clone by its flags). */
static bool allowed_somehow_on(const sh_profile *p, uint32_t arch, const char *name)
{
	for (size_t i = 0; i < p->nrules; i++)
		if (lets_through(&p->rules[i]) && sh_rule_on_arch(&p->rules[i], arch) && sh_rule_names(&p->rules[i], name))
			return true;
	return false;
}

/* Whether some rule gives clone conditions (record --args, a base's namespace rule): then fork's
 * counterpart keeps them. */
static bool clone_narrowed(const sh_profile *p)
{
	for (size_t i = 0; i < p->nrules; i++)
		if (p->rules[i].nargs && sh_rule_names(&p->rules[i], "clone"))
			return true;
	return false;
}

/* The profile's own architecture: its first archMap entry's, else its first `architectures`, else
 * this machine's. */
static uint32_t profile_arch(const sh_profile *p)
{
	return p->narchmap ? p->archmap[0].arch : p->narches ? p->arches[0] : sh_arch_native();
}

/* ---- adding a target ------------------------------------------------------------------------------- */

typedef struct added_name {
	const char *name;   /* the counterpart */
	char *for_names;    /* the profile's calls it stands for, "open, creat" */
} added_name;

typedef struct target_plan {
	uint32_t arch;
	added_name *v;
	size_t n, cap;
	bool clone_masked; /* clone, with the namespace flags clear */
	sh_engine base;    /* the base resolved for the target (base.rs NULL: no base) */
	sh_ruleset *base_rs;
} target_plan;

static void plan_free(target_plan *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].for_names);
	free(t->v);
	sh_engine_fini(&t->base);
	sh_ruleset_free(t->base_rs);
}

static void plan_add(target_plan *t, const char *name, const char *for_name)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].name, name) == 0) {
			char *s = sh_xasprintf("%s, %s", t->v[i].for_names, for_name);
			free(t->v[i].for_names);
			t->v[i].for_names = s;
			return;
		}
	sh_grow(&t->v, &t->cap, t->n, sizeof(*t->v));
	t->v[t->n++] = (added_name){ .name = name, .for_names = sh_xstrdup(for_name) };
}

static int base_for(target_plan *t, const sh_crossarch_opts *o, sh_error **err)
{
	if (!o->base)
		return 0;
	sh_target bt = *o->base_target;
	bt.native_arch = t->arch;
	bt.arches = NULL;
	bt.narches = 0;
	if (sh_resolve(o->base, &bt, &t->base_rs, NULL, err) < 0 || sh_engine_init(&t->base, t->base_rs, err) < 0)
		return sh_error_prefix(err, "the base resolved for %s", sh_arch_scmp_name(t->arch));
	return 0;
}

/* A counterpart is added when the profile does not allow it on the target yet and the base (if any)
 * allows it there whatever the arguments. */
static void consider(target_plan *t, const sh_profile *p, bool narrowed, const char *c, const char *for_name)
{
	if (allowed_on(p, t->arch, c) || (t->base.rs && !sh_engine_allows_whole(&t->base, c)))
		return;
	if (narrowed && strcmp(c, "clone") == 0)
		t->clone_masked = true;
	else
		plan_add(t, c, for_name);
}

static void plan_target(target_plan *t, const sh_profile *p, uint32_t from)
{
	bool narrowed = clone_narrowed(p);
	for (const char *const *v = vdso_calls; *v; v++)
		if (has_call(t->arch, *v))
			consider(t, p, narrowed, *v, "the vDSO");
	for (size_t i = 0; i < p->nrules; i++) {
		const sh_rule *r = &p->rules[i];
		if (!allows_on(r, from))
			continue;
		for (size_t k = 0; k < r->nnames; k++) {
			const char *out[SH_XARCH_MAX];
			sh_xarch_kind kind;
			size_t n = sh_counterparts(r->names[k], from, t->arch, out, &kind);
			for (size_t m = 0; m < n; m++)
				consider(t, p, narrowed, out[m], r->names[k]);
		}
	}
}

static int cmp_added(const void *a, const void *b)
{
	return strcmp(((const added_name *)a)->name, ((const added_name *)b)->name);
}

static sh_json *includes_arch(uint32_t arch)
{
	sh_json *inc = sh_json_new(SH_JSON_OBJECT), *arches = sh_json_new(SH_JSON_ARRAY);
	sh_json_append(arches, sh_json_new_string(sh_arch_go_name(arch)));
	sh_json_set(inc, "arches", arches);
	return inc;
}

/* "counterparts on aarch64 of calls made on x86_64: openat (open, creat), newfstatat (stat)" */
static char *comment_of(const target_plan *t, uint32_t from)
{
	char *s = sh_xasprintf("counterparts on %s of calls made on %s:", sh_arch_lib_name(t->arch),
			       sh_arch_lib_name(from));
	for (size_t i = 0; i < t->n; i++) {
		char *next = sh_xasprintf("%s%s %s (%s)", s, i ? "," : "", t->v[i].name, t->v[i].for_names);
		free(s);
		s = next;
	}
	return s;
}

static sh_json *counterpart_rule(const target_plan *t, uint32_t from)
{
	sh_json *rule = sh_json_new(SH_JSON_OBJECT), *names = sh_json_new(SH_JSON_ARRAY);
	for (size_t i = 0; i < t->n; i++)
		sh_json_append(names, sh_json_new_string(t->v[i].name));
	sh_json_set(rule, "names", names);
	sh_json_set(rule, "action", sh_json_new_string("SCMP_ACT_ALLOW"));
	sh_json_set(rule, "comment", sh_json_new_string_owned(comment_of(t, from)));
	sh_json_set(rule, "includes", includes_arch(t->arch));
	return rule;
}

/* fork's clone on a target, for a profile that narrows clone: only without namespace flags. */
static sh_json *masked_clone_rule(uint32_t arch)
{
	sh_json *rule = sh_json_new(SH_JSON_OBJECT), *names = sh_json_new(SH_JSON_ARRAY);
	sh_json *args = sh_json_new(SH_JSON_ARRAY), *a = sh_json_new(SH_JSON_OBJECT);
	sh_json_append(names, sh_json_new_string("clone"));
	sh_json_set(rule, "names", names);
	sh_json_set(rule, "action", sh_json_new_string("SCMP_ACT_ALLOW"));
	sh_json_set(a, "index", sh_json_new_u64(0));
	sh_json_set(a, "value", sh_json_new_u64(SH_CLONE_NAMESPACE_FLAGS));
	sh_json_set(a, "valueTwo", sh_json_new_u64(0));
	sh_json_set(a, "op", sh_json_new_string("SCMP_CMP_MASKED_EQ"));
	sh_json_append(args, a);
	sh_json_set(rule, "args", args);
	sh_json_set(rule, "comment", sh_json_new_string("fork and vfork on this architecture: clone without namespace flags"));
	sh_json_set(rule, "includes", includes_arch(arch));
	return rule;
}

static sh_json *archmap_entry(uint32_t arch)
{
	uint32_t family[4];
	size_t n = sh_arch_family(arch, family);
	sh_json *e = sh_json_new(SH_JSON_OBJECT), *subs = sh_json_new(SH_JSON_ARRAY);
	sh_json_set(e, "architecture", sh_json_new_string(sh_arch_scmp_name(arch)));
	/* aarch64's 32-bit ARM ABI has calls of its own (stat64, _llseek...) the table does not cover:
	 * left out, its calls get the bad-architecture action. x86_64's x86 and x32 take the same names,
	 * as a recording made on x86_64 gives them. */
	for (size_t i = 1; i < n && arch == SCMP_ARCH_X86_64; i++)
		sh_json_append(subs, sh_json_new_string(sh_arch_scmp_name(family[i])));
	sh_json_set(e, "subArchitectures", subs);
	return e;
}

static bool map_has(const sh_profile *p, uint32_t arch)
{
	for (size_t i = 0; i < p->narchmap; i++)
		if (p->archmap[i].arch == arch)
			return true;
	return false;
}

static void write_target(sh_json *profile, const sh_profile *p, target_plan *t, uint32_t from)
{
	sh_json *map = sh_json_get(profile, "archMap"), *rules = sh_json_get(profile, "syscalls");
	if (!map) {
		map = sh_json_new(SH_JSON_ARRAY);
		sh_json_append(map, archmap_entry(from));
		sh_json_set(profile, "archMap", map);
	}
	if (!map_has(p, t->arch))
		sh_json_append(map, archmap_entry(t->arch));
	if (!rules) {
		rules = sh_json_new(SH_JSON_ARRAY);
		sh_json_set(profile, "syscalls", rules);
	}
	if (t->n) {
		sh_sort(t->v, t->n, sizeof(*t->v), cmp_added);
		sh_json_append(rules, counterpart_rule(t, from));
	}
	if (t->clone_masked)
		sh_json_append(rules, masked_clone_rule(t->arch));
}

static int check_target(uint32_t from, uint32_t to, sh_error **err)
{
	if (to == from)
		return sh_error_set(err, SH_EXIT_SYSTEM, "--target-arch=%s: the profile is %s's already",
				    sh_arch_lib_name(to), sh_arch_lib_name(from));
	if (!sh_crossarch_supported(from, to))
		return sh_error_set(err, SH_EXIT_SYSTEM, "--target-arch=%s: no table of counterparts from %s to it "
				    "(x86_64 and aarch64 are covered)", sh_arch_lib_name(to), sh_arch_lib_name(from));
	return 0;
}

int sh_crossarch_add(sh_json *profile, const sh_crossarch_opts *o, size_t *added, sh_error **err)
{
	cleanup_profile sh_profile *p = NULL;
	if (sh_profile_from_json(profile, "profile", &p, NULL, err) < 0)
		return -1;
	uint32_t from = profile_arch(p);
	size_t total = 0;
	for (size_t i = 0; i < o->ntargets; i++) {
		target_plan t = { .arch = o->targets[i] };
		int r = check_target(from, t.arch, err);
		if (r == 0)
			r = base_for(&t, o, err);
		if (r == 0) {
			plan_target(&t, p, from);
			write_target(profile, p, &t, from);
			total += t.n + t.clone_masked;
		}
		plan_free(&t);
		if (r < 0)
			return -1;
	}
	if (added)
		*added = total;
	return 0;
}

int sh_crossarch_targets(const char *list, uint32_t from, uint32_t *out, size_t max, size_t *n, sh_error **err)
{
	size_t count;
	char **v = sh_split_commas(list, &count);
	int r = count ? 0 : sh_error_set(err, SH_EXIT_SYSTEM, "--target-arch: no architecture given");
	*n = 0;
	for (size_t i = 0; i < count && r == 0; i++) {
		uint32_t a = sh_arch_from_name(v[i]);
		if (!a)
			r = sh_error_set(err, SH_EXIT_SYSTEM, "--target-arch: unknown architecture '%s'", v[i]);
		else if (*n == max)
			r = sh_error_set(err, SH_EXIT_SYSTEM, "--target-arch: more than %zu architectures", max);
		else if (from)
			r = check_target(from, a, err);
		out[(*n)++] = a;
	}
	sh_strv_free(v);
	return r;
}

/* ---- check ------------------------------------------------------------------------------------------ */

/* The first of the profile's arches that has the call (where it was meant to be made), or 0. */
static uint32_t arch_with(const uint32_t *arches, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (has_call(arches[i], name))
			return arches[i];
	return 0;
}

static void lint_name(const sh_profile *p, const sh_rule *r, size_t k, uint32_t from, uint32_t to, sh_diag *d)
{
	const char *name = r->names[k], *out[SH_XARCH_MAX];
	sh_xarch_kind kind;
	size_t n = sh_counterparts(name, from, to, out, &kind);
	sh_loc at = r->name_locs[k];
	if (kind == SH_XARCH_NONE) {
		sh_diag_add(d, SH_SEV_WARNING, p->file, at.line, at.col, "no-counterpart",
			    "syscalls[%zu]: '%s' has no counterpart on %s, which the profile lists: what calls it on %s "
			    "cannot do the same there", r->index, name, sh_arch_scmp_name(to), sh_arch_lib_name(from));
		return;
	}
	for (size_t m = 0; kind == SH_XARCH_MAPPED && m < n; m++)
		if (!allowed_somehow_on(p, to, out[m]))
			sh_diag_add(d, SH_SEV_WARNING, p->file, at.line, at.col, "missing-counterpart",
				    "syscalls[%zu]: '%s' is allowed, but on %s libc calls '%s' for it, which the profile "
				    "does not allow there", r->index, name, sh_arch_scmp_name(to), out[m]);
}

/* The arches a profile lists: archMap entries (not their sub-architectures), or `architectures`. */
static size_t listed_arches(const sh_profile *p, uint32_t *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < p->narchmap && n < max; i++)
		out[n++] = p->archmap[i].arch;
	for (size_t i = 0; !p->narchmap && i < p->narches && n < max; i++)
		out[n++] = p->arches[i];
	return n;
}

void sh_crossarch_lint(const sh_profile *p, sh_diag *d)
{
	uint32_t arches[SH_MAX_ARCHES];
	size_t n = listed_arches(p, arches, SH_MAX_ARCHES);
	for (size_t a = 0; a < n; a++)
		for (size_t i = 0; i < p->nrules; i++) {
			const sh_rule *r = &p->rules[i];
			if (!allows_on(r, arches[a]))
				continue;
			for (size_t k = 0; k < r->nnames; k++) {
				uint32_t from = arch_with(arches, n, r->names[k]);
				if (from && !has_call(arches[a], r->names[k]) && sh_crossarch_supported(from, arches[a]))
					lint_name(p, r, k, from, arches[a], d);
			}
		}
}

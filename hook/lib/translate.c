/* Resolved rule set -> libseccomp filter -> the installed BPF program. Follows runc and crun: rules
 * equal to the default are skipped, a repeated argument index splits a rule into one rule per
 * condition (OR), and syscalls newer than the profile get ENOSYS from a stub placed in front of
 * libseccomp's program. */
#include "config.h"
#include "translate.h"
#include "lint.h"
#include "names.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/audit.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define X32_SYSCALL_BIT 0x40000000u
#define ENOSYS_VALUE 38

uint32_t sh_action_scmp(sh_action_kind a, uint32_t errno_ret)
{
	switch (a) {
	case SH_ACT_KILL_THREAD: return SCMP_ACT_KILL_THREAD;
	case SH_ACT_KILL_PROCESS: return SCMP_ACT_KILL_PROCESS;
	case SH_ACT_TRAP: return SCMP_ACT_TRAP;
	case SH_ACT_ERRNO: return SCMP_ACT_ERRNO(errno_ret);
	case SH_ACT_TRACE: return SCMP_ACT_TRACE(errno_ret);
	case SH_ACT_ALLOW: return SCMP_ACT_ALLOW;
	case SH_ACT_LOG: return SCMP_ACT_LOG;
	case SH_ACT_NOTIFY: return SCMP_ACT_NOTIFY;
	}
	return SCMP_ACT_KILL_PROCESS;
}

unsigned sh_translate_flags(const sh_ruleset *rs)
{
	/* Absent "flags": SPEC_ALLOW, as crun and runc do; "flags": [] means none. */
	unsigned f = rs->flags_given ? rs->flags : SH_FLAG_SPEC_ALLOW;
	if (rs->default_action == SH_ACT_NOTIFY)
		f |= SH_FLAG_NEW_LISTENER;
	for (size_t i = 0; i < rs->nrules; i++)
		if (rs->rules[i].action == SH_ACT_NOTIFY && !sh_rrule_equals_default(rs, &rs->rules[i]))
			f |= SH_FLAG_NEW_LISTENER;
	return f;
}

/* libseccomp accepts errno values up to 4094, the kernel up to 4095 (MAX_ERRNO). For 4095 we hand
 * libseccomp an errno the profile does not use and patch the exported program's returns. */
static uint32_t errno_placeholder(const sh_ruleset *rs)
{
	bool used[SH_ERRNO_MAX + 1] = { false }, needed = false;
	used[ENOSYS_VALUE] = true; /* the stub's own return */
	if (rs->default_action == SH_ACT_ERRNO) {
		used[rs->default_errno] = true;
		needed |= rs->default_errno == SH_ERRNO_MAX;
	}
	for (size_t i = 0; i < rs->nrules; i++)
		if (rs->rules[i].action == SH_ACT_ERRNO) {
			used[rs->rules[i].errno_ret] = true;
			needed |= rs->rules[i].errno_ret == SH_ERRNO_MAX;
		}
	for (uint32_t e = 1; needed && e < SH_ERRNO_MAX; e++)
		if (!used[e])
			return e;
	return 0;
}

static uint32_t scmp_action(sh_action_kind a, uint32_t errno_ret, uint32_t placeholder)
{
	if (a == SH_ACT_ERRNO && errno_ret == SH_ERRNO_MAX && placeholder)
		errno_ret = placeholder;
	return sh_action_scmp(a, errno_ret);
}

static void patch_placeholder(sh_bpf *b, uint32_t placeholder)
{
	for (size_t i = 0; placeholder && i < b->len; i++)
		if (b->insns[i].code == (BPF_RET | BPF_K) && b->insns[i].k == (SECCOMP_RET_ERRNO | placeholder))
			b->insns[i].k = SECCOMP_RET_ERRNO | SH_ERRNO_MAX;
}

static const int scmp_ops[] = {
	[SH_OP_NE] = SCMP_CMP_NE, [SH_OP_LT] = SCMP_CMP_LT, [SH_OP_LE] = SCMP_CMP_LE,	  [SH_OP_EQ] = SCMP_CMP_EQ,
	[SH_OP_GE] = SCMP_CMP_GE, [SH_OP_GT] = SCMP_CMP_GT, [SH_OP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
};

static struct scmp_arg_cmp to_cmp(const sh_arg *a)
{
	return (struct scmp_arg_cmp){ .arg = a->index, .op = scmp_ops[a->op], .datum_a = a->value, .datum_b = a->value_two };
}

bool sh_rule_index_repeats(const sh_rule *r)
{
	unsigned seen = 0;
	for (size_t i = 0; i < r->nargs; i++) {
		if (seen & (1u << r->args[i].index))
			return true;
		seen |= 1u << r->args[i].index;
	}
	return false;
}

static int rule_error(const sh_ruleset *rs, const sh_rrule *rr, const char *name, int rc, sh_error **err)
{
	const sh_rule *r = rr->origin;
	return sh_error_at(err, SH_EXIT_INVALID, rs->profile->file, r->loc.line, r->loc.col,
			   "syscalls[%zu] (%s): libseccomp refused the rule: %s", r->index, name, strerror(-rc));
}

static int add_rule_for(scmp_filter_ctx ctx, const sh_ruleset *rs, const sh_rrule *rr, const char *name, int nr,
			uint32_t placeholder, sh_error **err)
{
	const sh_rule *r = rr->origin;
	uint32_t act = scmp_action(rr->action, rr->errno_ret, placeholder);
	struct scmp_arg_cmp cmps[SH_MAX_CONDS];
	int rc = 0;
	if (r->nargs == 0) {
		rc = seccomp_rule_add_array(ctx, act, nr, 0, NULL);
	} else if (sh_rule_index_repeats(r)) {
		for (size_t i = 0; i < r->nargs && rc == 0; i++) {
			cmps[0] = to_cmp(&r->args[i]);
			rc = seccomp_rule_add_array(ctx, act, nr, 1, cmps);
		}
	} else {
		for (size_t i = 0; i < r->nargs; i++)
			cmps[i] = to_cmp(&r->args[i]);
		rc = seccomp_rule_add_array(ctx, act, nr, (unsigned)r->nargs, cmps);
	}
	return rc < 0 ? rule_error(rs, rr, name, rc, err) : 0;
}

bool sh_syscall_name_known(const char *name)
{
	return seccomp_syscall_resolve_name(name) != __NR_SCMP_ERROR;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **sh_syscall_names_on(const uint32_t *arches, size_t narches, size_t *count)
{
	char **v = NULL;
	size_t n = 0, cap = 0;
	for (size_t a = 0; a < narches; a++) {
		for (size_t i = 0, all = sh_arch_nr_count(arches[a]); i < all; i++) {
			char *name = seccomp_syscall_resolve_num_arch(arches[a], sh_arch_nr_at(arches[a], i));
			if (!name)
				continue;
			sh_grow(&v, &cap, n + 2, sizeof(*v));
			v[n++] = name;
		}
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k && strcmp(v[k - 1], v[i]) == 0)
			free(v[i]);
		else
			v[k++] = v[i];
	}
	v = sh_xreallocarray(v, k + 1, sizeof(*v));
	v[k] = NULL;
	*count = k;
	return v;
}

uint32_t sh_arch_of_call(uint32_t audit_arch, int nr)
{
	if (audit_arch == SCMP_ARCH_X86_64 && (nr & X32_SYSCALL_BIT))
		return SCMP_ARCH_X32;
	return audit_arch;
}

int sh_syscall_number(uint32_t arch, const char *name)
{
	int nr = seccomp_syscall_resolve_name_arch(arch, name);
	for (size_t k = 0, all = sh_arch_nr_count(arch); nr < 0 && k < all; k++) {
		cleanup_free char *n = seccomp_syscall_resolve_num_arch(arch, sh_arch_nr_at(arch, k));
		if (n && strcmp(n, name) == 0)
			nr = sh_arch_nr_at(arch, k);
	}
	return nr;
}

/* A rule equal to the default is left out: libseccomp refuses it, and it changes nothing. */
static bool reaches_filter(const sh_ruleset *rs, const sh_rrule *rr)
{
	return !sh_rrule_equals_default(rs, rr);
}

static int add_rules(scmp_filter_ctx ctx, const sh_ruleset *rs, sh_diag *diag, sh_error **err)
{
	uint32_t placeholder = errno_placeholder(rs);
	for (size_t i = 0; i < rs->nrules; i++) {
		const sh_rrule *rr = &rs->rules[i];
		if (!reaches_filter(rs, rr))
			continue;
		for (size_t k = 0; k < rr->origin->nnames; k++) {
			const char *name = rr->origin->names[k];
			if (!sh_syscall_name_known(name)) {
				if (diag)
					sh_lint_unknown_syscall(diag, rs->profile->file, rr->origin, k);
				continue;
			}
			if (add_rule_for(ctx, rs, rr, name, seccomp_syscall_resolve_name(name), placeholder, err) < 0)
				return -1;
		}
	}
	return 0;
}

static int setup_arches(scmp_filter_ctx ctx, const sh_ruleset *rs, sh_error **err)
{
	uint32_t native = seccomp_arch_native();
	bool keep_native = false;
	for (size_t i = 0; i < rs->narches; i++) {
		if (rs->arches[i] == native) {
			keep_native = true;
			continue;
		}
		int rc = seccomp_arch_add(ctx, rs->arches[i]);
		if (rc < 0 && rc != -EEXIST)
			return sh_error_set(err, SH_EXIT_INVALID, "libseccomp cannot filter architecture %s: %s",
					    sh_arch_scmp_name(rs->arches[i]), strerror(-rc));
	}
	if (!keep_native && rs->narches) {
		int rc = seccomp_arch_remove(ctx, native);
		if (rc < 0)
			return sh_error_set(err, SH_EXIT_SYSTEM, "libseccomp: cannot remove the native arch: %s", strerror(-rc));
	}
	return 0;
}

/* ---- a lower bound on the program size, before libseccomp sees the rules ------------------------
 * Every syscall with a rule needs a compare, and every distinct argument condition at least one
 * node of the decision tree. A profile whose bound already passes the kernel's limit is refused
 * here: libseccomp would spend a great deal of time and memory to build a program the kernel
 * refuses anyway. Hash collisions only lower the bound, so it stays a lower bound. */

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

static bool set_add(uint64_t *set, size_t cap, uint64_t h)
{
	h |= 1; /* 0 marks an empty slot */
	for (size_t i = h & (cap - 1);; i = (i + 1) & (cap - 1)) {
		if (set[i] == h)
			return false;
		if (!set[i]) {
			set[i] = h;
			return true;
		}
	}
}

static size_t min_instructions(const sh_ruleset *rs)
{
	size_t entries = 0;
	for (size_t i = 0; i < rs->nrules; i++)
		entries += rs->rules[i].origin->nnames * (rs->rules[i].origin->nargs + 1);
	size_t cap = 16;
	while (cap < 2 * entries)
		cap *= 2;
	cleanup_free uint64_t *set = sh_xcalloc(cap, sizeof(uint64_t));
	size_t n = 0;
	for (size_t i = 0; i < rs->nrules; i++) {
		const sh_rule *r = rs->rules[i].origin;
		if (sh_rrule_equals_default(rs, &rs->rules[i]))
			continue;
		for (size_t k = 0; k < r->nnames; k++) {
			uint64_t base = fnv(0xcbf29ce484222325ULL, r->names[k], strlen(r->names[k]));
			n += set_add(set, cap, base);
			for (size_t a = 0; a < r->nargs; a++) {
				const sh_arg *c = &r->args[a];
				uint64_t h = fnv(base, &c->index, sizeof(c->index));
				h = fnv(h, &c->op, sizeof(c->op));
				h = fnv(h, &c->value, sizeof(c->value));
				n += set_add(set, cap, fnv(h, &c->value_two, sizeof(c->value_two)));
			}
		}
	}
	return n;
}

int sh_translate_ctx(const sh_ruleset *rs, const sh_translate_opts *o, scmp_filter_ctx *out, sh_diag *diag,
		     sh_error **err)
{
	size_t least = min_instructions(rs);
	if (least > SH_BPF_MAX_INSNS)
		return sh_error_set(err, SH_EXIT_INVALID, "%s: the profile needs at least %zu BPF instructions, more than "
				    "the kernel's limit of %d", rs->profile->file, least, SH_BPF_MAX_INSNS);
	scmp_filter_ctx ctx = seccomp_init(scmp_action(rs->default_action, rs->default_errno, errno_placeholder(rs)));
	if (!ctx)
		return sh_error_set(err, SH_EXIT_SYSTEM, "libseccomp: cannot create a filter");
	int optimize = o && o->optimize ? o->optimize : 2;
	/* We install the program ourselves: no_new_privs and TSYNC are the installer's business. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, (uint32_t)optimize) < 0) {
		seccomp_release(ctx);
		return sh_error_set(err, SH_EXIT_SYSTEM, "libseccomp: cannot set optimize level %d", optimize);
	}
	if (setup_arches(ctx, rs, err) < 0 || add_rules(ctx, rs, diag, err) < 0) {
		seccomp_release(ctx);
		return -1;
	}
	*out = ctx;
	return 0;
}

/* libseccomp writes to a file descriptor: give it a memfd and read the result back. */
static int export_to_memory(scmp_filter_ctx ctx, bool pfc, char **buf, size_t *len, sh_error **err)
{
	cleanup_close int fd = memfd_create("seccomp-hook-export", MFD_CLOEXEC);
	if (fd < 0)
		return sh_error_errno(err, errno, "memfd_create");
	int rc = pfc ? seccomp_export_pfc(ctx, fd) : seccomp_export_bpf(ctx, fd);
	if (rc < 0)
		return sh_error_set(err, SH_EXIT_SYSTEM, "libseccomp: cannot export the filter: %s", strerror(-rc));
	off_t size = lseek(fd, 0, SEEK_END);
	if (size < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return sh_error_errno(err, errno, "memfd");
	char *b = sh_xmalloc((size_t)size + 1);
	size_t got = 0;
	while (got < (size_t)size) {
		ssize_t r = read(fd, b + got, (size_t)size - got);
		if (r <= 0) {
			free(b);
			return sh_error_errno(err, r < 0 ? errno : EIO, "memfd read");
		}
		got += (size_t)r;
	}
	b[got] = 0;
	*buf = b;
	*len = got;
	return 0;
}

/* ---- the ENOSYS stub ---------------------------------------------------------------------------- */

typedef struct arch_max {
	uint32_t arch;
	int max;      /* highest syscall number the profile names on this arch, -1 none */
} arch_max;

static int highest_named(const sh_ruleset *rs, uint32_t arch)
{
	int max = -1;
	for (size_t i = 0; i < rs->nrules; i++)
		for (size_t k = 0; k < rs->rules[i].origin->nnames; k++) {
			int nr = seccomp_syscall_resolve_name_arch(arch, rs->rules[i].origin->names[k]);
			if (nr >= 0 && nr > max)
				max = nr;
		}
	return max;
}

typedef struct stub {
	struct sock_filter insns[64];
	size_t n;
} stub;

static void emit(stub *s, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	s->insns[s->n++] = (struct sock_filter){ code, jt, jf, k };
}

/* Placeholders for jumps patched once the stub's length is known. */
enum { TO_ENOSYS = 0xfe, TO_MAIN = 0xff };

/* One block per arch: `if (arch == A) { if (nr > max) return ENOSYS; goto main; }`. The accumulator
 * still holds the arch when a block does not match, so the next block tests it directly. */
static void emit_arch(stub *s, uint32_t arch, int max, int x32_max, bool has_x32)
{
	bool x86_64 = arch == AUDIT_ARCH_X86_64, split = x86_64 && has_x32 && x32_max >= 0;
	uint8_t body = (uint8_t)(2 + (x86_64 ? (split ? 2 : 1) : 0));
	emit(s, BPF_JMP | BPF_JEQ | BPF_K, 0, body, arch);
	emit(s, BPF_LD | BPF_W | BPF_ABS, 0, 0, 0);
	/* x32 shares x86_64's AUDIT_ARCH; its numbers carry the X32 bit. Without x32 in the set,
	 * libseccomp's program deals with those calls (as a bad architecture). */
	if (split) {
		emit(s, BPF_JMP | BPF_JSET | BPF_K, 0, 1, X32_SYSCALL_BIT);
		emit(s, BPF_JMP | BPF_JGT | BPF_K, TO_ENOSYS, TO_MAIN, (uint32_t)x32_max);
	} else if (x86_64) {
		emit(s, BPF_JMP | BPF_JSET | BPF_K, TO_MAIN, 0, X32_SYSCALL_BIT);
	}
	emit(s, BPF_JMP | BPF_JGT | BPF_K, TO_ENOSYS, TO_MAIN, (uint32_t)max);
}

static void patch_jumps(stub *s, size_t enosys_at)
{
	size_t main_at = enosys_at + 1;
	for (size_t i = 0; i < s->n; i++) {
		struct sock_filter *f = &s->insns[i];
		if (BPF_CLASS(f->code) != BPF_JMP || BPF_OP(f->code) == BPF_JA)
			continue;
		uint8_t *j[2] = { &f->jt, &f->jf };
		for (int k = 0; k < 2; k++) {
			if (*j[k] == TO_ENOSYS)
				*j[k] = (uint8_t)(enosys_at - i - 1);
			else if (*j[k] == TO_MAIN)
				*j[k] = (uint8_t)(main_at - i - 1);
		}
	}
}

static bool needs_stub(const sh_ruleset *rs)
{
	if (rs->default_action == SH_ACT_ALLOW || rs->default_action == SH_ACT_LOG)
		return false;
	return !(rs->default_action == SH_ACT_ERRNO && rs->default_errno == ENOSYS_VALUE);
}

static void build_stub(const sh_ruleset *rs, stub *s)
{
	s->n = 0;
	if (!needs_stub(rs))
		return;
	bool has_x32 = false;
	for (size_t i = 0; i < rs->narches; i++)
		has_x32 |= rs->arches[i] == SCMP_ARCH_X32;
	int x32_max = has_x32 ? highest_named(rs, SCMP_ARCH_X32) : -1;
	emit(s, BPF_LD | BPF_W | BPF_ABS, 0, 0, 4);
	size_t blocks = 0;
	for (size_t i = 0; i < rs->narches; i++) {
		if (rs->arches[i] == SCMP_ARCH_X32)
			continue; /* handled inside the x86_64 block */
		int max = highest_named(rs, rs->arches[i]);
		if (max < 0)
			continue;
		emit_arch(s, rs->arches[i], max, x32_max, has_x32);
		blocks++;
	}
	if (!blocks) {
		s->n = 0;
		return;
	}
	emit(s, BPF_JMP | BPF_JA, 0, 0, 1); /* no arch matched: skip ENOSYS into the main program */
	size_t enosys_at = s->n;
	emit(s, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | ENOSYS_VALUE);
	patch_jumps(s, enosys_at);
}

/* Only the returns change, so every other call takes the same path, in the same number of steps. */
static void errno_to_notify(sh_bpf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if (b->insns[i].code == (BPF_RET | BPF_K) && (b->insns[i].k & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO)
			b->insns[i].k = SECCOMP_RET_USER_NOTIF;
}

int sh_translate_export(const sh_ruleset *rs, const sh_translate_opts *o, scmp_filter_ctx ctx, sh_bpf *out,
			sh_error **err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;
	if (export_to_memory(ctx, false, &buf, &len, err) < 0)
		return -1;
	stub s;
	if (o && o->no_enosys_stub)
		s.n = 0;
	else
		build_stub(rs, &s);
	size_t n = s.n + len / sizeof(struct sock_filter);
	if (n > SH_BPF_MAX_INSNS)
		return sh_error_set(err, SH_EXIT_INVALID, "%s: compiled filter has %zu instructions, more than the kernel's "
				    "limit of %d", rs->profile->file, n, SH_BPF_MAX_INSNS);
	out->insns = sh_xcalloc(n, sizeof(struct sock_filter));
	memcpy(out->insns, s.insns, s.n * sizeof(struct sock_filter));
	memcpy(out->insns + s.n, buf, len);
	out->len = n;
	patch_placeholder(out, errno_placeholder(rs));
	/* The tree's leaves as ranges (hook/lib/bpfopt.c); the linear form stays as runtimes build it. */
	if (!o || (o->optimize != 1 && !o->tree_as_built))
		sh_bpf_optimize(out);
	if (o && o->notify_errno)
		errno_to_notify(out);
	return 0;
}

int sh_translate_bpf(const sh_ruleset *rs, const sh_translate_opts *o, sh_bpf *out, sh_diag *diag, sh_error **err)
{
	scmp_filter_ctx ctx = NULL;
	if (sh_translate_ctx(rs, o, &ctx, diag, err) < 0)
		return -1;
	int rc = sh_translate_export(rs, o, ctx, out, err);
	seccomp_release(ctx);
	return rc;
}

int sh_translate_pfc(const sh_ruleset *rs, const sh_translate_opts *o, FILE *out, sh_diag *diag, sh_error **err)
{
	scmp_filter_ctx ctx = NULL;
	if (sh_translate_ctx(rs, o, &ctx, diag, err) < 0)
		return -1;
	cleanup_free char *buf = NULL;
	size_t len = 0;
	int rc = export_to_memory(ctx, true, &buf, &len, err);
	seccomp_release(ctx);
	if (rc < 0)
		return -1;
	if (fwrite(buf, 1, len, out) != len)
		return sh_error_errno(err, errno, "write");
	return 0;
}

/* ---- what the program decides for one call, read from the rule set ------------------------------
 * The translator's reading of the rules, without building the program: explain names the deciding
 * rule with it, and tests/test_equivalence.c checks it against the compiled program. */

/* The number above which the ENOSYS stub answers calls on `arch` (in the set), or -1: the stub's
 * own tests (build_stub, emit_arch). x32 calls are tested inside x86_64's block. */
static int enosys_above(const sh_ruleset *rs, uint32_t arch)
{
	if (!needs_stub(rs))
		return -1;
	if (arch != SCMP_ARCH_X32)
		return highest_named(rs, arch);
	bool has_x86_64 = false;
	for (size_t i = 0; i < rs->narches; i++)
		has_x86_64 |= rs->arches[i] == SCMP_ARCH_X86_64;
	return has_x86_64 && highest_named(rs, SCMP_ARCH_X86_64) >= 0 ? highest_named(rs, SCMP_ARCH_X32) : -1;
}

static bool in_arch_set(const sh_ruleset *rs, uint32_t arch)
{
	for (size_t i = 0; i < rs->narches; i++)
		if (rs->arches[i] == arch)
			return true;
	return false;
}

/* What the program returns when no rule of the call decides: the bad-architecture action
 * (libseccomp's default, KILL), the stub's ENOSYS, or the default action. */
static sh_decision fallback(const sh_ruleset *rs, uint32_t arch, int nr)
{
	if (!in_arch_set(rs, arch))
		return (sh_decision){ .ret = SECCOMP_RET_KILL_THREAD, .by = SH_BY_BAD_ARCH };
	int above = enosys_above(rs, arch);
	if (above >= 0 && nr > above)
		return (sh_decision){ .ret = SECCOMP_RET_ERRNO | ENOSYS_VALUE, .by = SH_BY_ENOSYS };
	return (sh_decision){ .ret = sh_action_ret(rs->default_action, rs->default_errno), .by = SH_BY_DEFAULT };
}

/* libseccomp keeps a syscall's conditional rules in one tree, in the order they were added; a rule
 * without conditions replaces that tree, and rules after it change nothing. A number the ENOSYS stub
 * answers never reaches them: the stub runs first (on x86 a name the socketcall multiplexer also
 * serves, socket, is not counted among the profile's numbers, as in runc's stub). */
void sh_call_rules_build(const sh_ruleset *rs, uint32_t arch, int nr, sh_call_rules *out)
{
	*out = (sh_call_rules){ .arch = arch, .otherwise = fallback(rs, arch, nr) };
	/* libseccomp names a number below MIPS's base, or an x32 number without its bit, as if it had
	 * them; the program compares the real number, so those have no rules. */
	bool in_tables = sh_arch_nr_slot(arch, nr) >= 0;
	cleanup_free char *name = in_tables && in_arch_set(rs, arch) && out->otherwise.by != SH_BY_ENOSYS
					  ? seccomp_syscall_resolve_num_arch(arch, nr)
					  : NULL;
	if (!name)
		return;
	out->rules = sh_xcalloc(rs->nrules ? rs->nrules : 1, sizeof(*out->rules));
	for (size_t i = 0; i < rs->nrules; i++) {
		const sh_rrule *rr = &rs->rules[i];
		if (!reaches_filter(rs, rr) || !sh_rule_names(rr->origin, name))
			continue;
		if (rr->origin->nargs == 0) {
			out->rules[0] = rr;
			out->n = 1;
			return;
		}
		out->rules[out->n++] = rr;
	}
}

static bool cond_holds(const sh_arg *a, uint64_t v, uint64_t width)
{
	uint64_t value = a->value & width, two = a->value_two & width;
	v &= width;
	switch (a->op) {
	case SH_OP_NE: return v != value;
	case SH_OP_LT: return v < value;
	case SH_OP_LE: return v <= value;
	case SH_OP_EQ: return v == value;
	case SH_OP_GE: return v >= value;
	case SH_OP_GT: return v > value;
	case SH_OP_MASKED_EQ: return (v & value) == two;
	}
	return false;
}

bool sh_rule_args_hold(const sh_rule *r, uint32_t arch, const uint64_t args[6])
{
	/* On 32-bit ABIs (x86, x32, arm, mips o32/n32...) libseccomp compares the low halves of the
	 * argument, the value and the mask: the upper half of a 64-bit value is never looked at. MIPS
	 * N32's AUDIT_ARCH carries the 64-bit flag (its kernel is), its ABI is 32-bit. */
	bool wide = (arch & __AUDIT_ARCH_64BIT) && !(arch & __AUDIT_ARCH_CONVENTION_MIPS64_N32);
	uint64_t width = wide ? UINT64_MAX : UINT32_MAX;
	bool all = true, any = false;
	for (size_t i = 0; i < r->nargs; i++) {
		bool h = cond_holds(&r->args[i], args[r->args[i].index], width);
		all &= h;
		any |= h;
	}
	return r->nargs == 0 || (sh_rule_index_repeats(r) ? any : all);
}

void sh_call_rules_free(sh_call_rules *c)
{
	free(c->rules);
	c->rules = NULL;
	c->n = 0;
}

/* Small numbers (fds, flags like AF_VSOCK) read best in decimal, masks and large ones in hex. */
static void put_value(FILE *f, uint64_t v)
{
	fprintf(f, v < 4096 ? "%" PRIu64 : "%#" PRIx64, v);
}

char *sh_rule_conditions_text(const sh_rule *r)
{
	static const char *const sym[] = {
		[SH_OP_NE] = "!=", [SH_OP_LT] = "<", [SH_OP_LE] = "<=", [SH_OP_EQ] = "==",
		[SH_OP_GE] = ">=", [SH_OP_GT] = ">", [SH_OP_MASKED_EQ] = "==",
	};
	if (r->nargs == 0)
		return sh_xstrdup("-");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return sh_xstrdup("?");
	const char *join = sh_rule_index_repeats(r) ? " || " : " && ";
	for (size_t i = 0; i < r->nargs; i++) {
		const sh_arg *a = &r->args[i];
		fprintf(f, "%sarg%u", i ? join : "", a->index);
		if (a->op == SH_OP_MASKED_EQ)
			fprintf(f, "&%#" PRIx64, a->value);
		fputs(sym[a->op], f);
		if (a->op == SH_OP_MASKED_EQ)
			fprintf(f, "%#" PRIx64, a->value_two); /* bits, like the mask */
		else
			put_value(f, a->value);
	}
	fclose(f);
	return buf;
}

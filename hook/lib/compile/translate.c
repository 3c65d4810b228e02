/* Resolved rule set -> libseccomp filter -> the installed BPF program. Follows runc and crun: rules
 * equal to the default are skipped, a repeated argument index splits a rule into one rule per
 * condition (OR), and syscalls newer than the profile get ENOSYS from a stub placed in front of
 * libseccomp's program. */
#include "config.h"
#include "translate.h"
#include "argcheck.h"
#include "bounded.h"
#include "lint.h"
#include "verify.h"
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

/* As runc and crun add it: a repeated index makes each condition a rule of its own. */
static int add_rule_for(scmp_filter_ctx ctx, const sh_rrule *rr, int nr, uint32_t placeholder)
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
	return rc;
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
	sh_sort(v, n, sizeof(*v), cmp_str);
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

static bool in_arch_set(const sh_ruleset *rs, uint32_t arch)
{
	for (size_t i = 0; i < rs->narches; i++)
		if (rs->arches[i] == arch)
			return true;
	return false;
}

uint32_t sh_call_arch(const sh_ruleset *rs, uint32_t audit_arch, int nr)
{
	if (audit_arch != AUDIT_ARCH_X86_64 || (uint32_t)nr < X32_SYSCALL_BIT)
		return sh_arch_of_call(audit_arch, nr);
	bool x32 = in_arch_set(rs, SCMP_ARCH_X32);
	/* libseccomp's x86_64 filter without x32 sends x32 numbers to the bad-architecture action but
	 * -1, which a tracer sets to skip a call, to x86_64's own rules. */
	if (nr == -1 && !x32 && in_arch_set(rs, SCMP_ARCH_X86_64))
		return SCMP_ARCH_X86_64;
	/* It tells x32 calls by comparing (nr >= the x32 bit), not by the bit: 0x80000000 to 0xbfffffff
	 * are x32's too where it filters x32. */
	return (uint32_t)nr & X32_SYSCALL_BIT || x32 ? SCMP_ARCH_X32 : SCMP_ARCH_X86_64;
}

/* A rule equal to the default is left out: libseccomp refuses it, and it changes nothing. */
static bool reaches_filter(const sh_ruleset *rs, const sh_rrule *rr)
{
	return !sh_rrule_equals_default(rs, rr);
}

/* The names libseccomp does not know: skipped, as runc and crun skip them, with a warning. */
static void report_unknown(const sh_ruleset *rs, sh_diag *diag)
{
	for (size_t i = 0; i < rs->nrules && diag; i++) {
		const sh_rrule *rr = &rs->rules[i];
		if (!reaches_filter(rs, rr))
			continue;
		for (size_t k = 0; k < rr->origin->nnames; k++)
			if (!sh_syscall_name_known(rr->origin->names[k]))
				sh_lint_unknown_syscall(diag, rs->profile->file, rr->origin, k);
	}
}

/* What libseccomp is asked to build, in a child process (bounded.h): the rule set without the
 * syscalls in `skip`, whose checks seccomp-hook builds itself (argcheck.h). */
typedef struct scmp_job {
	const sh_ruleset *rs;
	int optimize;
	bool pfc;
	bool also_linear; /* after the program, the linear one runc and crun build (a header says where) */
	const char **skip;
	size_t nskip;
	unsigned spent_ms; /* CPU time the job's runs took so far: TOTAL_MS bounds them all */
} scmp_job;

/* The child's steps, and how much CPU time each may take: adding one rule takes well under a
 * millisecond even for profiles near the kernel's size limit, so a rule that takes 50 ms is one of
 * libseccomp's endless loops; building the program of such a profile takes seconds. */
enum { STEP_SETUP = 1, STEP_RULE, STEP_EXPORT };
enum { RULE_MS = 50, EXPORT_MS = 3000, TOTAL_MS = 4000 };

static bool skipped(const scmp_job *j, const char *name)
{
	for (size_t i = 0; i < j->nskip; i++)
		if (strcmp(j->skip[i], name) == 0)
			return true;
	return false;
}

static int add_rules(scmp_filter_ctx ctx, const scmp_job *j, sh_bounded_step *step)
{
	const sh_ruleset *rs = j->rs;
	uint32_t placeholder = errno_placeholder(rs);
	for (size_t i = 0; i < rs->nrules; i++) {
		const sh_rrule *rr = &rs->rules[i];
		if (!reaches_filter(rs, rr))
			continue;
		for (size_t k = 0; k < rr->origin->nnames; k++) {
			const char *name = rr->origin->names[k];
			if (!sh_syscall_name_known(name) || skipped(j, name))
				continue;
			sh_bounded_begin(step, STEP_RULE, i, k, RULE_MS);
			int rc = add_rule_for(ctx, rr, seccomp_syscall_resolve_name(name), placeholder);
			if (rc < 0) {
				step->rc = rc;
				return -1;
			}
		}
	}
	return 0;
}

static int setup_arches(scmp_filter_ctx ctx, const sh_ruleset *rs, sh_bounded_step *step)
{
	uint32_t native = seccomp_arch_native();
	bool keep_native = false;
	for (size_t i = 0; i < rs->narches; i++) {
		if (rs->arches[i] == native) {
			keep_native = true;
			continue;
		}
		sh_bounded_begin(step, STEP_SETUP, i, 0, RULE_MS);
		int rc = seccomp_arch_add(ctx, rs->arches[i]);
		if (rc < 0 && rc != -EEXIST) {
			step->rc = rc;
			return -1;
		}
	}
	if (!keep_native && rs->narches) {
		sh_bounded_begin(step, STEP_SETUP, SIZE_MAX, 0, RULE_MS);
		int rc = seccomp_arch_remove(ctx, native);
		if (rc < 0) {
			step->rc = rc;
			return -1;
		}
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

static int too_large(const sh_ruleset *rs, sh_error **err)
{
	size_t least = min_instructions(rs);
	if (least > SH_BPF_MAX_INSNS)
		return sh_error_set(err, SH_EXIT_INVALID, "%s: the profile needs at least %zu BPF instructions, more than "
				    "the kernel's limit of %d", rs->profile->file, least, SH_BPF_MAX_INSNS);
	return 0;
}

/* In the child: build the filter and write libseccomp's program (or its PFC text) to fd. */
static int scmp_work(void *arg, int fd, sh_bounded_step *step)
{
	const scmp_job *j = arg;
	const sh_ruleset *rs = j->rs;
	scmp_filter_ctx ctx = seccomp_init(scmp_action(rs->default_action, rs->default_errno, errno_placeholder(rs)));
	if (!ctx) {
		step->rc = -ENOMEM;
		return -1;
	}
	/* We install the program ourselves: no_new_privs and TSYNC are the installer's business. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, (uint32_t)j->optimize);
	if (rc < 0 || setup_arches(ctx, rs, step) < 0 || add_rules(ctx, j, step) < 0) {
		step->rc = rc < 0 ? rc : step->rc;
		return -1;
	}
	sh_bounded_begin(step, STEP_EXPORT, 0, 0, EXPORT_MS);
	uint64_t first = 0;
	if (j->also_linear && write(fd, &first, sizeof(first)) != sizeof(first))
		return -1;
	rc = j->pfc ? seccomp_export_pfc(ctx, fd) : seccomp_export_bpf(ctx, fd);
	if (rc == 0 && j->also_linear) {
		first = (uint64_t)lseek(fd, 0, SEEK_CUR) - sizeof(first);
		if (pwrite(fd, &first, sizeof(first), 0) != sizeof(first))
			return -1;
		sh_bounded_begin(step, STEP_EXPORT, 1, 0, EXPORT_MS);
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 1);
		rc = rc < 0 ? rc : seccomp_export_bpf(ctx, fd);
	}
	step->rc = rc;
	return rc < 0 ? -1 : 0; /* the process ends: no seccomp_release */
}

static int scmp_failed(const scmp_job *j, const sh_bounded_step *s, sh_error **err)
{
	const sh_ruleset *rs = j->rs;
	int rc = (int)s->rc;
	if (s->stage == STEP_RULE) {
		const sh_rrule *rr = &rs->rules[s->a];
		return rule_error(rs, rr, rr->origin->names[s->b], rc, err);
	}
	if (s->stage == STEP_SETUP && s->a < rs->narches)
		return sh_error_set(err, SH_EXIT_INVALID, "libseccomp cannot filter architecture %s: %s",
				    sh_arch_scmp_name(rs->arches[s->a]), strerror(-rc));
	if (s->stage == STEP_SETUP)
		return sh_error_set(err, SH_EXIT_SYSTEM, "libseccomp: cannot remove the native arch: %s", strerror(-rc));
	if (s->stage == STEP_EXPORT)
		return sh_error_set(err, SH_EXIT_SYSTEM, "libseccomp: cannot export the filter: %s", strerror(-rc));
	return sh_error_set(err, SH_EXIT_SYSTEM, "libseccomp: cannot create a filter: %s", strerror(-rc));
}

/* libseccomp's output for the job. 1 when a rule did not finish: *stuck names its syscall. */
static int scmp_compile(scmp_job *j, char **buf, size_t *len, const char **stuck, sh_error **err)
{
	sh_bounded_result res;
	if (sh_bounded_run(scmp_work, (void *)j, TOTAL_MS - j->spent_ms, &res, err) < 0)
		return -1;
	j->spent_ms += res.cpu_ms;
	const sh_bounded_step *s = &res.last;
	switch (res.end) {
	case SH_BOUNDED_DONE:
		*buf = res.out;
		*len = res.len;
		return 0;
	case SH_BOUNDED_FAILED:
		return scmp_failed(j, s, err);
	case SH_BOUNDED_STEP_LIMIT:
		if (s->stage == STEP_RULE) {
			*stuck = j->rs->rules[s->a].origin->names[s->b];
			return 1;
		}
		break;
	case SH_BOUNDED_TOTAL_LIMIT:
		break;
	}
	return sh_error_set(err, SH_EXIT_INVALID, "%s: libseccomp %s did not finish within %d ms of CPU time; refused",
			    j->rs->profile->file, s->stage == STEP_EXPORT ? "building the program" : "adding the rules",
			    s->stage == STEP_EXPORT ? EXPORT_MS : TOTAL_MS);
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

/* The program from libseccomp's: the stub in front, the errno placeholder patched, the tree's
 * number dispatch as ranges (hook/lib/compile/bpfopt.c; the linear form stays as runtimes build it). */
static int assemble(const sh_ruleset *rs, const sh_translate_opts *o, const char *buf, size_t len, sh_bpf *out,
		    sh_error **err)
{
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
	memcpy(out->insns + s.n, buf, len - len % sizeof(struct sock_filter));
	out->len = n;
	patch_placeholder(out, errno_placeholder(rs));
	if (!o || (o->optimize != 1 && !o->tree_as_built))
		sh_bpf_optimize(out);
	return 0;
}

/* ---- every program is checked against the rules (verify.h) ----------------------------------------
 * A call libseccomp's program decides differently gets seccomp-hook's own checks (argcheck.h) in
 * front of the program, and the result is checked again; a call that cannot be repaired so, or a
 * runtime's program, which nobody can repair, is refused with one line. */

enum { MAX_REBUILT = 64, MAX_SKIPPED = 3 };

static const char *libseccomp_version(char buf[32])
{
	const struct scmp_version *v = seccomp_version();
	snprintf(buf, 32, "%u.%u.%u", v->major, v->minor, v->micro);
	return buf;
}

/* What the call's rules compare that libseccomp 2.5.4 gets wrong: 64-bit values, and masked values
 * with bits outside their mask (it compares valueTwo & value, the OCI form says valueTwo). */
static void datum_kinds(const sh_ruleset *rs, const sh_verify_miss *m, bool *wide, bool *outside)
{
	sh_call_rules c;
	sh_call_rules_build(rs, m->arch, m->nr, &c);
	*wide = *outside = false;
	for (size_t i = 0; i < c.n; i++)
		for (size_t k = 0; k < c.rules[i]->origin->nargs; k++) {
			const sh_arg *a = &c.rules[i]->origin->args[k];
			*wide |= (m->arch & __AUDIT_ARCH_64BIT) && ((a->value | a->value_two) >> 32);
			*outside |= a->op == SH_OP_MASKED_EQ && (a->value_two & ~a->value);
		}
	sh_call_rules_free(&c);
}

static const char *miss_cause(const sh_ruleset *rs, const sh_verify_miss *m)
{
	bool wide, outside;
	if (m->overlap)
		return "rules with different actions hold there, and it orders them its own way";
	datum_kinds(rs, m, &wide, &outside);
	if (outside)
		return "it compares a masked argument with valueTwo & value, not with valueTwo";
	return wide ? "it builds these 64-bit comparisons wrongly" : "its program differs from the rules there";
}

/* One note per rule and syscall (the first arch); a call libseccomp was not asked about (it did not
 * finish adding its rules) has had its note. */
static void note_rebuilt(const scmp_job *j, const sh_verify_report *rep, size_t i, sh_diag *diag)
{
	const sh_ruleset *rs = j->rs;
	const sh_verify_miss *m = &rep->miss[i];
	cleanup_free char *name = seccomp_syscall_resolve_num_arch(m->arch, m->nr);
	if (!diag || (name && skipped(j, name)))
		return;
	for (size_t k = 0; k < i; k++) {
		cleanup_free char *other = seccomp_syscall_resolve_num_arch(rep->miss[k].arch, rep->miss[k].nr);
		if (rep->miss[k].by == m->by && rep->miss[k].rule_index == m->rule_index && name && other &&
		    strcmp(name, other) == 0)
			return;
	}
	cleanup_free char *text = sh_verify_miss_text(rs, m);
	char v[32];
	sh_loc at = m->rule_loc; /* where the rules say the default: the call's first rule */
	sh_call_rules c;
	sh_call_rules_build(rs, m->arch, m->nr, &c);
	if (m->by != SH_BY_RULE && c.n)
		at = c.rules[0]->origin->loc;
	sh_call_rules_free(&c);
	sh_diag_add(diag, SH_SEV_NOTE, rs->profile->file, at.line, at.col, "own-checks",
		    "libseccomp %s: %s: %s; seccomp-hook builds this call's checks itself", libseccomp_version(v), text,
		    miss_cause(rs, m));
}

static int rebuild_calls(const scmp_job *j, sh_bpf *b, const sh_verify_report *rep, sh_diag *diag, sh_error **err)
{
	const sh_ruleset *rs = j->rs;
	if (rep->nmiss > MAX_REBUILT) {
		cleanup_free char *text = sh_verify_miss_text(rs, &rep->miss[0]);
		return sh_error_set(err, SH_EXIT_INVALID, "%s: libseccomp's program decides %zu calls differently from the "
				    "rules, among them: %s", rs->profile->file, rep->nmiss, text);
	}
	sh_bpf blocks[MAX_REBUILT];
	for (size_t i = 0; i < rep->nmiss; i++) {
		sh_call_rules c;
		sh_call_rules_build(rs, rep->miss[i].arch, rep->miss[i].nr, &c);
		sh_argcheck_block(&c, (uint32_t)rep->miss[i].nr, &blocks[i]);
		sh_call_rules_free(&c);
		note_rebuilt(j, rep, i, diag);
	}
	sh_argcheck_prepend(b, blocks, rep->nmiss);
	for (size_t i = 0; i < rep->nmiss; i++)
		sh_bpf_free(&blocks[i]);
	if (b->len > SH_BPF_MAX_INSNS)
		return sh_error_set(err, SH_EXIT_INVALID, "%s: compiled filter has %zu instructions with seccomp-hook's own "
				    "checks, more than the kernel's limit of %d", rs->profile->file, b->len, SH_BPF_MAX_INSNS);
	return 0;
}

static int check_program(const sh_ruleset *rs, const sh_bpf *b, bool notify, sh_verify_report *rep, sh_error **err)
{
	sh_verify_opts vo = { .notify_errno = notify };
	if (sh_verify_program(rs, b, &vo, rep, err) < 0)
		return sh_error_prefix(err, "%s", rs->profile->file);
	return (int)rep->nmiss;
}

static int own_checks_wrong(const sh_ruleset *rs, const sh_verify_miss *m, sh_error **err)
{
	cleanup_free char *text = sh_verify_miss_text(rs, m);
	return sh_error_set(err, SH_EXIT_INVALID, "%s: %s, with seccomp-hook's own checks for it", rs->profile->file, text);
}

/* Checked, repaired where libseccomp is wrong, checked again; then (reports) the errno answers
 * handed over, and the program as it will be installed checked once more. */
static int verified(const scmp_job *j, const sh_translate_opts *o, sh_bpf *b, sh_diag *diag, sh_error **err)
{
	const sh_ruleset *rs = j->rs;
	sh_verify_report rep;
	int r = check_program(rs, b, false, &rep, err);
	if (r > 0) {
		r = rebuild_calls(j, b, &rep, diag, err);
		sh_verify_report_free(&rep);
		if (r == 0 && (r = check_program(rs, b, false, &rep, err)) > 0)
			r = own_checks_wrong(rs, &rep.miss[0], err);
	}
	sh_verify_report_free(&rep);
	if (r < 0 || !(o && o->notify_errno))
		return r;
	errno_to_notify(b);
	if ((r = check_program(rs, b, true, &rep, err)) > 0)
		r = own_checks_wrong(rs, &rep.miss[0], err);
	sh_verify_report_free(&rep);
	return r;
}

static int stuck_error(const sh_ruleset *rs, const char *name, const char *who, sh_error **err)
{
	char v[32];
	return sh_error_set(err, SH_EXIT_INVALID, "%s: %slibseccomp %s does not finish adding the rules of %s (stopped "
			    "after %d ms of CPU time: one of its endless loops on overlapping conditions)",
			    rs->profile->file, who, libseccomp_version(v), name, RULE_MS);
}

static const char runtime_who[] = "runc and crun compile linux.seccomp, and ";

/* The program runc and crun build from the OCI form, from libseccomp's linear output: refused where
 * it is weaker than the rules, a warning where it differs otherwise. */
static int runtime_form_check(const sh_ruleset *rs, const char *buf, size_t len, sh_diag *diag, sh_error **err)
{
	sh_translate_opts o = { .optimize = 1 };
	sh_bpf b = { 0 };
	char v[32];
	if (assemble(rs, &o, buf, len, &b, err) < 0)
		return -1;
	sh_verify_report rep;
	int r = check_program(rs, &b, false, &rep, err);
	sh_bpf_free(&b);
	for (size_t i = 0; i < rep.nmiss && r >= 0; i++) {
		const sh_verify_miss *m = &rep.miss[i];
		cleanup_free char *text = sh_verify_miss_text(rs, m);
		if (sh_ret_outranks(m->want, m->got))
			r = sh_error_set(err, SH_EXIT_INVALID, "%s: runc and crun compile linux.seccomp with libseccomp %s: %s: "
					 "%s", rs->profile->file, libseccomp_version(v), text, miss_cause(rs, m));
		else if (diag)
			sh_diag_add(diag, SH_SEV_WARNING, rs->profile->file, m->rule_loc.line, m->rule_loc.col, "runtime-differs",
				    "runc and crun compile linux.seccomp with libseccomp %s: %s: %s (not weaker: allowed)",
				    libseccomp_version(v), text, miss_cause(rs, m));
	}
	sh_verify_report_free(&rep);
	return r < 0 ? -1 : 0;
}

/* A job that also built the linear program: split the output, check the runtime's form into *form. */
static void split_linear(const scmp_job *j, char **buf, size_t *len, sh_diag *diag, sh_error **form)
{
	uint64_t first = 0;
	if (*len >= sizeof(first))
		memcpy(&first, *buf, sizeof(first));
	if (*len < sizeof(first) || first > *len - sizeof(first)) {
		sh_error_set(form, SH_EXIT_SYSTEM, "%s: libseccomp's output is cut short", j->rs->profile->file);
		*len = 0;
		return;
	}
	runtime_form_check(j->rs, *buf + sizeof(first) + first, *len - sizeof(first) - first, diag, form);
	memmove(*buf, *buf + sizeof(first), first);
	*len = first;
}

/* libseccomp's output; a syscall whose rule it does not finish adding is left out and given
 * seccomp-hook's own checks (up to MAX_SKIPPED of them). With `form`, the first run builds the
 * runtime's program too and its check goes there (a rule not finished is one for the runtime). */
static int compile_bounded(scmp_job *j, const char **skip, char **buf, size_t *len, sh_error **form, sh_diag *diag,
			   sh_error **err)
{
	j->skip = skip;
	j->also_linear = form != NULL;
	for (;;) {
		const char *stuck = NULL;
		int r = scmp_compile(j, buf, len, &stuck, err);
		if (r == 0 && j->also_linear)
			split_linear(j, buf, len, diag, form);
		if (r <= 0)
			return r;
		if (j->also_linear)
			stuck_error(j->rs, stuck, runtime_who, form);
		j->also_linear = false;
		if (j->nskip == MAX_SKIPPED || j->pfc)
			return stuck_error(j->rs, stuck, "", err);
		/* Each run starts over: together they get TOTAL_MS, not each of them. */
		if (j->spent_ms + RULE_MS >= TOTAL_MS)
			return sh_error_set(err, SH_EXIT_INVALID, "%s: libseccomp adding the rules did not finish within %d ms "
					    "of CPU time (and does not finish adding those of %s); refused",
					    j->rs->profile->file, TOTAL_MS, stuck);
		char v[32];
		if (diag)
			sh_diag_add(diag, SH_SEV_NOTE, j->rs->profile->file, 0, 0, "own-checks", "libseccomp %s does not finish "
				    "adding the rules of %s: seccomp-hook builds that call's checks itself",
				    libseccomp_version(v), stuck);
		skip[j->nskip++] = stuck;
	}
}

static int translate(const sh_ruleset *rs, const sh_translate_opts *o, sh_bpf *out, sh_error **form, sh_diag *diag,
		     sh_error **err)
{
	if (too_large(rs, err) < 0)
		return -1;
	report_unknown(rs, diag);
	const char *skip[MAX_SKIPPED];
	scmp_job j = { .rs = rs, .optimize = o && o->optimize ? o->optimize : 2 };
	cleanup_free char *buf = NULL;
	size_t len = 0;
	if (compile_bounded(&j, skip, &buf, &len, form, diag, err) < 0 || assemble(rs, o, buf, len, out, err) < 0)
		return -1;
	/* Without the stub the program is not the rule set's (benchmarks compare the two). */
	if (o && o->no_enosys_stub)
		return 0;
	if (verified(&j, o, out, diag, err) < 0) {
		sh_bpf_free(out);
		return -1;
	}
	return 0;
}

int sh_translate_bpf(const sh_ruleset *rs, const sh_translate_opts *o, sh_bpf *out, sh_diag *diag, sh_error **err)
{
	return translate(rs, o, out, NULL, diag, err);
}

int sh_translate_for_runtime(const sh_ruleset *rs, sh_bpf *out, sh_error **form, sh_diag *diag, sh_error **err)
{
	*form = NULL;
	return translate(rs, NULL, out, form, diag, err);
}

int sh_translate_pfc(const sh_ruleset *rs, const sh_translate_opts *o, FILE *out, sh_diag *diag, sh_error **err)
{
	sh_bpf b = { 0 }; /* the checks and their notes: the PFC text is libseccomp's alone */
	if (sh_translate_bpf(rs, o, &b, diag, err) < 0)
		return -1;
	sh_bpf_free(&b);
	scmp_job j = { .rs = rs, .optimize = o && o->optimize ? o->optimize : 2, .pfc = true };
	cleanup_free char *buf = NULL;
	size_t len = 0;
	if (compile_bounded(&j, NULL, &buf, &len, NULL, NULL, err) < 0)
		return -1;
	if (fwrite(buf, 1, len, out) != len)
		return sh_error_errno(err, errno, "write");
	return 0;
}

int sh_translate_runtime_form(const sh_ruleset *rs, sh_diag *diag, sh_error **err)
{
	if (too_large(rs, err) < 0)
		return -1;
	scmp_job j = { .rs = rs, .optimize = 1 };
	cleanup_free char *buf = NULL;
	size_t len = 0;
	const char *stuck = NULL;
	int r = scmp_compile(&j, &buf, &len, &stuck, err);
	if (r != 0)
		return r < 0 ? -1 : stuck_error(rs, stuck, runtime_who, err);
	return runtime_form_check(rs, buf, len, diag, err);
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


/* ---- the rules of each call ----------------------------------------------------------------------
 * An index per arch: every name of every rule that reaches the filter, resolved once, sorted by
 * number then profile order. */

/* libseccomp's multiplexed calls: socketcall(call, ...) and ipc(call, ...) on these ABIs (its
 * abi_rule_add), the call number being the pseudo number's last two digits. */
static const struct { char name[12]; int pnr; } muxed[] = {
	{ "socket", __PNR_socket },	      { "bind", __PNR_bind },		{ "connect", __PNR_connect },
	{ "listen", __PNR_listen },	      { "accept", __PNR_accept },	{ "getsockname", __PNR_getsockname },
	{ "getpeername", __PNR_getpeername }, { "socketpair", __PNR_socketpair }, { "send", __PNR_send },
	{ "recv", __PNR_recv },		      { "sendto", __PNR_sendto },	{ "recvfrom", __PNR_recvfrom },
	{ "shutdown", __PNR_shutdown },	      { "setsockopt", __PNR_setsockopt }, { "getsockopt", __PNR_getsockopt },
	{ "sendmsg", __PNR_sendmsg },	      { "recvmsg", __PNR_recvmsg },	{ "accept4", __PNR_accept4 },
	{ "recvmmsg", __PNR_recvmmsg },	      { "sendmmsg", __PNR_sendmmsg },	{ "semop", __PNR_semop },
	{ "semget", __PNR_semget },	      { "semctl", __PNR_semctl },	{ "semtimedop", __PNR_semtimedop },
	{ "msgsnd", __PNR_msgsnd },	      { "msgrcv", __PNR_msgrcv },	{ "msgget", __PNR_msgget },
	{ "msgctl", __PNR_msgctl },	      { "shmat", __PNR_shmat },		{ "shmdt", __PNR_shmdt },
	{ "shmget", __PNR_shmget },	      { "shmctl", __PNR_shmctl },
};

static bool arch_multiplexes(uint32_t arch)
{
	static const uint32_t a[] = { SCMP_ARCH_X86, SCMP_ARCH_S390,  SCMP_ARCH_S390X, SCMP_ARCH_PPC,
				      SCMP_ARCH_PPC64, SCMP_ARCH_PPC64LE, SCMP_ARCH_MIPS, SCMP_ARCH_MIPSEL };
	for (size_t i = 0; i < SH_ARRAY_SIZE(a); i++)
		if (a[i] == arch)
			return true;
	return false;
}

static int muxed_slot(const char *name)
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(muxed); i++)
		if (strcmp(muxed[i].name, name) == 0)
			return (int)i;
	return -1;
}

const char *sh_syscall_multiplexer(const char *name)
{
	int i = muxed_slot(name);
	return i < 0 ? NULL : muxed[i].pnr <= -200 ? "ipc" : "socketcall";
}

/* The multiplexer's number and the call number libseccomp gives a name on `arch`; false if none. */
static bool mux_of(uint32_t arch, const char *name, int *via, uint32_t *call)
{
	int i = arch_multiplexes(arch) ? muxed_slot(name) : -1;
	if (i < 0)
		return false;
	bool ipc = muxed[i].pnr <= -200;
	*via = seccomp_syscall_resolve_name_arch(arch, ipc ? "ipc" : "socketcall");
	*call = (uint32_t)(-muxed[i].pnr % (ipc ? 200 : 100));
	return *via >= 0;
}

/* On a multiplexing ABI libseccomp names socket, bind, semop... by pseudo numbers
 * (seccomp_syscall_resolve_name_arch answers -101...), yet adds their rules to the call's own number
 * too where the ABI has one (its _abi_syscall_demux): the number whose name it is. Looked up once
 * per process and ABI. */
static int direct_number(uint32_t arch, const char *name)
{
	static const uint32_t abis[] = { SCMP_ARCH_X86, SCMP_ARCH_S390,  SCMP_ARCH_S390X, SCMP_ARCH_PPC,
					 SCMP_ARCH_PPC64, SCMP_ARCH_PPC64LE, SCMP_ARCH_MIPS, SCMP_ARCH_MIPSEL };
	/* On the heap, rows made as needed: the musl hook keeps its .bss within a page (hook/musl/alloc.c). */
	static int (*direct[SH_ARRAY_SIZE(abis)])[SH_ARRAY_SIZE(muxed)];
	int slot = muxed_slot(name);
	size_t a = 0;
	while (a < SH_ARRAY_SIZE(abis) && abis[a] != arch)
		a++;
	if (slot < 0 || a == SH_ARRAY_SIZE(abis))
		return -1;
	if (!direct[a]) {
		direct[a] = sh_xcalloc(1, sizeof(*direct[a]));
		int base = arch == SCMP_ARCH_MIPS || arch == SCMP_ARCH_MIPSEL ? 4000 : 0;
		for (size_t i = 0; i < SH_ARRAY_SIZE(muxed); i++)
			(*direct[a])[i] = -1;
		for (int nr = base; nr < base + 1024; nr++) {
			cleanup_free char *n = seccomp_syscall_resolve_num_arch(arch, nr);
			int k = n ? muxed_slot(n) : -1;
			if (k >= 0 && (*direct[a])[k] < 0)
				(*direct[a])[k] = nr;
		}
	}
	return (*direct[a])[slot];
}

int sh_syscall_number(uint32_t arch, const char *name)
{
	int nr = seccomp_syscall_resolve_name_arch(arch, name);
	return nr >= 0 ? nr : direct_number(arch, name);
}

typedef struct call_entry {
	int nr;
	size_t rule, name; /* the rule set's rule and the place of the name in it: libseccomp's order */
	int call;          /* > 0: a multiplexed call (arg0 == call), 0: the syscall itself */
} call_entry;

struct sh_call_index {
	const sh_ruleset *rs;
	uint32_t arch;
	bool in_set;
	int above; /* the stub's bound, -1 none */
	call_entry *e;
	size_t n;
	int *numbers;
	size_t nnumbers;
};


static int entry_cmp(const void *a, const void *b)
{
	const call_entry *x = a, *y = b;
	if (x->nr != y->nr)
		return x->nr < y->nr ? -1 : 1;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return x->name < y->name ? -1 : x->name > y->name;
}

static void index_add(sh_call_index *ix, size_t *cap, call_entry e)
{
	sh_grow(&ix->e, cap, ix->n + 1, sizeof(*ix->e));
	ix->e[ix->n++] = e;
}

static void index_names(sh_call_index *ix)
{
	size_t cap = 0;
	for (size_t i = 0; i < ix->rs->nrules; i++) {
		const sh_rrule *rr = &ix->rs->rules[i];
		if (!reaches_filter(ix->rs, rr))
			continue;
		for (size_t k = 0; k < rr->origin->nnames; k++) {
			const char *name = rr->origin->names[k];
			int nr = sh_syscall_number(ix->arch, name), via;
			uint32_t call;
			if (nr >= 0)
				index_add(ix, &cap, (call_entry){ .nr = nr, .rule = i, .name = k });
			if (mux_of(ix->arch, name, &via, &call))
				index_add(ix, &cap, (call_entry){ .nr = via, .rule = i, .name = k, .call = (int)call });
		}
	}
	sh_sort(ix->e, ix->n, sizeof(*ix->e), entry_cmp);
	ix->numbers = sh_xcalloc(ix->n + 1, sizeof(*ix->numbers));
	for (size_t i = 0; i < ix->n; i++)
		if (!ix->nnumbers || ix->numbers[ix->nnumbers - 1] != ix->e[i].nr)
			ix->numbers[ix->nnumbers++] = ix->e[i].nr;
}

sh_call_index *sh_call_index_new(const sh_ruleset *rs, uint32_t arch)
{
	sh_call_index *ix = sh_xcalloc(1, sizeof(*ix));
	*ix = (sh_call_index){ .rs = rs, .arch = arch, .in_set = in_arch_set(rs, arch), .above = -1 };
	if (!ix->in_set)
		return ix;
	ix->above = enosys_above(rs, arch);
	index_names(ix);
	return ix;
}

void sh_call_index_free(sh_call_index *ix)
{
	if (!ix)
		return;
	free(ix->e);
	free(ix->numbers);
	free(ix);
}

const int *sh_call_index_numbers(const sh_call_index *ix, size_t *n)
{
	*n = ix->nnumbers;
	return ix->numbers;
}

int sh_call_index_enosys_above(const sh_call_index *ix)
{
	return ix->above;
}

/* What the program returns when no rule of the call decides: the bad-architecture action
 * (libseccomp's default, KILL), the stub's ENOSYS, or the default action. */
static sh_decision fallback_of(const sh_call_index *ix, int nr)
{
	const sh_ruleset *rs = ix->rs;
	if (!ix->in_set)
		return (sh_decision){ .ret = SECCOMP_RET_KILL_THREAD, .by = SH_BY_BAD_ARCH };
	/* The stub compares as BPF does, unsigned: numbers from 0x80000000 up are above too. On x86_64
	 * it leaves numbers with the x32 bit (here only -1, sh_call_arch) to libseccomp's program. */
	bool x32_bit = ix->arch == SCMP_ARCH_X86_64 && ((uint32_t)nr & X32_SYSCALL_BIT);
	if (ix->above >= 0 && !x32_bit && (uint32_t)nr > (uint32_t)ix->above)
		return (sh_decision){ .ret = SECCOMP_RET_ERRNO | ENOSYS_VALUE, .by = SH_BY_ENOSYS };
	/* x86_64 numbers from the x32 bit up that the stub did not answer: x32's, which is not filtered. */
	if (ix->arch == SCMP_ARCH_X86_64 && (uint32_t)nr >= X32_SYSCALL_BIT && nr != -1)
		return (sh_decision){ .ret = SECCOMP_RET_KILL_THREAD, .by = SH_BY_BAD_ARCH };
	return (sh_decision){ .ret = sh_action_ret(rs->default_action, rs->default_errno), .by = SH_BY_DEFAULT };
}

/* The multiplexed rules of a call: a copy of the rule whose conditions on the first argument are
 * replaced by `arg0 == call`; a rule whose index repeats gives one rule per condition, as each of
 * its conditions reaches libseccomp as a rule of its own. */
struct sh_call_own {
	sh_rule *rules;
	sh_rrule *rrules; /* rrules[i].origin is set to &rules[i] once all are made: the arrays move */
	size_t n, cap;
};

static void own_rule(struct sh_call_own *o, const sh_rrule *rr, uint32_t call, const sh_arg *conds, size_t nconds)
{
	sh_grow(&o->rules, &o->cap, o->n + 1, sizeof(*o->rules));
	o->rrules = sh_xreallocarray(o->rrules, o->cap, sizeof(*o->rrules));
	sh_arg *a = sh_xcalloc(nconds + 1, sizeof(*a));
	size_t k = 0;
	a[k++] = (sh_arg){ .index = 0, .op = SH_OP_EQ, .value = call, .loc = rr->origin->loc };
	for (size_t i = 0; i < nconds; i++)
		if (conds[i].index != 0)
			a[k++] = conds[i];
	sh_rule *r = &o->rules[o->n];
	*r = *rr->origin;
	r->args = a;
	r->nargs = k;
	o->rrules[o->n] = *rr;
	o->n++;
}

static void add_muxed(struct sh_call_own *o, const sh_rrule *rr, uint32_t call)
{
	const sh_rule *r = rr->origin;
	if (!sh_rule_index_repeats(r)) {
		own_rule(o, rr, call, r->args, r->nargs);
		return;
	}
	for (size_t i = 0; i < r->nargs; i++)
		own_rule(o, rr, call, &r->args[i], 1);
}

/* The entries of number nr, in libseccomp's order; *n receives how many. */
static const call_entry *entries_of(const sh_call_index *ix, int nr, size_t *n)
{
	size_t lo = 0, hi = ix->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ix->e[mid].nr < nr)
			lo = mid + 1;
		else
			hi = mid;
	}
	*n = 0;
	while (lo + *n < ix->n && ix->e[lo + *n].nr == nr)
		++*n;
	return *n ? &ix->e[lo] : NULL;
}

/* A rule without conditions decides the call alone: libseccomp replaces the tree with it and drops
 * every later rule of the call. */
static const sh_rrule *unconditional(const sh_call_index *ix, const call_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!e[i].call && ix->rs->rules[e[i].rule].origin->nargs == 0)
			return &ix->rs->rules[e[i].rule];
	return NULL;
}

void sh_call_index_rules(const sh_call_index *ix, int nr, sh_call_rules *out)
{
	*out = (sh_call_rules){ .arch = ix->arch, .otherwise = fallback_of(ix, nr) };
	if (out->otherwise.by == SH_BY_ENOSYS) /* the stub runs first: its numbers never reach the rules */
		return;
	size_t n;
	const call_entry *e = entries_of(ix, nr, &n);
	const sh_rrule *alone = n ? unconditional(ix, e, n) : NULL;
	if (alone) {
		out->rules = sh_xcalloc(1, sizeof(*out->rules));
		out->rules[0] = alone;
		out->n = 1;
	}
	if (!n || alone)
		return;
	struct sh_call_own *o = NULL;
	for (size_t i = 0; i < n; i++)
		if (e[i].call) {
			o = o ? o : sh_xcalloc(1, sizeof(*o));
			add_muxed(o, &ix->rs->rules[e[i].rule], (uint32_t)e[i].call);
		}
	out->rules = sh_xcalloc(n + (o ? o->n : 0), sizeof(*out->rules));
	out->own = o;
	for (size_t i = 0, m = 0; i < n; i++) {
		if (!e[i].call) {
			out->rules[out->n++] = &ix->rs->rules[e[i].rule];
			continue;
		}
		const sh_rule *r = ix->rs->rules[e[i].rule].origin;
		for (size_t k = sh_rule_index_repeats(r) ? r->nargs : 1; k > 0; k--, m++) {
			o->rrules[m].origin = &o->rules[m];
			out->rules[out->n++] = &o->rrules[m];
		}
	}
}

void sh_call_rules_build(const sh_ruleset *rs, uint32_t arch, int nr, sh_call_rules *out)
{
	sh_call_index *ix = sh_call_index_new(rs, arch);
	sh_call_index_rules(ix, nr, out);
	sh_call_index_free(ix);
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

/* On 32-bit ABIs (x86, x32, arm, mips o32/n32...) libseccomp compares the low halves of the
 * argument, the value and the mask: the upper half of a 64-bit value is never looked at. MIPS N32's
 * AUDIT_ARCH carries the 64-bit flag (its kernel is), its ABI is 32-bit. */
bool sh_arch_wide_args(uint32_t arch)
{
	return (arch & __AUDIT_ARCH_64BIT) && !(arch & __AUDIT_ARCH_CONVENTION_MIPS64_N32);
}

static uint64_t arg_width(uint32_t arch)
{
	return sh_arch_wide_args(arch) ? UINT64_MAX : UINT32_MAX;
}

bool sh_arg_holds(const sh_arg *a, uint32_t arch, uint64_t v)
{
	return cond_holds(a, v, arg_width(arch));
}

bool sh_rule_args_hold(const sh_rule *r, uint32_t arch, const uint64_t args[6])
{
	uint64_t width = arg_width(arch);
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
	if (c->own) {
		for (size_t i = 0; i < c->own->n; i++)
			free(c->own->rules[i].args);
		free(c->own->rules);
		free(c->own->rrules);
		free(c->own);
	}
	free(c->rules);
	*c = (sh_call_rules){ .arch = c->arch, .otherwise = c->otherwise };
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

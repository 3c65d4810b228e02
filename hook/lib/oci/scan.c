/* The exposure scan's decisions: the queries, and what each process's filters answer them on each
 * ABI; see scan.h. Nothing here reads the node. */
#include "config.h"
#include "scan.h"
#include "bpf_reach.h"
#include "explain.h"
#include "names.h"
#include "translate.h"
#include "util.h"

#include <linux/audit.h>
#include <seccomp.h>
#include <string.h>

/* ---- queries ------------------------------------------------------------------------------------ */

static int parse_condition(const char *text, const char *c, size_t len, sh_scan_query *q, sh_error **err)
{
	const char *eq = memchr(c, '=', len);
	unsigned idx;
	char tail;
	if (!eq || sscanf(c, "arg%u%c", &idx, &tail) != 2 || tail != '=' || idx > 5 || eq - c != 4)
		return sh_error_set(err, SH_EXIT_SYSTEM, "--query '%s': '%.*s' is not ARGn=VALUE (n 0 to 5)", text, (int)len, c);
	if (!sh_parse_u64(eq + 1, len - (size_t)(eq + 1 - c), &q->value[idx]))
		return sh_error_set(err, SH_EXIT_SYSTEM, "--query '%s': '%.*s' is not a 64-bit number", text,
				    (int)(len - (size_t)(eq + 1 - c)), eq + 1);
	if (q->mask[idx])
		return sh_error_set(err, SH_EXIT_SYSTEM, "--query '%s': arg%u is given twice", text, idx);
	q->mask[idx] = UINT64_MAX;
	return 0;
}

int sh_scan_query_parse(const char *text, sh_scan_query *q, sh_error **err)
{
	*q = (sh_scan_query){ 0 };
	const char *colon = strchr(text, ':');
	size_t nlen = colon ? (size_t)(colon - text) : strlen(text);
	q->text = sh_xstrdup(text);
	q->name = sh_xstrndup(text, nlen);
	if (!nlen || seccomp_syscall_resolve_name(q->name) == __NR_SCMP_ERROR) {
		sh_error_set(err, SH_EXIT_SYSTEM, "--query '%s': unknown syscall '%s'", text, q->name);
		goto fail;
	}
	for (const char *c = colon ? colon + 1 : NULL; c;) {
		const char *comma = strchr(c, ',');
		size_t len = comma ? (size_t)(comma - c) : strlen(c);
		if (parse_condition(text, c, len, q, err) < 0)
			goto fail;
		c = comma ? comma + 1 : NULL;
	}
	return 0;
fail:
	sh_scan_query_free(q);
	return -1;
}

void sh_scan_query_free(sh_scan_query *q)
{
	free(q->text);
	free(q->name);
	*q = (sh_scan_query){ 0 };
}

/* ---- one query on one ABI ----------------------------------------------------------------------- */

/* The least restrictive stacked answer found so far over n filters, and a call that gets it. */
typedef struct least {
	size_t n;
	bool any;
	uint32_t ret;
	sh_seccomp_data call;
} least;

static bool least_sought(void *ctx, const uint32_t *rets, size_t k)
{
	const least *l = ctx;
	/* Each further filter can only make the stacked answer more restrictive. */
	return !l->any || sh_ret_rank(sh_ret_stacked(rets, k)) < sh_ret_rank(l->ret);
}

static bool least_found(void *ctx, const sh_seccomp_data *d, const uint32_t *rets)
{
	least *l = ctx;
	l->any = true;
	l->ret = sh_ret_stacked(rets, l->n);
	l->call = *d;
	return sh_ret_rank(l->ret) == 0; /* nothing is less restrictive than running */
}

/* The calls nr on abi with the given arguments fixed: the least restrictive answer the filters give
 * one, into *a (kept when it is less restrictive than a's). False when the walk could not decide. */
static bool walk_calls(const sh_bpf *filters, size_t n, uint32_t abi, int nr, const uint64_t mask[6],
		       const uint64_t value[6], const char *via, sh_scan_answer *a)
{
	least l = { .n = n };
	sh_seccomp_data d = sh_call_data(abi, nr, NULL);
	sh_reach_query q = { .nprogs = n, .arch = d.arch, .nr = (uint32_t)d.nr, .sought = least_sought,
			     .found = least_found, .ctx = &l };
	for (size_t i = 0; i < n; i++)
		q.progs[i] = (sh_reach_prog){ filters[i].insns, filters[i].len };
	memcpy(q.arg_mask, mask, sizeof(q.arg_mask));
	memcpy(q.arg_value, value, sizeof(q.arg_value));
	bool undecided = false;
	sh_bpf_reach_joint(&q, &undecided);
	if (l.any && (a->cls == SH_SCAN_NO_CALL || sh_ret_rank(l.ret) < sh_ret_rank(a->ret))) {
		a->cls = SH_SCAN_REFUSED; /* classed by the caller */
		a->ret = l.ret;
		a->call = l.call;
		a->via = via;
	}
	return !undecided;
}

/* Where libseccomp multiplexes the call (x86's socket through socketcall, SysV IPC through ipc): the
 * multiplexer's number, and arg0's value for the call; -1 if it does not. */
static int multiplexed(uint32_t abi, const char *name, const char **mux, uint64_t *mask0, uint64_t *call)
{
	int pnr = seccomp_syscall_resolve_name_arch(abi, name);
	if (pnr <= __PNR_socket && pnr >= __PNR_sendmmsg) {
		*mux = "socketcall";
		*call = (uint64_t)(__PNR_socket - pnr + 1); /* SYS_SOCKET is 1 */
		*mask0 = UINT64_MAX; /* the kernel refuses any other value */
	} else if (pnr <= __PNR_semop && pnr >= __PNR_shmctl) {
		*mux = "ipc";
		*call = (uint64_t)(__PNR_semop - pnr + 1); /* SEMOP is 1 */
		*mask0 = 0xffff; /* the kernel reads the call from the low 16 bits, a version above them */
	} else {
		return -1;
	}
	return seccomp_syscall_resolve_name_arch(abi, *mux);
}

static bool in_strict_set(const char *name)
{
	static const char *const allowed[] = { "read", "write", "exit", "rt_sigreturn", "sigreturn" };
	for (size_t i = 0; i < SH_ARRAY_SIZE(allowed); i++)
		if (strcmp(name, allowed[i]) == 0)
			return true;
	return false;
}

static sh_scan_class class_of(uint32_t ret)
{
	int r = sh_ret_rank(ret);
	return r == 0 ? SH_SCAN_ALLOWED : r <= 2 ? SH_SCAN_HANDED : SH_SCAN_REFUSED;
}

/* The call itself, and through its multiplexer: the least restrictive of the two (the multiplexed
 * call's own arguments are in memory, which no filter reads: the query's conditions do not apply). */
static sh_scan_answer answer_filtered(const sh_bpf *filters, size_t n, uint32_t abi, const sh_scan_query *q)
{
	sh_scan_answer a = { .cls = SH_SCAN_NO_CALL };
	bool decided = true;
	int nr = sh_syscall_number(abi, q->name);
	/* A 32-bit ABI's arguments are 32 bits: the upper half of a value asked about is not passed. */
	uint64_t width = sh_call_data(abi, 0, NULL).arch & __AUDIT_ARCH_64BIT ? UINT64_MAX : UINT32_MAX;
	uint64_t qmask[6], qvalue[6];
	for (int i = 0; i < 6; i++)
		qmask[i] = q->mask[i] & width, qvalue[i] = q->value[i] & width;
	if (nr >= 0)
		decided = walk_calls(filters, n, abi, nr, qmask, qvalue, NULL, &a);
	const char *mux = NULL;
	uint64_t mask[6] = { 0 }, value[6] = { 0 };
	int mnr = multiplexed(abi, q->name, &mux, &mask[0], &value[0]);
	if (mnr >= 0)
		decided = walk_calls(filters, n, abi, mnr, mask, value, mux, &a) && decided;
	if (a.cls != SH_SCAN_NO_CALL)
		a.cls = class_of(a.ret);
	if (!decided && a.cls != SH_SCAN_ALLOWED)
		a.cls = SH_SCAN_UNDECIDED; /* a path not followed may answer less restrictively */
	return a;
}

sh_scan_answer sh_scan_answer_query(const sh_bpf *filters, size_t n, sh_seccomp_mode mode, uint32_t abi,
				    const sh_scan_query *q)
{
	int nr = sh_syscall_number(abi, q->name);
	const char *mux = NULL;
	uint64_t mask0, call;
	bool exists = nr >= 0 || multiplexed(abi, q->name, &mux, &mask0, &call) >= 0;
	sh_scan_answer a = { .cls = SH_SCAN_NO_CALL };
	if (!exists)
		return a;
	switch (mode) {
	case SH_SECCOMP_NONE:
		return (sh_scan_answer){ .cls = SH_SCAN_ALLOWED, .ret = SECCOMP_RET_ALLOW };
	case SH_SECCOMP_STRICT: /* read, write, exit and sigreturn; anything else kills */
		return in_strict_set(q->name) ? (sh_scan_answer){ .cls = SH_SCAN_ALLOWED, .ret = SECCOMP_RET_ALLOW }
					      : (sh_scan_answer){ .cls = SH_SCAN_REFUSED, .ret = SECCOMP_RET_KILL_THREAD };
	case SH_SECCOMP_UNKNOWN:
		return (sh_scan_answer){ .cls = SH_SCAN_UNDECIDED };
	case SH_SECCOMP_FILTER:
		break;
	}
	if (n > SH_REACH_MAX_PROGS)
		return (sh_scan_answer){ .cls = SH_SCAN_UNDECIDED };
	return answer_filtered(filters, n, abi, q);
}

/* ---- every process -------------------------------------------------------------------------------- */

const char *sh_scan_class_name(sh_scan_class c)
{
	static const char *const names[] = { [SH_SCAN_ALLOWED] = "allowed", [SH_SCAN_HANDED] = "handed",
					     [SH_SCAN_REFUSED] = "refused", [SH_SCAN_NO_CALL] = "no-call",
					     [SH_SCAN_UNDECIDED] = "undecided" };
	return (size_t)c < SH_ARRAY_SIZE(names) ? names[c] : "?";
}

/* A process is exposed when some query may run on an ABI this kernel runs (allowed, handed to
 * another process, or not decided: what cannot be shown refused counts), or, with no query, when it
 * runs no filter at all. */
static bool exposed(const sh_scan *s, const sh_scan_proc *p)
{
	if (!s->nqueries)
		return p->mode == SH_SECCOMP_NONE || p->mode == SH_SECCOMP_UNKNOWN;
	for (size_t q = 0; q < s->nqueries; q++)
		for (size_t k = 0; k < s->nabis; k++) {
			sh_scan_class c = p->answers[q * s->nabis + k].cls;
			if (s->abis[k].enabled && (c == SH_SCAN_ALLOWED || c == SH_SCAN_HANDED || c == SH_SCAN_UNDECIDED))
				return true;
		}
	return false;
}

static void decide_proc(sh_scan *s, sh_scan_proc *p)
{
	free(p->answers);
	p->answers = sh_xcalloc(s->nqueries * s->nabis + 1, sizeof(*p->answers));
	for (size_t q = 0; q < s->nqueries; q++)
		for (size_t k = 0; k < s->nabis; k++)
			p->answers[q * s->nabis + k] =
				sh_scan_answer_query(p->filters, p->nfilters, p->mode, s->abis[k].arch, &s->queries[q]);
	p->exposed = exposed(s, p);
	s->processes++;
	s->exposed += p->exposed;
	s->unreadable += p->mode == SH_SECCOMP_UNKNOWN;
}

void sh_scan_decide(sh_scan *s)
{
	s->processes = s->exposed = s->unreadable = 0;
	for (size_t i = 0; i < s->ncs; i++) {
		sh_scan_container *c = &s->cs[i];
		s->unreadable += c->error != NULL;
		for (size_t k = 0; k < c->nprocs; k++)
			decide_proc(s, &c->procs[k]);
	}
}

static void free_proc(sh_scan_proc *p)
{
	free(p->tids);
	for (size_t i = 0; i < p->nfilters; i++)
		sh_bpf_free(&p->filters[i]);
	free(p->filters);
	free(p->digests);
	free(p->error);
	free(p->answers);
}

void sh_scan_free_container(sh_scan_container *c)
{
	char *strs[] = { c->engine, c->runtime, c->root, c->id, c->name, c->pod, c->ns, c->bundle, c->status, c->error };
	for (size_t i = 0; i < SH_ARRAY_SIZE(strs); i++)
		free(strs[i]);
	for (size_t i = 0; i < c->nprocs; i++)
		free_proc(&c->procs[i]);
	free(c->procs);
}

void sh_scan_free(sh_scan *s)
{
	for (size_t i = 0; i < s->nqueries; i++)
		sh_scan_query_free(&s->queries[i]);
	free(s->queries);
	for (size_t i = 0; i < s->ncs; i++)
		sh_scan_free_container(&s->cs[i]);
	free(s->cs);
	*s = (sh_scan){ 0 };
}

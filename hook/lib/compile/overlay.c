/* Overlays: finding and checking them, their program, and the proof of a composition (overlay.h). */
#include "config.h"
#include "overlay.h"
#include "compose.h"
#include "lookup.h"
#include "json.h"
#include "names.h"
#include "sha256.h"
#include "startcalls.h"
#include "translate.h"
#include "within.h"
#include "util.h"

#include <ctype.h>
#include <inttypes.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- finding and checking ------------------------------------------------------------------------ */

bool sh_overlay_arg_valid(const char *arg)
{
	if (!*arg)
		return false;
	for (const char *s = arg; *s; s++)
		if (isspace((unsigned char)*s) || *s == ',')
			return false;
	return true;
}

int sh_overlay_find(const char *arg, const char *dir, char **path, sh_error **err)
{
	if (!sh_overlay_arg_valid(arg))
		return sh_error_set(err, SH_EXIT_INVALID, "invalid overlay '%.64s' (a NAME, or a path without spaces or ',')", arg);
	size_t n = strlen(arg);
	if (strchr(arg, '/') || (n > 5 && strcmp(arg + n - 5, ".json") == 0)) {
		*path = sh_xstrdup(arg);
		return 0;
	}
	cleanup_free char *sub = dir ? sh_xasprintf("%s/" SH_OVERLAYS_SUBDIR, dir) : NULL;
	if (sub)
		return sh_profile_find(arg, sub, path, err);
	/* The installed directories, in the order profiles are looked up. */
	const char *dirs[] = { SH_SYSCONFDIR "/profiles/" SH_OVERLAYS_SUBDIR, SH_DATADIR "/profiles/" SH_OVERLAYS_SUBDIR };
	for (size_t i = 0; i < SH_ARRAY_SIZE(dirs); i++) {
		cleanup_free char *file = sh_xasprintf("%s/%s.json", dirs[i], arg);
		if (i + 1 < SH_ARRAY_SIZE(dirs) && access(file, F_OK) < 0)
			continue;
		return sh_profile_find(arg, dirs[i], path, err);
	}
	return -1;
}

int sh_overlay_check(const sh_profile *p, sh_diag *d, sh_error **err)
{
	if (p->default_action != SH_ACT_ALLOW)
		return sh_error_at(err, SH_EXIT_INVALID, p->file, p->default_loc.line, p->default_loc.col,
				   "an overlay allows what it does not deny: defaultAction must be SCMP_ACT_ALLOW, not %s",
				   sh_action_name(p->default_action));
	if (p->listener_path)
		return sh_error_at(err, SH_EXIT_INVALID, p->file, 0, 0, "an overlay has no listener (listenerPath)");
	for (size_t i = 0; i < p->nrules; i++) {
		const sh_rule *r = &p->rules[i];
		if (r->action == SH_ACT_ALLOW || r->action == SH_ACT_LOG || r->action == SH_ACT_NOTIFY)
			return sh_error_at(err, SH_EXIT_INVALID, p->file, r->action_loc.line, r->action_loc.col,
					   "syscalls[%zu]: an overlay only denies: %s is not one of KILL, KILL_THREAD, "
					   "KILL_PROCESS, TRAP, ERRNO, TRACE", i, sh_action_name(r->action));
	}
	if (d && (p->narches || p->narchmap))
		sh_diag_add(d, SH_SEV_WARNING, p->file, 0, 0, "overlay-arches",
			    "an overlay covers the architectures of the filter it is stacked on: its own are not used");
	if (d && p->has_flags)
		sh_diag_add(d, SH_SEV_WARNING, p->file, 0, 0, "overlay-flags",
			    "an overlay is installed with the flags of the filter it is stacked on: its own are not used");
	return 0;
}

/* Read, hashed, parsed and checked; 1 when the same file was loaded already. */
static int load_one(sh_overlay_set *s, const char *arg, const char *dir, sh_sha256 *h, sh_diag *d,
		    sh_error **err)
{
	cleanup_free char *path = NULL, *raw = NULL;
	size_t len = 0;
	if (sh_overlay_find(arg, dir, &path, err) < 0 ||
	    sh_read_file_limited(path, sh_json_default_limits.max_bytes, &raw, &len, err) < 0)
		return -1;
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->p[i]->file, path) == 0)
			return 1;
	sh_sha256_update(h, path, strlen(path) + 1);
	sh_sha256_update(h, raw, len);
	sh_profile *p = NULL;
	if (sh_profile_load_buffer(raw, len, path, &p, d, err) < 0)
		return -1;
	s->p[s->n++] = p;
	return sh_overlay_check(p, d, err);
}

int sh_overlay_set_load(const char *const *args, size_t n, const char *dir, sh_overlay_set *out, sh_diag *d,
			sh_error **err)
{
	memset(out, 0, sizeof(*out));
	out->p = sh_xcalloc(n + 1, sizeof(*out->p));
	sh_sha256 h;
	sh_sha256_init(&h);
	for (size_t i = 0; i < n; i++) {
		int r = load_one(out, args[i], dir, &h, d, err);
		if (r < 0) {
			sh_overlay_set_free(out);
			return sh_error_prefix(err, "overlay '%.64s'", args[i]);
		}
		if (r == 0) {
			char *names = sh_xasprintf("%s%s%s", out->names ? out->names : "", out->names ? "," : "", args[i]);
			free(out->names);
			out->names = names;
		}
	}
	uint8_t sum[32];
	sh_sha256_final(&h, sum);
	sh_hex(sum, sizeof sum, out->digest);
	return 0;
}

void sh_overlay_set_free(sh_overlay_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		sh_profile_free(s->p[i]);
	free(s->p);
	free(s->names);
	memset(s, 0, sizeof(*s));
}

/* Two rules that name one syscall and can meet the same call with different answers. */
static bool conflict(const sh_rrule *a, const sh_rrule *b)
{
	if (sh_action_ret(a->action, a->errno_ret) == sh_action_ret(b->action, b->errno_ret))
		return false;
	bool common = false;
	for (size_t k = 0; k < a->origin->nnames && !common; k++)
		common = sh_rule_names(b->origin, a->origin->names[k]);
	return common && sh_rules_overlap(a->origin, b->origin);
}

static int check_conflicts(const sh_ruleset *rs, const sh_profile *const *p, size_t n, sh_error **err)
{
	for (size_t i = 0; i < rs->nrules; i++)
		for (size_t j = i + 1; j < rs->nrules; j++) {
			if (!conflict(&rs->rules[i], &rs->rules[j]))
				continue;
			const sh_rule *a = rs->rules[i].origin, *b = rs->rules[j].origin;
			const char *fa = "?", *fb = "?";
			for (size_t k = 0; k < n; k++) {
				if (a >= p[k]->rules && a < p[k]->rules + p[k]->nrules)
					fa = p[k]->file;
				if (b >= p[k]->rules && b < p[k]->rules + p[k]->nrules)
					fb = p[k]->file;
			}
			return sh_error_at(err, SH_EXIT_INVALID, fb, b->loc.line, b->loc.col,
					   "syscalls[%zu] and %s syscalls[%zu] can both decide one call with different "
					   "answers; give them one action or conditions that exclude each other",
					   b->index, fa, a->index);
		}
	return 0;
}

int sh_overlay_merge(const sh_profile *const *p, size_t n, const sh_target *t, const uint32_t *arches,
		     size_t narches, sh_ruleset **out, sh_error **err)
{
	sh_target on = *t;
	on.arches = arches;
	on.narches = narches;
	sh_ruleset *m = NULL;
	for (size_t i = 0; i < n; i++) {
		sh_ruleset *rs = NULL;
		sh_resolve(p[i], &on, &rs, NULL, NULL);
		if (!m) {
			m = rs;
			m->flags_given = false; /* the base's flags, or a runtime's default when there is none */
			m->flags = 0;
			continue;
		}
		m->rules = sh_xreallocarray(m->rules, m->nrules + rs->nrules + 1, sizeof(sh_rrule));
		if (rs->nrules)
			memcpy(m->rules + m->nrules, rs->rules, rs->nrules * sizeof(sh_rrule));
		m->nrules += rs->nrules;
		sh_ruleset_free(rs);
	}
	if (m && check_conflicts(m, p, n, err) < 0) {
		sh_ruleset_free(m);
		return -1;
	}
	*out = m;
	return 0;
}

/* ---- the overlay's program ----------------------------------------------------------------------- */

/* Whether a call of the multiplexer reaches the filter on some of the rule set's arches. */
static bool has_mux(const sh_ruleset *rs, const char *mux)
{
	uint32_t arches[SH_MAX_ARCHES + 1];
	size_t n = sh_arch_callers(rs->arches, rs->narches, arches);
	for (size_t a = 0; a < n; a++)
		if (seccomp_syscall_resolve_name_arch(arches[a], mux) >= 0)
			return true;
	return false;
}

static bool names_any(const sh_ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->nrules; i++)
		if (sh_rule_names(rs->rules[i].origin, name))
			return true;
	return false;
}

/* The multiplexers the overlay's program can leave alone (into out, NULL-terminated): those its
 * arches have and its rules do not name. */
static size_t left_alone(const sh_ruleset *overlay, const char **out)
{
	static const char *const muxes[] = { "socketcall", "ipc" };
	size_t n = 0;
	for (size_t i = 0; i < SH_ARRAY_SIZE(muxes); i++)
		if (!names_any(overlay, muxes[i]) && has_mux(overlay, muxes[i]))
			out[n++] = muxes[i];
	out[n] = NULL;
	return n;
}

/* libseccomp refuses a rule whose action is the default: the program is built with SCMP_ACT_LOG as
 * its default and ALLOW for the multiplexers, then every LOG return (no overlay rule logs) becomes
 * ALLOW. The same program, without the multiplexed forms of the overlay's rules. */
static int program_leaving(const sh_ruleset *overlay, const char *const *muxes, size_t n, sh_bpf *out, sh_error **err)
{
	sh_ruleset rs = *overlay;
	sh_rule allow = { .names = (char **)muxes, .nnames = n, .action = SH_ACT_ALLOW };
	rs.default_action = SH_ACT_LOG;
	rs.rules = sh_xcalloc(overlay->nrules + 1, sizeof(sh_rrule));
	rs.rules[0] = (sh_rrule){ .origin = &allow, .action = SH_ACT_ALLOW };
	if (overlay->nrules)
		memcpy(rs.rules + 1, overlay->rules, overlay->nrules * sizeof(sh_rrule));
	rs.nrules = overlay->nrules + 1;
	rs.own_rules = NULL;
	rs.nown = 0;
	int r = sh_translate_bpf(&rs, NULL, out, NULL, err);
	free(rs.rules);
	for (size_t i = 0; r == 0 && i < out->len; i++)
		if (out->insns[i].code == (BPF_RET | BPF_K) && out->insns[i].k == SECCOMP_RET_LOG)
			out->insns[i].k = SECCOMP_RET_ALLOW;
	return r;
}

int sh_overlay_program(const sh_ruleset *overlay, bool leave_muxes, sh_bpf *out, sh_error **err)
{
	const char *muxes[3];
	size_t n = leave_muxes ? left_alone(overlay, muxes) : 0;
	return n ? program_leaving(overlay, muxes, n, out, err) : sh_translate_bpf(overlay, NULL, out, NULL, err);
}

bool sh_overlay_has_forms(const sh_ruleset *overlay)
{
	const char *muxes[3];
	return left_alone(overlay, muxes) > 0;
}

const char *sh_overlay_blocks_loader(const sh_engine *overlay, const sh_start_config *sc)
{
	/* Installing the container's program: capget (whether no_new_privs is needed), prctl, seccomp;
	 * with a listener, fstat of its socket, and sendmsg, read and close to hand it over. */
	static const char *const between[] = { "capget", "prctl", "seccomp", "fstat", "sendmsg", "read", "close" };
	for (size_t i = 0; i < SH_ARRAY_SIZE(between); i++)
		if (!sh_engine_allows_whole(overlay, between[i]))
			return between[i];
	const char *missing[64];
	size_t n = sh_start_missing(overlay, sh_arch_native(), SH_INSTALLER_LOADER, sc, SH_START_NEEDED, missing,
				    SH_ARRAY_SIZE(missing));
	return n ? missing[0] : NULL;
}

/* ---- the proof ------------------------------------------------------------------------------------ */

/* Values to try for each argument of one call. */
typedef struct probes {
	uint64_t *v[6]; /* tried in every combination */
	size_t n[6], cap[6];
	uint64_t (*extra)[6]; /* tried as they are */
	size_t nextra, cap_extra;
} probes;

#define PROBE_VECTORS_MAX (1u << 18)

static void probe_add(probes *p, unsigned i, uint64_t v)
{
	for (int high = 0; high < 2; high++) { /* a 32-bit ABI compares only the low half */
		uint64_t x = high ? v ^ ~(uint64_t)UINT32_MAX : v;
		for (size_t k = 0; k < p->n[i]; k++)
			if (p->v[i][k] == x)
				goto next;
		sh_grow(&p->v[i], &p->cap[i], p->n[i], sizeof(uint64_t));
		p->v[i][p->n[i]++] = x;
next:;
	}
}

/* The boundaries of a condition: its value and its neighbours (also in the low half), or for a
 * masked equality its bits, every free bit set, and each masked bit flipped: that lands in every
 * region of the complement of its values, so in every region a composition cut from it. */
static void probe_condition(probes *p, const sh_arg *a)
{
	unsigned i = a->index;
	if (a->op != SH_OP_MASKED_EQ) {
		uint64_t lo = a->value & UINT32_MAX;
		uint64_t vals[] = { a->value - 1, a->value, a->value + 1, lo - 1, lo, lo + 1 };
		for (size_t k = 0; k < SH_ARRAY_SIZE(vals); k++)
			probe_add(p, i, vals[k]);
		return;
	}
	probe_add(p, i, a->value_two);
	probe_add(p, i, a->value_two | ~a->value);
	for (int b = 0; b < 64; b++)
		if (a->value >> b & 1)
			probe_add(p, i, a->value_two ^ UINT64_C(1) << b);
}

/* The rules of a rule set that can decide a call of `name`: its own, and for a multiplexer also
 * those of the names it multiplexes. */
static void probe_rules(probes *p, const sh_ruleset *rs, const char *name)
{
	bool family = strcmp(name, "socketcall") == 0 || strcmp(name, "ipc") == 0;
	for (size_t i = 0; rs && i < rs->nrules; i++) {
		const sh_rule *r = rs->rules[i].origin;
		bool mine = sh_rule_names(r, name);
		for (size_t k = 0; family && !mine && k < r->nnames; k++) {
			const char *mux = sh_syscall_multiplexer(r->names[k]);
			mine = mux && strcmp(mux, name) == 0;
		}
		for (size_t k = 0; mine && k < r->nargs; k++)
			probe_condition(p, &r->args[k]);
	}
	for (unsigned call = 0; family && call <= 25; call++) /* the multiplexer's call numbers */
		probe_add(p, 0, call);
}

static void probes_free(probes *p)
{
	for (int i = 0; i < 6; i++)
		free(p->v[i]);
	free(p->extra);
}

/* A call inside each region of the composed rules for `name` (each condition at its value, then at
 * its value with every free bit set or one above it, each also with the upper half flipped): a
 * region cut wrongly is met there, whatever the other profiles' boundaries. */
static void probe_regions(probes *p, const sh_ruleset *rs, const char *name)
{
	for (size_t i = 0; rs && i < rs->nrules; i++) {
		const sh_rule *r = rs->rules[i].origin;
		if (!sh_rule_names(r, name) || !r->nargs || sh_rule_index_repeats(r))
			continue;
		for (int form = 0; form < 4; form++) {
			sh_grow(&p->extra, &p->cap_extra, p->nextra, sizeof(*p->extra));
			uint64_t *v = p->extra[p->nextra++];
			memset(v, 0, 6 * sizeof(uint64_t));
			for (size_t k = 0; k < r->nargs; k++) {
				const sh_arg *a = &r->args[k];
				uint64_t x = a->op == SH_OP_MASKED_EQ ? a->value_two | (form & 1 ? ~a->value : 0)
								       : a->value + (form & 1);
				v[a->index] = form & 2 ? x ^ ~(uint64_t)UINT32_MAX : x;
			}
		}
	}
}

typedef struct prove_ctx {
	const sh_engine *e[3]; /* base (may be NULL), overlay, composed */
	sh_overlay_miss *miss;
	/* sh_overlay_enforced: the filters a process runs (newest first), held to e[1]'s denials */
	const sh_bpf *filters;
	size_t nfilters;
} prove_ctx;

static uint32_t run(const sh_engine *e, const sh_seccomp_data *d, bool *by_args)
{
	if (!e || !e->rs)
		return SECCOMP_RET_ALLOW;
	sh_answer a = sh_engine_run(e, d);
	*by_args |= a.by_args;
	return a.ret;
}

/* What filters (oldest first) stacked answer, as the kernel runs them: from the newest on. */
static uint32_t run_stacked(const sh_bpf *f, size_t n, const sh_seccomp_data *d, bool *by_args)
{
	uint32_t ret = SECCOMP_RET_ALLOW;
	for (size_t i = n; i-- > 0;) {
		sh_bpf_trace t;
		uint32_t r = sh_bpf_run_traced(f[i].insns, f[i].len, d, &t);
		*by_args |= (t.loaded & SH_BPF_WORDS_BEYOND_ARCH) != 0;
		ret = i == n - 1 ? r : sh_bpf_stack(ret, r);
	}
	return ret;
}

/* 1 (and *miss) when the composed program answers the call unlike the stack; for enforcement, when
 * the overlay's answer is more restrictive than the filters'. */
static int check_call(const prove_ctx *c, uint32_t arch, int nr, const uint64_t args[6], bool *by_args)
{
	sh_seccomp_data d = sh_call_data(arch, nr, args);
	uint32_t want, got;
	if (c->filters) {
		want = run(c->e[1], &d, by_args);
		got = run_stacked(c->filters, c->nfilters, &d, by_args);
		if (sh_bpf_stack(got, want) == got)
			return 0;
	} else {
		want = sh_bpf_stack(run(c->e[0], &d, by_args), run(c->e[1], &d, by_args));
		got = run(c->e[2], &d, by_args);
	}
	if (want == got)
		return 0;
	*c->miss = (sh_overlay_miss){ .arch = arch, .nr = nr, .want = want, .got = got };
	memcpy(c->miss->args, args, sizeof(c->miss->args));
	return 1;
}

/* Every combination of the probes of the arguments that have some. */
static int check_vectors(const prove_ctx *c, uint32_t arch, int nr, const probes *p, unsigned i, uint64_t args[6])
{
	if (i == 6) {
		bool ignored = false;
		return check_call(c, arch, nr, args, &ignored);
	}
	if (!p->n[i])
		return check_vectors(c, arch, nr, p, i + 1, args);
	for (size_t k = 0; k < p->n[i]; k++) {
		args[i] = p->v[i][k];
		if (check_vectors(c, arch, nr, p, i + 1, args))
			return 1;
	}
	args[i] = 0;
	return 0;
}

static int check_number(const prove_ctx *c, uint32_t arch, int nr, sh_error **err)
{
	uint64_t args[6] = { 0 };
	bool by_args = false;
	if (check_call(c, arch, nr, args, &by_args))
		return 1;
	if (!by_args) /* no program looked at an argument: every call of the number goes that way */
		return 0;
	cleanup_free char *name = seccomp_syscall_resolve_num_arch(arch, nr);
	probes p = { 0 };
	for (int k = 0; k < 2 && name; k++)
		probe_rules(&p, c->e[k] ? c->e[k]->rs : NULL, name);
	if (name && c->e[2])
		probe_regions(&p, c->e[2]->rs, name);
	probe_add(&p, 0, 0);
	size_t total = 1;
	for (int i = 0; i < 6; i++)
		total = p.n[i] && total <= PROBE_VECTORS_MAX ? total * p.n[i] : total;
	int r = total > PROBE_VECTORS_MAX ? sh_error_set(err, SH_EXIT_INVALID, "the stacked filters of %s cannot be "
							  "checked: %zu argument combinations to try", name, total)
					  : check_vectors(c, arch, nr, &p, 0, args);
	for (size_t k = 0; r == 0 && k < p.nextra; k++) {
		bool ignored = false;
		r = check_call(c, arch, nr, p.extra[k], &ignored);
	}
	probes_free(&p);
	return r;
}

/* Every number of every arch whose calls reach c's filters. */
static int check_numbers(const prove_ctx *c, const sh_ruleset *rs, sh_error **err)
{
	uint32_t arches[SH_MAX_ARCHES + 1];
	size_t n = sh_arch_callers(rs->arches, rs->narches, arches);
	for (size_t a = 0; a < n; a++) {
		sh_nr_range ranges[SH_NR_RANGES_MAX];
		size_t nr_ranges = sh_arch_nr_ranges(arches[a], ranges);
		for (size_t k = 0; k < nr_ranges; k++)
			for (uint32_t i = 0; i < ranges[k].count; i++) {
				int r = check_number(c, arches[a], (int)(ranges[k].first + i), err);
				if (r != 0)
					return r;
			}
	}
	return 0;
}

int sh_overlay_prove(const sh_engine *base, const sh_engine *overlay, const sh_engine *composed, sh_overlay_miss *miss,
		     sh_error **err)
{
	prove_ctx c = { .e = { base, overlay, composed }, .miss = miss };
	return check_numbers(&c, composed->rs, err);
}

/* The joint walk on q: 1 with *miss, its first counterexample (want: b's answer, got: a's), when it
 * finds one; 0 when it holds or cannot tell. */
static int walk_miss(const sh_within_query *q, sh_overlay_miss *miss)
{
	sh_within_result res;
	bool fails = sh_within(q, &res) == SH_WITHIN_FAILS && res.ncex > 0;
	if (fails) {
		const sh_within_cex *x = &res.cex[0];
		*miss = (sh_overlay_miss){ .arch = x->abi, .nr = x->call.nr, .want = x->b, .got = x->a };
		memcpy(miss->args, x->call.args, sizeof(miss->args));
	}
	sh_within_result_free(&res);
	return fails;
}

/* The joint walk (within.h) on the enforcement question: 1 with *miss when it finds a call the
 * filters (oldest first) answer less restrictively than the overlay; 0 when none, or it cannot tell. */
static int walk_enforced(const sh_engine *overlay, const sh_bpf *filters, size_t n, sh_overlay_miss *miss)
{
	cleanup_free sh_bpf *newest_first = sh_xcalloc(n + 1, sizeof(sh_bpf));
	for (size_t i = 0; i < n; i++)
		newest_first[i] = filters[n - 1 - i];
	uint32_t abis[2 * SH_MAX_ARCHES + 1];
	size_t nabis = sh_rulesets_abis(overlay->rs, overlay->rs, abis);
	sh_within_query q = { .a = newest_first, .na = n, .b = &overlay->prog, .nb = 1, .abis = abis, .nabis = nabis,
			      .order = SH_WITHIN_RESTRICTIVE };
	return walk_miss(&q, miss);
}

int sh_overlay_enforced(const sh_engine *overlay, const sh_bpf *filters, size_t n, sh_overlay_miss *miss,
			sh_error **err)
{
	prove_ctx c = { .e = { NULL, overlay, NULL }, .miss = miss, .filters = filters, .nfilters = n };
	int r = check_numbers(&c, overlay->rs, err);
	return r == 0 && n ? walk_enforced(overlay, filters, n, miss) : r;
}

char *sh_overlay_miss_text(const sh_overlay_miss *m)
{
	char want[48], got[48];
	cleanup_free char *name = seccomp_syscall_resolve_num_arch(m->arch, m->nr);
	cleanup_free char *call = name ? sh_xstrdup(name) : sh_xasprintf("#%d", m->nr);
	return sh_xasprintf("on %s %s(%#" PRIx64 ", %#" PRIx64 ", %#" PRIx64 ", %#" PRIx64 ", %#" PRIx64 ", %#" PRIx64
			    "): the stacked filters answer %s, one filter %s",
			    sh_arch_scmp_name(m->arch), call, m->args[0], m->args[1], m->args[2], m->args[3], m->args[4],
			    m->args[5], sh_ret_name(m->want, want, sizeof want), sh_ret_name(m->got, got, sizeof got));
}

/* The joint walk (within.h) on the question the probes answered: does the composed program give every
 * call the very answer of the stack (the base's program newest, the overlay's under it)? 1 with *miss
 * when it finds a call the probes did not try; 0 when it holds, or cannot tell (the probes' answer
 * stands then). */
static int walk_same(const sh_engine *eb, const sh_bpf *overlay, const sh_engine *ec, sh_overlay_miss *miss)
{
	sh_bpf stack[2];
	size_t n = 0;
	if (eb)
		stack[n++] = eb->prog;
	stack[n++] = *overlay;
	uint32_t abis[2 * SH_MAX_ARCHES + 1];
	size_t nabis = sh_rulesets_abis(ec->rs, ec->rs, abis);
	sh_within_query q = { .a = &ec->prog, .na = 1, .b = stack, .nb = n, .abis = abis, .nabis = nabis,
			      .order = SH_WITHIN_SAME };
	return walk_miss(&q, miss);
}

/* The composed rule set proven against the overlay's program in one of its forms: 0, 1 (*miss: the
 * first call it answers otherwise), -1. */
static int prove_form(const sh_ruleset *base, const sh_engine *eb, const sh_ruleset *overlay, bool leave,
		      const sh_engine *ec, sh_bpf *prog, sh_overlay_miss *miss, sh_error **err)
{
	sh_engine eo = { .rs = overlay };
	int r = sh_overlay_program(overlay, leave, &eo.prog, err);
	if (r == 0)
		r = sh_overlay_prove(base ? eb : NULL, &eo, ec, miss, err);
	if (r == 0)
		r = walk_same(base ? eb : NULL, &eo.prog, ec, miss);
	if (r == 0 && prog)
		*prog = eo.prog;
	else
		sh_bpf_free(&eo.prog);
	return r;
}

/* The overlay's program leaving the multiplexers to the base where it can, else libseccomp's: the
 * form the composed program answers as. */
static int prove_forms(const sh_ruleset *base, const sh_ruleset *overlay, const sh_ruleset *composed, sh_bpf *prog,
		       sh_error **err)
{
	sh_engine eb = { 0 }, ec = { 0 };
	sh_overlay_miss miss, other;
	eb.rs = base;
	ec.rs = composed;
	int r = base ? sh_translate_bpf(base, NULL, &eb.prog, NULL, err) : 0;
	if (r == 0 && sh_translate_bpf(composed, NULL, &ec.prog, NULL, err) < 0)
		r = sh_error_prefix(err, "the overlay cannot be written into the profile's one filter");
	bool leave = r == 0 && sh_overlay_has_forms(overlay);
	if (r == 0)
		r = prove_form(base, &eb, overlay, leave, &ec, prog, &miss, err);
	if (r == 1 && leave && prove_form(base, &eb, overlay, false, &ec, prog, &other, NULL) == 0)
		r = 0;
	if (r == 1) {
		cleanup_free char *why = sh_overlay_miss_text(&miss);
		r = sh_error_set(err, SH_EXIT_INVALID, "the overlay cannot be written into the profile's one filter: %s", why);
	}
	sh_engine_fini(&eb);
	sh_engine_fini(&ec);
	return r;
}

int sh_overlay_stack(const sh_ruleset *base, const sh_ruleset *overlay, sh_ruleset **out, sh_bpf *prog,
		     sh_error **err)
{
	sh_ruleset *composed = NULL;
	if (sh_compose(base, overlay, &composed, err) < 0)
		return -1;
	if (prove_forms(base, overlay, composed, prog, err) < 0) {
		sh_ruleset_free(composed);
		return -1;
	}
	*out = composed;
	return 0;
}

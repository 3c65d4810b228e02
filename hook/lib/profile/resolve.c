/* Profile -> rule set for one container, following moby's profiles/seccomp: archMap picks the
 * native entry, excludes are tested before includes, caps and arches and minKernel decide. */
#include "config.h"
#include "resolve.h"
#include "names.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#define SH_CAP_LAST 40 /* CAP_CHECKPOINT_RESTORE */

int sh_kernel_parse(const char *s, unsigned *major, unsigned *minor)
{
	/* "X.Y" then anything (uname's "6.18.44-fc"); strtoul, not sscanf: no scanf in a hook run. */
	if (!s || s[0] < '0' || s[0] > '9')
		return -1;
	char *end;
	errno = 0;
	unsigned long a = strtoul(s, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9')
		return -1;
	unsigned long b = strtoul(end + 1, &end, 10);
	if (errno || a > UINT_MAX || b > UINT_MAX)
		return -1;
	*major = (unsigned)a;
	*minor = (unsigned)b;
	return 0;
}

int sh_caps_bounding(uint64_t *caps, sh_error **err)
{
	FILE *f = fopen("/proc/self/status", "re");
	if (!f)
		return sh_error_errno(err, errno, "/proc/self/status");
	char line[256];
	int found = -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "CapBnd: %" SCNx64, caps) == 1) {
			found = 0;
			break;
		}
	fclose(f);
	if (found < 0)
		return sh_error_set(err, SH_EXIT_SYSTEM, "/proc/self/status: no CapBnd line");
	return 0;
}

int sh_caps_parse(const char *s, uint64_t *caps, sh_error **err)
{
	if (strcmp(s, "all") == 0) {
		*caps = (UINT64_C(1) << (SH_CAP_LAST + 1)) - 1;
		return 0;
	}
	*caps = 0;
	if (strcmp(s, "none") == 0 || s[0] == 0)
		return 0;
	size_t n;
	char **v = sh_split_commas(s, &n);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i], "docker") == 0) { /* a set name among the others: docker,CAP_SYS_ADMIN */
			*caps |= SH_DOCKER_DEFAULT_CAPS;
			continue;
		}
		int cap = sh_cap_from_name(v[i]);
		if (cap < 0) {
			sh_error_set(err, SH_EXIT_SYSTEM, "--caps: unknown capability '%s'", v[i]);
			sh_strv_free(v);
			return -1;
		}
		*caps |= UINT64_C(1) << cap;
	}
	sh_strv_free(v);
	return 0;
}

int sh_caps_option(const char *s, uint64_t bounding, uint64_t *caps, bool *caller, sh_error **err)
{
	*caller = s && strcmp(s, "caller") == 0;
	if (*caller) {
		*caps = bounding;
		return 0;
	}
	if (!s) {
		*caps = SH_DOCKER_DEFAULT_CAPS;
		return 0;
	}
	return sh_caps_parse(s, caps, err);
}

/* Names a capability set the way --caps spells it, so a summary reads back as an option value. */
static void caps_list(FILE *f, uint64_t caps, const char *sep, bool first)
{
	for (int cap = 0; cap <= SH_CAP_MAX; cap++) {
		if (!(caps & (UINT64_C(1) << cap)))
			continue;
		const char *name = sh_cap_name(cap);
		fprintf(f, "%s%s", first ? "" : sep, name ? name : "?");
		if (!name)
			fprintf(f, "%d", cap);
		first = false;
	}
}

char *sh_caps_describe(uint64_t caps)
{
	const uint64_t all = (UINT64_C(1) << (SH_CAP_LAST + 1)) - 1;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return sh_xstrdup("?");
	if (caps == 0 || caps == all) {
		fputs(caps ? "all" : "none", f);
	} else if ((caps & all) == caps && __builtin_popcountll(all & ~caps) <= 4) {
		fputs("all but ", f); /* a root bounding set short of one or two: name what is missing */
		caps_list(f, all & ~caps, ",", true);
	} else if ((caps & SH_DOCKER_DEFAULT_CAPS) == SH_DOCKER_DEFAULT_CAPS) {
		fputs("docker default", f);
		caps_list(f, caps & ~SH_DOCKER_DEFAULT_CAPS, "+", false);
	} else {
		caps_list(f, caps, ",", true);
	}
	fprintf(f, " (0x%" PRIx64 ")", caps);
	fclose(f);
	return buf;
}

int sh_arches_parse(const char *s, uint32_t *out, size_t max, size_t *n, sh_error **err)
{
	size_t count;
	char **v = sh_split_commas(s, &count);
	*n = 0;
	int r = 0;
	for (size_t i = 0; i < count && r == 0; i++) {
		uint32_t a = sh_arch_from_name(v[i]);
		if (!a)
			r = sh_error_set(err, SH_EXIT_SYSTEM, "--arch: unknown architecture '%s'", v[i]);
		else if (*n >= max)
			r = sh_error_set(err, SH_EXIT_SYSTEM, "--arch: more than %zu architectures", max);
		else
			out[(*n)++] = a;
	}
	if (r == 0 && *n == 0)
		r = sh_error_set(err, SH_EXIT_SYSTEM, "--arch: no architecture given");
	sh_strv_free(v);
	return r;
}

int sh_target_init(sh_target *t, bool own_caps, sh_error **err)
{
	memset(t, 0, sizeof(*t));
	t->native_arch = sh_arch_native();
	if (own_caps && sh_caps_bounding(&t->caps, err) < 0)
		return -1;
	struct utsname u;
	if (uname(&u) < 0)
		return sh_error_errno(err, errno, "uname");
	if (sh_kernel_parse(u.release, &t->kmajor, &t->kminor) < 0)
		return sh_error_set(err, SH_EXIT_SYSTEM, "cannot parse kernel release '%s'", u.release);
	return 0;
}

static void add_arch(sh_ruleset *rs, uint32_t a)
{
	for (size_t i = 0; i < rs->narches; i++)
		if (rs->arches[i] == a)
			return;
	if (rs->narches < SH_MAX_ARCHES)
		rs->arches[rs->narches++] = a;
}

/* What a runtime would load: native + (archMap entry of native: its subArchitectures | architectures). */
static void resolve_arches(const sh_profile *p, const sh_target *t, uint32_t native, sh_ruleset *rs)
{
	if (t->arches) {
		for (size_t i = 0; i < t->narches; i++)
			add_arch(rs, t->arches[i]);
		return;
	}
	add_arch(rs, native);
	for (size_t i = 0; i < p->narchmap; i++)
		if (p->archmap[i].arch == native)
			for (size_t k = 0; k < p->archmap[i].nsubs; k++)
				add_arch(rs, p->archmap[i].subs[k]);
	for (size_t i = 0; i < p->narches; i++)
		add_arch(rs, p->arches[i]);
}

static bool has_cap(const sh_target *t, const char *name)
{
	int cap = sh_cap_from_oci_name(name);
	return cap >= 0 && cap <= SH_CAP_MAX && (t->caps & (UINT64_C(1) << cap));
}

static bool arch_listed(char **arches, size_t n, uint32_t native)
{
	for (size_t i = 0; i < n; i++)
		if (sh_arch_from_name(arches[i]) == native)
			return true;
	return false;
}

static bool kernel_at_least(const sh_target *t, unsigned major, unsigned minor)
{
	return t->kmajor > major || (t->kmajor == major && t->kminor >= minor);
}

bool sh_rule_on_arch(const sh_rule *r, uint32_t native)
{
	const sh_cond *ex = &r->excludes, *in = &r->includes;
	return !arch_listed(ex->arches, ex->narches, native) && (!in->narches || arch_listed(in->arches, in->narches, native));
}

/* moby: any excluded arch/cap/minKernel drops the rule; then every include must hold. */
bool sh_rule_applies(const sh_rule *r, const sh_target *t, uint32_t native)
{
	const sh_cond *ex = &r->excludes, *in = &r->includes;
	if (!sh_rule_on_arch(r, native))
		return false;
	for (size_t i = 0; i < ex->ncaps; i++)
		if (has_cap(t, ex->caps[i]))
			return false;
	if (ex->has_min_kernel && kernel_at_least(t, ex->kmajor, ex->kminor))
		return false;
	for (size_t i = 0; i < in->ncaps; i++)
		if (!has_cap(t, in->caps[i]))
			return false;
	if (in->has_min_kernel && !kernel_at_least(t, in->kmajor, in->kminor))
		return false;
	return true;
}

static uint32_t errno_or_eperm(bool has, uint32_t e)
{
	return has ? e : 1; /* EPERM, as runc and crun default it */
}

int sh_resolve(const sh_profile *p, const sh_target *t, sh_ruleset **out, sh_diag *diag, sh_error **err)
{
	(void)diag;
	(void)err;
	uint32_t native = t->native_arch ? t->native_arch : sh_arch_native();
	if (t->arches && t->narches)
		native = t->arches[0];
	sh_ruleset *rs = sh_xcalloc(1, sizeof(*rs));
	rs->profile = p;
	rs->default_action = p->default_action;
	rs->default_errno = errno_or_eperm(p->has_default_errno, p->default_errno_ret);
	rs->flags = p->flags;
	rs->flags_given = p->has_flags;
	resolve_arches(p, t, native, rs);
	rs->rules = sh_xcalloc(p->nrules, sizeof(sh_rrule));
	for (size_t i = 0; i < p->nrules; i++) {
		const sh_rule *r = &p->rules[i];
		if (!sh_rule_applies(r, t, native))
			continue;
		rs->rules[rs->nrules++] = (sh_rrule){
			.origin = r,
			.action = r->action,
			.errno_ret = errno_or_eperm(r->has_errno_ret, r->errno_ret),
		};
	}
	*out = rs;
	return 0;
}

bool sh_rrule_equals_default(const sh_ruleset *rs, const sh_rrule *r)
{
	if (r->action != rs->default_action)
		return false;
	if (r->action == SH_ACT_ERRNO || r->action == SH_ACT_TRACE)
		return r->errno_ret == rs->default_errno;
	return true;
}

void sh_ruleset_free(sh_ruleset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->nown; i++) {
		sh_strv_free(rs->own_rules[i].names);
		free(rs->own_rules[i].name_locs);
		free(rs->own_rules[i].args);
		free(rs->own_rules[i].comment);
	}
	free(rs->own_rules);
	free(rs->listener_path);
	free(rs->rules);
	free(rs);
}

static void put_names(FILE *f, const char *what, char **v, size_t n, const char *sep)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? sep : what, v[i]);
	if (n)
		fputc(' ', f);
}

char *sh_rule_requires_text(const sh_rule *r)
{
	const sh_cond *in = &r->includes, *ex = &r->excludes;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return sh_xstrdup("?");
	put_names(f, "", in->caps, in->ncaps, " ");
	put_names(f, "!", ex->caps, ex->ncaps, " !");
	put_names(f, "arch=", in->arches, in->narches, "|");
	put_names(f, "arch!=", ex->arches, ex->narches, "|");
	if (in->has_min_kernel)
		fprintf(f, "kernel>=%u.%u ", in->kmajor, in->kminor);
	if (ex->has_min_kernel)
		fprintf(f, "kernel<%u.%u ", ex->kmajor, ex->kminor);
	fclose(f);
	if (len == 0) {
		free(buf);
		return sh_xstrdup("-");
	}
	buf[len - 1] = 0; /* the last separator */
	return buf;
}

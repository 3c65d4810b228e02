#include "config.h"
#include "hookcfg.h"
#include "agent.h"
#include "explain.h"
#include "bpf_reach.h"
#include "gofold.h"
#include "initsafe.h"
#include "lookup.h"
#include "names.h"
#include "notifyset.h"
#include "oplog.h"
#include "oci.h"
#include "overlay.h"
#include "resolve.h"
#include "sha256.h"
#include "startcalls.h"
#include "translate.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int sh_mode_parse(const char *s, sh_mode *m)
{
	if (strcmp(s, "runtime") == 0)
		*m = SH_MODE_RUNTIME;
	else if (strcmp(s, "init") == 0)
		*m = SH_MODE_INIT;
	else
		return -1;
	return 0;
}

const char *sh_mode_name(sh_mode m)
{
	return m == SH_MODE_INIT ? "init" : "runtime";
}

const char *sh_oci_annotation(const sh_json *config, const char *key)
{
	const sh_json *v = sh_json_get(sh_json_get(config, "annotations"), key);
	return v && v->type == SH_JSON_STRING ? v->u.str.s : NULL;
}

uint64_t sh_oci_bounding_caps(const sh_json *config)
{
	sh_capsets c; /* all zero without capability sets */
	sh_initproc_caps(sh_json_get(config, "process"), &c);
	return c.bounding;
}

/* Object member `key` of obj, created (as an object) when absent or null. */
static sh_json *child_object(sh_json *obj, const char *key, sh_error **err)
{
	sh_json *v = sh_json_get(obj, key);
	if (!v || v->type == SH_JSON_NULL) {
		v = sh_json_new(SH_JSON_OBJECT);
		sh_json_set(obj, key, v);
	}
	if (v->type != SH_JSON_OBJECT) {
		sh_error_at(err, SH_EXIT_INVALID, NULL, v->line, v->col, "config: '%s' is not an object", key);
		return NULL;
	}
	return v;
}

/* The annotations the hook reads must be strings: one that is not is refused, never ignored (a
 * profile asked for that way would otherwise silently not apply). */
int sh_hook_check_annotations(const sh_json *config, sh_error **err)
{
	static const char *const ours[] = { SH_ANNOT_PROFILE, SH_ANNOT_MODE, SH_ANNOT_RECORD, SH_ANNOT_RECORD_ARGS,
					    SH_ANNOT_REPORT };
	const sh_json *a = sh_json_get(config, "annotations");
	if (a && a->type != SH_JSON_OBJECT && a->type != SH_JSON_NULL)
		return sh_error_at(err, SH_EXIT_INVALID, NULL, a->line, a->col, "config: annotations is not an object");
	for (size_t i = 0; i < SH_ARRAY_SIZE(ours); i++) {
		const sh_json *v = sh_json_get(a, ours[i]);
		if (v && v->type != SH_JSON_STRING)
			return sh_error_at(err, SH_EXIT_INVALID, NULL, v->line, v->col,
					   "config: annotation %s is a%s %s, not a string", ours[i],
					   v->type == SH_JSON_ARRAY || v->type == SH_JSON_OBJECT ? "n" : "",
					   sh_json_type_name(v->type));
	}
	return 0;
}

static void set_annotation(sh_json *config, const char *key, const char *value)
{
	sh_error *ignored = NULL;
	sh_json *a = child_object(config, "annotations", &ignored);
	sh_error_free(ignored);
	if (a)
		sh_json_set(a, key, sh_json_new_string(value));
}

static void remove_annotation(sh_json *config, const char *key)
{
	sh_json *a = sh_json_get(config, "annotations");
	if (a && a->type == SH_JSON_OBJECT)
		sh_json_remove(a, key);
}

static const char *cache_dir(const sh_hook_opts *o)
{
	return o->cache_dir ? o->cache_dir : SH_DEFAULT_CACHE_DIR;
}

static const char *loader_path(const sh_hook_opts *o)
{
	return o->loader ? o->loader : SH_LIBEXECDIR "/seccomp-hook-init";
}

/* ==== the plan: decisions only ==================================================================== */

/* A profile being applied: where it is, its bytes, and (once needed) its model and rule set; with
 * overlays, the rule set is the composed one (overlay.h), and the profile's own is kept beside it. */
typedef struct loaded {
	char *path;
	char *raw;
	size_t rawlen;
	sh_profile *p;
	sh_ruleset *rs;
	sh_target t;
	bool none;                /* no profile: the overlays stand alone, on the native arch's family */
	uint32_t family[4];
	const sh_overlay_set *ov; /* composed onto the rules once they are resolved (NULL: none) */
	sh_ruleset *own_rs;       /* the profile's own rules, once composed */
	char key[65];             /* the cache key of the profile's own program */
} loaded;

static void loaded_free(loaded *l)
{
	sh_ruleset_free(l->rs);
	sh_ruleset_free(l->own_rs);
	sh_profile_free(l->p);
	free(l->raw);
	free(l->path);
	memset(l, 0, sizeof(*l));
}

/* Recordings and reports: the container's calls handed to an agent (agent.h). */
struct sh_supervision {
	const char *record, *report; /* the annotations */
	bool args;
	loaded l;                    /* the base profile (l.rs NULL: a recording without one) */
	sh_engine engine;            /* its compiled program: what decides every call (engine.rs NULL: none) */
	const uint32_t *arches;
	size_t narches;
	uint32_t family[4];
	const char *always[64];
	sh_bpf program;              /* init mode: what the loader or crun installs */
	unsigned flags;
	sh_hook_plan *if_no_agent;   /* reports that cannot start: the plain profile's plan */
};

/* Everything a step of the plan reads and decides into. */
typedef struct plan_ctx {
	const sh_json *config;
	const sh_hook_opts *o;
	sh_hook_plan *p;
	sh_diag *d;
	sh_error **err;
} plan_ctx;

/* ---- what an earlier transform left ---- */

static bool hook_has_loader_call(const sh_json *hook)
{
	sh_loader_args a;
	return sh_initproc_decode(sh_json_get(hook, "args"), &a) > 0;
}

/* A loader call in process.args or a startContainer hook: only the transform writes one. */
static bool has_loader_call(const sh_json *config)
{
	sh_loader_args a;
	if (sh_initproc_decode(sh_json_get(sh_json_get(config, "process"), "args"), &a))
		return true;
	const sh_json *hooks = sh_json_get(sh_json_get(config, "hooks"), "startContainer");
	for (size_t i = 0; hooks && hooks->type == SH_JSON_ARRAY && i < hooks->u.arr.n; i++)
		if (hook_has_loader_call(hooks->u.arr.v[i]))
			return true;
	return false;
}

/* The socket of the agent an earlier (sealed) transform started: where its config hands listeners,
 * the wrapper's relay (the annotation) or the runtime (linux.seccomp's listenerPath). */
static char *earlier_agent(const sh_json *config)
{
	const char *relayed = sh_oci_annotation(config, SH_ANNOT_LISTENER_PATH);
	const sh_json *lp = sh_json_get(sh_json_get(sh_json_get(config, "linux"), "seccomp"), "listenerPath");
	if (relayed && *relayed)
		return sh_xstrdup(relayed);
	return lp && lp->type == SH_JSON_STRING && lp->u.str.s[0] ? sh_xstrdup(lp->u.str.s) : NULL;
}

const char *sh_hook_applied_overlays(const char *applied, size_t *len)
{
	const char *o = strstr(applied, " " SH_APPLIED_OVERLAYS);
	if (!o)
		return NULL;
	o += strlen(" " SH_APPLIED_OVERLAYS);
	*len = strcspn(o, " ");
	return *len ? o : NULL;
}

/* A config a precreate hook refused (--on-refusal=config) stays refused, with the hook's reason. */
static int plan_refused(plan_ctx *c)
{
	const char *why = sh_oci_annotation(c->config, SH_ANNOT_REFUSED);
	if (!why)
		return 0;
	return sh_error_set(c->err, SH_EXIT_INVALID, "seccomp-hook's precreate hook refused this container: %.2000s", why);
}

/* Earlier output is believed only under a valid seal. Without one, a loader call in the config is a
 * forgery (an image's ENTRYPOINT, a pod's command): undoing it would take its --caps for the
 * process's own, so it is refused; an org.seccomp-hook.applied annotation is only a string. */
static int plan_earlier(plan_ctx *c)
{
	sh_earlier *e = &c->p->earlier;
	const char *applied = sh_oci_annotation(c->config, SH_ANNOT_APPLIED);
	bool call = has_loader_call(c->config);
	if (!applied && !call)
		return 0; /* nothing to recognise: no key is read */
	sh_seal_key key;
	if (sh_seal_key_read(c->o->seal_key, &key, c->err) < 0)
		return -1;
	if (!applied || !sh_seal_valid(&key, c->config)) {
		if (call)
			return sh_error_set(c->err, SH_EXIT_INVALID,
					    "config: process.args (or a startContainer hook) starts with seccomp-hook's "
					    "loader call, but no valid seal (" SH_ANNOT_SEAL ") says seccomp-hook wrote it: an "
					    "image or a pod spec cannot ask for the loader; refusing");
		return 0;
	}
	e->sealed = true;
	e->profile = sh_xstrndup(applied, strcspn(applied, " "));
	e->init = strstr(applied, " init ") != NULL;
	e->supervised = strstr(applied, " record=") || strstr(applied, " report=");
	e->cmd_at = sh_initproc_decode(sh_json_get(sh_json_get(c->config, "process"), "args"), &e->call);
	const char *engine = sh_oci_annotation(c->config, SH_ANNOT_ENGINE_SECCOMP);
	if (engine && strncmp(engine, "sha256:", 7) == 0 && sh_sha256_hex_valid(engine + 7))
		e->engine = sh_xstrdup(engine + 7);
	e->agent = e->supervised ? earlier_agent(c->config) : NULL;
	size_t n = 0;
	const char *ov = sh_hook_applied_overlays(applied, &n);
	e->overlays = ov ? sh_xstrndup(ov, n) : NULL;
	return 0;
}

/* The process's own capability sets: as its loader call recorded them under a seal, else as the
 * config asks. */
static void plan_own_caps(plan_ctx *c)
{
	const sh_earlier *e = &c->p->earlier;
	if (e->sealed && e->cmd_at && e->call.has_caps) {
		c->p->own = e->call.caps;
		c->p->has_caps = true;
		return;
	}
	c->p->has_caps = sh_initproc_caps(sh_json_get(c->config, "process"), &c->p->own) == 0;
}

/* linux.seccomp as the engine wrote it: not what an earlier transform wrote in its place (in init
 * mode, or in runtime mode for a profile it names, or for the engine's own, which it kept). */
static const sh_json *engine_seccomp(const plan_ctx *c)
{
	const sh_json *sec = sh_json_get(sh_json_get(c->config, "linux"), "seccomp");
	const sh_earlier *e = &c->p->earlier;
	if (!sec || sh_json_is_null(sec))
		return NULL;
	if (e->sealed && (e->init || e->engine || strcmp(e->profile, SH_PROFILE_FROM_CONFIG) != 0))
		return NULL;
	return sec;
}

/* A profile an earlier (sealed) transform applied can be applied again: a name, or the engine's
 * linux.seccomp, which it kept in the cache. A path (inject --profile=PATH) is named again by whoever
 * chose it: only inject takes paths. */
static int earlier_usable(const plan_ctx *c, const char *name, const char *what)
{
	const sh_earlier *e = &c->p->earlier;
	if (sh_profile_name_valid(name) || (strcmp(name, SH_PROFILE_FROM_CONFIG) == 0 && e->engine))
		return 0;
	return sh_error_set(c->err, SH_EXIT_INVALID, "config: it was prepared for %s with the profile '%.200s', which "
			    "is not a profile name; name it again (inject --profile, or the annotation " SH_ANNOT_PROFILE ")",
			    what, name);
}

/* Which profile and mode the container asks for: --profile, the annotation, the wrapper's override or
 * linux.seccomp as the engine wrote it, the profile an earlier (sealed) transform applied, then the
 * default. *name NULL: none. */
static int plan_select(plan_ctx *c, const char **name)
{
	const char *m = sh_oci_annotation(c->config, SH_ANNOT_MODE);
	if (!m)
		m = c->o->mode ? c->o->mode : "runtime";
	if (sh_mode_parse(m, &c->p->mode) < 0)
		return sh_error_set(c->err, SH_EXIT_INVALID, "invalid mode '%.64s' (runtime or init)", m);
	*name = c->o->profile ? c->o->profile : sh_oci_annotation(c->config, SH_ANNOT_PROFILE);
	if (!*name && c->o->seccomp_as_profile && engine_seccomp(c))
		*name = c->o->override_profile ? c->o->override_profile : SH_PROFILE_FROM_CONFIG;
	if (!*name && c->p->earlier.sealed && !c->p->earlier.supervised) {
		*name = c->p->earlier.profile;
		if (earlier_usable(c, *name, c->p->earlier.init ? "init mode" : "runtime mode") < 0)
			return -1;
	}
	if (!*name)
		*name = c->o->default_profile;
	/* Overlays go on whatever the container gets: without a profile chosen, the engine's. */
	if (!*name && c->p->ov && engine_seccomp(c))
		*name = SH_PROFILE_FROM_CONFIG;
	return 0;
}

/* ---- the profile ---- */

/* How diagnostics name the engine's linux.seccomp. Its positions are left out: they would be in the
 * text as the engine wrote it again, not in the user's file, whose JSON paths each message names. */
#define SH_ENGINE_PROFILE_FILE "linux.seccomp (the engine's profile: its default, or the file given with --security-opt seccomp=)"

/* The engine's linux.seccomp as an earlier transform kept it: in the cache under its digest. */
static int kept_engine_text(const plan_ctx *c, loaded *l)
{
	const char *digest = c->p->earlier.engine;
	int r = sh_cache_get_oci_text(cache_dir(c->o), digest, &l->raw, &l->rawlen, c->err);
	if (r == 0)
		return sh_error_set(c->err, SH_EXIT_INVALID, "the engine's linux.seccomp this config was prepared from "
				    "(sha256:%s) is no longer in the cache %s; give the config its profile again",
				    digest, cache_dir(c->o));
	return r < 0 ? -1 : 0;
}

/* The engine's linux.seccomp: its text is the cache key's input, as a profile file's bytes are, and
 * is kept (act) the first time, for a later transform of the config. */
static int locate_engine(const plan_ctx *c, loaded *l)
{
	sh_hook_plan *p = c->p;
	const sh_json *sec = engine_seccomp(c);
	l->path = sh_xstrdup(SH_ENGINE_PROFILE_FILE);
	if (!sec && (!p->earlier.engine || kept_engine_text(c, l) < 0))
		return p->earlier.engine ? -1 : sh_error_set(c->err, SH_EXIT_INVALID, "config: no linux.seccomp");
	if (sec)
		l->raw = sh_json_serialize(sec, false, &l->rawlen);
	if (!p->engine_text) {
		p->engine_text = sh_xstrndup(l->raw, l->rawlen);
		p->engine_len = l->rawlen;
		sh_sha256_hex(l->raw, l->rawlen, p->engine_digest);
	}
	return 0;
}

/* Find the profile and read its bytes; the target is this host with the process's own capabilities. */
static int locate(const plan_ctx *c, const char *name, loaded *l)
{
	if (strcmp(name, SH_PROFILE_FROM_CONFIG) == 0) {
		if (locate_engine(c, l) < 0)
			return -1;
	} else {
		sh_error **err = c->err;
		int r = c->o->profile ? sh_profile_arg(name, c->o->profiles_dir, &l->path, err)
				      : sh_profile_find(name, c->o->profiles_dir, &l->path, err);
		if (r < 0 || sh_read_file_limited(l->path, sh_json_default_limits.max_bytes, &l->raw, &l->rawlen, err) < 0)
			return -1;
	}
	if (sh_target_init(&l->t, false, c->err) < 0)
		return -1;
	l->t.caps = c->p->own.bounding;
	return 0;
}

/* No profile, only overlays: they cover the native arch and the ones it runs, as a runtime's filter
 * of Docker's default would. The cache key's input names that. */
static int locate_none(const plan_ctx *c, loaded *l)
{
	l->none = true;
	l->path = sh_xstrdup("(no profile)");
	l->raw = sh_xstrdup("unconfined");
	l->rawlen = strlen(l->raw);
	if (sh_target_init(&l->t, false, c->err) < 0)
		return -1;
	l->t.caps = c->p->own.bounding;
	l->t.arches = l->family;
	l->t.narches = sh_arch_family(l->t.native_arch ? l->t.native_arch : sh_arch_native(), l->family);
	return 0;
}

/* The overlays resolved for target t on the arches given, stacked on base (NULL: none) and proven
 * (overlay.h): the composed rules, which borrow base's. */
static int stack_overlays(const sh_overlay_set *set, const sh_target *t, const sh_ruleset *base,
			  const uint32_t *arches, size_t narches, sh_ruleset **out, sh_error **err)
{
	cleanup_ruleset sh_ruleset *ov = NULL;
	if (sh_overlay_merge((const sh_profile *const *)set->p, set->n, t, arches, narches, &ov, err) < 0)
		return -1;
	return sh_overlay_stack(base, ov, out, NULL, err);
}

/* The overlays stacked on the profile's rules (or alone): the composed rules replace them, the
 * profile's own are kept. */
static int compose_overlays(loaded *l, sh_error **err)
{
	sh_ruleset *composed = NULL;
	const uint32_t *arches = l->rs ? l->rs->arches : l->family;
	size_t n = l->rs ? l->rs->narches : l->t.narches;
	if (stack_overlays(l->ov, &l->t, l->rs, arches, n, &composed, err) < 0)
		return sh_error_prefix(err, "overlays %s on %s", l->ov->names, l->path);
	l->own_rs = l->rs;
	l->rs = composed;
	return 0;
}

static int parse_and_resolve(loaded *l, sh_diag *d, sh_error **err)
{
	if (!l->rs && !l->none) {
		sh_json *root = NULL;
		if (sh_json_parse(l->raw, l->rawlen, l->path, NULL, &root, err) < 0)
			return -1;
		int r = sh_profile_from_json(root, l->path, &l->p, d, err);
		sh_json_free(root);
		if (r < 0 || sh_resolve(l->p, &l->t, &l->rs, d, err) < 0)
			return -1;
	}
	return l->ov && !l->own_rs && !(l->none && l->rs) ? compose_overlays(l, err) : 0;
}

/* The profile's own rules (not composed), for the loader's first program. */
static const sh_ruleset *own_rules(const loaded *l)
{
	return l->own_rs ? l->own_rs : l->rs;
}

/* Everything that changes the compiled program goes into the key: the profile's bytes and the target
 * it is resolved for (the architectures and flags follow from those), and the versions of the two
 * programs that compile it. Computed before the profile is parsed, so a hit skips parsing. */
static void cache_key(const loaded *l, char key[65])
{
	const struct scmp_version *v = seccomp_version();
	char profile_hash[65];
	sh_sha256_hex(l->raw, l->rawlen, profile_hash);
	cleanup_free char *text = sh_xasprintf("seccomp-hook %s translator %d\nlibseccomp %u.%u.%u\nprofile %s\ncaps %" PRIx64
					       "\nkernel %u.%u\nnative %08x\n",
					       PACKAGE_VERSION, SH_TRANSLATOR_REVISION, v->major, v->minor, v->micro,
					       profile_hash, l->t.caps, l->t.kmajor, l->t.kminor, l->t.native_arch);
	sh_sha256_hex(text, strlen(text), key);
}

/* The key of what is made of the profile's key and the overlays: the composed rules (`what`
 * "composed") or the overlay's program for the loader ("overlay-program"). */
static void overlay_key(const char *own, const sh_overlay_set *ov, const char *what, char key[65])
{
	cleanup_free char *text = sh_xasprintf("%s\n%s %s\n", own, what, ov->digest);
	sh_sha256_hex(text, strlen(text), key);
}

/* The key of what is applied: the profile's own program, or the composed one. */
static void applied_key(const loaded *l, char key[65])
{
	if (l->ov)
		overlay_key(l->key, l->ov, "composed", key);
	else
		memcpy(key, l->key, 65);
}

/* The program, compiled here (a cache miss) and checked against its rules (translate.h). Every
 * failure is one: a profile that cannot become a program that is the rules' must not reach a runtime
 * either. With `form` (runtime mode), the program runc and crun would build from linux.seccomp is
 * checked in the same libseccomp run: its refusal, if any, is left there. */
static int compile_program(loaded *l, sh_cache_entry *e, sh_error **form, sh_diag *d, sh_error **err)
{
	sh_bpf b = { 0 };
	if (parse_and_resolve(l, d, err) < 0)
		return -1;
	if ((form ? sh_translate_for_runtime(l->rs, &b, form, d, err) : sh_translate_bpf(l->rs, NULL, &b, d, err)) < 0)
		return -1;
	e->len = b.len * sizeof(*b.insns);
	e->data = steal_pointer(&b.insns);
	e->flags = sh_translate_flags(l->rs);
	sh_sha256_hex(e->data, e->len, e->digest);
	return 0;
}

/* ---- runtime mode ---- */

/* linux.seccomp's text in Go's canonical form, from its tree (then act stores it). */
static void plan_oci_canonical(sh_hook_plan *p, const sh_json *seccomp)
{
	p->oci_canonical = sh_json_serialize_go_canonical(seccomp, &p->oci_clen);
	p->store_oci_canonical = true;
}

/* A hit: the compiled program and the linux.seccomp text recorded under the key, verified, and that
 * text's canonical form, so that neither is parsed (a cache written before that form was kept has
 * the text parsed once more, and the form is added). */
static int runtime_from_cache(const char *dir, const char *key, sh_hook_plan *p, sh_error **err)
{
	int r = sh_cache_lookup(dir, key, &p->program, err);
	if (r == 1)
		r = sh_cache_lookup_oci(dir, key, &p->oci_text, &p->oci_len, p->digest, err);
	if (r == 1)
		r = sh_cache_lookup_canonical(dir, p->digest, &p->oci_canonical, &p->oci_clen, err);
	if (r != 0)
		return r;
	if (!p->oci_text)
		return 0;
	sh_json *seccomp = NULL;
	sh_error *ignored = NULL;
	r = sh_json_parse(p->oci_text, p->oci_len, "cache", NULL, &seccomp, &ignored);
	sh_error_free(ignored);
	if (r == 0)
		plan_oci_canonical(p, seccomp);
	sh_json_free(seccomp);
	return r == 0;
}

/* libseccomp can build a program weaker than the rules, or never finish, and runc and crun compile
 * linux.seccomp with it themselves (sh_translate_runtime_form checks what they would build). Such a
 * profile is refused in runtime mode, unless crun runs the container (--runtime=crun): crun installs
 * seccomp-hook's checked program (init mode's crun form), and linux.seccomp is a placeholder that
 * kills, so a runtime that compiles it instead cannot start the container. 1: the OCI form may go to
 * any runtime; 0: crun's form; -1: refused. */
static int runtime_form(plan_ctx *c, sh_error *refused)
{
	if (!refused)
		return 1;
	if (!c->o->crun) {
		*c->err = refused;
		return sh_error_prefix(c->err, "runtime mode (init mode, or --runtime=crun, installs seccomp-hook's "
				       "checked program instead)");
	}
	sh_diag_add(c->d, SH_SEV_WARNING, NULL, 0, 0, "runtime-form", "%s; crun installs seccomp-hook's checked "
		    "program instead, and linux.seccomp becomes a placeholder that kills", refused->msg);
	sh_error_free(refused);
	return 0;
}

static int plan_listener(plan_ctx *c, loaded *l);
static void plan_call(plan_ctx *c);

/* Whether the container's filter comes with a listener for listenerPath: where it has a notifying
 * rule; and under crun wherever the profile names a listenerPath, since crun then installs the
 * filter with a listener and hands it over whatever the rules (runc does not). 1 yes, 0 no, -1 error. */
static int wants_listener(plan_ctx *c, loaded *l)
{
	if (c->p->program.flags & SH_FLAG_NEW_LISTENER)
		return 1;
	if (!c->o->crun || !memmem(l->raw, l->rawlen, "listenerPath", 12)) /* spares parsing a cache hit */
		return 0;
	if (parse_and_resolve(l, c->d, c->err) < 0)
		return -1;
	return l->p->listener_path != NULL;
}

static int plan_crun_instead(plan_ctx *c, loaded *l)
{
	int w = wants_listener(c, l);
	if (w < 0 || (w && plan_listener(c, l) < 0))
		return -1;
	c->p->mode = SH_MODE_INIT;
	plan_call(c); /* SH_HOW_CRUN with --runtime=crun */
	return 0;
}

/* linux.seccomp for any runtime, and crun also gets the compiled program itself, which spares it the
 * compile at every start (not for profiles that need a listener fd). The rules must compile here, or
 * the runtime would fail later with a worse message. The cache is best effort: one it cannot trust is
 * neither read nor written, and costs only time. */
static int plan_runtime(plan_ctx *c, loaded *l)
{
	sh_hook_plan *p = c->p;
	sh_error *untrusted = NULL;
	applied_key(l, p->key);
	int hit = runtime_from_cache(cache_dir(c->o), p->key, p, &untrusted);
	if (hit < 0) {
		sh_diag_add(c->d, SH_SEV_WARNING, NULL, 0, 0, "untrusted-cache", "%s; compiling without it", untrusted->msg);
		sh_error_free(untrusted);
	}
	if (hit != 1) {
		sh_cache_entry_free(&p->program);
		free(steal_pointer(&p->oci_text));
		free(steal_pointer(&p->oci_canonical));
		p->store_oci_canonical = false;
		sh_error *refused = NULL;
		if (compile_program(l, &p->program, &refused, c->d, c->err) < 0) {
			sh_error_free(refused);
			return -1;
		}
		int form = runtime_form(c, refused); /* its text is cached only where any runtime may have it */
		if (form <= 0) {
			p->store = hit == 0;
			return form < 0 ? -1 : plan_crun_instead(c, l);
		}
		p->seccomp = sh_oci_seccomp(l->rs, &l->t);
		p->oci_text = sh_json_serialize(p->seccomp, false, &p->oci_len);
		sh_sha256_hex(p->oci_text, p->oci_len, p->digest);
		plan_oci_canonical(p, p->seccomp);
		p->store = hit == 0 && p->program.data;
		p->store_oci = p->store_oci_canonical = hit == 0;
	}
	p->how = SH_HOW_RUNTIME;
	p->mode = SH_MODE_RUNTIME;
	p->crun_copy = p->program.data && !(p->program.flags & SH_FLAG_NEW_LISTENER);
	return 0;
}

/* ---- init mode ---- */

/* Init mode asked for, runtime mode it is: the same filter, installed by the runtime, which nothing
 * in the container can undo. */
static void fall_back(plan_ctx *c, const char *path, const char *why)
{
	free(c->p->fallback);
	c->p->fallback = sh_xasprintf("init mode: %s; the runtime installs the filter instead (runtime mode)", why);
	sh_diag_add(c->d, SH_SEV_WARNING, path, 0, 0, "init-fallback", "%s", c->p->fallback);
	c->p->mode = SH_MODE_RUNTIME;
}

/* What keeps the loader from guarding every process whatever its filter: the capabilities the
 * process (and so each startContainer hook) may hold, mounts that are not the container's alone, or a
 * root directory in which others could change what the loader's path names. */
static const char *loader_refused(const plan_ctx *c)
{
	/* A config the loader starts can be run only by seccomp-hook-runtime (unless execs may go
	 * unfiltered); a precreate hook cannot tell whether that is the runtime. */
	if (c->o->any_runtime && !c->o->exec_routed && !c->o->allow_unfiltered_exec)
		return "a precreate hook cannot tell which runtime runs the container, and a plain runtime cannot run "
		       "the loader's config safely (seccomp-hook-runtime, if it runs the container, applies init mode: "
		       "--runtime seccomp-hook-runtime; give the hook --runtime=wrapper where it runs every container, "
		       "or --runtime=crun where crun does)";
	const char *why = sh_initproc_caps_unsafe(&c->p->own, c->p->has_caps);
	if (!why)
		why = sh_init_mount_ns_unsafe(c->config);
	return why ? why : sh_init_root_unsafe(c->config, c->o->bundle);
}

/* The loader (to the wrapper's relay) and crun (to listenerPath) hand the listener over with sendmsg
 * once the filter is in: a notified sendmsg would wait for an answer that only the listener it carries
 * could bring, and the container would never start. Refused where the program notifies it, or where
 * its answer depends on the arguments (which cannot be told here). runc takes the listener with
 * pidfd_getfd instead, so runtime mode under runc is not concerned. */
static int plan_handover(plan_ctx *c, const char *path)
{
	uint32_t arch = sh_arch_native();
	int nr = seccomp_syscall_resolve_name_arch(arch, "sendmsg");
	if (nr < 0)
		return 0;
	sh_engine e;
	sh_engine_of_program(&e, c->p->program.data, c->p->program.len / sizeof(struct sock_filter));
	sh_seccomp_data d = sh_call_data(arch, nr, NULL);
	sh_answer a = sh_engine_run(&e, &d);
	sh_engine_fini(&e);
	if ((a.ret & SECCOMP_RET_ACTION_FULL) != SECCOMP_RET_USER_NOTIF && !a.by_args)
		return 0;
	return sh_error_set(c->err, SH_EXIT_INVALID, "%s: sendmsg is %s: %s hands the listener over with sendmsg once the "
			    "filter is in, and nobody could answer it (the container would never start)", path,
			    a.by_args ? "decided by its arguments" : "SCMP_ACT_NOTIFY", c->o->crun ? "crun" : "the loader");
}

/* SCMP_ACT_NOTIFY in init mode: the listener goes to the profile's listenerPath from crun itself, or
 * from the loader through the runtime wrapper's relay. Without either nobody could answer. */
static int plan_listener(plan_ctx *c, loaded *l)
{
	if (!c->o->crun && !c->o->has_listener_fd)
		return sh_error_set(c->err, SH_EXIT_INVALID, "%s: SCMP_ACT_NOTIFY in init mode needs seccomp-hook-runtime "
				    "(which hands the listener to listenerPath) or --runtime=crun", l->path);
	if (parse_and_resolve(l, c->d, c->err) < 0) /* a cache hit parsed nothing */
		return -1;
	if (!l->p->listener_path)
		return sh_error_set(c->err, SH_EXIT_INVALID, "%s: SCMP_ACT_NOTIFY needs listenerPath", l->path);
	c->p->listener_path = sh_xstrdup(l->p->listener_path);
	c->p->listener_metadata = l->p->listener_metadata ? sh_xstrdup(l->p->listener_metadata) : NULL;
	return plan_handover(c, l->path);
}

/* The loader's call for the program: its digest and flags, the listener channel, and as --caps the
 * process's own sets (a startContainer hook's too: what it gets in runtime mode). */
static void plan_call(plan_ctx *c)
{
	sh_hook_plan *p = c->p;
	bool listener = (p->program.flags & SH_FLAG_NEW_LISTENER) && c->o->has_listener_fd;
	p->call = (sh_loader_args){ .flags = p->program.flags, .listener_fd = listener ? c->o->listener_fd : -1,
				    .has_caps = true, .caps = sh_initproc_granted(p->own), .bpf_path = SH_BPF_DEST };
	memcpy(p->call.digest, p->program.digest, sizeof(p->call.digest));
	if (p->overlay_program.data && !c->o->crun) {
		p->call.overlay_path = SH_OVERLAY_DEST;
		memcpy(p->call.overlay_digest, p->overlay_program.digest, sizeof(p->call.overlay_digest));
	}
	memcpy(p->digest, p->program.digest, sizeof(p->digest));
	p->how = c->o->crun ? SH_HOW_CRUN : SH_HOW_LOADER;
	free(p->made_place);
	p->made_place = p->how == SH_HOW_LOADER ? sh_init_place_to_make(c->config, c->o->bundle) : NULL;
}

/* Whether what the filter lets the process do leaves the loader's path alone; 1 if not (falls back). */
static int judge_program(plan_ctx *c, const char *path, const void *prog, size_t len)
{
	if (c->o->crun) /* crun installs the program in every process itself: no loader to guard */
		return 0;
	cleanup_free char *escape = sh_init_filter_escape(prog, len / sizeof(struct sock_filter), sh_arch_native());
	if (escape) {
		cleanup_free char *why = sh_xasprintf("%s, with which it could put another file at the loader's path",
						      escape);
		fall_back(c, path, why);
		return 1;
	}
	return 0;
}

/* The overlays' program for the loader, where they and the profile cannot be one filter: the form that
 * leaves x86's socketcall and ipc to the profile (overlay.h), so that 32-bit programs keep their
 * sockets as the profile has them. */
static int make_overlay_program(plan_ctx *c, loaded *l, sh_bpf *prog)
{
	cleanup_ruleset sh_ruleset *ov = NULL;
	const sh_ruleset *own = own_rules(l);
	if (sh_overlay_merge((const sh_profile *const *)c->p->ov->p, c->p->ov->n, &l->t, own->arches, own->narches, &ov,
			     c->err) < 0)
		return -1;
	return sh_overlay_program(ov, true, prog, c->err);
}

static sh_start_config start_config(const sh_json *config);

/* What the loader calls once the overlay's program is in, asked of that program on the native arch. */
static const char *blocks_loader(const sh_cache_entry *e, const sh_json *config)
{
	sh_ruleset native = { .default_action = SH_ACT_ALLOW, .narches = 1 };
	native.arches[0] = sh_arch_native();
	sh_engine en = { .rs = &native, .prog = { .insns = e->data, .len = e->len / sizeof(struct sock_filter) } };
	sh_start_config sc = start_config(config);
	return sh_overlay_blocks_loader(&en, &sc);
}

/* The loader's second program, the overlays', cached under its own key. 1: init mode is not for
 * this container (the overlays deny what the loader calls once their program is in). */
static int plan_overlay_program(plan_ctx *c, loaded *l)
{
	sh_hook_plan *p = c->p;
	overlay_key(l->key, p->ov, "overlay-program", p->overlay_key);
	int hit = sh_cache_lookup(cache_dir(c->o), p->overlay_key, &p->overlay_program, c->err);
	if (hit < 0)
		return -1;
	if (!hit) {
		sh_bpf b = { 0 };
		if (parse_and_resolve(l, c->d, c->err) < 0 || make_overlay_program(c, l, &b) < 0)
			return -1;
		p->overlay_program = (sh_cache_entry){ .data = (char *)b.insns, .len = b.len * sizeof(*b.insns),
						       .flags = p->program.flags & ~SH_FLAG_NEW_LISTENER };
		sh_sha256_hex(p->overlay_program.data, p->overlay_program.len, p->overlay_program.digest);
		p->store_overlay = true;
	}
	const char *blocked = blocks_loader(&p->overlay_program, c->config);
	if (!blocked)
		return 0;
	cleanup_free char *why = sh_xasprintf("the overlays %s deny %s, which the loader calls once their program is "
					      "in", p->ov->names, blocked);
	fall_back(c, l->path, why);
	return 1;
}

/* The program the loader or crun installs: with overlays, the composed one (l->ov set), or the
 * profile's own with the overlays' program for the loader to install before it (l->ov NULL). */
static int plan_program(plan_ctx *c, loaded *l)
{
	sh_hook_plan *p = c->p;
	applied_key(l, p->key);
	int hit = sh_cache_lookup(cache_dir(c->o), p->key, &p->program, c->err);
	if (hit < 0 || (!hit && compile_program(l, &p->program, NULL, c->d, c->err) < 0))
		return -1;
	p->store = p->store_required = !hit;
	return p->ov && !l->ov ? plan_overlay_program(c, l) : 0;
}

static int plan_init_as(plan_ctx *c, loaded *l)
{
	sh_hook_plan *p = c->p;
	const char *why = c->o->crun ? NULL : loader_refused(c);
	if (why) {
		fall_back(c, l->path, why);
		return 1;
	}
	if (!c->o->crun && sh_loader_copy_find(c->o->loader_store ? c->o->loader_store : SH_LOADER_STORE,
					       loader_path(c->o), &p->loader, c->err) < 0)
		return -1;
	int r = plan_program(c, l);
	if (r != 0)
		return r;
	if (judge_program(c, l->path, p->program.data, p->program.len))
		return 1;
	/* Checked on the entry, so a hit decides exactly as the compile that made it would. */
	int w = wants_listener(c, l);
	if (w < 0 || (w && plan_listener(c, l) < 0))
		return -1;
	plan_call(c);
	return 0;
}

static void plan_reset_program(sh_hook_plan *p);

/* Init mode with overlays, the loader's way: the profile's own program with the overlays' installed
 * before it, the kernel stacking the two. */
static int plan_init_two(plan_ctx *c, loaded *l)
{
	const sh_overlay_set *ov = l->ov;
	l->ov = NULL;
	int r = plan_init_as(c, l);
	l->ov = ov;
	return r;
}

/* 1: init mode is not for this container (fell back), 0: planned, -1: error. With overlays the
 * composed program where it is proven, so that a call runs one filter as it does without them (crun
 * installs only that one); where the overlays and the profile cannot be one filter, the loader's
 * two programs, with a note. */
static int plan_init(plan_ctx *c, loaded *l)
{
	if (!l->ov || c->o->crun)
		return plan_init_as(c, l);
	sh_error *composing = NULL, **err = c->err;
	c->err = &composing;
	int r = plan_init_as(c, l);
	c->err = err;
	bool uncomposed = r < 0 && l->rs && !l->own_rs; /* resolved, but the composition was refused */
	if (r >= 0 || !uncomposed) {
		if (r < 0)
			*err = steal_pointer(&composing);
		return r;
	}
	if (c->d)
		sh_diag_add(c->d, SH_SEV_NOTE, l->path, 0, 0, "overlay-two-programs", "%s; the loader installs the "
			    "overlays' program before the profile's", composing->msg);
	sh_error_free(composing);
	plan_reset_program(c->p);
	return plan_init_two(c, l);
}

/* ---- what the installer calls after the filter is in ---- */

/* Who installs the filter as planned: the loader, crun, runc, or in runtime mode a runtime not known
 * (a precreate hook): then only what runc and crun both need counts. */
static sh_installer plan_installer(const sh_hook_plan *p, const sh_hook_opts *o)
{
	if (p->how == SH_HOW_LOADER)
		return SH_INSTALLER_LOADER;
	if (p->how == SH_HOW_CRUN || o->crun)
		return SH_INSTALLER_CRUN;
	return o->runc ? SH_INSTALLER_RUNC : SH_INSTALLER_ANY_RUNTIME;
}

/* What decides which calls the installer makes after the install: without no_new_privs it drops
 * privileges afterwards, and more so for a user other than root. */
static sh_start_config start_config(const sh_json *config)
{
	const sh_json *proc = sh_json_get(config, "process");
	const sh_json *nnp = sh_json_get(proc, "noNewPrivileges");
	const sh_json *uid = sh_json_get(sh_json_get(proc, "user"), "uid");
	uint64_t id = 0;
	bool numbered = uid && uid->type == SH_JSON_NUMBER && sh_parse_u64(uid->u.num, strlen(uid->u.num), &id);
	return (sh_start_config){ .known = true, .no_new_privs = nnp && nnp->type == SH_JSON_BOOL && nnp->u.b,
				  .non_root = numbered && id != 0 };
}

/* A program that does not allow what its installer calls between the install and the exec cannot
 * start the container (a recording made on the host never saw those calls): refused here, with the
 * calls named, rather than by the runtime with a message that names neither the profile nor them. */
static int plan_start_calls(plan_ctx *c)
{
	sh_hook_plan *p = c->p;
	if (!p->program.data)
		return 0; /* runtime mode without a program of its own: nothing to run */
	sh_engine e;
	sh_engine_of_program(&e, p->program.data, p->program.len / sizeof(struct sock_filter));
	sh_installer i = plan_installer(p, c->o);
	sh_start_config sc = start_config(c->config);
	const char *missing[64];
	size_t n = sh_start_missing(&e, sh_arch_native(), i, &sc, SH_START_NEEDED, missing, SH_ARRAY_SIZE(missing));
	sh_engine_fini(&e);
	if (!n)
		return 0;
	cleanup_free char *why = sh_start_missing_text(i, missing, n, true);
	return sh_error_set(c->err, SH_EXIT_INVALID, "%s", why);
}

static void plan_reset_program(sh_hook_plan *p)
{
	sh_cache_entry_free(&p->program);
	sh_cache_entry_free(&p->overlay_program);
	p->store = p->store_required = p->store_overlay = false;
	sh_loader_copy_free(&p->loader);
}

/* run.oci.seccomp_fail_unknown_syscall, as crun reads it: a name libseccomp does not know on any
 * architecture fails the container instead of being skipped. The config can only make the start
 * stricter with it, so a container's own annotation is believed. */
static int plan_unknown_names(plan_ctx *c, loaded *l)
{
	const char *v = sh_oci_annotation(c->config, SH_ANNOT_FAIL_UNKNOWN);
	if (!v || strcmp(v, "0") == 0)
		return 0;
	if (parse_and_resolve(l, c->d, c->err) < 0) /* a cache hit parsed nothing */
		return -1;
	for (size_t i = 0; i < l->rs->nrules; i++) {
		const sh_rule *r = l->rs->rules[i].origin;
		for (size_t k = 0; k < r->nnames; k++)
			if (!sh_syscall_name_known(r->names[k]))
				return sh_error_set(c->err, SH_EXIT_INVALID, "syscalls[%zu]: unknown syscall '%.64s' (%s is set: "
						    "an unknown name fails the container, as crun fails it)", r->index,
						    r->names[k], SH_ANNOT_FAIL_UNKNOWN);
	}
	return 0;
}

/* name NULL: no profile, the overlays alone (in runtime mode: there is no profile to install first). */
static int plan_profile(plan_ctx *c, const char *name)
{
	loaded l = { .ov = c->p->ov };
	sh_hook_plan *p = c->p;
	int r = name ? locate(c, name, &l) : locate_none(c, &l);
	if (r == 0 && name)
		r = plan_unknown_names(c, &l);
	if (r == 0) {
		cache_key(&l, l.key);
		r = p->mode == SH_MODE_INIT && name ? plan_init(c, &l) : 1;
	}
	if (r == 1) {
		plan_reset_program(p);
		r = plan_runtime(c, &l);
	}
	if (r == 0)
		r = plan_start_calls(c);
	loaded_free(&l);
	p->profile = sh_xstrdup(name ? name : "unconfined");
	return r < 0 ? sh_error_prefix(c->err, "profile '%.64s'", name ? name : "unconfined") : 0;
}

/* ---- recordings and live reports ---- */

static int check_supervised(const sh_supervision *s, sh_error **err)
{
	if (s->record && s->report)
		return sh_error_set(err, SH_EXIT_INVALID, "%s and %s cannot be combined", SH_ANNOT_RECORD, SH_ANNOT_REPORT);
	if (s->record && !sh_profile_name_valid(s->record))
		return sh_error_set(err, SH_EXIT_INVALID, "%s: invalid name '%.64s' (letters, digits, '.', '_', '-')",
				    SH_ANNOT_RECORD, s->record);
	if (s->report && strcmp(s->report, "enforce") != 0 && strcmp(s->report, "complain") != 0)
		return sh_error_set(err, SH_EXIT_INVALID, "%s: '%.64s' is not enforce or complain", SH_ANNOT_REPORT, s->report);
	return 0;
}

static const sh_engine *base_engine(const sh_supervision *s)
{
	return s->engine.rs ? &s->engine : NULL;
}

/* The base and the arches the filter covers: the profile's, or native + sub-architectures. */
static int supervised_base(plan_ctx *c, const char *name, sh_supervision *s)
{
	/* The profile alone: the agent answers as it does, and the overlays go on top of the filter that
	 * hands calls to the agent (supervised_runtime), where the kernel answers what they deny. */
	if (name && strcmp(name, "unconfined") != 0) {
		if (locate(c, name, &s->l) < 0 || parse_and_resolve(&s->l, c->d, c->err) < 0 ||
		    sh_engine_init(&s->engine, s->l.rs, c->err) < 0)
			return -1;
		s->arches = s->l.rs->arches;
		s->narches = s->l.rs->narches;
	} else if (s->report) {
		return sh_error_set(c->err, SH_EXIT_INVALID, "%s needs a profile whose denials it reports", SH_ANNOT_REPORT);
	} else {
		if (sh_target_init(&s->l.t, false, c->err) < 0)
			return -1;
		s->l.t.caps = c->p->own.bounding;
		s->narches = sh_arch_family(s->l.t.native_arch ? s->l.t.native_arch : sh_arch_native(), s->family);
		s->arches = s->family;
	}
	sh_notify_always(base_engine(s), true, s->always, SH_ARRAY_SIZE(s->always) - 1);
	return 0;
}

/* The notifying rule set for a runtime to compile (runc: no notifying default, write not notified).
 * Its listenerPath, the agent's socket, is known once the agent runs: written then. */
static sh_ruleset *supervised_ruleset(const sh_supervision *s, bool default_may_notify)
{
	sh_notify_opts no = { .default_may_notify = default_may_notify,
			      .exempt = s->record ? sh_notify_exempt_runtime : sh_notify_exempt_report,
			      .listener_path = "" };
	return s->record ? sh_notifyset_record(base_engine(s), sh_notify_no_base(), s->arches, s->narches, &no)
			 : sh_notifyset_report(s->l.rs, &no);
}

/* Init mode: the loader (or crun) installs seccomp-hook's own program: for reports the profile's
 * program with its errno answers handed over, so allowed calls take its path. */
static int supervised_program(plan_ctx *c, sh_supervision *s)
{
	const sh_target *t = &s->l.t;
	if (s->report) {
		sh_translate_opts to = { .optimize = 2, .notify_errno = true };
		s->flags = sh_notify_flags(sh_translate_flags(s->l.rs), t->kmajor, t->kminor);
		return sh_translate_bpf(s->l.rs, &to, &s->program, c->d, c->err);
	}
	cleanup_ruleset sh_ruleset *rs = supervised_ruleset(s, true);
	s->flags = sh_notify_flags(sh_translate_flags(rs), t->kmajor, t->kminor);
	return sh_translate_bpf(rs, NULL, &s->program, NULL, c->err);
}

/* What decides the supervised container's calls, for judging the loader: the agent answers as the
 * base profile does (recordings, enforced reports), so the base's own program; reports in complain
 * mode let what the base denies run, which the installed program says (its notified calls run). */
static int judge_supervised(plan_ctx *c, sh_supervision *s)
{
	if (c->o->crun)
		return 0;
	if (s->record && !s->l.rs) {
		fall_back(c, NULL, "a recording without a base profile lets its process make any call, with which it "
				   "could put another file at the loader's path");
		return 1;
	}
	const sh_bpf *b = s->report && strcmp(s->report, "complain") == 0 ? &s->program : &s->engine.prog;
	return judge_program(c, s->l.path, b->insns, b->len * sizeof(*b->insns));
}

/* Init mode needs someone to hand the listener on: crun, or the wrapper's relay. */
static int supervised_init(plan_ctx *c, sh_supervision *s)
{
	sh_hook_plan *p = c->p;
	const char *why = c->o->crun ? NULL : loader_refused(c);
	if (why) {
		fall_back(c, s->l.path, why);
		return 1;
	}
	if (p->ov) {
		fall_back(c, s->l.path, "the overlays are written into the one filter that hands calls to the agent, "
					"which the runtime installs");
		return 1;
	}
	if (!c->o->crun && !c->o->has_listener_fd)
		return sh_error_set(c->err, SH_EXIT_INVALID, "%s in init mode needs seccomp-hook-runtime (which hands the "
				    "listener on) or --runtime=crun", s->record ? SH_ANNOT_RECORD : SH_ANNOT_REPORT);
	if (!c->o->crun && sh_loader_copy_find(c->o->loader_store ? c->o->loader_store : SH_LOADER_STORE,
					       loader_path(c->o), &p->loader, c->err) < 0)
		return -1;
	if (supervised_program(c, s) < 0)
		return -1;
	int r = judge_supervised(c, s);
	if (r != 0)
		return r;
	/* Stored under the digest of the program itself: what the loader verifies and installs. */
	p->program.len = s->program.len * sizeof(*s->program.insns);
	p->program.data = sh_xmalloc(p->program.len);
	memcpy(p->program.data, s->program.insns, p->program.len);
	p->program.flags = s->flags;
	sh_sha256_hex(p->program.data, p->program.len, p->program.digest);
	memcpy(p->key, p->program.digest, sizeof(p->key));
	p->store = p->store_required = true;
	p->listener_path = sh_xstrdup(""); /* the agent's socket, once it runs */
	plan_call(c);
	return 0;
}

/* crun takes a notifying default (so a call no condition of a conditional rule matches is reported
 * too) and SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV; runc 1.1 takes neither. Both compile this form
 * themselves: it must not be weaker than its rules. */
static int supervised_runtime(plan_ctx *c, sh_supervision *s)
{
	sh_hook_plan *p = c->p;
	cleanup_ruleset sh_ruleset *rs = supervised_ruleset(s, c->o->crun);
	if (c->o->crun) {
		rs->flags = sh_notify_flags(sh_translate_flags(rs), s->l.t.kmajor, s->l.t.kminor) & ~SH_FLAG_NEW_LISTENER;
		rs->flags_given = true;
	}
	cleanup_ruleset sh_ruleset *stacked = NULL;
	if (p->ov && stack_overlays(p->ov, &s->l.t, rs, rs->arches, rs->narches, &stacked, c->err) < 0)
		return sh_error_prefix(c->err, "overlays %s on the filter that hands calls to the agent", p->ov->names);
	const sh_ruleset *written = stacked ? stacked : rs;
	if (sh_translate_runtime_form(written, NULL, c->err) < 0)
		return sh_error_prefix(c->err, "runtime mode");
	p->seccomp = sh_oci_seccomp(written, &s->l.t);
	p->how = SH_HOW_RUNTIME;
	p->mode = SH_MODE_RUNTIME;
	return 0;
}

static int plan_make(const sh_json *config, const sh_hook_opts *o, sh_hook_plan *p, sh_diag *d, sh_error **err,
		     const char *forced);

/* Reports that cannot start leave the container with its plain enforcing profile: that plan too. */
static int plan_without_agent(plan_ctx *c, const char *name, sh_supervision *s)
{
	s->if_no_agent = sh_xcalloc(1, sizeof(*s->if_no_agent));
	sh_diag quiet = { 0 }; /* its warnings were given for the supervised plan already */
	int r = plan_make(c->config, c->o, s->if_no_agent, &quiet, c->err, name);
	sh_diag_free(&quiet);
	return r;
}

static int plan_supervised(plan_ctx *c, const char *name)
{
	sh_hook_plan *p = c->p;
	sh_supervision *s = p->sup = sh_xcalloc(1, sizeof(*s));
	s->record = sh_oci_annotation(c->config, SH_ANNOT_RECORD);
	s->report = sh_oci_annotation(c->config, SH_ANNOT_REPORT);
	const char *args = sh_oci_annotation(c->config, SH_ANNOT_RECORD_ARGS);
	s->args = args && strcmp(args, "true") == 0;
	/* Supervised again: the base an earlier (sealed) recording or report transform applied. */
	if (!name && p->earlier.sealed && p->earlier.supervised && strcmp(p->earlier.profile, "(none)") != 0) {
		name = p->earlier.profile;
		if (earlier_usable(c, name, s->record ? "a recording" : "reports") < 0)
			return -1;
	}
	int r = check_supervised(s, c->err) < 0 || supervised_base(c, name, s) < 0 ? -1 : 0;
	if (r == 0 && p->mode == SH_MODE_INIT)
		r = supervised_init(c, s);
	if (r == 1) {
		plan_reset_program(p);
		r = 0;
	}
	if (r == 0 && p->mode == SH_MODE_RUNTIME)
		r = supervised_runtime(c, s);
	if (r == 0 && s->report)
		r = plan_without_agent(c, name, s);
	p->profile = sh_xstrdup(name ? name : "(none)");
	return r < 0 ? sh_error_prefix(c->err, "profile '%.64s'", name ? name : "(none)") : 0;
}

/* The overlays the options name, and those an earlier (sealed) transform stacked, read and checked:
 * they change whatever the container gets. A transform never drops what an earlier one stacked (a
 * precreate hook run after the one with --overlay, the wrapper after a hook): an overlay is taken
 * away by a config written without it, not by a second transform of one written with it. */
static int plan_overlays(plan_ctx *c)
{
	size_t nearlier = 0;
	char **earlier = c->p->earlier.overlays ? sh_split_commas(c->p->earlier.overlays, &nearlier) : NULL;
	size_t n = c->o->noverlays + nearlier;
	if (!n) {
		sh_strv_free(earlier);
		return 0;
	}
	cleanup_free const char **args = sh_xcalloc(n + 1, sizeof(*args));
	for (size_t i = 0; i < c->o->noverlays; i++)
		args[i] = c->o->overlays[i];
	for (size_t i = 0; i < nearlier; i++)
		args[c->o->noverlays + i] = earlier[i];
	c->p->ov = sh_xcalloc(1, sizeof(*c->p->ov));
	int r = sh_overlay_set_load(args, n, c->o->profiles_dir, c->p->ov, c->d, c->err);
	sh_strv_free(earlier);
	if (r == 0)
		return 0;
	free(steal_pointer(&c->p->ov));
	return -1;
}

/* forced: plan this profile, without recording or reports (the plan of reports whose agent does not
 * start). */
static int plan_make(const sh_json *config, const sh_hook_opts *o, sh_hook_plan *p, sh_diag *d, sh_error **err,
		     const char *forced)
{
	plan_ctx c = { .config = config, .o = o, .p = p, .d = d, .err = err };
	const char *name = NULL;
	memset(p, 0, sizeof(*p));
	p->call.listener_fd = -1;
	if (config->type != SH_JSON_OBJECT)
		return sh_error_set(err, SH_EXIT_INVALID, "config: expected an object");
	if (sh_hook_check_annotations(config, err) < 0 || plan_refused(&c) < 0 || plan_earlier(&c) < 0 ||
	    plan_overlays(&c) < 0)
		return -1;
	if (!forced && p->earlier.agent) /* whatever is applied now, that agent's container is not coming */
		p->release_agent = sh_xstrdup(p->earlier.agent);
	plan_own_caps(&c);
	if (plan_select(&c, &name) < 0)
		return -1;
	if (forced)
		name = forced;
	bool supervised = !forced && (sh_oci_annotation(config, SH_ANNOT_RECORD) || sh_oci_annotation(config, SH_ANNOT_REPORT));
	/* Whatever sits at the loader's place is the transform's to remove (a config cannot plant it). */
	bool planted = !p->earlier.sealed && sh_initproc_has_loader_mounts(config);
	bool alone = p->ov && !o->overlay_skip_unconfined && (!name || strcmp(name, "unconfined") == 0);
	p->changed = p->earlier.sealed || planted || name || supervised || alone;
	if (supervised)
		return plan_supervised(&c, name);
	if (alone)
		return plan_profile(&c, NULL);
	if (!name) {
		p->how = SH_HOW_PASS;
		return 0;
	}
	if (strcmp(name, "unconfined") == 0) {
		p->how = SH_HOW_UNCONFINED;
		p->profile = sh_xstrdup(name);
		return 0;
	}
	return plan_profile(&c, name);
}

/* Positions in the engine's linux.seccomp are in the text as the transform wrote it again, which
 * nobody has: left out (each message names its JSON path, which is the user's file's too). */
static void unplace_engine(sh_diag *d, size_t from, sh_error **err)
{
	for (size_t i = from; d && i < d->n; i++)
		if (strcmp(d->items[i].file, SH_ENGINE_PROFILE_FILE) == 0)
			d->items[i].line = d->items[i].col = 0;
	if (err && *err && (*err)->file && strcmp((*err)->file, SH_ENGINE_PROFILE_FILE) == 0)
		(*err)->line = (*err)->col = 0;
}

int sh_hook_plan_make(const sh_json *config, const sh_hook_opts *o, sh_hook_plan *p, sh_diag *d, sh_error **err)
{
	size_t from = d ? d->n : 0;
	int r = plan_make(config, o, p, d, err, NULL);
	unplace_engine(d, from, err);
	return r;
}

static void supervision_free(sh_supervision *s)
{
	if (!s)
		return;
	sh_engine_fini(&s->engine);
	loaded_free(&s->l);
	sh_bpf_free(&s->program);
	if (s->if_no_agent) {
		sh_hook_plan_free(s->if_no_agent);
		free(s->if_no_agent);
	}
	free(s);
}

void sh_hook_plan_free(sh_hook_plan *p)
{
	free(p->earlier.profile);
	free(p->earlier.agent);
	free(p->earlier.engine);
	free(p->earlier.overlays);
	free(p->engine_text);
	free(p->release_agent);
	free(p->made_place);
	free(p->profile);
	free(p->fallback);
	sh_cache_entry_free(&p->program);
	sh_json_free(p->seccomp);
	free(p->oci_text);
	free(p->oci_canonical);
	sh_loader_copy_free(&p->loader);
	free(p->listener_path);
	free(p->listener_metadata);
	supervision_free(p->sup);
	sh_cache_entry_free(&p->overlay_program);
	if (p->ov) {
		sh_overlay_set_free(p->ov);
		free(p->ov);
	}
	memset(p, 0, sizeof(*p));
}

/* ==== act: what happens on the host ================================================================ */

static int start_agent(const sh_hook_opts *o, sh_supervision *s, char **socket, sh_error **err)
{
	sh_agent_opts ao = { .base = base_engine(s), .arches = s->arches, .narches = s->narches, .record = s->record,
			     .args = s->args, .report = s->report, .agents_dir = o->agents_dir,
			     .recordings_dir = o->recordings_dir, .reports_log = o->reports_log,
			     .metrics_dir = o->metrics_dir, .always = s->always, .creator = o->agent_creator };
	return sh_agent_start(&ao, socket, err);
}

/* The loader's second program, in the cache: the container cannot start without it. */
static int act_overlay_program(sh_hook_plan *p, const sh_hook_opts *o, sh_hook_acted *a, sh_error **err)
{
	if (!p->store_overlay) {
		a->overlay_bpf_path = sh_xstrdup(p->overlay_program.path);
		return 0;
	}
	sh_bpf b = { .insns = (struct sock_filter *)p->overlay_program.data,
		     .len = p->overlay_program.len / sizeof(struct sock_filter) };
	sh_cache_entry e = { 0 };
	int r = sh_cache_store(cache_dir(o), p->overlay_key, &b, p->overlay_program.flags, &e, err);
	a->overlay_bpf_path = steal_pointer(&e.path);
	sh_cache_entry_free(&e);
	return r;
}

/* The loader's read-only copy and the program in the cache (in runtime mode its linux.seccomp text
 * too, best effort: a cache that cannot be written costs only time). */
static int act_program(sh_hook_plan *p, const sh_hook_opts *o, sh_hook_acted *a, sh_error **err)
{
	if (p->how == SH_HOW_LOADER && sh_loader_copy_make(&p->loader, err) < 0)
		return -1;
	if (p->store) {
		sh_error *ignored = NULL;
		sh_bpf b = { .insns = p->program.data, .len = p->program.len / sizeof(struct sock_filter) };
		sh_cache_entry e = { 0 };
		int r = sh_cache_store(cache_dir(o), p->key, &b, p->program.flags, &e, p->store_required ? err : &ignored);
		sh_error_free(ignored);
		if (r < 0 && p->store_required) {
			sh_cache_entry_free(&e);
			return -1;
		}
		a->bpf_path = steal_pointer(&e.path);
		sh_cache_entry_free(&e);
	} else if (p->program.path) {
		a->bpf_path = sh_xstrdup(p->program.path);
	}
	sh_error *ignored = NULL;
	if (p->store_oci_canonical) /* first: a key that resolves to its text finds the text's form */
		sh_cache_store_canonical(cache_dir(o), p->digest, p->oci_canonical, p->oci_clen, &ignored);
	sh_error_free(steal_pointer(&ignored));
	if (p->store_oci)
		sh_cache_store_oci(cache_dir(o), p->key, p->oci_text, p->oci_len, &ignored);
	sh_error_free(ignored);
	return p->how == SH_HOW_LOADER && p->call.overlay_path ? act_overlay_program(p, o, a, err) : 0;
}

/* A recording that cannot start stops the container (nothing would be recorded); reports that cannot
 * leave it with its plain enforcing profile (its plan), and say so. */
static int act_agent(sh_hook_plan *p, const sh_hook_opts *o, sh_hook_acted *a, sh_diag *d, sh_error **err)
{
	sh_supervision *s = p->sup;
	sh_error *why = NULL;
	/* The program first: a container that cannot start leaves no agent waiting for it. */
	if (act_program(p, o, a, err) < 0)
		return -1;
	if (start_agent(o, s, &a->socket, s->record ? err : &why) == 0)
		return 0;
	if (s->record)
		return -1;
	free(steal_pointer(&a->bpf_path));
	sh_diag_add(d, SH_SEV_WARNING, s->l.path, 0, 0, "reporter-not-started",
		    "live reports could not start (%s); the profile applies without them", why->msg);
	sh_error_free(why);
	a->agent_failed = true;
	return act_program(s->if_no_agent, o, a, err);
}

/* Best effort, after what the container needs: the engine's linux.seccomp kept for a later transform
 * (one that cannot find it says so), and an earlier transform's agent told that nothing comes. */
static void act_aside(const sh_hook_plan *p, const sh_hook_opts *o)
{
	sh_error *ignored = NULL;
	char digest[65];
	if (p->engine_text)
		sh_cache_put_oci_text(cache_dir(o), p->engine_text, p->engine_len, digest, &ignored);
	sh_error_free(steal_pointer(&ignored));
	if (p->release_agent)
		sh_agent_release(p->release_agent, &ignored);
	sh_error_free(ignored);
}

int sh_hook_act(sh_hook_plan *p, const sh_hook_opts *o, sh_hook_acted *a, sh_diag *d, sh_error **err)
{
	memset(a, 0, sizeof(*a));
	if (!p->changed)
		return 0;
	if (sh_seal_key_get(o->seal_key, &a->key, err) < 0)
		return -1;
	int r = p->sup ? act_agent(p, o, a, d, err) : act_program(p, o, a, err);
	if (r == 0)
		act_aside(p, o);
	return r;
}

void sh_hook_acted_free(sh_hook_acted *a)
{
	free(a->bpf_path);
	free(a->overlay_bpf_path);
	free(a->socket);
	memset(a, 0, sizeof(*a));
}

/* ==== write: the config edited as planned, then sealed ============================================= */

/* What an earlier (sealed) transform wrote, taken out: the loader's call in front of the process
 * (with the capabilities it lent) and of the startContainer hooks, and its linux.seccomp in init mode
 * (the profile it came from is named again). */
static void undo_earlier(sh_json *config, const sh_earlier *e)
{
	if (!e->sealed)
		return;
	sh_initproc_unwrap_process(sh_json_get(config, "process"));
	sh_initproc_unwrap_hooks(config);
	sh_json *linux_ = sh_json_get(config, "linux");
	if (e->init && linux_ && linux_->type == SH_JSON_OBJECT)
		sh_json_remove(linux_, "seccomp");
}

/* Whatever sits at the loader's place, and the annotations only the transform writes. */
static void clear_ours(sh_json *config, bool replacing)
{
	static const char *const ours[] = { SH_ANNOT_APPLIED, SH_ANNOT_SEAL, SH_ANNOT_LISTENER_PATH,
					    SH_ANNOT_LISTENER_METADATA, SH_ANNOT_ENGINE_SECCOMP };
	sh_initproc_remove_mounts(config);
	for (size_t i = 0; i < SH_ARRAY_SIZE(ours); i++)
		remove_annotation(config, ours[i]);
	if (replacing) /* a program crun was handed before is replaced too */
		remove_annotation(config, SH_ANNOT_CRUN_BPF);
}

static int set_seccomp(sh_json *config, sh_json *sec, sh_error **err)
{
	sh_json *linux_ = child_object(config, "linux", err);
	if (!linux_) {
		sh_json_free(sec);
		return -1;
	}
	if (sec)
		sh_json_set(linux_, "seccomp", sec);
	else
		sh_json_remove(linux_, "seccomp");
	return 0;
}

/* crun's annotation: the compiled program itself, which crun installs instead of compiling. */
static void set_crun_program(sh_json *config, const sh_cache_entry *e)
{
	cleanup_free char *b64 = sh_base64(e->data, e->len);
	set_annotation(config, SH_ANNOT_CRUN_BPF, b64);
}

static void set_listener(sh_json *config, const sh_hook_plan *p, const char *path)
{
	set_annotation(config, SH_ANNOT_LISTENER_PATH, path);
	if (p->listener_metadata)
		set_annotation(config, SH_ANNOT_LISTENER_METADATA, p->listener_metadata);
}

/* Runtime mode: linux.seccomp as planned (an agent's socket as its listenerPath), and crun's copy of
 * the program. The digest org.seccomp-hook.applied records is the text's. */
static int write_runtime(sh_json *config, sh_hook_plan *p, const char *socket, sh_error **err)
{
	sh_json *sec = steal_pointer(&p->seccomp);
	if (!sec && !socket) { /* a hit, written as the cache has it */
		sec = sh_json_new_given(SH_JSON_OBJECT, steal_pointer(&p->oci_text), p->oci_len,
					steal_pointer(&p->oci_canonical), p->oci_clen);
	} else if (!sec && sh_json_parse(p->oci_text, p->oci_len, "cache", NULL, &sec, err) < 0) {
		return -1;
	}
	if (socket) {
		sh_json_set(sec, "listenerPath", sh_json_new_string(socket));
		size_t len;
		cleanup_free char *text = sh_json_serialize(sec, false, &len);
		sh_sha256_hex(text, len, p->digest);
	}
	if (set_seccomp(config, sec, err) < 0)
		return -1;
	if (p->crun_copy)
		set_crun_program(config, &p->program);
	return 0;
}

/* The loader becomes the first program of PID 1 and of every startContainer hook. Unless every exec
 * is routed through the loader too (the wrapper) or the user said an exec may run unfiltered,
 * linux.seccomp becomes a placeholder that refuses execve, so a runtime starting a process itself
 * (plain runc exec, or the plain runtime running this config) cannot run one unfiltered. */
static int write_loader(sh_json *config, const sh_hook_plan *p, const sh_hook_acted *a, const sh_hook_opts *o,
			sh_error **err)
{
	if (sh_initproc_wrap_process(sh_json_get(config, "process"), &p->call, err) < 0 ||
	    sh_initproc_add_mounts(config, p->loader.dir, a->bpf_path, p->call.overlay_path ? a->overlay_bpf_path : NULL,
				   err) < 0)
		return -1;
	sh_initproc_wrap_hooks(config, &p->call);
	if (p->listener_path)
		set_listener(config, p, a->socket ? a->socket : p->listener_path);
	return set_seccomp(config, o->exec_routed || o->allow_unfiltered_exec ? NULL : sh_initproc_placeholder(), err);
}

/* crun (1.8.1 here) installs the program handed to it in run.oci.seccomp_bpf_data instead of
 * compiling linux.seccomp, in the container's init process just before the exec, and in every exec,
 * with linux.seccomp's flags. linux.seccomp kills the first syscall, so a runtime that ignores the
 * annotation (runc, an older crun) cannot start the container unfiltered. */
static int write_crun(sh_json *config, const sh_hook_plan *p, const char *socket, sh_error **err)
{
	sh_json *sec = sh_json_new(SH_JSON_OBJECT);
	sh_json_set(sec, "defaultAction", sh_json_new_string("SCMP_ACT_KILL_PROCESS"));
	unsigned flags = p->program.flags & ~SH_FLAG_NEW_LISTENER; /* crun asks for a listener itself */
	if (flags)
		sh_json_set(sec, "flags", sh_oci_flags(flags));
	/* SCMP_ACT_NOTIFY: crun installs the program with a listener and hands it to listenerPath. */
	if (p->listener_path)
		sh_json_set(sec, "listenerPath", sh_json_new_string(socket ? socket : p->listener_path));
	if (p->listener_metadata)
		sh_json_set(sec, "listenerMetadata", sh_json_new_string(p->listener_metadata));
	if (set_seccomp(config, sec, err) < 0)
		return -1;
	set_crun_program(config, &p->program);
	return 0;
}

static int write_how(sh_json *config, sh_hook_plan *p, const sh_hook_acted *a, const sh_hook_opts *o, sh_error **err)
{
	switch (p->how) {
	case SH_HOW_UNCONFINED:
		return set_seccomp(config, NULL, err);
	case SH_HOW_RUNTIME:
		return write_runtime(config, p, a->socket, err);
	case SH_HOW_LOADER:
		return write_loader(config, p, a, o, err);
	case SH_HOW_CRUN:
		return write_crun(config, p, a->socket, err);
	default:
		return 0;
	}
}

static char *applied_text(const sh_hook_plan *p, const sh_hook_acted *a)
{
	if (p->how == SH_HOW_UNCONFINED)
		return sh_xstrdup("unconfined");
	const sh_supervision *s = a->socket ? p->sup : NULL;
	return sh_xasprintf("%s %s sha256:%s%s%s%s%s%s", p->profile, sh_mode_name(p->mode), p->digest,
			    p->ov ? " " SH_APPLIED_OVERLAYS : "", p->ov ? p->ov->names : "", s ? " " : "",
			    s ? (s->record ? "record=" : "report=") : "", s ? (s->record ? s->record : s->report) : "");
}

int sh_hook_write(sh_json *config, sh_hook_plan *p, const sh_hook_acted *a, const sh_hook_opts *o, sh_error **err)
{
	if (!p->changed)
		return 0;
	sh_hook_plan *q = a->agent_failed ? p->sup->if_no_agent : p;
	undo_earlier(config, &p->earlier);
	clear_ours(config, p->earlier.sealed || q->how != SH_HOW_PASS);
	if (q->how == SH_HOW_PASS)
		return 0;
	if (write_how(config, q, a, o, err) < 0)
		return -1;
	cleanup_free char *applied = applied_text(q, a);
	set_annotation(config, SH_ANNOT_APPLIED, applied);
	if (p->engine_text) {
		cleanup_free char *engine = sh_xasprintf("sha256:%s", p->engine_digest);
		set_annotation(config, SH_ANNOT_ENGINE_SECCOMP, engine);
	}
	char seal[65];
	sh_seal_compute(&a->key, config, seal);
	set_annotation(config, SH_ANNOT_SEAL, seal);
	return 0;
}

/* ==== the transform: plan, act, write ============================================================== */

int sh_hook_transform(sh_json *config, const sh_hook_opts *o, sh_hook_result *res, sh_diag *d, sh_error **err)
{
	sh_hook_plan p;
	sh_hook_acted a = { 0 };
	memset(res, 0, sizeof(*res));
	int r = sh_hook_plan_make(config, o, &p, d, err);
	res->profile = p.profile ? sh_xstrdup(p.profile) : NULL;
	if (r == 0)
		r = sh_hook_act(&p, o, &a, d, err);
	if (r == 0)
		r = sh_hook_write(config, &p, &a, o, err);
	const sh_hook_plan *q = a.agent_failed ? p.sup->if_no_agent : &p;
	if (r == 0) {
		res->agent = a.socket ? sh_xstrdup(a.socket) : NULL;
		res->made_place = q->made_place ? sh_xstrdup(q->made_place) : NULL;
		res->changed = p.changed;
		res->mode = q->how == SH_HOW_LOADER || q->how == SH_HOW_CRUN ? SH_MODE_INIT : SH_MODE_RUNTIME;
		memcpy(res->digest, q->digest, sizeof(res->digest));
		bool listener = q->listener_path && (q->how == SH_HOW_LOADER || q->how == SH_HOW_CRUN);
		if (listener)
			res->listener_path = sh_xstrdup(a.socket ? a.socket : q->listener_path);
		if (listener && q->listener_metadata)
			res->listener_metadata = sh_xstrdup(q->listener_metadata);
	}
	sh_hook_acted_free(&a);
	sh_hook_plan_free(&p);
	return r;
}

void sh_hook_result_free(sh_hook_result *res)
{
	free(res->listener_path);
	free(res->listener_metadata);
	free(res->profile);
	free(res->agent);
	free(res->made_place);
	res->listener_path = res->listener_metadata = res->profile = res->agent = res->made_place = NULL;
}

const sh_json_limits sh_hook_config_limits = { .max_bytes = 16u << 20, .max_depth = 64, .max_nodes = 1000000 };

/* What the transform reads and edits, built whole; everything else is carried over as written: the
 * annotations (all of them), process.args and capabilities (the loader goes in front, capabilities
 * are lent to it), process.user (what the installer calls after the filter is in depends on it), hooks.startContainer (through the loader), linux.seccomp (replaced or removed; the
 * seal covers it), linux.namespaces and root (whether the loader's path is the container's alone),
 * the mounts (the loader's are added, and whatever sits at its place is removed). */
static const sh_json_shape process_shape[] = { { "args", sh_json_shape_all }, { "capabilities", sh_json_shape_all },
					       { "user", sh_json_shape_all }, { NULL, NULL } };
static const sh_json_shape hooks_shape[] = { { "startContainer", sh_json_shape_all }, { NULL, NULL } };
static const sh_json_shape linux_shape[] = { { "seccomp", sh_json_shape_all }, { "namespaces", sh_json_shape_all },
					     { NULL, NULL } };
static const sh_json_shape config_shape[] = { { "mounts", sh_json_shape_all }, { "annotations", sh_json_shape_all },
					      { "process", process_shape }, { "hooks", hooks_shape },
					      { "linux", linux_shape }, { "root", sh_json_shape_all }, { NULL, NULL } };

const sh_json_shape *sh_hook_config_shape(const sh_hook_opts *o)
{
	(void)o;
	return config_shape;
}

/* Nothing is logged here: the output carries the applied profile, mode and digest
 * (org.seccomp-hook.applied), and the state stages log what each container got; a syslog round trip
 * would add about 60 us to every container start. */
/* keep (optional): the transformed tree instead of freeing it (only its built parts can be read). */
static int transform_text(const char *buf, size_t len, const char *name, const sh_hook_opts *o, char **out,
			  size_t *outlen, sh_hook_result *res, sh_diag *d, sh_json **keep, sh_error **err)
{
	sh_json *config = NULL;
	sh_hook_result own;
	if (!res)
		res = &own;
	memset(res, 0, sizeof(*res)); /* also when the parse or a check fails before the transform */
	*out = NULL;
	/* Only what the transform reads is built; the rest is checked by yajl and copied as written. */
	if (sh_json_parse_shaped(buf, len, name, &sh_hook_config_limits, sh_hook_config_shape(o), &config, err) < 0)
		return -1;
	int r = sh_gofold_check_config(config, name, err);
	if (r == 0)
		r = sh_hook_transform(config, o, res, d, err);
	if (r == 0 && res->changed) /* what the transform left alone keeps its bytes */
		*out = sh_json_serialize_edits(config, buf, len, outlen);
	if (r == 0 && keep)
		*keep = steal_pointer(&config);
	sh_json_free(config);
	if (res == &own)
		sh_hook_result_free(&own);
	return r;
}

int sh_hook_transform_text(const char *buf, size_t len, const char *name, const sh_hook_opts *o, char **out,
			   size_t *outlen, sh_hook_result *res, sh_diag *d, sh_error **err)
{
	return transform_text(buf, len, name, o, out, outlen, res, d, NULL, err);
}

int sh_hook_rewrite_bundle(const char *bundle, const sh_hook_opts *o, bool durable, sh_hook_result *res,
			   sh_diag *d, sh_json **config, sh_error **err)
{
	cleanup_free char *path = sh_xasprintf("%s/config.json", bundle);
	cleanup_free char *in = NULL, *out = NULL;
	size_t inlen = 0, outlen = 0;
	struct stat sb;
	/* O_NONBLOCK: a FIFO planted as config.json must not hang the hook in open(2). */
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0 || fstat(fd, &sb) < 0)
		return sh_error_errno(err, errno, "%s", path);
	if (!S_ISREG(sb.st_mode))
		return sh_error_set(err, SH_EXIT_INVALID, "%s: not a regular file", path);
	sh_hook_opts own = *o;
	own.bundle = bundle; /* where a relative root.path is */
	if (sh_read_fd_bounded(fd, path, sh_hook_config_limits.max_bytes, &in, &inlen, err) < 0 ||
	    transform_text(in, inlen, path, &own, &out, &outlen, res, d, config, err) < 0)
		return -1;
	return out ? sh_write_file_replace(path, out, outlen, sb.st_mode & 07777, durable, err) : 0;
}

/* A refused container's config, for engines that do not show a hook's standard error: every runtime
 * refuses it before it creates anything (an action no runtime knows, whose name is the reason; a
 * command that cannot exist, in case a runtime ignored linux.seccomp), and the reason is marked for
 * the runtime wrapper, which refuses it with that line. Nothing of an earlier transform stays. */
int sh_hook_refusal_text(const char *buf, size_t len, const char *name, const char *reason, char **out,
			 size_t *outlen, sh_error **err)
{
	sh_json *config = NULL;
	*out = NULL;
	if (sh_json_parse_shaped(buf, len, name, &sh_hook_config_limits, config_shape, &config, err) < 0)
		return -1;
	sh_json *process = config->type == SH_JSON_OBJECT ? child_object(config, "process", err)
							  : (sh_error_set(err, SH_EXIT_INVALID, "config: expected an object"), NULL);
	sh_json *sec = sh_json_new(SH_JSON_OBJECT), *args = sh_json_new(SH_JSON_ARRAY);
	cleanup_free char *action = sh_xasprintf("(seccomp-hook refused this container: %s; " SH_OPLOG_WHERE ")", reason);
	sh_json_set(sec, "defaultAction", sh_json_new_string(action));
	sh_json_append(args, sh_json_new_string("/proc/seccomp-hook refused this container"));
	int r = process && set_seccomp(config, sec, err) == 0 ? 0 : -1;
	if (r == 0) {
		sh_initproc_unwrap_hooks(config);
		clear_ours(config, true);
		sh_json_set(process, "args", args);
		set_annotation(config, SH_ANNOT_REFUSED, reason);
		*out = sh_json_serialize_edits(config, buf, len, outlen);
	} else {
		if (!process)
			sh_json_free(sec);
		sh_json_free(args);
	}
	sh_json_free(config);
	return r;
}

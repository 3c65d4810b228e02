#include "config.h"
#include "hookcfg.h"
#include "explain.h"
#include "agent.h"
#include "cache.h"
#include "gofold.h"
#include "lookup.h"
#include "names.h"
#include "notifyset.h"
#include "oci.h"
#include "resolve.h"
#include "sha256.h"
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

/* Which profile and mode this container asks for: --profile, the annotation, linux.seccomp as the
 * engine wrote it (the wrapper), the profile an earlier transform applied, then the default.
 * *name NULL: pass through. */
static int select_profile(const sh_json *config, const sh_hook_opts *o, const char *previous, const char **name,
			  sh_mode *mode, sh_error **err)
{
	const char *m = sh_oci_annotation(config, SH_ANNOT_MODE);
	if (!m)
		m = o->mode ? o->mode : "runtime";
	if (sh_mode_parse(m, mode) < 0)
		return sh_error_set(err, SH_EXIT_INVALID, "invalid mode '%.64s' (runtime or init)", m);
	*name = o->profile ? o->profile : sh_oci_annotation(config, SH_ANNOT_PROFILE);
	if (!*name && o->seccomp_as_profile && !sh_json_is_null(sh_json_get(sh_json_get(config, "linux"), "seccomp")))
		*name = SH_PROFILE_FROM_CONFIG;
	if (!*name)
		*name = previous;
	if (!*name)
		*name = o->default_profile;
	return 0;
}

typedef struct loaded {
	char *path;
	char *raw;
	size_t rawlen;
	sh_profile *p;
	sh_ruleset *rs;
	sh_target t;
} loaded;

static void loaded_free(loaded *l)
{
	sh_ruleset_free(l->rs);
	sh_profile_free(l->p);
	free(l->raw);
	free(l->path);
}

/* Find the profile and read its bytes; the target is this host with the container's capabilities. */
static int locate(const char *name, const sh_json *config, const sh_hook_opts *o, loaded *l, sh_error **err)
{
	if (strcmp(name, SH_PROFILE_FROM_CONFIG) == 0) {
		/* Its text as the engine wrote it is the cache key's input, as a profile file's bytes are. */
		l->path = sh_xstrdup("config.json: linux.seccomp");
		l->raw = sh_json_serialize(sh_json_get(sh_json_get(config, "linux"), "seccomp"), false, &l->rawlen);
	} else {
		int r = o->profile ? sh_profile_arg(name, o->profiles_dir, &l->path, err)
				   : sh_profile_find(name, o->profiles_dir, &l->path, err);
		if (r < 0 || sh_read_file_limited(l->path, sh_json_default_limits.max_bytes, &l->raw, &l->rawlen, err) < 0)
			return -1;
	}
	if (sh_target_init(&l->t, false, err) < 0)
		return -1;
	l->t.caps = sh_oci_bounding_caps(config);
	return 0;
}

static int parse_and_resolve(loaded *l, sh_diag *d, sh_error **err)
{
	sh_json *root = NULL;
	if (sh_json_parse(l->raw, l->rawlen, l->path, NULL, &root, err) < 0)
		return -1;
	int r = sh_profile_from_json(root, l->path, &l->p, d, err);
	sh_json_free(root);
	return r < 0 ? -1 : sh_resolve(l->p, &l->t, &l->rs, d, err);
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

static const char *cache_dir(const sh_hook_opts *o)
{
	return o->cache_dir ? o->cache_dir : SH_DEFAULT_CACHE_DIR;
}

/* Compile the resolved profile and record the program under key (in dir; NULL: nowhere). libseccomp
 * refusing the rules is always an error; what can fail after that (the size limit on export, writing
 * the cache) is one only when the caller needs the entry. */
static int compile_and_store(const char *dir, const char *key, loaded *l, bool required, sh_cache_entry *e,
			     sh_diag *d, sh_error **err)
{
	scmp_filter_ctx ctx = NULL;
	if (sh_translate_ctx(l->rs, NULL, &ctx, d, err) < 0)
		return -1;
	sh_error *ignored = NULL;
	sh_error **later = required ? err : &ignored;
	sh_bpf b = { 0 };
	int r = sh_translate_export(l->rs, NULL, ctx, &b, later);
	seccomp_release(ctx);
	if (r == 0) /* dir NULL: a cache not to be written */
		r = dir ? sh_cache_store(dir, key, &b, sh_translate_flags(l->rs), e, later) : -1;
	if (r < 0 && !required && b.insns && !e->data) { /* not stored, but the program itself is fine */
		e->len = b.len * sizeof(*b.insns);
		e->data = sh_steal(&b.insns);
		e->flags = sh_translate_flags(l->rs);
	}
	sh_bpf_free(&b);
	sh_error_free(ignored);
	return required ? r : 0;
}

/* crun's annotation: the compiled program itself, which crun installs instead of compiling. */
static void set_crun_program(sh_json *config, const sh_cache_entry *e)
{
	cleanup_free char *b64 = sh_base64(e->data, e->len);
	set_annotation(config, SH_ANNOT_CRUN_BPF, b64);
}

/* Runtime mode. libseccomp must accept the rules here, or the runtime would fail later with a worse
 * message; the compiled program and the linux.seccomp text are recorded under the key, so a later
 * start with the same bytes and target parses nothing: it verifies both and copies them in. The
 * cache is best effort here: a cache it cannot write costs only time.
 *
 * linux.seccomp is for any runtime; crun also gets the compiled program itself (SH_ANNOT_CRUN_BPF),
 * which spares it the compile at every start. Not for profiles that need a listener fd. */
static int runtime_from_cache(const char *dir, const char *key, sh_cache_entry *e, sh_json **sec, char **text,
			      size_t *len, char digest[65], sh_error **err)
{
	int r = sh_cache_lookup(dir, key, e, err);
	if (r == 1)
		r = sh_cache_lookup_oci(dir, key, text, len, digest, err);
	if (r != 1)
		return r;
	sh_error *ignored = NULL;
	r = sh_json_parse(*text, *len, "cache", NULL, sec, &ignored);
	sh_error_free(ignored);
	return r == 0;
}

static int apply_runtime(sh_json *config, const sh_hook_opts *o, loaded *l, sh_hook_result *res, sh_diag *d,
			 sh_error **err)
{
	const char *dir = cache_dir(o);
	char key[65];
	cache_key(l, key);
	sh_cache_entry e = { 0 };
	sh_json *sec = NULL;
	cleanup_free char *text = NULL;
	size_t len = 0;
	/* The digest recorded is the text's SHA-256: the cache's name for it on a hit. A cache others
	 * could have written is not read (nor written): the profile is compiled as if it were empty. */
	sh_error *untrusted = NULL;
	int hit = runtime_from_cache(dir, key, &e, &sec, &text, &len, res->digest, &untrusted);
	if (hit < 0) {
		sh_diag_add(d, SH_SEV_WARNING, NULL, 0, 0, "untrusted-cache", "%s; compiling without it", untrusted->msg);
		sh_error_free(untrusted);
	}
	if (hit != 1) {
		sh_cache_entry_free(&e);
		free(steal_pointer(&text));
		const char *store = hit < 0 ? NULL : dir;
		if (parse_and_resolve(l, d, err) < 0 || compile_and_store(store, key, l, false, &e, d, err) < 0) {
			sh_cache_entry_free(&e);
			return -1;
		}
		sec = sh_oci_seccomp(l->rs, &l->t);
		text = sh_json_serialize(sec, false, &len);
		sh_sha256_hex(text, len, res->digest);
		sh_error *ignored = NULL;
		if (store)
			sh_cache_store_oci(dir, key, text, len, &ignored);
		sh_error_free(ignored);
	}
	sh_json *linux_ = child_object(config, "linux", err);
	if (!linux_) {
		sh_json_free(sec);
		sh_cache_entry_free(&e);
		return -1;
	}
	sh_json_set(linux_, "seccomp", sec);
	if (e.data && !(e.flags & SH_FLAG_NEW_LISTENER))
		set_crun_program(config, &e);
	sh_cache_entry_free(&e);
	return 0;
}

/* The loader becomes the first program of PID 1 and of every startContainer hook. Unless every exec
 * is routed through the loader too (the wrapper) or the user said an exec may run unfiltered,
 * linux.seccomp becomes a placeholder that refuses execve, so a runtime starting a process itself
 * (plain runc exec, or the plain runtime running this config) cannot run one unfiltered. */
static int rewrite_for_loader(sh_json *config, const sh_hook_opts *o, const char *loader, const sh_cache_entry *e,
			      sh_error **err)
{
	bool listener = (e->flags & SH_FLAG_NEW_LISTENER) && o->has_listener_fd;
	sh_loader_call call = { e->digest, e->flags, listener ? o->listener_fd : -1 };
	sh_json *process = sh_json_get(config, "process");
	if (sh_initproc_wrap_process(process, &call, err) < 0 || sh_initproc_add_mounts(config, loader, e->path, err) < 0)
		return -1;
	sh_initproc_wrap_hooks(config, &call);
	sh_json *linux_ = child_object(config, "linux", err);
	if (!linux_)
		return -1;
	if (o->exec_routed || o->allow_unfiltered_exec)
		sh_json_remove(linux_, "seccomp");
	else
		sh_json_set(linux_, "seccomp", sh_initproc_placeholder());
	return 0;
}

/* --runtime=crun: crun (1.8.1 here) installs the program handed to it in run.oci.seccomp_bpf_data
 * instead of compiling linux.seccomp, in the container's init process just before the exec, with
 * linux.seccomp's flags: the same filter the loader would install, without bind mounts or an extra
 * exec. linux.seccomp becomes a placeholder that kills the first syscall, so a runtime that ignores
 * the annotation (runc, an older crun) cannot start the container unfiltered. */
static int rewrite_for_crun(sh_json *config, const sh_cache_entry *e, const sh_hook_result *res, sh_error **err)
{
	sh_json *linux_ = child_object(config, "linux", err);
	if (!linux_)
		return -1;
	sh_json *sec = sh_json_new(SH_JSON_OBJECT);
	sh_json_set(sec, "defaultAction", sh_json_new_string("SCMP_ACT_KILL_PROCESS"));
	unsigned flags = e->flags & ~SH_FLAG_NEW_LISTENER; /* crun asks for a listener itself */
	if (flags)
		sh_json_set(sec, "flags", sh_oci_flags(flags));
	/* SCMP_ACT_NOTIFY: crun installs the program with a listener and hands it to listenerPath. */
	if (res->listener_path)
		sh_json_set(sec, "listenerPath", sh_json_new_string(res->listener_path));
	if (res->listener_metadata)
		sh_json_set(sec, "listenerMetadata", sh_json_new_string(res->listener_metadata));
	sh_json_set(linux_, "seccomp", sec);
	set_crun_program(config, e);
	return 0;
}

/* Compile on a miss: the profile is parsed and resolved only here. */
static int compile_into_cache(const char *dir, const char *key, loaded *l, sh_cache_entry *e, sh_diag *d,
			      sh_error **err)
{
	return parse_and_resolve(l, d, err) < 0 ? -1 : compile_and_store(dir, key, l, true, e, d, err);
}

static int apply_runtime(sh_json *config, const sh_hook_opts *o, loaded *l, sh_hook_result *res, sh_diag *d,
			 sh_error **err);

/* SCMP_ACT_NOTIFY in init mode: the listener goes to the profile's listenerPath from crun itself, or
 * from the loader through the runtime wrapper's relay (the annotations tell the wrapper at exec).
 * Without either nobody could answer the notified syscalls: refused. */
static int init_listener(sh_json *config, const sh_hook_opts *o, loaded *l, sh_hook_result *res, sh_diag *d,
			 sh_error **err)
{
	if (!o->crun && !o->has_listener_fd)
		return sh_error_set(err, SH_EXIT_INVALID, "%s: SCMP_ACT_NOTIFY in init mode needs seccomp-hook-runtime "
				    "(which hands the listener to listenerPath) or --runtime=crun", l->path);
	if (!l->p && parse_and_resolve(l, d, err) < 0) /* a cache hit parsed nothing */
		return -1;
	if (!l->p->listener_path)
		return sh_error_set(err, SH_EXIT_INVALID, "%s: SCMP_ACT_NOTIFY needs listenerPath", l->path);
	res->listener_path = sh_xstrdup(l->p->listener_path);
	res->listener_metadata = l->p->listener_metadata ? sh_xstrdup(l->p->listener_metadata) : NULL;
	if (!o->crun) {
		set_annotation(config, SH_ANNOT_LISTENER_PATH, res->listener_path);
		if (res->listener_metadata)
			set_annotation(config, SH_ANNOT_LISTENER_METADATA, res->listener_metadata);
	}
	return 0;
}

static const char *loader_path(const sh_hook_opts *o)
{
	return o->loader ? o->loader : SH_LIBEXECDIR "/seccomp-hook-init";
}

/* Whether init mode may be used for this container: 1 when the runtime must install the filter
 * instead (a process that could undo the loader; warned), 0 to go on, -1 when the loader is missing.
 * Every init-mode path asks it first. */
static int init_mode_refused(const sh_json *config, const sh_hook_opts *o, const char *path, sh_diag *d, sh_error **err)
{
	const char *unsafe = o->crun ? NULL : sh_initproc_unsafe(sh_json_get(config, "process"));
	if (unsafe) { /* the same filter, installed by the runtime: nothing in the container can undo it */
		sh_diag_add(d, SH_SEV_WARNING, path, 0, 0, "init-fallback",
			    "init mode: %s; the runtime installs the filter instead (runtime mode)", unsafe);
		return 1;
	}
	struct stat st;
	if (!o->crun && (stat(loader_path(o), &st) < 0 || !S_ISREG(st.st_mode)))
		return sh_error_set(err, SH_EXIT_SYSTEM, "init loader %s is missing", loader_path(o));
	return 0;
}

/* The config for a cached program: crun installs it, or the loader does. */
static int rewrite_for_init(sh_json *config, const sh_hook_opts *o, const sh_cache_entry *e, const sh_hook_result *res,
			    sh_error **err)
{
	return o->crun ? rewrite_for_crun(config, e, res, err) : rewrite_for_loader(config, o, loader_path(o), e, err);
}

static int apply_init(sh_json *config, const sh_hook_opts *o, loaded *l, sh_hook_result *res, sh_diag *d,
		      sh_error **err)
{
	int refused = init_mode_refused(config, o, l->path, d, err);
	if (refused < 0)
		return -1;
	if (refused) {
		res->mode = SH_MODE_RUNTIME;
		return apply_runtime(config, o, l, res, d, err);
	}
	const char *dir = cache_dir(o);
	char key[65];
	cache_key(l, key);
	sh_cache_entry e = { 0 };
	int hit = sh_cache_lookup(dir, key, &e, err);
	if (hit < 0 || (!hit && compile_into_cache(dir, key, l, &e, d, err) < 0))
		return -1;
	/* Checked on the entry, so a hit decides exactly as the compile that made it would. */
	if ((e.flags & SH_FLAG_NEW_LISTENER) && init_listener(config, o, l, res, d, err) < 0) {
		sh_cache_entry_free(&e);
		return -1;
	}
	memcpy(res->digest, e.digest, sizeof(e.digest));
	int r = rewrite_for_init(config, o, &e, res, err);
	sh_cache_entry_free(&e);
	return r;
}

/* ---- recordings and live reports: the container's calls handed to an agent (agent.h) ---- */

typedef struct supervised {
	const char *record, *report; /* the annotations */
	bool args;
	loaded l;                    /* the base profile (l.rs NULL: a recording without one) */
	sh_engine engine;            /* its compiled program: what decides every call (engine.rs NULL: none) */
	const uint32_t *arches;
	size_t narches;
	uint32_t family[4];
	const char *always[64];
	char *socket;
} supervised;

static int check_supervised(const supervised *s, sh_error **err)
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

static const sh_engine *base_engine(const supervised *s)
{
	return s->engine.rs ? &s->engine : NULL;
}

/* The base and the arches the filter covers: the profile's, or native + sub-architectures. */
static int supervised_base(const char *name, sh_json *config, const sh_hook_opts *o, supervised *s, sh_diag *d,
			   sh_error **err)
{
	if (name && strcmp(name, "unconfined") != 0) {
		if (locate(name, config, o, &s->l, err) < 0 || parse_and_resolve(&s->l, d, err) < 0 ||
		    sh_engine_init(&s->engine, s->l.rs, err) < 0)
			return -1;
		s->arches = s->l.rs->arches;
		s->narches = s->l.rs->narches;
	} else if (s->report) {
		return sh_error_set(err, SH_EXIT_INVALID, "%s needs a profile whose denials it reports", SH_ANNOT_REPORT);
	} else {
		if (sh_target_init(&s->l.t, false, err) < 0)
			return -1;
		s->l.t.caps = sh_oci_bounding_caps(config);
		s->narches = sh_arch_family(s->l.t.native_arch ? s->l.t.native_arch : sh_arch_native(), s->family);
		s->arches = s->family;
	}
	sh_notify_always(base_engine(s), true, s->always, SH_ARRAY_SIZE(s->always) - 1);
	return 0;
}

static int start_agent(const sh_hook_opts *o, supervised *s, sh_error **err)
{
	sh_agent_opts ao = { .base = base_engine(s), .arches = s->arches, .narches = s->narches, .record = s->record,
			     .args = s->args, .report = s->report, .agents_dir = o->agents_dir,
			     .recordings_dir = o->recordings_dir, .reports_log = o->reports_log,
			     .metrics_dir = o->metrics_dir, .always = s->always };
	return sh_agent_start(&ao, &s->socket, err);
}

/* The notifying rule set for a runtime to compile (runc: no notifying default, write not notified). */
static sh_ruleset *supervised_ruleset(const supervised *s, bool default_may_notify)
{
	sh_notify_opts no = { .default_may_notify = default_may_notify, .exempt = sh_notify_exempt_runtime,
			      .listener_path = s->socket };
	return s->record ? sh_notifyset_record(base_engine(s), sh_notify_no_base(), s->arches, s->narches, &no)
			 : sh_notifyset_report(s->l.rs, &no);
}

/* crun takes a notifying default (so a call no condition of a conditional rule matches is reported
 * too) and SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV; runc 1.1 takes neither. */
static int supervised_runtime(sh_json *config, const sh_hook_opts *o, supervised *s, sh_hook_result *res,
			      sh_error **err)
{
	sh_json *linux_ = child_object(config, "linux", err);
	if (!linux_)
		return -1;
	cleanup_ruleset sh_ruleset *rs = supervised_ruleset(s, o->crun);
	if (o->crun) {
		rs->flags = sh_notify_flags(sh_translate_flags(rs), s->l.t.kmajor, s->l.t.kminor) & ~SH_FLAG_NEW_LISTENER;
		rs->flags_given = true;
	}
	sh_json *sec = sh_oci_seccomp(rs, &s->l.t);
	size_t len;
	cleanup_free char *text = sh_json_serialize(sec, false, &len);
	sh_sha256_hex(text, len, res->digest);
	sh_json_set(linux_, "seccomp", sec);
	return 0;
}

/* Init mode: the loader (or crun) installs seccomp-hook's own program: for reports the profile's
 * program with its errno answers handed over, so allowed calls take its path. */
static int supervised_program(const supervised *s, sh_bpf *b, unsigned *flags, sh_diag *d, sh_error **err)
{
	const sh_target *t = &s->l.t;
	if (s->report) {
		sh_translate_opts to = { .optimize = 2, .notify_errno = true };
		*flags = sh_notify_flags(sh_translate_flags(s->l.rs), t->kmajor, t->kminor);
		return sh_translate_bpf(s->l.rs, &to, b, d, err);
	}
	cleanup_ruleset sh_ruleset *rs = supervised_ruleset(s, true);
	*flags = sh_notify_flags(sh_translate_flags(rs), t->kmajor, t->kminor);
	return sh_translate_bpf(rs, NULL, b, NULL, err);
}

static int supervised_init(sh_json *config, const sh_hook_opts *o, supervised *s, sh_hook_result *res, sh_diag *d,
			   sh_error **err)
{
	sh_bpf b = { 0 };
	unsigned flags = 0;
	if (supervised_program(s, &b, &flags, d, err) < 0)
		return -1;
	/* Stored under the digest of the program itself: what the loader verifies and installs. */
	char key[65];
	sh_sha256_hex(b.insns, b.len * sizeof(*b.insns), key);
	sh_cache_entry e = { 0 };
	int r = sh_cache_store(cache_dir(o), key, &b, flags, &e, err);
	sh_bpf_free(&b);
	if (r == 0) {
		memcpy(res->digest, e.digest, sizeof(e.digest));
		res->listener_path = sh_xstrdup(s->socket);
		if (!o->crun)
			set_annotation(config, SH_ANNOT_LISTENER_PATH, s->socket);
		r = rewrite_for_init(config, o, &e, res, err);
	}
	sh_cache_entry_free(&e);
	return r;
}

static int apply_plain(sh_json *config, const sh_hook_opts *o, loaded *l, sh_hook_result *res, sh_diag *d,
		       sh_error **err)
{
	return res->mode == SH_MODE_INIT ? apply_init(config, o, l, res, d, err) : apply_runtime(config, o, l, res, d, err);
}

/* Before the agent starts, so that a refusal leaves no agent waiting: init mode falls back to runtime
 * mode where any init mode would, and needs someone to hand the listener on. */
static int supervised_mode(const sh_json *config, const sh_hook_opts *o, const supervised *s, sh_hook_result *res,
			   sh_diag *d, sh_error **err)
{
	if (res->mode != SH_MODE_INIT)
		return 0;
	int refused = init_mode_refused(config, o, s->l.path, d, err);
	if (refused)
		res->mode = SH_MODE_RUNTIME;
	if (refused || o->crun || o->has_listener_fd)
		return refused < 0 ? -1 : 0;
	return sh_error_set(err, SH_EXIT_INVALID, "%s in init mode needs seccomp-hook-runtime (which hands the listener "
			    "on) or --runtime=crun", s->record ? SH_ANNOT_RECORD : SH_ANNOT_REPORT);
}

/* A reporter that cannot start leaves the container with its plain enforcing profile, and says so;
 * a recording that cannot start stops the container (nothing would be recorded). */
static int apply_supervised(sh_json *config, const sh_hook_opts *o, const char *name, supervised *s,
			    sh_hook_result *res, sh_diag *d, sh_error **err)
{
	if (check_supervised(s, err) < 0 || supervised_base(name, config, o, s, d, err) < 0 ||
	    supervised_mode(config, o, s, res, d, err) < 0)
		return -1;
	sh_error *why = NULL;
	if (start_agent(o, s, s->record ? err : &why) < 0) {
		if (s->record)
			return -1;
		sh_diag_add(d, SH_SEV_WARNING, s->l.path, 0, 0, "reporter-not-started",
			    "live reports could not start (%s); the profile applies without them", why->msg);
		sh_error_free(why);
		return apply_plain(config, o, &s->l, res, d, err);
	}
	return res->mode == SH_MODE_INIT ? supervised_init(config, o, s, res, d, err)
					 : supervised_runtime(config, o, s, res, err);
}

static int remove_seccomp(sh_json *config)
{
	sh_json *linux_ = sh_json_get(config, "linux");
	if (linux_ && linux_->type == SH_JSON_OBJECT)
		sh_json_remove(linux_, "seccomp");
	return 0;
}

/* What sh_hook_transform touches: the annotations (all of them), process.args (the loader goes in
 * front), process.capabilities (read, and lent to the loader), hooks.startContainer (through the
 * loader), the members of linux (seccomp is replaced or removed; the wrapper reads all of it) and
 * mounts (the loader's are appended, and what an earlier run left under /.seccomp-hook removed). */
static const sh_json_shape process_shape[] = { { "args", sh_json_shape_all }, { "capabilities", sh_json_shape_all },
					       { NULL, NULL } };
static const sh_json_shape hooks_shape[] = { { "startContainer", sh_json_shape_all }, { NULL, NULL } };
static const sh_json_shape members_only[] = { { NULL, NULL } };
static const sh_json_shape linux_seccomp[] = { { "seccomp", sh_json_shape_all }, { NULL, NULL } };
static const sh_json_shape linux_scalars[] = { { "seccomp", members_only }, { NULL, NULL } }; /* the placeholder */
/* mounts are read for crun too: an earlier run with the loader (or a bundle) may have left mounts
 * under /.seccomp-hook, which are removed whatever the runtime now. */
static const sh_json_shape config_shape[] = { { "mounts", sh_json_shape_all },
					      { "annotations", sh_json_shape_all }, { "process", process_shape },
					      { "hooks", hooks_shape }, { "linux", linux_scalars }, { NULL, NULL } };
static const sh_json_shape wrapper_shape[] = { { "mounts", sh_json_shape_all }, { "annotations", sh_json_shape_all },
					       { "process", process_shape }, { "hooks", hooks_shape },
					       { "linux", linux_seccomp }, { NULL, NULL } };

const sh_json_shape *sh_hook_config_shape(const sh_hook_opts *o)
{
	if (o->seccomp_as_profile)
		return wrapper_shape;
	return config_shape;
}

/* The profile an earlier run of the transform applied (the first word of org.seccomp-hook.applied),
 * when that run's changes are found and undone here, so that applying again replaces them; NULL if
 * none were found. It may be a path or SH_PROFILE_FROM_CONFIG, which cannot be applied again. */
static char *undo_earlier(sh_json *config, bool *found_any)
{
	bool found = sh_initproc_unwrap_process(sh_json_get(config, "process"));
	bool hooks = sh_initproc_unwrap_hooks(config), mounts = sh_initproc_remove_mounts(config);
	*found_any = found || hooks || mounts;
	sh_json *linux_ = sh_json_get(config, "linux");
	if (linux_ && linux_->type == SH_JSON_OBJECT && sh_initproc_is_placeholder(sh_json_get(linux_, "seccomp"))) {
		sh_json_remove(linux_, "seccomp");
		found = *found_any = true;
	}
	const char *applied = sh_oci_annotation(config, SH_ANNOT_APPLIED);
	if (!found || !applied)
		return NULL;
	/* Only a profile name is taken from the config; a path (inject --profile=PATH) is not, and such
	 * a config is refused below unless something else names its profile. */
	return sh_xstrndup(applied, strcspn(applied, " "));
}

/* A config an earlier recording or report transform wrote names its profile only in
 * org.seccomp-hook.applied ("NAME MODE sha256:.. record=.."): transformed again, it keeps that base
 * rather than record (or report) without one. */
static int supervised_again(const sh_json *config, char **name, sh_error **err)
{
	const char *applied = sh_oci_annotation(config, SH_ANNOT_APPLIED);
	if (!applied || (!strstr(applied, " record=") && !strstr(applied, " report=")))
		return 0;
	cleanup_free char *first = sh_xstrndup(applied, strcspn(applied, " "));
	if (strcmp(first, "(none)") == 0)
		return 0;
	if (!sh_profile_name_valid(first))
		return sh_error_set(err, SH_EXIT_INVALID, "config: it was prepared for %s with the profile '%.200s', "
				    "which is not a profile name; name it again (--profile)",
				    strstr(applied, " record=") ? "a recording" : "reports", first);
	*name = steal_pointer(&first);
	return 0;
}

static int transform_supervised(sh_json *config, const sh_hook_opts *o, const char *name, supervised *s,
				sh_hook_result *res, sh_diag *d, sh_error **err)
{
	int r = apply_supervised(config, o, name, s, res, d, err);
	sh_engine_fini(&s->engine);
	loaded_free(&s->l);
	if (r < 0) {
		free(s->socket);
		return sh_error_prefix(err, "profile '%.64s'", name ? name : "(none)");
	}
	const char *what = s->record ? "record=" : "report=";
	cleanup_free char *applied = sh_xasprintf("%s %s sha256:%s %s%s", name ? name : "(none)", sh_mode_name(res->mode),
						  res->digest, s->socket ? what : "", s->socket ? (s->record ? s->record : s->report) : "");
	free(s->socket);
	set_annotation(config, SH_ANNOT_APPLIED, applied);
	return 0;
}

int sh_hook_transform(sh_json *config, const sh_hook_opts *o, sh_hook_result *res, sh_diag *d, sh_error **err)
{
	const char *name = NULL;
	memset(res, 0, sizeof(*res));
	if (config->type != SH_JSON_OBJECT)
		return sh_error_set(err, SH_EXIT_INVALID, "config: expected an object");
	if (sh_hook_check_annotations(config, err) < 0)
		return -1;
	/* What an earlier transform left is undone first, whether or not a profile is selected now. */
	bool undone = false;
	cleanup_free char *previous = undo_earlier(config, &undone);
	if (select_profile(config, o, previous, &name, &res->mode, err) < 0)
		return -1;
	res->changed = undone || name || sh_oci_annotation(config, SH_ANNOT_RECORD) || sh_oci_annotation(config, SH_ANNOT_REPORT);
	if (name == previous && previous && !sh_profile_name_valid(previous))
		return sh_error_set(err, SH_EXIT_INVALID, "config: it was prepared for init mode with the profile "
				    "'%.200s', which is not a profile name; name it again (--profile)", previous);
	if (!res->changed)
		return 0;
	/* A selected profile replaces whatever program crun was handed before (also for a pass-through
	 * after an earlier transform was undone: harmless, there is none). */
	sh_json *annotations = sh_json_get(config, "annotations");
	if (annotations && annotations->type == SH_JSON_OBJECT) {
		sh_json_remove(annotations, SH_ANNOT_CRUN_BPF);
		sh_json_remove(annotations, SH_ANNOT_LISTENER_PATH);
		sh_json_remove(annotations, SH_ANNOT_LISTENER_METADATA);
	}
	supervised s = { .record = sh_oci_annotation(config, SH_ANNOT_RECORD),
			 .report = sh_oci_annotation(config, SH_ANNOT_REPORT) };
	const char *args = sh_oci_annotation(config, SH_ANNOT_RECORD_ARGS);
	s.args = args && strcmp(args, "true") == 0;
	cleanup_free char *again = NULL;
	if ((s.record || s.report) && !name && supervised_again(config, &again, err) < 0)
		return -1;
	if (s.record || s.report)
		return transform_supervised(config, o, name ? name : again, &s, res, d, err);
	if (!name)
		return 0;
	if (strcmp(name, "unconfined") == 0) {
		remove_seccomp(config);
		set_annotation(config, SH_ANNOT_APPLIED, "unconfined");
		return 0;
	}
	loaded l = { 0 };
	int r = locate(name, config, o, &l, err);
	if (r == 0)
		r = apply_plain(config, o, &l, res, d, err);
	loaded_free(&l);
	if (r < 0)
		return sh_error_prefix(err, "profile '%.64s'", name);
	cleanup_free char *applied = sh_xasprintf("%s %s sha256:%s", name, sh_mode_name(res->mode), res->digest);
	set_annotation(config, SH_ANNOT_APPLIED, applied);
	return 0;
}

void sh_hook_result_free(sh_hook_result *res)
{
	free(res->listener_path);
	free(res->listener_metadata);
	res->listener_path = res->listener_metadata = NULL;
}

const sh_json_limits sh_hook_config_limits = { .max_bytes = 16u << 20, .max_depth = 64, .max_nodes = 1000000 };

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
	if (sh_read_fd_bounded(fd, path, sh_hook_config_limits.max_bytes, &in, &inlen, err) < 0 ||
	    transform_text(in, inlen, path, o, &out, &outlen, res, d, config, err) < 0)
		return -1;
	return out ? sh_write_file_replace(path, out, outlen, sb.st_mode & 07777, durable, err) : 0;
}

#include "config.h"
#include "gofold.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The runtime-spec's structs (v1.0-1.1 field names) along the paths the hook reads; a child is
 * followed into objects (or the objects of an array) under that member. */
typedef struct go_struct go_struct;
typedef struct go_child {
	const char *field;
	const go_struct *type;
} go_struct_child;
struct go_struct {
	const char *const *fields;
	const go_struct_child *children;
};

static const char *const arg_fields[] = { "index", "value", "valueTwo", "op", NULL };
static const go_struct arg_type = { arg_fields, NULL };
static const char *const syscall_fields[] = { "names", "action", "errnoRet", "args", NULL };
static const go_struct_child syscall_children[] = { { "args", &arg_type }, { NULL, NULL } };
static const go_struct syscall_type = { syscall_fields, syscall_children };
static const char *const seccomp_fields[] = { "defaultAction", "defaultErrnoRet", "architectures", "flags",
					      "listenerPath", "listenerMetadata", "syscalls", NULL };
static const go_struct_child seccomp_children[] = { { "syscalls", &syscall_type }, { NULL, NULL } };
static const go_struct seccomp_type = { seccomp_fields, seccomp_children };
static const char *const linux_fields[] = { "uidMappings", "gidMappings", "sysctl", "resources", "cgroupsPath",
					    "namespaces", "devices", "seccomp", "rootfsPropagation", "maskedPaths",
					    "readonlyPaths", "mountLabel", "intelRdt", "personality", "timeOffsets",
					    NULL };
static const char *const namespace_fields[] = { "type", "path", NULL };
static const go_struct namespace_type = { namespace_fields, NULL };
static const go_struct_child linux_children[] = { { "seccomp", &seccomp_type }, { "namespaces", &namespace_type },
						  { NULL, NULL } };
static const go_struct linux_type = { linux_fields, linux_children };
static const char *const caps_fields[] = { "bounding", "effective", "inheritable", "permitted", "ambient", NULL };
static const go_struct caps_type = { caps_fields, NULL };
static const char *const process_fields[] = { "terminal", "consoleSize", "user", "args", "commandLine", "env",
					      "cwd", "capabilities", "rlimits", "noNewPrivileges", "apparmorProfile",
					      "oomScoreAdj", "scheduler", "selinuxLabel", "ioPriority", "execCPUAffinity",
					      NULL };
static const go_struct_child process_children[] = { { "capabilities", &caps_type }, { NULL, NULL } };
static const go_struct process_type = { process_fields, process_children };
static const char *const hook_fields[] = { "path", "args", "env", "timeout", NULL };
static const go_struct hook_type = { hook_fields, NULL };
static const char *const hooks_fields[] = { "prestart", "createRuntime", "createContainer", "startContainer",
					    "poststart", "poststop", NULL };
static const go_struct_child hooks_children[] = { { "prestart", &hook_type }, { "createRuntime", &hook_type },
						  { "createContainer", &hook_type }, { "startContainer", &hook_type },
						  { "poststart", &hook_type }, { "poststop", &hook_type },
						  { NULL, NULL } };
static const go_struct hooks_type = { hooks_fields, hooks_children };
static const char *const mount_fields[] = { "destination", "type", "source", "options", "uidMappings",
					    "gidMappings", NULL };
static const go_struct mount_type = { mount_fields, NULL };
static const char *const spec_fields[] = { "ociVersion", "process", "root", "hostname", "domainname", "mounts",
					   "hooks", "annotations", "linux", "solaris", "windows", "vm", "zos", NULL };
static const char *const root_fields[] = { "path", "readonly", NULL };
static const go_struct root_type = { root_fields, NULL };
static const go_struct_child spec_children[] = { { "process", &process_type }, { "linux", &linux_type },
						 { "hooks", &hooks_type }, { "mounts", &mount_type },
						 { "root", &root_type }, { NULL, NULL } };
static const go_struct spec_type = { spec_fields, spec_children };
static const char *const state_fields[] = { "ociVersion", "id", "status", "pid", "bundle", "annotations", NULL };
static const go_struct state_type = { state_fields, NULL };

char *sh_gofold(const char *name)
{
	char *out = sh_xstrdup(name), *o = out;
	for (const unsigned char *p = (const unsigned char *)name; *p;) {
		if (p[0] == 0xc5 && p[1] == 0xbf) { /* U+017F LATIN SMALL LETTER LONG S */
			*o++ = 's';
			p += 2;
		} else if (p[0] == 0xe2 && p[1] == 0x84 && p[2] == 0xaa) { /* U+212A KELVIN SIGN */
			*o++ = 'k';
			p += 3;
		} else {
			*o++ = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
			p++;
		}
	}
	*o = '\0';
	return out;
}

typedef struct folded {
	char *fold;
	const sh_json_member *m;
} folded;

static int by_fold(const void *a, const void *b)
{
	return strcmp(((const folded *)a)->fold, ((const folded *)b)->fold);
}

/* A member spelt otherwise than the field it folds to. */
static int check_spelling(const folded *f, const go_struct *t, const char *where, const char *file, sh_error **err)
{
	/* The fields are ASCII: their folded form is their lower case, so no copy is made per field. */
	for (const char *const *name = t->fields; *name; name++) {
		if (strcasecmp(*name, f->fold) == 0 && strcmp(*name, f->m->key) != 0)
			return sh_error_at(err, SH_EXIT_INVALID, file, f->m->line, f->m->col,
					   "%s: member '%.64s' would be read by the runtime as '%s' (Go matches member "
					   "names without regard to case)", where, f->m->key, *name);
	}
	return 0;
}

/* Sorted by folded name, two alike are neighbours: n log n for an object of n members. */
static int check_members(const sh_json *obj, const go_struct *t, const char *where, const char *file,
			 sh_error **err)
{
	size_t n = obj->u.obj.n;
	folded *f = sh_xcalloc(n ? n : 1, sizeof(*f));
	int r = 0;
	for (size_t i = 0; i < n; i++)
		f[i] = (folded){ sh_gofold(obj->u.obj.m[i].key), &obj->u.obj.m[i] };
	sh_sort(f, n, sizeof(*f), by_fold);
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (i && strcmp(f[i].fold, f[i - 1].fold) == 0)
			r = sh_error_at(err, SH_EXIT_INVALID, file, f[i].m->line, f[i].m->col,
					"%s: members '%.64s' and '%.64s' are one member to the runtime (Go matches member "
					"names without regard to case; the last one wins)", where, f[i - 1].m->key,
					f[i].m->key);
		else
			r = check_spelling(&f[i], t, where, file, err);
	}
	for (size_t i = 0; i < n; i++)
		free(f[i].fold);
	free(f);
	return r;
}

static int check_value(const sh_json *v, const go_struct *t, const char *where, const char *file, sh_error **err);

static int check_object(const sh_json *obj, const go_struct *t, const char *where, const char *file, sh_error **err)
{
	if (check_members(obj, t, where, file, err) < 0)
		return -1;
	for (const go_struct_child *c = t->children; c && c->field; c++) {
		const sh_json *v = sh_json_get(obj, c->field);
		cleanup_free char *sub = sh_xasprintf("%s.%s", where, c->field);
		if (v && check_value(v, c->type, sub, file, err) < 0)
			return -1;
	}
	return 0;
}

/* Objects, or the objects in an array; what the parse left opaque is not looked into. */
static int check_value(const sh_json *v, const go_struct *t, const char *where, const char *file, sh_error **err)
{
	if (v->opaque)
		return 0;
	if (v->type == SH_JSON_OBJECT)
		return check_object(v, t, where, file, err);
	for (size_t i = 0; v->type == SH_JSON_ARRAY && i < v->u.arr.n; i++)
		if (check_value(v->u.arr.v[i], t, where, file, err) < 0)
			return -1;
	return 0;
}

int sh_gofold_check_config(const sh_json *config, const char *file, sh_error **err)
{
	return check_value(config, &spec_type, "config", file, err);
}

int sh_gofold_check_state(const sh_json *state, const char *file, sh_error **err)
{
	return check_value(state, &state_type, "state", file, err);
}

int sh_gofold_check_process(const sh_json *process, const char *file, sh_error **err)
{
	return check_value(process, &process_type, "process", file, err);
}

/* libFuzzer target: bytes -> OCI runtime config -> the precreate transform (profile selection by
 * annotation, runtime and init mode) -> serialized config. A profiles directory with one profile and a
 * private cache are made once. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hookcfg.h"

#include "ctx_count.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/sh-fuzz-config.XXXXXX";
static char profiles[64], cache[64];

static void setup(void)
{
	if (!mkdtemp(dir))
		abort();
	snprintf(profiles, sizeof profiles, "%s/profiles", dir);
	snprintf(cache, sizeof cache, "%s/cache", dir);
	if (mkdir(profiles, 0755) < 0)
		abort();
	char path[128];
	snprintf(path, sizeof path, "%s/p.json", profiles);
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	fputs("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\", \"write\"], "
	      "\"action\": \"SCMP_ACT_ALLOW\"}, {\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ALLOW\", "
	      "\"excludes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}}]}", f);
	fclose(f);
}

static const sh_json_limits lim = { .max_bytes = 16u << 20, .max_depth = 64, .max_nodes = 1000000 };

/* The compact serialization of what text parses to (which must parse). */
static char *canonical(const char *text, size_t n)
{
	sh_json *back = NULL;
	sh_error *e = NULL;
	if (sh_json_parse(text, n, "out", &lim, &back, &e) < 0)
		abort();
	char *s = sh_json_serialize(back, false, NULL);
	sh_json_free(back);
	return s;
}

/* Parse (whole, or shaped as the hook parses), transform, write as the hook writes. 1: written to
 * *out; 0: nothing to change; -1 with *err: the transform refused it; -2 with *err: not parsed. */
static int run(const uint8_t *data, size_t size, const sh_hook_opts *o, bool shaped, char **out, size_t *n,
	       sh_error **err)
{
	sh_json *config = NULL;
	int r = shaped ? sh_json_parse_shaped((const char *)data, size, "config.json", &lim, sh_hook_config_shape(o),
					      &config, err)
		       : sh_json_parse((const char *)data, size, "config.json", &lim, &config, err);
	if (r < 0)
		return -2;
	sh_hook_result res;
	sh_diag d = { 0 };
	r = sh_hook_transform(config, o, &res, &d, err);
	sh_diag_free(&d);
	bool changed = r == 0 && res.changed;
	sh_hook_result_free(&res); /* the profile's name is set also when the transform refuses */
	if (changed) {
		*out = sh_json_serialize_edits(config, (const char *)data, size, n);
		if (!shaped) { /* the text kept around the edits is the tree the transform made */
			char *want = sh_json_serialize(config, false, NULL);
			char *got = canonical(*out, *n);
			if (strcmp(got, want) != 0)
				abort();
			free(got);
			free(want);
		}
	}
	sh_json_free(config);
	return r < 0 ? -1 : changed;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	if (!ready) {
		setup();
		ready = true;
	}
	/* Both shapes: the loader's (mounts built) and crun's. */
	sh_hook_opts o = { .profiles_dir = profiles, .cache_dir = cache, .loader = "/proc/self/exe",
			   .crun = size % 2 == 1 };
	char *whole = NULL, *shaped = NULL;
	size_t wn = 0, sn = 0;
	sh_error *werr = NULL, *serr = NULL;
	int w = run(data, size, &o, false, &whole, &wn, &werr);
	int s = run(data, size, &o, true, &shaped, &sn, &serr);
	/* The shaped parse checks less (not the parts it leaves opaque), never more: where the whole
	 * config is accepted, the hook's way must give the same result, the same tree or the same
	 * error. */
	if (w != -2 && s != w)
		abort();
	if (w == 1) {
		char *a = canonical(whole, wn), *b = canonical(shaped, sn);
		if (strcmp(a, b) != 0)
			abort();
		free(a);
		free(b);
	}
	if (w == -1 && (!werr || !serr || strcmp(werr->msg, serr->msg) != 0))
		abort();
	free(whole);
	free(shaped);
	sh_error_free(werr);
	sh_error_free(serr);
	fuzz_check_contexts();
	return 0;
}

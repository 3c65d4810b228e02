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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	if (!ready) {
		setup();
		ready = true;
	}
	static const sh_json_limits lim = { .max_bytes = 16u << 20, .max_depth = 64, .max_nodes = 1000000 };
	sh_json *config = NULL;
	sh_error *err = NULL;
	if (sh_json_parse((const char *)data, size, "config.json", &lim, &config, &err) == 0) {
		sh_hook_opts o = { .profiles_dir = profiles, .cache_dir = cache, .loader = "/proc/self/exe" };
		sh_hook_result res;
		sh_diag d = { 0 };
		if (sh_hook_transform(config, &o, &res, &d, &err) == 0 && res.changed) {
			/* What the hook writes (untouched text kept) must be the tree the transform made. */
			size_t n = 0;
			char *kept = sh_json_serialize_edits(config, (const char *)data, size, &n);
			char *want = sh_json_serialize(config, false, NULL);
			sh_json *back = NULL;
			sh_error *e2 = NULL;
			if (sh_json_parse(kept, n, "out", &lim, &back, &e2) < 0)
				abort();
			char *got = sh_json_serialize(back, false, NULL);
			if (strcmp(got, want) != 0)
				abort();
			free(got);
			free(want);
			free(kept);
			sh_json_free(back);
		}
		sh_diag_free(&d);
	}
	sh_error_free(err);
	sh_json_free(config);
	fuzz_check_contexts();
	return 0;
}

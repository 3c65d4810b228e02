/* Shared helpers for the Criterion unit tests. */
#ifndef SH_TESTUTIL_H
#define SH_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "profile.h"
#include "resolve.h"

/* Remove a test's private directory and everything in it (it must be there to be removed). */
static inline int sh_test_remove_tree(const char *dir)
{
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "rm -rf -- '%s'", dir);
	return system(cmd);
}

/* CPU time of this process and of the children it waited for (bounded work runs in children), in ms. */
static inline double sh_test_cpu_ms(void)
{
	struct rusage self, kids;
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	double s = 0;
	const struct rusage *r[2] = { &self, &kids };
	for (int i = 0; i < 2; i++)
		s += (double)(r[i]->ru_utime.tv_sec + r[i]->ru_stime.tv_sec) * 1e3 +
		     (double)(r[i]->ru_utime.tv_usec + r[i]->ru_stime.tv_usec) / 1e3;
	return s;
}

/* Directory of the real upstream fixtures (tests/fixtures in the build, made by scripts/fixtures.sh). */
static inline const char *sh_test_upstream_dir(void)
{
	const char *d = getenv("SH_UPSTREAM");
	return d && *d ? d : SH_BUILDDIR "/tests/fixtures";
}

/* Load one of the upstream profiles by file name; NULL on error (the error is kept in *err). */
static inline sh_profile *sh_test_upstream_profile(const char *file, sh_error **err)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", sh_test_upstream_dir(), file);
	sh_profile *p = NULL;
	return sh_profile_load(path, &p, NULL, err) < 0 ? NULL : p;
}

/* Parse a profile from a string; NULL on error (the error is kept in *err for assertions). */
static inline sh_profile *sh_test_profile(const char *json, sh_diag *diag, sh_error **err)
{
	sh_profile *p = NULL;
	if (sh_profile_load_buffer(json, strlen(json), "test.json", &p, diag, err) < 0)
		return NULL;
	return p;
}

/* Argument vectors for a profile's calls: all zero, then each condition's boundary values on its own
 * index; the last two differ from a value only in the upper half, which a 32-bit ABI never sees.
 * Into out (at most max); returns how many. */
static inline size_t sh_test_arg_probes(const sh_profile *p, uint64_t (*out)[6], size_t max)
{
	size_t n = 1;
	memset(out[0], 0, sizeof(out[0]));
	for (size_t i = 0; i < p->nrules; i++)
		for (size_t k = 0; k < p->rules[i].nargs; k++) {
			const sh_arg *a = &p->rules[i].args[k];
			uint64_t vals[] = { a->value - 1, a->value, a->value + 1, a->value_two, a->value | a->value_two, UINT64_MAX,
					    a->value ^ (UINT64_C(1) << 32), a->value_two | (UINT64_C(1) << 63) };
			for (size_t v = 0; v < sizeof(vals) / sizeof(vals[0]) && n < max; v++) {
				memset(out[n], 0, sizeof(out[n]));
				out[n++][a->index] = vals[v];
			}
		}
	return n;
}

/* Bit mask for a capability number. */
#define SH_CAP(n) (UINT64_C(1) << (n))

#endif

/* Shared helpers for the Criterion unit tests. */
#ifndef SH_TESTUTIL_H
#define SH_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "resolve.h"

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

/* Bit mask for a capability number. */
#define SH_CAP(n) (UINT64_C(1) << (n))

#endif

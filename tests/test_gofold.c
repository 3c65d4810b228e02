/* The gofold module (gofold.c): member names as Go's encoding/json matches them (case folded, and
 * the two Unicode letters that fold to ASCII), and the configs refused because two of their members
 * are one to Go while the hook reads one of them. */
#include "config.h"

#include <criterion/criterion.h>
#include <string.h>

#include "gofold.h"
#include "json.h"
#include "util.h"

static sh_json *parse(const char *text)
{
	sh_json *j = NULL;
	sh_error *err = NULL;
	cr_assert_eq(sh_json_parse(text, strlen(text), "test", NULL, &j, &err), 0, "%s", err ? err->msg : "");
	return j;
}

Test(gofold, ascii_case_and_the_two_unicode_letters_that_fold_to_ascii)
{
	struct { const char *in, *out; } cases[] = {
		{ "Process", "process" }, { "noNewPrivileges", "nonewprivileges" },
		{ "proce\xc5\xbfs", "process" },            /* U+017F LONG S */
		{ "\xe2\x84\xaa" "ey", "key" },             /* U+212A KELVIN SIGN */
		{ "", "" },
	};
	for (size_t i = 0; i < SH_ARRAY_SIZE(cases); i++) {
		cleanup_free char *f = sh_gofold(cases[i].in);
		cr_expect_str_eq(f, cases[i].out);
	}
	cleanup_free char *f = sh_gofold("\xc3\x84rger");
	cr_expect_str_eq(f, "\xc3\x84rger", "a non-ASCII letter is left as it is");
}

Test(gofold, config_members_one_to_go_are_refused_maps_and_unknown_members_are_not)
{
	const char *bad[] = {
		"{\"process\": {\"args\": [\"sh\"]}, \"PROCESS\": {}}",
		"{\"process\": {\"args\": [\"sh\"], \"Args\": [\"x\"]}}",
		"{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"DefaultAction\": \"x\"}}}",
		"{\"Linux\": {}}",
		"{\"process\": {\"capabilities\": {\"bounding\": [], \"BOUNDING\": []}}}",
		"{\"hooks\": {\"startContainer\": [{\"path\": \"/a\", \"Path\": \"/b\"}]}}",
		/* What decides whether the loader's path is the container's alone, read as runc reads it. */
		"{\"linux\": {\"namespaces\": [{\"type\": \"mount\", \"Path\": \"/proc/1/ns/mnt\"}]}}",
		"{\"root\": {\"path\": \"rootfs\", \"readonly\": true, \"ReadOnly\": false}}",
	};
	for (size_t i = 0; i < SH_ARRAY_SIZE(bad); i++) {
		sh_json *c = parse(bad[i]);
		sh_error *err = NULL;
		cr_expect_eq(sh_gofold_check_config(c, "t", &err), -1, "%s", bad[i]);
		sh_error_free(err);
		sh_json_free(c);
	}
	sh_json *ok = parse("{\"annotations\": {\"A\": \"1\", \"a\": \"2\"}, \"x\": 1, \"X2\": 2, \"process\": {\"args\": []}}");
	sh_error *err = NULL;
	cr_expect_eq(sh_gofold_check_config(ok, "t", &err), 0);
	sh_json_free(ok);
}

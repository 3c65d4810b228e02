/* The strict JSON reader and the profile model: locations, strictness, exact 64-bit numbers,
 * limits, and the Docker/OCI profile fields. */
#include "config.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>

#include "json.h"
#include "names.h"
#include "suggest.h"
#include "testutil.h"
#include "util.h"

static sh_error *parse_err(const char *text)
{
	sh_json *j = NULL;
	sh_error *err = NULL;
	int r = sh_json_parse(text, strlen(text), "t.json", NULL, &j, &err);
	cr_assert_lt(r, 0, "expected '%s' to be rejected", text);
	cr_assert_null(j);
	return err;
}

/* Parse text that must be accepted (the test fails with the reader's message otherwise). */
static sh_json *parse_ok(const char *text, size_t len)
{
	sh_json *j = NULL;
	sh_error *err = NULL;
	cr_assert_eq(sh_json_parse(text, len, "t.json", NULL, &j, &err), 0, "'%.*s' rejected: %s", (int)len, text,
		     err ? err->msg : "");
	return j;
}

Test(json, locations_of_nodes_and_keys)
{
	const char *t = "{\n  \"a\": [1, \"x\\\"y\", true],\n\t\"b\": {\"c\": null}\n}";
	sh_json *j = parse_ok(t, strlen(t));
	cr_assert_eq(j->line, 1);
	cr_assert_eq(j->col, 1);
	sh_json *a = sh_json_get(j, "a");
	cr_assert_eq(a->line, 2);
	cr_assert_eq(a->col, 8);
	cr_assert_eq(a->u.arr.v[1]->col, 12, "string starts at its quote");
	cr_assert_str_eq(a->u.arr.v[1]->u.str.s, "x\"y");
	cr_assert_eq(a->u.arr.v[2]->col, 20);
	cr_assert_eq(j->u.obj.m[1].line, 3, "key line");
	cr_assert_eq(j->u.obj.m[1].col, 2, "key column after a tab");
	sh_json *c = sh_json_get(sh_json_get(j, "b"), "c");
	cr_assert_eq(c->type, SH_JSON_NULL);
	cr_assert_eq(c->col, 13);
	sh_json_free(j);
}

/* Line and column of values far apart: blank lines, long lines and indents of every width. */
Test(json, locations_across_many_lines)
{
	char t[8192];
	size_t n = 0;
	unsigned line = 1;
	unsigned want_line[40], want_col[40];
	n += (size_t)snprintf(t + n, sizeof(t) - n, "[");
	for (unsigned i = 0; i < 40; i++) {
		unsigned blank = i % 3;
		for (unsigned b = 0; b <= blank; b++, line++)
			t[n++] = '\n';
		for (unsigned sp = 0; sp < i * 3; sp++)
			t[n++] = sp % 5 == 4 ? '\t' : ' ';
		want_line[i] = line;
		want_col[i] = i * 3 + 1;
		n += (size_t)snprintf(t + n, sizeof(t) - n, "%s\"%u-padding-to-be-longer-than-a-word\"", i ? "," : "", i);
		if (i)
			want_col[i]++; /* after the comma */
	}
	n += (size_t)snprintf(t + n, sizeof(t) - n, "\n]");
	sh_json *j = parse_ok(t, n);
	cr_assert_eq(j->u.arr.n, 40);
	for (unsigned i = 0; i < 40; i++) {
		cr_assert_eq(j->u.arr.v[i]->line, want_line[i], "element %u: line %u, want %u", i, j->u.arr.v[i]->line,
			     want_line[i]);
		cr_assert_eq(j->u.arr.v[i]->col, want_col[i], "element %u: col %u, want %u", i, j->u.arr.v[i]->col,
			     want_col[i]);
	}
	sh_json_free(j);
}

Test(json, numbers_keep_their_text)
{
	const char *t = "{\"max\": 18446744073709551615, \"neg\": -3, \"f\": 1.5e3}";
	sh_json *j = parse_ok(t, strlen(t));
	cr_assert_str_eq(sh_json_get(j, "max")->u.num, "18446744073709551615");
	cr_assert_str_eq(sh_json_get(j, "neg")->u.num, "-3");
	cr_assert_str_eq(sh_json_get(j, "f")->u.num, "1.5e3");
	sh_json_free(j);
}

Test(json, duplicate_key_rejected_at_second_key)
{
	sh_error *err = parse_err("{\"a\": 1,\n \"a\": 2}");
	cr_assert_eq(err->line, 2);
	cr_assert_eq(err->col, 2);
	cr_assert_str_eq(err->msg, "duplicate key 'a'");
	cr_assert_eq(err->status, SH_EXIT_INVALID);
	sh_error_free(err);
}

/* Small objects are searched member by member, larger ones through a table their earlier members
 * join when they grow past the search's limit: a duplicate is found either way, wherever it is. */
Test(json, duplicate_key_found_in_small_and_large_objects)
{
	static const struct {
		unsigned members, dup_of; /* the object's distinct keys k0.., then k<dup_of> again */
	} rows[] = { { 1, 0 }, { 3, 2 }, { 7, 0 }, { 7, 6 }, { 8, 0 }, { 8, 7 }, { 9, 3 }, { 30, 1 }, { 30, 29 } };
	for (size_t r = 0; r < SH_ARRAY_SIZE(rows); r++) {
		cleanup_free char *members = sh_xstrdup("{"); /* "{k0: 0, ..., k<n-1>: n-1" */
		for (unsigned i = 0; i < rows[r].members; i++) {
			char *next = sh_xasprintf("%s%s\"k%u\": %u", members, i ? ", " : "", i, i);
			free(members);
			members = next;
		}
		cleanup_free char *dup = sh_xasprintf("%s, \"k%u\": 0}", members, rows[r].dup_of);
		sh_error *err = parse_err(dup);
		cleanup_free char *want = sh_xasprintf("duplicate key 'k%u'", rows[r].dup_of);
		cr_assert_str_eq(err->msg, want, "%u members, k%u again", rows[r].members, rows[r].dup_of);
		cr_assert_eq(err->col, strlen(members) + 3, "at the repeated key");
		sh_error_free(err);
		cleanup_free char *ok = sh_xasprintf("%s}", members); /* without it, all members are there */
		sh_json *j = parse_ok(ok, strlen(ok));
		cr_assert_eq(j->u.obj.n, rows[r].members);
		sh_json_free(j);
	}
}

static sh_json *given(const char *text, const char *canonical)
{
	return sh_json_new_given(SH_JSON_OBJECT, sh_xstrdup(text), strlen(text), sh_xstrdup(canonical), strlen(canonical));
}

/* A container given as its text is written as that text by each serializer (the canonical one writes
 * its canonical text, in its place among the sorted members), and is empty only as "{}". */
Test(json, a_given_text_is_written_as_given)
{
	const char *src = "{\"z\": 1, \"linux\": {\"x\": 2}}";
	sh_json *root = parse_ok(src, strlen(src));
	sh_json_set(sh_json_get(root, "linux"), "seccomp",
		    given("{\"b\":0,\"a\":[1]}", "{\"a\":[1]}"));
	cleanup_free char *edits = sh_json_serialize_edits(root, src, strlen(src), NULL);
	cr_expect_str_eq(edits, "{\"z\":1,\"linux\":{\"x\":2,\"seccomp\":{\"b\":0,\"a\":[1]}}}");
	cleanup_free char *whole = sh_json_serialize(root, false, NULL);
	cr_expect_str_eq(whole, "{\"z\":1,\"linux\":{\"x\":2,\"seccomp\":{\"b\":0,\"a\":[1]}}}");
	cleanup_free char *canonical = sh_json_serialize_go_canonical(root, NULL);
	cr_expect_str_eq(canonical, "{\"linux\":{\"seccomp\":{\"a\":[1]},\"x\":2},\"z\":1}");
	size_t len = 0;
	cleanup_free char *alone = sh_json_serialize_go_canonical(sh_json_get(sh_json_get(root, "linux"), "seccomp"), &len);
	cr_expect_str_eq(alone, "{\"a\":[1]}");
	cr_expect_eq(len, 9u);
	cr_expect_not(sh_json_go_empty(sh_json_get(sh_json_get(root, "linux"), "seccomp")));
	/* As for a parsed object: empty when it has no members, whatever its canonical text leaves out. */
	sh_json *empty = given("{}", "{}"), *zero = given("{\"a\":0}", "{}");
	cr_expect(sh_json_go_empty(empty));
	cr_expect_not(sh_json_go_empty(zero), "an object with a member is not empty, as when it is parsed");
	sh_json_free(empty);
	sh_json_free(zero);
	sh_json_free(root);
}

Test(json, reading_into_a_given_text_aborts, .signal = SIGABRT)
{
	sh_json *g = given("{\"a\":1}", "{\"a\":1}");
	sh_json_get(g, "a");
}

Test(json, same_key_in_different_objects_is_fine)
{
	const char *t = "{\"a\": {\"a\": 1}, \"b\": [{\"a\": 1}, {\"a\": 2}]}";
	sh_json *j = parse_ok(t, strlen(t));
	sh_json_free(j);
}

Test(json, comments_rejected)
{
	sh_error *err = parse_err("{\"a\": 1 /* no */}");
	cr_assert(strstr(err->msg, "comment"), "message: %s", err->msg);
	sh_error_free(err);
}

Test(json, nul_in_string_and_invalid_utf8_rejected)
{
	sh_error *err = parse_err("{\"a\": \"x\\u0000y\"}");
	cr_assert_str_eq(err->msg, "string contains a NUL character");
	sh_error_free(err);
	err = parse_err("{\"a\": \"\xc3\x28\"}");
	cr_assert(strstr(err->msg, "UTF8"), "message: %s", err->msg);
	sh_error_free(err);
}

Test(json, depth_limit)
{
	char buf[400] = "";
	for (int i = 0; i < 100; i++)
		strcat(buf, "[");
	for (int i = 0; i < 100; i++)
		strcat(buf, "]");
	sh_error *err = parse_err(buf);
	cr_assert_str_eq(err->msg, "JSON nested too deeply (limit exceeded)");
	cr_assert_eq(err->col, 65, "the 65th bracket is one too deep");
	sh_error_free(err);
}

Test(json, byte_and_node_limits)
{
	sh_json_limits lim = { .max_bytes = 10, .max_depth = 8, .max_nodes = 3 };
	sh_json *j = NULL;
	sh_error *err = NULL;
	cr_assert_lt(sh_json_parse("[1,2,3,4,5,6]", 13, "t", &lim, &j, &err), 0);
	cr_assert(strstr(err->msg, "limit of 10"), "%s", err->msg);
	sh_error_free(err);
	err = NULL;
	cr_assert_lt(sh_json_parse("[1,2,3]", 7, "t", &lim, &j, &err), 0);
	cr_assert_str_eq(err->msg, "too many JSON values (limit exceeded)");
	sh_error_free(err);
}

Test(json, serialize_round_trip)
{
	const char *t = "{\"a\":[1,\"x\\ny\",true,null],\"n\":18446744073709551615}";
	sh_json *j = parse_ok(t, strlen(t));
	char *s = sh_json_serialize(j, false, NULL);
	cr_assert_str_eq(s, t);
	free(s);
	sh_json_set(j, "a", sh_json_new_string("z"));
	sh_json_remove(j, "n");
	s = sh_json_serialize(j, false, NULL);
	cr_assert_str_eq(s, "{\"a\":\"z\"}");
	free(s);
	sh_json_free(j);
}

/* The compact serialization of what `text` parses to: the form two trees are compared in. */
static char *canonical(const char *text, size_t len)
{
	sh_json *j = parse_ok(text, len);
	char *s = sh_json_serialize(j, false, NULL);
	sh_json_free(j);
	return s;
}

Test(json, serialize_edits_keeps_untouched_text)
{
	const char *t = "{\n  \"process\": {\n    \"args\": [ \"sh\",  \"-c\" ],\n    \"env\": [\"A=1\"]\n  },\n"
			"  \"root\" : { \"path\": \"rootfs\" } ,\n  \"n\": [1e3, -0.5, 18446744073709551615],\n"
			"  \"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\"}, \"x\": [ ]},\n"
			"  \"annotations\": {\"k\": \"v\"}\n}\n";
	size_t tl = strlen(t);
	sh_json *j = parse_ok(t, tl);
	size_t n = 0;
	/* Nothing edited: the whole value as written (what follows it is not part of it). */
	char *s = sh_json_serialize_edits(j, t, tl, &n);
	cr_assert_eq(n, tl - 1);
	cr_assert_eq(memcmp(s, t, n), 0, "%s", s);
	free(s);

	/* Edits in three containers; the others keep their spacing byte for byte. */
	sh_json *linux_ = sh_json_get(j, "linux");
	sh_json_remove(linux_, "seccomp");
	sh_json *ann = sh_json_get(j, "annotations");
	sh_json_set(ann, "q\"\\\n\x01", sh_json_new_string("tab\there/\x1f"));
	sh_json_insert(sh_json_get(sh_json_get(j, "process"), "args"), 0, sh_json_new_string("/init"));
	s = sh_json_serialize_edits(j, t, tl, &n);
	cr_assert_eq(strlen(s), n);
	cr_assert(strstr(s, "\"root\":{ \"path\": \"rootfs\" }"), "%s", s);
	cr_assert(strstr(s, "\"env\":[\"A=1\"]"), "%s", s);
	cr_assert(strstr(s, "\"n\":[1e3, -0.5, 18446744073709551615]"), "%s", s);
	cr_assert(strstr(s, "\"linux\":{\"x\":[ ]}"), "%s", s);
	cr_assert(strstr(s, "\"args\":[\"/init\",\"sh\",\"-c\"]"), "%s", s);
	cr_assert(strstr(s, "\"q\\\"\\\\\\n\\u0001\":\"tab\\there/\\u001f\""), "%s", s);
	/* And it is the same tree the plain serializer writes. */
	char *want = sh_json_serialize(j, false, NULL);
	char *got = canonical(s, n);
	cr_assert_str_eq(got, want);
	free(got);
	free(want);
	free(s);
	sh_json_free(j);
}

/* Every character that must be escaped, at every offset of a string longer than the 8-byte steps the
 * writer scans in, in a key and in a value: read back, it is the same string. */
Test(json, serialize_edits_escapes_at_every_offset)
{
	const char specials[] = { '"', '\\', '\n', '\t', '\x01', '\x1f', '\x7f' };
	const char *t = "{\"annotations\": {}}";
	for (size_t k = 0; k < sizeof(specials); k++)
		for (size_t at = 0; at < 26; at++) {
			char str[27];
			memset(str, 'a', 26);
			str[26] = 0;
			str[at] = specials[k];
			str[(at + 9) % 26] = 'Z'; /* a plain marker that moves with it, so the clean runs around it vary */
			sh_json *j = parse_ok(t, strlen(t));
			sh_json *ann = sh_json_get(j, "annotations");
			sh_json_set(ann, str, sh_json_new_string(str));
			size_t n = 0;
			char *s = sh_json_serialize_edits(j, t, strlen(t), &n);
			sh_json *back = parse_ok(s, n);
			const sh_json *a = sh_json_get(back, "annotations");
			cr_assert_eq(a->u.obj.n, 1, "%s", s);
			cr_assert_str_eq(a->u.obj.m[0].key, str, "key with 0x%02x at %zu: %s", specials[k], at, s);
			cr_assert_str_eq(a->u.obj.m[0].value->u.str.s, str, "value with 0x%02x at %zu: %s", specials[k], at, s);
			sh_json_free(back);
			free(s);
			sh_json_free(j);
		}
}

Test(json, serialize_edits_of_a_replaced_member_and_a_foreign_source)
{
	const char *t = "[{\"a\": [1, 2]}, {\"b\": {}}]";
	sh_json *j = parse_ok(t, strlen(t));
	/* A value replaced inside an object: the object is written anew, its sibling kept. */
	sh_json_set(j->u.arr.v[0], "a", sh_json_new_u64(7));
	char *s = sh_json_serialize_edits(j, t, strlen(t), NULL);
	cr_assert_str_eq(s, "[{\"a\":7},{\"b\": {}}]");
	free(s);
	/* Text that is not the parsed source (shorter, or other bytes) is never copied. */
	const char *other = "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX";
	s = sh_json_serialize_edits(j, other, strlen(other), NULL);
	cr_assert_str_eq(s, "[{\"a\":7},{\"b\":{}}]");
	free(s);
	s = sh_json_serialize_edits(j, t, 5, NULL);
	cr_assert_str_eq(s, "[{\"a\":7},{\"b\":{}}]");
	free(s);
	sh_json_free(j);
}

Test(json, shaped_parse_builds_only_what_the_shape_names)
{
	static const sh_json_shape inner[] = { { "keep", sh_json_shape_all }, { NULL, NULL } };
	static const sh_json_shape shape[] = { { "a", sh_json_shape_all }, { "b", inner }, { "c", NULL },
					       { NULL, NULL } };
	const char *t = "{\"a\": {\"x\": [1, {\"y\": 2}]}, \"b\": {\"keep\": [\"k\"], \"skip\": {\"z\": [ ]}, \"s\": \"v\"},\n"
			" \"c\": [ {\"dup\": 1, \"dup\": 2} ], \"d\": {\"nul\": \"\\u0000\"}, \"e\": 5}";
	size_t tl = strlen(t);
	sh_json *j = NULL;
	sh_error *err = NULL;
	/* The whole parse refuses the duplicate key and the NUL; neither is in a part the shape reads. */
	cr_assert_lt(sh_json_parse(t, tl, "t.json", NULL, &j, &err), 0);
	sh_error_free(err);
	err = NULL;
	cr_assert_eq(sh_json_parse_shaped(t, tl, "t.json", NULL, shape, &j, &err), 0, "%s", err ? err->msg : "");
	sh_json *a = sh_json_get(j, "a"), *b = sh_json_get(j, "b");
	cr_assert(!a->opaque);
	cr_assert_eq(sh_json_get(a, "x")->u.arr.n, 2);
	cr_assert(!sh_json_get(a, "x")->u.arr.v[1]->opaque);
	cr_assert(!b->opaque);
	cr_assert_str_eq(sh_json_get(b, "keep")->u.arr.v[0]->u.str.s, "k");
	cr_assert_str_eq(sh_json_get(b, "s")->u.str.s, "v"); /* scalars are always built */
	sh_json *skip = sh_json_get(b, "skip");
	cr_assert(skip->opaque);
	cr_assert_eq(skip->u.obj.n, 0);
	cr_assert_eq(memcmp(t + skip->off, "{\"z\": [ ]}", skip->end - skip->off), 0);
	cr_assert(sh_json_get(j, "c")->opaque);
	cr_assert(sh_json_get(j, "d")->opaque);
	cr_assert_eq(sh_json_get(j, "d")->line, 2);
	cr_assert_str_eq(sh_json_get(j, "e")->u.num, "5");
	/* Opaque parts are written as they were, around an edit. */
	sh_json_set(b, "s", sh_json_new_string("w"));
	char *s = sh_json_serialize_edits(j, t, tl, NULL);
	cr_assert_str_eq(s, "{\"a\":{\"x\": [1, {\"y\": 2}]},\"b\":{\"keep\":[\"k\"],\"skip\":{\"z\": [ ]},"
			    "\"s\":\"w\"},\"c\":[ {\"dup\": 1, \"dup\": 2} ],\"d\":{\"nul\": \"\\u0000\"},\"e\":5}");
	free(s);
	sh_json_free(j);
}

Test(json, shaped_parse_keeps_the_limits)
{
	static const sh_json_limits lim = { .max_bytes = 1000, .max_depth = 4, .max_nodes = 6 };
	static const sh_json_shape none[] = { { NULL, NULL } };
	sh_json *j = NULL;
	sh_error *err = NULL;
	/* Depth and value count are checked inside the opaque member too, at the right place. */
	const char *deep = "{\"o\": [[[[1]]]]}";
	cr_assert_lt(sh_json_parse_shaped(deep, strlen(deep), "t", &lim, none, &j, &err), 0);
	cr_assert_str_eq(err->msg, "JSON nested too deeply (limit exceeded)");
	cr_assert_eq(err->col, 10); /* the fourth '[', where the whole parse stops too */
	sh_error_free(err);
	err = NULL;
	const char *many = "{\"o\": [1, 2, 3, 4, 5, 6]}";
	cr_assert_lt(sh_json_parse_shaped(many, strlen(many), "t", &lim, none, &j, &err), 0);
	cr_assert_str_eq(err->msg, "too many JSON values (limit exceeded)");
	sh_error_free(err);
	err = NULL;
	/* And syntax and UTF-8, by yajl. */
	cr_assert_lt(sh_json_parse_shaped("{\"o\": [1, }", strlen("{\"o\": [1, }"), "t", &lim, none, &j, &err), 0);
	cr_assert(strstr(err->msg, "invalid JSON"), "%s", err->msg);
	sh_error_free(err);
	err = NULL;
	cr_assert_lt(sh_json_parse_shaped("{\"o\": [\"\xff\"]}", strlen("{\"o\": [\"\xff\"]}"), "t", &lim, none, &j, &err), 0);
	cr_assert(strstr(err->msg, "UTF8"), "%s", err->msg);
	sh_error_free(err);
}

/* The end of a message that arrives in pieces: where the first top-level value closes, whatever the
 * strings hold, fed whole and one byte at a time. */
Test(json, scan_finds_the_end_of_an_object_in_pieces)
{
	static const struct {
		const char *text;
		long end; /* bytes up to and including the closing bracket, -1: not complete */
	} rows[] = {
		{ "{\"a\": 1}", 8 },
		{ "{\"a\": 1} trailing", 8 },
		{ "  [1, [2, {\"x\": []}]]", 21 },
		{ "{\"s\": \"}]\"}", 11 },
		{ "{\"s\": \"\\\"}\"}", 12 },
		{ "{\"s\": \"\\\\\"}", 11 },
		{ "{\"state\": {\"id\": \"c1\", \"annotations\": {\"k\": \"{{\"}}", -1 },
		{ "{\"a\": \"}\"", -1 },
		{ "", -1 },
		{ "}", -1 },
	};
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		const char *t = rows[i].text;
		size_t n = strlen(t);
		sh_json_scan whole = { 0 }, bytes = { 0 };
		cr_assert_eq(sh_json_scan_feed(&whole, t, n), rows[i].end >= 0, "%s", t);
		long end = -1;
		for (size_t k = 0; k < n && end < 0; k++)
			if (sh_json_scan_feed(&bytes, t + k, 1))
				end = (long)k + 1;
		cr_assert_eq(end, rows[i].end, "%s: ends at %ld", t, end);
	}
}

Test(profile, docker_fields_and_locations)
{
	const char *t = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38,\n"
			" \"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\", \"subArchitectures\": [\"SCMP_ARCH_X86\", \"x32\"]}],\n"
			" \"syscalls\": [\n"
			"  {\"name\": \"read\", \"action\": \"SCMP_ACT_ALLOW\", \"comment\": \"legacy\"},\n"
			"  {\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ERRNO\", \"errno\": \"EINVAL\",\n"
			"   \"args\": [{\"index\": 0, \"value\": 18446744073709551615, \"valueTwo\": 1, \"op\": \"SCMP_CMP_MASKED_EQ\"}],\n"
			"   \"includes\": {\"caps\": [\"CAP_SYS_ADMIN\"], \"minKernel\": \"5.10\"}, \"excludes\": {\"arches\": [\"s390x\"]}}]}";
	sh_diag d = { 0 };
	sh_error *err = NULL;
	sh_profile *p = sh_test_profile(t, &d, &err);
	cr_assert_not_null(p, "%s", err ? err->msg : "");
	cr_assert_eq(d.n, 0);
	cr_assert_eq(p->default_action, SH_ACT_ERRNO);
	cr_assert(p->has_default_errno);
	cr_assert_eq(p->default_errno_ret, 38);
	cr_assert_eq(p->narchmap, 1);
	cr_assert_eq(p->archmap[0].nsubs, 2);
	cr_assert_eq(p->archmap[0].subs[1], sh_arch_from_name("SCMP_ARCH_X32"));
	cr_assert_eq(p->nrules, 2);
	cr_assert_str_eq(p->rules[0].names[0], "read");
	cr_assert_eq(p->rules[0].loc.line, 4);
	const sh_rule *r = &p->rules[1];
	cr_assert_eq(r->errno_ret, 22);
	cr_assert_eq(r->args[0].value, UINT64_MAX);
	cr_assert_eq(r->args[0].value_two, 1);
	cr_assert_eq(r->args[0].op, SH_OP_MASKED_EQ);
	cr_assert_eq(r->args[0].loc.line, 6);
	cr_assert(r->includes.has_min_kernel);
	cr_assert_eq(r->includes.kmajor, 5);
	cr_assert_eq(r->includes.kminor, 10);
	cr_assert_str_eq(r->excludes.arches[0], "s390x");
	sh_profile_free(p);
	sh_diag_free(&d);
}

Test(profile, unknown_keys_warn_with_location)
{
	const char *t = "{\"defaultAction\": \"SCMP_ACT_ALLOW\",\n \"color\": \"blue\",\n"
			" \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_LOG\", \"why\": 1}]}";
	sh_diag d = { 0 };
	sh_error *err = NULL;
	sh_profile *p = sh_test_profile(t, &d, &err);
	cr_assert_not_null(p);
	cr_assert_eq(d.n, 2);
	cr_assert_eq(d.items[0].sev, SH_SEV_WARNING);
	cr_assert_eq(d.items[0].line, 2);
	cr_assert_eq(d.items[0].col, 2);
	cr_assert_str_eq(d.items[0].msg, "profile: unknown key 'color'");
	cr_assert_str_eq(d.items[1].msg, "syscalls[0]: unknown key 'why'");
	sh_profile_free(p);
	sh_diag_free(&d);
}

Test(profile, embedded_in_config_json)
{
	const char *t = "{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"sh\"]},\n"
			" \"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86\"],\n"
			" \"syscalls\": [{\"names\": [\"getcwd\"], \"action\": \"SCMP_ACT_ERRNO\"}]}}}";
	sh_error *err = NULL;
	sh_profile *p = sh_test_profile(t, NULL, &err);
	cr_assert_not_null(p, "%s", err ? err->msg : "");
	cr_assert(p->embedded);
	cr_assert_eq(p->narches, 1);
	cr_assert_eq(p->rules[0].action, SH_ACT_ERRNO);
	sh_profile_free(p);
}

Test(profile, every_upstream_profile_loads)
{
	static const char *const files[] = {
		"docker-default.json",
		"podman-default.json",
		"runc-syscall-test1.json",
		"runc-syscall-test2.json",
		"runtime-spec-config.json",
		"docker-example.json",
		"docker-conditional-include.json",
		"docker-default-old-format.json",
		"podman-example.json",
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", sh_test_upstream_dir(), files[i]);
		sh_diag d = { 0 };
		sh_error *err = NULL;
		sh_profile *p = NULL;
		cr_assert_eq(sh_profile_load(path, &p, &d, &err), 0, "%s: %s", files[i], err ? err->msg : "");
		cr_assert_eq(sh_diag_count(&d, SH_SEV_ERROR), 0);
		cr_assert_gt(p->nrules, 0, "%s has rules", files[i]);
		sh_profile_free(p);
		sh_diag_free(&d);
	}
}

Test(profile, podman_errno_names)
{
	sh_error *err = NULL;
	sh_profile *p = sh_test_upstream_profile("podman-default.json", &err);
	cr_assert_not_null(p);
	cr_assert_eq(p->default_errno_ret, 38, "defaultErrno ENOSYS agrees with defaultErrnoRet 38");
	bool einval = false;
	for (size_t i = 0; i < p->nrules; i++)
		einval |= p->rules[i].has_errno_ret && p->rules[i].errno_ret == 22;
	cr_assert(einval, "a rule with \"errno\": \"EINVAL\" reads as 22");
	sh_profile_free(p);
}

Test(names, tables)
{
	sh_action_kind a;
	cr_assert_eq(sh_action_from_name("SCMP_ACT_KILL", &a), 0);
	cr_assert_eq(a, SH_ACT_KILL_THREAD);
	cr_assert_eq(sh_action_from_name("SCMP_ACT_KILL_THREAD", &a), 0);
	cr_assert_eq(a, SH_ACT_KILL_THREAD);
	cr_assert_lt(sh_action_from_name("SCMP_ACT_FOO", &a), 0);
	cr_assert_eq(sh_arch_from_name("x86_64"), sh_arch_from_name("SCMP_ARCH_X86_64"));
	cr_assert_eq(sh_arch_from_name("amd64"), sh_arch_from_name("SCMP_ARCH_X86_64"));
	cr_assert_str_eq(sh_arch_go_name(sh_arch_from_name("SCMP_ARCH_AARCH64")), "arm64");
	cr_assert_eq(sh_arch_from_name("SCMP_ARCH_Z80"), 0);
	cr_assert_eq(sh_errno_from_name("ENOSYS"), 38);
	cr_assert_eq(sh_cap_from_name("CAP_SYS_ADMIN"), 21);
	cr_assert_eq(sh_cap_from_name("sys_admin"), 21);
	cr_assert_eq(sh_cap_from_name("CAP_NOPE"), -1);
}

Test(suggest, edit_distance_counts_a_swap_as_one_and_stops_past_max)
{
	cr_assert_eq(sh_edit_distance("read", "read", 2), 0);
	cr_assert_eq(sh_edit_distance("raed", "read", 2), 1, "two neighbours swapped");
	cr_assert_eq(sh_edit_distance("SCMP_ACT_ALOW", "SCMP_ACT_ALLOW", 2), 1);
	cr_assert_eq(sh_edit_distance("", "abc", 5), 3);
	cr_assert_eq(sh_edit_distance("kitten", "sitting", 5), 3);
	cr_assert_eq(sh_edit_distance("kitten", "sitting", 2), 3, "past max: max + 1");
	cr_assert_eq(sh_edit_distance("a", "abcdefgh", 2), 3, "lengths alone exceed max");
	char long_name[100];
	memset(long_name, 'x', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = 0;
	cr_assert_eq(sh_edit_distance(long_name, long_name, 2), 3, "names over 64 bytes are never near");
	/* Outside the band around the diagonal nothing is computed: these need it to be right. */
	cr_assert_eq(sh_edit_distance("abcdef", "abcdfe", 1), 1, "a swap at the end");
	cr_assert_eq(sh_edit_distance("ba", "ab", 1), 1, "a swap at the start");
	cr_assert_eq(sh_edit_distance("abc", "", 3), 3);
	cr_assert_eq(sh_edit_distance("abc", "", 2), 3);
	cr_assert_eq(sh_edit_distance("xabcdefgh", "abcdefghx", 2), 2, "one out at the start, one in at the end");
	cr_assert_eq(sh_edit_distance("xxabcdefgh", "abcdefghxx", 2), 3, "four edits, past max");
	cr_assert_eq(sh_edit_distance("abcdefgh", "abxdefgy", 2), 2);
}

Test(suggest, nearest_name_is_unique_and_close)
{
	cr_assert_str_eq(sh_suggest_action("SCMP_ACT_ALOW"), "SCMP_ACT_ALLOW");
	cr_assert_str_eq(sh_suggest_action("SCMP_ACT_KILL_PROCES"), "SCMP_ACT_KILL_PROCESS");
	cr_assert_str_eq(sh_suggest_op("SCMP_CMP_EQQ"), "SCMP_CMP_EQ");
	cr_assert_str_eq(sh_suggest_errno("EPRM"), "EPERM");
	cr_assert_str_eq(sh_suggest_syscall("raed"), "read");
	cr_assert_str_eq(sh_suggest_syscall("mseall"), "mseal", "the newer syscalls are candidates too");
	cr_assert_null(sh_suggest_action("SCMP_ACT_BOGUS"));
	cr_assert_null(sh_suggest_syscall("frobnicate"));
	cr_assert_null(sh_suggest_syscall("read"), "a known name is no misspelling");
	cr_assert_null(sh_suggest_syscall("ab"), "too short to guess");
	cr_assert_str_eq(sh_syscall_origin("mseal"), "Linux 6.10");
	cr_assert_str_eq(sh_syscall_origin("atomic_barrier"), "m68k only");
	cr_assert_null(sh_syscall_origin("raed"));
	cr_assert_str_eq(sh_suggest_arch("mips3l64n32"), "mipsel64n32", "Docker 20.10's typo");
	cr_assert_str_eq(sh_suggest_arch("SCMP_ARCH_X86_46"), "SCMP_ARCH_X86_64");
	cr_assert_null(sh_suggest_arch("SCMP_ARCH_Z80"));
	cr_assert_str_eq(sh_suggest_cap("CAP_SYS_ADMN"), "CAP_SYS_ADMIN");
	cr_assert_str_eq(sh_suggest_cap("sys_admn"), "CAP_SYS_ADMIN", "case-blind, CAP_ optional");
	cr_assert_null(sh_suggest_cap("CAP_FROBNICATE"));
}

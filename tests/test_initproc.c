/* Init mode's process rewriting (initproc): when the loader cannot keep its promise, what a wrapped
 * process and hook look like, that undoing restores the spec exactly, which mounts are the loader's,
 * and the placeholder. */
#include "config.h"

#include <criterion/criterion.h>
#include <string.h>
#include <linux/seccomp.h>
#include <unistd.h>

#include "apply.h"
#include "initproc.h"
#include "json.h"
#include "util.h"

static sh_json *parse(const char *text)
{
	sh_json *j = NULL;
	sh_error *err = NULL;
	cr_assert_eq(sh_json_parse(text, strlen(text), "test", NULL, &j, &err), 0, "%s", err ? err->msg : "");
	return j;
}

static char *compact(const sh_json *j)
{
	size_t len;
	return sh_json_serialize(j, false, &len);
}

static const char *arg(const sh_json *process, size_t i)
{
	return sh_json_get(process, "args")->u.arr.v[i]->u.str.s;
}

Test(initproc, unsafe_when_a_process_may_hold_sys_admin_or_sys_ptrace_or_every_capability)
{
	struct { const char *caps; bool unsafe; } cases[] = {
		{ "{\"bounding\": [\"CAP_KILL\"]}", false },
		{ "{\"bounding\": [\"CAP_KILL\"], \"ambient\": [\"CAP_SYS_ADMIN\"]}", true },
		{ "{\"permitted\": [\"CAP_SYS_PTRACE\"]}", true },
		{ "{\"inheritable\": [\"CAP_SYS_ADMIN\"]}", true },
		/* Names as runc reads them: a spelling runc does not grant is no capability. */
		{ "{\"bounding\": [\"cap_sys_admin\", \"SYS_ADMIN\", \"CAP_sys_admin\"]}", false },
		{ "{}", false },
		{ NULL, true },
	};
	for (size_t i = 0; i < SH_ARRAY_SIZE(cases); i++) {
		cleanup_free char *text = sh_xasprintf("{\"args\": [\"sh\"]%s%s}", cases[i].caps ? ", \"capabilities\": " : "",
						       cases[i].caps ? cases[i].caps : "");
		sh_json *p = parse(text);
		sh_capsets c;
		bool has = sh_initproc_caps(p, &c) == 0;
		cr_expect_eq(sh_initproc_caps_unsafe(&c, has) != NULL, cases[i].unsafe, "%s", text);
		sh_json_free(p);
	}
}

static const char digest[] = "3e01d0a57ef98c9bbd8fefcedb8f1297c8a0530e8b439ba1dbd3052d4b066791";

static sh_loader_args call_of(unsigned flags)
{
	sh_loader_args a = { .flags = flags, .listener_fd = -1 };
	memcpy(a.digest, digest, sizeof(a.digest));
	return a;
}

Test(initproc, wrap_lends_two_capabilities_records_the_own_sets_and_undo_restores_them)
{
	const char *text = "{\"args\": [\"sleep\", \"1\"], \"capabilities\": {\"bounding\": [\"CAP_CHOWN\", \"CAP_KILL\"],"
			   " \"effective\": [\"CAP_CHOWN\"], \"permitted\": [\"CAP_CHOWN\"], \"inheritable\": [],"
			   " \"ambient\": []}}";
	sh_json *p = parse(text);
	sh_error *err = NULL;
	sh_loader_args call = call_of(4);
	cr_assert_eq(sh_initproc_wrap_process(p, &call, &err), 0);
	cr_expect_str_eq(arg(p, 0), SH_INIT_DEST);
	cr_expect_str_eq(arg(p, 3), "--caps=21:1:1:0:0");
	cr_expect_str_eq(arg(p, 4), SH_BPF_DEST);
	cr_expect_str_eq(arg(p, 5), "--");
	cr_expect_str_eq(arg(p, 6), "sleep");
	sh_capsets lent;
	cr_assert_eq(sh_initproc_caps(p, &lent), 0);
	uint64_t borrowed = (UINT64_C(1) << 21) | (UINT64_C(1) << 8);
	cr_expect_eq(lent.bounding, 0x21 | borrowed);
	cr_expect_eq(lent.ambient, borrowed);
	sh_loader_args back;
	cr_assert_eq(sh_initproc_decode(sh_json_get(p, "args"), &back), 6u);
	cr_expect_str_eq(back.digest, digest);
	cr_expect_eq(back.flags, 4u);
	cr_expect(back.has_caps);
	cr_expect_eq(back.caps.bounding, 0x21);
	cr_assert(sh_initproc_unwrap_process(p));
	sh_capsets own;
	cr_assert_eq(sh_initproc_caps(p, &own), 0);
	cr_expect_eq(own.bounding, 0x21);
	cr_expect_eq(own.effective, 0x1);
	cr_expect_eq(sh_json_get(p, "args")->u.arr.n, 2u);
	cr_expect_str_eq(arg(p, 0), "sleep");
	cr_expect_not(sh_initproc_unwrap_process(p), "a second undo finds nothing");
	sh_json_free(p);
}

Test(initproc, a_prefix_that_does_not_end_in_program_and_separator_is_not_the_loaders)
{
	sh_json *p = parse("{\"args\": [\"/.seccomp-hook/init\", \"--sha256=x\", \"--\", \"sh\"]}");
	cr_expect_not(sh_initproc_unwrap_process(p));
	cr_expect_eq(sh_json_get(p, "args")->u.arr.n, 4u);
	sh_loader_args c;
	cr_expect_eq(sh_initproc_decode(sh_json_get(p, "args"), &c), 0u);
	sh_json_free(p);
}

Test(initproc, start_container_hooks_go_through_the_loader_and_back)
{
	sh_json *c = parse("{\"hooks\": {\"startContainer\": [{\"path\": \"/bin/mkdir\", \"args\": [\"mkdir\", \"/x\"]}],"
			   " \"prestart\": [{\"path\": \"/bin/true\"}]}}");
	sh_loader_args call = call_of(0);
	call.has_caps = true;
	call.caps = (sh_capsets){ .bounding = 0x21 };
	sh_initproc_wrap_hooks(c, &call);
	cleanup_free char *wrapped = compact(sh_json_get(c, "hooks"));
	cr_expect(strstr(wrapped, "{\"path\":\"/.seccomp-hook/init\",\"args\":[\"/.seccomp-hook/init\",\"--sha256=") != NULL,
		  "%s", wrapped);
	cr_expect(strstr(wrapped, "\"--caps=21:0:0:0:0\",\"/.seccomp-hook/filter.bpf\",\"--\",\"/bin/mkdir\",\"/x\"]") != NULL,
		  "a hook gets the container process's own sets: %s", wrapped);
	cr_expect(strstr(wrapped, "\"prestart\":[{\"path\":\"/bin/true\"}]") != NULL, "%s", wrapped);
	cr_assert(sh_initproc_unwrap_hooks(c));
	cleanup_free char *back = compact(sh_json_get(c, "hooks"));
	cr_expect_str_eq(back, "{\"startContainer\":[{\"path\":\"/bin/mkdir\",\"args\":[\"/bin/mkdir\",\"/x\"]}],"
			       "\"prestart\":[{\"path\":\"/bin/true\"}]}");
	sh_json_free(c);
}

/* runc starts a hook from the container's init, which holds the listener channel: the hook's loader
 * hands its listener on over it like PID 1's (and closes it), so the agent answers the hook's calls
 * and the hook holds no descriptor runc would not give it. */
Test(initproc, a_hooks_loader_hands_its_listener_on_like_pid_1s)
{
	sh_json *c = parse("{\"hooks\": {\"startContainer\": [{\"path\": \"/bin/sh\"}]}}");
	sh_loader_args call = call_of(SECCOMP_FILTER_FLAG_NEW_LISTENER);
	call.listener_fd = 3;
	sh_initproc_wrap_hooks(c, &call);
	cleanup_free char *wrapped = compact(sh_json_get(c, "hooks"));
	cr_expect(strstr(wrapped, "\"--listener-fd=3\"") != NULL, "%s", wrapped);
	cleanup_free char *flags = sh_xasprintf("\"--flags=%u\"", (unsigned)SECCOMP_FILTER_FLAG_NEW_LISTENER);
	cr_expect(strstr(wrapped, flags) != NULL, "the filter comes with its listener: %s", wrapped);
	sh_json_free(c);
}

Test(initproc, the_loaders_mounts_are_everything_at_its_place_and_below_nothing_else)
{
	sh_json *c = parse("{\"mounts\": [{\"destination\": \"/proc\"}, {\"destination\": \"/.seccomp-hook\"},"
			   " {\"destination\": \"//.seccomp-hook/init\"}, {\"destination\": \"/.seccomp-hookx\"},"
			   " {\"destination\": \"/.seccomp-hook/a/b\"}]}");
	cr_assert(sh_initproc_remove_mounts(c));
	cleanup_free char *left = compact(sh_json_get(c, "mounts"));
	cr_expect_str_eq(left, "[{\"destination\":\"/proc\"},{\"destination\":\"/.seccomp-hookx\"}]");
	sh_error *err = NULL;
	cr_assert_eq(sh_initproc_add_mounts(c, "/run/seccomp-hook/loader/0123456789abcdef", "/var/cache/x.bpf", NULL, &err), 0);
	cleanup_free char *added = compact(sh_json_get(c, "mounts"));
	/* The loader's read-only directory at the place, the program over its filter.bpf: nothing else. */
	cr_expect_str_eq(added, "[{\"destination\":\"/proc\"},{\"destination\":\"/.seccomp-hookx\"},"
				"{\"destination\":\"/.seccomp-hook\",\"type\":\"bind\",\"source\":\"/run/seccomp-hook/loader/"
				"0123456789abcdef\",\"options\":[\"bind\",\"ro\",\"nosuid\",\"nodev\"]},"
				"{\"destination\":\"/.seccomp-hook/filter.bpf\",\"type\":\"bind\",\"source\":\"/var/cache/x.bpf\","
				"\"options\":[\"bind\",\"ro\",\"nosuid\",\"nodev\",\"noexec\"]}]");
	sh_json_free(c);
}

/* An overlay's program: --overlay names its place, --overlay-sha256 its digest; it is bound there. */
Test(initproc, an_overlays_program_is_named_and_bound_at_its_own_place)
{
	sh_json *p = parse("{\"args\": [\"sh\"], \"capabilities\": {\"bounding\": [\"CAP_KILL\"]}}");
	sh_error *err = NULL;
	sh_loader_args call = call_of(4);
	call.overlay_path = "/anywhere/overlay.bpf"; /* the encoder writes the place, whatever it was given */
	memcpy(call.overlay_digest, digest, sizeof(call.overlay_digest));
	call.overlay_digest[0] = 'f';
	cr_assert_eq(sh_initproc_wrap_process(p, &call, &err), 0);
	cr_expect_str_eq(arg(p, 4), "--overlay=" SH_OVERLAY_DEST);
	cr_expect(strncmp(arg(p, 5), "--overlay-sha256=f", 18) == 0, "%s", arg(p, 5));
	cr_expect_str_eq(arg(p, 6), SH_BPF_DEST);
	sh_loader_args back;
	cr_assert_eq(sh_initproc_decode(sh_json_get(p, "args"), &back), 8u);
	cr_expect_str_eq(back.overlay_path, SH_OVERLAY_DEST);
	cr_expect_str_eq(back.overlay_digest, call.overlay_digest);
	cr_expect_str_eq(back.digest, digest);
	sh_json_free(p);
	/* A call naming another place for the overlay is not the transform's. */
	sh_json *forged = parse("{\"args\": [\"/.seccomp-hook/init\", \"--flags=0\", \"--overlay=/tmp/o.bpf\","
				" \"/.seccomp-hook/filter.bpf\", \"--\", \"sh\"]}");
	cr_expect_eq(sh_initproc_decode(sh_json_get(forged, "args"), &back), 0u);
	sh_json_free(forged);
	sh_json *c = parse("{\"mounts\": []}");
	cr_assert_eq(sh_initproc_add_mounts(c, "/run/l/0123", "/var/cache/x.bpf", "/var/cache/o.bpf", &err), 0);
	cleanup_free char *added = compact(sh_json_get(c, "mounts"));
	cr_expect(strstr(added, "{\"destination\":\"/.seccomp-hook/overlay.bpf\",\"type\":\"bind\",\"source\":"
			 "\"/var/cache/o.bpf\",\"options\":[\"bind\",\"ro\",\"nosuid\",\"nodev\",\"noexec\"]}") != NULL,
		  "%s", added);
	cr_assert(sh_initproc_remove_mounts(c));
	cr_expect_eq(sh_json_get(c, "mounts")->u.arr.n, 0u);
	sh_json_free(c);
}

/* The loader's decoder: an overlay digest without an overlay is no call the encoder writes. */
Test(loadargs, overlay_options)
{
	char *ok[] = { "init", "--overlay=/o.bpf", "--overlay-sha256=" "3e01d0a57ef98c9bbd8fefcedb8f1297c8a0530e8b439ba1dbd3052d4b066791",
		       "/f.bpf", "--", "sh" };
	char *orphan[] = { "init", "--overlay-sha256=" "3e01d0a57ef98c9bbd8fefcedb8f1297c8a0530e8b439ba1dbd3052d4b066791",
			   "/f.bpf", "--", "sh" };
	char *empty[] = { "init", "--overlay=", "/f.bpf", "--", "sh" };
	char *twice[] = { "init", "--overlay=/a", "--overlay=/b", "/f.bpf", "--", "sh" };
	sh_loader_args a;
	sh_loader_args_error e;
	cr_expect_eq(sh_loader_args_decode(6, ok, 1, &a, &e), 5);
	cr_expect_str_eq(a.overlay_path, "/o.bpf");
	cr_expect_eq(sh_loader_args_decode(5, orphan, 1, &a, &e), -1);
	cr_expect_eq(e.fault, SH_LOADER_ARG_USAGE);
	cr_expect_eq(sh_loader_args_decode(5, empty, 1, &a, &e), -1);
	cr_expect_eq(e.fault, SH_LOADER_ARG_INVALID);
	cr_expect_eq(sh_loader_args_decode(6, twice, 1, &a, &e), -1);
	cr_expect_eq(e.fault, SH_LOADER_ARG_TWICE);
}

Test(initproc, only_the_marked_placeholder_counts_as_one)
{
	sh_json *ph = sh_initproc_placeholder();
	cr_expect(sh_initproc_is_placeholder(ph));
	cleanup_free char *text = compact(ph);
	sh_json *engine = parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"execve\", "
				"\"execveat\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1}]}");
	cr_expect_not(sh_initproc_is_placeholder(engine), "an engine's profile that looks alike is not removed");
	cr_expect(strstr(text, "\"names\":[\"execve\",\"execveat\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1") != NULL);
	sh_json_free(engine);
	sh_json_free(ph);
}

Test(capsets, text_round_trip_and_refusals)
{
	sh_capsets c = { 0x20000420, 0x1, 0, 0xffffffffffffffff, 0x20 }, back;
	char text[SH_CAPSETS_TEXT_MAX];
	sh_capsets_format(&c, text);
	cr_expect_str_eq(text, "20000420:1:0:ffffffffffffffff:20");
	cr_assert(sh_capsets_parse(text, &back));
	cr_expect_eq(memcmp(&c, &back, sizeof(c)), 0);
	const char *bad[] = { "", "1:2:3:4", "1:2:3:4:5:6", "1:2:3:4:", "1:2:3:4:G", "1:2:3:4:A", "10000000000000000:0:0:0:0",
			      ":1:2:3:4", "1:2:3:4:5 " };
	for (size_t i = 0; i < SH_ARRAY_SIZE(bad); i++)
		cr_expect_not(sh_capsets_parse(bad[i], &back), "'%s'", bad[i]);
}

Test(initproc, an_exec_asking_for_the_lent_sets_gets_the_containers_own_and_nothing_else_is_changed)
{
	const uint64_t admin = UINT64_C(1) << 21, setpcap = UINT64_C(1) << 8, kill = UINT64_C(1) << 5;
	sh_capsets own = { .bounding = kill, .permitted = kill, .effective = kill };
	sh_capsets lent = sh_initproc_lent(&own);
	struct { const char *what; sh_capsets asked; bool mapped; sh_capsets want; } rows[] = {
		{ "the five lent sets (the config as rewritten)", lent, true, own },
		{ "podman: bounding, effective, permitted only", { lent.bounding, lent.permitted, lent.effective, 0, 0 }, true, own },
		{ "the container's own sets", own, false, own },
		{ "every capability (exec --privileged)", { ~0ULL, ~0ULL, ~0ULL, 0, 0 }, false, { ~0ULL, ~0ULL, ~0ULL, 0, 0 } },
		{ "the lent sets and one more", { lent.bounding | 1, lent.permitted, lent.effective, 0, 0 }, false,
		  { lent.bounding | 1, lent.permitted, lent.effective, 0, 0 } },
		{ "CAP_SYS_ADMIN in the ambient set beyond the lent ones is not taken", { lent.bounding, lent.permitted,
		  lent.effective, 0, admin | (UINT64_C(1) << 30) }, false, { lent.bounding, lent.permitted, lent.effective, 0,
		  admin | (UINT64_C(1) << 30) } },
	};
	(void)setpcap;
	for (size_t i = 0; i < SH_ARRAY_SIZE(rows); i++) {
		sh_capsets c = rows[i].asked;
		cr_expect_eq(sh_initproc_unlend(&own, &c), rows[i].mapped, "%s", rows[i].what);
		cr_expect_eq(memcmp(&c, &rows[i].want, sizeof(c)), 0, "%s", rows[i].what);
		if (rows[i].mapped)
			cr_expect_null(sh_initproc_caps_unsafe(&c, true), "%s", rows[i].what);
	}
}

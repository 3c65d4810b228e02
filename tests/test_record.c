/* The recorder's profile, as a table: a base profile, the calls a run made (each decided by the base's
 * program, as the supervisor decides it), and what the recording then allows, asked of its own
 * compiled program. With --args the keyed argument (the socket domain, clone's namespace flags, the
 * personality) is narrowed to the values used, within the base's rule that let each through; a
 * recording never allows a call its base denies. */
#include <criterion/criterion.h>
#include <seccomp.h>

#include "explain.h"
#include "record.h"
#include "testutil.h"
#include "util.h"

/* A call a run made, or one asked of the recording: name and its first two arguments. */
typedef struct call {
	const char *name;
	uint64_t a0, a1;
} call;

typedef struct record_row {
	const char *what;
	const char *base; /* profile text; NULL: none (every call let through) */
	bool args;
	call made[4];
	struct {
		call c;
		bool allowed;
	} asked[8];
} record_row;

#define SOCKET_SPLIT                                                                                            \
	"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["                                                 \
	"{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 40, \"op\": \"SCMP_CMP_LT\"}]}," \
	"{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 40, \"op\": \"SCMP_CMP_GT\"}]}]}"
#define SOCKET_TYPED                                                                                            \
	"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["                                                 \
	"{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 40, \"op\": \"SCMP_CMP_LT\"}," \
	" {\"index\": 1, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}"
#define CLONE_DOCKER                                                                                            \
	"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ALLOW\","  \
	" \"args\": [{\"index\": 0, \"value\": 2114060288, \"valueTwo\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}]}"
#define CLONE_OTHER_MASK                                                                                        \
	"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ALLOW\","  \
	" \"args\": [{\"index\": 0, \"value\": 256, \"valueTwo\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}]}"
#define ALLOW_ALL "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}"

static const record_row rows[] = {
	{ "without --args a conditional rule of the base is kept as it is", SOCKET_SPLIT, false,
	  { { "socket", 1, 1 } },
	  { { { "socket", 1, 1 }, true }, { { "socket", 2, 1 }, true }, { { "socket", 40, 1 }, false } } },
	{ "--args on a base: only the domain used, not the base's whole range", SOCKET_SPLIT, true,
	  { { "socket", 1, 1 } },
	  { { { "socket", 1, 1 }, true }, { { "socket", 1, 2 }, true }, { { "socket", 2, 1 }, false },
	    { { "socket", 41, 1 }, false }, { { "socket", 40, 1 }, false } } },
	{ "--args: each domain used, under either of the base's rules", SOCKET_SPLIT, true,
	  { { "socket", 1, 1 }, { "socket", 44, 3 } },
	  { { { "socket", 1, 1 }, true }, { { "socket", 44, 1 }, true }, { { "socket", 43, 1 }, false },
	    { { "socket", 40, 1 }, false } } },
	{ "--args: the value within the rule's conditions on the other arguments", SOCKET_TYPED, true,
	  { { "socket", 2, 1 } },
	  { { { "socket", 2, 1 }, true }, { { "socket", 2, 2 }, false }, { { "socket", 1, 1 }, false } } },
	{ "--args: a value the base denies is never recorded", SOCKET_SPLIT, true,
	  { { "socket", 40, 1 }, { "socket", 1, 1 } },
	  { { { "socket", 40, 1 }, false }, { { "socket", 1, 1 }, true } } },
	{ "--args: clone's namespace flags, as Docker's rule keys them", CLONE_DOCKER, true,
	  { { "clone", 0x11, 0 } },
	  { { { "clone", 0x11, 0 }, true }, { { "clone", 0x1200011, 0 }, true }, { { "clone", 0x10000000, 0 }, false } } },
	{ "--args: a rule the value does not decide is kept whole (never more than the base)", CLONE_OTHER_MASK, true,
	  { { "clone", 0x11, 0 } },
	  { { { "clone", 0x11, 0 }, true }, { { "clone", 0x12, 0 }, true }, { { "clone", 0x111, 0 }, false } } },
	{ "--args without a base: the values used", NULL, true,
	  { { "socket", 1, 1 }, { "personality", 0xffffffff, 0 } },
	  { { { "socket", 1, 5 }, true }, { { "socket", 2, 1 }, false }, { { "personality", 0xffffffff, 0 }, true },
	    { { "personality", 8, 0 }, false } } },
};

typedef struct side {
	sh_profile *p;
	sh_ruleset *rs;
	sh_engine e;
} side;

static void load_side(const char *text, side *s)
{
	cleanup_error sh_error *err = NULL;
	s->p = sh_test_profile(text, NULL, &err);
	cr_assert_not_null(s->p, "%s: %s", text, err ? err->msg : "");
	sh_target t = { .native_arch = SCMP_ARCH_X86_64, .caps = SH_DOCKER_DEFAULT_CAPS, .kmajor = 6, .kminor = 1 };
	cr_assert_eq(sh_resolve(s->p, &t, &s->rs, NULL, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(sh_engine_init(&s->e, s->rs, &err), 0, "%s", err ? err->msg : "");
}

static void free_side(side *s)
{
	sh_engine_fini(&s->e);
	sh_ruleset_free(s->rs);
	sh_profile_free(s->p);
}

static bool allows(const side *s, const call *c)
{
	uint64_t args[6] = { c->a0, c->a1 };
	sh_seccomp_data d = sh_call_data(SCMP_ARCH_X86_64, seccomp_syscall_resolve_name(c->name), args);
	return sh_decision_lets_through(sh_engine_run(&s->e, &d).ret);
}

/* The run: every call decided by the base's program, as the supervisor hands it to the recorder. */
static char *recording_of(const record_row *r, side *base)
{
	sh_recorder *rec = sh_recorder_new(r->base ? base->rs : NULL, r->args);
	for (size_t i = 0; i < SH_ARRAY_SIZE(r->made) && r->made[i].name; i++) {
		uint64_t args[6] = { r->made[i].a0, r->made[i].a1 };
		sh_call c = { .arch = SCMP_ARCH_X86_64, .nr = seccomp_syscall_resolve_name(r->made[i].name) };
		memcpy(c.args, args, sizeof(args));
		sh_seccomp_data d = sh_call_data(c.arch, c.nr, args);
		c.d = sh_engine_decide(&base->e, &d);
		c.let_through = sh_decision_lets_through(c.d.ret);
		sh_recorder_call(rec, &c);
	}
	const uint32_t arches[] = { SCMP_ARCH_X86_64 };
	sh_json *j = sh_recorder_profile(rec, arches, 1, NULL);
	char *text = sh_json_serialize(j, false, NULL);
	sh_json_free(j);
	sh_recorder_free(rec);
	return text;
}

Test(record, table)
{
	for (size_t i = 0; i < SH_ARRAY_SIZE(rows); i++) {
		const record_row *r = &rows[i];
		side base = { 0 }, rec = { 0 };
		load_side(r->base ? r->base : ALLOW_ALL, &base);
		cleanup_free char *text = recording_of(r, &base);
		load_side(text, &rec);
		for (size_t k = 0; k < SH_ARRAY_SIZE(r->asked) && r->asked[k].c.name; k++) {
			const call *c = &r->asked[k].c;
			cr_expect_eq(allows(&rec, c), r->asked[k].allowed, "%s: %s(%#llx, %#llx) %s in %s", r->what, c->name,
				     (unsigned long long)c->a0, (unsigned long long)c->a1,
				     r->asked[k].allowed ? "denied" : "allowed", text);
			if (allows(&rec, c))
				cr_expect(allows(&base, c), "%s: the recording allows %s(%#llx) that its base denies", r->what,
					  c->name, (unsigned long long)c->a0);
		}
		free_side(&rec);
		free_side(&base);
	}
}

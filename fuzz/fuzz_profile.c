/* libFuzzer target: bytes -> strict JSON reader -> profile model -> resolver (no caps, all caps) ->
 * translator. Any crash, leak or sanitizer report is a bug; errors are fine. */
#include "config.h"

#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"
#include "resolve.h"
#include "translate.h"

#include "ctx_count.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sh_diag d = { 0 };
	sh_error *err = NULL;
	sh_profile *p = NULL;
	if (sh_profile_load_buffer((const char *)data, size, "fuzz.json", &p, &d, &err) == 0) {
		const uint64_t caps[] = { 0, ~UINT64_C(0) };
		for (size_t i = 0; i < 2; i++) {
			sh_target t = { .native_arch = SCMP_ARCH_X86_64, .caps = caps[i], .kmajor = 6, .kminor = 1 };
			sh_ruleset *rs = NULL;
			sh_bpf b = { 0 };
			if (sh_resolve(p, &t, &rs, &d, &err) == 0)
				sh_translate_bpf(rs, NULL, &b, &d, &err);
			sh_bpf_free(&b);
			sh_ruleset_free(rs);
			sh_error_free(err);
			err = NULL;
		}
	}
	sh_error_free(err);
	sh_profile_free(p);
	sh_diag_free(&d);
	fuzz_check_contexts();
	return 0;
}

#include "config.h"
#include "loadargs.h"
#include "sha256.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void sh_loader_args_encode(const char *loader, const sh_loader_args *a, sh_loader_argv *out)
{
	size_t k = 0;
	out->n = 0;
	out->v[out->n++] = loader;
	if (a->digest[0])
		snprintf(out->opt[k++], sizeof out->opt[0], "--sha256=%s", a->digest);
	snprintf(out->opt[k++], sizeof out->opt[0], "--flags=%u", a->flags);
	if (a->listener_fd >= 0)
		snprintf(out->opt[k++], sizeof out->opt[0], "--listener-fd=%d", a->listener_fd);
	if (a->has_caps) {
		char caps[SH_CAPSETS_TEXT_MAX];
		sh_capsets_format(&a->caps, caps);
		snprintf(out->opt[k++], sizeof out->opt[0], "--caps=%s", caps);
	}
	if (a->overlay_path) {
		snprintf(out->opt[k++], sizeof out->opt[0], "--overlay=%s", a->overlay_path);
		if (a->overlay_digest[0])
			snprintf(out->opt[k++], sizeof out->opt[0], "--overlay-sha256=%s", a->overlay_digest);
	}
	for (size_t i = 0; i < k; i++)
		out->v[out->n++] = out->opt[i];
	out->v[out->n++] = a->bpf_path;
	out->v[out->n++] = "--";
}

/* Decimal, or hex after "0x"; nothing else, and no more than max. */
static bool parse_number(const char *s, uint64_t max, uint64_t *out)
{
	unsigned base = 10;
	if (s[0] == '0' && s[1] == 'x') {
		base = 16;
		s += 2;
	}
	uint64_t v = 0;
	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned d = *s >= '0' && *s <= '9' ? (unsigned)(*s - '0')
			   : base == 16 && *s >= 'a' && *s <= 'f' ? (unsigned)(*s - 'a' + 10)
								   : 99;
		if (d >= base || v > (max - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

typedef enum { O_SHA256, O_FLAGS, O_LISTENER, O_CAPS, O_OVERLAY, O_OVERLAY_SHA256, O_COUNT } opt_id;
static const struct {
	const char *prefix;
	const char *valid; /* what a valid value is */
} opts[O_COUNT] = {
	[O_SHA256] = { "--sha256=", "64 lower-case hex digits" },
	[O_FLAGS] = { "--flags=", "a number such as 4 or 0x4" },
	[O_LISTENER] = { "--listener-fd=", "a descriptor from 3 to 1024" },
	[O_CAPS] = { "--caps=", "five hex masks B:P:E:I:A" },
	[O_OVERLAY] = { "--overlay=", "a file" },
	[O_OVERLAY_SHA256] = { "--overlay-sha256=", "64 lower-case hex digits" },
};

static bool take_value(opt_id id, const char *v, sh_loader_args *a)
{
	uint64_t n = 0;
	switch (id) {
	case O_SHA256:
		if (!sh_sha256_hex_valid(v))
			return false;
		memcpy(a->digest, v, 65);
		return true;
	case O_FLAGS:
		if (!parse_number(v, UINT32_MAX, &n))
			return false;
		a->flags = (unsigned)n;
		return true;
	case O_LISTENER:
		if (!parse_number(v, 1024, &n) || n < 3)
			return false;
		a->listener_fd = (int)n;
		return true;
	case O_CAPS:
		return a->has_caps = sh_capsets_parse(v, &a->caps);
	case O_OVERLAY:
		a->overlay_path = v;
		return *v != '\0';
	case O_OVERLAY_SHA256:
		if (!sh_sha256_hex_valid(v))
			return false;
		memcpy(a->overlay_digest, v, 65);
		return true;
	default:
		return false;
	}
}

/* One option at argv[i]; false with e set. */
static bool take_option(const char *arg, int i, sh_loader_args *a, unsigned *seen, sh_loader_args_error *e)
{
	for (int id = 0; id < O_COUNT; id++) {
		size_t n = strlen(opts[id].prefix);
		if (strncmp(arg, opts[id].prefix, n) != 0)
			continue;
		if (*seen & (1u << id))
			return *e = (sh_loader_args_error){ i, SH_LOADER_ARG_TWICE, n - 1, NULL }, false;
		*seen |= 1u << id;
		if (!take_value((opt_id)id, arg + n, a))
			return *e = (sh_loader_args_error){ i, SH_LOADER_ARG_INVALID, n - 1, opts[id].valid }, false;
		return true;
	}
	return *e = (sh_loader_args_error){ i, SH_LOADER_ARG_UNKNOWN, 0, NULL }, false;
}

int sh_loader_args_decode(int argc, char *const argv[], int first, sh_loader_args *a, sh_loader_args_error *e)
{
	*a = (sh_loader_args){ .listener_fd = -1 };
	unsigned seen = 0;
	int i = first;
	for (; i < argc && strncmp(argv[i], "--", 2) == 0 && argv[i][2]; i++)
		if (!take_option(argv[i], i, a, &seen, e))
			return -1;
	/* A digest for no overlay is a call the encoder never writes. */
	if (i + 2 >= argc || strcmp(argv[i + 1], "--") != 0 || argv[i + 2][0] == '\0' ||
	    (a->overlay_digest[0] && !a->overlay_path)) {
		*e = (sh_loader_args_error){ i, SH_LOADER_ARG_USAGE, 0, NULL };
		return -1;
	}
	a->bpf_path = argv[i];
	return i + 2;
}

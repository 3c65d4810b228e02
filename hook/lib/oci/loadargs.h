/* The init loader's command line, [LOADER, OPTION..., BPF_FILE, "--", COMMAND, ARG...]: the one
 * encoder (the hook writes it in front of a container's process) and the one decoder (the loader
 * reads it; the hook reads its own earlier output back). libc only: the static loader links it.
 * --overlay=FILE names a second program (an overlay's, overlay.h), installed before BPF_FILE's. */
#ifndef SH_LOADARGS_H
#define SH_LOADARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "apply.h"

typedef struct sh_loader_args {
	char digest[65];  /* lower-case SHA-256 of BPF_FILE ("" for none) */
	unsigned flags;   /* SECCOMP_FILTER_FLAG_* asked for; TSYNC is always added */
	int listener_fd;  /* --listener-fd (NEW_LISTENER through the wrapper's relay), -1 for none */
	bool has_caps;    /* --caps: lower the capability sets to `caps` once the filter is in */
	sh_capsets caps;
	const char *bpf_path;
	/* --overlay=FILE, --overlay-sha256=HEX: the program installed first, with `flags` less
	 * NEW_LISTENER (NULL, "": none) */
	const char *overlay_path;
	char overlay_digest[65];
} sh_loader_args;

/* The strings the encoder writes: the loader's path, at most seven options, BPF_FILE and "--". */
#define SH_LOADER_OPTS_MAX 7
#define SH_LOADER_ARGV_MAX (SH_LOADER_OPTS_MAX + 3)
typedef struct sh_loader_argv {
	char opt[SH_LOADER_OPTS_MAX][96];
	const char *v[SH_LOADER_ARGV_MAX];
	size_t n;
} sh_loader_argv;

void sh_loader_args_encode(const char *loader, const sh_loader_args *a, sh_loader_argv *out);

/* Where a decode failed, for the loader's one error line: argv[index] is an unknown option, an
 * option given twice, one whose value (after its first namelen characters and '=') is not `valid`,
 * or there is no BPF_FILE -- COMMAND. */
typedef enum { SH_LOADER_ARG_UNKNOWN, SH_LOADER_ARG_TWICE, SH_LOADER_ARG_INVALID, SH_LOADER_ARG_USAGE } sh_loader_arg_fault;
typedef struct sh_loader_args_error {
	int index;
	sh_loader_arg_fault fault;
	size_t namelen;
	const char *valid;
} sh_loader_args_error;

/* argv[first..argc): options, BPF_FILE, "--", a non-empty COMMAND. Returns the command's index, or
 * -1 with *e set. Each option at most once; numbers are decimal or 0x-hex and fit their field. */
int sh_loader_args_decode(int argc, char *const argv[], int first, sh_loader_args *a, sh_loader_args_error *e);

#endif

/* The exposure scan: every container on the node (the state roots of runc and crun, under Docker,
 * containerd, Kubernetes, podman or alone), every process in it, the filters each really runs (read
 * back from the kernel), and for each query, on each ABI, what the kernel answers a matching call:
 * the least restrictive answer any call that matches gets, found by walking the process's stack of
 * filters jointly (bpf_reach.h), with one such call. Three steps, as the config transform has them:
 * sh_scan_read reads the node (scanread.c), sh_scan_decide decides (here, touching nothing), and
 * scanout.c writes the table, the JSON or the Prometheus textfile. */
#ifndef SH_SCAN_H
#define SH_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "bpf.h"
#include "error.h"

/* A query: SYSCALL[:ARGn=V,...], each value decimal or 0x hex (64 bits). */
typedef struct sh_scan_query {
	char *text, *name;
	uint64_t mask[6], value[6]; /* the arguments the query fixes */
} sh_scan_query;

int sh_scan_query_parse(const char *text, sh_scan_query *q, sh_error **err);
void sh_scan_query_free(sh_scan_query *q);

typedef enum { SH_SECCOMP_NONE, SH_SECCOMP_STRICT, SH_SECCOMP_FILTER, SH_SECCOMP_UNKNOWN } sh_seccomp_mode;

/* What a query gets on one ABI. */
typedef enum {
	SH_SCAN_ALLOWED,   /* some matching call runs (ALLOW, LOG, or no filter at all) */
	SH_SCAN_HANDED,    /* the least restrictive answer hands it to a tracer or supervisor */
	SH_SCAN_REFUSED,   /* every matching call is refused (ERRNO, TRAP, KILL) */
	SH_SCAN_NO_CALL,   /* the ABI has no such syscall */
	SH_SCAN_UNDECIDED, /* the filters could not be read or walked through */
} sh_scan_class;

typedef struct sh_scan_answer {
	sh_scan_class cls;
	uint32_t ret;	      /* the least restrictive answer a matching call gets */
	const char *via;      /* "socketcall" or "ipc" when that is the way (x86's socket is both) */
	sh_seccomp_data call; /* a call that gets it */
} sh_scan_answer;

/* The tasks of one process that run the same filters (usually all of them). */
typedef struct sh_scan_proc {
	int pid;
	int *tids;
	size_t ntids;
	char comm[17];
	bool init; /* the container's own init process */
	sh_seccomp_mode mode;
	sh_bpf *filters; /* newest first, as the kernel runs them */
	size_t nfilters;
	char (*digests)[65]; /* sha256 of each filter's instructions */
	char *error;	     /* why the filters could not be read (mode UNKNOWN) */
	sh_scan_answer *answers; /* [query * nabis + abi], by sh_scan_decide */
	bool exposed;
} sh_scan_proc;

typedef struct sh_scan_container {
	/* engine: docker, kubernetes, containerd, podman, cri-o, or the runtime's name; the names come
	 * from the engines' annotations, which the container's creator wrote: shown, never believed */
	char *engine, *runtime, *root, *id, *name, *pod, *ns, *bundle, *status;
	int pid;
	sh_scan_proc *procs;
	size_t nprocs;
	char *error; /* why its processes could not be listed */
} sh_scan_container;

#define SH_SCAN_ABIS_MAX 4
typedef struct sh_scan_abi {
	uint32_t arch; /* SCMP_ARCH_* */
	bool enabled;  /* this kernel runs calls of the ABI (x86's int 0x80, x32) */
} sh_scan_abi;

typedef struct sh_scan {
	sh_scan_abi abis[SH_SCAN_ABIS_MAX];
	size_t nabis;
	sh_scan_query *queries;
	size_t nqueries;
	sh_scan_container *cs;
	size_t ncs;
	/* by sh_scan_decide */
	size_t processes, exposed, unreadable;
} sh_scan;

/* ---- reading the node (scanread.c) -------------------------------------------------------------- */

typedef struct sh_scan_opts {
	char *const *roots; /* state roots to read; NULL: the default ones (sh_scan_default_roots) */
	size_t nroots;
} sh_scan_opts;

/* The state roots read when none is given, with shell-style wildcards, NULL-terminated. */
extern const char *const sh_scan_default_roots[];

/* The ABIs of the host's architecture family, each probed (in a child process) for whether this
 * kernel runs it. */
void sh_scan_probe_abis(sh_scan *s);
/* Every container of the roots, every process in it, and the filters of each task. A container or
 * process that cannot be read is kept with its error; only a failure to read a root itself that was
 * given by name is an error. */
int sh_scan_read(const sh_scan_opts *o, sh_scan *s, sh_error **err);

/* One container's entry in a state root, from runc's state.json or crun's status and config.json
 * (exported for tests): 0, 1 when ROOT/ID holds neither (not a container), -1 on a failure to read
 * it. The engine comes from the annotations, else the root's path; the status from the kernel (its
 * init process alive with the start time the runtime recorded) and the exec fifo of a created one. */
int sh_scan_read_container(const char *root, const char *id, sh_scan_container *c, sh_error **err);

/* ---- deciding (scan.c) --------------------------------------------------------------------------- */

/* What the kernel answers calls matching q on abi, for a task in `mode` running filters (newest
 * first). */
sh_scan_answer sh_scan_answer_query(const sh_bpf *filters, size_t n, sh_seccomp_mode mode, uint32_t abi,
				    const sh_scan_query *q);
/* Every query on every ABI for every process; which are exposed (a query allowed or handed on an
 * ABI the kernel runs, or undecided there; with no query: no filter at all, or filters that cannot
 * be read), and the counts (unreadable: processes and containers that could not be read). */
void sh_scan_decide(sh_scan *s);
/* "allowed", "handed", "refused", "no-call", "undecided". */
const char *sh_scan_class_name(sh_scan_class c);
void sh_scan_free(sh_scan *s);
void sh_scan_free_container(sh_scan_container *c);

/* ---- writing (scanout.c) ------------------------------------------------------------------------- */

void sh_scan_put_table(FILE *f, const sh_scan *s);
void sh_scan_put_json(FILE *f, const sh_scan *s);
/* node_exporter's textfile collector format; now: the scan's time. */
void sh_scan_put_prometheus(FILE *f, const sh_scan *s, time_t now);

#endif

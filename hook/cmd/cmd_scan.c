/* seccomp-hook scan: options, then the exposure scan of hook/lib/oci/scan.h (read the node, decide,
 * write) in one of three formats. */
#include "config.h"
#include "apply.h"
#include "cli.h"
#include "scan.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char scan_usage[] =
	"Usage: seccomp-hook scan [--query=SYSCALL[:ARGn=V,...]]... [--format=table|json|prometheus]\n"
	"                         [--root=DIR]... [-o FILE]\n"
	"List every container on the node (the state roots of runc and crun: their own, Docker's,\n"
	"containerd's and so Kubernetes' k8s.io, podman's), every process in each (the init process and\n"
	"every exec'd one: those in its mount namespace), and the seccomp filters each task really runs,\n"
	"read back from the kernel (needs CAP_SYS_ADMIN). For each query, on each ABI of this machine,\n"
	"what the kernel answers a matching call: the least restrictive answer of the process's filters\n"
	"(stacked filters combine as the kernel combines them) for any value of the arguments the query\n"
	"leaves open, found by walking the filters, not by trying calls: allowed, handed to a tracer or\n"
	"supervisor, refused (the errno, KILL, TRAP), or no filter at all. x86's socket and SysV IPC\n"
	"calls are also asked through socketcall and ipc, whose arguments no filter can read.\n"
	"The engine, the container's name, pod and namespace come from the engines' annotations.\n\n"
	"  --query=Q       SYSCALL[:ARGn=V,...], V decimal or 0x hex: socket:arg0=38 asks about AF_ALG\n"
	"  --format=F      table (default), json, or prometheus (node_exporter's textfile collector)\n"
	"  --root=DIR      read this state root (repeatable) instead of the default ones: /run/runc,\n"
	"                  /run/crun, /run/docker/runtime-*/*, /run/containerd/runc/*, ...\n"
	"  -o FILE         write FILE (replaced atomically, as the textfile collector needs) instead of\n"
	"                  standard output\n"
	"  -h, --help      show this help\n\n"
	"A process is exposed when a query is allowed or handed to another process on an ABI this kernel\n"
	"runs, or, without a query, when it runs no filter at all; one whose filters cannot be read (a\n"
	"frozen container's, one another tracer holds) or walked through counts as exposed: what cannot\n"
	"be shown refused is not.\n"
	"Exit status: 0 nothing exposed, 1 a process is exposed or a container or process could not be\n"
	"read, 2 usage error or a failure to read a state root given with --root.\n";

typedef struct scan_opts {
	const char *format, *output;
	char **roots;
	size_t nroots;
} scan_opts;

static int add_query(sh_scan *s, const char *text)
{
	cleanup_error sh_error *err = NULL;
	sh_scan_query q;
	if (sh_scan_query_parse(text, &q, &err) < 0)
		return sh_usage_error("scan", "%s", err->msg);
	s->queries = sh_xreallocarray(s->queries, s->nqueries + 1, sizeof(*s->queries));
	s->queries[s->nqueries++] = q;
	return -1;
}

static int parse_scan_args(int argc, char **argv, scan_opts *o, sh_scan *s)
{
	static const struct option longopts[] = {
		{ "query", required_argument, NULL, 'q' }, { "format", required_argument, NULL, 'f' },
		{ "root", required_argument, NULL, 'r' },  { "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },	   { NULL, 0, NULL, 0 },
	};
	int ch, done;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+o:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'q':
			if ((done = add_query(s, optarg)) >= 0)
				return done;
			break;
		case 'f': o->format = optarg; break;
		case 'r':
			o->roots = sh_xreallocarray(o->roots, o->nroots + 1, sizeof(*o->roots));
			o->roots[o->nroots++] = optarg;
			break;
		case 'o': o->output = optarg; break;
		case 'h': fputs(scan_usage, stdout); return SH_EXIT_OK;
		default: return sh_usage_error("scan", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (strcmp(o->format, "table") && strcmp(o->format, "json") && strcmp(o->format, "prometheus"))
		return sh_usage_error("scan", "unknown format '%s' (table, json or prometheus)", o->format);
	if (optind < argc)
		return sh_usage_error("scan", "unexpected argument '%s'", argv[optind]);
	return -1; /* go on */
}

static int write_out(const scan_opts *o, const sh_scan *s, sh_error **err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return sh_error_errno(err, errno, "open_memstream");
	if (strcmp(o->format, "json") == 0)
		sh_scan_put_json(f, s);
	else if (strcmp(o->format, "prometheus") == 0)
		sh_scan_put_prometheus(f, s, time(NULL));
	else
		sh_scan_put_table(f, s);
	fclose(f);
	int r = sh_write_file_atomic(o->output, buf, len, 0644, err);
	free(buf);
	return r;
}

int cmd_scan(int argc, char **argv)
{
	scan_opts o = { .format = "table", .output = "-" };
	sh_scan s = { 0 };
	int done = parse_scan_args(argc, argv, &o, &s);
	cleanup_error sh_error *err = NULL;
	int status = SH_EXIT_SYSTEM;
	if (done >= 0) {
		status = done;
	} else if (!sh_have_cap_sys_admin()) {
		sh_error_set(&err, SH_EXIT_SYSTEM, "scan reads the filters back from the kernel, which needs CAP_SYS_ADMIN");
	} else {
		sh_scan_opts so = { .roots = o.roots, .nroots = o.nroots };
		sh_scan_probe_abis(&s);
		if (sh_scan_read(&so, &s, &err) == 0) {
			sh_scan_decide(&s);
			if (write_out(&o, &s, &err) == 0)
				status = s.exposed || s.unreadable ? SH_EXIT_INVALID : SH_EXIT_OK;
		}
	}
	if (err)
		status = sh_error_report(err);
	sh_scan_free(&s);
	free(o.roots);
	return status;
}

/* seccomp-hook dump PID: the classic-BPF filters a running process has, read back from the kernel
 * with PTRACE_SECCOMP_GET_FILTER (needs CAP_SYS_ADMIN), as a summary (each filter's length and
 * SHA-256, the digest org.seccomp-hook.applied names), JSON, a disassembly, or raw bytes; dump
 * --bpf=FILE: the same for a program file (compile -o), with no process. */
#include "config.h"
#include "apply.h"
#include "cli.h"
#include "bpf.h"
#include "sha256.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <yajl/yajl_gen.h>

static const char dump_usage[] =
	"Usage: seccomp-hook dump [--format=text|json|disasm|raw] [--index=N] [-o FILE] PID | --bpf=FILE\n"
	"Print the seccomp filters process PID runs, read back from the kernel (PTRACE_SECCOMP_GET_FILTER;\n"
	"needs CAP_SYS_ADMIN). Filter 0 is the first installed one, the last the newest. With --bpf, decode\n"
	"a raw BPF\n"
	"program file instead (compile -o, dump --format=raw): no process, no privilege.\n\n"
	"  --format=F   text (default): the process's seccomp mode and no_new_privs, then a line per\n"
	"               filter with its length and SHA-256 (the digest org.seccomp-hook.applied names\n"
	"               in init mode); json: the same with every filter's instructions; disasm:\n"
	"               readable listing with syscall numbers named; raw: one filter's bytes\n"
	"  --index=N    only filter N (raw: default 0)\n"
	"  --bpf=FILE   the program in FILE, as filter 0 (in place of PID)\n"
	"  -o FILE      write to FILE (default: standard output)\n"
	"  -h, --help   show this help\n";

static void gen_key(yajl_gen g, const char *k)
{
	yajl_gen_string(g, (const unsigned char *)k, strlen(k));
}

/* Where the filters come from: a live process (pid) or a program file (bpf). */
typedef struct dump_opts {
	const char *format, *output, *bpf;
	long pid, index;
} dump_opts;

/* The program's SHA-256, as the cache and org.seccomp-hook.applied name it: of its bytes. */
static void digest_of(const sh_bpf *b, char hex[65])
{
	sh_sha256_hex(b->insns, b->len * sizeof(*b->insns), hex);
}

static void gen_filter(yajl_gen g, size_t i, const sh_bpf *b)
{
	char hex[65];
	digest_of(b, hex);
	yajl_gen_map_open(g);
	gen_key(g, "index");
	yajl_gen_integer(g, (long long)i);
	gen_key(g, "length");
	yajl_gen_integer(g, (long long)b->len);
	gen_key(g, "sha256");
	yajl_gen_string(g, (const unsigned char *)hex, 64);
	gen_key(g, "instructions");
	yajl_gen_array_open(g);
	for (size_t k = 0; k < b->len; k++) {
		const struct sock_filter *f = &b->insns[k];
		yajl_gen_array_open(g);
		yajl_gen_integer(g, f->code);
		yajl_gen_integer(g, f->jt);
		yajl_gen_integer(g, f->jf);
		yajl_gen_integer(g, f->k);
		yajl_gen_array_close(g);
	}
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
}

/* {"pid": N, "seccomp": MODE, "filters": [..]}, or {"file": PATH, "filters": [..]} for --bpf. */
static void print_json(FILE *out, const dump_opts *o, int mode, const sh_bpf *v, size_t n)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_map_open(g);
	if (o->bpf) {
		gen_key(g, "file");
		yajl_gen_string(g, (const unsigned char *)o->bpf, strlen(o->bpf));
	} else {
		gen_key(g, "pid");
		yajl_gen_integer(g, o->pid);
		gen_key(g, "seccomp");
		yajl_gen_integer(g, mode);
	}
	gen_key(g, "filters");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < n; i++)
		if (o->index < 0 || (size_t)o->index == i)
			gen_filter(g, i, &v[i]);
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
	const unsigned char *buf;
	size_t len;
	yajl_gen_get_buf(g, &buf, &len);
	fwrite(buf, 1, len, out);
	yajl_gen_free(g);
}

/* "pid 42: Seccomp: 2 (filter), NoNewPrivs: 1, 2 filter(s)", or the file's line. */
static void print_head(FILE *out, const dump_opts *o, int mode, size_t n)
{
	if (o->bpf) {
		fprintf(out, "%s: BPF program file, %zu filter(s)\n", o->bpf, n);
		return;
	}
	fprintf(out, "pid %ld: Seccomp: %d (%s)", o->pid, mode, mode == 2 ? "filter" : mode == 1 ? "strict" : "none");
	int nnp = sh_proc_no_new_privs(o->pid);
	if (nnp >= 0)
		fprintf(out, ", NoNewPrivs: %d", nnp);
	fprintf(out, ", %zu filter(s)\n", n);
}

/* "filter 0: 143 instructions, sha256:..." (the first installed first, as the kernel numbers them). */
static void print_filter_line(FILE *out, size_t i, const sh_bpf *b)
{
	char hex[65];
	digest_of(b, hex);
	fprintf(out, "filter %zu: %zu instructions, sha256:%s\n", i, b->len, hex);
}

static void print_text(FILE *out, const dump_opts *o, int mode, const sh_bpf *v, size_t n)
{
	print_head(out, o, mode, n);
	for (size_t i = 0; i < n; i++)
		if (o->index < 0 || (size_t)o->index == i)
			print_filter_line(out, i, &v[i]);
}

/* The same listing for a file as for a process after the first line, so the two compare with diff. */
static void print_disasm(FILE *out, const dump_opts *o, int mode, const sh_bpf *v, size_t n)
{
	print_head(out, o, mode, n);
	for (size_t i = 0; i < n; i++)
		if (o->index < 0 || (size_t)o->index == i) {
			print_filter_line(out, i, &v[i]);
			sh_bpf_disasm(out, &v[i]);
		}
}

static int emit(const dump_opts *o, int mode, const sh_bpf *v, size_t n, sh_error **err)
{
	if (strcmp(o->format, "raw") == 0) {
		size_t i = o->index < 0 ? 0 : (size_t)o->index;
		if (i >= n)
			return o->bpf ? sh_error_set(err, SH_EXIT_INVALID, "%s has no filter %zu (a file holds one)", o->bpf, i)
				      : sh_error_set(err, SH_EXIT_INVALID, "pid %ld has no filter %zu (it has %zu)", o->pid, i, n);
		return sh_write_file_atomic(o->output, v[i].insns, v[i].len * sizeof(struct sock_filter), 0644, err);
	}
	char *buf = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&buf, &len);
	if (!mf)
		return sh_error_errno(err, errno, "open_memstream");
	if (strcmp(o->format, "json") == 0)
		print_json(mf, o, mode, v, n);
	else if (strcmp(o->format, "text") == 0)
		print_text(mf, o, mode, v, n);
	else
		print_disasm(mf, o, mode, v, n);
	fclose(mf);
	int r = sh_write_file_atomic(o->output, buf, len, 0644, err);
	free(buf);
	return r;
}

static int parse_dump_args(int argc, char **argv, dump_opts *o)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' }, { "index", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' }, { "bpf", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	char *end = NULL;
	int ch;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+o:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f': o->format = optarg; break;
		case 'i':
			o->index = strtol(optarg, &end, 10);
			if (o->index < 0 || !*optarg || *end)
				return sh_usage_error("dump", "--index: '%s' is not a filter number", optarg);
			break;
		case 'o': o->output = optarg; break;
		case 'b': o->bpf = optarg; break;
		case 'h': fputs(dump_usage, stdout); return SH_EXIT_OK;
		default: return sh_usage_error("dump", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (strcmp(o->format, "text") && strcmp(o->format, "json") && strcmp(o->format, "disasm") && strcmp(o->format, "raw"))
		return sh_usage_error("dump", "unknown format '%s' (text, json, disasm or raw)", o->format);
	if (o->bpf)
		return argc == optind ? -1 : sh_usage_error("dump", "give a PID or --bpf=FILE, not both");
	end = NULL;
	o->pid = argc - optind == 1 ? strtol(argv[optind], &end, 10) : 0;
	if (o->pid <= 0 || !end || *end)
		return sh_usage_error("dump", "expected one PID (or --bpf=FILE)");
	return -1; /* go on */
}

int cmd_dump(int argc, char **argv)
{
	dump_opts o = { .format = "text", .output = "-", .index = -1 };
	int done = parse_dump_args(argc, argv, &o);
	if (done >= 0)
		return done;
	cleanup_error sh_error *err = NULL;
	sh_bpf *v = NULL;
	size_t n = 0;
	int mode = -1, r;
	if (o.bpf) {
		v = sh_xcalloc(1, sizeof(*v));
		r = sh_cli_read_bpf_file(o.bpf, v, &err);
		n = r == 0;
	} else {
		mode = sh_proc_seccomp_mode(o.pid);
		r = sh_dump_read((pid_t)o.pid, &v, &n, &err);
	}
	if (r == 0)
		r = emit(&o, mode, v, n, &err);
	for (size_t i = 0; i < n; i++)
		sh_bpf_free(&v[i]);
	free(v);
	return r < 0 ? sh_error_report(err) : SH_EXIT_OK;
}

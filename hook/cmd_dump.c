/* seccomp-hook dump PID: the classic-BPF filters a running process has, read back from the kernel
 * with PTRACE_SECCOMP_GET_FILTER (needs CAP_SYS_ADMIN), as JSON, a disassembly, or raw bytes. */
#include "config.h"
#include "apply.h"
#include "cli.h"
#include "bpf.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <yajl/yajl_gen.h>

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c
#endif

static const char dump_usage[] =
	"Usage: seccomp-hook dump [--format=json|disasm|raw] [--index=N] [-o FILE] PID\n"
	"Print the seccomp filters process PID runs, read back from the kernel (PTRACE_SECCOMP_GET_FILTER;\n"
	"needs CAP_SYS_ADMIN). Filter 0 is the most recently installed one.\n\n"
	"  --format=F   json (default): every filter's instructions; disasm: readable listing with\n"
	"               syscall numbers named; raw: one filter's struct sock_filter bytes\n"
	"  --index=N    only filter N (raw: default 0)\n"
	"  -o FILE      write to FILE (default: standard output)\n"
	"  -h, --help   show this help\n";

typedef struct filters {
	sh_bpf *v;
	size_t n;
	int seccomp_mode;
} filters;

static int get_filters(pid_t pid, filters *out, sh_error **err)
{
	for (long i = 0;; i++) {
		long n = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)i, NULL);
		if (n < 0 && errno == ENOENT)
			return 0;
		if (n < 0 && errno == EINVAL && i == 0)
			return 0; /* no filter at all */
		if (n < 0)
			return sh_error_errno(err, errno, "PTRACE_SECCOMP_GET_FILTER pid %d filter %ld", (int)pid, i);
		out->v = sh_xreallocarray(out->v, out->n + 1, sizeof(*out->v));
		sh_bpf *b = &out->v[out->n++];
		b->len = (size_t)n;
		b->insns = sh_xcalloc((size_t)n, sizeof(struct sock_filter));
		if (ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)i, b->insns) != n)
			return sh_error_errno(err, errno, "PTRACE_SECCOMP_GET_FILTER pid %d filter %ld", (int)pid, i);
	}
}

/* Seize (no signal), interrupt to get a ptrace-stop, read, detach. */
int sh_dump_read(int pid, sh_bpf **v, size_t *n, sh_error **err)
{
	filters f = { 0 };
	if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0)
		return sh_error_errno(err, errno, "cannot attach to pid %d", (int)pid);
	int st, r = 0;
	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0 || waitpid(pid, &st, __WALL) != pid)
		r = sh_error_errno(err, errno, "cannot stop pid %d", (int)pid);
	if (r == 0)
		r = get_filters(pid, &f, err);
	ptrace(PTRACE_DETACH, pid, 0, 0);
	*v = f.v;
	*n = f.n;
	return r;
}

static void gen_key(yajl_gen g, const char *k)
{
	yajl_gen_string(g, (const unsigned char *)k, strlen(k));
}

static void print_json(FILE *out, int pid, int mode, const sh_bpf *v, size_t n, long only)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_map_open(g);
	gen_key(g, "pid");
	yajl_gen_integer(g, pid);
	gen_key(g, "seccomp");
	yajl_gen_integer(g, mode);
	gen_key(g, "filters");
	yajl_gen_array_open(g);
	for (size_t i = 0; i < n; i++) {
		if (only >= 0 && (size_t)only != i)
			continue;
		yajl_gen_map_open(g);
		gen_key(g, "index");
		yajl_gen_integer(g, (long long)i);
		gen_key(g, "length");
		yajl_gen_integer(g, (long long)v[i].len);
		gen_key(g, "instructions");
		yajl_gen_array_open(g);
		for (size_t k = 0; k < v[i].len; k++) {
			const struct sock_filter *f = &v[i].insns[k];
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
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
	const unsigned char *buf;
	size_t len;
	yajl_gen_get_buf(g, &buf, &len);
	fwrite(buf, 1, len, out);
	yajl_gen_free(g);
}

int cmd_dump(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' }, { "index", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *format = "json", *output = "-";
	long index = -1;
	int ch;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+o:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f': format = optarg; break;
		case 'i': index = strtol(optarg, NULL, 10); break;
		case 'o': output = optarg; break;
		case 'h': fputs(dump_usage, stdout); return SH_EXIT_OK;
		default: return sh_usage_error("dump", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (strcmp(format, "json") && strcmp(format, "disasm") && strcmp(format, "raw"))
		return sh_usage_error("dump", "unknown format '%s' (json, disasm or raw)", format);
	char *end = NULL;
	long pid = argc - optind == 1 ? strtol(argv[optind], &end, 10) : 0;
	if (pid <= 0 || !end || *end)
		return sh_usage_error("dump", "expected one PID");
	cleanup_error sh_error *err = NULL;
	sh_bpf *v = NULL;
	size_t n = 0;
	int mode = sh_proc_seccomp_mode(pid);
	int r = sh_dump_read((pid_t)pid, &v, &n, &err);
	if (r == 0 && strcmp(format, "raw") == 0) {
		size_t i = index < 0 ? 0 : (size_t)index;
		r = i < n ? sh_write_file_atomic(output, v[i].insns, v[i].len * sizeof(struct sock_filter), 0644, &err)
			  : sh_error_set(&err, SH_EXIT_INVALID, "pid %ld has no filter %zu (it has %zu)", pid, i, n);
	} else if (r == 0) {
		char *buf = NULL;
		size_t len = 0;
		FILE *mf = open_memstream(&buf, &len);
		if (strcmp(format, "json") == 0) {
			print_json(mf, (int)pid, mode, v, n, index);
		} else {
			fprintf(mf, "pid %ld: Seccomp: %d (%s), %zu filter(s)\n", pid, mode,
				mode == 2 ? "filter" : mode == 1 ? "strict" : "none", n);
			for (size_t i = 0; i < n; i++)
				if (index < 0 || (size_t)index == i) {
					fprintf(mf, "filter %zu: %zu instructions\n", i, v[i].len);
					sh_bpf_disasm(mf, &v[i]);
				}
		}
		fclose(mf);
		r = sh_write_file_atomic(output, buf, len, 0644, &err);
		free(buf);
	}
	for (size_t i = 0; i < n; i++)
		sh_bpf_free(&v[i]);
	free(v);
	return r < 0 ? sh_error_report(err) : SH_EXIT_OK;
}

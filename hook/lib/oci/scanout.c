/* The exposure scan written out: a table for people, JSON for programs, node_exporter's textfile
 * for alerting; see scan.h. Every name a container's creator chose is written escaped: a table cell
 * shows no control character or blank, a label or JSON string cannot be ended early. */
#include "config.h"
#include "scan.h"
#include "names.h"
#include "report.h"
#include "util.h"

#include <ctype.h>
#include <inttypes.h>
#include <seccomp.h>
#include <string.h>
#include <yajl/yajl_gen.h>

/* ---- the table ------------------------------------------------------------------------------------ */

#define CELL_MAX 40

/* A cell: "-" for none, blanks and control characters as '?', at most CELL_MAX bytes (then "~"). */
static void put_cell(FILE *f, const char *v, int width)
{
	char buf[CELL_MAX + 2];
	size_t n = 0;
	if (!v || !*v)
		v = "-";
	for (; *v && n < CELL_MAX; v++)
		buf[n++] = (unsigned char)*v <= ' ' || *v == 0x7f ? '?' : *v;
	if (*v)
		buf[n++] = '~';
	buf[n] = 0;
	fprintf(f, "%-*s ", width, buf);
}

/* "ALLOW", "ERRNO(38)", "KILL_PROCESS", "NOTIFY"...; "ALLOW/socketcall" through the multiplexer;
 * "-" where the ABI has no such call, "?" where it is undecided; in parentheses on an ABI this kernel
 * does not run. */
static void answer_text(const sh_scan_answer *a, bool enabled, char *buf, size_t len)
{
	char act[48];
	if (a->cls == SH_SCAN_NO_CALL)
		snprintf(act, sizeof act, "-");
	else if (a->cls == SH_SCAN_UNDECIDED)
		snprintf(act, sizeof act, "?");
	else if ((a->ret & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO)
		snprintf(act, sizeof act, "ERRNO(%u)%s%s", a->ret & SECCOMP_RET_DATA, a->via ? "/" : "", a->via ? a->via : "");
	else
		snprintf(act, sizeof act, "%s%s%s", sh_ret_short_name(a->ret), a->via ? "/" : "", a->via ? a->via : "");
	snprintf(buf, len, enabled ? "%s" : "(%s)", act);
}

static void filters_text(const sh_scan_proc *p, char *buf, size_t len)
{
	switch (p->mode) {
	case SH_SECCOMP_NONE: snprintf(buf, len, "none"); return;
	case SH_SECCOMP_STRICT: snprintf(buf, len, "strict"); return;
	case SH_SECCOMP_UNKNOWN: snprintf(buf, len, "unreadable"); return;
	case SH_SECCOMP_FILTER: break;
	}
	snprintf(buf, len, "%zu:%.12s%s", p->nfilters, p->nfilters ? p->digests[0] : "", p->nfilters > 1 ? "+" : "");
}

/* "x86_64", "x86", "x32": the ABI as a column names it. */
static const char *abi_short(uint32_t arch, char *buf, size_t len)
{
	snprintf(buf, len, "%s", sh_arch_scmp_name(arch) + strlen("SCMP_ARCH_"));
	for (char *p = buf; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return buf;
}

static void put_head(FILE *f, const sh_scan *s)
{
	fprintf(f, "%-10s %-12s %-16s %-24s %-7s %-15s %-17s %-8s", "ENGINE", "CONTAINER", "NAME", "POD", "PID", "COMMAND",
		"FILTERS", "EXPOSED");
	if (s->nqueries) {
		fprintf(f, " %-24s", "QUERY");
		for (size_t k = 0; k < s->nabis; k++) {
			char abi[24];
			fprintf(f, " %-20s", abi_short(s->abis[k].arch, abi, sizeof abi));
		}
	}
	fputc('\n', f);
}

static void put_row(FILE *f, const sh_scan *s, const sh_scan_container *c, const sh_scan_proc *p, size_t q)
{
	char id[13], pod[CELL_MAX * 2 + 2], pid[16], filt[32];
	snprintf(id, sizeof id, "%.12s", c->id);
	snprintf(pod, sizeof pod, "%s%s%s", c->ns ? c->ns : "", c->ns && c->pod ? "/" : "", c->pod ? c->pod : "");
	snprintf(pid, sizeof pid, "%d", p->pid);
	filters_text(p, filt, sizeof filt);
	put_cell(f, c->engine, 10), put_cell(f, id, 12), put_cell(f, c->name, 16), put_cell(f, pod, 24);
	put_cell(f, pid, 7), put_cell(f, p->comm, 15), put_cell(f, filt, 17), put_cell(f, p->exposed ? "yes" : "no", 8);
	if (s->nqueries) {
		put_cell(f, s->queries[q].text, 24);
		for (size_t k = 0; k < s->nabis; k++) {
			char ans[64];
			answer_text(&p->answers[q * s->nabis + k], s->abis[k].enabled, ans, sizeof ans);
			put_cell(f, ans, 20);
		}
	}
	fputc('\n', f);
}

static void put_container_rows(FILE *f, const sh_scan *s, const sh_scan_container *c)
{
	if (!c->nprocs) {
		char id[13];
		snprintf(id, sizeof id, "%.12s", c->id);
		put_cell(f, c->engine, 10), put_cell(f, id, 12), put_cell(f, c->name, 16);
		fprintf(f, "(%s%s%s)\n", c->status ? c->status : "?", c->error ? ": " : "", c->error ? c->error : "");
		return;
	}
	for (size_t i = 0; i < c->nprocs; i++)
		for (size_t q = 0; q < (s->nqueries ? s->nqueries : 1); q++)
			put_row(f, s, c, &c->procs[i], q);
}

void sh_scan_put_table(FILE *f, const sh_scan *s)
{
	put_head(f, s);
	for (size_t i = 0; i < s->ncs; i++)
		put_container_rows(f, s, &s->cs[i]);
	fprintf(f, "scan: %zu container%s, %zu process%s, %zu exposed, %zu unreadable\n", s->ncs, s->ncs == 1 ? "" : "s",
		s->processes, s->processes == 1 ? "" : "es", s->exposed, s->unreadable);
	for (size_t k = 0; s->nqueries && k < s->nabis; k++) {
		char abi[24];
		if (!s->abis[k].enabled)
			fprintf(f, "(...) on %s: this kernel does not run %s calls; shown, not counted\n",
				abi_short(s->abis[k].arch, abi, sizeof abi), abi);
	}
}

/* ---- JSON ------------------------------------------------------------------------------------------- */

static void gen_str(yajl_gen g, const char *v)
{
	if (v)
		yajl_gen_string(g, (const unsigned char *)v, strlen(v));
	else
		yajl_gen_null(g);
}

static void gen_key_str(yajl_gen g, const char *k, const char *v)
{
	gen_str(g, k);
	gen_str(g, v);
}

static void gen_u64(yajl_gen g, uint64_t v)
{
	char buf[24];
	int n = snprintf(buf, sizeof buf, "%" PRIu64, v);
	yajl_gen_number(g, buf, (size_t)n);
}

static void gen_answer(yajl_gen g, const sh_scan *s, const sh_scan_answer *a, size_t q, size_t k)
{
	char act[48];
	yajl_gen_map_open(g);
	gen_key_str(g, "query", s->queries[q].text);
	gen_key_str(g, "arch", sh_arch_scmp_name(s->abis[k].arch));
	gen_key_str(g, "class", sh_scan_class_name(a->cls));
	bool has = a->cls != SH_SCAN_NO_CALL && a->cls != SH_SCAN_UNDECIDED;
	gen_key_str(g, "answer", has ? sh_ret_name(a->ret, act, sizeof act) : NULL);
	gen_key_str(g, "via", a->via);
	gen_str(g, "call");
	if (has && a->call.arch) {
		yajl_gen_map_open(g);
		gen_str(g, "nr"), yajl_gen_integer(g, a->call.nr);
		gen_str(g, "args"), yajl_gen_array_open(g);
		for (int i = 0; i < 6; i++)
			gen_u64(g, a->call.args[i]);
		yajl_gen_array_close(g);
		yajl_gen_map_close(g);
	} else {
		yajl_gen_null(g);
	}
	yajl_gen_map_close(g);
}

static const char *mode_name(sh_seccomp_mode m)
{
	static const char *const names[] = { [SH_SECCOMP_NONE] = "none", [SH_SECCOMP_STRICT] = "strict",
					     [SH_SECCOMP_FILTER] = "filter", [SH_SECCOMP_UNKNOWN] = "unknown" };
	return names[m];
}

static void gen_proc(yajl_gen g, const sh_scan *s, const sh_scan_proc *p)
{
	yajl_gen_map_open(g);
	gen_str(g, "pid"), yajl_gen_integer(g, p->pid);
	gen_str(g, "tids"), yajl_gen_array_open(g);
	for (size_t i = 0; i < p->ntids; i++)
		yajl_gen_integer(g, p->tids[i]);
	yajl_gen_array_close(g);
	gen_key_str(g, "command", p->comm);
	gen_str(g, "init"), yajl_gen_bool(g, p->init);
	gen_key_str(g, "seccomp", mode_name(p->mode));
	gen_str(g, "filters"), yajl_gen_array_open(g);
	for (size_t i = 0; i < p->nfilters; i++) {
		yajl_gen_map_open(g);
		gen_str(g, "length"), yajl_gen_integer(g, (long long)p->filters[i].len);
		gen_key_str(g, "sha256", p->digests[i]);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	gen_key_str(g, "error", p->error);
	gen_str(g, "answers"), yajl_gen_array_open(g);
	for (size_t q = 0; q < s->nqueries; q++)
		for (size_t k = 0; k < s->nabis; k++)
			gen_answer(g, s, &p->answers[q * s->nabis + k], q, k);
	yajl_gen_array_close(g);
	gen_str(g, "exposed"), yajl_gen_bool(g, p->exposed);
	yajl_gen_map_close(g);
}

static void gen_container(yajl_gen g, const sh_scan *s, const sh_scan_container *c)
{
	yajl_gen_map_open(g);
	const char *fields[][2] = { { "engine", c->engine }, { "runtime", c->runtime }, { "root", c->root },
				    { "id", c->id },	     { "name", c->name },	{ "pod", c->pod },
				    { "namespace", c->ns },  { "bundle", c->bundle },	{ "status", c->status },
				    { "error", c->error } };
	for (size_t i = 0; i < SH_ARRAY_SIZE(fields); i++)
		gen_key_str(g, fields[i][0], fields[i][1]);
	gen_str(g, "pid");
	if (c->pid)
		yajl_gen_integer(g, c->pid);
	else
		yajl_gen_null(g);
	gen_str(g, "processes"), yajl_gen_array_open(g);
	for (size_t i = 0; i < c->nprocs; i++)
		gen_proc(g, s, &c->procs[i]);
	yajl_gen_array_close(g);
	yajl_gen_map_close(g);
}

void sh_scan_put_json(FILE *f, const sh_scan *s)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_map_open(g);
	gen_str(g, "abis"), yajl_gen_array_open(g);
	for (size_t k = 0; k < s->nabis; k++) {
		yajl_gen_map_open(g);
		gen_key_str(g, "arch", sh_arch_scmp_name(s->abis[k].arch));
		gen_str(g, "enabled"), yajl_gen_bool(g, s->abis[k].enabled);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	gen_str(g, "queries"), yajl_gen_array_open(g);
	for (size_t q = 0; q < s->nqueries; q++)
		gen_str(g, s->queries[q].text);
	yajl_gen_array_close(g);
	gen_str(g, "containers"), yajl_gen_array_open(g);
	for (size_t i = 0; i < s->ncs; i++)
		gen_container(g, s, &s->cs[i]);
	yajl_gen_array_close(g);
	const char *counts[] = { "processes", "exposed", "unreadable" };
	size_t values[] = { s->processes, s->exposed, s->unreadable };
	for (size_t i = 0; i < SH_ARRAY_SIZE(counts); i++)
		gen_str(g, counts[i]), yajl_gen_integer(g, (long long)values[i]);
	yajl_gen_map_close(g);
	const unsigned char *buf;
	size_t len;
	yajl_gen_get_buf(g, &buf, &len);
	fwrite(buf, 1, len, f);
	fputc('\n', f);
	yajl_gen_free(g);
}

/* ---- Prometheus textfile ---------------------------------------------------------------------- */

static void put_labels(FILE *f, const sh_scan_container *c, const sh_scan_proc *p)
{
	const char *labels[][2] = { { "engine", c->engine }, { "container", c->id }, { "name", c->name },
				    { "pod", c->pod },	     { "namespace", c->ns },	{ "command", p->comm } };
	for (size_t i = 0; i < SH_ARRAY_SIZE(labels); i++) {
		fprintf(f, "%s%s=\"", i ? "," : "", labels[i][0]);
		sh_prom_label(f, labels[i][1] ? labels[i][1] : "");
		fputc('"', f);
	}
	fprintf(f, ",pid=\"%d\"", p->pid);
}

static void put_exposed_series(FILE *f, const sh_scan *s)
{
	fputs("# HELP seccomp_hook_scan_exposed 1 when a process's filters let a call matching the query run, hand it "
	      "to another process, or cannot be shown to refuse it, on an ABI this kernel runs.\n"
	      "# TYPE seccomp_hook_scan_exposed gauge\n", f);
	for (size_t i = 0; i < s->ncs; i++)
		for (size_t n = 0; n < s->cs[i].nprocs; n++) {
			const sh_scan_proc *p = &s->cs[i].procs[n];
			for (size_t q = 0; q < s->nqueries; q++)
				for (size_t k = 0; k < s->nabis; k++) {
					const sh_scan_answer *a = &p->answers[q * s->nabis + k];
					char act[48];
					if (!s->abis[k].enabled || a->cls == SH_SCAN_NO_CALL)
						continue;
					fputs("seccomp_hook_scan_exposed{", f);
					put_labels(f, &s->cs[i], p);
					fputs(",query=\"", f);
					sh_prom_label(f, s->queries[q].text);
					fprintf(f, "\",arch=\"%s\",answer=\"%s\"} %d\n", sh_arch_scmp_name(s->abis[k].arch),
						a->cls == SH_SCAN_UNDECIDED ? "undecided" : sh_ret_name(a->ret, act, sizeof act),
						a->cls != SH_SCAN_REFUSED);
				}
		}
}

static void put_unfiltered_series(FILE *f, const sh_scan *s)
{
	fputs("# HELP seccomp_hook_scan_unfiltered 1 when a process runs no seccomp filter at all (0 when it runs one, "
	      "-1 when that cannot be read).\n# TYPE seccomp_hook_scan_unfiltered gauge\n", f);
	for (size_t i = 0; i < s->ncs; i++)
		for (size_t n = 0; n < s->cs[i].nprocs; n++) {
			const sh_scan_proc *p = &s->cs[i].procs[n];
			fputs("seccomp_hook_scan_unfiltered{", f);
			put_labels(f, &s->cs[i], p);
			fprintf(f, "} %d\n", p->mode == SH_SECCOMP_NONE ? 1 : p->mode == SH_SECCOMP_UNKNOWN ? -1 : 0);
		}
}

void sh_scan_put_prometheus(FILE *f, const sh_scan *s, time_t now)
{
	if (s->nqueries)
		put_exposed_series(f, s);
	put_unfiltered_series(f, s);
	fprintf(f, "# HELP seccomp_hook_scan_processes Processes the scan read, by outcome.\n"
		   "# TYPE seccomp_hook_scan_processes gauge\n"
		   "seccomp_hook_scan_processes{outcome=\"scanned\"} %zu\n"
		   "seccomp_hook_scan_processes{outcome=\"exposed\"} %zu\n"
		   "seccomp_hook_scan_processes{outcome=\"unreadable\"} %zu\n"
		   "# HELP seccomp_hook_scan_containers Containers found in the runtimes' state roots.\n"
		   "# TYPE seccomp_hook_scan_containers gauge\nseccomp_hook_scan_containers %zu\n"
		   "# HELP seccomp_hook_scan_timestamp_seconds When the scan ran.\n"
		   "# TYPE seccomp_hook_scan_timestamp_seconds gauge\nseccomp_hook_scan_timestamp_seconds %lld\n",
		s->processes, s->exposed, s->unreadable, s->ncs, (long long)now);
}

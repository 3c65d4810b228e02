/* Live denial reports; see report.h. */
#include "config.h"
#include "report.h"
#include "json.h"
#include "names.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

typedef struct seen {
	uint32_t arch;
	int nr;
	const sh_rrule *rule; /* NULL: not decided by a rule (default, stub) */
	uint32_t ret;
	char *name;
	unsigned long long calls;
} seen;

struct sh_reporter {
	const sh_ruleset *base;
	sh_report_opts o;
	int jsonl_fd;
	seen *s;
	size_t n, cap;
	unsigned long long calls;
	time_t metrics_written;
	bool metrics_dirty;
	char *container, *metrics, *jsonl; /* owned */
};

sh_reporter *sh_reporter_new(const sh_ruleset *base, const sh_report_opts *o, sh_error **err)
{
	int fd = -1;
	if (o->jsonl) {
		fd = open(o->jsonl, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
		if (fd < 0) {
			sh_error_errno(err, errno, "%s: cannot open the report log", o->jsonl);
			return NULL;
		}
	}
	sh_reporter *r = sh_xcalloc(1, sizeof(*r));
	*r = (sh_reporter){ .base = base, .o = *o, .jsonl_fd = fd };
	/* The reporter's own copies: an agent names the files from the container's id it learns late. */
	r->o.container = r->container = sh_xstrdup(o->container ? o->container : "");
	r->o.metrics = r->metrics = o->metrics ? sh_xstrdup(o->metrics) : NULL;
	r->o.jsonl = r->jsonl = o->jsonl ? sh_xstrdup(o->jsonl) : NULL;
	if (o->syslog)
		openlog("seccomp-hook", LOG_PID, LOG_USER);
	return r;
}

void sh_reporter_free(sh_reporter *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->s[i].name);
	free(r->s);
	free(r->container);
	free(r->metrics);
	free(r->jsonl);
	if (r->jsonl_fd >= 0)
		close(r->jsonl_fd);
	free(r);
}

void sh_reporter_counts(const sh_reporter *r, size_t *reports, unsigned long long *calls)
{
	*reports = r->n;
	*calls = r->calls;
}

/* Once per (syscall, rule): the key of a report within one reporter (one container). */
static seen *find(sh_reporter *r, const sh_call *c, bool *fresh)
{
	const sh_rrule *rule = c->d.by == SH_BY_RULE ? c->d.rule : NULL;
	for (size_t i = 0; i < r->n; i++)
		if (r->s[i].arch == c->arch && r->s[i].nr == c->nr && r->s[i].rule == rule && r->s[i].ret == c->d.ret) {
			*fresh = false;
			return &r->s[i];
		}
	sh_grow(&r->s, &r->cap, r->n, sizeof(*r->s));
	seen *s = &r->s[r->n++];
	char *name = seccomp_syscall_resolve_num_arch(c->arch, c->nr);
	*s = (seen){ .arch = c->arch, .nr = c->nr, .rule = rule, .ret = c->d.ret,
		     .name = name ? name : sh_xasprintf("#%d", c->nr) };
	*fresh = true;
	return s;
}

static void read_comm(pid_t pid, char *buf, size_t len)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, len - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		n = 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

static char *reason_text(const sh_reporter *r, const sh_call *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return sh_xstrdup("?");
	sh_decision_put_reason(f, r->base->profile, c->arch, &c->d, false);
	fclose(f);
	return buf;
}

static const char *errno_name_of(uint32_t ret)
{
	if ((ret & SECCOMP_RET_ACTION_FULL) != SECCOMP_RET_ERRNO)
		return NULL;
	return sh_errno_name((int)(ret & SECCOMP_RET_DATA));
}

static const char *mode_name(const sh_reporter *r)
{
	return r->o.complain ? "complain" : "enforce";
}

static void put_args(FILE *f, const sh_call *c)
{
	for (int i = 0; i < 6; i++)
		fprintf(f, "%s%#" PRIx64, i ? ", " : "", c->args[i]);
}

/* "container=ID pid=12 comm=sh mount(0x0, ...): SCMP_ACT_ERRNO(1) EPERM by default action (F:2:19), enforce" */
static char *text_line(const sh_reporter *r, const sh_call *c, const seen *s, const char *comm, const char *why)
{
	char *buf = NULL, act[64];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return sh_xstrdup("?");
	const char *en = errno_name_of(c->d.ret);
	fprintf(f, "container=%s pid=%d comm=%s %s %s(", r->o.container, (int)c->pid, comm,
		c->let_through ? "would be denied:" : "denied:", s->name);
	put_args(f, c);
	fprintf(f, ") on %s: %s%s%s by %s [%s]", sh_arch_scmp_name(c->arch), sh_ret_name(c->d.ret, act, sizeof act),
		en ? " " : "", en ? en : "", why, mode_name(r));
	fclose(f);
	return buf;
}

static sh_json *json_event(const sh_reporter *r, const sh_call *c, const seen *s, const char *comm, const char *why)
{
	static const char *const by[] = { [SH_BY_RULE] = "rule", [SH_BY_DEFAULT] = "default",
					  [SH_BY_ENOSYS] = "enosys-stub", [SH_BY_BAD_ARCH] = "bad-arch" };
	char stamp[32], act[64];
	time_t now = time(NULL);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	sh_json *o = sh_json_new(SH_JSON_OBJECT), *args = sh_json_new(SH_JSON_ARRAY);
	sh_json_set(o, "time", sh_json_new_string(stamp));
	sh_json_set(o, "container", sh_json_new_string(r->o.container));
	sh_json_set(o, "mode", sh_json_new_string(mode_name(r)));
	sh_json_set(o, "pid", sh_json_new_u64((uint64_t)c->pid));
	sh_json_set(o, "comm", sh_json_new_string(comm));
	sh_json_set(o, "syscall", sh_json_new_string(s->name));
	sh_json_set(o, "arch", sh_json_new_string(sh_arch_scmp_name(c->arch)));
	for (int i = 0; i < 6; i++)
		sh_json_append(args, sh_json_new_u64(c->args[i]));
	sh_json_set(o, "args", args);
	sh_json_set(o, "action", sh_json_new_string(sh_ret_name(c->d.ret, act, sizeof act)));
	const char *en = errno_name_of(c->d.ret);
	if (en)
		sh_json_set(o, "errno_name", sh_json_new_string(en));
	sh_json_set(o, "let_through", sh_json_new_bool(c->let_through));
	sh_json_set(o, "decided_by", sh_json_new_string(by[c->d.by]));
	if (c->d.by == SH_BY_RULE)
		sh_json_set(o, "rule", sh_json_new_u64(c->d.rule->origin->index));
	sh_json_set(o, "reason", sh_json_new_string(why));
	return o;
}

static void write_jsonl(sh_reporter *r, sh_json *o)
{
	size_t len;
	cleanup_free char *s = sh_json_serialize(o, false, &len);
	s = sh_xrealloc(s, len + 2);
	s[len++] = '\n';
	/* O_APPEND and one write: lines from several reporters do not interleave. */
	if (sh_write_all(r->jsonl_fd, s, len) < 0 && r->o.text)
		fprintf(r->o.text, "seccomp-hook: cannot write the report log %s: %s\n", r->o.jsonl, strerror(errno));
}

static void report_first(sh_reporter *r, const sh_call *c, const seen *s)
{
	char comm[32];
	read_comm(c->pid, comm, sizeof comm);
	cleanup_free char *why = reason_text(r, c);
	cleanup_free char *line = text_line(r, c, s, comm, why);
	if (r->o.syslog)
		syslog(LOG_WARNING, "%s", line);
	if (r->o.text)
		fprintf(r->o.text, "seccomp-hook: %s\n", line);
	if (r->jsonl_fd >= 0) {
		sh_json *o = json_event(r, c, s, comm, why);
		write_jsonl(r, o);
		sh_json_free(o);
	}
}

void sh_reporter_call(void *ctx, const sh_call *c)
{
	sh_reporter *r = ctx;
	if (sh_decision_lets_through(c->d.ret))
		return; /* what the base allows is not a denial */
	bool fresh;
	seen *s = find(r, c, &fresh);
	s->calls++;
	r->calls++;
	r->metrics_dirty = true;
	if (fresh)
		report_first(r, c, s);
	if (r->o.metrics && time(NULL) != r->metrics_written)
		sh_reporter_flush(r, NULL);
}

/* A label value in the text format: backslash, double quote and newline escaped. */
static void put_label(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

/* One series per (syscall, action): several rules or arches may deny the same name alike. */
static void put_series(FILE *f, const sh_reporter *r)
{
	for (size_t i = 0; i < r->n; i++) {
		bool earlier = false;
		unsigned long long n = 0;
		for (size_t k = 0; k < r->n; k++)
			if (strcmp(r->s[k].name, r->s[i].name) == 0 && r->s[k].ret == r->s[i].ret) {
				earlier |= k < i;
				n += r->s[k].calls;
			}
		if (earlier)
			continue;
		char act[64];
		fputs("seccomp_hook_denied_calls_total{container=\"", f);
		put_label(f, r->o.container);
		fprintf(f, "\",syscall=\"%s\",action=\"%s\",mode=\"%s\"} %llu\n", r->s[i].name,
			sh_ret_name(r->s[i].ret, act, sizeof act), mode_name(r), n);
	}
}

int sh_reporter_flush(sh_reporter *r, sh_error **err)
{
	if (!r->o.metrics || !r->metrics_dirty)
		return 0;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return sh_error_errno(err, errno, "open_memstream");
	fputs("# HELP seccomp_hook_denied_calls_total Syscalls a seccomp-hook report filter denied (mode enforce) "
	      "or would have denied (mode complain).\n# TYPE seccomp_hook_denied_calls_total counter\n", f);
	put_series(f, r);
	fclose(f);
	/* Not durable: the collector reads it within seconds, and the counts start again with the run. */
	int rc = sh_write_file_replace(r->o.metrics, buf, len, 0644, false, err);
	free(buf);
	r->metrics_written = time(NULL);
	r->metrics_dirty = rc < 0;
	return rc;
}

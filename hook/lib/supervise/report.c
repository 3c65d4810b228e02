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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

typedef struct seen {
	uint32_t arch;
	int nr;
	const sh_rrule *rule; /* NULL: not decided by a rule (default, stub) */
	uint32_t ret;
	char *name;
	unsigned long long calls;
} seen;

#define SH_REPORT_MAX 4096   /* distinct reports per reporter */
#define SH_REPORT_SLOTS 16384 /* hash slots: a power of two, above SH_REPORT_MAX + 1 */
#define SH_STR2(x) #x
#define SH_STR(x) SH_STR2(x)
#define METRICS_EVERY 5      /* seconds between metrics writes while calls come */

struct sh_reporter {
	uint32_t slot[SH_REPORT_SLOTS]; /* 1 + index into s, 0 free */
	int syslog_fd;
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

int sh_open_log(const char *path, sh_error **err)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0640);
	struct stat st;
	if (fd < 0)
		return sh_error_errno(err, errno, "%s: cannot open the report log", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return sh_error_set(err, SH_EXIT_SYSTEM, "%s: the report log is not a regular file", path);
	}
	return fd;
}

sh_reporter *sh_reporter_new(const sh_ruleset *base, const sh_report_opts *o, sh_error **err)
{
	int fd = -1;
	if (o->jsonl) {
		fd = sh_open_log(o->jsonl, err);
		if (fd < 0)
			return NULL;
	}
	sh_reporter *r = sh_xcalloc(1, sizeof(*r));
	*r = (sh_reporter){ .base = base, .o = *o, .jsonl_fd = fd };
	/* The reporter's own copies: an agent names the files from the container's id it learns late. */
	r->o.container = r->container = sh_xstrdup(o->container ? o->container : "");
	r->o.metrics = r->metrics = o->metrics ? sh_xstrdup(o->metrics) : NULL;
	r->o.jsonl = r->jsonl = o->jsonl ? sh_xstrdup(o->jsonl) : NULL;
	r->syslog_fd = o->syslog ? socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0) : -1;
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
	if (r->syslog_fd >= 0)
		close(r->syslog_fd);
	free(r);
}

void sh_reporter_counts(const sh_reporter *r, size_t *reports, unsigned long long *calls)
{
	*reports = r->n;
	*calls = r->calls;
}

static size_t key_hash(uint32_t arch, int nr, const sh_rrule *rule, uint32_t ret)
{
	uint64_t h = ((uint64_t)arch * 0x9e3779b97f4a7c15u) ^ ((uint64_t)(uint32_t)nr * 0xc2b2ae3d27d4eb4fu) ^
		     ((uint64_t)(uintptr_t)rule * 0x165667b19e3779f9u) ^ ret;
	return (size_t)(h ^ (h >> 29)) & (SH_REPORT_SLOTS - 1);
}

/* The entry of a key, or NULL with *h at the free slot where it goes. */
static seen *lookup(const sh_reporter *r, uint32_t arch, int nr, const sh_rrule *rule, uint32_t ret, size_t *h)
{
	for (*h = key_hash(arch, nr, rule, ret); r->slot[*h]; *h = (*h + 1) & (SH_REPORT_SLOTS - 1)) {
		seen *e = &r->s[r->slot[*h] - 1];
		if (e->arch == arch && e->nr == nr && e->rule == rule && e->ret == ret)
			return e;
	}
	return NULL;
}

/* Once per (syscall, rule): the key of a report within one reporter (one container). A container
 * could make as many distinct calls as there are numbers: every number libseccomp has no name for
 * is one key per arch, and past SH_REPORT_MAX keys new ones are counted in one overflow key per
 * answer, so the reports and the memory are bounded whatever the container does. A call of a key
 * already seen is one lookup: its name is not looked up again. */
static seen *find(sh_reporter *r, const sh_call *c, bool *fresh)
{
	const sh_rrule *rule = c->d.by == SH_BY_RULE ? c->d.rule : NULL;
	uint32_t arch = c->arch, ret = c->d.ret;
	int nr = c->nr;
	size_t h;
	seen *e = lookup(r, arch, nr, rule, ret, &h);
	char *name = e ? NULL : seccomp_syscall_resolve_num_arch(arch, nr);
	if (!e && !name)
		e = lookup(r, arch, nr = -1, rule, ret, &h);
	if (!e && r->n >= SH_REPORT_MAX) {
		free(name);
		name = NULL;
		e = lookup(r, arch = 0, nr = -2, rule = NULL, ret, &h);
	}
	*fresh = !e;
	if (e)
		return e;
	sh_grow(&r->s, &r->cap, r->n, sizeof(*r->s));
	e = &r->s[r->n++];
	r->slot[h] = (uint32_t)r->n;
	*e = (seen){ .arch = arch, .nr = nr, .rule = rule, .ret = ret,
		     .name = name ? name : sh_xstrdup(nr == -2 ? "(more than " SH_STR(SH_REPORT_MAX) " kinds)" : "(no name)") };
	return e;
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
	sh_json_set(o, "decided_by", sh_json_new_string(sh_decided_by_name(c->d.by)));
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

/* One datagram to /dev/log as syslog(3) writes it (LOG_USER|LOG_WARNING, RFC 3164), but never
 * waiting: a syslog daemon that does not read must not hold up the supervisor, and with it every
 * call of the container. A line that does not fit is dropped. */
static void send_syslog(const sh_reporter *r, const char *line)
{
	char stamp[32], msg[2048];
	time_t now = time(NULL);
	struct tm tm;
	strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", localtime_r(&now, &tm));
	int n = snprintf(msg, sizeof msg, "<%d>%s seccomp-hook[%d]: %s", LOG_USER | LOG_WARNING, stamp, (int)getpid(), line);
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };
	if (n > 0)
		sendto(r->syslog_fd, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1, MSG_DONTWAIT | MSG_NOSIGNAL,
		       (struct sockaddr *)&sa, sizeof sa);
}

static void report_first(sh_reporter *r, const sh_call *c, const seen *s)
{
	const char *comm = c->comm;
	cleanup_free char *why = reason_text(r, c);
	cleanup_free char *line = text_line(r, c, s, comm, why);
	if (r->syslog_fd >= 0)
		send_syslog(r, line);
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
	if (r->o.metrics && time(NULL) - r->metrics_written >= METRICS_EVERY)
		sh_reporter_flush(r, NULL);
}

void sh_prom_label(FILE *f, const char *v)
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

static int by_series(const void *a, const void *b)
{
	const seen *x = *(const seen *const *)a, *y = *(const seen *const *)b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->ret > y->ret) - (x->ret < y->ret);
}

/* One series per (syscall, action): several rules or arches may deny the same name alike. Sorted,
 * so equal series are neighbours. */
static void put_series(FILE *f, const sh_reporter *r)
{
	cleanup_free const seen **v = sh_xcalloc(r->n + 1, sizeof(*v));
	for (size_t i = 0; i < r->n; i++)
		v[i] = &r->s[i];
	sh_sort(v, r->n, sizeof(*v), by_series);
	for (size_t i = 0; i < r->n;) {
		unsigned long long n = 0;
		size_t k = i;
		for (; k < r->n && by_series(&v[i], &v[k]) == 0; k++)
			n += v[k]->calls;
		char act[64];
		fputs("seccomp_hook_denied_calls_total{container=\"", f);
		sh_prom_label(f, r->o.container);
		fputs("\",syscall=\"", f);
		sh_prom_label(f, v[i]->name);
		fprintf(f, "\",action=\"%s\",mode=\"%s\"} %llu\n", sh_ret_name(v[i]->ret, act, sizeof act), mode_name(r), n);
		i = k;
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

#include "config.h"
#include "diag.h"
#include "util.h"

#include <stdarg.h>
#include <string.h>
#include <yajl/yajl_gen.h>

static const char *const sev_names[] = { "note", "warning", "error" };

static void add_va(sh_diag *d, sh_severity sev, const char *file, unsigned line, unsigned col,
		   const char *code, const char *msg)
{
	sh_grow(&d->items, &d->cap, d->n, sizeof(*d->items));
	sh_finding *f = &d->items[d->n++];
	f->sev = sev;
	f->file = sh_xstrdup(file ? file : "-");
	f->line = line;
	f->col = col;
	f->code = sh_xstrdup(code);
	f->msg = sh_xstrdup(msg);
}

void sh_diag_add(sh_diag *d, sh_severity sev, const char *file, unsigned line, unsigned col,
		 const char *code, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	add_va(d, sev, file, line, col, code, msg ? msg : "?");
	free(msg);
}

void sh_diag_add_error(sh_diag *d, const sh_error *err, const char *code)
{
	add_va(d, SH_SEV_ERROR, err->file, err->line, err->col, code, err->msg);
}

size_t sh_diag_count(const sh_diag *d, sh_severity sev)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n; i++)
		n += d->items[i].sev == sev;
	return n;
}

void sh_diag_promote_warnings(sh_diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->items[i].sev == SH_SEV_WARNING)
			d->items[i].sev = SH_SEV_ERROR;
}

void sh_diag_free(sh_diag *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->items[i].file);
		free(d->items[i].code);
		free(d->items[i].msg);
	}
	free(d->items);
	d->items = NULL;
	d->n = d->cap = 0;
}

int sh_diag_format_parse(const char *s, sh_diag_format *out)
{
	static const struct { const char *name; sh_diag_format fmt; } table[] = {
		{ "text", SH_FMT_TEXT }, { "json", SH_FMT_JSON }, { "github", SH_FMT_GITHUB },
	};
	for (size_t i = 0; i < SH_ARRAY_SIZE(table); i++)
		if (strcmp(s, table[i].name) == 0) {
			*out = table[i].fmt;
			return 0;
		}
	return -1;
}

char *sh_finding_line(const sh_finding *f)
{
	if (f->line)
		return sh_xasprintf("%s:%u:%u: %s: %s", f->file, f->line, f->col, sev_names[f->sev], f->msg);
	return sh_xasprintf("%s: %s: %s", f->file, sev_names[f->sev], f->msg);
}

static void print_text(const sh_finding *f, FILE *out)
{
	cleanup_free char *line = sh_finding_line(f);
	fprintf(out, "%s\n", line);
}

/* GitHub annotation: properties and message need %-escaping of CR, LF, '%' (and ':' ',' in properties). */
static void gh_escape(FILE *out, const char *s, bool property)
{
	for (; *s; s++) {
		if (*s == '%')
			fputs("%25", out);
		else if (*s == '\r')
			fputs("%0D", out);
		else if (*s == '\n')
			fputs("%0A", out);
		else if (property && *s == ':')
			fputs("%3A", out);
		else if (property && *s == ',')
			fputs("%2C", out);
		else
			fputc(*s, out);
	}
}

static void print_github(const sh_finding *f, FILE *out)
{
	fputs(f->sev == SH_SEV_ERROR ? "::error" : f->sev == SH_SEV_WARNING ? "::warning" : "::notice", out);
	fputs(" file=", out);
	gh_escape(out, f->file, true);
	if (f->line)
		fprintf(out, ",line=%u,col=%u", f->line, f->col);
	fputs(",title=", out);
	gh_escape(out, f->code, true);
	fputs("::", out);
	gh_escape(out, f->msg, false);
	fputc('\n', out);
}

static void gen_str(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void print_json(const sh_diag *d, FILE *out)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_array_open(g);
	for (size_t i = 0; i < d->n; i++) {
		const sh_finding *f = &d->items[i];
		yajl_gen_map_open(g);
		gen_str(g, "file");
		gen_str(g, f->file);
		gen_str(g, "line");
		yajl_gen_integer(g, f->line);
		gen_str(g, "column");
		yajl_gen_integer(g, f->col);
		gen_str(g, "severity");
		gen_str(g, sev_names[f->sev]);
		gen_str(g, "code");
		gen_str(g, f->code);
		gen_str(g, "message");
		gen_str(g, f->msg);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	const unsigned char *buf;
	size_t len;
	yajl_gen_get_buf(g, &buf, &len);
	fwrite(buf, 1, len, out);
	yajl_gen_free(g);
}

void sh_diag_print(const sh_diag *d, sh_diag_format fmt, FILE *out)
{
	if (fmt == SH_FMT_JSON) {
		print_json(d, out);
		return;
	}
	for (size_t i = 0; i < d->n; i++) {
		if (fmt == SH_FMT_GITHUB)
			print_github(&d->items[i], out);
		else
			print_text(&d->items[i], out);
	}
}

#include "config.h"
#include "json.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

const sh_json_limits sh_json_default_limits = {
	.max_bytes = 4u << 20,
	.max_depth = 64,
	.max_nodes = 1000000,
};

/* Parser state: a stack of open containers, the pending key, and a forward-only cursor that turns
 * byte offsets into line:column (callbacks arrive in offset order). */
enum { KEYS_SCANNED = 8 }; /* an object with fewer members is searched for a duplicate key, not hashed */

typedef struct parse_ctx {
	yajl_handle h;
	const char *buf;
	size_t len;
	const char *file;
	const sh_json_limits *lim;
	sh_json **stack;
	size_t depth, stack_cap, shapes_cap;
	sh_json *root;
	char *key;
	unsigned key_line, key_col;
	size_t nodes;
	const sh_json_shape *shape;  /* of the root */
	const sh_json_shape **shapes; /* of each open container (parallel to stack) */
	size_t skip;                  /* nesting inside an opaque container (0: building) */
	sh_json *opaque;              /* the opaque container being skipped */
	size_t cur_off;
	unsigned cur_line, cur_col;
	sh_error *err;
	/* The keys of every object with KEYS_SCANNED members or more, by (object, key): the duplicate
	 * check is one probe per key there, so a parse stays linear in its input however many members an
	 * object has. A smaller object's members are compared instead (at most KEYS_SCANNED per key):
	 * nearly every object of a profile or config is one, and the table they would fill cost a warm
	 * precreate 6 to 11 fresh heap pages for its doublings. */
	struct key_slot {
		const sh_json *obj;
		const char *key; /* the member's own key (stable: moved into the tree, not copied) */
		uint64_t hash;
	} *keys;
	size_t nkeys, keys_cap; /* keys_cap: a power of two, or 0 */
} parse_ctx;

static void locate(parse_ctx *c, size_t off, unsigned *line, unsigned *col)
{
	if (off < c->cur_off) { /* not expected, but stay correct */
		c->cur_off = 0;
		c->cur_line = 1;
		c->cur_col = 1;
	}
	/* memchr from newline to newline: a byte-by-byte walk cost 12 instructions a byte of config */
	const char *p = c->buf + c->cur_off, *end = c->buf + (off < c->len ? off : c->len);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl) {
			c->cur_col += (unsigned)(end - p);
			break;
		}
		c->cur_line++;
		c->cur_col = 1;
		p = nl + 1;
	}
	c->cur_off = (size_t)(end - c->buf); /* never backwards: off >= cur_off here, and cur_off <= len */
	*line = c->cur_line;
	*col = c->cur_col;
}

/* Offset where the token that just ended (yajl's bytes consumed) began. */
static size_t token_start(parse_ctx *c, sh_json_type t, size_t toklen_hint)
{
	size_t end = yajl_get_bytes_consumed(c->h);
	if (end > c->len)
		end = c->len;
	if (t == SH_JSON_STRING) {
		for (size_t p = end >= 2 ? end - 2 : 0; p > 0; p--) {
			if (c->buf[p] != '"')
				continue;
			size_t bs = 0;
			while (p > bs && c->buf[p - 1 - bs] == '\\')
				bs++;
			if (bs % 2 == 0)
				return p;
		}
		return 0;
	}
	if (t == SH_JSON_NUMBER) {
		size_t p = end;
		while (p > 0 && strchr("0123456789+-.eE", c->buf[p - 1]))
			p--;
		return p;
	}
	return end >= toklen_hint ? end - toklen_hint : 0;
}

/* A node's text is [start, what yajl has consumed); none when either is past 32 bits. */
static void set_span(parse_ctx *c, sh_json *n, size_t start)
{
	size_t end = yajl_get_bytes_consumed(c->h);
	bool fits = start < end && end <= UINT32_MAX;
	n->off = fits ? (uint32_t)start : 0;
	n->end = fits ? (uint32_t)end : 0;
}

static int fail(parse_ctx *c, unsigned line, unsigned col, const char *msg, const char *arg)
{
	if (arg)
		sh_error_at(&c->err, SH_EXIT_INVALID, c->file, line, col, "%s '%s'", msg, arg);
	else
		sh_error_at(&c->err, SH_EXIT_INVALID, c->file, line, col, "%s", msg);
	return 0; /* cancels the yajl parse */
}

/* Attach a new node at the current position (member of the open object, element of the open array,
 * or the root). */
/* One more value, built or not; false (the parse fails there) past the limit. at: its offset. */
static bool count_value(parse_ctx *c, size_t at)
{
	if (++c->nodes <= c->lim->max_nodes)
		return true;
	unsigned line, col;
	locate(c, at, &line, &col);
	fail(c, line, col, "too many JSON values (limit exceeded)", NULL);
	return false;
}

static int add_node(parse_ctx *c, sh_json_type t, size_t toklen, sh_json **out)
{
	size_t start = token_start(c, t, toklen);
	if (!count_value(c, start))
		return 0;
	unsigned line, col;
	locate(c, start, &line, &col);
	sh_json *n = sh_json_new(t);
	n->line = line;
	n->col = col;
	set_span(c, n, start); /* a container's end is set again when it closes */
	sh_json *parent = c->depth ? c->stack[c->depth - 1] : NULL;
	if (!parent) {
		c->root = n;
	} else if (parent->type == SH_JSON_ARRAY) {
		sh_json_append(parent, n);
	} else {
		sh_grow(&parent->u.obj.m, &parent->u.obj.cap, parent->u.obj.n, sizeof(sh_json_member));
		sh_json_member *m = &parent->u.obj.m[parent->u.obj.n++];
		m->key = steal_pointer(&c->key);
		m->line = c->key_line;
		m->col = c->key_col;
		m->value = n;
	}
	*out = n;
	return 1;
}

const sh_json_shape sh_json_shape_all[] = { { NULL, NULL } };

/* Inside an opaque container a value is only counted (the node limit still holds). 1: skipped. */
static int skipped(parse_ctx *c)
{
	if (!c->skip)
		return 0;
	return count_value(c, yajl_get_bytes_consumed(c->h)) ? 1 : -1;
}

static int cb_null(void *ctx)
{
	sh_json *n;
	int s = skipped(ctx);
	if (s)
		return s > 0;
	return add_node(ctx, SH_JSON_NULL, 4, &n);
}

static int cb_bool(void *ctx, int b)
{
	sh_json *n;
	int s = skipped(ctx);
	if (s)
		return s > 0;
	if (!add_node(ctx, SH_JSON_BOOL, b ? 4 : 5, &n))
		return 0;
	n->u.b = b;
	return 1;
}

static int cb_number(void *ctx, const char *s, size_t len)
{
	sh_json *n;
	int sk = skipped(ctx);
	if (sk)
		return sk > 0;
	if (!add_node(ctx, SH_JSON_NUMBER, len, &n))
		return 0;
	n->u.num = sh_xstrndup(s, len);
	return 1;
}

static int cb_string(void *ctx, const unsigned char *s, size_t len)
{
	parse_ctx *c = ctx;
	sh_json *n;
	int sk = skipped(c);
	if (sk)
		return sk > 0;
	if (!add_node(c, SH_JSON_STRING, 0, &n))
		return 0;
	if (memchr(s, 0, len))
		return fail(c, n->line, n->col, "string contains a NUL character", NULL);
	n->u.str.s = sh_xstrndup((const char *)s, len);
	n->u.str.len = len;
	return 1;
}

/* The shape of the value about to start: NULL for opaque. */
static const sh_json_shape *value_shape(const parse_ctx *c)
{
	if (c->depth == 0)
		return c->shape;
	const sh_json_shape *ps = c->shapes[c->depth - 1];
	if (ps == sh_json_shape_all || c->stack[c->depth - 1]->type == SH_JSON_ARRAY)
		return ps;
	for (; ps->key; ps++)
		if (strcmp(ps->key, c->key) == 0)
			return ps->value;
	return NULL;
}

static int open_container(parse_ctx *c, sh_json_type t)
{
	sh_json *n = NULL;
	const sh_json_shape *shape = c->skip ? NULL : value_shape(c);
	if (c->skip ? skipped(c) < 0 : !add_node(c, t, 1, &n))
		return 0;
	if (c->depth + c->skip >= c->lim->max_depth) { /* at the bracket that just opened */
		unsigned line, col;
		locate(c, yajl_get_bytes_consumed(c->h) - 1, &line, &col);
		return fail(c, line, col, "JSON nested too deeply (limit exceeded)", NULL);
	}
	if (c->skip) {
		c->skip++;
		return 1;
	}
	if (!shape) { /* its end is recorded when it closes */
		n->opaque = true;
		c->opaque = n;
		c->skip = 1;
		return 1;
	}
	sh_grow(&c->stack, &c->stack_cap, c->depth, sizeof(*c->stack));
	sh_grow(&c->shapes, &c->shapes_cap, c->depth, sizeof(*c->shapes));
	c->shapes[c->depth] = shape;
	c->stack[c->depth++] = n;
	return 1;
}

static int cb_start_map(void *ctx) { return open_container(ctx, SH_JSON_OBJECT); }
static int cb_start_array(void *ctx) { return open_container(ctx, SH_JSON_ARRAY); }

static int cb_end(void *ctx)
{
	parse_ctx *c = ctx;
	if (c->skip) {
		if (--c->skip == 0)
			set_span(c, c->opaque, c->opaque->off);
		return 1;
	}
	sh_json *n = c->stack[--c->depth];
	set_span(c, n, n->off);
	n->edited = false; /* its own members and elements were added by the parse */
	return 1;
}

static uint64_t key_hash(const sh_json *obj, const char *k, size_t len)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)(uintptr_t)obj; /* FNV-1a, seeded by the object */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)k[i]) * 1099511628211ULL;
	return h ^ (h >> 29);
}

static void keys_put(parse_ctx *c, struct key_slot slot)
{
	size_t mask = c->keys_cap - 1, i = slot.hash & mask;
	while (c->keys[i].key)
		i = (i + 1) & mask;
	c->keys[i] = slot;
}

/* Keep the table at most half full: doubling and re-inserting costs O(1) per key over a parse. */
static void keys_grow(parse_ctx *c)
{
	if ((c->nkeys + 1) * 2 <= c->keys_cap)
		return;
	struct key_slot *old = c->keys;
	size_t old_cap = c->keys_cap;
	c->keys_cap = old_cap ? old_cap * 2 : 64;
	c->keys = sh_xcalloc(c->keys_cap, sizeof(*c->keys));
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].key)
			keys_put(c, old[i]);
	free(old);
}

/* true if the table has k for obj; otherwise k is recorded as obj's. */
static bool key_hashed(parse_ctx *c, const sh_json *obj, const char *k, size_t len)
{
	keys_grow(c);
	uint64_t h = key_hash(obj, k, len);
	size_t mask = c->keys_cap - 1;
	for (size_t i = h & mask; c->keys[i].key; i = (i + 1) & mask)
		if (c->keys[i].hash == h && c->keys[i].obj == obj && strcmp(c->keys[i].key, k) == 0)
			return true;
	keys_put(c, (struct key_slot){ obj, k, h });
	c->nkeys++;
	return false;
}

/* true if obj already has member k (of length len). Called with obj's members so far all added. */
static bool key_seen(parse_ctx *c, const sh_json *obj, const char *k, size_t len)
{
	const sh_json_member *m = obj->u.obj.m;
	size_t n = obj->u.obj.n;
	if (n < KEYS_SCANNED) {
		for (size_t i = 0; i < n; i++)
			if (strcmp(m[i].key, k) == 0)
				return true;
		return false;
	}
	if (n == KEYS_SCANNED) /* hashed from now on: the members so far first (all different) */
		for (size_t i = 0; i < n; i++)
			key_hashed(c, obj, m[i].key, strlen(m[i].key));
	return key_hashed(c, obj, k, len);
}

static int cb_map_key(void *ctx, const unsigned char *s, size_t len)
{
	parse_ctx *c = ctx;
	if (c->skip)
		return 1;
	sh_json *obj = c->stack[c->depth - 1];
	locate(c, token_start(c, SH_JSON_STRING, 0), &c->key_line, &c->key_col);
	cleanup_free char *k = sh_xstrndup((const char *)s, len);
	if (memchr(s, 0, len))
		return fail(c, c->key_line, c->key_col, "object key contains a NUL character", NULL);
	if (key_seen(c, obj, k, len))
		return fail(c, c->key_line, c->key_col, "duplicate key", k);
	free(c->key);
	c->key = steal_pointer(&k);
	return 1;
}

static const yajl_callbacks callbacks = {
	.yajl_null = cb_null,
	.yajl_boolean = cb_bool,
	.yajl_number = cb_number,
	.yajl_string = cb_string,
	.yajl_start_map = cb_start_map,
	.yajl_map_key = cb_map_key,
	.yajl_end_map = cb_end,
	.yajl_start_array = cb_start_array,
	.yajl_end_array = cb_end,
};

/* yajl says "parse error: MESSAGE\n" (or "lexical error: ..."); keep MESSAGE. */
static void syntax_error(parse_ctx *c)
{
	unsigned char *ye = yajl_get_error(c->h, 0, (const unsigned char *)c->buf, c->len);
	const char *m = (const char *)ye;
	const char *colon = strstr(m, "error: ");
	if (colon)
		m = colon + 7;
	cleanup_free char *msg = sh_xstrdup(m);
	msg[strcspn(msg, "\n")] = 0;
	size_t n = strlen(msg);
	while (n && (msg[n - 1] == '.' || msg[n - 1] == ' '))
		msg[--n] = 0;
	unsigned line, col;
	size_t off = yajl_get_bytes_consumed(c->h);
	locate(c, off > c->len ? c->len : off, &line, &col);
	sh_error_at(&c->err, SH_EXIT_INVALID, c->file, line, col, "invalid JSON: %s", msg);
	yajl_free_error(c->h, ye);
}

int sh_json_parse(const char *buf, size_t len, const char *file, const sh_json_limits *lim,
		  sh_json **out, sh_error **err)
{
	return sh_json_parse_shaped(buf, len, file, lim, sh_json_shape_all, out, err);
}

int sh_json_parse_shaped(const char *buf, size_t len, const char *file, const sh_json_limits *lim,
			 const sh_json_shape *shape, sh_json **out, sh_error **err)
{
	parse_ctx c = { .buf = buf, .len = len, .file = file, .lim = lim ? lim : &sh_json_default_limits,
			.shape = shape, .cur_line = 1, .cur_col = 1 };
	if (len > c.lim->max_bytes)
		return sh_error_at(err, SH_EXIT_INVALID, file, 0, 0, "input is %zu bytes, more than the limit of %zu",
				   len, c.lim->max_bytes);
	c.h = yajl_alloc(&callbacks, NULL, &c);
	yajl_status st = yajl_parse(c.h, (const unsigned char *)buf, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(c.h);
	if (st == yajl_status_error && !c.err)
		syntax_error(&c);
	yajl_free(c.h);
	free(c.keys);
	free(c.stack);
	free(c.shapes);
	free(c.key);
	if (c.err || st != yajl_status_ok || !c.root) {
		sh_json_free(c.root);
		if (!c.err)
			sh_error_at(&c.err, SH_EXIT_INVALID, file, 1, 1, "invalid JSON: no value");
		*err = c.err;
		return -1;
	}
	*out = c.root;
	return 0;
}

/* st: fd's fstat, or NULL if that failed. A regular file's size is the first guess (one read then
 * sees EOF); a pipe starts at 64 KiB. A buffer no bigger than its content keeps the hook's few
 * pages of heap together. */
static int read_fd(int fd, const struct stat *st, const char *name, size_t max, char **buf, size_t *len,
		   sh_error **err)
{
	size_t n = 0, cap = 65536;
	if (st && S_ISREG(st->st_mode) && st->st_size > 0 && (uint64_t)st->st_size < max)
		cap = (size_t)st->st_size + 1;
	cleanup_free char *b = sh_xmalloc(cap + 1);
	for (;;) {
		if (n == cap) {
			if (cap > max)
				return sh_error_at(err, SH_EXIT_INVALID, name, 0, 0,
						   "input is larger than the limit of %zu bytes", max);
			cap *= 2;
			b = sh_xrealloc(b, cap + 1);
		}
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return sh_error_errno(err, errno, "%s: read", name);
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max)
			return sh_error_at(err, SH_EXIT_INVALID, name, 0, 0,
					   "input is larger than the limit of %zu bytes", max);
	}
	b[n] = 0;
	*buf = steal_pointer(&b);
	*len = n;
	return 0;
}

int sh_read_fd_bounded(int fd, const char *name, size_t max, char **buf, size_t *len, sh_error **err)
{
	struct stat st;
	return read_fd(fd, fstat(fd, &st) == 0 ? &st : NULL, name, max, buf, len, err);
}

int sh_read_file_limited(const char *path, size_t max_bytes, char **raw, size_t *rawlen, sh_error **err)
{
	bool is_stdin = strcmp(path, "-") == 0;
	cleanup_close int fd = is_stdin ? dup(0) : open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return sh_error_errno(err, errno, "%s", path);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return sh_error_errno(err, errno, "%s", path);
	if (!is_stdin && !S_ISREG(st.st_mode))
		return sh_error_at(err, SH_EXIT_INVALID, path, 0, 0, "not a regular file");
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max_bytes)
		return sh_error_at(err, SH_EXIT_INVALID, path, 0, 0, "file is %jd bytes, more than the limit of %zu",
				   (intmax_t)st.st_size, max_bytes);
	/* O_NONBLOCK only kept open(2) from waiting on a FIFO; a regular file's reads ignore it. */
	return read_fd(fd, &st, path, max_bytes, raw, rawlen, err);
}

int sh_json_read_file(const char *path, const sh_json_limits *lim, sh_json **out, char **raw,
		      size_t *rawlen, sh_error **err)
{
	const sh_json_limits *l = lim ? lim : &sh_json_default_limits;
	cleanup_free char *buf = NULL;
	size_t len = 0;
	if (sh_read_file_limited(path, l->max_bytes, &buf, &len, err) < 0)
		return -1;
	if (sh_json_parse(buf, len, path, l, out, err) < 0)
		return -1;
	if (raw)
		*raw = steal_pointer(&buf);
	if (rawlen)
		*rawlen = len;
	return 0;
}

void sh_json_free(sh_json *j)
{
	if (!j)
		return;
	if (j->given) {
		free(j->u.text.s);
		free(j->u.text.canonical);
		free(j);
		return;
	}
	switch (j->type) {
	case SH_JSON_NUMBER:
		free(j->u.num);
		break;
	case SH_JSON_STRING:
		free(j->u.str.s);
		break;
	case SH_JSON_OBJECT:
		for (size_t i = 0; i < j->u.obj.n; i++) {
			free(j->u.obj.m[i].key);
			sh_json_free(j->u.obj.m[i].value);
		}
		free(j->u.obj.m);
		break;
	case SH_JSON_ARRAY:
		for (size_t i = 0; i < j->u.arr.n; i++)
			sh_json_free(j->u.arr.v[i]);
		free(j->u.arr.v);
		break;
	default:
		break;
	}
	free(j);
}

const char *sh_json_type_name(sh_json_type t)
{
	static const char *const names[] = { "null", "boolean", "number", "string", "object", "array" };
	return (size_t)t < SH_ARRAY_SIZE(names) ? names[t] : "?";
}

/* An opaque container's contents were never read: asking for them is a bug, not an absence. */
static void not_opaque(const sh_json *j)
{
	if (j->opaque)
		abort();
}

sh_json *sh_json_get(const sh_json *j, const char *key)
{
	if (!j || j->type != SH_JSON_OBJECT)
		return NULL;
	not_opaque(j);
	for (size_t i = 0; i < j->u.obj.n; i++)
		if (strcmp(j->u.obj.m[i].key, key) == 0)
			return j->u.obj.m[i].value;
	return NULL;
}

bool sh_json_is_null(const sh_json *j)
{
	return !j || j->type == SH_JSON_NULL;
}

sh_json *sh_json_new(sh_json_type t)
{
	sh_json *j = sh_xcalloc(1, sizeof(*j));
	j->type = t;
	return j;
}

sh_json *sh_json_new_string(const char *s)
{
	sh_json *j = sh_json_new(SH_JSON_STRING);
	j->u.str.s = sh_xstrdup(s);
	j->u.str.len = strlen(s);
	return j;
}

sh_json *sh_json_new_string_owned(char *s)
{
	sh_json *j = sh_json_new(SH_JSON_STRING);
	j->u.str.s = s;
	j->u.str.len = strlen(s);
	return j;
}

sh_json *sh_json_new_bool(bool b)
{
	sh_json *j = sh_json_new(SH_JSON_BOOL);
	j->u.b = b;
	return j;
}

sh_json *sh_json_new_given(sh_json_type t, char *text, size_t len, char *canonical, size_t clen)
{
	if (t != SH_JSON_OBJECT && t != SH_JSON_ARRAY)
		abort(); /* a scalar is as cheap to build as to give */
	sh_json *j = sh_json_new(t);
	j->opaque = j->given = true;
	j->u.text.s = text;
	j->u.text.len = len;
	j->u.text.canonical = canonical;
	j->u.text.clen = clen;
	return j;
}

sh_json *sh_json_new_u64(uint64_t v)
{
	sh_json *j = sh_json_new(SH_JSON_NUMBER);
	j->u.num = sh_xasprintf("%" PRIu64, v);
	return j;
}

void sh_json_set(sh_json *obj, const char *key, sh_json *value)
{
	not_opaque(obj);
	obj->edited = true;
	for (size_t i = 0; i < obj->u.obj.n; i++)
		if (strcmp(obj->u.obj.m[i].key, key) == 0) {
			sh_json_free(obj->u.obj.m[i].value);
			obj->u.obj.m[i].value = value;
			return;
		}
	sh_grow(&obj->u.obj.m, &obj->u.obj.cap, obj->u.obj.n, sizeof(sh_json_member));
	obj->u.obj.m[obj->u.obj.n++] = (sh_json_member){ .key = sh_xstrdup(key), .value = value };
}

void sh_json_remove(sh_json *obj, const char *key)
{
	not_opaque(obj);
	obj->edited = true;
	for (size_t i = 0; i < obj->u.obj.n; i++)
		if (strcmp(obj->u.obj.m[i].key, key) == 0) {
			free(obj->u.obj.m[i].key);
			sh_json_free(obj->u.obj.m[i].value);
			memmove(&obj->u.obj.m[i], &obj->u.obj.m[i + 1], (obj->u.obj.n - i - 1) * sizeof(sh_json_member));
			obj->u.obj.n--;
			return;
		}
}

void sh_json_delete_at(sh_json *arr, size_t at)
{
	not_opaque(arr);
	if (at >= arr->u.arr.n)
		return;
	arr->edited = true;
	sh_json_free(arr->u.arr.v[at]);
	memmove(&arr->u.arr.v[at], &arr->u.arr.v[at + 1], (arr->u.arr.n - at - 1) * sizeof(sh_json *));
	arr->u.arr.n--;
}

void sh_json_append(sh_json *arr, sh_json *value)
{
	sh_json_insert(arr, arr->u.arr.n, value);
}

void sh_json_insert(sh_json *arr, size_t at, sh_json *value)
{
	not_opaque(arr);
	arr->edited = true;
	sh_grow(&arr->u.arr.v, &arr->u.arr.cap, arr->u.arr.n, sizeof(sh_json *));
	if (at > arr->u.arr.n)
		at = arr->u.arr.n;
	memmove(&arr->u.arr.v[at + 1], &arr->u.arr.v[at], (arr->u.arr.n - at) * sizeof(sh_json *));
	arr->u.arr.v[at] = value;
	arr->u.arr.n++;
}

/* What a Go reader of a struct takes as no value, and an omitempty writer leaves out. */
bool sh_json_go_empty(const sh_json *j)
{
	if (j->given) /* written compactly: "{}" or "[]" (not its canonical text, whose members may be empty) */
		return j->u.text.len == 2;
	switch (j->type) {
	case SH_JSON_NULL: return true;
	case SH_JSON_BOOL: return !j->u.b;
	case SH_JSON_STRING: return j->u.str.len == 0;
	case SH_JSON_NUMBER: return strcmp(j->u.num, "0") == 0;
	case SH_JSON_ARRAY: return j->u.arr.n == 0;
	case SH_JSON_OBJECT: return j->u.obj.n == 0;
	}
	return false;
}

static int member_order(const void *a, const void *b)
{
	return strcmp((*(const sh_json_member *const *)a)->key, (*(const sh_json_member *const *)b)->key);
}

static void gen(yajl_gen g, const sh_json *j, bool canonical);

/* An object's members sorted by key, the empty ones left out. */
static void gen_canonical_object(yajl_gen g, const sh_json *j)
{
	const sh_json_member **m = sh_xcalloc(j->u.obj.n ? j->u.obj.n : 1, sizeof(*m));
	size_t n = 0;
	for (size_t i = 0; i < j->u.obj.n; i++)
		if (!sh_json_go_empty(j->u.obj.m[i].value))
			m[n++] = &j->u.obj.m[i];
	sh_sort(m, n, sizeof(*m), member_order);
	yajl_gen_map_open(g);
	for (size_t i = 0; i < n; i++) {
		yajl_gen_string(g, (const unsigned char *)m[i]->key, strlen(m[i]->key));
		gen(g, m[i]->value, true);
	}
	yajl_gen_map_close(g);
	free(m);
}

/* A given node's text as written, or its canonical text. */
static const char *given_text(const sh_json *j, bool canonical, size_t *len)
{
	*len = canonical ? j->u.text.clen : j->u.text.len;
	return canonical ? j->u.text.canonical : j->u.text.s;
}

static void gen(yajl_gen g, const sh_json *j, bool canonical)
{
	if (j->given) { /* yajl writes a number's text as it is, with the separators around it */
		size_t len;
		const char *text = given_text(j, canonical, &len);
		yajl_gen_number(g, text, len);
		return;
	}
	not_opaque(j); /* only sh_json_serialize_edits has its text */
	if (canonical && j->type == SH_JSON_OBJECT) {
		gen_canonical_object(g, j);
		return;
	}
	switch (j->type) {
	case SH_JSON_NULL:
		yajl_gen_null(g);
		break;
	case SH_JSON_BOOL:
		yajl_gen_bool(g, j->u.b);
		break;
	case SH_JSON_NUMBER:
		yajl_gen_number(g, j->u.num, strlen(j->u.num));
		break;
	case SH_JSON_STRING:
		yajl_gen_string(g, (const unsigned char *)j->u.str.s, j->u.str.len);
		break;
	case SH_JSON_OBJECT:
		yajl_gen_map_open(g);
		for (size_t i = 0; i < j->u.obj.n; i++) {
			yajl_gen_string(g, (const unsigned char *)j->u.obj.m[i].key, strlen(j->u.obj.m[i].key));
			gen(g, j->u.obj.m[i].value, canonical);
		}
		yajl_gen_map_close(g);
		break;
	case SH_JSON_ARRAY:
		yajl_gen_array_open(g);
		for (size_t i = 0; i < j->u.arr.n; i++)
			gen(g, j->u.arr.v[i], canonical);
		yajl_gen_array_close(g);
		break;
	}
}

static char *serialize(const sh_json *j, bool pretty, bool canonical, size_t *len)
{
	if (j->given && !pretty) { /* its text, without yajl's buffer growing to hold a copy */
		size_t n;
		const char *text = given_text(j, canonical, &n);
		if (len)
			*len = n;
		return sh_xstrndup(text, n);
	}
	yajl_gen g = yajl_gen_alloc(NULL);
	if (pretty) {
		yajl_gen_config(g, yajl_gen_beautify, 1);
		yajl_gen_config(g, yajl_gen_indent_string, "  ");
	}
	gen(g, j, canonical);
	const unsigned char *buf;
	size_t n;
	yajl_gen_get_buf(g, &buf, &n);
	char *r = sh_xmalloc(n + 2);
	memcpy(r, buf, n);
	if (pretty && (n == 0 || r[n - 1] != '\n'))
		r[n++] = '\n';
	r[n] = 0;
	yajl_gen_free(g);
	if (len)
		*len = n;
	return r;
}

char *sh_json_serialize(const sh_json *j, bool pretty, size_t *len)
{
	return serialize(j, pretty, false, len);
}

char *sh_json_serialize_go_canonical(const sh_json *j, size_t *len)
{
	return serialize(j, false, true, len);
}

/* ---- serializing an edited tree around its source text ---------------------------------------- */

typedef struct outbuf {
	char *s;
	size_t n, cap;
} outbuf;

static void out_add(outbuf *o, const char *p, size_t n)
{
	if (o->cap - o->n < n + 1) {
		while (o->cap - o->n < n + 1)
			o->cap = o->cap ? o->cap * 2 : 4096;
		o->s = sh_xrealloc(o->s, o->cap);
	}
	memcpy(o->s + o->n, p, n);
	o->n += n;
}

/* Does any of the 8 bytes in w need escaping in a JSON string (a control character, '"' or '\\')? */
static bool word_needs_escape(uint64_t w)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
	uint64_t quote = w ^ (ones * '"'), bslash = w ^ (ones * '\\');
	uint64_t zero = ((quote - ones) & ~quote) | ((bslash - ones) & ~bslash);
	uint64_t control = (w - ones * 0x20) & ~w;
	return ((zero | control) & highs) != 0;
}

/* How many bytes from s on need no escaping: eight at a time, then byte by byte up to the first that
 * does (the base64 program crun gets is 2.8 KB of them). */
static size_t clean_run(const char *s, size_t len)
{
	size_t i = 0;
	for (uint64_t w; len - i >= 8; i += 8) {
		memcpy(&w, s + i, 8);
		if (word_needs_escape(w))
			break;
	}
	while (i < len && (unsigned char)s[i] >= 0x20 && s[i] != '"' && s[i] != '\\')
		i++;
	return i;
}

static void out_str(outbuf *o, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	out_add(o, "\"", 1);
	for (size_t i = 0;; i++) {
		size_t clean = clean_run(s + i, len - i);
		out_add(o, s + i, clean);
		i += clean;
		if (i == len)
			break;
		unsigned char ch = (unsigned char)s[i];
		char esc[6] = { '\\', (char)ch, 0 };
		size_t n = 2;
		switch (ch) {
		case '"': case '\\': break;
		case '\n': esc[1] = 'n'; break;
		case '\t': esc[1] = 't'; break;
		case '\r': esc[1] = 'r'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[ch >> 4];
			esc[5] = hex[ch & 15];
			n = 6;
		}
		out_add(o, esc, n);
	}
	out_add(o, "\"", 1);
}

/* A node is clean when its source text can stand for it: it was parsed, and (for a container) it
 * was not edited and everything inside it is clean. One pass from the leaves up. */
static bool mark_clean(sh_json *j, const char *src, size_t srclen)
{
	if (j->given) /* written from its own text, not from src */
		return j->clean = false;
	bool clean = j->end > j->off && j->end <= srclen;
	bool obj = j->type == SH_JSON_OBJECT;
	if (obj || j->type == SH_JSON_ARRAY) {
		clean = clean && !j->edited && src[j->off] == (obj ? '{' : '[') && src[j->end - 1] == (obj ? '}' : ']');
		if (j->opaque && !clean)
			abort(); /* its text is all there is of it */
		size_t n = obj ? j->u.obj.n : j->u.arr.n;
		for (size_t i = 0; i < n; i++)
			clean = mark_clean(obj ? j->u.obj.m[i].value : j->u.arr.v[i], src, srclen) && clean;
	}
	j->clean = clean;
	return clean;
}

static void emit(outbuf *o, const sh_json *j, const char *src)
{
	if (j->given) {
		out_add(o, j->u.text.s, j->u.text.len);
		return;
	}
	if (j->clean && (j->type == SH_JSON_OBJECT || j->type == SH_JSON_ARRAY)) {
		out_add(o, src + j->off, j->end - j->off);
		return;
	}
	switch (j->type) {
	case SH_JSON_NULL:
		out_add(o, "null", 4);
		break;
	case SH_JSON_BOOL:
		out_add(o, j->u.b ? "true" : "false", j->u.b ? 4 : 5);
		break;
	case SH_JSON_NUMBER:
		out_add(o, j->u.num, strlen(j->u.num));
		break;
	case SH_JSON_STRING:
		out_str(o, j->u.str.s, j->u.str.len);
		break;
	case SH_JSON_OBJECT:
		out_add(o, "{", 1);
		for (size_t i = 0; i < j->u.obj.n; i++) {
			if (i)
				out_add(o, ",", 1);
			out_str(o, j->u.obj.m[i].key, strlen(j->u.obj.m[i].key));
			out_add(o, ":", 1);
			emit(o, j->u.obj.m[i].value, src);
		}
		out_add(o, "}", 1);
		break;
	case SH_JSON_ARRAY:
		out_add(o, "[", 1);
		for (size_t i = 0; i < j->u.arr.n; i++) {
			if (i)
				out_add(o, ",", 1);
			emit(o, j->u.arr.v[i], src);
		}
		out_add(o, "]", 1);
		break;
	}
}

char *sh_json_serialize_edits(sh_json *j, const char *src, size_t srclen, size_t *len)
{
	outbuf o = { .cap = srclen + 8192 };
	o.s = sh_xmalloc(o.cap);
	mark_clean(j, src, srclen);
	emit(&o, j, src);
	o.s[o.n] = 0; /* out_add keeps a byte free */
	if (len)
		*len = o.n;
	return o.s;
}

static void scan_byte(sh_json_scan *s, char c)
{
	if (s->in_string) {
		if (s->escaped)
			s->escaped = false;
		else if (c == '\\')
			s->escaped = true;
		else if (c == '"')
			s->in_string = false;
	} else if (c == '"') {
		s->in_string = true;
	} else if (c == '{' || c == '[') {
		s->depth++;
		s->started = true;
	} else if ((c == '}' || c == ']') && s->depth) {
		s->done = --s->depth == 0 && s->started;
	}
}

bool sh_json_scan_feed(sh_json_scan *s, const char *p, size_t n)
{
	for (size_t i = 0; i < n && !s->done; i++)
		scan_byte(s, p[i]);
	return s->done;
}

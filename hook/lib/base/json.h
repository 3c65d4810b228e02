/* A located JSON tree read with yajl's callback parser: strict (no comments, no duplicate keys,
 * valid UTF-8, no NUL in strings), bounded (bytes, depth, nodes), every node carrying the line
 * and column it starts at. Numbers keep their text so 64-bit values are read exactly. */
#ifndef SH_JSON_H
#define SH_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef enum {
	SH_JSON_NULL,
	SH_JSON_BOOL,
	SH_JSON_NUMBER,
	SH_JSON_STRING,
	SH_JSON_OBJECT,
	SH_JSON_ARRAY,
} sh_json_type;

typedef struct sh_json sh_json;

typedef struct sh_json_member {
	char *key;
	unsigned line, col; /* of the key */
	sh_json *value;
} sh_json_member;

struct sh_json {
	sh_json_type type;
	unsigned line, col;
	/* Where a parsed node's text lies in the parser's input: [off, end); end 0 for a built node
	 * (and past 4 GiB). `edited`: a container changed since it was parsed. Both serve
	 * sh_json_serialize_edits, which also keeps its scratch mark in `clean`. */
	uint32_t off, end;
	bool edited, clean;
	/* A container sh_json_parse_shaped did not build (see sh_json_shape): no members or elements,
	 * only its text. Reading into it or editing it aborts; sh_json_serialize_edits copies it. */
	bool opaque;
	/* A container given as its text (sh_json_new_given), opaque like the above: written as that
	 * text, and by sh_json_serialize_go_canonical as its canonical text. */
	bool given;
	union {
		bool b;
		char *num; /* the number's text as written */
		struct { char *s; size_t len; } str;
		struct { sh_json_member *m; size_t n, cap; } obj;
		struct { sh_json **v; size_t n, cap; } arr;
		struct { char *s, *canonical; size_t len, clen; } text; /* given */
	} u;
};

typedef struct sh_json_limits {
	size_t max_bytes;
	unsigned max_depth;
	size_t max_nodes;
} sh_json_limits;

/* Defaults: 4 MiB, depth 64, one million nodes. */
extern const sh_json_limits sh_json_default_limits;

/* Parse `len` bytes; `file` names the input in errors ("-" for stdin). */
int sh_json_parse(const char *buf, size_t len, const char *file, const sh_json_limits *lim,
		  sh_json **out, sh_error **err);

/* Which containers of a document to build nodes for: a list of member keys, each with the shape of
 * its value, ended by a NULL key. A member the list names gets its shape (sh_json_shape_all: all of
 * it; NULL: left opaque); an object or array member it does not name is left opaque; scalars are
 * always built. An array passes its shape to its elements. Opaque parts are checked by yajl (syntax,
 * UTF-8, depth, value count) but not for NUL characters or duplicate keys: they are not read, only
 * copied. */
typedef struct sh_json_shape {
	const char *key;
	const struct sh_json_shape *value;
} sh_json_shape;
extern const sh_json_shape sh_json_shape_all[];
int sh_json_parse_shaped(const char *buf, size_t len, const char *file, const sh_json_limits *lim,
			 const sh_json_shape *shape, sh_json **out, sh_error **err);
/* Read a regular file (or "-" for stdin), refusing anything above lim->max_bytes before reading it
 * whole. *raw (optional) receives the bytes read, NUL-terminated, *rawlen their length. */
int sh_json_read_file(const char *path, const sh_json_limits *lim, sh_json **out, char **raw,
		      size_t *rawlen, sh_error **err);
/* Read a regular file (or stdin for "-") of at most max_bytes; non-regular files are refused. */
int sh_read_file_limited(const char *path, size_t max_bytes, char **raw, size_t *rawlen, sh_error **err);
/* Read all of fd (bounded by max) into a new buffer. */
int sh_read_fd_bounded(int fd, const char *name, size_t max, char **buf, size_t *len, sh_error **err);

/* Where a JSON text that arrives in pieces ends (a message on a stream socket whose sender does
 * not close it: runc 1.1 keeps its connection to a seccomp agent open): fed each piece in turn, it
 * says when the first top-level object or array has closed. Linear in the bytes fed; it only counts
 * brackets outside strings, so the text still has to be parsed. */
typedef struct sh_json_scan {
	size_t depth;
	bool started, in_string, escaped, done;
} sh_json_scan;
bool sh_json_scan_feed(sh_json_scan *s, const char *p, size_t n);

void sh_json_free(sh_json *j);
const char *sh_json_type_name(sh_json_type t);
/* Object member lookup (NULL when absent or j is not an object). */
sh_json *sh_json_get(const sh_json *j, const char *key);
bool sh_json_is_null(const sh_json *j);

/* Building and editing (used for OCI output and config rewriting). */
sh_json *sh_json_new(sh_json_type t);
sh_json *sh_json_new_string(const char *s);
/* Takes s (malloc'd) as the string's text. */
sh_json *sh_json_new_string_owned(char *s);
sh_json *sh_json_new_u64(uint64_t v);
sh_json *sh_json_new_bool(bool b);
/* An object or array (t) given as its JSON text and that text as sh_json_serialize_go_canonical
 * writes it (both malloc'd, taken; kept texts such as the cache's, which spare parsing one only to
 * write it out again). Nothing can read into it or edit it; the serializers copy its texts. */
sh_json *sh_json_new_given(sh_json_type t, char *text, size_t len, char *canonical, size_t clen);
/* Set key to value (taking ownership), replacing an existing member in place. */
void sh_json_set(sh_json *obj, const char *key, sh_json *value);
void sh_json_remove(sh_json *obj, const char *key);
void sh_json_append(sh_json *arr, sh_json *value);
void sh_json_insert(sh_json *arr, size_t at, sh_json *value);
/* Remove (and free) element `at` of an array; nothing if there is none. */
void sh_json_delete_at(sh_json *arr, size_t at);

/* Serialize; the result is malloc'd and NUL-terminated. */
char *sh_json_serialize(const sh_json *j, bool pretty, size_t *len);
/* The text of a value as Go's structs would read it back whatever the writer's member order or empty
 * members: objects with their members sorted by key and those left out that a Go reader takes as no
 * value (null, false, "", 0, [], {}), compact. Two texts that read into the same runtime-spec structs
 * are equal, so an engine that rewrites a config (podman does) keeps what the tool sealed. */
char *sh_json_serialize_go_canonical(const sh_json *j, size_t *len);
bool sh_json_go_empty(const sh_json *j);
/* Serialize a tree parsed from src[0..srclen) and then edited: every object or array nothing has
 * changed in (itself or anything inside it) is copied from src as it was written; what was edited
 * is written compactly. The result parses to the same tree as sh_json_serialize's. */
char *sh_json_serialize_edits(sh_json *j, const char *src, size_t srclen, size_t *len);

#endif

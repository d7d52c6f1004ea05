/* The transform from GitHub's gist objects to the compact schema. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gists.h"
#include "parse.h"

/* GitHub's objects are four levels deep; leave room, refuse bombs. */
#define GISTS_MAX_DEPTH 32

enum gists_kind {
	GISTS_STRING, /* a string */
	GISTS_NULLABLE, /* a string or null; missing is null */
	GISTS_BOOL,
	GISTS_INT, /* a whole number from 0 to INT64_MAX */
	GISTS_TIME, /* a string holding an RFC 3339 date-time */
};

struct gists_field {
	const char *name;
	enum gists_kind kind;
};

/* The members we keep, in output order. */
static const struct gists_field gists_gist_fields[] = {
	{ "id", GISTS_STRING },
	{ "description", GISTS_NULLABLE },
	{ "html_url", GISTS_STRING },
	{ "public", GISTS_BOOL },
	{ "created_at", GISTS_TIME },
	{ "updated_at", GISTS_TIME },
	{ "comments", GISTS_INT },
};

static const struct gists_field gists_file_fields[] = {
	{ "filename", GISTS_STRING },
	{ "language", GISTS_NULLABLE },
	{ "type", GISTS_NULLABLE },
	{ "size", GISTS_INT },
	{ "raw_url", GISTS_STRING },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A kind of object: its name in errors and the members kept of it. */
struct gists_shape {
	const char *what;
	const struct gists_field *fields;
	size_t n;
};
static const struct gists_shape gists_gist_shape = { "gist", gists_gist_fields,
	NELEM(gists_gist_fields) };
static const struct gists_shape gists_file_shape = { "file", gists_file_fields,
	NELEM(gists_file_fields) };

/*
 * Whether v is a whole number we pass on exactly: 0 to INT64_MAX. json-c
 * saturates what it cannot hold (10^20 becomes UINT64_MAX), so larger
 * numbers are refused rather than changed; floats (1.0, 1e3) are not
 * integers.
 */
static bool
gists_int_ok(struct json_object *v)
{
	return json_object_is_type(v, json_type_int) &&
	    json_object_get_int64(v) >= 0 &&
	    json_object_get_uint64(v) <= (uint64_t)INT64_MAX;
}

bool
gists_time_ok(const char *s, size_t len)
{
	size_t i = 19;
	long long n;

	/* full-date "T" partial-time: YYYY-MM-DDTHH:MM:SS, 60: a leap second */
	if (len < 20 || (s[10] != 'T' && s[10] != 't') || !parse_date(s, 0) ||
	    !parse_time(s + 11, 60))
		return false;
	/* time-secfrac: "." 1*DIGIT */
	if (s[i] == '.') {
		size_t digits = parse_span(s + i + 1, len - i - 1);

		if (digits == 0)
			return false;
		i += 1 + digits;
	}
	/* time-offset: "Z" / ("+" / "-") HH:MM */
	if (i < len && (s[i] == 'Z' || s[i] == 'z'))
		return i + 1 == len;
	if (i + 6 != len || (s[i] != '+' && s[i] != '-') || s[i + 3] != ':')
		return false;
	return parse_number(s + i + 1, 2, 0, 23, &n) &&
	    parse_number(s + i + 4, 2, 0, 59, &n);
}

/* Whether v is acceptable as a member of the given kind. */
static bool
gists_kind_ok(struct json_object *v, bool present, enum gists_kind kind)
{
	switch (kind) {
	case GISTS_STRING:
		return json_object_is_type(v, json_type_string);
	case GISTS_NULLABLE:
		return !present || v == NULL ||
		    json_object_is_type(v, json_type_string);
	case GISTS_BOOL:
		return json_object_is_type(v, json_type_boolean);
	case GISTS_INT:
		return gists_int_ok(v);
	case GISTS_TIME:
		return json_object_is_type(v, json_type_string) &&
		    gists_time_ok(json_object_get_string(v),
			(size_t)json_object_get_string_len(v));
	}
	return false;
}

/*
 * Copy the listed members of src into a new object, sharing the values
 * (json-c reference counts), or return NULL with err naming the member.
 */
static struct json_object *
gists_pick(struct json_object *src, const struct gists_shape *shape,
    size_t index, char *err, size_t errlen)
{
	const struct gists_field *fields = shape->fields;
	const char *what = shape->what;
	struct json_object *dst;

	if (!json_object_is_type(src, json_type_object)) {
		snprintf(err, errlen, "%s %zu is not an object", what, index);
		return NULL;
	}
	if ((dst = json_object_new_object()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < shape->n; i++) {
		struct json_object *v = NULL;
		bool present =
		    json_object_object_get_ex(src, fields[i].name, &v);

		if (!gists_kind_ok(v, present, fields[i].kind)) {
			const char *why = "of the wrong type";

			if (!present)
				why = "missing";
			else if (fields[i].kind == GISTS_INT &&
			    json_object_is_type(v, json_type_int))
				why = "out of range";
			else if (fields[i].kind == GISTS_TIME &&
			    json_object_is_type(v, json_type_string))
				why = "not an RFC 3339 date-time";
			snprintf(err, errlen, "%s %zu: member '%s' is %s", what,
			    index, fields[i].name, why);
			json_object_put(dst);
			return NULL;
		}
		json_object_object_add(dst, fields[i].name, json_object_get(v));
	}
	return dst;
}

/* The compact form of one gist, or NULL with err. */
static struct json_object *
gists_one(struct json_object *gist, size_t index, char *err, size_t errlen)
{
	struct json_object *out, *files_in, *files_out;
	size_t nfile = 0;

	out = gists_pick(gist, &gists_gist_shape, index, err, errlen);
	if (out == NULL)
		return NULL;
	if (!json_object_object_get_ex(gist, "files", &files_in) ||
	    !json_object_is_type(files_in, json_type_object)) {
		snprintf(err, errlen,
		    "gist %zu: member 'files' is not an "
		    "object",
		    index);
		json_object_put(out);
		return NULL;
	}
	files_out =
	    json_object_new_array_ext(json_object_object_length(files_in));
	if (files_out == NULL) {
		snprintf(err, errlen, "out of memory");
		json_object_put(out);
		return NULL;
	}
	json_object_object_add(out, "files", files_out);
	/* json-c keeps members in the order GitHub sent them. */
	json_object_object_foreach(files_in, key, file)
	{
		struct json_object *f;

		(void)key;
		f = gists_pick(file, &gists_file_shape, nfile++, err, errlen);
		if (f == NULL) {
			json_object_put(out);
			return NULL;
		}
		json_object_array_add(files_out, f);
	}
	return out;
}

/*
 * The bytes of a JSON text must be UTF-8 (RFC 8259), without overlong
 * forms or surrogates (RFC 3629), and without raw control characters but
 * tab, LF and CR (json-c would let some through inside strings). Returns
 * 0, or -1 with err giving the offset.
 */
int
gists_check_bytes(const char *body, size_t len, char *err, size_t errlen)
{
	const unsigned char *p = (const unsigned char *)body;
	size_t i = 0;

	while (i < len) {
		unsigned char c = p[i];
		size_t n;
		unsigned char lo = 0x80, hi = 0xbf;

		if (c >= 0x20 && c < 0x80) {
			i++;
			continue;
		}
		if (c < 0x20) {
			if (c == '\t' || c == '\n' || c == '\r') {
				i++;
				continue;
			}
			snprintf(err, errlen,
			    "invalid JSON at byte %zu: raw "
			    "control character",
			    i);
			return -1;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			if (c == 0xe0)
				lo = 0xa0; /* no overlong forms */
			else if (c == 0xed)
				hi = 0x9f; /* no surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f; /* nothing past U+10FFFF */
		} else
			goto bad;
		if (i + n >= len)
			goto bad;
		if (p[i + 1] < lo || p[i + 1] > hi)
			goto bad;
		for (size_t k = 2; k <= n; k++)
			if (p[i + k] < 0x80 || p[i + k] > 0xbf)
				goto bad;
		i += n + 1;
	}
	return 0;
bad:
	snprintf(err, errlen, "invalid JSON at byte %zu: not UTF-8", i);
	return -1;
}

struct json_object *
gists_from_github(const char *body, size_t len, char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *in, *out;
	enum json_tokener_error jerr;
	size_t end, n;

	if (len > (size_t)0x7fffffff - 1) {
		snprintf(err, errlen, "reply too large to parse");
		return NULL;
	}
	if (gists_check_bytes(body, len, err, errlen) != 0)
		return NULL;
	if ((tok = json_tokener_new_ex(GISTS_MAX_DEPTH)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok,
	    JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	/* Include the NUL, so a value at the very end is complete. */
	in = json_tokener_parse_ex(tok, body, (int)len + 1);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (in == NULL && jerr == json_tokener_success) {
		snprintf(err, errlen, "reply is a JSON null, not an array");
		return NULL;
	}
	if (in == NULL || jerr != json_tokener_success) {
		snprintf(err, errlen, "invalid JSON at byte %zu: %s", end,
		    jerr == json_tokener_continue
			? "unexpected end of input"
			: json_tokener_error_desc(jerr));
		json_object_put(in);
		return NULL;
	}
	for (; end < len; end++) {
		if (strchr(" \t\r\n", body[end]) == NULL) {
			snprintf(err, errlen,
			    "trailing bytes after the JSON "
			    "value at byte %zu",
			    end);
			json_object_put(in);
			return NULL;
		}
	}
	if (!json_object_is_type(in, json_type_array)) {
		snprintf(err, errlen, "reply is a JSON %s, not an array",
		    json_type_to_name(json_object_get_type(in)));
		json_object_put(in);
		return NULL;
	}
	n = json_object_array_length(in);
	if ((out = json_object_new_array_ext((int)n)) == NULL) {
		snprintf(err, errlen, "out of memory");
		json_object_put(in);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *g =
		    gists_one(json_object_array_get_idx(in, i), i, err, errlen);

		if (g == NULL) {
			json_object_put(out);
			out = NULL;
			break;
		}
		json_object_array_add(out, g);
	}
	json_object_put(in);
	return out;
}

/* Whether o has exactly the members shape names (and extra others),
 * each of its kind. */
static bool
gists_exact(struct json_object *o, const struct gists_shape *shape,
    size_t extra)
{
	const struct gists_field *fields = shape->fields;

	if (!json_object_is_type(o, json_type_object) ||
	    (size_t)json_object_object_length(o) != shape->n + extra)
		return false;
	for (size_t i = 0; i < shape->n; i++) {
		struct json_object *v = NULL;

		if (!json_object_object_get_ex(o, fields[i].name, &v) ||
		    !gists_kind_ok(v, true, fields[i].kind))
			return false;
	}
	return true;
}

int
gists_check_compact(struct json_object *arr)
{
	size_t n;

	if (!json_object_is_type(arr, json_type_array))
		return -1;
	n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		struct json_object *g = json_object_array_get_idx(arr, i),
				   *files;

		if (!gists_exact(g, &gists_gist_shape, 1) ||
		    !json_object_object_get_ex(g, "files", &files) ||
		    !json_object_is_type(files, json_type_array))
			return -1;
		for (size_t k = 0; k < json_object_array_length(files); k++)
			if (!gists_exact(json_object_array_get_idx(files, k),
				&gists_file_shape, 0))
				return -1;
	}
	return 0;
}

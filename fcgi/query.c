/* Query-string parsing and validation for /{user}. */
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "query.h"

/* Longest decoded value we look at; anything longer is malformed. */
#define QUERY_VALUE_MAX 32

/*
 * Percent-decode src[0..len) into dst (form encoding: '+' is a space).
 * Returns the decoded length, or -1 when malformed or longer than dstlen.
 */
static long
query_decode(const char *src, size_t len, char *dst, size_t dstlen)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)src[i];

		if (c == '%') {
			if (i + 2 >= len ||
			    (c = parse_hex_byte(src + i + 1)) < 0)
				return -1;
			i += 2;
		} else if (c == '+')
			c = ' ';
		if (o >= dstlen)
			return -1;
		dst[o++] = (char)c;
	}
	return (long)o;
}

/* A whole decimal number from min to max, digits only, at most 9. */
static bool
query_number(const char *s, long len, long min, long max, long *out)
{
	long long n;

	if (len <= 0 || len > 9 || !parse_number(s, (size_t)len, min, max, &n))
		return false;
	*out = (long)n;
	return true;
}

bool
query_since_valid(const char *s, size_t len)
{
	return len == QUERY_SINCE_LEN && s[10] == 'T' && s[19] == 'Z' &&
	    parse_date(s, 1970) && parse_time(s + 11, 59);
}

/* The names query_parse knows; a known name's last value counts. */
enum { QUERY_PAGE, QUERY_PER_PAGE, QUERY_SINCE, QUERY_FORMAT, QUERY_NAMES };
static const char *const query_names[QUERY_NAMES] = { "page", "per_page",
	"since", "format" };

/* The raw (still percent-encoded) value of each known name, or NULL. */
struct query_raw {
	const char *v[QUERY_NAMES];
	size_t len[QUERY_NAMES];
};

/* Find the last occurrence of each known name in qs. */
static void
query_scan(const char *qs, struct query_raw *raw)
{
	memset(raw, 0, sizeof(*raw));
	while (*qs != '\0') {
		size_t plen = strcspn(qs, "&");
		const char *eq = memchr(qs, '=', plen);
		size_t nlen = eq != NULL ? (size_t)(eq - qs) : plen;
		const char *val = eq != NULL ? eq + 1 : qs + plen;
		char name[16];
		long dn = query_decode(qs, nlen, name, sizeof(name) - 1);

		for (size_t i = 0; dn >= 0 && i < QUERY_NAMES; i++) {
			name[dn] = '\0';
			if (strcmp(name, query_names[i]) == 0) {
				raw->v[i] = val;
				raw->len[i] = (size_t)(qs + plen - val);
			}
		}
		qs += plen;
		if (*qs == '&')
			qs++;
	}
}

/* Decode known name i's value into value; its length, or -1. */
static long
query_value(const struct query_raw *raw, int i, char *value, size_t len)
{
	return query_decode(raw->v[i], raw->len[i], value, len);
}

/* page and per_page: 0, or -1 with err. */
static int
query_paging(const struct query_raw *raw, struct query *q, char *err,
    size_t errlen)
{
	char value[QUERY_VALUE_MAX];
	long n;

	if (raw->v[QUERY_PAGE] == NULL && raw->v[QUERY_PER_PAGE] == NULL)
		return 0;
	q->paged = true;
	q->page = 1;
	q->per_page = QUERY_PER_PAGE_DEFAULT;
	if (raw->v[QUERY_PAGE] != NULL) {
		n = query_value(raw, QUERY_PAGE, value, sizeof(value));
		if (!query_number(value, n, 1, QUERY_PAGE_MAX, &q->page)) {
			snprintf(err, errlen,
			    "query parameter 'page' must be "
			    "a whole number from 1 to %d",
			    QUERY_PAGE_MAX);
			return -1;
		}
	}
	if (raw->v[QUERY_PER_PAGE] != NULL) {
		n = query_value(raw, QUERY_PER_PAGE, value, sizeof(value));
		if (!query_number(value, n, 1, QUERY_PER_PAGE_MAX,
			&q->per_page)) {
			snprintf(err, errlen,
			    "query parameter 'per_page' must "
			    "be a whole number from 1 to %d",
			    QUERY_PER_PAGE_MAX);
			return -1;
		}
	}
	return 0;
}

/* since and format: 0, or -1 with err. */
static int
query_since_format(const struct query_raw *raw, struct query *q, char *err,
    size_t errlen)
{
	char value[QUERY_VALUE_MAX];
	long n;

	if (raw->v[QUERY_SINCE] != NULL) {
		n = query_value(raw, QUERY_SINCE, value, sizeof(value));
		if (n < 0 || !query_since_valid(value, (size_t)n)) {
			snprintf(err, errlen,
			    "query parameter 'since' must be "
			    "a UTC time written as YYYY-MM-DDTHH:MM:SSZ");
			return -1;
		}
		memcpy(q->since, value, QUERY_SINCE_LEN);
		q->since[QUERY_SINCE_LEN] = '\0';
	}
	if (raw->v[QUERY_FORMAT] != NULL) {
		n = query_value(raw, QUERY_FORMAT, value, sizeof(value));
		if (n == 4 && memcmp(value, "json", 4) == 0)
			q->format = QUERY_FORMAT_JSON;
		else if (n == 4 && memcmp(value, "html", 4) == 0)
			q->format = QUERY_FORMAT_HTML;
		else {
			snprintf(err, errlen,
			    "query parameter 'format' must be "
			    "json or html");
			return -1;
		}
	}
	return 0;
}

int
query_parse(const char *qs, struct query *q, char *err, size_t errlen)
{
	struct query_raw raw;

	memset(q, 0, sizeof(*q));
	query_scan(qs != NULL ? qs : "", &raw);
	if (query_paging(&raw, q, err, errlen) != 0)
		return -1;
	return query_since_format(&raw, q, err, errlen);
}

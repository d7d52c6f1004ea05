/* Query-string parsing and validation for /{user}. */
#include <stdio.h>
#include <string.h>

#include "query.h"

/* Longest decoded value we look at; anything longer is malformed. */
#define QUERY_VALUE_MAX 32

static int
query_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

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
			int hi, lo;

			if (i + 2 >= len)
				return -1;
			hi = query_hex((unsigned char)src[i + 1]);
			lo = query_hex((unsigned char)src[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = hi * 16 + lo;
			i += 2;
		} else if (c == '+')
			c = ' ';
		if (o >= dstlen)
			return -1;
		dst[o++] = (char)c;
	}
	return (long)o;
}

/* A whole decimal number from min to max, digits only. */
static bool
query_number(const char *s, long len, long min, long max, long *out)
{
	long n = 0;

	if (len <= 0 || len > 9)
		return false;
	for (long i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		n = n * 10 + (s[i] - '0');
	}
	if (n < min || n > max)
		return false;
	*out = n;
	return true;
}

static int
query_digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

bool
query_since_valid(const char *s, size_t len)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
		31 };
	int y, mo, d, h, mi, sec, dim;

	if (len != QUERY_SINCE_LEN || s[4] != '-' || s[7] != '-' ||
	    s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z')
		return false;
	y = query_digits(s, 4);
	mo = query_digits(s + 5, 2);
	d = query_digits(s + 8, 2);
	h = query_digits(s + 11, 2);
	mi = query_digits(s + 14, 2);
	sec = query_digits(s + 17, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 ||
	    mi < 0 || mi > 59 || sec < 0 || sec > 59)
		return false;
	dim = mdays[mo - 1];
	if (mo == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		dim = 29;
	return d <= dim;
}

int
query_parse(const char *qs, struct query *q, char *err, size_t errlen)
{
	const char *page = NULL, *per_page = NULL, *since = NULL,
		   *format = NULL;
	size_t page_len = 0, per_page_len = 0, since_len = 0, format_len = 0;
	char value[QUERY_VALUE_MAX];
	long n;

	memset(q, 0, sizeof(*q));
	if (qs == NULL)
		qs = "";

	/* Find the last occurrence of each known name. */
	while (*qs != '\0') {
		size_t plen = strcspn(qs, "&");
		const char *eq = memchr(qs, '=', plen);
		size_t nlen = eq != NULL ? (size_t)(eq - qs) : plen;
		const char *val = eq != NULL ? eq + 1 : qs + plen;
		size_t vlen = (size_t)(qs + plen - val);
		char name[16];
		long dn = query_decode(qs, nlen, name, sizeof(name) - 1);

		if (dn >= 0) {
			name[dn] = '\0';
			if (strcmp(name, "page") == 0) {
				page = val;
				page_len = vlen;
			} else if (strcmp(name, "per_page") == 0) {
				per_page = val;
				per_page_len = vlen;
			} else if (strcmp(name, "since") == 0) {
				since = val;
				since_len = vlen;
			} else if (strcmp(name, "format") == 0) {
				format = val;
				format_len = vlen;
			}
		}
		qs += plen;
		if (*qs == '&')
			qs++;
	}

	if (page != NULL || per_page != NULL) {
		q->paged = true;
		q->page = 1;
		q->per_page = QUERY_PER_PAGE_DEFAULT;
	}
	if (page != NULL) {
		n = query_decode(page, page_len, value, sizeof(value));
		if (!query_number(value, n, 1, QUERY_PAGE_MAX, &q->page)) {
			snprintf(err, errlen,
			    "query parameter 'page' must be "
			    "a whole number from 1 to %d",
			    QUERY_PAGE_MAX);
			return -1;
		}
	}
	if (per_page != NULL) {
		n = query_decode(per_page, per_page_len, value, sizeof(value));
		if (!query_number(value, n, 1, QUERY_PER_PAGE_MAX,
			&q->per_page)) {
			snprintf(err, errlen,
			    "query parameter 'per_page' must "
			    "be a whole number from 1 to %d",
			    QUERY_PER_PAGE_MAX);
			return -1;
		}
	}
	if (since != NULL) {
		n = query_decode(since, since_len, value, sizeof(value));
		if (n < 0 || !query_since_valid(value, (size_t)n)) {
			snprintf(err, errlen,
			    "query parameter 'since' must be "
			    "a UTC time written as YYYY-MM-DDTHH:MM:SSZ");
			return -1;
		}
		memcpy(q->since, value, QUERY_SINCE_LEN);
		q->since[QUERY_SINCE_LEN] = '\0';
	}
	if (format != NULL) {
		n = query_decode(format, format_len, value, sizeof(value));
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

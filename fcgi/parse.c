/* Numbers, RFC 3339 dates and times, q-values: one contract. */
#include <limits.h>

#include "parse.h"

bool
parse_number(const char *s, size_t len, long long min, long long max,
    long long *out)
{
	long long n = 0;

	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' ||
		    n > (LLONG_MAX - (s[i] - '0')) / 10)
			return false;
		n = n * 10 + (s[i] - '0');
	}
	if (n < min || n > max)
		return false;
	*out = n;
	return true;
}

size_t
parse_span(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	return i;
}

/* A hexadecimal digit's value, or -1. */
static int
parse_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
parse_hex_byte(const char *s)
{
	int hi = parse_hex_digit((unsigned char)s[0]), lo;

	if (hi < 0 || (lo = parse_hex_digit((unsigned char)s[1])) < 0)
		return -1;
	return hi * 16 + lo;
}

/* The 2 or 4 digits at s as a number, or -1. */
static int
parse_digits(const char *s, size_t n)
{
	long long v;

	return parse_number(s, n, 0, 9999, &v) ? (int)v : -1;
}

bool
parse_date(const char *s, int min_year)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
		31 };
	int y, mo, d, dim;

	if (s[4] != '-' || s[7] != '-')
		return false;
	y = parse_digits(s, 4);
	mo = parse_digits(s + 5, 2);
	d = parse_digits(s + 8, 2);
	if (y < min_year || y < 0 || mo < 1 || mo > 12 || d < 1)
		return false;
	dim = mdays[mo - 1];
	if (mo == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		dim = 29;
	return d <= dim;
}

bool
parse_time(const char *s, int max_sec)
{
	int h, mi, sec;

	if (s[2] != ':' || s[5] != ':')
		return false;
	h = parse_digits(s, 2);
	mi = parse_digits(s + 3, 2);
	sec = parse_digits(s + 6, 2);
	return h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && sec >= 0 &&
	    sec <= max_sec;
}

int
parse_qvalue(const char *p, size_t n, size_t *used)
{
	size_t i = 0;
	int q;

	if (n == 0 || (p[0] != '0' && p[0] != '1'))
		return -1;
	q = p[i++] == '1' ? 1000 : 0;
	if (i < n && p[i] == '.') {
		static const int scale[] = { 100, 10, 1 };

		for (i++; i < n && p[i] >= '0' && p[i] <= '9' && i - 2 < 3; i++)
			q += (p[i] - '0') * scale[i - 2];
	}
	*used = i;
	return q > 1000 ? 1000 : q;
}

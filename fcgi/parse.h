/*
 * The parsing contract every module uses (tmux's strtonum): a value
 * out, or false; no locale, no sign, no white space, no overflow.
 */
#ifndef GISTS_PARSE_H
#define GISTS_PARSE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The decimal number written with exactly the len bytes at s (digits
 * only, at least one) into *out when it lies from min to max (min >= 0);
 * false, *out untouched, otherwise. Callers that bound the length of
 * the text (leading zeros) say so themselves.
 */
bool parse_number(const char *s, size_t len, long long min, long long max,
    long long *out);

/*
 * How many of the n bytes at s, from the first, are decimal digits: the
 * length of the number a field starts with, for parse_number.
 */
size_t parse_span(const char *s, size_t n);

/*
 * The byte written as two hexadecimal digits (either case) at s, as in a
 * percent escape, or -1; s[1] is read only when s[0] is a digit.
 */
int parse_hex_byte(const char *s);

/*
 * An RFC 3339 full-date "YYYY-MM-DD" in the 10 bytes at s: a real day
 * (leap years counted) of a year from min_year on.
 */
bool parse_date(const char *s, int min_year);

/*
 * An RFC 3339 partial-time "HH:MM:SS" (no fraction) in the 8 bytes at
 * s, the seconds up to max_sec (60 admits a leap second).
 */
bool parse_time(const char *s, int max_sec);

/*
 * An HTTP q-value (RFC 9110 12.4.2: "0" or "1", then "." and up to three
 * digits) at the start of the n bytes at p, in thousandths (more than
 * 1000 is read as 1000), with *used the bytes it took; -1 when there is
 * none.
 */
int parse_qvalue(const char *p, size_t n, size_t *used);

#endif

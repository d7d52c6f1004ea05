/* Unit tests: the parsing contract (numbers, dates and times, q-values). */
#include <limits.h>
#include <string.h>

#include "parse.h"
#include "tap.h"

/* parse_number over a whole string, with *out -1 when it says no. */
static long long
number(const char *s, long long min, long long max)
{
	long long v = -1;

	return parse_number(s, strlen(s), min, max, &v) ? v : -1;
}

static void
test_numbers(void)
{
	TAP_LONG(number("0", 0, 10), 0);
	TAP_LONG(number("10", 0, 10), 10);
	TAP_LONG(number("007", 0, 10), 7);
	TAP_LONG(number("11", 0, 10), -1);
	TAP_LONG(number("4", 5, 10), -1);
	TAP_LONG(number("", 0, 10), -1);
	TAP_LONG(number("-1", 0, 10), -1);
	TAP_LONG(number("+1", 0, 10), -1);
	TAP_LONG(number(" 1", 0, 10), -1);
	TAP_LONG(number("1 ", 0, 10), -1);
	TAP_LONG(number("1x", 0, 10), -1);
	/* the whole range of long long, and not one more */
	TAP_OK(number("9223372036854775807", 0, LLONG_MAX) == LLONG_MAX);
	TAP_OK(number("9223372036854775800", 0, LLONG_MAX) ==
	    9223372036854775800LL);
	TAP_LONG(number("9223372036854775808", 0, LLONG_MAX), -1);
	TAP_LONG(number("99999999999999999999", 0, LLONG_MAX), -1);
	/* only len bytes are read */
	long long v = -1;
	TAP_OK(parse_number("123", 2, 0, 1000, &v));
	TAP_LONG(v, 12);
}

/* parse_span: a field's leading digits; parse_hex_byte: a %XX escape. */
static void
test_spans_and_hex(void)
{
	TAP_LONG((long)parse_span("4711 93 12", 10), 4);
	TAP_LONG((long)parse_span("93", 2), 2);
	TAP_LONG((long)parse_span("93", 1), 1);
	TAP_LONG((long)parse_span(" 93", 3), 0);
	TAP_LONG((long)parse_span("", 0), 0);
	TAP_LONG((long)parse_span("-1", 2), 0);
	TAP_LONG(parse_hex_byte("2F"), 0x2f);
	TAP_LONG(parse_hex_byte("2f"), 0x2f);
	TAP_LONG(parse_hex_byte("00"), 0);
	TAP_LONG(parse_hex_byte("fF"), 255);
	TAP_LONG(parse_hex_byte("9a"), 0x9a);
	TAP_LONG(parse_hex_byte("g0"), -1);
	TAP_LONG(parse_hex_byte("0g"), -1);
	TAP_LONG(parse_hex_byte("/0"), -1);
	TAP_LONG(parse_hex_byte(":0"), -1);
	TAP_LONG(parse_hex_byte("@0"), -1);
	TAP_LONG(parse_hex_byte("`0"), -1);
	/* a short escape: the terminator stops it before the next byte */
	TAP_LONG(parse_hex_byte(""), -1);
	TAP_LONG(parse_hex_byte("a"), -1);
}

static void
test_dates(void)
{
	TAP_OK(parse_date("2024-02-29", 1));
	TAP_OK(parse_date("2000-02-29", 1));
	TAP_OK(!parse_date("1900-02-29", 1));
	TAP_OK(!parse_date("2023-02-29", 1));
	TAP_OK(parse_date("2023-12-31", 1));
	TAP_OK(!parse_date("2023-13-01", 1));
	TAP_OK(!parse_date("2023-00-01", 1));
	TAP_OK(!parse_date("2023-04-31", 1));
	TAP_OK(!parse_date("2023-04-00", 1));
	TAP_OK(!parse_date("2023/04/01", 1));
	TAP_OK(!parse_date("0000-01-01", 1));
	TAP_OK(!parse_date("1969-12-31", 1970));
	TAP_OK(parse_time("23:59:59", 59));
	TAP_OK(!parse_time("23:59:60", 59));
	TAP_OK(parse_time("23:59:60", 60));
	TAP_OK(!parse_time("24:00:00", 60));
	TAP_OK(!parse_time("12:60:00", 60));
	TAP_OK(!parse_time("12-00-00", 60));
}

/* parse_qvalue over a whole string; used is checked by the caller. */
static int
qvalue(const char *s, size_t *used)
{
	return parse_qvalue(s, strlen(s), used);
}

static void
test_qvalues(void)
{
	size_t used = 0;

	TAP_LONG(qvalue("1", &used), 1000);
	TAP_LONG((long)used, 1);
	TAP_LONG(qvalue("0", &used), 0);
	TAP_LONG(qvalue("0.5", &used), 500);
	TAP_LONG((long)used, 3);
	TAP_LONG(qvalue("0.125", &used), 125);
	TAP_LONG((long)used, 5);
	TAP_LONG(qvalue("1.000", &used), 1000);
	TAP_LONG(qvalue("0.5;x", &used), 500);
	TAP_LONG((long)used, 3);
	TAP_LONG(qvalue("x", &used), -1);
	TAP_LONG(qvalue("", &used), -1);
}

int
main(void)
{
	test_numbers();
	test_spans_and_hex();
	test_dates();
	test_qvalues();
	return tap_done();
}

/* Unit tests: GitHub's gist JSON to the compact schema (golden files). */
#include <stdlib.h>

#include "gists.h"
#include "fixture.h"
#include "tap.h"

/* Transform body and serialize the result as the service does. */
static char *
transform(const char *body, size_t len, char *err, size_t errlen)
{
	struct json_object *arr = gists_from_github(body, len, err, errlen);
	char *s;

	if (arr == NULL)
		return NULL;
	s = strdup(json_object_to_json_string_ext(arr,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(arr);
	return s;
}

/* A reply that must be refused, with a reason mentioning why. */
static void
refused(const char *body, const char *why)
{
	char err[GISTS_ERR_LEN] = "";
	char *s = transform(body, strlen(body), err, sizeof(err));

	printf("# refused: %.60s\n", body);
	TAP_OK(s == NULL);
	TAP_OK(strstr(err, why) != NULL);
	if (strstr(err, why) == NULL)
		printf("# err: %s\n", err);
	free(s);
}

static const char ok_gist[] =
    "{\"id\":\"1\",\"description\":null,\"html_url\":\"h\",\"public\":true,"
    "\"created_at\":\"2010-04-14T02:15:15Z\",\"updated_at\":\"2011-06-20T11:34:"
    "15Z\",\"comments\":0,"
    "\"files\":{}}";

int
main(void)
{
	char err[GISTS_ERR_LEN];
	size_t len, want_len;
	char *in, *want, *got;

	/* octocat: golden output, byte for byte */
	in = read_fixture("octocat-gists.json", &len);
	want = read_fixture("octocat-expected.json", &want_len);
	if (want_len > 0 && want[want_len - 1] == '\n')
		want[want_len - 1] = '\0';
	got = transform(in, len, err, sizeof(err));
	TAP_STR(got, want);
	free(in);
	free(want);
	free(got);

	/* trailing whitespace is fine; an empty list is a list */
	got = transform("[]\r\n ", 5, err, sizeof(err));
	TAP_STR(got, "[]");
	free(got);

	/* a minimal gist; a missing description is null */
	{
		static const char minimal[] =
		    "[{\"id\":\"1\",\"html_url\":"
		    "\"h\",\"public\":false,\"created_at\":\"2010-04-14T02:15:"
		    "15Z\","
		    "\"updated_at\":\"2011-06-20T11:34:15Z\",\"comments\":2,"
		    "\"files\":{\"a\":"
		    "{\"filename\":\"a\",\"size\":1,\"raw_url\":\"r\"}}}]";

		got = transform(minimal, sizeof(minimal) - 1, err, sizeof(err));
	}
	TAP_STR(got,
	    "[{\"id\":\"1\",\"description\":null,\"html_url\":\"h\","
	    "\"public\":false,\"created_at\":\"2010-04-14T02:15:15Z\","
	    "\"updated_at\":\"2011-06-20T11:34:15Z\","
	    "\"comments\":2,\"files\":[{\"filename\":\"a\",\"language\":null,"
	    "\"type\":null,\"size\":1,\"raw_url\":\"r\"}]}]");
	free(got);

	/* strings survive: escapes, controls, NUL, non-ASCII */
	{
		static const char body[] =
		    "[{\"id\":\"1\",\"description\":"
		    "\"q\\\" b\\\\ \\u0000 \\u001f \\n \\/ \\u00e9 "
		    "\xf0\x9f\x90\x99\","
		    "\"html_url\":\"h\",\"public\":true,\"created_at\":\"2010-"
		    "04-14T02:15:15Z\","
		    "\"updated_at\":\"2011-06-20T11:34:15Z\",\"comments\":0,"
		    "\"files\":{}}]";

		got = transform(body, sizeof(body) - 1, err, sizeof(err));
		TAP_STR(got,
		    "[{\"id\":\"1\",\"description\":\"q\\\" b\\\\ "
		    "\\u0000 \\u001f \\n / \xc3\xa9 \xf0\x9f\x90\x99\","
		    "\"html_url\":\"h\",\"public\":true,\"created_at\":\"2010-"
		    "04-14T02:15:15Z\","
		    "\"updated_at\":\"2011-06-20T11:34:15Z\",\"comments\":0,"
		    "\"files\":[]}]");
		free(got);
	}

	refused("", "unexpected end");
	refused("[", "unexpected end");
	refused("[{\"id\":\"1\"", "unexpected end");
	refused("<html>502</html>", "invalid JSON");
	refused("{\"message\":\"Not Found\"}", "not an array");
	refused("null", "not an array");
	refused("\"x\"", "not an array");
	refused("[] []", "at byte 3");
	refused("[1]", "not an object");
	refused("[{}]", "'id' is missing");
	refused("[{\"id\":1}]", "'id' is of the wrong type");
	refused("[{\"id\":\"1\",\"description\":5}]", "'description'");
	refused("[\"\xff\xfe\"]", "invalid JSON"); /* not UTF-8 */
	refused("[\"\xc3\"]", "invalid JSON"); /* cut UTF-8 */
	refused("[\"a\x01\"]", "raw control");
	refused("[{'id':'1'}]", "invalid JSON"); /* not strict */
	refused("[1,]", "invalid JSON");
	refused("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]"
		"]]]]]]]]]]]]]]]]]]]]]]",
	    "invalid JSON"); /* too deep */
	{
		char body[512];

		snprintf(body, sizeof(body), "[%.*s\"files\":[]}]",
		    (int)strlen(ok_gist) - (int)strlen("\"files\":{}}"),
		    ok_gist);
		refused(body, "'files' is not an object");
		snprintf(body, sizeof(body), "[%.*s\"files\":{\"a\":{}}}]",
		    (int)strlen(ok_gist) - (int)strlen("\"files\":{}}"),
		    ok_gist);
		refused(body, "file 0: member 'filename' is missing");
		snprintf(body, sizeof(body),
		    "[%.*s\"comments\":-1,"
		    "\"files\":{}}]",
		    (int)strlen(ok_gist) -
			(int)strlen("\"comments\":0,"
				    "\"files\":{}}"),
		    ok_gist);
		refused(body, "'comments' is out of range");
	}
	/*
	 * Integers are passed on exactly from 0 to INT64_MAX, or refused:
	 * json-c saturates what it cannot hold, so 10^20 would come out as
	 * 18446744073709551615.
	 */
	{
		static const struct {
			const char *size;
			const char *why; /* NULL: passed on as written */
		} ints[] = {
			{ "0", NULL },
			{ "9223372036854775807", NULL }, /* INT64_MAX */
			{ "9223372036854775808", "out of range" },
			{ "18446744073709551615", "out of range" },
			{ "100000000000000000000", "out of range" },
			{ "-1", "out of range" },
			{ "-9223372036854775809", "out of range" },
			{ "1.0", "of the wrong type" },
			{ "1e3", "of the wrong type" },
			{ "0.5", "of the wrong type" },
			{ "\"1\"", "of the wrong type" },
			{ "01", "invalid JSON" },
		};

		for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
			char body[512], member[64];

			snprintf(body, sizeof(body),
			    "[%.*s\"files\":{\"a\":{\"filename\":\"a\","
			    "\"size\":%s,\"raw_url\":\"r\"}}}]",
			    (int)strlen(ok_gist) - (int)strlen("\"files\":{}}"),
			    ok_gist, ints[i].size);
			if (ints[i].why != NULL) {
				refused(body, ints[i].why);
				continue;
			}
			got = transform(body, strlen(body), err, sizeof(err));
			snprintf(member, sizeof(member), "\"size\":%s,",
			    ints[i].size);
			TAP_OK(got != NULL && strstr(got, member) != NULL);
			if (got == NULL || strstr(got, member) == NULL)
				printf("# size %s: %s\n", ints[i].size,
				    got != NULL ? got : err);
			free(got);
		}
	}
	/* created_at and updated_at: RFC 3339 date-times, or a 502 */
	{
		char body[512];
		const char *at = strstr(ok_gist, "\"updated_at\"");

		snprintf(body, sizeof(body),
		    "[%.*s\"updated_at\":\" on25-01-30T18:37:46Z\","
		    "\"comments\":0,\"files\":{}}]",
		    (int)(at - ok_gist), ok_gist);
		refused(body, "'updated_at' is not an RFC 3339 date-time");
		snprintf(body, sizeof(body),
		    "[%.*s\"updated_at\":0,\"comments\":0,\"files\":{}}]",
		    (int)(at - ok_gist), ok_gist);
		refused(body, "'updated_at' is of the wrong type");
	}
	{
		static const struct {
			const char *stamp;
			bool ok;
		} times[] = {
			{ "2010-04-14T02:15:15Z", true }, /* GitHub's form */
			{ "1985-04-12T23:20:50.52Z", true },
			{ "1996-12-19T16:39:57-08:00", true },
			{ "1990-12-31T15:59:60-08:00", true }, /* leap second */
			{ "2024-02-29t00:00:00z", true },
			{ "0000-01-01T00:00:00+23:59", true },
			{ " on25-01-30T18:37:46Z", false },
			{ "2010-04-14T02:15:15", false }, /* no offset */
			{ "2010-04-14 02:15:15Z", false },
			{ "2010-04-14", false },
			{ "", false },
			{ "2023-02-29T00:00:00Z", false },
			{ "1900-02-29T00:00:00Z", false },
			{ "2010-13-01T00:00:00Z", false },
			{ "2010-00-01T00:00:00Z", false },
			{ "2010-04-31T00:00:00Z", false },
			{ "2010-04-00T00:00:00Z", false },
			{ "2010-04-14T24:00:00Z", false },
			{ "2010-04-14T02:60:00Z", false },
			{ "2010-04-14T02:15:61Z", false },
			{ "2010-04-14T02:15:15.Z", false },
			{ "2010-04-14T02:15:15+0100", false },
			{ "2010-04-14T02:15:15+24:00", false },
			{ "2010-04-14T02:15:15Zx", false },
			{ "2010-04-14T02:15:15Z<", false },
			{ "+010-04-14T02:15:15Z", false },
			{ "2010-4-14T02:15:15Z", false },
		};

		for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
			printf("# time %s\n", times[i].stamp);
			TAP_OK(gists_time_ok(times[i].stamp,
				   strlen(times[i].stamp)) == times[i].ok);
		}
		/* a NUL inside is not a digit */
		TAP_OK(!gists_time_ok("2010-04-14T02:15:1\0Z", 20));
	}
	/* the byte check: UTF-8 by RFC 3629, no raw controls */
	{
		static const struct {
			const char *bytes;
			int ok;
		} utf8[] = {
			{ "plain ASCII \t\r\n", 0 },
			{ "\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x99 "
			  "\xf4\x8f\xbf\xbf",
			    0 },
			{ "\xc0\xaf", -1 }, /* overlong '/' */
			{ "\xc1\xbf", -1 }, /* overlong */
			{ "\xe0\x80\xaf", -1 }, /* overlong */
			{ "\xf0\x80\x80\xaf", -1 }, /* overlong */
			{ "\xed\xa0\x80", -1 }, /* surrogate D800 */
			{ "\xf4\x90\x80\x80", -1 }, /* past U+10FFFF */
			{ "\xf5\x80\x80\x80", -1 }, { "\xff", -1 },
			{ "\x80", -1 }, /* lone continuation */
			{ "\xc3", -1 }, /* cut at the end */
			{ "\xe2\x82", -1 },
			{ "\xe2\x28\xa1", -1 }, /* bad continuation */
			{ "a\x01"
			  "b",
			    -1 },
			{ "a\x1f"
			  "b",
			    -1 },
			{ "\x7f", 0 }, /* DEL is not a control here */
		};

		for (size_t i = 0; i < sizeof(utf8) / sizeof(utf8[0]); i++) {
			printf("# bytes %zu\n", i);
			TAP_LONG(gists_check_bytes(utf8[i].bytes,
				     strlen(utf8[i].bytes), err, sizeof(err)),
			    utf8[i].ok);
		}
	}
	return tap_done();
}

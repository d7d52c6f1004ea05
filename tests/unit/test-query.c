/* Unit tests: query-string parsing of /{user}. */
#include "query.h"
#include "tap.h"

static const struct {
	const char *qs;
	int rc;
	int paged;
	long page, per_page;
	const char *since;
} cases[] = {
	{ NULL, 0, 0, 0, 0, "" },
	{ "", 0, 0, 0, 0, "" },
	{ "page=2", 0, 1, 2, 30, "" },
	{ "per_page=5", 0, 1, 1, 5, "" },
	{ "page=3&per_page=100", 0, 1, 3, 100, "" },
	{ "page=1&page=7", 0, 1, 7, 30, "" }, /* last one counts */
	{ "page=x&page=7", 0, 1, 7, 30, "" },
	{ "page=7&page=x", -1, 0, 0, 0, "" },
	{ "foo=bar&baz", 0, 0, 0, 0, "" }, /* unknown: ignored */
	{ "page=%32", 0, 1, 2, 30, "" }, /* encoded digit */
	{ "%70age=4", 0, 1, 4, 30, "" }, /* encoded name */
	{ "page=100000", 0, 1, 100000, 30, "" },
	{ "page=100001", -1, 0, 0, 0, "" },
	{ "page=0", -1, 0, 0, 0, "" },
	{ "page=-1", -1, 0, 0, 0, "" },
	{ "page=+1", -1, 0, 0, 0, "" },
	{ "page= 1", -1, 0, 0, 0, "" },
	{ "page=", -1, 0, 0, 0, "" },
	{ "page", -1, 0, 0, 0, "" },
	{ "page=1.5", -1, 0, 0, 0, "" },
	{ "page=99999999999999999999", -1, 0, 0, 0, "" },
	{ "page=%", -1, 0, 0, 0, "" },
	{ "page=%3", -1, 0, 0, 0, "" },
	{ "page=%zz", -1, 0, 0, 0, "" },
	{ "per_page=100", 0, 1, 1, 100, "" },
	{ "per_page=101", -1, 0, 0, 0, "" },
	{ "per_page=0", -1, 0, 0, 0, "" },
	{ "since=2024-02-29T23:59:59Z", 0, 0, 0, 0, "2024-02-29T23:59:59Z" },
	{ "since=2024-02-29T23%3A59%3A59Z", 0, 0, 0, 0,
	    "2024-02-29T23:59:59Z" },
	{ "since=2023-02-29T00:00:00Z", -1, 0, 0, 0, "" },
	{ "since=2024-13-01T00:00:00Z", -1, 0, 0, 0, "" },
	{ "since=2024-01-01T24:00:00Z", -1, 0, 0, 0, "" },
	{ "since=2024-01-01T00:00:00", -1, 0, 0, 0, "" },
	{ "since=2024-01-01", -1, 0, 0, 0, "" },
	{ "since=2024-01-01T00:00:00+01:00", -1, 0, 0, 0, "" },
	{ "since=2024-01-01t00:00:00z", -1, 0, 0, 0, "" },
	{ "since=", -1, 0, 0, 0, "" },
	{ "since=2024-01-01T00:00:00Z&page=2&per_page=10&x=%00", 0, 1, 2, 10,
	    "2024-01-01T00:00:00Z" },
	{ "&&page=2&&", 0, 1, 2, 30, "" },
};

int
main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct query q;
		char err[QUERY_ERR_LEN] = "";
		int rc = query_parse(cases[i].qs, &q, err, sizeof(err));

		printf("# query %zu: %s\n", i, cases[i].qs ? cases[i].qs : "");
		TAP_LONG(rc, cases[i].rc);
		if (rc != 0) {
			TAP_OK(err[0] != '\0');
			continue;
		}
		TAP_LONG(q.paged, cases[i].paged);
		TAP_LONG(q.page, cases[i].page);
		TAP_LONG(q.per_page, cases[i].per_page);
		TAP_STR(q.since, cases[i].since);
	}

	/* ?format= */
	{
		struct query q;
		char err[QUERY_ERR_LEN];

		TAP_LONG(query_parse("format=html", &q, err, sizeof(err)), 0);
		TAP_LONG(q.format, QUERY_FORMAT_HTML);
		TAP_LONG(query_parse("format=json&page=2", &q, err,
			     sizeof(err)),
		    0);
		TAP_LONG(q.format, QUERY_FORMAT_JSON);
		TAP_LONG(query_parse("x=1", &q, err, sizeof(err)), 0);
		TAP_LONG(q.format, QUERY_FORMAT_AUTO);
		TAP_LONG(query_parse("format=xml", &q, err, sizeof(err)), -1);
		TAP_OK(strstr(err, "format") != NULL);
		TAP_LONG(query_parse("format=HTML", &q, err, sizeof(err)), -1);
		TAP_LONG(query_parse("format=", &q, err, sizeof(err)), -1);
	}

	/* The error names the parameter and never echoes the value. */
	{
		struct query q;
		char err[QUERY_ERR_LEN];

		query_parse("per_page=<script>", &q, err, sizeof(err));
		TAP_OK(strstr(err, "per_page") != NULL);
		TAP_OK(strstr(err, "<script>") == NULL);
	}
	return tap_done();
}

/* Unit tests: request path routing and login validation. */
#include "route.h"
#include "tap.h"

static const struct {
	const char *path;
	enum route_kind kind;
	const char *login;
} cases[] = {
	{ NULL, ROUTE_INDEX, "" },
	{ "", ROUTE_INDEX, "" },
	{ "/", ROUTE_INDEX, "" },
	{ "/-/healthz", ROUTE_HEALTHZ, "" },
	{ "/-/healthz/", ROUTE_HEALTHZ, "" },
	{ "/-/metrics", ROUTE_METRICS, "" },
	{ "/octocat", ROUTE_USER, "octocat" },
	{ "/octocat/", ROUTE_USER, "octocat" },
	{ "/OctoCat", ROUTE_USER, "OctoCat" },
	{ "/a", ROUTE_USER, "a" },
	{ "/a-b-c", ROUTE_USER, "a-b-c" },
	{ "/abc-", ROUTE_USER, "abc-" },
	{ "/0", ROUTE_USER, "0" },
	/* 39 characters: the longest login */
	{ "/abcdefghijklmnopqrstuvwxyz0123456789abc", ROUTE_USER,
	    "abcdefghijklmnopqrstuvwxyz0123456789abc" },
	/* 40 characters */
	{ "/abcdefghijklmnopqrstuvwxyz0123456789abcd", ROUTE_BAD_PATH, "" },
	{ "/-octocat", ROUTE_BAD_PATH, "" },
	{ "/-", ROUTE_BAD_PATH, "" },
	{ "/..", ROUTE_BAD_PATH, "" },
	{ "/.", ROUTE_BAD_PATH, "" },
	{ "/../etc/passwd", ROUTE_BAD_PATH, "" },
	{ "/octo.cat", ROUTE_BAD_PATH, "" },
	{ "/octo%2Fcat", ROUTE_BAD_PATH, "" },
	{ "/octo_cat", ROUTE_BAD_PATH, "" },
	{ "/octo cat", ROUTE_BAD_PATH, "" },
	{ "/octo\r\ncat", ROUTE_BAD_PATH, "" },
	{ "/octo\tcat", ROUTE_BAD_PATH, "" },
	{ "/\xc3\xa9t\xc3\xa9", ROUTE_BAD_PATH, "" },
	{ "/octocat//", ROUTE_BAD_PATH, "" },
	{ "//octocat", ROUTE_BAD_PATH, "" },
	{ "octocat", ROUTE_BAD_PATH, "" },
	{ "/octocat/gists", ROUTE_NOT_FOUND, "" },
	{ "/-/nothing", ROUTE_NOT_FOUND, "" },
	{ "/-/metrics/x", ROUTE_NOT_FOUND, "" },
	{ "/octocat/../x", ROUTE_BAD_PATH, "" },
};

int
main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct route rt;

		route_match(cases[i].path, &rt);
		printf("# path %zu\n", i);
		TAP_LONG(rt.kind, cases[i].kind);
		TAP_STR(rt.login, cases[i].login);
	}

	TAP_OK(route_login_valid("octocat", 7));
	TAP_OK(!route_login_valid("", 0));
	TAP_OK(!route_login_valid("-x", 2));
	TAP_OK(!route_login_valid("a_b", 3));
	TAP_OK(route_method_allowed("GET"));
	TAP_OK(route_method_allowed("HEAD"));
	TAP_OK(!route_method_allowed("POST"));
	TAP_OK(!route_method_allowed("get"));
	TAP_OK(!route_method_allowed(NULL));
	return tap_done();
}

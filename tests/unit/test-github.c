/* Unit tests: the mapping of GitHub's answers to outcomes and statuses. */
#include "github.h"
#include "tap.h"

#define NOW 1700000000L

struct row {
	int line;
	bool transport_ok, timed_out, too_big;
	long status;
	const char *remaining, *retry_after, *reset;
	enum github_outcome outcome;
	int http;
	long retry;
};

static const struct row rows[] = {
	{ __LINE__, true, false, false, 200, "59", NULL, NULL, GITHUB_OK, 200,
	    0 },
	{ __LINE__, true, false, false, 304, NULL, NULL, NULL,
	    GITHUB_NOT_MODIFIED, 200, 0 },
	{ __LINE__, true, false, false, 404, "58", NULL, NULL, GITHUB_NOT_FOUND,
	    404, 0 },
	/* primary rate limit: 403, remaining 0, reset in 120 s */
	{ __LINE__, true, false, false, 403, "0", NULL, "1700000120",
	    GITHUB_RATE_LIMITED, 503, 120 },
	/* reset in the past still asks for at least one second */
	{ __LINE__, true, false, false, 403, "0", NULL, "1699999000",
	    GITHUB_RATE_LIMITED, 503, 1 },
	/* Retry-After wins over the reset time */
	{ __LINE__, true, false, false, 403, "0", "30", "1700000120",
	    GITHUB_RATE_LIMITED, 503, 30 },
	/* secondary limits: 429, or 403 with Retry-After */
	{ __LINE__, true, false, false, 429, NULL, "7", NULL,
	    GITHUB_RATE_LIMITED, 503, 7 },
	{ __LINE__, true, false, false, 403, "12", "9", NULL,
	    GITHUB_RATE_LIMITED, 503, 9 },
	{ __LINE__, true, false, false, 429, NULL, NULL, NULL,
	    GITHUB_RATE_LIMITED, 503, 60 },
	{ __LINE__, true, false, false, 429, NULL, "0", NULL,
	    GITHUB_RATE_LIMITED, 503, 1 },
	{ __LINE__, true, false, false, 429, NULL, "99999999", NULL,
	    GITHUB_RATE_LIMITED, 503, 3600 },
	/* a reset ten days off is a clock problem: an hour at most */
	{ __LINE__, true, false, false, 403, "0", NULL, "1700864000",
	    GITHUB_RATE_LIMITED, 503, 3600 },
	/* garbage headers do not make a limit, nor a wild Retry-After */
	{ __LINE__, true, false, false, 429, NULL, "soon", "later",
	    GITHUB_RATE_LIMITED, 503, 60 },
	{ __LINE__, true, false, false, 403, "zero", NULL, NULL, GITHUB_FAILED,
	    502, 0 },
	/* other 403s, 401 and every other status are bad gateways */
	{ __LINE__, true, false, false, 403, "10", NULL, NULL, GITHUB_FAILED,
	    502, 0 },
	{ __LINE__, true, false, false, 401, NULL, NULL, NULL, GITHUB_FAILED,
	    502, 0 },
	{ __LINE__, true, false, false, 422, NULL, NULL, NULL, GITHUB_FAILED,
	    502, 0 },
	{ __LINE__, true, false, false, 500, NULL, NULL, NULL, GITHUB_FAILED,
	    502, 0 },
	{ __LINE__, true, false, false, 503, NULL, "5", NULL, GITHUB_FAILED,
	    502, 0 },
	{ __LINE__, true, false, false, 301, NULL, NULL, NULL, GITHUB_FAILED,
	    502, 0 },
	{ __LINE__, true, false, false, 201, NULL, NULL, NULL, GITHUB_FAILED,
	    502, 0 },
	/* transport failures */
	{ __LINE__, false, true, false, 0, NULL, NULL, NULL, GITHUB_TIMEOUT,
	    504, 0 },
	{ __LINE__, false, false, true, 0, NULL, NULL, NULL, GITHUB_FAILED, 502,
	    0 },
	{ __LINE__, false, false, false, 0, NULL, NULL, NULL, GITHUB_FAILED,
	    502, 0 },
};

int
main(void)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct github_fetch f = { 0 };

		printf("# row at line %d\n", r->line);
		github_classify(&f,
		    &(struct github_reply){ r->transport_ok, r->timed_out,
			r->too_big, "Connection refused", r->status,
			r->remaining, r->retry_after, r->reset },
		    NOW);
		TAP_LONG(f.outcome, r->outcome);
		TAP_LONG(github_outcome_http_status(f.outcome), r->http);
		if (r->outcome == GITHUB_RATE_LIMITED)
			TAP_LONG(f.retry_after, r->retry);
		if (r->outcome != GITHUB_OK &&
		    r->outcome != GITHUB_NOT_MODIFIED)
			TAP_OK(f.err[0] != '\0');
	}

	/* rate-limit headers are kept for the metrics */
	{
		struct github_fetch f = { 0 };

		github_classify(&f,
		    &(struct github_reply){ true, false, false, NULL, 200,
			"4999", NULL, "1700003600" },
		    NOW);
		TAP_LONG(f.ratelimit_remaining, 4999);
		TAP_LONG(f.ratelimit_reset, 1700003600);
		github_classify(&f,
		    &(struct github_reply){ true, false, false, NULL, 200, NULL,
			NULL, NULL },
		    NOW);
		TAP_LONG(f.ratelimit_remaining, -1);
	}
	/* how long GitHub is not asked after an answer: an hour at most */
	{
		static const struct {
			int line;
			long status;
			const char *remaining, *retry_after, *reset;
			long block;
		} blocks[] = {
			{ __LINE__, 200, "59", NULL, "1700000120", 0 },
			{ __LINE__, 200, "0", NULL, "1700000120", 120 },
			{ __LINE__, 200, "0", NULL, "1700864000", 3600 },
			{ __LINE__, 200, "0", NULL, "1700003600", 3600 },
			{ __LINE__, 200, "0", NULL, "1700003601", 3600 },
			{ __LINE__, 200, "0", NULL, "1699999000", 0 },
			{ __LINE__, 200, "0", NULL, NULL, 0 },
			{ __LINE__, 304, "0", NULL, "99999999999", 3600 },
			{ __LINE__, 404, "0", NULL, "1700864000", 3600 },
			{ __LINE__, 403, "0", NULL, "1700864000", 3600 },
			{ __LINE__, 429, NULL, "864000", NULL, 3600 },
			{ __LINE__, 429, NULL, "42", NULL, 42 },
			{ __LINE__, 500, "0", NULL, "1700000060", 60 },
		};

		for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]);
		     i++) {
			struct github_fetch f = { 0 };

			printf("# block at line %d\n", blocks[i].line);
			github_classify(&f,
			    &(struct github_reply){ true, false, false, NULL,
				blocks[i].status, blocks[i].remaining,
				blocks[i].retry_after, blocks[i].reset },
			    NOW);
			TAP_LONG(github_block_seconds(&f, NOW),
			    blocks[i].block);
		}
	}
	TAP_STR(github_outcome_name(GITHUB_RATE_LIMITED), "rate_limited");
	return tap_done();
}

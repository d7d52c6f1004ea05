/*
 * GitHub's protocol: the request for one page of a user's gists (URL,
 * headers, token, If-None-Match) and what its answer means (status,
 * rate-limit headers, ETag, Link, body limit), run on the upstream loop.
 */
#ifndef GISTS_GITHUB_H
#define GISTS_GITHUB_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "config.h"
#include "etag.h"
#include "upstream.h"

#define GITHUB_ERR_LEN 256
#define GITHUB_BODY_MAX (10L * 1024 * 1024) /* one page, decoded */
#define GITHUB_PARALLEL 10 /* pages of one listing in flight at once */

enum github_outcome {
	GITHUB_OK, /* 200 with a body */
	GITHUB_NOT_MODIFIED, /* 304 to our If-None-Match */
	GITHUB_NOT_FOUND, /* 404: no such user */
	GITHUB_RATE_LIMITED, /* 403 with the limit spent, or 429 */
	GITHUB_FAILED, /* unreachable, 5xx, 401, other 4xx, ... */
	GITHUB_TIMEOUT, /* past GISTS_UPSTREAM_TIMEOUT */
};

/* One upstream page request and what came of it. */
struct github_fetch {
	/* in */
	const char *login; /* validated */
	long page;
	long per_page;
	const char *since; /* NULL, or validated YYYY-MM-DDTHH:MM:SSZ */
	const char *if_none_match; /* NULL, or an ETag GitHub gave */
	/* out */
	enum github_outcome outcome;
	long status; /* HTTP status; 0 when there was none */
	char *body; /* NUL-terminated; github_fetch_clear frees */
	size_t body_len;
	char etag[ETAG_MAX + 1]; /* "" when none or unusable */
	long next_page; /* from Link; 0 when none */
	long last_page; /* from Link; 0 when none */
	long retry_after; /* seconds, when rate limited */
	long ratelimit_remaining; /* -1 when GitHub did not say */
	long ratelimit_reset; /* epoch seconds; -1 when GitHub did not say */
	char err[GITHUB_ERR_LEN]; /* for the log, when not OK */
	/* for github_submit */
	void (*done)(struct github_fetch *f); /* on the loop thread */
	void *arg; /* the caller's */
	struct upstream_job job; /* on the upstream loop */
};

/* Process-wide set-up: base URL, token, timeout. */
int github_global_init(const struct config *cfg, char *err, size_t errlen);
void github_global_cleanup(void);

/*
 * Hand f (in-fields set, done set) to the upstream loop (started); any
 * thread. f stays yours but must live until f->done(f) is called, on the
 * loop thread, with the outcome filled in. done may submit more fetches.
 */
void github_submit(struct github_fetch *f);

/* Free what a fetch holds and reset its results. */
void github_fetch_clear(struct github_fetch *f);

/* What a finished transfer came to, as github_classify reads it. */
struct github_reply {
	bool transport_ok; /* false: transport_err says why */
	bool timed_out, too_big; /* the kind of a transport failure */
	const char *transport_err;
	long status; /* the HTTP status, when transport_ok */
	/* GitHub's rate-limit headers, NULL when absent */
	const char *remaining, *retry_after, *reset;
};

/*
 * Decide f's outcome from a finished transfer's reply, at now. Pure, for
 * tests.
 */
void github_classify(struct github_fetch *f, const struct github_reply *a,
    time_t now);

/*
 * Seconds not to ask GitHub after the classified fetch f (0: ask away):
 * its Retry-After when rate limited, or until X-RateLimit-Reset when it
 * spent the last request; at most an hour on every path. Pure, for tests.
 */
long github_block_seconds(const struct github_fetch *f, time_t now);

/* Our HTTP status for an error outcome (404, 503, 502, 504). */
int github_outcome_http_status(enum github_outcome outcome);

/* A short name of an outcome, for logs. */
const char *github_outcome_name(enum github_outcome outcome);

#endif

/* Fetching one listing from GitHub: a page, or every page of a user. */
#ifndef GISTS_FETCH_H
#define GISTS_FETCH_H

#include "config.h"
#include "github.h"
#include "listing.h"

enum fetch_result {
	FETCH_NEW, /* a new listing: the gists, or the user's 404 */
	FETCH_NOT_MODIFIED, /* GitHub confirmed prev (304 for every page) */
	FETCH_ERROR, /* no listing: status says what to answer */
};

struct fetch_outcome {
	enum fetch_result result;
	struct listing *listing; /* FETCH_NEW: one reference, yours */
	int status; /* FETCH_ERROR: 502, 503 or 504 */
	long retry_after; /* with 503: seconds */
	char detail[160]; /* FETCH_ERROR: for the client */
	char error[320]; /* FETCH_ERROR: for the log */
	long upstream_status; /* of the first or failing page; 0 */
	long long upstream_us; /* wall time waiting for GitHub */
	int upstream_requests;
};

/* A fetch is over: out is its outcome (out->listing is yours). */
typedef void (*fetch_done_fn)(void *arg, struct fetch_outcome *out);

/*
 * Fetch what key asks for, on the upstream loop; done(arg, out) is
 * called once, when it is over (on the loop thread, or at once on this
 * one when nothing is asked). prev is the listing the cache holds (a
 * reference fetch_start takes over) or NULL: every page is asked for
 * with If-None-Match, and pages GitHub confirms are taken from prev. A
 * full listing follows GitHub's Link header: the pages after the first
 * are fetched GITHUB_PARALLEL at a time (one by one along "next" when
 * there is no "last"), at most GISTS_MAX_PAGES of them and no more than
 * GISTS_MAX_LISTING_BYTES of compact JSON ("truncated" beyond); if any
 * page kept fails, the whole fetch fails. While GitHub's rate limit is
 * known to be spent, nothing is asked and the outcome is a 503.
 */
void fetch_start(const struct config *cfg, const struct listing_key *key,
    struct listing *prev, fetch_done_fn done, void *arg);

#endif

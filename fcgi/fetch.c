/* Upstream fetches of listings, conditional and concurrent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "fetch.h"
#include "gists.h"

#define FETCH_PER_PAGE 100 /* GitHub's largest page */

/* Make out a FETCH_ERROR for the failed page f. */
static void
fetch_fail(struct fetch_outcome *out, const struct github_fetch *f)
{
	out->result = FETCH_ERROR;
	out->status = github_outcome_http_status(f->outcome);
	out->upstream_status = f->status;
	snprintf(out->error, sizeof(out->error), "page %ld: %s", f->page,
	    f->err);
	switch (f->outcome) {
	case GITHUB_RATE_LIMITED:
		out->retry_after = f->retry_after;
		snprintf(out->detail, sizeof(out->detail),
		    "GitHub's rate limit is spent; try again in %ld seconds",
		    f->retry_after);
		break;
	case GITHUB_TIMEOUT:
		snprintf(out->detail, sizeof(out->detail),
		    "GitHub did not answer in time");
		break;
	default:
		if (f->status != 0)
			snprintf(out->detail, sizeof(out->detail),
			    "GitHub answered with HTTP status %ld", f->status);
		else
			snprintf(out->detail, sizeof(out->detail),
			    "GitHub could not be reached");
		break;
	}
}

/* Make out a 502 for a reply GitHub should not have sent. */
static void
fetch_fail_reply(struct fetch_outcome *out, long page, const char *why)
{
	out->result = FETCH_ERROR;
	out->status = 502;
	snprintf(out->detail, sizeof(out->detail),
	    "GitHub sent a reply that is not a gist list");
	snprintf(out->error, sizeof(out->error), "page %ld: %s", page, why);
}

static void
fetch_oom(struct fetch_outcome *out)
{
	out->result = FETCH_ERROR;
	out->status = 500;
	snprintf(out->detail, sizeof(out->detail), "out of memory");
	snprintf(out->error, sizeof(out->error), "out of memory");
}

/* A new listing saying GitHub does not know the user. */
static void
fetch_not_found(struct fetch_outcome *out)
{
	out->result = FETCH_NEW;
	if ((out->listing = listing_new(404, 0)) == NULL)
		fetch_oom(out);
}

/* Prepare the request for page (1-based) of key. */
static void
fetch_prepare(struct github_fetch *f, const struct listing_key *key, long page,
    long per_page, const struct listing *prev, size_t prev_i)
{
	memset(f, 0, sizeof(*f));
	f->outcome = GITHUB_FAILED; /* until it has run */
	f->login = key->login;
	f->page = page;
	f->per_page = per_page;
	f->since = key->q.since[0] != '\0' ? key->q.since : NULL;
	if (prev != NULL && prev->status == 200 && prev_i < prev->npages &&
	    prev->pages[prev_i].etag[0] != '\0')
		f->if_none_match = prev->pages[prev_i].etag;
}

/* Run fetches and account for them in out. */
static void
fetch_run(struct github_client *gh, struct github_fetch *f, size_t n,
    struct fetch_outcome *out)
{
	long long start = clock_us();

	github_fetch_run(gh, f, n);
	out->upstream_us += clock_us() - start;
	out->upstream_requests += (int)n;
	if (out->upstream_status == 0 && n > 0)
		out->upstream_status = f[0].status;
}

/*
 * Turn the fetched pages into out: NOT_MODIFIED when every page was
 * confirmed and there are as many as before, else a new listing made of
 * the new pages and prev's confirmed ones.
 */
static void
fetch_assemble(struct fetch_outcome *out, struct github_fetch *f, size_t n,
    const struct listing *prev, bool truncated)
{
	struct listing *l;
	bool all_confirmed = prev != NULL && prev->npages == n;
	char err[GISTS_ERR_LEN] = "";

	for (size_t i = 0; i < n; i++) {
		if (f[i].outcome == GITHUB_NOT_FOUND && i > 0) {
			fetch_fail_reply(out, f[i].page,
			    "404 for a later page");
			return;
		}
		if (f[i].outcome != GITHUB_OK &&
		    f[i].outcome != GITHUB_NOT_MODIFIED) {
			fetch_fail(out, &f[i]);
			return;
		}
		if (f[i].outcome == GITHUB_NOT_MODIFIED &&
		    (prev == NULL || i >= prev->npages ||
			f[i].if_none_match == NULL)) {
			fetch_fail_reply(out, f[i].page, "304 to no question");
			return;
		}
		if (f[i].outcome != GITHUB_NOT_MODIFIED)
			all_confirmed = false;
	}
	if (all_confirmed && prev->truncated == truncated) {
		out->result = FETCH_NOT_MODIFIED;
		return;
	}
	if ((l = listing_new(200, n)) == NULL)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		struct json_object *arr;

		if (f[i].outcome == GITHUB_NOT_MODIFIED) {
			if (listing_copy_page(l, i, prev, i) != 0)
				goto oom_l;
			continue;
		}
		arr = gists_from_github(f[i].body, f[i].body_len, err,
		    sizeof(err));
		if (arr == NULL) {
			listing_unref(l);
			fetch_fail_reply(out, f[i].page, err);
			return;
		}
		if (listing_set_page(l, i, arr, f[i].etag) != 0) {
			json_object_put(arr);
			goto oom_l;
		}
		json_object_put(arr);
	}
	l->truncated = truncated;
	out->result = FETCH_NEW;
	out->listing = l;
	return;
oom_l:
	listing_unref(l);
oom:
	fetch_oom(out);
}

/* One explicit page: ?page=N&per_page=M. */
static void
fetch_page(struct github_client *gh, const struct listing_key *key,
    const struct listing *prev, struct fetch_outcome *out)
{
	struct github_fetch f;

	fetch_prepare(&f, key, key->q.page, key->q.per_page, prev, 0);
	fetch_run(gh, &f, 1, out);
	if (f.outcome == GITHUB_NOT_FOUND)
		fetch_not_found(out);
	else {
		fetch_assemble(out, &f, 1, prev, false);
		/* the Link header says where this page stands */
		if (out->result == FETCH_NEW) {
			out->listing->next_page = f.next_page;
			out->listing->last_page = f.last_page;
		}
	}
	github_fetch_clear(&f);
}

/* Follow "next" one page at a time, for a reply without "last". */
static size_t
fetch_follow(struct github_client *gh, const struct listing_key *key,
    const struct listing *prev, struct github_fetch *f, size_t max,
    bool *truncated, struct fetch_outcome *out)
{
	size_t n = 1;

	/*
	 * A page goes on to the next when GitHub says there is one, or, for
	 * a page it confirmed (304, which may carry no Link), when the copy
	 * had one.
	 */
	while ((f[n - 1].outcome == GITHUB_OK && f[n - 1].next_page != 0) ||
	    (f[n - 1].outcome == GITHUB_NOT_MODIFIED &&
		(f[n - 1].next_page != 0 ||
		    (prev != NULL && n < prev->npages)))) {
		if (n == max) {
			*truncated = true;
			break;
		}
		fetch_prepare(&f[n], key, (long)n + 1, FETCH_PER_PAGE, prev, n);
		fetch_run(gh, &f[n], 1, out);
		n++;
	}
	return n;
}

/* Every page of a user's listing. */
static void
fetch_all(struct github_client *gh, const struct config *cfg,
    const struct listing_key *key, const struct listing *prev,
    struct fetch_outcome *out)
{
	size_t max = (size_t)cfg->max_pages, n = 1;
	struct github_fetch *f = calloc(max, sizeof(*f));
	bool truncated = false;
	long blocked;

	if (f == NULL) {
		fetch_oom(out);
		return;
	}
	fetch_prepare(&f[0], key, 1, FETCH_PER_PAGE, prev, 0);
	fetch_run(gh, &f[0], 1, out);
	if (f[0].outcome == GITHUB_NOT_FOUND) {
		fetch_not_found(out);
		goto done;
	}
	if (f[0].outcome != GITHUB_OK && f[0].outcome != GITHUB_NOT_MODIFIED) {
		fetch_fail(out, &f[0]);
		goto done;
	}
	if (f[0].outcome == GITHUB_NOT_MODIFIED && f[0].if_none_match == NULL) {
		fetch_fail_reply(out, 1, "304 to no question");
		goto done;
	}

	/*
	 * How many pages: GitHub's "last"; without one, follow "next"; a
	 * 304 without a Link header keeps as many as the copy has.
	 */
	if (f[0].last_page == 0 && f[0].next_page != 0) {
		n = fetch_follow(gh, key, prev, f, max, &truncated, out);
	} else {
		long last = f[0].last_page != 0 ? f[0].last_page
		    : f[0].outcome == GITHUB_OK ? 1
		    : prev != NULL              ? (long)prev->npages
						: 1;

		if (f[0].outcome == GITHUB_NOT_MODIFIED && prev != NULL)
			truncated = prev->truncated;
		if (last > (long)max) {
			last = (long)max;
			truncated = true;
		}
		n = (size_t)last;
		if (n > 1 && (blocked = github_blocked_for()) > 0) {
			f[0].outcome = GITHUB_RATE_LIMITED;
			f[0].retry_after = blocked;
			fetch_fail(out, &f[0]);
			goto done;
		}
		for (size_t i = 1; i < n; i++)
			fetch_prepare(&f[i], key, (long)i + 1, FETCH_PER_PAGE,
			    prev, i);
		if (n > 1)
			fetch_run(gh, &f[1], n - 1, out);
	}
	fetch_assemble(out, f, n, prev, truncated);
done:
	for (size_t i = 0; i < max; i++)
		github_fetch_clear(&f[i]);
	free(f);
}

void
fetch_listing(struct github_client *gh, const struct config *cfg,
    const struct listing_key *key, const struct listing *prev,
    struct fetch_outcome *out)
{
	long blocked = github_blocked_for();

	memset(out, 0, sizeof(*out));
	if (blocked > 0) {
		out->result = FETCH_ERROR;
		out->status = 503;
		out->retry_after = blocked;
		snprintf(out->detail, sizeof(out->detail),
		    "GitHub's rate limit is spent; try again in %ld seconds",
		    blocked);
		snprintf(out->error, sizeof(out->error),
		    "not asking GitHub: rate limited for %ld more seconds",
		    blocked);
		return;
	}
	if (key->q.paged)
		fetch_page(gh, key, prev, out);
	else
		fetch_all(gh, cfg, key, prev, out);
	if (out->result == FETCH_NEW && out->listing != NULL)
		listing_seal(out->listing);
}

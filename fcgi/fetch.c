/*
 * Upstream fetches of listings, conditional and concurrent, as state
 * machines driven by the upstream loop: each page's completion decides
 * what to ask next.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "budget.h"
#include "clock.h"
#include "fetch.h"
#include "gists.h"
#include "log.h"
#include "metrics.h"
#include "ratelimit.h"

#define FETCH_PER_PAGE 100 /* GitHub's largest page */

/*
 * Seconds before pages more requests may be sent (0: now): the block
 * after a rate limit, or 1 while the budget left is spoken for by
 * requests in flight (their answers may give some back). GitHub is
 * never sent a request it would refuse.
 */
static long
fetch_refused_for(long pages)
{
	long blocked = ratelimit_blocked_for();

	if (blocked > 0)
		return blocked;
	return budget_available(time(NULL)) >= pages ? 0 : 1;
}

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
		ratelimit_detail(out->detail, sizeof(out->detail),
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

/* One listing being fetched; lives from fetch_start to its done. */
struct fetch_job {
	struct listing_key key;
	const struct config *cfg;
	struct listing *prev; /* the cache's copy, or NULL */
	fetch_done_fn done;
	void *arg;
	struct fetch_outcome out;
	struct github_fetch *f; /* max of them */
	struct listing *l; /* the pages kept so far, compact */
	size_t max; /* pages this listing may have */
	size_t n; /* pages it has, as far as known */
	size_t next; /* the next page to ask for */
	size_t inflight;
	size_t bytes; /* compact JSON kept so far */
	size_t largest; /* the largest page kept so far */
	size_t failed_at; /* the first page that failed; max when none */
	struct fetch_outcome failure; /* what that page came to */
	bool follow; /* no "last": one page at a time along "next" */
	bool truncated;
	long long start_us;
};

static void fetch_page_done(struct github_fetch *f);

/* Hand page i (0-based) of the listing to the loop. */
static void
fetch_ask(struct fetch_job *j, size_t i)
{
	struct github_fetch *f = &j->f[i];

	fetch_prepare(f, &j->key, (long)i + 1,
	    j->key.q.paged ? j->key.q.per_page : FETCH_PER_PAGE, j->prev, i);
	if (j->key.q.paged)
		f->page = j->key.q.page;
	f->done = fetch_page_done;
	f->arg = j;
	j->inflight++;
	github_submit(f);
}

/* Remember the first page (in order) that made the fetch fail. */
static void
fetch_failed(struct fetch_job *j, size_t i, const struct github_fetch *f,
    const char *reply_err)
{
	if (i >= j->failed_at)
		return;
	j->failed_at = i;
	memset(&j->failure, 0, sizeof(j->failure));
	if (reply_err != NULL)
		fetch_fail_reply(&j->failure, f->page, reply_err);
	else
		fetch_fail(&j->failure, f);
}

/*
 * Keep what page i brought: its gists in compact form (the raw body and
 * its parse tree go at once, so a listing holds about its compact size),
 * or the copy's page GitHub confirmed; or note why the fetch fails.
 */
static void
fetch_keep(struct fetch_job *j, size_t i)
{
	struct github_fetch *f = &j->f[i];
	char err[GISTS_ERR_LEN] = "";
	struct json_object *arr;

	switch (f->outcome) {
	case GITHUB_OK:
		arr = gists_from_github(f->body, f->body_len, err, sizeof(err));
		free(f->body);
		f->body = NULL;
		f->body_len = 0;
		if (arr == NULL) {
			fetch_failed(j, i, f, err);
			return;
		}
		if (listing_set_page(j->l, i, arr, f->etag) != 0)
			fetch_failed(j, i, f, "out of memory");
		json_object_put(arr);
		break;
	case GITHUB_NOT_MODIFIED:
		if (j->prev == NULL || j->prev->status != 200 ||
		    i >= j->prev->npages || f->if_none_match == NULL) {
			fetch_failed(j, i, f, "304 to no question");
			return;
		}
		if (listing_copy_page(j->l, i, j->prev, i) != 0)
			fetch_failed(j, i, f, "out of memory");
		break;
	case GITHUB_NOT_FOUND:
		/* the user's 404 on page 1 is an answer, not a failure */
		if (i > 0)
			fetch_failed(j, i, f, "404 for a later page");
		return;
	default:
		fetch_failed(j, i, f, NULL);
		return;
	}
	j->bytes += j->l->pages[i].len;
	if (j->l->pages[i].len > j->largest)
		j->largest = j->l->pages[i].len;
}

/* After page 1 of a full listing: how many pages, and how to ask. */
static void
fetch_size(struct fetch_job *j)
{
	const struct github_fetch *f = &j->f[0];
	long last, blocked;

	j->n = 1;
	if (f->outcome != GITHUB_OK && f->outcome != GITHUB_NOT_MODIFIED)
		return;
	/*
	 * GitHub's "last"; without one, follow "next"; a 304 without a Link
	 * header keeps as many as the copy has.
	 */
	if (f->last_page == 0 && f->next_page != 0) {
		j->follow = true;
		return;
	}
	last = f->last_page != 0      ? f->last_page
	    : f->outcome == GITHUB_OK ? 1
	    : j->prev != NULL         ? (long)j->prev->npages
				      : 1;
	if (f->outcome == GITHUB_NOT_MODIFIED && j->prev != NULL)
		j->truncated = j->prev->truncated;
	if (last > (long)j->max) {
		last = (long)j->max;
		j->truncated = true;
	}
	j->n = (size_t)last;
	if (j->n > 1 && (blocked = fetch_refused_for((long)j->n - 1)) > 0) {
		struct github_fetch limited = *f;

		limited.outcome = GITHUB_RATE_LIMITED;
		limited.retry_after = blocked;
		fetch_failed(j, 0, &limited, NULL);
	}
}

/* Whether followed page i says there is one after it. */
static bool
fetch_has_next(const struct fetch_job *j, size_t i)
{
	const struct github_fetch *f = &j->f[i];

	/*
	 * When GitHub says so, or, for a page it confirmed (304, which may
	 * carry no Link), when the copy had one.
	 */
	return (f->outcome == GITHUB_OK && f->next_page != 0) ||
	    (f->outcome == GITHUB_NOT_MODIFIED &&
		(f->next_page != 0 ||
		    (j->prev != NULL && i + 1 < j->prev->npages)));
}

/* Ask for more pages while the listing may still grow. */
static void
fetch_pump(struct fetch_job *j, size_t done_i)
{
	if (j->failed_at != j->max ||
	    (long long)j->bytes > j->cfg->max_listing_bytes)
		return; /* it fails, or is cut: no more pages */
	if (j->follow) {
		if (done_i + 1 != j->n || !fetch_has_next(j, done_i))
			return;
		if (j->n == j->max) {
			j->truncated = true;
			return;
		}
		j->next = j->n++;
		fetch_ask(j, j->next++);
		return;
	}
	/*
	 * No more pages in flight than the bound has room for, at the size
	 * of the largest page so far: a listing of huge pages is fetched a
	 * few at a time, and memory stays a small multiple of the bound.
	 */
	while (j->inflight < GITHUB_PARALLEL && j->next < j->n &&
	    (j->inflight == 0 ||
		(long long)(j->inflight + 1) * (long long)j->largest <=
		    j->cfg->max_listing_bytes - (long long)j->bytes))
		fetch_ask(j, j->next++);
}

/* Cut the listing before the page whose bytes cross the bound. */
static void
fetch_cut(struct fetch_job *j)
{
	size_t sum = 0, i = 0, had = j->n;

	if ((long long)j->bytes <= j->cfg->max_listing_bytes)
		return;
	for (; i < j->n; i++) {
		sum += j->l->pages[i].len;
		if ((long long)sum > j->cfg->max_listing_bytes)
			break;
	}
	j->n = i;
	j->truncated = true;
	metrics_listing_cut();
	log_msg(LOG_LEVEL_WARN,
	    "listing %s cut to %zu of %zu pages: more than "
	    "GISTS_MAX_LISTING_BYTES=%ld bytes",
	    j->key.login, i, had, j->cfg->max_listing_bytes);
}

/* Every page is in: make the outcome and hand it over. */
static void
fetch_finish(struct fetch_job *j)
{
	struct fetch_outcome *out = &j->out;
	bool all_confirmed;

	out->upstream_us = clock_us() - j->start_us;
	if (j->f[0].outcome == GITHUB_NOT_FOUND) {
		fetch_not_found(out);
		goto done;
	}
	fetch_cut(j);
	if (j->failed_at < j->n) {
		long long us = out->upstream_us;
		int requests = out->upstream_requests;

		*out = j->failure;
		out->upstream_us = us;
		out->upstream_requests = requests;
		if (out->upstream_status == 0)
			out->upstream_status = j->f[0].status;
		goto done;
	}
	all_confirmed = j->prev != NULL && j->prev->npages == j->n &&
	    j->prev->truncated == j->truncated;
	for (size_t i = 0; i < j->n && all_confirmed; i++)
		all_confirmed = j->f[i].outcome == GITHUB_NOT_MODIFIED;
	if (all_confirmed) {
		out->result = FETCH_NOT_MODIFIED;
		goto done;
	}
	listing_truncate(j->l, j->n);
	j->l->truncated = j->truncated;
	if (j->key.q.paged) {
		/* the Link header says where this page stands */
		j->l->next_page = j->f[0].next_page;
		j->l->last_page = j->f[0].last_page;
	}
	listing_seal(j->l);
	out->result = FETCH_NEW;
	out->listing = j->l;
	j->l = NULL;
done:
	j->done(j->arg, out);
	listing_unref(j->l);
	listing_unref(j->prev);
	for (size_t i = 0; i < j->max; i++)
		github_fetch_clear(&j->f[i]);
	free(j->f);
	free(j);
}

/* The loop finished one page of j. */
static void
fetch_page_done(struct github_fetch *f)
{
	struct fetch_job *j = f->arg;
	size_t i = (size_t)(f - j->f);

	j->inflight--;
	j->out.upstream_requests++;
	if (i == 0)
		j->out.upstream_status = f->status;
	fetch_keep(j, i);
	if (i == 0 && !j->key.q.paged)
		fetch_size(j);
	if (!j->key.q.paged && j->failed_at == j->max)
		fetch_pump(j, i);
	if (j->inflight == 0)
		fetch_finish(j);
}

void
fetch_start(const struct config *cfg, const struct listing_key *key,
    struct listing *prev, fetch_done_fn done, void *arg)
{
	long blocked = fetch_refused_for(1);
	struct fetch_job *j = calloc(1, sizeof(*j));
	size_t max = key->q.paged ? 1 : (size_t)cfg->max_pages;

	if (j == NULL || (j->f = calloc(max, sizeof(*j->f))) == NULL ||
	    (j->l = listing_new(200, max)) == NULL) {
		struct fetch_outcome out;

		if (j != NULL)
			free(j->f);
		free(j);
		memset(&out, 0, sizeof(out));
		fetch_oom(&out);
		done(arg, &out);
		listing_unref(prev);
		return;
	}
	j->key = *key;
	j->cfg = cfg;
	j->prev = prev;
	j->done = done;
	j->arg = arg;
	j->max = j->failed_at = max;
	j->n = 1;
	j->start_us = clock_us();
	if (blocked > 0) {
		struct fetch_outcome *out = &j->out;

		out->result = FETCH_ERROR;
		out->status = 503;
		out->retry_after = blocked;
		ratelimit_detail(out->detail, sizeof(out->detail), blocked);
		snprintf(out->error, sizeof(out->error),
		    "not asking GitHub: rate limited for %ld more seconds "
		    "(%ld requests of its budget left, in flight counted)",
		    blocked, budget_available(time(NULL)));
		j->done(j->arg, out);
		listing_unref(j->l);
		listing_unref(j->prev);
		free(j->f);
		free(j);
		return;
	}
	j->next = 1;
	fetch_ask(j, 0);
}

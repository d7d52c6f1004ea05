/* GitHub's protocol for GET /users/{user}/gists, on the upstream loop. */
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "budget.h"
#include "clock.h"
#include "etag.h"
#include "github.h"
#include "link.h"
#include "log.h"
#include "parse.h"
#include "ratelimit.h"
#include "upstream.h"

#define GITHUB_USER_AGENT "gists/" PACKAGE_VERSION
#define GITHUB_RETRY_DEFAULT 60
#define GITHUB_RETRY_MAX 3600 /* GitHub's limits reset hourly */

static struct {
	char *api_url;
	char *auth_header; /* "Authorization: Bearer ..."; never logged */
	long timeout_ms;
} github;

int
github_global_init(const struct config *cfg, char *err, size_t errlen)
{
	struct budget_conf bc = { cfg->budget_window, cfg->budget_reserve,
		cfg->token != NULL };

	budget_init(&bc);
	github.timeout_ms = cfg->upstream_timeout * 1000;
	if ((github.api_url = strdup(cfg->api_url)) == NULL)
		goto oom;
	if (cfg->token != NULL) {
		size_t len =
		    strlen(cfg->token) + sizeof("Authorization: Bearer ");

		if ((github.auth_header = malloc(len)) == NULL)
			goto oom;
		snprintf(github.auth_header, len, "Authorization: Bearer %s",
		    cfg->token);
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

void
github_global_cleanup(void)
{
	free(github.api_url);
	free(github.auth_header);
	memset(&github, 0, sizeof(github));
}

/* The fetch a loop job belongs to. */
static struct github_fetch *
github_of(struct upstream_job *j)
{
	return (struct github_fetch *)(void *)((char *)j -
	    offsetof(struct github_fetch, job));
}

void
github_fetch_clear(struct github_fetch *f)
{
	free(f->body);
	f->body = NULL;
	f->body_len = 0;
	f->outcome = GITHUB_FAILED;
	f->status = 0;
	f->etag[0] = '\0';
	f->next_page = f->last_page = 0;
	f->retry_after = 0;
	f->ratelimit_remaining = f->ratelimit_reset = -1;
	f->err[0] = '\0';
}

/* Build the request headers of one fetch. */
static struct curl_slist *
github_headers(const struct github_fetch *f)
{
	const char *lines[4];
	struct curl_slist *list = NULL;
	char inm[ETAG_MAX + 32];
	size_t n = 0;

	lines[n++] = "Accept: application/vnd.github+json";
	lines[n++] = "X-GitHub-Api-Version: 2022-11-28";
	if (github.auth_header != NULL)
		lines[n++] = github.auth_header;
	if (f->if_none_match != NULL && f->if_none_match[0] != '\0') {
		snprintf(inm, sizeof(inm), "If-None-Match: %s",
		    f->if_none_match);
		lines[n++] = inm;
	}
	for (size_t i = 0; i < n; i++) {
		struct curl_slist *l = curl_slist_append(list, lines[i]);

		if (l == NULL) {
			curl_slist_free_all(list);
			return NULL;
		}
		list = l;
	}
	return list;
}

/* The loop's prepare hook: the URL, user agent and headers of one page. */
static const char *
github_prepare(struct upstream_job *j, CURL *easy, struct curl_slist **headers)
{
	struct github_fetch *f = github_of(j);
	char url[2048];
	int n;

	github_fetch_clear(f);
	n = snprintf(url, sizeof(url),
	    "%s/users/%s/gists?per_page=%ld&page=%ld%s%s", github.api_url,
	    f->login, f->per_page, f->page, f->since != NULL ? "&since=" : "",
	    f->since != NULL ? f->since : "");
	if (n < 0 || (size_t)n >= sizeof(url))
		return "upstream URL too long";
	if ((*headers = github_headers(f)) == NULL)
		return "out of memory";
	if (curl_easy_setopt(easy, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_USERAGENT, GITHUB_USER_AGENT) !=
		CURLE_OK)
		return "curl set-up failed";
	return NULL;
}

/* A response header's value, or NULL. */
static const char *
github_header(CURL *easy, const char *name)
{
	struct curl_header *h;

	if (curl_easy_header(easy, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
		return NULL;
	return h->value;
}

/* Keep an ETag only if it is a well-formed (weak or strong) entity tag. */
static void
github_keep_etag(struct github_fetch *f, const char *v)
{
	if (v != NULL && etag_valid(v, strlen(v)))
		memcpy(f->etag, v, strlen(v) + 1);
}

/* A whole number of digits only, at most 12 of them, or -1. */
static long
github_number(const char *s)
{
	long long n;

	if (s == NULL || strlen(s) > 12 ||
	    !parse_number(s, strlen(s), 0, 999999999999LL, &n))
		return -1;
	return (long)n;
}

void
github_classify(struct github_fetch *f, const struct github_reply *a,
    time_t now)
{
	long retry = github_number(a->retry_after);
	long status = a->status;

	f->status = status;
	f->ratelimit_remaining = github_number(a->remaining);
	f->ratelimit_reset = github_number(a->reset);
	if (!a->transport_ok) {
		if (a->too_big) {
			f->outcome = GITHUB_FAILED;
			snprintf(f->err, sizeof(f->err),
			    "GitHub's reply is "
			    "larger than %ld bytes",
			    GITHUB_BODY_MAX);
		} else if (a->timed_out) {
			f->outcome = GITHUB_TIMEOUT;
			snprintf(f->err, sizeof(f->err),
			    "GitHub did not "
			    "answer in time: %s",
			    a->transport_err);
		} else {
			f->outcome = GITHUB_FAILED;
			snprintf(f->err, sizeof(f->err),
			    "GitHub could not be "
			    "reached: %s",
			    a->transport_err);
		}
		return;
	}
	if (status == 200) {
		f->outcome = GITHUB_OK;
		return;
	}
	if (status == 304) {
		f->outcome = GITHUB_NOT_MODIFIED;
		return;
	}
	if (status == 404) {
		f->outcome = GITHUB_NOT_FOUND;
		snprintf(f->err, sizeof(f->err), "GitHub answered 404");
		return;
	}
	/*
	 * The primary limit is 403 with the remainder at 0; secondary limits
	 * are 403 or 429 with Retry-After.
	 */
	if (status == 429 ||
	    (status == 403 && (f->ratelimit_remaining == 0 || retry >= 0))) {
		f->outcome = GITHUB_RATE_LIMITED;
		if (retry < 0 && f->ratelimit_reset >= 0)
			retry = f->ratelimit_reset - (long)now;
		if (retry < 0 && f->ratelimit_reset < 0)
			retry = GITHUB_RETRY_DEFAULT;
		if (retry < 1)
			retry = 1;
		if (retry > GITHUB_RETRY_MAX)
			retry = GITHUB_RETRY_MAX;
		f->retry_after = retry;
		snprintf(f->err, sizeof(f->err),
		    "GitHub rate limit: HTTP %ld, "
		    "retry in %ld s",
		    status, retry);
		return;
	}
	f->outcome = GITHUB_FAILED;
	if (status == 401)
		snprintf(f->err, sizeof(f->err),
		    "GitHub answered 401: "
		    "the token was refused");
	else
		snprintf(f->err, sizeof(f->err), "GitHub answered %ld", status);
}

long
github_block_seconds(const struct github_fetch *f, time_t now)
{
	long left;

	if (f->outcome == GITHUB_RATE_LIMITED)
		return f->retry_after; /* capped by github_classify */
	if (f->ratelimit_remaining != 0 || f->ratelimit_reset <= 0)
		return 0;
	left = f->ratelimit_reset - (long)now;
	if (left < 0)
		return 0;
	return left > GITHUB_RETRY_MAX ? GITHUB_RETRY_MAX : left;
}

/*
 * A reset more than an hour off, when we wait for it, means a clock (ours
 * or GitHub's) is wrong: say so once, not on every answer.
 */
static void
github_check_reset(const struct github_fetch *f, time_t now)
{
	static atomic_bool logged;
	long left = f->ratelimit_reset - (long)now;

	if (f->ratelimit_reset <= 0 || left <= GITHUB_RETRY_MAX ||
	    (f->outcome != GITHUB_RATE_LIMITED && f->ratelimit_remaining != 0))
		return;
	if (!atomic_exchange(&logged, true))
		log_msg(LOG_LEVEL_WARN,
		    "GitHub's X-RateLimit-Reset is %ld s away, more than an "
		    "hour: is a clock wrong? waiting %d s at most (logged "
		    "once)",
		    left, GITHUB_RETRY_MAX);
}

/* Read a finished transfer's answer into f: the rate limit, ETag, Link. */
static void
github_read(struct github_fetch *f, const struct upstream_result *r)
{
	struct github_reply reply = { r->rc == CURLE_OK,
		r->rc == CURLE_OPERATION_TIMEDOUT, r->too_big, r->err, 0, NULL,
		NULL, NULL };
	time_t now = time(NULL);

	if (r->rc == CURLE_OK) {
		reply.status = r->status;
		reply.remaining =
		    github_header(r->easy, "X-RateLimit-Remaining");
		reply.retry_after = github_header(r->easy, "Retry-After");
		reply.reset = github_header(r->easy, "X-RateLimit-Reset");
	}
	github_classify(f, &reply, now);
	budget_answered(&(struct budget_answer){ reply.status,
	    f->ratelimit_remaining, f->ratelimit_reset,
	    r->rc == CURLE_OK
		? github_number(github_header(r->easy, "X-RateLimit-Limit"))
		: -1 });
	/* rate limited, or that was the last request until the reset */
	github_check_reset(f, now);
	ratelimit_block(github_block_seconds(f, now));
	if (r->rc == CURLE_OK) {
		const char *link = github_header(r->easy, "Link");

		github_keep_etag(f, github_header(r->easy, "ETag"));
		f->next_page = link_find_page(link, "next");
		f->last_page = link_find_page(link, "last");
	}
}

/* The loop's finish hook: classify the answer, take the body, tell done. */
static void
github_finished(struct upstream_job *j, struct upstream_result *r)
{
	struct github_fetch *f = github_of(j);

	if (r->easy == NULL) { /* it never started */
		budget_answered(&(struct budget_answer){ 0, -1, -1, -1 });
		github_fetch_clear(f);
		snprintf(f->err, sizeof(f->err), "%s", r->err);
		f->done(f);
		return;
	}
	github_read(f, r);
	if (f->outcome == GITHUB_OK) {
		/* Take the buffer; the loop's slot grows a new one. */
		f->body = r->body;
		f->body_len = r->body_len;
		r->body = NULL;
		if (f->body == NULL && (f->body = strdup("")) == NULL) {
			f->outcome = GITHUB_FAILED;
			snprintf(f->err, sizeof(f->err), "out of memory");
		}
	}
	f->done(f); /* may submit more fetches */
}

void
github_submit(struct github_fetch *f)
{
	f->job.prepare = github_prepare;
	f->job.finish = github_finished;
	f->job.timeout_ms = github.timeout_ms;
	f->job.body_max = GITHUB_BODY_MAX;
	budget_sent(); /* spent until its answer says otherwise */
	upstream_submit(&f->job);
}

int
github_outcome_http_status(enum github_outcome outcome)
{
	switch (outcome) {
	case GITHUB_NOT_FOUND:
		return 404;
	case GITHUB_RATE_LIMITED:
		return 503;
	case GITHUB_TIMEOUT:
		return 504;
	case GITHUB_OK:
	case GITHUB_NOT_MODIFIED:
		return 200;
	case GITHUB_FAILED:
		break;
	}
	return 502;
}

const char *
github_outcome_name(enum github_outcome outcome)
{
	static const char *const names[] = {
		"ok",
		"not_modified",
		"not_found",
		"rate_limited",
		"failed",
		"timeout",
	};

	return names[outcome];
}

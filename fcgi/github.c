/* libcurl client for GET /users/{user}/gists, with keep-alive and HTTP/2. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "clock.h"
#include "etag.h"
#include "github.h"
#include "link.h"
#include "log.h"
#include "metrics.h"
#include "parse.h"
#include "ratelimit.h"

#define GITHUB_USER_AGENT "gists/" PACKAGE_VERSION
#define GITHUB_RETRY_DEFAULT 60
#define GITHUB_RETRY_MAX 3600 /* GitHub's limits reset hourly */

/* One transfer: an easy handle (reused) and its buffers. */
struct github_xfer {
	struct github_xfer *next_idle;
	CURL *easy;
	struct github_fetch *fetch; /* NULL when idle */
	struct curl_slist *headers;
	char *buf;
	size_t len, cap;
	bool too_big;
	char errbuf[CURL_ERROR_SIZE];
};

#define GITHUB_IDLE_MAX 64 /* easy handles kept for reuse */

/*
 * The loop: one thread, one multi handle (so one connection cache, used
 * by that thread only) running every upstream transfer. Other threads
 * hand it fetches through a queue and curl_multi_wakeup.
 */
static struct {
	pthread_t thread;
	bool started;
	CURLM *multi;
	pthread_mutex_t lock; /* queue, stopping */
	STAILQ_HEAD(github_queue, github_fetch) queue;
	bool stopping;
	/* the loop thread's own */
	struct github_xfer *idle;
	int nidle;
	long active;
} github_loop = { .queue = STAILQ_HEAD_INITIALIZER(github_loop.queue) };

static struct {
	CURLSH *share;
	pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
	char *api_url;
	char *auth_header; /* "Authorization: Bearer ..."; never logged */
	long timeout_ms;
} github;

static void
github_lock(CURL *easy, curl_lock_data data, curl_lock_access access,
    void *userp)
{
	(void)easy;
	(void)access;
	(void)userp;
	pthread_mutex_lock(&github.locks[data]);
}

static void
github_unlock(CURL *easy, curl_lock_data data, void *userp)
{
	(void)easy;
	(void)userp;
	pthread_mutex_unlock(&github.locks[data]);
}

int
github_global_init(const struct config *cfg, char *err, size_t errlen)
{
	CURLSHcode sc = CURLSHE_OK;

	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&github.locks[i], NULL);
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
	/*
	 * Threads share DNS and TLS sessions (a new connection resumes the
	 * session: no full handshake). Not connections: libcurl does not
	 * support sharing those between concurrent threads (its KNOWN_BUGS,
	 * "A shared connection cache is not thread-safe"); each thread's multi
	 * handle keeps its own warm.
	 */
	if ((github.share = curl_share_init()) == NULL)
		goto oom;
	sc |= curl_share_setopt(github.share, CURLSHOPT_LOCKFUNC, github_lock);
	sc |= curl_share_setopt(github.share, CURLSHOPT_UNLOCKFUNC,
	    github_unlock);
	sc |= curl_share_setopt(github.share, CURLSHOPT_SHARE,
	    CURL_LOCK_DATA_DNS);
	sc |= curl_share_setopt(github.share, CURLSHOPT_SHARE,
	    CURL_LOCK_DATA_SSL_SESSION);
	if (sc != CURLSHE_OK) {
		snprintf(err, errlen, "curl share set-up failed");
		return -1;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

void
github_global_cleanup(void)
{
	if (github.share != NULL)
		curl_share_cleanup(github.share);
	free(github.api_url);
	free(github.auth_header);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&github.locks[i]);
	memset(&github, 0, sizeof(github));
}

/* Append to the transfer's buffer, refusing more than GITHUB_BODY_MAX. */
static size_t
github_write(char *data, size_t size, size_t nmemb, void *userp)
{
	struct github_xfer *x = userp;
	size_t n = size * nmemb;

	if (n > (size_t)GITHUB_BODY_MAX - x->len) {
		x->too_big = true;
		return 0; /* aborts the transfer */
	}
	if (x->len + n + 1 > x->cap) {
		curl_off_t expect = -1;
		size_t cap = x->cap != 0 ? x->cap : 16384;
		char *p;

		/* the whole body at once when GitHub says how long it is */
		curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
		    &expect);
		if (expect > 0 && expect < GITHUB_BODY_MAX &&
		    (size_t)expect + 1 > cap)
			cap = (size_t)expect + 1;
		while (cap < x->len + n + 1)
			cap *= 2;
		if ((p = realloc(x->buf, cap)) == NULL)
			return 0;
		x->buf = p;
		x->cap = cap;
	}
	memcpy(x->buf + x->len, data, n);
	x->len += n;
	x->buf[x->len] = '\0';
	return n;
}

/* Set the options that never change on a slot's easy handle. */
static CURL *
github_easy_new(struct github_xfer *x)
{
	CURL *e = curl_easy_init();
	CURLcode rc = CURLE_OK;

	if (e == NULL)
		return NULL;
	rc |= curl_easy_setopt(e, CURLOPT_SHARE, github.share);
	rc |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	rc |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	rc |= curl_easy_setopt(e, CURLOPT_USERAGENT, GITHUB_USER_AGENT);
	rc |= curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	rc |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, github.timeout_ms);
	rc |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, github.timeout_ms);
	rc |= curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)GITHUB_BODY_MAX);
	rc |= curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	/* Verification is libcurl's default; say so, and never turn it off. */
	rc |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	rc |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	rc |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, github_write);
	rc |= curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	rc |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	rc |= curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	if (rc != CURLE_OK) {
		curl_easy_cleanup(e);
		return NULL;
	}
	return e;
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

/* Start one fetch on an idle slot; on failure the fetch is FAILED. */
static bool
github_start(struct github_xfer *x, struct github_fetch *f)
{
	char url[2048];
	int n;

	github_fetch_clear(f);
	n = snprintf(url, sizeof(url),
	    "%s/users/%s/gists?per_page=%ld&page=%ld%s%s", github.api_url,
	    f->login, f->per_page, f->page, f->since != NULL ? "&since=" : "",
	    f->since != NULL ? f->since : "");
	if (n < 0 || (size_t)n >= sizeof(url)) {
		snprintf(f->err, sizeof(f->err), "upstream URL too long");
		return false;
	}
	if (x->easy == NULL && (x->easy = github_easy_new(x)) == NULL) {
		snprintf(f->err, sizeof(f->err), "curl set-up failed");
		return false;
	}
	if ((x->headers = github_headers(f)) == NULL) {
		snprintf(f->err, sizeof(f->err), "out of memory");
		return false;
	}
	x->len = 0;
	if (x->buf != NULL)
		x->buf[0] = '\0'; /* an empty body is "", not old bytes */
	x->too_big = false;
	x->errbuf[0] = '\0';
	x->fetch = f;
	if (curl_easy_setopt(x->easy, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->headers) !=
		CURLE_OK ||
	    curl_multi_add_handle(github_loop.multi, x->easy) != CURLM_OK) {
		curl_slist_free_all(x->headers);
		x->headers = NULL;
		x->fetch = NULL;
		snprintf(f->err, sizeof(f->err), "curl set-up failed");
		return false;
	}
	return true;
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

/* Record what came of a finished transfer and free the slot. */
static void
github_finish(struct github_xfer *x, CURLcode rc)
{
	struct github_fetch *f = x->fetch;
	long status = 0;
	curl_off_t usec = 0;
	struct github_reply reply = { rc == CURLE_OK,
		rc == CURLE_OPERATION_TIMEDOUT,
		x->too_big || rc == CURLE_FILESIZE_EXCEEDED,
		x->errbuf[0] != '\0' ? x->errbuf : curl_easy_strerror(rc), 0,
		NULL, NULL, NULL };

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(x->easy, CURLINFO_TOTAL_TIME_T, &usec);
	if (rc == CURLE_OK) {
		reply.status = status;
		reply.remaining =
		    github_header(x->easy, "X-RateLimit-Remaining");
		reply.retry_after = github_header(x->easy, "Retry-After");
		reply.reset = github_header(x->easy, "X-RateLimit-Reset");
	}
	github_classify(f, &reply, time(NULL));
	metrics_upstream(f->status, (long)usec);
	ratelimit_seen(f->ratelimit_remaining, f->ratelimit_reset,
	    rc == CURLE_OK
		? github_number(github_header(x->easy, "X-RateLimit-Limit"))
		: -1);
	/* rate limited, or that was the last request until the reset */
	github_check_reset(f, time(NULL));
	ratelimit_block(github_block_seconds(f, time(NULL)));
	if (rc == CURLE_OK) {
		const char *link = github_header(x->easy, "Link");

		github_keep_etag(f, github_header(x->easy, "ETag"));
		f->next_page = link_find_page(link, "next");
		f->last_page = link_find_page(link, "last");
	}
	if (f->outcome == GITHUB_OK) {
		/* Hand the buffer over; the slot grows a new one. */
		f->body = x->buf;
		f->body_len = x->len;
		if (f->body == NULL && (f->body = strdup("")) == NULL) {
			f->outcome = GITHUB_FAILED;
			snprintf(f->err, sizeof(f->err), "out of memory");
		}
		x->buf = NULL;
		x->cap = 0;
	}
	x->len = 0;
	curl_multi_remove_handle(github_loop.multi, x->easy);
	curl_slist_free_all(x->headers);
	x->headers = NULL;
	x->fetch = NULL;
}

/* A transfer slot: an idle one, or a new one; NULL when out of memory. */
static struct github_xfer *
github_xfer_get(void)
{
	struct github_xfer *x = github_loop.idle;

	if (x != NULL) {
		github_loop.idle = x->next_idle;
		github_loop.nidle--;
		return x;
	}
	return calloc(1, sizeof(*x));
}

static void
github_xfer_free(struct github_xfer *x)
{
	if (x->easy != NULL)
		curl_easy_cleanup(x->easy);
	free(x->buf);
	free(x);
}

/* Keep a finished slot for the next transfer, up to GITHUB_IDLE_MAX. */
static void
github_xfer_put(struct github_xfer *x)
{
	if (github_loop.nidle >= GITHUB_IDLE_MAX) {
		github_xfer_free(x);
		return;
	}
	/* a big buffer stays with its page, not with the slot */
	if (x->cap > 65536) {
		free(x->buf);
		x->buf = NULL;
		x->cap = 0;
	}
	x->next_idle = github_loop.idle;
	github_loop.idle = x;
	github_loop.nidle++;
}

/* Start f on the loop; when it cannot start, its outcome is FAILED now. */
static void
github_begin(struct github_fetch *f)
{
	struct github_xfer *x = github_xfer_get();

	if (x == NULL) {
		github_fetch_clear(f);
		snprintf(f->err, sizeof(f->err), "out of memory");
		f->done(f);
		return;
	}
	if (!github_start(x, f)) {
		github_xfer_put(x);
		f->done(f);
		return;
	}
	github_loop.active++;
}

/* Run transfers until stopped with none left. */
static void *
github_loop_run(void *arg)
{
	(void)arg;
	for (;;) {
		struct github_queue batch = STAILQ_HEAD_INITIALIZER(batch);
		struct github_fetch *q;
		int running = 0, left;
		bool stopping;
		CURLMsg *msg;

		pthread_mutex_lock(&github_loop.lock);
		STAILQ_CONCAT(&batch, &github_loop.queue);
		stopping = github_loop.stopping;
		pthread_mutex_unlock(&github_loop.lock);
		while ((q = STAILQ_FIRST(&batch)) != NULL) {
			STAILQ_REMOVE_HEAD(&batch, qnext);
			github_begin(q); /* may queue more: next round */
		}
		if (stopping && github_loop.active == 0) {
			pthread_mutex_lock(&github_loop.lock);
			q = STAILQ_FIRST(&github_loop.queue);
			pthread_mutex_unlock(&github_loop.lock);
			if (q == NULL)
				break;
			continue;
		}
		curl_multi_perform(github_loop.multi, &running);
		while ((msg = curl_multi_info_read(github_loop.multi, &left)) !=
		    NULL) {
			struct github_xfer *x = NULL;
			struct github_fetch *f;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
			    (char **)&x);
			f = x->fetch;
			github_finish(x, msg->data.result);
			github_loop.active--;
			github_xfer_put(x);
			f->done(f); /* may hand the loop more fetches */
		}
		pthread_mutex_lock(&github_loop.lock);
		q = STAILQ_FIRST(&github_loop.queue);
		pthread_mutex_unlock(&github_loop.lock);
		if (q == NULL)
			curl_multi_poll(github_loop.multi, NULL, 0, 1000, NULL);
	}
	return NULL;
}

int
github_loop_start(char *err, size_t errlen)
{
	pthread_mutex_init(&github_loop.lock, NULL);
	if ((github_loop.multi = curl_multi_init()) == NULL) {
		snprintf(err, errlen, "curl multi set-up failed");
		return -1;
	}
	/*
	 * Keep idle connections for the next misses (HTTP/1.1 keep-alive);
	 * GitHub multiplexes HTTP/2 on one.
	 */
	curl_multi_setopt(github_loop.multi, CURLMOPT_MAXCONNECTS,
	    (long)GITHUB_LOOP_MAXCONNECTS);
	if (pthread_create(&github_loop.thread, NULL, github_loop_run, NULL) !=
	    0) {
		snprintf(err, errlen, "cannot start the upstream thread");
		curl_multi_cleanup(github_loop.multi);
		github_loop.multi = NULL;
		return -1;
	}
	github_loop.started = true;
	return 0;
}

void
github_submit(struct github_fetch *f)
{
	pthread_mutex_lock(&github_loop.lock);
	STAILQ_INSERT_TAIL(&github_loop.queue, f, qnext);
	pthread_mutex_unlock(&github_loop.lock);
	curl_multi_wakeup(github_loop.multi);
}

void
github_loop_stop(void)
{
	if (!github_loop.started)
		return;
	pthread_mutex_lock(&github_loop.lock);
	github_loop.stopping = true;
	pthread_mutex_unlock(&github_loop.lock);
	curl_multi_wakeup(github_loop.multi);
	pthread_join(github_loop.thread, NULL);
	while (github_loop.idle != NULL) {
		struct github_xfer *x = github_loop.idle;

		github_loop.idle = x->next_idle;
		github_xfer_free(x);
	}
	curl_multi_cleanup(github_loop.multi);
	pthread_mutex_destroy(&github_loop.lock);
	memset(&github_loop, 0, sizeof(github_loop));
	/* a zeroed head is not an empty queue */
	STAILQ_INIT(&github_loop.queue);
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

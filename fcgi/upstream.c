/* The upstream loop: a thread running every transfer on one multi handle. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "metrics.h"
#include "upstream.h"

#define UPSTREAM_IDLE_MAX 64 /* easy handles kept for reuse */
#define UPSTREAM_BUF_KEEP 65536 /* a slot keeps a buffer up to this size */

/* One transfer slot: an easy handle (reused) and its buffers. */
struct upstream_xfer {
	SLIST_ENTRY(upstream_xfer) next_idle;
	CURL *easy;
	struct upstream_job *job; /* NULL when idle */
	struct curl_slist *headers;
	char *buf;
	size_t len, cap;
	bool too_big;
	char errbuf[CURL_ERROR_SIZE];
};

STAILQ_HEAD(upstream_queue, upstream_job);

/*
 * The loop: one thread, one multi handle (so one connection cache, used
 * by that thread only) running every upstream transfer. Other threads
 * hand it jobs through a queue and curl_multi_wakeup.
 */
static struct {
	pthread_t thread;
	bool started;
	CURLM *multi;
	CURLSH *share;
	pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
	pthread_mutex_t lock; /* queue, stopping */
	struct upstream_queue queue;
	bool stopping;
	/* the loop thread's own */
	SLIST_HEAD(upstream_idle, upstream_xfer) idle;
	int nidle;
	long active;
} upstream = { .queue = STAILQ_HEAD_INITIALIZER(upstream.queue) };

static void
upstream_share_lock(CURL *easy, curl_lock_data data, curl_lock_access access,
    void *userp)
{
	(void)easy;
	(void)access;
	(void)userp;
	pthread_mutex_lock(&upstream.share_locks[data]);
}

static void
upstream_share_unlock(CURL *easy, curl_lock_data data, void *userp)
{
	(void)easy;
	(void)userp;
	pthread_mutex_unlock(&upstream.share_locks[data]);
}

/*
 * Transfers share DNS and TLS sessions (a new connection resumes the
 * session: no full handshake). Not connections: libcurl does not support
 * sharing those between concurrent threads (its KNOWN_BUGS, "A shared
 * connection cache is not thread-safe"); the loop's multi handle keeps
 * its own warm.
 */
static int
upstream_share_init(char *err, size_t errlen)
{
	CURLSHcode sc = CURLSHE_OK;

	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&upstream.share_locks[i], NULL);
	if ((upstream.share = curl_share_init()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	sc |= curl_share_setopt(upstream.share, CURLSHOPT_LOCKFUNC,
	    upstream_share_lock);
	sc |= curl_share_setopt(upstream.share, CURLSHOPT_UNLOCKFUNC,
	    upstream_share_unlock);
	sc |= curl_share_setopt(upstream.share, CURLSHOPT_SHARE,
	    CURL_LOCK_DATA_DNS);
	sc |= curl_share_setopt(upstream.share, CURLSHOPT_SHARE,
	    CURL_LOCK_DATA_SSL_SESSION);
	if (sc != CURLSHE_OK) {
		snprintf(err, errlen, "curl share set-up failed");
		return -1;
	}
	return 0;
}

/* Append to the slot's buffer, refusing more than its job's body_max. */
static size_t
upstream_write(char *data, size_t size, size_t nmemb, void *userp)
{
	struct upstream_xfer *x = userp;
	size_t max = (size_t)x->job->body_max;
	size_t n = size * nmemb;

	if (n > max - x->len) {
		x->too_big = true;
		return 0; /* aborts the transfer */
	}
	if (x->len + n + 1 > x->cap) {
		curl_off_t expect = -1;
		size_t cap = x->cap != 0 ? x->cap : 16384;
		char *p;

		/* the whole body at once when the server says how long */
		curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
		    &expect);
		if (expect > 0 && (size_t)expect < max &&
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

/* A slot's easy handle, with the options no protocol changes. */
static CURL *
upstream_easy_new(struct upstream_xfer *x)
{
	CURL *e = curl_easy_init();
	CURLcode rc = CURLE_OK;

	if (e == NULL)
		return NULL;
	rc |= curl_easy_setopt(e, CURLOPT_SHARE, upstream.share);
	rc |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	rc |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	rc |= curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	rc |= curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	/* Verification is libcurl's default; say so, and never turn it off. */
	rc |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	rc |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	rc |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, upstream_write);
	rc |= curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	rc |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	rc |= curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	if (rc != CURLE_OK) {
		curl_easy_cleanup(e);
		return NULL;
	}
	return e;
}

/* Set j's transfer up on slot x and add it; NULL, or why it cannot start. */
static const char *
upstream_add(struct upstream_xfer *x, struct upstream_job *j)
{
	CURLcode rc = CURLE_OK;
	const char *why;

	if (x->easy == NULL && (x->easy = upstream_easy_new(x)) == NULL)
		return "curl set-up failed";
	x->headers = NULL;
	if ((why = j->prepare(j, x->easy, &x->headers)) != NULL) {
		curl_slist_free_all(x->headers);
		x->headers = NULL;
		return why;
	}
	x->len = 0;
	if (x->buf != NULL)
		x->buf[0] = '\0'; /* an empty body is "", not old bytes */
	x->too_big = false;
	x->errbuf[0] = '\0';
	x->job = j;
	rc |= curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->headers);
	rc |=
	    curl_easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT_MS, j->timeout_ms);
	rc |= curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, j->timeout_ms);
	rc |= curl_easy_setopt(x->easy, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)j->body_max);
	if (rc != CURLE_OK ||
	    curl_multi_add_handle(upstream.multi, x->easy) != CURLM_OK) {
		curl_slist_free_all(x->headers);
		x->headers = NULL;
		x->job = NULL;
		return "curl set-up failed";
	}
	return NULL;
}

/* Hand what came of slot x's transfer to its job, and free the slot. */
static void
upstream_complete(struct upstream_xfer *x, CURLcode rc)
{
	struct upstream_job *j = x->job;
	struct upstream_result r = { x->easy, rc,
		x->too_big || rc == CURLE_FILESIZE_EXCEEDED,
		x->errbuf[0] != '\0' ? x->errbuf : curl_easy_strerror(rc), 0,
		x->buf, x->len };
	curl_off_t usec = 0;

	if (rc == CURLE_OK)
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &r.status);
	curl_easy_getinfo(x->easy, CURLINFO_TOTAL_TIME_T, &usec);
	metrics_upstream(r.status, (long)usec);
	j->finish(j, &r);
	if (r.body == NULL) { /* taken: the slot grows a new one */
		x->buf = NULL;
		x->cap = 0;
	}
	x->len = 0;
	curl_multi_remove_handle(upstream.multi, x->easy);
	curl_slist_free_all(x->headers);
	x->headers = NULL;
	x->job = NULL;
}

/* A transfer slot: an idle one, or a new one; NULL when out of memory. */
static struct upstream_xfer *
upstream_xfer_get(void)
{
	struct upstream_xfer *x = SLIST_FIRST(&upstream.idle);

	if (x != NULL) {
		SLIST_REMOVE_HEAD(&upstream.idle, next_idle);
		upstream.nidle--;
		return x;
	}
	return calloc(1, sizeof(*x));
}

static void
upstream_xfer_free(struct upstream_xfer *x)
{
	if (x->easy != NULL)
		curl_easy_cleanup(x->easy);
	free(x->buf);
	free(x);
}

/* Keep a finished slot for the next transfer, up to UPSTREAM_IDLE_MAX. */
static void
upstream_xfer_put(struct upstream_xfer *x)
{
	if (upstream.nidle >= UPSTREAM_IDLE_MAX) {
		upstream_xfer_free(x);
		return;
	}
	/* a big buffer stays with its answer, not with the slot */
	if (x->cap > UPSTREAM_BUF_KEEP) {
		free(x->buf);
		x->buf = NULL;
		x->cap = 0;
	}
	SLIST_INSERT_HEAD(&upstream.idle, x, next_idle);
	upstream.nidle++;
}

/* Start j on the loop; when it cannot start, it finishes now. */
static void
upstream_begin(struct upstream_job *j)
{
	struct upstream_xfer *x = upstream_xfer_get();
	struct upstream_result r = { NULL, CURLE_FAILED_INIT, false,
		"out of memory", 0, NULL, 0 };

	if (x != NULL && (r.err = upstream_add(x, j)) == NULL) {
		upstream.active++;
		return;
	}
	if (x != NULL)
		upstream_xfer_put(x);
	j->finish(j, &r);
}

/* Whether the queue is empty, under its lock. */
static bool
upstream_queue_empty(void)
{
	bool empty;

	pthread_mutex_lock(&upstream.lock);
	empty = STAILQ_EMPTY(&upstream.queue);
	pthread_mutex_unlock(&upstream.lock);
	return empty;
}

/* Finish every transfer curl says is done. */
static void
upstream_reap(void)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(upstream.multi, &left)) != NULL) {
		struct upstream_xfer *x = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
		    (char **)&x);
		upstream.active--;
		upstream_complete(x, msg->data.result); /* may submit more */
		upstream_xfer_put(x);
	}
}

/* Run transfers until stopped with none left. */
static void *
upstream_run(void *arg)
{
	(void)arg;
	for (;;) {
		struct upstream_queue batch = STAILQ_HEAD_INITIALIZER(batch);
		struct upstream_job *j;
		int running = 0;
		bool stopping;

		pthread_mutex_lock(&upstream.lock);
		STAILQ_CONCAT(&batch, &upstream.queue);
		stopping = upstream.stopping;
		pthread_mutex_unlock(&upstream.lock);
		while ((j = STAILQ_FIRST(&batch)) != NULL) {
			STAILQ_REMOVE_HEAD(&batch, qnext);
			upstream_begin(j); /* may queue more: next round */
		}
		if (stopping && upstream.active == 0) {
			if (upstream_queue_empty())
				break;
			continue;
		}
		curl_multi_perform(upstream.multi, &running);
		upstream_reap();
		if (upstream_queue_empty())
			curl_multi_poll(upstream.multi, NULL, 0, 1000, NULL);
	}
	return NULL;
}

int
upstream_start(char *err, size_t errlen)
{
	pthread_mutex_init(&upstream.lock, NULL);
	SLIST_INIT(&upstream.idle);
	if (upstream_share_init(err, errlen) != 0)
		return -1;
	if ((upstream.multi = curl_multi_init()) == NULL) {
		snprintf(err, errlen, "curl multi set-up failed");
		return -1;
	}
	/*
	 * Keep idle connections for the next misses (HTTP/1.1 keep-alive);
	 * HTTP/2 multiplexes on one.
	 */
	curl_multi_setopt(upstream.multi, CURLMOPT_MAXCONNECTS,
	    (long)UPSTREAM_MAXCONNECTS);
	if (pthread_create(&upstream.thread, NULL, upstream_run, NULL) != 0) {
		snprintf(err, errlen, "cannot start the upstream thread");
		curl_multi_cleanup(upstream.multi);
		upstream.multi = NULL;
		return -1;
	}
	upstream.started = true;
	return 0;
}

void
upstream_submit(struct upstream_job *j)
{
	pthread_mutex_lock(&upstream.lock);
	STAILQ_INSERT_TAIL(&upstream.queue, j, qnext);
	pthread_mutex_unlock(&upstream.lock);
	curl_multi_wakeup(upstream.multi);
}

void
upstream_stop(void)
{
	struct upstream_xfer *x;

	if (upstream.started) {
		pthread_mutex_lock(&upstream.lock);
		upstream.stopping = true;
		pthread_mutex_unlock(&upstream.lock);
		curl_multi_wakeup(upstream.multi);
		pthread_join(upstream.thread, NULL);
	}
	while ((x = SLIST_FIRST(&upstream.idle)) != NULL) {
		SLIST_REMOVE_HEAD(&upstream.idle, next_idle);
		upstream_xfer_free(x);
	}
	if (upstream.multi != NULL)
		curl_multi_cleanup(upstream.multi);
	/* after every easy handle that used it */
	if (upstream.share != NULL) {
		curl_share_cleanup(upstream.share);
		for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
			pthread_mutex_destroy(&upstream.share_locks[i]);
	}
	pthread_mutex_destroy(&upstream.lock);
	memset(&upstream, 0, sizeof(upstream));
	/* a zeroed head is not an empty queue */
	STAILQ_INIT(&upstream.queue);
	SLIST_INIT(&upstream.idle);
}

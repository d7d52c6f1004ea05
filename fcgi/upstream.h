/*
 * The upstream loop: one thread, one curl multi handle, running every
 * outgoing HTTP transfer. It knows no protocol: a protocol module (github)
 * embeds a struct upstream_job in its own request, sets the job's two
 * hooks and limits, and submits it; the loop calls prepare to set the
 * transfer's URL and headers, gathers the body, and calls finish with
 * what came of it.
 */
#ifndef GISTS_UPSTREAM_H
#define GISTS_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/queue.h>

#include <curl/curl.h>

#define UPSTREAM_MAXCONNECTS 64 /* idle upstream connections kept */

/* What a finished transfer came to, for the job's finish hook. */
struct upstream_result {
	CURL *easy; /* its status and headers; NULL when it never started */
	CURLcode rc; /* CURLE_OK: an HTTP answer came */
	bool too_big; /* the body passed the job's body_max */
	const char *err; /* why, when rc is not CURLE_OK or it never started */
	long status; /* the HTTP status; 0 when there was none */
	char *body; /* NUL-terminated, or NULL when empty; finish may take
		       it (and set it to NULL) */
	size_t body_len;
};

struct upstream_job;

/*
 * On the loop thread: set this transfer's own options on easy (URL,
 * user agent, ...) and its request headers in *headers (the loop frees
 * them). easy is reused: set every option the protocol relies on.
 * Returns NULL, or a short reason not to start.
 */
typedef const char *(*upstream_prepare_fn)(struct upstream_job *j, CURL *easy,
    struct curl_slist **headers);

/*
 * On the loop thread: the transfer ended (or never started: r->easy is
 * NULL). easy is the loop's again once it returns. May submit jobs.
 */
typedef void (
    *upstream_finish_fn)(struct upstream_job *j, struct upstream_result *r);

/* One transfer, embedded in the protocol's request. */
struct upstream_job {
	upstream_prepare_fn prepare;
	upstream_finish_fn finish;
	long timeout_ms; /* connecting, and the whole transfer */
	long body_max; /* bytes of body at most; more fails the transfer */
	STAILQ_ENTRY(upstream_job) qnext; /* the loop's queue */
};

/* Start the loop's thread. Returns 0, or -1 with err. */
int upstream_start(char *err, size_t errlen);

/*
 * Hand j (hooks and limits set) to the loop; any thread. j must live
 * until its finish hook has been called, on the loop thread.
 */
void upstream_submit(struct upstream_job *j);

/* Wait for every submitted job to finish, then stop the loop. */
void upstream_stop(void);

#endif

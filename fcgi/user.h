/* GET /{user}: a user's gists, from the cache or GitHub, as JSON. */
#ifndef GISTS_USER_H
#define GISTS_USER_H

#include <stdbool.h>

#include "cache.h"
#include "http.h"
#include "request.h"

/* What every /{user} answer shares. */
struct user_ctx {
	const struct config *cfg;
};

/* A request of /{user} parked on a fetch. */
struct user_wait {
	struct cache_waiter w;
	bool derived; /* w waits for the whole listing, to cut q from */
	int spent; /* upstream requests of a derivation that could not answer */
};

/*
 * Answer /{user} for rq into r (200, 304, or an error) as JSON, or as
 * HTML when rq->html, a 200 in content coding rq->enc when its body is
 * worth coding, and fill the listing's part of rq->lg: cache result,
 * upstream status, requests and time, error detail. Returns true when
 * the request is parked on a fetch instead: r is untouched, and
 * uw->w.done will be called (maybe before user_serve returns, on another
 * thread); then call user_resume. The caller counts the request as
 * handed off (park_enter) before, and leaves once it is answered.
 */
bool user_serve(const struct user_ctx *ctx, struct request *rq,
    struct http_response *r, struct user_wait *uw);

/*
 * The fetch uw was parked on is over: answer into r as user_serve does,
 * or park again (true: a page or since that the whole listing could not
 * answer is asked of GitHub itself).
 */
bool user_resume(const struct user_ctx *ctx, struct request *rq,
    struct http_response *r, struct user_wait *uw);

#endif

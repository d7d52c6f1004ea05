/* GET /{user}: a user's gists, from the cache or GitHub, as JSON. */
#ifndef GISTS_USER_H
#define GISTS_USER_H

#include <stdbool.h>

#include "cache.h"
#include "encoding.h"
#include "http.h"
#include "log.h"
#include "query.h"
#include "route.h"

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
 * Answer /{user} with query q into r (200, 304, or an error) as JSON, or
 * as HTML when html, a 200 in content coding enc when its body is worth
 * coding (enc as encoding_choose chose from Accept-Encoding), and fill
 * the listing's part of the log line: cache result, upstream status,
 * requests and time, error detail. Returns true when the request is
 * parked on a fetch instead: r is untouched, and uw->w.done will be
 * called (maybe before user_serve returns, on another thread); then call
 * user_resume.
 */
bool
user_serve(struct user_ctx *ctx, const struct route *rt, const struct query *q,
    const char *if_none_match, enum encoding enc, bool html,
    struct http_response *r, struct log_request *lg, struct user_wait *uw);

/*
 * The fetch uw was parked on is over: answer into r as user_serve does,
 * in the same coding enc, or park again (true: a page or since that the
 * whole listing could not answer is asked of GitHub itself).
 */
bool
user_resume(struct user_ctx *ctx, const struct route *rt, const struct query *q,
    const char *if_none_match, enum encoding enc, bool html,
    struct http_response *r, struct log_request *lg, struct user_wait *uw);

#endif

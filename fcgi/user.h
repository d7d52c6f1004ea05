/* GET /{user}: a user's gists, from the cache or GitHub, as JSON. */
#ifndef GISTS_USER_H
#define GISTS_USER_H

#include <stdbool.h>

#include "handler.h"
#include "http.h"
#include "log.h"
#include "query.h"
#include "route.h"

/*
 * Answer /{user} with query q into r (200, 304, or an error) as JSON, or
 * as HTML when html, compressed as accept_encoding allows, and fill the
 * listing's part of the log line: cache result, upstream status, requests and
 * time, error detail.
 */
void user_serve(struct handler_ctx *ctx, const struct route *rt,
    const struct query *q, const char *if_none_match,
    const char *accept_encoding, bool html, struct http_response *r,
    struct log_request *lg);

#endif

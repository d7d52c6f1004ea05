/* GET /{user}: a user's gists, fetched from GitHub and answered as JSON. */
#ifndef GISTS_LISTING_H
#define GISTS_LISTING_H

#include <stdbool.h>
#include <stddef.h>

#include "handler.h"
#include "http.h"
#include "log.h"
#include "query.h"
#include "route.h"

/*
 * The body of a 200: {"user", ["page", "per_page",] "count",
 * ["truncated",] "gists"}, with gists_json (a serialized JSON array)
 * embedded as it is. Returns a new string, or NULL; *len is its length.
 */
char *listing_body(const char *user, const struct query *q, long count,
    bool truncated, const char *gists_json, size_t gists_len, size_t *len);

/* A strong ETag ("\"<16 hex digits>\"") of bytes, in out[19]. */
void listing_etag(const char *bytes, size_t len, char out[19]);

/*
 * Answer /{user} with query q into r; fill the listing's part of the log
 * line (cache result, upstream status and time, error detail).
 */
void listing_serve(struct handler_ctx *ctx, const struct route *rt,
    const struct query *q, const char *if_none_match, struct http_response *r,
    struct log_request *lg);

#endif

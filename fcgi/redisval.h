/*
 * The value the shared tier keeps per listing key: the listing (each
 * page's compact JSON and GitHub's ETag) and when it was fetched. What
 * comes back is input like GitHub's: decoded strictly, or refused.
 */
#ifndef GISTS_REDISVAL_H
#define GISTS_REDISVAL_H

#include <stddef.h>

#include "listing.h"

/*
 * The listing l of key (listing_key_string) fetched at fetched_ms (Unix
 * time), in a new buffer.
 */
char *redisval_encode(const struct listing *l, const char *key,
    long long fetched_ms, size_t *len);

/*
 * A new listing (one reference) from a value, or NULL when the value is
 * not one redisval_encode made for key: another key's (a value moved
 * or copied), any other bytes, more than max_pages pages, a page whose gists
 * are not exactly the compact schema (in json-c's own serialization), or a 404
 * with pages. *fetched_ms is when it was fetched.
 */
struct listing *redisval_decode(const char *v, size_t len, const char *key,
    size_t max_pages, long long *fetched_ms);

#endif

/*
 * cache_lookup for a test that fetches itself, synchronously: the
 * service parks its requests instead, so this lives with the tests.
 */
#ifndef GISTS_CACHE_GET_H
#define GISTS_CACHE_GET_H

#include "cache.h"

/* Fetch into out, given the copy the cache holds (or NULL). */
typedef void (*cache_fill_fn)(void *arg, const struct listing *prev,
    struct fetch_outcome *out);

/*
 * Answer key from the cache, or fetch through fill, blocking while
 * another caller's fetch of the key is under way.
 */
void cache_get(const char *key, cache_fill_fn fill, void *arg,
    struct cache_answer *ans);

#endif

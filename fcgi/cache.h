/*
 * The listing cache, shared by every responder thread: fresh for
 * GISTS_CACHE_TTL, revalidated with GitHub's ETags after that, served
 * stale for up to GISTS_STALE_TTL when GitHub fails, bounded by
 * GISTS_CACHE_MAX_BYTES (least recently used first out), and coalescing:
 * concurrent misses for one key wait for a single upstream fetch.
 */
#ifndef GISTS_CACHE_H
#define GISTS_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "fetch.h"
#include "listing.h"

enum cache_kind {
	CACHE_MISS, /* fetched now (or waited for one who did) */
	CACHE_HIT, /* fresh copy */
	CACHE_REVALIDATED, /* GitHub confirmed the copy (304) */
	CACHE_STALE, /* GitHub failed; an older copy */
	CACHE_ERROR, /* GitHub failed and nothing may be served */
};

struct cache_answer {
	enum cache_kind kind;
	struct listing *listing; /* unless CACHE_ERROR: yours to unref */
	long age; /* seconds since fetched or revalidated */
	bool waited; /* another request's fetch was used */
	struct fetch_outcome fetch; /* what the fetch did (listing NULL) */
};

/* Fetch into out, given the copy the cache holds (or NULL). */
typedef void (*cache_fill_fn)(void *arg, const struct listing *prev,
    struct fetch_outcome *out);

/* A monotonic clock in milliseconds; tests pass their own. */
typedef long long (*cache_clock_fn)(void);

/* Set up the cache for cfg's TTLs and bound; clock NULL is the real one. */
int cache_init(const struct config *cfg, cache_clock_fn clock);
void cache_cleanup(void);

/*
 * Answer key: from the cache when fresh, else through fill (once for all
 * concurrent callers of the key), with the cache's rules for stale copies.
 */
void cache_get(const char *key, cache_fill_fn fill, void *arg,
    struct cache_answer *ans);

/* What the cache holds for a key, as it stands. */
struct cache_peek {
	struct listing *listing; /* NULL when none; else yours to unref */
	long age; /* seconds since fetched or revalidated */
	bool fresh; /* within the TTL */
};

/* Look key up without fetching, waiting or touching its recency. */
void cache_peek(const char *key, struct cache_peek *peek);

struct cache_stats {
	long entries;
	size_t bytes;
	long evictions;
};

void cache_get_stats(struct cache_stats *st);

#endif

/*
 * The listing cache, shared by every responder thread: fresh for
 * GISTS_CACHE_TTL, revalidated with GitHub's ETags after that (in the
 * background, the copy answered meanwhile, for GISTS_STALE_WHILE_REVALIDATE
 * seconds past the TTL), served stale for up to GISTS_STALE_TTL when
 * GitHub fails, bounded by
 * GISTS_CACHE_MAX_BYTES (least recently used first out), refreshed ahead
 * by a hit in the last fifth of the TTL when GitHub's budget allows (once
 * per copy, in the background), and coalescing:
 * concurrent misses for one key are parked on a single upstream fetch,
 * holding no thread, at most GISTS_MAX_WAITING of them at once; the
 * fetch's end answers them all.
 */
#ifndef GISTS_CACHE_H
#define GISTS_CACHE_H

#include <sys/queue.h>

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
	CACHE_UPDATING, /* past the TTL, while one revalidation runs */
	CACHE_DEFERRED, /* past the TTL, its refresh put off by the pace */
	CACHE_ERROR, /* GitHub failed and nothing may be served */
	CACHE_KINDS,
};

/* A kind's name in the metrics ("miss", "hit", ..., "error"). */
const char *cache_kind_label(enum cache_kind kind);

/* Its name in X-Cache and the log (MISS, HIT, ...; an error is a MISS). */
const char *cache_kind_header(enum cache_kind kind);

/* A /{user} answer came from the cache this way (counted for metrics). */
void cache_count_result(enum cache_kind kind);

struct cache_answer {
	enum cache_kind kind;
	struct listing *listing; /* unless CACHE_ERROR: yours to unref */
	long age; /* seconds since fetched or revalidated */
	bool waited; /* another request's fetch was used */
	bool forwarded; /* a fetch was made for it (or it waited for one) */
	bool had_copy; /* ...with a copy to revalidate */
	bool stored; /* the cache keeps what was fetched */
	struct fetch_outcome fetch; /* what the fetch did (listing NULL) */
};

/*
 * A request parked on a fetch: done(w) is called once, with w->ans
 * filled in, outside the cache's lock, by whichever thread ends the
 * fetch. w is done's to free.
 */
struct cache_waiter {
	STAILQ_ENTRY(cache_waiter) next; /* the cache's: its entry's waiters */
	void (*done)(struct cache_waiter *w);
	struct cache_answer ans;
};

/* A monotonic clock in milliseconds; tests pass their own. */
typedef long long (*cache_clock_fn)(void);

/* Set up the cache for cfg's TTLs and bounds; clock NULL is the real one. */
int cache_init(const struct config *cfg, cache_clock_fn clock);
void cache_cleanup(void);

/*
 * Start fetching for a key; prev is the copy the cache holds (a
 * reference, yours) or NULL. When the fetch is over, whoever ends it
 * calls cache_filled(entry, out) once (a fetch_done_fn).
 */
typedef void (*cache_start_fn)(void *arg, struct listing *prev, void *entry);

/* A fetch started by cache_start_fn is over: answer its waiters. */
void cache_filled(void *entry, struct fetch_outcome *out);

enum cache_lookup_result {
	CACHE_ANSWERED, /* w->ans holds the answer now */
	CACHE_PARKED, /* w->done will be called (maybe already was) */
	CACHE_FULL, /* GISTS_MAX_WAITING requests are parked already */
};

/*
 * Answer key from the cache when it can (fresh, failed a moment ago, or
 * past the TTL within the stale-while-revalidate bound: then a fetch is
 * started through start in the background unless one is under way or
 * GitHub's budget puts it off, budget.h's pace), else
 * park w on the key's fetch, starting one when none is under way, with
 * the cache's rules for stale copies.
 */
enum cache_lookup_result cache_lookup(const char *key, cache_start_fn start,
    void *arg, struct cache_waiter *w);

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
	long parked; /* requests waiting for fetches now */
	long parked_max; /* the most there were at once */
	long refused; /* requests refused: GISTS_MAX_WAITING were parked */
	long background; /* revalidations started while the copy answered */
	unsigned long results[CACHE_KINDS]; /* cache_count_result's */
};

void cache_get_stats(struct cache_stats *st);

#endif

/*
 * The shared tier: a Redis every instance of one upstream uses, behind
 * the in-process cache. It keeps each listing with its fetch time (until
 * the stale limit), a fetch lock per key so that one instance of the
 * fleet fetches while the others wait for its result (parked, polling),
 * and GitHub's rate-limit block. Every command runs on one Redis thread
 * with GISTS_REDIS_TIMEOUT_MS; a Redis that fails is skipped (the fetch
 * goes to GitHub) and reconnected with back-off.
 */
#ifndef GISTS_REDIS_H
#define GISTS_REDIS_H

#include <stdbool.h>

#include "config.h"
#include "fetch.h"
#include "listing.h"

/* Start the Redis thread when cfg names a Redis. Returns 0 or -1. */
int redis_start(const struct config *cfg, char *err, size_t errlen);

/* Finish the work queued, then stop the thread (after park_wait_idle). */
void redis_stop(void);

/* Whether a shared tier was started (GISTS_REDIS_URL is set). */
bool redis_configured(void);

/* How the tier asks upstream when this instance is to: fetch_start. */
typedef void (*redis_fetch_fn)(const struct config *cfg,
    const struct listing_key *key, struct listing *prev, fetch_done_fn done,
    void *arg);

/*
 * A miss through the shared tier (after redis_start): a fresh copy in
 * Redis is the outcome (FETCH_NEW, its age in out->age_ms); else the
 * fleet's lock decides who asks upstream, through fetch; what upstream
 * said is written back. done(arg, out) is called once, as by
 * fetch_start. Never waits on Redis in the caller.
 */
void redis_miss(const struct listing_key *key, struct listing *prev,
    redis_fetch_fn fetch, fetch_done_fn done, void *arg);

struct redis_stats {
	bool configured;
	bool up;
	long errors; /* commands or connections that failed */
	long hits; /* listings answered from Redis */
	long waits; /* fetches waited for on another instance */
	long rejected; /* values refused as not ours */
};

void redis_get_stats(struct redis_stats *st);

#endif

/*
 * The shared tier: a Redis every instance of one upstream uses, behind
 * the in-process cache. It keeps each listing with its fetch time (until
 * the stale limit), a fetch lock per key so that one instance of the
 * fleet fetches while the others wait for its result (parked; woken by a
 * message the fetching instance publishes once it wrote the result
 * back), and GitHub's rate-limit block. Every command runs on one Redis
 * thread with GISTS_REDIS_TIMEOUT_MS; a Redis that fails is skipped (the
 * fetch goes to GitHub) and reconnected with back-off. It never starts a
 * fetch: tier.c, above it, asks GitHub when it says so.
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

/* A fetch this instance makes for the fleet (it holds the key's lock). */
struct redis_ticket;

/* What the shared tier says of a miss. */
struct redis_verdict {
	/* ticket NULL: Redis holds a fresh copy (a reference, yours) */
	struct listing *listing;
	long long age_ms;
	/* else: ask GitHub for key with ask_with (a reference, yours, or
	 * NULL), then hand the outcome to redis_fetched(ticket, out) */
	struct redis_ticket *ticket;
	const struct listing_key *key;
	struct listing *ask_with;
};

typedef void (*redis_said_fn)(void *arg, const struct redis_verdict *v);

/*
 * A miss through the shared tier (after redis_start): said(arg, v) is
 * called once, on the Redis thread, with Redis's fresh copy or with the
 * word to ask GitHub (when the fleet has no copy and this instance holds
 * the key's lock, or the lock's holder went quiet, or Redis is down).
 * Never waits on Redis in the caller. Returns 0, or -1 when out of
 * memory (said is not called: ask GitHub). prev is the in-process copy
 * (a reference taken over, on success) or NULL.
 */
int redis_miss(const struct listing_key *key, struct listing *prev,
    redis_said_fn said, void *arg);

/* The arg given to redis_miss for ticket's miss. */
void *redis_ticket_arg(const struct redis_ticket *ticket);

/*
 * GitHub's answer to ticket's fetch (any thread): out is completed with
 * the fleet's copy (a 304 of Redis's copy, a stale copy on failure) and
 * what it learned is written back, the lock released and the fleet's
 * waiters told. The ticket is gone after it.
 */
void redis_fetched(struct redis_ticket *ticket, struct fetch_outcome *out);

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

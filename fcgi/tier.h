/*
 * The order of the tiers behind the in-process cache, decided here and
 * nowhere else: the shared tier (Redis) first when GISTS_REDIS_URL names
 * one, then GitHub. Without a shared tier a miss goes straight to GitHub
 * and never enters redis.c.
 */
#ifndef GISTS_TIER_H
#define GISTS_TIER_H

#include <stddef.h>

#include "config.h"
#include "listing.h"

/* Start the shared tier when cfg names one. Returns 0 or -1 (err set). */
int tier_start(const struct config *cfg, char *err, size_t errlen);

/* Finish the shared tier's write-backs and stop it (after the park). */
void tier_stop(void);

/*
 * Fill the cache entry for key on a miss (a cache_start_fn's work): from
 * the shared tier, or from GitHub; cache_filled(entry, out) once. prev
 * is the cache's older copy (a reference taken over) or NULL.
 */
void
tier_fill(const struct listing_key *key, struct listing *prev, void *entry);

#endif

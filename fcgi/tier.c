/* The order of the tiers on a miss: the shared tier, then GitHub. */
#include <stdbool.h>
#include <stdlib.h>

#include "cache.h"
#include "fetch.h"
#include "redis.h"
#include "tier.h"

static struct {
	const struct config *cfg;
	bool shared; /* a shared tier was started: fixed after tier_start */
} tier;

int
tier_start(const struct config *cfg, char *err, size_t errlen)
{
	tier.cfg = cfg;
	if (redis_start(cfg, err, errlen) != 0)
		return -1;
	tier.shared = redis_configured();
	return 0;
}

void
tier_stop(void)
{
	if (tier.shared)
		redis_stop();
	tier.shared = false;
}

/* GitHub answered a fetch the shared tier let this instance make. */
static void
tier_fetched(void *arg, struct fetch_outcome *out)
{
	struct redis_ticket *t = arg;
	void *entry = redis_ticket_arg(t);

	redis_fetched(t, out); /* the fleet's copy, then the write-back */
	cache_filled(entry, out);
}

/* What the shared tier said of a miss: its copy, or "ask GitHub". */
static void
tier_said(void *entry, const struct redis_verdict *v)
{
	struct fetch_outcome out = { 0 };

	if (v->ticket == NULL) {
		out.result = FETCH_NEW;
		out.listing = v->listing; /* the verdict's reference */
		out.age_ms = v->age_ms;
		cache_filled(entry, &out);
		return;
	}
	/* redis_ticket_arg(v->ticket) is entry: tier_fetched finds it */
	fetch_start(tier.cfg, v->key, v->ask_with, tier_fetched, v->ticket);
}

void
tier_fill(const struct listing_key *key, struct listing *prev, void *entry)
{
	if (!tier.shared) {
		fetch_start(tier.cfg, key, prev, cache_filled, entry);
		return;
	}
	if (redis_miss(key, prev, tier_said, entry) != 0)
		fetch_start(tier.cfg, key, prev, cache_filled, entry);
}

/* The shared listing cache: a hash table with an LRU list, one mutex. */
#include <sys/queue.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "budget.h"
#include "cache.h"
#include "clock.h"
#include "log.h"

#define CACHE_BACKOFF_MAX_MS 30000 /* between refresh attempts that fail */
#define CACHE_DEFER_MAX_MS 5000 /* the pace is asked again after at most */
#define CACHE_AHEAD_DIV 5 /* refresh ahead in the last fifth of the TTL */

/* The one name table of the cache's answers: metrics label, header. */
static const struct {
	const char *label, *header;
} cache_kind_names[CACHE_KINDS] = {
	[CACHE_MISS] = { "miss", "MISS" },
	[CACHE_HIT] = { "hit", "HIT" },
	[CACHE_REVALIDATED] = { "revalidated", "REVALIDATED" },
	[CACHE_STALE] = { "stale", "STALE" },
	/* nginx's name for a copy served while it is being updated */
	[CACHE_UPDATING] = { "updating", "UPDATING" },
	/* a stale copy, GitHub not asked: its budget is paced */
	[CACHE_DEFERRED] = { "deferred", "STALE" },
	[CACHE_ERROR] = { "error", "MISS" }, /* a miss whose fetch failed */
};

/* Answers by kind, for the metrics; apart from cache, which init clears. */
static atomic_ulong cache_results[CACHE_KINDS];

STAILQ_HEAD(cache_waiters, cache_waiter);

struct cache_entry {
	struct cache_entry *hnext; /* hash chain */
	TAILQ_ENTRY(cache_entry) lru; /* newest first */
	uint64_t hash;
	char *key;
	struct listing *listing; /* the copy kept; NULL before one */
	long long fetched_at; /* ms: last fetch or revalidation */
	long long retry_at; /* ms: after a failed refresh */
	long long defer_until; /* ms: the pace put its refresh off until */
	long long ahead_for; /* fetched_at of the copy refreshed ahead */
	bool filling; /* a fetch is under way */
	bool background; /* ...started by no waiter: none owns its answer */
	struct cache_waiters waiters; /* parked on it, first come first */
	bool linked; /* in the table and the LRU list */
	int pins; /* requests holding the entry */
	/* What the last fetch came to, for the requests that waited. */
	enum cache_kind last_kind;
	bool last_had_copy;
	struct listing *last_listing;
	struct fetch_outcome last;
	size_t bytes; /* accounted in cache.bytes */
};

static struct {
	pthread_mutex_t lock;
	struct cache_entry **table;
	size_t nbuckets;
	long entries;
	size_t bytes;
	long evictions;
	TAILQ_HEAD(cache_lru, cache_entry) lru; /* newest first */
	long long ttl_ms, stale_ms, swr_ms, max_bytes;
	long parked, parked_max, max_waiting, refused, background;
	cache_clock_fn clock;
} cache;

int
cache_init(const struct config *cfg, cache_clock_fn clock)
{
	memset(&cache, 0, sizeof(cache));
	pthread_mutex_init(&cache.lock, NULL);
	TAILQ_INIT(&cache.lru); /* a zeroed head is not an empty list */
	cache.nbuckets = 256;
	if ((cache.table = calloc(cache.nbuckets,
		 sizeof(struct cache_entry *))) == NULL)
		return -1;
	cache.ttl_ms = cfg->cache_ttl * 1000LL;
	cache.stale_ms = cfg->stale_ttl * 1000LL;
	cache.swr_ms = cfg->stale_while_revalidate * 1000LL;
	cache.max_bytes = cfg->cache_max_bytes;
	cache.max_waiting = cfg->max_waiting > 0 ? cfg->max_waiting : LONG_MAX;
	cache.clock = clock != NULL ? clock : clock_ms;
	return 0;
}

static void
cache_free_entry(struct cache_entry *e)
{
	listing_unref(e->listing);
	listing_unref(e->last_listing);
	free(e->key);
	free(e);
}

static uint64_t
cache_hash(const char *key)
{
	return listing_fnv(LISTING_FNV_INIT, key, strlen(key));
}

static struct cache_entry *
cache_find(const char *key, uint64_t h)
{
	for (struct cache_entry *e = cache.table[h & (cache.nbuckets - 1)];
	     e != NULL; e = e->hnext)
		if (e->hash == h && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

/* Double the table when it holds more entries than buckets. */
static void
cache_grow(void)
{
	size_t n = cache.nbuckets * 2;
	struct cache_entry **t = calloc(n, sizeof(struct cache_entry *));

	if (t == NULL)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < cache.nbuckets; i++) {
		struct cache_entry *e = cache.table[i], *next;

		for (; e != NULL; e = next) {
			next = e->hnext;
			e->hnext = t[e->hash & (n - 1)];
			t[e->hash & (n - 1)] = e;
		}
	}
	free(cache.table);
	cache.table = t;
	cache.nbuckets = n;
}

/* e is the most recently used now. */
static void
cache_lru_touch(struct cache_entry *e)
{
	TAILQ_REMOVE(&cache.lru, e, lru);
	TAILQ_INSERT_HEAD(&cache.lru, e, lru);
}

/* Recompute what e holds and keep the total in step. */
static void
cache_account(struct cache_entry *e)
{
	size_t bytes = 0;

	if (e->linked)
		bytes = sizeof(*e) + strlen(e->key) + 1 +
		    (e->listing != NULL ? e->listing->bytes : 0);
	cache.bytes = cache.bytes - e->bytes + bytes;
	e->bytes = bytes;
}

static struct cache_entry *
cache_insert(const char *key, uint64_t h)
{
	struct cache_entry *e = calloc(1, sizeof(*e));
	size_t b;

	if (e == NULL || (e->key = strdup(key)) == NULL) {
		free(e);
		return NULL;
	}
	if (cache.entries >= (long)cache.nbuckets)
		cache_grow();
	e->hash = h;
	b = h & (cache.nbuckets - 1);
	e->hnext = cache.table[b];
	cache.table[b] = e;
	TAILQ_INSERT_HEAD(&cache.lru, e, lru);
	STAILQ_INIT(&e->waiters);
	e->linked = true;
	cache.entries++;
	cache_account(e);
	return e;
}

/* An entry outside the table, for a fetch the cache does not keep. */
static struct cache_entry *
cache_entry_alone(void)
{
	struct cache_entry *e = calloc(1, sizeof(*e));

	if (e != NULL)
		STAILQ_INIT(&e->waiters);
	return e;
}

/* Take e out of the table; it is freed now, or by its last unpin. */
static void
cache_unlink(struct cache_entry *e)
{
	struct cache_entry **pp = &cache.table[e->hash & (cache.nbuckets - 1)];

	if (!e->linked)
		return;
	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	TAILQ_REMOVE(&cache.lru, e, lru);
	e->linked = false;
	cache.entries--;
	cache_account(e);
	if (e->pins == 0)
		cache_free_entry(e);
}

static void
cache_unpin(struct cache_entry *e)
{
	if (--e->pins == 0 && !e->linked)
		cache_free_entry(e);
}

/* Evict least recently used entries until the bound holds. */
static void
cache_evict(void)
{
	struct cache_entry *e = TAILQ_LAST(&cache.lru, cache_lru), *newer;

	for (; e != NULL && (long long)cache.bytes > cache.max_bytes;
	     e = newer) {
		newer = TAILQ_PREV(e, cache_lru, lru);
		if (e->filling || e->pins > 0)
			continue;
		cache_unlink(e);
		cache.evictions++;
	}
}

/* Give ans a reference to listing, aged from fetched_at. */
static void
cache_answer(struct cache_answer *ans, enum cache_kind kind,
    struct listing *listing, long long fetched_at, long long now)
{
	ans->kind = kind;
	ans->listing = listing_ref(listing);
	ans->age = now > fetched_at ? (long)((now - fetched_at) / 1000) : 0;
}

/* Answer with what e's last fetch came to, costing no upstream request. */
static void
cache_answer_last(struct cache_answer *ans, const struct cache_entry *e)
{
	ans->fetch = e->last;
	ans->fetch.upstream_requests = 0;
	ans->fetch.upstream_us = 0;
}

/* Whether e's copy may be served although GitHub failed. */
static bool
cache_can_serve_stale(const struct cache_entry *e, long long now)
{
	return e->listing != NULL && e->listing->status == 200 &&
	    now - e->fetched_at < cache.stale_ms;
}

/* Whether e's copy may be answered at once while it is revalidated. */
static bool
cache_can_serve_updating(const struct cache_entry *e, long long now)
{
	return e->listing != NULL && e->listing->status == 200 &&
	    now - e->fetched_at < cache.ttl_ms + cache.swr_ms;
}

/* Answer a request that waited for e's fetch, as that fetch came out. */
static void
cache_answer_waited(struct cache_answer *ans, const struct cache_entry *e)
{
	ans->waited = true;
	budget_count(BUDGET_SAVED_COALESCED);
	cache_answer_last(ans, e);
	ans->kind = e->last_kind;
	ans->forwarded = true;
	ans->had_copy = e->last_had_copy;
	/* The API calls a request that waited for a fetch a MISS. */
	if (ans->kind == CACHE_REVALIDATED || ans->kind == CACHE_HIT)
		ans->kind = CACHE_MISS;
	if (ans->kind != CACHE_ERROR)
		cache_answer(ans, ans->kind, e->last_listing, e->fetched_at,
		    cache.clock());
}

/* After e's fetch: update e and make the first waiter's answer. */
static void
cache_publish(struct cache_entry *e, struct fetch_outcome *out,
    struct cache_answer *ans)
{
	long long now = cache.clock();

	ans->forwarded = true;
	ans->had_copy = e->listing != NULL;
	switch (out->result) {
	case FETCH_NEW:
		listing_unref(e->listing);
		e->listing = out->listing; /* the fetch's reference */
		out->listing = NULL;
		e->fetched_at = now - out->age_ms;
		e->retry_at = 0;
		cache_answer(ans, CACHE_MISS, e->listing, e->fetched_at, now);
		break;
	case FETCH_NOT_MODIFIED:
		e->fetched_at = now;
		e->retry_at = 0;
		cache_answer(ans, CACHE_REVALIDATED, e->listing, now, now);
		break;
	case FETCH_ERROR:
		/* another instance's copy, when it is newer than ours */
		if (out->stale != NULL && out->stale->status == 200 &&
		    (e->listing == NULL ||
			now - out->stale_age_ms > e->fetched_at)) {
			listing_unref(e->listing);
			e->listing = out->stale;
			e->fetched_at = now - out->stale_age_ms;
		} else
			listing_unref(out->stale);
		out->stale = NULL;
		if (cache_can_serve_stale(e, now))
			cache_answer(ans, CACHE_STALE, e->listing,
			    e->fetched_at, now);
		else
			ans->kind = CACHE_ERROR;
		/* do not ask again for a while; serve the copy meanwhile */
		e->retry_at = now +
		    (cache.ttl_ms < CACHE_BACKOFF_MAX_MS
			    ? cache.ttl_ms
			    : CACHE_BACKOFF_MAX_MS);
		break;
	}
	ans->fetch = *out;
	e->last = *out;
	e->last_kind = ans->kind;
	e->last_had_copy = ans->had_copy;
	listing_unref(e->last_listing);
	e->last_listing = listing_ref(ans->listing);
	e->filling = false;
	cache_account(e);
	/* nothing to keep, or more than the whole cache may hold */
	if (e->listing == NULL || (long long)e->bytes > cache.max_bytes)
		cache_unlink(e);
	cache_evict();
}

/* Park w on e; the caller holds the lock and checked the bound. */
static void
cache_park(struct cache_entry *e, struct cache_waiter *w)
{
	STAILQ_INSERT_TAIL(&e->waiters, w, next);
	if (++cache.parked > cache.parked_max)
		cache.parked_max = cache.parked;
}

/* Whether one more request may park; counts the refusal when not. */
static bool
cache_may_park(void)
{
	if (cache.parked < cache.max_waiting)
		return true;
	cache.refused++;
	return false;
}

/* Answer with e's copy, past the TTL, while it is revalidated. */
static void
cache_answer_updating(struct cache_answer *ans, struct cache_entry *e,
    long long now)
{
	cache_lru_touch(e);
	cache_answer(ans, CACHE_UPDATING, e->listing, e->fetched_at, now);
	ans->stored = true;
}

/*
 * Answer with e's copy past the TTL when GitHub's budget puts its
 * background refresh off (the pace is asked again after a short back-off,
 * at most CACHE_DEFER_MAX_MS, not on every request). False: refresh now.
 */
static bool
cache_answer_deferred(struct cache_answer *ans, struct cache_entry *e,
    long long now)
{
	if (now >= e->defer_until) {
		long wait = budget_refresh_wait(time(NULL));

		if (wait == 0)
			return false;
		budget_count(BUDGET_DEFERRED);
		log_msg(LOG_LEVEL_DEBUG,
		    "revalidation of %s deferred: GitHub's budget is below its "
		    "pace for %ld s",
		    e->key, wait);
		e->defer_until = now +
		    (wait * 1000LL < CACHE_DEFER_MAX_MS ? wait * 1000LL
							: CACHE_DEFER_MAX_MS);
	}
	cache_lru_touch(e);
	cache_answer(ans, CACHE_DEFERRED, e->listing, e->fetched_at, now);
	ans->stored = true;
	return true;
}

/*
 * Answer from what e holds, with no fetch of this request's: the copy
 * past the TTL while a revalidation runs (within the bound), a fresh
 * copy, or what GitHub's failure a moment ago came to. False: park or
 * fetch.
 */
static bool
cache_answer_held(struct cache_answer *ans, struct cache_entry *e,
    long long now)
{
	if (e->listing != NULL && now - e->fetched_at < cache.ttl_ms) {
		/* fresh, even while it is refreshed ahead */
		cache_lru_touch(e);
		cache_answer(ans, CACHE_HIT, e->listing, e->fetched_at, now);
		ans->stored = true;
		return true;
	}
	if (e->filling) {
		if (!cache_can_serve_updating(e, now))
			return false;
		cache_answer_updating(ans, e, now);
		return true;
	}
	if (now < e->retry_at) {
		/* GitHub failed a moment ago: answer as then, without asking */
		if (cache_can_serve_stale(e, now))
			cache_answer(ans, CACHE_STALE, e->listing,
			    e->fetched_at, now);
		else {
			ans->kind = CACHE_ERROR;
			cache_answer_last(ans, e);
		}
		return true;
	}
	return false;
}

/*
 * Whether a hit on e should start a refresh ahead of the TTL: in its last
 * fifth, a copy of gists not refreshed ahead yet, nothing under way, and
 * the pace allows it now (asked again after a back-off when it does not).
 */
static bool
cache_wants_ahead(struct cache_entry *e, long long now)
{
	long wait;

	if (e->filling || e->listing == NULL || e->listing->status != 200 ||
	    now - e->fetched_at <
		cache.ttl_ms - cache.ttl_ms / CACHE_AHEAD_DIV ||
	    e->ahead_for == e->fetched_at || now < e->defer_until)
		return false;
	if ((wait = budget_refresh_wait(time(NULL))) > 0) {
		e->defer_until = now +
		    (wait * 1000LL < CACHE_DEFER_MAX_MS ? wait * 1000LL
							: CACHE_DEFER_MAX_MS);
		return false;
	}
	e->ahead_for = e->fetched_at;
	return true;
}

/* Mark e's fetch as one in the background; the copy to revalidate. */
static struct listing *
cache_start_background(struct cache_entry *e)
{
	e->filling = e->background = true;
	e->pins++;
	cache.background++;
	return listing_ref(e->listing);
}

enum cache_lookup_result
cache_lookup(const char *key, cache_start_fn start, void *arg,
    struct cache_waiter *w)
{
	uint64_t h = cache_hash(key);
	struct cache_answer *ans = &w->ans;
	struct cache_entry *e = NULL;
	struct listing *prev;
	long long now;

	memset(ans, 0, sizeof(*ans));
	pthread_mutex_lock(&cache.lock);
	now = cache.clock();
	if (cache.ttl_ms > 0)
		e = cache_find(key, h);
	if (e != NULL && cache_answer_held(ans, e, now)) {
		bool ahead =
		    ans->kind == CACHE_HIT && cache_wants_ahead(e, now);

		prev = ahead ? cache_start_background(e) : NULL;
		pthread_mutex_unlock(&cache.lock);
		if (ans->kind != CACHE_ERROR)
			budget_count(BUDGET_SAVED_HIT);
		if (ahead) {
			budget_count(BUDGET_AHEAD);
			start(arg, prev, e);
		}
		return CACHE_ANSWERED;
	}
	if (e != NULL && e->filling) {
		if (!cache_may_park()) {
			pthread_mutex_unlock(&cache.lock);
			return CACHE_FULL;
		}
		cache_park(e, w);
		pthread_mutex_unlock(&cache.lock);
		return CACHE_PARKED;
	}
	if (e != NULL && cache_can_serve_updating(e, now)) {
		if (cache_answer_deferred(ans, e, now)) {
			pthread_mutex_unlock(&cache.lock);
			budget_count(BUDGET_SAVED_HIT);
			return CACHE_ANSWERED;
		}
		/* one revalidation in the background; the copy answers now */
		cache_answer_updating(ans, e, now);
		prev = cache_start_background(e);
		pthread_mutex_unlock(&cache.lock);
		budget_count(BUDGET_SAVED_HIT);
		start(arg, prev, e);
		return CACHE_ANSWERED;
	}
	if (!cache_may_park()) {
		pthread_mutex_unlock(&cache.lock);
		return CACHE_FULL;
	}
	/*
	 * No cache (TTL 0), or no memory for an entry in it: the fetch gets
	 * an entry of its own, outside the table, gone with its answer.
	 */
	if (e == NULL &&
	    (cache.ttl_ms == 0 || (e = cache_insert(key, h)) == NULL) &&
	    (e = cache_entry_alone()) == NULL) {
		pthread_mutex_unlock(&cache.lock);
		ans->kind = CACHE_ERROR;
		ans->fetch.result = FETCH_ERROR;
		ans->fetch.status = 500;
		snprintf(ans->fetch.detail, sizeof(ans->fetch.detail),
		    "out of memory");
		snprintf(ans->fetch.error, sizeof(ans->fetch.error),
		    "out of memory");
		return CACHE_ANSWERED;
	}
	e->filling = true;
	e->pins++;
	cache_park(e, w);
	prev = listing_ref(e->listing);
	pthread_mutex_unlock(&cache.lock);

	start(arg, prev, e);
	return CACHE_PARKED;
}

void
cache_filled(void *entry, struct fetch_outcome *out)
{
	struct cache_entry *e = entry;
	struct cache_waiters done = STAILQ_HEAD_INITIALIZER(done);
	struct cache_waiter *w, *next, *o;
	struct cache_answer scratch;

	pthread_mutex_lock(&cache.lock);
	STAILQ_CONCAT(&done, &e->waiters);
	w = STAILQ_FIRST(&done);
	if (e->background) {
		/* nobody asked for this answer; those who parked waited */
		memset(&scratch, 0, sizeof(scratch));
		cache_publish(e, out, &scratch);
		listing_unref(scratch.listing);
		e->background = false;
		o = w;
	} else {
		/* the first waiter started it: its answer is the fetch's */
		cache_publish(e, out, &w->ans);
		o = STAILQ_NEXT(w, next);
	}
	for (; o != NULL; o = STAILQ_NEXT(o, next))
		cache_answer_waited(&o->ans, e);
	for (o = w; o != NULL; o = STAILQ_NEXT(o, next)) {
		o->ans.stored = e->linked;
		cache.parked--;
	}
	cache_unpin(e);
	pthread_mutex_unlock(&cache.lock);
	for (; w != NULL; w = next) {
		next = STAILQ_NEXT(w, next); /* w is done's to free */
		w->done(w);
	}
}

void
cache_peek(const char *key, struct cache_peek *peek)
{
	struct cache_entry *e;
	long long now;

	memset(peek, 0, sizeof(*peek));
	pthread_mutex_lock(&cache.lock);
	now = cache.clock();
	e = cache_find(key, cache_hash(key));
	if (e != NULL && e->listing != NULL) {
		peek->listing = listing_ref(e->listing);
		peek->age = now > e->fetched_at
		    ? (long)((now - e->fetched_at) / 1000)
		    : 0;
		peek->fresh = now - e->fetched_at < cache.ttl_ms;
	}
	pthread_mutex_unlock(&cache.lock);
}

const char *
cache_kind_label(enum cache_kind kind)
{
	return cache_kind_names[kind].label;
}

const char *
cache_kind_header(enum cache_kind kind)
{
	return cache_kind_names[kind].header;
}

void
cache_count_result(enum cache_kind kind)
{
	atomic_fetch_add_explicit(&cache_results[kind], 1,
	    memory_order_relaxed);
}

void
cache_get_stats(struct cache_stats *st)
{
	for (size_t k = 0; k < CACHE_KINDS; k++)
		st->results[k] = atomic_load_explicit(&cache_results[k],
		    memory_order_relaxed);
	pthread_mutex_lock(&cache.lock);
	st->entries = cache.entries;
	st->bytes = cache.bytes;
	st->evictions = cache.evictions;
	st->parked = cache.parked;
	st->parked_max = cache.parked_max;
	st->refused = cache.refused;
	st->background = cache.background;
	pthread_mutex_unlock(&cache.lock);
}

/* Drop every entry no request is using. */
static void
cache_clear(void)
{
	pthread_mutex_lock(&cache.lock);
	for (struct cache_entry *e = TAILQ_LAST(&cache.lru, cache_lru), *newer;
	     e != NULL; e = newer) {
		newer = TAILQ_PREV(e, cache_lru, lru);
		if (!e->filling && e->pins == 0)
			cache_unlink(e);
	}
	pthread_mutex_unlock(&cache.lock);
}

void
cache_cleanup(void)
{
	cache_clear();
	free(cache.table);
	cache.table = NULL;
	pthread_mutex_destroy(&cache.lock);
}

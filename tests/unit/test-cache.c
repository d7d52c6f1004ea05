/* Unit tests: the cache's freshness, revalidation, stale, eviction and
 * coalescing rules, on a clock the test moves. */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "cache-get.h"
#include "tap.h"

static long long now_ms;
static int fills;
static enum fetch_result next_result;
static int next_status = 200; /* of a new listing */
static size_t next_pages = 1;
static const struct listing *seen_prev;
static useconds_t fill_delay;
static int fill_held; /* while set, a fill waits: the test releases it */
static int arrived; /* concurrent_get calls under way */

static long long
fake_clock(void)
{
	return now_ms;
}

/* A listing of npages pages of about 1 KB each. */
static struct listing *
make_listing(int status, size_t npages)
{
	struct listing *l = listing_new(status, npages);
	static char filler[1000];

	memset(filler, 'x', sizeof(filler) - 1);
	for (size_t i = 0; i < npages; i++) {
		struct json_object *arr = json_object_new_array();

		json_object_array_add(arr, json_object_new_string(filler));
		listing_set_page(l, i, arr, "\"e\"");
		json_object_put(arr);
	}
	listing_seal(l);
	return l;
}

static void
fill(void *arg, const struct listing *prev, struct fetch_outcome *out)
{
	(void)arg;
	__atomic_add_fetch(&fills, 1, __ATOMIC_SEQ_CST);
	seen_prev = prev;
	if (fill_delay > 0)
		usleep(fill_delay);
	while (__atomic_load_n(&fill_held, __ATOMIC_SEQ_CST))
		usleep(1000);
	memset(out, 0, sizeof(*out));
	out->result = next_result;
	out->upstream_requests = 1;
	if (next_result == FETCH_NEW)
		out->listing = make_listing(next_status, next_pages);
	if (next_result == FETCH_ERROR) {
		out->status = 502;
		snprintf(out->detail, sizeof(out->detail), "GitHub failed");
	}
}

static enum cache_kind
get(const char *key, long *age)
{
	struct cache_answer ans;

	cache_get(key, fill, NULL, &ans);
	if (age != NULL)
		*age = ans.age;
	if (ans.kind != CACHE_ERROR && ans.listing == NULL)
		printf("# no listing with a non-error answer\n");
	listing_unref(ans.listing);
	return ans.kind;
}

/* A parked request of the tests. */
struct waiter {
	struct cache_waiter w;
};

static int answered;
static void *started_entry;

static void
record_done(struct cache_waiter *w)
{
	(void)w;
	answered++;
}

static void
record_start(void *arg, struct listing *prev, void *entry)
{
	(void)arg;
	listing_unref(prev);
	started_entry = entry;
}

static void *
slow_get(void *arg)
{
	*(enum cache_kind *)arg = get("slow", NULL);
	return NULL;
}

static void *
concurrent_get(void *arg)
{
	__atomic_add_fetch(&arrived, 1, __ATOMIC_SEQ_CST);
	*(enum cache_kind *)arg = get("busy", NULL);
	return NULL;
}

int
main(void)
{
	struct config cfg = { .cache_ttl = 60,
		.stale_ttl = 300,
		.cache_max_bytes = 1 << 20,
		.upstream_timeout = 10,
		.max_pages = 30 };
	struct cache_stats st;
	long age;

	cache_init(&cfg, fake_clock);
	now_ms = 1000000;

	/* miss, then hits that age; the fill saw no previous copy */
	next_result = FETCH_NEW;
	TAP_LONG(get("a", &age), CACHE_MISS);
	TAP_OK(seen_prev == NULL);
	now_ms += 5500;
	TAP_LONG(get("a", &age), CACHE_HIT);
	TAP_LONG(age, 5);
	TAP_LONG(fills, 1);

	/* at the TTL: revalidation offers the copy; 304 refreshes it */
	now_ms += 54500;
	next_result = FETCH_NOT_MODIFIED;
	TAP_LONG(get("a", &age), CACHE_REVALIDATED);
	TAP_OK(seen_prev != NULL);
	TAP_LONG(age, 0);
	TAP_LONG(fills, 2);
	now_ms += 1000;
	TAP_LONG(get("a", &age), CACHE_HIT);
	TAP_LONG(fills, 2);

	/* a peek sees the copy, its age and freshness; fetches nothing */
	{
		struct cache_peek peek;

		cache_peek("a", &peek);
		TAP_OK(peek.listing != NULL && peek.fresh);
		TAP_LONG(peek.age, 1);
		listing_unref(peek.listing);
		now_ms += 60000;
		cache_peek("a", &peek);
		TAP_OK(peek.listing != NULL && !peek.fresh);
		TAP_LONG(peek.age, 61);
		listing_unref(peek.listing);
		now_ms -= 60000;
		cache_peek("nothing", &peek);
		TAP_OK(peek.listing == NULL);
		TAP_LONG(fills, 2);
	}

	/* GitHub failing after the TTL: stale, then no asking for a while */
	now_ms += 60000;
	next_result = FETCH_ERROR;
	TAP_LONG(get("a", &age), CACHE_STALE);
	TAP_LONG(age, 61);
	TAP_LONG(fills, 3);
	now_ms += 10000;
	TAP_LONG(get("a", &age), CACHE_STALE);
	TAP_LONG(fills, 3);
	/* after the back-off GitHub is asked again */
	now_ms += 25000;
	TAP_LONG(get("a", &age), CACHE_STALE);
	TAP_LONG(fills, 4);
	/* past the stale limit (300 s since the last 304): an error */
	now_ms += 250000;
	TAP_LONG(get("a", &age), CACHE_ERROR);
	TAP_LONG(fills, 5);
	/* a new fetch makes it fresh again */
	now_ms += 60000;
	next_result = FETCH_NEW;
	TAP_LONG(get("a", &age), CACHE_MISS);
	TAP_LONG(get("a", &age), CACHE_HIT);

	/* a failed first fetch keeps nothing: the next request asks again */
	next_result = FETCH_ERROR;
	TAP_LONG(get("b", NULL), CACHE_ERROR);
	fills = 0;
	TAP_LONG(get("b", NULL), CACHE_ERROR);
	TAP_LONG(fills, 1);

	/* a 404 is cached like a listing, but never served stale */
	next_result = FETCH_NEW;
	next_status = 404;
	fills = 0;
	TAP_LONG(get("gone", NULL), CACHE_MISS);
	TAP_LONG(get("gone", NULL), CACHE_HIT);
	TAP_LONG(fills, 1);
	now_ms += 61000;
	next_result = FETCH_ERROR;
	TAP_LONG(get("gone", NULL), CACHE_ERROR);
	next_status = 200;

	/* the bound: least recently used out first */
	cache_cleanup();
	next_pages = 5;
	{
		struct listing *sample = make_listing(200, next_pages);

		/* room for two listings and their entries, not three */
		cfg.cache_max_bytes = (long)(sample->bytes * 5 / 2);
		listing_unref(sample);
	}
	cache_init(&cfg, fake_clock);
	next_result = FETCH_NEW;
	fills = 0;
	get("x", NULL);
	get("y", NULL);
	TAP_LONG(get("x", NULL), CACHE_HIT); /* x is the newer now */
	get("z", NULL); /* evicts y */
	cache_get_stats(&st);
	TAP_LONG(st.entries, 2);
	TAP_OK((long)st.bytes <= cfg.cache_max_bytes);
	TAP_LONG(st.evictions, 1);
	TAP_LONG(get("x", NULL), CACHE_HIT);
	TAP_LONG(get("y", NULL), CACHE_MISS);
	TAP_LONG(fills, 4);

	/* a listing larger than the bound is answered, not kept */
	next_pages = 30;
	TAP_LONG(get("big", NULL), CACHE_MISS);
	TAP_LONG(get("big", NULL), CACHE_MISS);
	cache_get_stats(&st);
	TAP_OK((long)st.bytes <= cfg.cache_max_bytes);
	next_pages = 1;

	/* concurrent misses for one key share one fill */
	{
		pthread_t t[8];
		enum cache_kind kinds[8];

		/*
		 * The fill is held until all eight have called cache_get,
		 * and half a second more for the last to reach the lock: no
		 * thread can come late and find a HIT, however slow the
		 * machine is at starting threads.
		 */
		fills = 0;
		fill_held = 1;
		for (int i = 0; i < 8; i++)
			pthread_create(&t[i], NULL, concurrent_get, &kinds[i]);
		while (__atomic_load_n(&arrived, __ATOMIC_SEQ_CST) < 8)
			usleep(1000);
		usleep(500000);
		__atomic_store_n(&fill_held, 0, __ATOMIC_SEQ_CST);
		for (int i = 0; i < 8; i++)
			pthread_join(t[i], NULL);
		TAP_LONG(fills, 1);
		for (int i = 0; i < 8; i++)
			TAP_LONG(kinds[i], CACHE_MISS);
	}

	/*
	 * A request that joins a fetch waits for its end however long it
	 * takes (here 1.5 s with a 1 s timeout): no giving up early.
	 */
	cache_cleanup();
	cfg.upstream_timeout = 1;
	cfg.max_pages = 1;
	cfg.cache_max_bytes = 1 << 20;
	cache_init(&cfg, fake_clock);
	next_result = FETCH_NEW;
	TAP_LONG(get("slow", NULL), CACHE_MISS);
	now_ms += 61000;
	{
		pthread_t t;
		enum cache_kind first, second;

		fills = 0;
		fill_delay = 1500000;
		pthread_create(&t, NULL, slow_get, &first);
		/* the second joins a fetch under way, not a finished one */
		while (__atomic_load_n(&fills, __ATOMIC_SEQ_CST) < 1)
			usleep(1000);
		second = get("slow", NULL);
		TAP_LONG(second, CACHE_MISS);
		pthread_join(t, NULL);
		TAP_LONG(first, CACHE_MISS);
		TAP_LONG(fills, 1);
		fill_delay = 0;
	}

	/*
	 * Parked waiters: answered when the fetch ends, by whoever ends it;
	 * GISTS_MAX_WAITING bounds them, hits never count.
	 */
	cache_cleanup();
	cfg.max_waiting = 3;
	cache_init(&cfg, fake_clock);
	{
		struct waiter w[4];

		started_entry = NULL;
		for (int i = 0; i < 4; i++)
			w[i].w.done = record_done;
		for (int i = 0; i < 3; i++)
			TAP_LONG(cache_lookup("p", record_start, NULL, &w[i].w),
			    CACHE_PARKED);
		TAP_LONG(cache_lookup("p", record_start, NULL, &w[3].w),
		    CACHE_FULL);
		TAP_LONG(cache_lookup("q", record_start, NULL, &w[3].w),
		    CACHE_FULL);
		TAP_OK(started_entry != NULL);
		cache_get_stats(&st);
		TAP_LONG(st.parked, 3);
		TAP_LONG(st.refused, 2);
		TAP_LONG(answered, 0);
		{
			struct fetch_outcome out = { .result = FETCH_NEW };

			out.listing = make_listing(200, 1);
			cache_filled(started_entry, &out);
		}
		TAP_LONG(answered, 3);
		TAP_LONG(w[0].w.ans.kind, CACHE_MISS);
		TAP_LONG(w[0].w.ans.waited, 0);
		TAP_LONG(w[2].w.ans.kind, CACHE_MISS);
		TAP_LONG(w[2].w.ans.waited, 1);
		cache_get_stats(&st);
		TAP_LONG(st.parked, 0);
		TAP_LONG(st.parked_max, 3);
		/* a hit answers at once, whatever is parked */
		TAP_LONG(cache_lookup("p", record_start, NULL, &w[3].w),
		    CACHE_ANSWERED);
		TAP_LONG(w[3].w.ans.kind, CACHE_HIT);
		for (int i = 0; i < 4; i++)
			listing_unref(w[i].w.ans.listing);
	}

	cache_cleanup();
	return tap_done();
}

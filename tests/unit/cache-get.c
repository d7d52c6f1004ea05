/* cache_get: a blocking cache_lookup, for tests/unit/test-cache. */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "cache-get.h"

/* A caller of cache_get waiting for its answer. */
struct cache_sync {
	struct cache_waiter w;
	cache_fill_fn fill;
	void *arg;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
};

static void
cache_sync_start(void *arg, struct listing *prev, void *entry)
{
	struct cache_sync *s = arg;
	struct fetch_outcome out;

	memset(&out, 0, sizeof(out));
	s->fill(s->arg, prev, &out);
	listing_unref(prev);
	cache_filled(entry, &out);
}

static void
cache_sync_done(struct cache_waiter *w)
{
	struct cache_sync *s = (struct cache_sync *)w;

	pthread_mutex_lock(&s->lock);
	s->done = true;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

void
cache_get(const char *key, cache_fill_fn fill, void *arg,
    struct cache_answer *ans)
{
	struct cache_sync s = { .fill = fill, .arg = arg };
	enum cache_lookup_result r;

	s.w.done = cache_sync_done;
	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.cond, NULL);
	r = cache_lookup(key, cache_sync_start, &s, &s.w);
	if (r == CACHE_PARKED) {
		pthread_mutex_lock(&s.lock);
		while (!s.done)
			pthread_cond_wait(&s.cond, &s.lock);
		pthread_mutex_unlock(&s.lock);
	} else if (r == CACHE_FULL) {
		s.w.ans.kind = CACHE_ERROR;
		s.w.ans.fetch.result = FETCH_ERROR;
		s.w.ans.fetch.status = 503;
		s.w.ans.fetch.retry_after = 1;
	}
	pthread_cond_destroy(&s.cond);
	pthread_mutex_destroy(&s.lock);
	*ans = s.w.ans;
}

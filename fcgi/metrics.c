/* Prometheus counters: relaxed atomics, bumped on the request path. */
#include <stdatomic.h>
#include <sys/time.h>

#include "metrics.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const int metrics_statuses[METRICS_STATUSES] = { 200, 304, 400, 404, 405, 500,
	502, 503, 504 };

const long metrics_request_bounds[METRICS_REQ_BOUNDS] = { 500, 1000, 2500, 5000,
	10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000,
	10000000 };
const long metrics_upstream_bounds[METRICS_UP_BOUNDS] = { 5000, 10000, 25000,
	50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000,
	30000000 };

static const char *metrics_route_names[METRICS_ROUTES];
static size_t metrics_nroutes;

static struct {
	double start_time;
	atomic_long in_flight;
	atomic_ulong requests[METRICS_ROUTES][METRICS_STATUSES + 1];
	atomic_ulong req_bucket[METRICS_ROUTES][METRICS_REQ_BOUNDS + 1];
	atomic_ullong req_sum_us[METRICS_ROUTES];
	atomic_ulong upstream[METRICS_CLASSES];
	atomic_ulong up_bucket[METRICS_UP_BOUNDS + 1];
	atomic_ullong up_sum_us;
	atomic_ulong listings_cut;
} metrics;

void
metrics_init(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	metrics.start_time = (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int
metrics_set_routes(const char *const *labels, size_t n)
{
	if (n > METRICS_ROUTES)
		return -1;
	for (size_t i = 0; i < n; i++)
		metrics_route_names[i] = labels[i];
	metrics_nroutes = n;
	return 0;
}

size_t
metrics_routes(void)
{
	return metrics_nroutes;
}

const char *
metrics_route_name(size_t route)
{
	return route < metrics_nroutes ? metrics_route_names[route] : "";
}

void
metrics_listing_cut(void)
{
	atomic_fetch_add_explicit(&metrics.listings_cut, 1,
	    memory_order_relaxed);
}

void
metrics_request_begin(void)
{
	atomic_fetch_add_explicit(&metrics.in_flight, 1, memory_order_relaxed);
}

/* The bucket a duration falls in (the first bound it does not exceed). */
static size_t
metrics_bucket(const long *bounds, size_t n, long us)
{
	size_t i = 0;

	while (i < n && us > bounds[i])
		i++;
	return i;
}

void
metrics_request_end(size_t route, int status, long duration_us)
{
	size_t s = 0;

	atomic_fetch_sub_explicit(&metrics.in_flight, 1, memory_order_relaxed);
	if (route >= METRICS_ROUTES)
		return;
	while (s < METRICS_STATUSES && metrics_statuses[s] != status)
		s++;
	atomic_fetch_add_explicit(&metrics.requests[route][s], 1,
	    memory_order_relaxed);
	atomic_fetch_add_explicit(&metrics.req_bucket
				       [route]
				       [metrics_bucket(metrics_request_bounds,
					   METRICS_REQ_BOUNDS, duration_us)],
	    1, memory_order_relaxed);
	atomic_fetch_add_explicit(&metrics.req_sum_us[route],
	    (unsigned long long)(duration_us > 0 ? duration_us : 0),
	    memory_order_relaxed);
}

void
metrics_upstream(long status, long duration_us)
{
	size_t class =
	    status >= 100 && status < 600 ? (size_t)(status / 100) : 0;

	atomic_fetch_add_explicit(&metrics.upstream[class], 1,
	    memory_order_relaxed);
	atomic_fetch_add_explicit(&metrics.up_bucket
				       [metrics_bucket(metrics_upstream_bounds,
					   METRICS_UP_BOUNDS, duration_us)],
	    1, memory_order_relaxed);
	atomic_fetch_add_explicit(&metrics.up_sum_us,
	    (unsigned long long)(duration_us > 0 ? duration_us : 0),
	    memory_order_relaxed);
}

/* Copy n relaxed counters. */
static void
metrics_copy(unsigned long *dst, atomic_ulong *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = atomic_load_explicit(&src[i], memory_order_relaxed);
}

void
metrics_get(struct metrics_stats *st)
{
	st->start_time = metrics.start_time;
	st->in_flight = atomic_load(&metrics.in_flight);
	for (size_t r = 0; r < METRICS_ROUTES; r++) {
		metrics_copy(st->requests[r], metrics.requests[r],
		    NELEM(st->requests[r]));
		metrics_copy(st->req_bucket[r], metrics.req_bucket[r],
		    NELEM(st->req_bucket[r]));
		st->req_sum_us[r] = atomic_load(&metrics.req_sum_us[r]);
	}
	metrics_copy(st->upstream, metrics.upstream, NELEM(st->upstream));
	metrics_copy(st->up_bucket, metrics.up_bucket, NELEM(st->up_bucket));
	st->up_sum_us = atomic_load(&metrics.up_sum_us);
	st->listings_cut = atomic_load(&metrics.listings_cut);
}

/*
 * Counters for /-/metrics (Prometheus text format 0.0.4). Everything on a
 * request's path is a relaxed atomic add: no lock, no allocation.
 */
#ifndef GISTS_METRICS_H
#define GISTS_METRICS_H

#include <stddef.h>

#include "cache.h"

enum metrics_route {
	METRICS_ROUTE_USER,
	METRICS_ROUTE_INDEX,
	METRICS_ROUTE_HEALTHZ,
	METRICS_ROUTE_METRICS,
	METRICS_ROUTE_OTHER, /* unknown or malformed paths */
	METRICS_ROUTES,
};

/* Remember the start time. */
void metrics_init(void);

/* A request begins (in flight) and ends (counted, timed). */
void metrics_request_begin(void);
void
metrics_request_end(enum metrics_route route, int status, long duration_us);

/* A /{user} answer came from the cache this way. */
void metrics_cache_result(enum cache_kind result);

/*
 * One upstream request finished: HTTP status (0 when there was none, a
 * transport failure) and how long it took.
 */
void metrics_upstream(long status, long duration_us);

/* A listing was cut at GISTS_MAX_LISTING_BYTES. */
void metrics_listing_cut(void);

/*
 * The exposition, in a new buffer (caller frees), or NULL. Gauges that
 * live elsewhere (cache size, rate-limit back-off) are read here.
 */
char *metrics_render(size_t *len);

#endif

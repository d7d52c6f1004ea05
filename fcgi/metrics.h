/*
 * Counters that modules only bump (lighttpd's plugin_stats): requests by
 * route and status with their durations, upstream requests, cut
 * listings. Everything on a request's path is a relaxed atomic add: no
 * lock, no allocation. status.c reads them (metrics_get) and renders
 * /-/metrics.
 */
#ifndef GISTS_METRICS_H
#define GISTS_METRICS_H

#include <stddef.h>

/* The most routes counted apart (handler.c's table has their labels). */
#define METRICS_ROUTES 8

/* The statuses counted by name; any other is counted as "other". */
#define METRICS_STATUSES 9
extern const int metrics_statuses[METRICS_STATUSES];

/* Histogram bounds, in microseconds; one more bucket (+Inf) follows. */
#define METRICS_REQ_BOUNDS 14
#define METRICS_UP_BOUNDS 12
extern const long metrics_request_bounds[METRICS_REQ_BOUNDS];
extern const long metrics_upstream_bounds[METRICS_UP_BOUNDS];

/* Upstream status classes: "error" (no answer), then 1xx to 5xx. */
#define METRICS_CLASSES 6

/* Remember the start time. */
void metrics_init(void);

/*
 * The routes' labels, route i's at labels[i] (the strings must last),
 * from the route table at start. Returns 0, or -1 when n is more than
 * METRICS_ROUTES.
 */
int metrics_set_routes(const char *const *labels, size_t n);

/* How many routes there are, and route i's label. */
size_t metrics_routes(void);
const char *metrics_route_name(size_t route);

/* A request begins (in flight) and ends (counted, timed). */
void metrics_request_begin(void);
void metrics_request_end(size_t route, int status, long duration_us);

/*
 * One upstream request finished: HTTP status (0 when there was none, a
 * transport failure) and how long it took.
 */
void metrics_upstream(long status, long duration_us);

/* A listing was cut at GISTS_MAX_LISTING_BYTES. */
void metrics_listing_cut(void);

/* The counters as they stand (each read on its own, relaxed). */
struct metrics_stats {
	double start_time; /* seconds since the epoch */
	long in_flight;
	/* by route, by status (index METRICS_STATUSES: other) */
	unsigned long requests[METRICS_ROUTES][METRICS_STATUSES + 1];
	unsigned long req_bucket[METRICS_ROUTES][METRICS_REQ_BOUNDS + 1];
	unsigned long long req_sum_us[METRICS_ROUTES];
	unsigned long upstream[METRICS_CLASSES];
	unsigned long up_bucket[METRICS_UP_BOUNDS + 1];
	unsigned long long up_sum_us;
	unsigned long listings_cut;
};

void metrics_get(struct metrics_stats *st);

#endif

/*
 * The service's own pages: /-/metrics (Prometheus text format 0.0.4)
 * and /-/healthz, rendered at the top from each module's stats (metrics'
 * counters, the cache, the shared tier, the rate limit); the modules
 * only count.
 */
#ifndef GISTS_STATUS_H
#define GISTS_STATUS_H

#include <stddef.h>

/* The exposition, in a new buffer (caller frees), or NULL. */
char *status_metrics(size_t *len);

/* The health body: ok, and the shared tier's state when there is one. */
const char *status_healthz(void);

#endif

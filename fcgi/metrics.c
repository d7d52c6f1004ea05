/* Prometheus metrics: atomic counters, rendered on scrape. */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buf.h"
#include "cache.h"
#include "github.h"
#include "metrics.h"
#include "ratelimit.h"
#include "redis.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The statuses we answer; anything else is counted as "other". */
static const int metrics_statuses[] = { 200, 304, 400, 404, 405, 500, 502, 503,
	504 };
#define METRICS_STATUSES (NELEM(metrics_statuses) + 1)

static const char *const metrics_route_names[METRICS_ROUTES] = {
	"user",
	"index",
	"healthz",
	"metrics",
	"other",
};
static const char *const metrics_cache_names[] = {
	[CACHE_MISS] = "miss",
	[CACHE_HIT] = "hit",
	[CACHE_REVALIDATED] = "revalidated",
	[CACHE_STALE] = "stale",
	[CACHE_ERROR] = "error",
};
#define METRICS_CACHES NELEM(metrics_cache_names)
static const char *const metrics_class_names[] = {
	"error",
	"1xx",
	"2xx",
	"3xx",
	"4xx",
	"5xx",
};

/* Upper bounds, in microseconds; the last bucket is +Inf. */
static const long metrics_request_buckets[] = { 500, 1000, 2500, 5000, 10000,
	25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000,
	10000000 };
static const long metrics_upstream_buckets[] = { 5000, 10000, 25000, 50000,
	100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000, 30000000 };

#define REQ_BUCKETS (NELEM(metrics_request_buckets) + 1)
#define UP_BUCKETS (NELEM(metrics_upstream_buckets) + 1)

static struct {
	double start_time;
	atomic_long in_flight;
	atomic_ulong requests[METRICS_ROUTES][METRICS_STATUSES];
	atomic_ulong req_bucket[METRICS_ROUTES][REQ_BUCKETS];
	atomic_ullong req_sum_us[METRICS_ROUTES];
	atomic_ulong cache[METRICS_CACHES];
	atomic_ulong upstream[NELEM(metrics_class_names)];
	atomic_ulong up_bucket[UP_BUCKETS];
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
metrics_request_end(enum metrics_route route, int status, long duration_us)
{
	size_t s = 0;

	while (s < NELEM(metrics_statuses) && metrics_statuses[s] != status)
		s++;
	atomic_fetch_add_explicit(&metrics.requests[route][s], 1,
	    memory_order_relaxed);
	atomic_fetch_add_explicit(
	    &metrics.req_bucket[route][metrics_bucket(metrics_request_buckets,
		NELEM(metrics_request_buckets), duration_us)],
	    1, memory_order_relaxed);
	atomic_fetch_add_explicit(&metrics.req_sum_us[route],
	    (unsigned long long)(duration_us > 0 ? duration_us : 0),
	    memory_order_relaxed);
	atomic_fetch_sub_explicit(&metrics.in_flight, 1, memory_order_relaxed);
}

void
metrics_cache_result(enum cache_kind result)
{
	atomic_fetch_add_explicit(&metrics.cache[result], 1,
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
				       [metrics_bucket(metrics_upstream_buckets,
					   NELEM(metrics_upstream_buckets),
					   duration_us)],
	    1, memory_order_relaxed);
	atomic_fetch_add_explicit(&metrics.up_sum_us,
	    (unsigned long long)(duration_us > 0 ? duration_us : 0),
	    memory_order_relaxed);
}

static void
metrics_family(struct buf *b, const char *name, const char *type,
    const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A family of one unlabelled sample: its HELP, TYPE and value. */
static void
metrics_scalar(struct buf *b, const char *name, const char *type,
    const char *help, long long value)
{
	metrics_family(b, name, type, help);
	buf_printf(b, "%s %lld\n", name, value);
}

/* One histogram's series: cumulative buckets, sum, count. */
static void
metrics_histogram(struct buf *b, const char *name, const char *labels,
    const long *bounds, size_t nbounds, atomic_ulong *counts,
    unsigned long long sum_us)
{
	unsigned long cumulative = 0;
	const char *sep = labels[0] != '\0' ? "," : "";

	for (size_t i = 0; i <= nbounds; i++) {
		cumulative +=
		    atomic_load_explicit(&counts[i], memory_order_relaxed);
		if (i < nbounds)
			buf_printf(b, "%s_bucket{%s%sle=\"%g\"} %lu\n", name,
			    labels, sep, (double)bounds[i] / 1e6, cumulative);
		else
			buf_printf(b, "%s_bucket{%s%sle=\"+Inf\"} %lu\n", name,
			    labels, sep, cumulative);
	}
	buf_printf(b, "%s_sum%s%s%s %.6f\n", name, labels[0] ? "{" : "", labels,
	    labels[0] ? "}" : "", (double)sum_us / 1e6);
	buf_printf(b, "%s_count%s%s%s %lu\n", name, labels[0] ? "{" : "",
	    labels, labels[0] ? "}" : "", cumulative);
}

/* Resident memory from /proc/self/statm, in bytes; 0 when unknown. */
static unsigned long
metrics_rss(void)
{
	char buf[128], *p, *end;
	unsigned long resident;
	FILE *fp = fopen("/proc/self/statm", "r");
	size_t n;

	if (fp == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	/* "size resident shared ...", in pages */
	if ((p = strchr(buf, ' ')) == NULL)
		return 0;
	resident = strtoul(p + 1, &end, 10);
	if (end == p + 1)
		return 0;
	return resident * (unsigned long)sysconf(_SC_PAGESIZE);
}

/* The shared tier's families, when GISTS_REDIS_URL names one. */
static void
metrics_redis(struct buf *b)
{
	struct redis_stats rs;

	redis_get_stats(&rs);
	if (!rs.configured)
		return;
	metrics_scalar(b, "gists_redis_up", "gauge",
	    "1 while the shared tier (Redis) answers, 0 while it is skipped.",
	    (long long)(rs.up ? 1 : 0));
	metrics_scalar(b, "gists_redis_errors_total", "counter",
	    "Redis commands or connections that failed or timed out.",
	    (long long)rs.errors);
	metrics_scalar(b, "gists_redis_hits_total", "counter",
	    "Listings answered from Redis without asking GitHub.",
	    (long long)rs.hits);
	metrics_scalar(b, "gists_redis_waits_total", "counter",
	    "Misses that waited for another instance's fetch.",
	    (long long)rs.waits);
	metrics_scalar(b, "gists_redis_rejected_total", "counter",
	    "Values in Redis refused as not a listing of ours (a miss).",
	    (long long)rs.rejected);
}

char *
metrics_render(size_t *len)
{
	struct buf b;
	struct cache_stats cs;
	struct ratelimit_stats rl;
	char labels[64];
	long remaining, reset, limit, in_flight;

	buf_init(&b, 16384);

	metrics_family(&b, "gists_requests_total", "counter",
	    "Requests answered, by route and HTTP status.");
	for (size_t r = 0; r < METRICS_ROUTES; r++)
		for (size_t s = 0; s < METRICS_STATUSES; s++) {
			unsigned long n =
			    atomic_load_explicit(&metrics.requests[r][s],
				memory_order_relaxed);
			char status[8] = "other";

			if (n == 0)
				continue;
			if (s < NELEM(metrics_statuses))
				snprintf(status, sizeof(status), "%d",
				    metrics_statuses[s]);
			buf_printf(&b,
			    "gists_requests_total{route=\"%s\","
			    "status=\"%s\"} %lu\n",
			    metrics_route_names[r], status, n);
		}

	metrics_family(&b, "gists_request_duration_seconds", "histogram",
	    "Time from a request's arrival at the responder to its answer.");
	for (size_t r = 0; r < METRICS_ROUTES; r++) {
		snprintf(labels, sizeof(labels), "route=\"%s\"",
		    metrics_route_names[r]);
		metrics_histogram(&b, "gists_request_duration_seconds", labels,
		    metrics_request_buckets, NELEM(metrics_request_buckets),
		    metrics.req_bucket[r], atomic_load(&metrics.req_sum_us[r]));
	}

	/* this scrape is one of them: not counted, so that rest reads 0 */
	in_flight = atomic_load(&metrics.in_flight) - 1;
	metrics_scalar(&b, "gists_requests_in_flight", "gauge",
	    "Requests being answered now, this scrape not counted.",
	    (long long)(in_flight > 0 ? in_flight : 0));

	metrics_family(&b, "gists_cache_results_total", "counter",
	    "Listing answers by where they came from: hit, miss, revalidated "
	    "(GitHub said 304), stale (GitHub failed, an older copy), error "
	    "(GitHub failed, nothing to serve).");
	for (size_t c = 0; c < METRICS_CACHES; c++)
		buf_printf(&b,
		    "gists_cache_results_total{result=\"%s\"} "
		    "%lu\n",
		    metrics_cache_names[c], atomic_load(&metrics.cache[c]));

	cache_get_stats(&cs);
	metrics_scalar(&b, "gists_cache_entries", "gauge",
	    "Listings (and 404s) in the cache.", (long long)cs.entries);
	metrics_scalar(&b, "gists_cache_bytes", "gauge",
	    "Memory the cache accounts for (bounded by "
	    "GISTS_CACHE_MAX_BYTES).",
	    (long long)cs.bytes);
	metrics_scalar(&b, "gists_cache_evictions_total", "counter",
	    "Entries evicted to stay within GISTS_CACHE_MAX_BYTES.",
	    (long long)cs.evictions);
	metrics_scalar(&b, "gists_requests_parked", "gauge",
	    "Requests waiting for a fetch from GitHub now (they hold no "
	    "thread).",
	    (long long)cs.parked);
	metrics_scalar(&b, "gists_requests_parked_max", "gauge",
	    "The most requests waiting for GitHub at once since the start.",
	    (long long)cs.parked_max);
	metrics_scalar(&b, "gists_requests_refused_total", "counter",
	    "Requests answered 503 because GISTS_MAX_WAITING requests were "
	    "waiting for GitHub already.",
	    (long long)cs.refused);
	metrics_scalar(&b, "gists_listings_cut_total", "counter",
	    "Listings cut short because they would hold more than "
	    "GISTS_MAX_LISTING_BYTES.",
	    (long long)atomic_load(&metrics.listings_cut));

	metrics_redis(&b);

	metrics_family(&b, "gists_upstream_requests_total", "counter",
	    "Requests to GitHub, by HTTP status class (error: no answer).");
	for (size_t c = 0; c < NELEM(metrics_class_names); c++)
		buf_printf(&b,
		    "gists_upstream_requests_total{class=\"%s\"} "
		    "%lu\n",
		    metrics_class_names[c], atomic_load(&metrics.upstream[c]));

	metrics_family(&b, "gists_upstream_duration_seconds", "histogram",
	    "Time of one request to GitHub.");
	metrics_histogram(&b, "gists_upstream_duration_seconds", "",
	    metrics_upstream_buckets, NELEM(metrics_upstream_buckets),
	    metrics.up_bucket, atomic_load(&metrics.up_sum_us));

	ratelimit_get_stats(&rl);
	remaining = rl.remaining;
	reset = rl.reset;
	metrics_family(&b, "gists_github_ratelimit_remaining", "gauge",
	    "GitHub's X-RateLimit-Remaining, as last seen (absent until "
	    "seen).");
	if (remaining >= 0)
		buf_printf(&b, "gists_github_ratelimit_remaining %ld\n",
		    remaining);
	metrics_family(&b, "gists_github_ratelimit_reset_timestamp_seconds",
	    "gauge", "GitHub's X-RateLimit-Reset (Unix time), as last seen.");
	if (reset >= 0)
		buf_printf(&b,
		    "gists_github_ratelimit_reset_timestamp_seconds %ld\n",
		    reset);
	limit = rl.limit;
	metrics_family(&b, "gists_github_ratelimit_limit", "gauge",
	    "GitHub's X-RateLimit-Limit (requests per window), as last seen "
	    "(absent until seen).");
	if (limit > 0)
		buf_printf(&b, "gists_github_ratelimit_limit %ld\n", limit);
	metrics_scalar(&b, "gists_github_backoff_seconds", "gauge",
	    "Seconds until GitHub is asked again after a rate limit (0: no "
	    "back-off).",
	    (long long)rl.blocked_for);

	metrics_family(&b, "gists_build_info", "gauge",
	    "Always 1; the labels say what runs.");
	buf_printf(&b, "gists_build_info{version=\"%s\",curl=\"%s\"} 1\n",
	    PACKAGE_VERSION, curl_version_info(CURLVERSION_NOW)->version);
	metrics_family(&b, "process_start_time_seconds", "gauge",
	    "Start time of the responder since the Unix epoch, in seconds.");
	buf_printf(&b, "process_start_time_seconds %.3f\n", metrics.start_time);
	metrics_scalar(&b, "process_resident_memory_bytes", "gauge",
	    "Resident memory of the responder, in bytes.",
	    (long long)metrics_rss());

	return buf_finish(&b, len);
}

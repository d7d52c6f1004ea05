/* /-/metrics and /-/healthz, from every module's stats. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "budget.h"
#include "buf.h"
#include "cache.h"
#include "metrics.h"
#include "parse.h"
#include "ratelimit.h"
#include "redis.h"
#include "status.h"

static const char *const status_class_names[METRICS_CLASSES] = {
	"error",
	"1xx",
	"2xx",
	"3xx",
	"4xx",
	"5xx",
};

static void
status_family(struct buf *b, const char *name, const char *type,
    const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A family of one unlabelled sample: its HELP, TYPE and value. */
static void
status_scalar(struct buf *b, const char *name, const char *type,
    const char *help, long long value)
{
	status_family(b, name, type, help);
	buf_printf(b, "%s %lld\n", name, value);
}

/* A histogram's bounds and counts (nbounds + 1 of them: +Inf last). */
struct status_hist {
	const long *bounds;
	size_t nbounds;
	const unsigned long *counts;
	unsigned long long sum_us;
};

/* One histogram's series: cumulative buckets, sum, count. */
static void
status_histogram(struct buf *b, const char *name, const char *labels,
    const struct status_hist *h)
{
	unsigned long cumulative = 0;
	const char *sep = labels[0] != '\0' ? "," : "";

	for (size_t i = 0; i <= h->nbounds; i++) {
		cumulative += h->counts[i];
		if (i < h->nbounds)
			buf_printf(b, "%s_bucket{%s%sle=\"%g\"} %lu\n", name,
			    labels, sep, (double)h->bounds[i] / 1e6,
			    cumulative);
		else
			buf_printf(b, "%s_bucket{%s%sle=\"+Inf\"} %lu\n", name,
			    labels, sep, cumulative);
	}
	buf_printf(b, "%s_sum%s%s%s %.6f\n", name, labels[0] ? "{" : "", labels,
	    labels[0] ? "}" : "", (double)h->sum_us / 1e6);
	buf_printf(b, "%s_count%s%s%s %lu\n", name, labels[0] ? "{" : "",
	    labels, labels[0] ? "}" : "", cumulative);
}

/* Resident memory from /proc/self/statm, in bytes; 0 when unknown. */
static unsigned long
status_rss(void)
{
	char buf[128], *p;
	long long resident;
	long page = sysconf(_SC_PAGESIZE);
	FILE *fp = fopen("/proc/self/statm", "r");
	size_t n;

	if (fp == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	/* "size resident shared ...", in pages */
	if (page <= 0 || (p = strchr(buf, ' ')) == NULL ||
	    !parse_number(p + 1, parse_span(p + 1, strlen(p + 1)), 0,
		(long long)(ULONG_MAX / (unsigned long)page), &resident))
		return 0;
	return (unsigned long)resident * (unsigned long)page;
}

/* Requests by route and status, their durations, those in flight. */
static void
status_requests(struct buf *b, const struct metrics_stats *ms)
{
	char labels[64];
	long in_flight;

	status_family(b, "gists_requests_total", "counter",
	    "Requests answered, by route and HTTP status.");
	for (size_t r = 0; r < metrics_routes(); r++)
		for (size_t s = 0; s <= METRICS_STATUSES; s++) {
			char status[8] = "other";

			if (ms->requests[r][s] == 0)
				continue;
			if (s < METRICS_STATUSES)
				snprintf(status, sizeof(status), "%d",
				    metrics_statuses[s]);
			buf_printf(b,
			    "gists_requests_total{route=\"%s\","
			    "status=\"%s\"} %lu\n",
			    metrics_route_name(r), status, ms->requests[r][s]);
		}

	status_family(b, "gists_request_duration_seconds", "histogram",
	    "Time from a request's arrival at the responder to its answer.");
	for (size_t r = 0; r < metrics_routes(); r++) {
		struct status_hist h = { metrics_request_bounds,
			METRICS_REQ_BOUNDS, ms->req_bucket[r],
			ms->req_sum_us[r] };

		snprintf(labels, sizeof(labels), "route=\"%s\"",
		    metrics_route_name(r));
		status_histogram(b, "gists_request_duration_seconds", labels,
		    &h);
	}

	/* this scrape is one of them: not counted, so that rest reads 0 */
	in_flight = ms->in_flight - 1;
	status_scalar(b, "gists_requests_in_flight", "gauge",
	    "Requests being answered now, this scrape not counted.",
	    (long long)(in_flight > 0 ? in_flight : 0));
}

/* The cache's answers, size and parked requests; cut listings. */
static void
status_cache(struct buf *b, const struct metrics_stats *ms)
{
	struct cache_stats cs;

	cache_get_stats(&cs);
	status_family(b, "gists_cache_results_total", "counter",
	    "Listing answers by where they came from: hit, miss, revalidated "
	    "(GitHub said 304), stale (GitHub failed, an older copy), "
	    "updating (past the TTL, answered while it is revalidated), "
	    "deferred (past the TTL, its revalidation put off by GitHub's "
	    "budget), error (GitHub failed, nothing to serve).");
	for (size_t c = 0; c < CACHE_KINDS; c++)
		buf_printf(b, "gists_cache_results_total{result=\"%s\"} %lu\n",
		    cache_kind_label(c), cs.results[c]);
	status_scalar(b, "gists_cache_background_revalidations_total",
	    "counter",
	    "Revalidations started in the background, the copy answering "
	    "meanwhile (GISTS_STALE_WHILE_REVALIDATE).",
	    (long long)cs.background);
	status_scalar(b, "gists_cache_entries", "gauge",
	    "Listings (and 404s) in the cache.", (long long)cs.entries);
	status_scalar(b, "gists_cache_bytes", "gauge",
	    "Memory the cache accounts for (bounded by "
	    "GISTS_CACHE_MAX_BYTES).",
	    (long long)cs.bytes);
	status_scalar(b, "gists_cache_evictions_total", "counter",
	    "Entries evicted to stay within GISTS_CACHE_MAX_BYTES.",
	    (long long)cs.evictions);
	status_scalar(b, "gists_requests_parked", "gauge",
	    "Requests waiting for a fetch from GitHub now (they hold no "
	    "thread).",
	    (long long)cs.parked);
	status_scalar(b, "gists_requests_parked_max", "gauge",
	    "The most requests waiting for GitHub at once since the start.",
	    (long long)cs.parked_max);
	status_scalar(b, "gists_requests_refused_total", "counter",
	    "Requests answered 503 because GISTS_MAX_WAITING requests were "
	    "waiting for GitHub already.",
	    (long long)cs.refused);
	status_scalar(b, "gists_listings_cut_total", "counter",
	    "Listings cut short because they would hold more than "
	    "GISTS_MAX_LISTING_BYTES.",
	    (long long)ms->listings_cut);
}

/* The shared tier's families, when GISTS_REDIS_URL names one. */
static void
status_redis(struct buf *b)
{
	struct redis_stats rs;

	redis_get_stats(&rs);
	if (!rs.configured)
		return;
	status_scalar(b, "gists_redis_up", "gauge",
	    "1 while the shared tier (Redis) answers, 0 while it is skipped.",
	    (long long)(rs.up ? 1 : 0));
	status_scalar(b, "gists_redis_errors_total", "counter",
	    "Redis commands or connections that failed or timed out.",
	    (long long)rs.errors);
	status_scalar(b, "gists_redis_hits_total", "counter",
	    "Listings answered from Redis without asking GitHub.",
	    (long long)rs.hits);
	status_scalar(b, "gists_redis_waits_total", "counter",
	    "Misses that waited for another instance's fetch.",
	    (long long)rs.waits);
	status_scalar(b, "gists_redis_rejected_total", "counter",
	    "Values in Redis refused as not a listing of ours (a miss).",
	    (long long)rs.rejected);
}

/* Requests to GitHub and their durations. */
static void
status_upstream(struct buf *b, const struct metrics_stats *ms)
{
	struct status_hist h = { metrics_upstream_bounds, METRICS_UP_BOUNDS,
		ms->up_bucket, ms->up_sum_us };

	status_family(b, "gists_upstream_requests_total", "counter",
	    "Requests to GitHub, by HTTP status class (error: no answer).");
	for (size_t c = 0; c < METRICS_CLASSES; c++)
		buf_printf(b,
		    "gists_upstream_requests_total{class=\"%s\"} %lu\n",
		    status_class_names[c], ms->upstream[c]);
	status_family(b, "gists_upstream_duration_seconds", "histogram",
	    "Time of one request to GitHub.");
	status_histogram(b, "gists_upstream_duration_seconds", "", &h);
}

/* Print name's family and, when known (>= min), its one sample. */
static void
status_gauge_known(struct buf *b, const char *name, const char *help,
    long value, long min)
{
	status_family(b, name, "gauge", help);
	if (value >= min)
		buf_printf(b, "%s %ld\n", name, value);
}

/* GitHub's rate-limit headers as last seen (the books), and our back-off. */
static void
status_ratelimit(struct buf *b, const struct budget_stats *bs)
{
	status_gauge_known(b, "gists_github_ratelimit_remaining",
	    "GitHub's X-RateLimit-Remaining, the latest answer's (absent "
	    "until seen).",
	    bs->remaining, 0);
	status_gauge_known(b, "gists_github_ratelimit_reset_timestamp_seconds",
	    "GitHub's X-RateLimit-Reset (Unix time), as last seen.", bs->reset,
	    0);
	status_gauge_known(b, "gists_github_ratelimit_limit",
	    "GitHub's X-RateLimit-Limit (requests per window), as last seen "
	    "(absent until seen).",
	    bs->limit, 1);
	status_scalar(b, "gists_github_backoff_seconds", "gauge",
	    "Seconds until GitHub is asked again after a rate limit (0: no "
	    "back-off).",
	    (long long)ratelimit_blocked_for());
}

/* GitHub's budget: the pace, what it put off, what was saved. */
static void
status_budget(struct buf *b, const struct budget_stats *bs)
{
	static const char *const saved[] = { "hit", "coalesced", "free_304" };

	status_scalar(b, "gists_github_requests_in_flight", "gauge",
	    "Requests sent to GitHub and not answered yet (counted as spent).",
	    (long long)bs->in_flight);
	status_gauge_known(b, "gists_budget_pace_remaining",
	    "What remaining should be at least now to last evenly to the "
	    "reset, keeping the reserve (absent until the books are known).",
	    bs->pace, 0);
	status_gauge_known(b, "gists_budget_reserve",
	    "Requests background refreshes leave for users nobody has cached "
	    "(GISTS_BUDGET_RESERVE of the limit).",
	    bs->reserve, 0);
	status_gauge_known(b, "gists_budget_burst",
	    "Requests a background refresh may run ahead of the pace.",
	    bs->burst, 0);
	status_scalar(b, "gists_budget_refreshes_deferred_total", "counter",
	    "Background refreshes the pace put off (the copy served stale "
	    "meanwhile).",
	    (long long)bs->counts[BUDGET_DEFERRED]);
	status_scalar(b, "gists_cache_refresh_ahead_total", "counter",
	    "Revalidations started on a hit in the last fifth of the TTL, "
	    "when the pace allowed (at most one per copy).",
	    (long long)bs->counts[BUDGET_AHEAD]);
	status_family(b, "gists_github_requests_saved_total", "counter",
	    "Requests GitHub was not sent, or not charged: answers from a "
	    "copy (hit), requests that waited for another's fetch "
	    "(coalesced), 304s to a request with a token (free_304).");
	for (size_t i = 0; i < 3; i++)
		buf_printf(b,
		    "gists_github_requests_saved_total{reason=\"%s\"} %lu\n",
		    saved[i], bs->counts[BUDGET_SAVED_HIT + i]);
}

/* What runs, since when, in how much memory. */
static void
status_process(struct buf *b, const struct metrics_stats *ms)
{
	status_family(b, "gists_build_info", "gauge",
	    "Always 1; the labels say what runs.");
	buf_printf(b, "gists_build_info{version=\"%s\",curl=\"%s\"} 1\n",
	    PACKAGE_VERSION, curl_version_info(CURLVERSION_NOW)->version);
	status_family(b, "process_start_time_seconds", "gauge",
	    "Start time of the responder since the Unix epoch, in seconds.");
	buf_printf(b, "process_start_time_seconds %.3f\n", ms->start_time);
	status_scalar(b, "process_resident_memory_bytes", "gauge",
	    "Resident memory of the responder, in bytes.",
	    (long long)status_rss());
}

char *
status_metrics(size_t *len)
{
	struct buf b;
	struct metrics_stats ms;
	struct budget_stats bs;

	metrics_get(&ms);
	budget_get_stats(&bs, time(NULL));
	buf_init(&b, 16384);
	status_requests(&b, &ms);
	status_cache(&b, &ms);
	status_redis(&b);
	status_upstream(&b, &ms);
	status_ratelimit(&b, &bs);
	status_budget(&b, &bs);
	status_process(&b, &ms);
	return buf_finish(&b, len);
}

const char *
status_healthz(void)
{
	struct redis_stats rs;

	redis_get_stats(&rs);
	if (!rs.configured)
		return "{\"status\":\"ok\"}";
	return rs.up ? "{\"status\":\"ok\",\"redis\":\"up\"}"
		     : "{\"status\":\"ok\",\"redis\":\"down\"}";
}

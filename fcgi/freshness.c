/* Freshness headers of listing answers: one owner of Cache-Control. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "freshness.h"

/* Append printf-style text to buf, never past len. */
static void __attribute__((format(printf, 3, 4)))
freshness_add(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

void
freshness_cache_control(const struct config *cfg, char *buf, size_t len)
{
	long if_error = cfg->stale_ttl - cfg->cache_ttl;

	snprintf(buf, len, "max-age=%ld", cfg->cache_ttl);
	if (cfg->cache_ttl == 0)
		return; /* no cache: nothing is ever served stale */
	if (cfg->stale_while_revalidate > 0)
		freshness_add(buf, len, ", stale-while-revalidate=%ld",
		    cfg->stale_while_revalidate);
	/* a copy is served on errors until GISTS_STALE_TTL from its fetch */
	if (if_error > 0)
		freshness_add(buf, len, ", stale-if-error=%ld", if_error);
}

/*
 * RFC 9211: hit when nothing went to GitHub for this answer (fresh, or
 * stale while a revalidation runs, or stale while GitHub's budget puts
 * its revalidation off, or stale in the back-off after a failure), else
 * fwd with why (stale: a copy was revalidated; uri-miss: none was held),
 * fwd-status, collapsed when it waited for another request's fetch,
 * stored when the cache keeps the listing; ttl is the remaining
 * freshness, negative once stale.
 */
void
freshness_cache_status(const struct config *cfg, const struct cache_answer *ans,
    char *buf, size_t len)
{
	long ttl = cfg->cache_ttl - ans->age;

	snprintf(buf, len, "gists");
	if (!ans->forwarded)
		freshness_add(buf, len, "; hit");
	else {
		freshness_add(buf, len, "; fwd=%s",
		    ans->had_copy ? "stale" : "uri-miss");
		if (ans->fetch.upstream_status >= 100 &&
		    ans->fetch.upstream_status <= 599)
			freshness_add(buf, len, "; fwd-status=%ld",
			    ans->fetch.upstream_status);
		if (ans->waited)
			freshness_add(buf, len, "; collapsed");
		if (ans->stored)
			freshness_add(buf, len, "; stored");
	}
	if (cfg->cache_ttl > 0)
		freshness_add(buf, len, "; ttl=%ld", ttl);
	if (ans->kind == CACHE_UPDATING)
		freshness_add(buf, len, "; detail=revalidating");
	else if (ans->kind == CACHE_DEFERRED)
		freshness_add(buf, len, "; detail=deferred");
	else if (ans->kind == CACHE_STALE)
		freshness_add(buf, len, "; detail=upstream-error");
}

void
freshness_headers(struct http_response *r, const struct config *cfg,
    const struct cache_answer *ans)
{
	char buf[FRESHNESS_STATUS_MAX];

	freshness_cache_control(cfg, buf, sizeof(buf));
	http_header(r, "Cache-Control", buf);
	http_header_long(r, "Age", ans->age);
	http_header(r, "X-Cache", cache_kind_header(ans->kind));
	freshness_cache_status(cfg, ans, buf, sizeof(buf));
	http_header(r, "Cache-Status", buf);
}

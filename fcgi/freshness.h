/*
 * How fresh a listing's answer is, said once: Cache-Control (max-age and
 * RFC 5861's stale-while-revalidate and stale-if-error, from the
 * configuration), Age, X-Cache and RFC 9211's Cache-Status, from what
 * the cache answered. The responder is the one owner of Cache-Control
 * on listings.
 */
#ifndef GISTS_FRESHNESS_H
#define GISTS_FRESHNESS_H

#include <stddef.h>

#include "cache.h"
#include "config.h"
#include "http.h"

#define FRESHNESS_STATUS_MAX 128

/* Cache-Control for a listing under cfg ("max-age=60, ..."). */
void freshness_cache_control(const struct config *cfg, char *buf, size_t len);

/* Cache-Status for ans ("gists; hit; ttl=57"), made of our own values. */
void freshness_cache_status(const struct config *cfg,
    const struct cache_answer *ans, char *buf, size_t len);

/* Add Cache-Control, Age, X-Cache and Cache-Status for ans to r. */
void freshness_headers(struct http_response *r, const struct config *cfg,
    const struct cache_answer *ans);

#endif

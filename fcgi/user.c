/* The /{user} route: cache, fetch, and the answer's headers and body. */
#include <stdio.h>
#include <string.h>

#include "cache.h"
#include "derive.h"
#include "encoding.h"
#include "fetch.h"
#include "freshness.h"
#include "html.h"
#include "link.h"
#include "listing.h"
#include "ratelimit.h"
#include "tier.h"
#include "user.h"

/* Fill the entry of a key the cache misses (tier.c orders the tiers). */
static void
user_start(void *arg, struct listing *prev, void *entry)
{
	tier_fill(arg, prev, entry);
}

/*
 * This service's own URL for page (0: the whole listing) of user with q's
 * parameters, and ?format= when fmt is not AUTO. Everything in it was
 * validated: a login, numbers, a timestamp.
 */
static void
user_url(char *buf, size_t len, const char *user, const struct query *q,
    long page, enum query_format fmt)
{
	static const char *const formats[] = { "", "json", "html" };
	char sep = '?';
	int n = snprintf(buf, len, "/%s", user);

	if (page > 0 && n >= 0 && (size_t)n < len) {
		n += snprintf(buf + n, len - (size_t)n,
		    "?page=%ld&per_page=%ld", page, q->per_page);
		sep = '&';
	}
	if (q->since[0] != '\0' && n >= 0 && (size_t)n < len) {
		n += snprintf(buf + n, len - (size_t)n, "%csince=%s", sep,
		    q->since);
		sep = '&';
	}
	if (fmt != QUERY_FORMAT_AUTO && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "%cformat=%s", sep,
		    formats[fmt]);
}

/* Append one Link target to buf. */
static void
user_link_add(char *buf, size_t len, const char *user, const struct query *q,
    long page, const char *rel)
{
	char url[256];
	size_t used = strlen(buf);

	user_url(url, sizeof(url), user, q, page, q->format);
	snprintf(buf + used, len - used, "%s<%s>; rel=\"%s\"",
	    used > 0 ? ", " : "", url, rel);
}

/* RFC 8288 Link for one page, as GitHub's: next and last when there is a
 * later page, first and prev when there is an earlier one. */
static void
user_link(struct http_response *r, const char *user, const struct query *q,
    const struct listing *l)
{
	char buf[1280] = "";
	struct link_rels rels;

	link_rels(q->page, l->next_page, l->last_page, &rels);
	if (rels.next > 0)
		user_link_add(buf, sizeof(buf), user, q, rels.next, "next");
	if (rels.last > 0)
		user_link_add(buf, sizeof(buf), user, q, rels.last, "last");
	if (rels.first > 0) {
		user_link_add(buf, sizeof(buf), user, q, rels.first, "first");
		user_link_add(buf, sizeof(buf), user, q, rels.prev, "prev");
	}
	if (buf[0] != '\0')
		http_header(r, "Link", buf);
}

static void
user_release_body(void *body)
{
	listing_body_unref(body);
}

/* What a body is rendered from, besides the listing. */
struct user_render {
	const char *user;
	const struct query *q;
	bool stale;
	struct html_links links; /* pointing into the buffers below */
	char prev[256], next[256], json[256];
};

static char *
user_render_json(struct listing *l, void *arg, size_t *len)
{
	const struct user_render *ur = arg;

	return listing_render(l, ur->user, ur->q, len);
}

/* The links of an HTML page (next, prev, the JSON twin), into ur. */
static void
user_html_links(const struct listing *l, struct user_render *ur)
{
	const struct query *q = ur->q;
	struct link_rels rels;

	link_rels(q->page, l->next_page, l->last_page, &rels);
	if (q->paged && rels.next > 0) {
		user_url(ur->next, sizeof(ur->next), ur->user, q, rels.next,
		    q->format);
		ur->links.next = ur->next;
	}
	if (q->paged && q->page > 1) {
		user_url(ur->prev, sizeof(ur->prev), ur->user, q, q->page - 1,
		    q->format);
		ur->links.prev = ur->prev;
	}
	user_url(ur->json, sizeof(ur->json), ur->user, q,
	    q->paged ? q->page : 0, QUERY_FORMAT_JSON);
	ur->links.json = ur->json;
}

/* The page, links included: only when the body memo has no such page. */
static char *
user_render_html(struct listing *l, void *arg, size_t *len)
{
	struct user_render *ur = arg;

	user_html_links(l, ur);
	return html_listing(l, ur->user, ur->q, ur->stale, &ur->links, len);
}

/* The 200 (or 304) for a listing of gists, as JSON or HTML, in content
 * coding want (the request's choice) when the body is worth coding. */
static void
user_ok(const struct user_ctx *ctx, const struct request *rq,
    const struct cache_answer *ans, struct http_response *r)
{
	const struct route *rt = &rq->rt;
	const struct query *q = &rq->q;
	enum encoding want = rq->enc;
	bool html = rq->html;
	struct listing *l = ans->listing;
	struct user_render ur = { rt->login, q, ans->kind == CACHE_STALE,
		{ NULL, NULL, NULL }, "", "", "" };
	char etag[ETAG_OURS_LEN], key[LISTING_BODY_KEY_MAX];
	struct listing_body *body;
	enum encoding enc = ENCODING_IDENTITY;
	const char *coded = NULL;
	size_t coded_len = 0;

	/*
	 * Everything besides the listing that the body depends on, and
	 * nothing else: ?format= shows only in an HTML page's paging links,
	 * so `?format=html` and `Accept: text/html` share a body and an ETag.
	 */
	snprintf(key, sizeof(key), "%s|%s|%ld|%ld|%d|%d",
	    html ? "html" : "json", rt->login, q->paged ? q->page : 0,
	    q->paged ? q->per_page : 0, html && q->paged ? (int)q->format : 0,
	    html && ur.stale);
	/* the body first, even for a 304: its size and coding make the ETag */
	body = listing_body_get(l, html ? LISTING_HTML : LISTING_JSON, key,
	    html ? user_render_html : user_render_json, &ur);
	if (body == NULL) {
		http_response_free(r);
		http_response_init(r, 500);
		http_error(r, 500, "out of memory", html);
		return;
	}
	if (want != ENCODING_IDENTITY && body->len >= ENCODING_MIN_BYTES &&
	    (coded = listing_body_coded(body, want, &coded_len)) != NULL)
		enc = want;
	listing_etag(l, key, encoding_name(enc), etag);
	http_response_init(r, 200);
	http_header(r, "ETag", etag);
	http_header(r, "Vary", "Accept, Accept-Encoding");
	freshness_headers(r, ctx->cfg, ans);
	if (q->paged)
		user_link(r, rt->login, q, l);
	if (http_etag_matches(rq->if_none_match, etag)) {
		/* the 200's headers, but no Content-Type (RFC 9110 15.4.5) */
		r->status = 304;
		listing_body_unref(body);
		return;
	}
	http_header(r, "Content-Type",
	    html ? "text/html; charset=utf-8"
		 : "application/json; charset=utf-8");
	if (enc != ENCODING_IDENTITY) {
		http_header(r, "Content-Encoding", encoding_name(enc));
		http_body_shared(r, coded, coded_len, user_release_body, body);
	} else
		http_body_shared(r, body->text, body->len, user_release_body,
		    body);
}

/* Look up what key asks for with uw's waiter, starting a fetch if need be. */
static enum cache_lookup_result
user_lookup(const struct listing_key *key, struct user_wait *uw)
{
	char keystr[LISTING_KEY_MAX];

	listing_key_string(key, keystr, sizeof(keystr));
	/* cache_lookup calls user_start at once or never: key outlives it */
	return cache_lookup(keystr, user_start, (void *)key, &uw->w);
}

/* 503 at once: GISTS_MAX_WAITING requests wait on GitHub already. */
static void
user_refuse(const struct user_ctx *ctx, struct request *rq,
    struct http_response *r)
{
	struct log_request *lg = &rq->lg;
	bool html = rq->html;

	/* hits still answer; only what would wait on GitHub is refused */
	http_error(r, 503,
	    "too many requests are waiting for GitHub; try again in a second",
	    html);
	http_header_long(r, "Retry-After", 1);
	http_header(r, "Vary", "Accept");
	lg->cache = cache_kind_header(CACHE_MISS);
	snprintf(lg->error, sizeof(lg->error),
	    "refused: GISTS_MAX_WAITING=%ld requests are waiting for GitHub",
	    ctx->cfg->max_waiting);
}

/*
 * A page or since of a user, cut from the user's whole listing that
 * uw->w.ans holds: one GitHub listing per user per TTL, whatever the
 * query; X-Cache, Age and staleness are the whole listing's. False, with
 * the answer emptied and uw->spent the upstream requests made, when it
 * cannot answer (truncated, or GitHub failed with nothing to serve): then
 * q is asked of GitHub.
 */
static bool
user_derived(struct user_wait *uw, const struct query *q)
{
	struct cache_answer *ans = &uw->w.ans;
	struct listing *l;

	if (ans->kind != CACHE_ERROR && ans->listing->status != 200)
		return true; /* GitHub does not know the user */
	if (ans->kind != CACHE_ERROR &&
	    (l = derive_listing(ans->listing, q)) != NULL) {
		listing_unref(ans->listing);
		ans->listing = l;
		return true;
	}
	uw->spent = ans->fetch.upstream_requests;
	listing_unref(ans->listing);
	memset(ans, 0, sizeof(*ans));
	return false;
}

/* Whether q may be cut from the user's whole listing (not known truncated). */
static bool
user_derivable(const struct user_ctx *ctx, const struct listing_key *whole,
    const struct query *q)
{
	char keystr[LISTING_KEY_MAX];
	struct cache_peek peek;
	bool truncated;

	if (ctx->cfg->cache_ttl == 0 || !derive_wanted(q))
		return false;
	listing_key_string(whole, keystr, sizeof(keystr));
	/* a truncated listing cannot answer: not worth refreshing for q */
	cache_peek(keystr, &peek);
	truncated = peek.listing != NULL && peek.listing->truncated;
	listing_unref(peek.listing);
	return !truncated;
}

static void user_answer(const struct user_ctx *ctx, struct request *rq,
    const struct user_wait *uw, struct http_response *r);

/*
 * Look key up with uw's waiter: false with the answer, the refusal or
 * the error in r, or true when parked (uw is no longer ours to touch).
 */
static bool
user_settle(const struct user_ctx *ctx, struct request *rq,
    const struct listing_key *key, struct http_response *r,
    struct user_wait *uw)
{
	enum cache_lookup_result res = user_lookup(key, uw);

	if (res == CACHE_PARKED)
		return true;
	if (res == CACHE_FULL)
		user_refuse(ctx, rq, r);
	else
		user_answer(ctx, rq, uw, r);
	return false;
}

bool
user_serve(const struct user_ctx *ctx, struct request *rq,
    struct http_response *r, struct user_wait *uw)
{
	const struct query all = { .format = rq->q.format };
	struct listing_key key;

	uw->derived = false;
	uw->spent = 0;
	listing_key_init(&key, rq->rt.login, &all);
	if (user_derivable(ctx, &key, &rq->q)) {
		enum cache_lookup_result res;

		uw->derived = true;
		res = user_lookup(&key, uw);
		if (res == CACHE_PARKED)
			return true; /* uw is no longer ours to touch */
		uw->derived = false;
		if (res == CACHE_FULL) {
			user_refuse(ctx, rq, r);
			return false;
		}
		if (user_derived(uw, &rq->q)) {
			user_answer(ctx, rq, uw, r);
			return false;
		}
	}
	listing_key_init(&key, rq->rt.login, &rq->q);
	return user_settle(ctx, rq, &key, r, uw);
}

bool
user_resume(const struct user_ctx *ctx, struct request *rq,
    struct http_response *r, struct user_wait *uw)
{
	struct listing_key key;

	if (uw->derived) {
		uw->derived = false;
		if (!user_derived(uw, &rq->q)) {
			/* the whole listing cannot answer: ask for q itself */
			listing_key_init(&key, rq->rt.login, &rq->q);
			return user_settle(ctx, rq, &key, r, uw);
		}
	}
	user_answer(ctx, rq, uw, r);
	return false;
}

/* Answer from what the cache said (its listing reference is taken). */
static void
user_answer(const struct user_ctx *ctx, struct request *rq,
    const struct user_wait *uw, struct http_response *r)
{
	struct log_request *lg = &rq->lg;
	bool html = rq->html;
	struct cache_answer ans = uw->w.ans;
	int spent = uw->spent;
	char detail[96], status[FRESHNESS_STATUS_MAX];

	lg->cache = cache_kind_header(ans.kind);
	cache_count_result(ans.kind);
	lg->upstream_requests = ans.fetch.upstream_requests + spent;
	lg->upstream_status = ans.fetch.upstream_status;
	lg->upstream_us = ans.fetch.upstream_us;

	if (ans.kind == CACHE_ERROR && ans.fetch.status == 503) {
		/* the wait left now, not when the answer was first made */
		long retry = ratelimit_blocked_for();

		if (retry <= 0)
			retry = ans.fetch.retry_after > 0
			    ? ans.fetch.retry_after
			    : 1;
		ratelimit_detail(detail, sizeof(detail), retry);
		http_error(r, 503, detail, html);
		http_header_long(r, "Retry-After", retry);
		snprintf(lg->error, sizeof(lg->error), "%s", ans.fetch.error);
	} else if (ans.kind == CACHE_ERROR) {
		http_error(r, ans.fetch.status, ans.fetch.detail, html);
		snprintf(lg->error, sizeof(lg->error), "%s", ans.fetch.error);
	} else if (ans.listing->status == 404) {
		snprintf(detail, sizeof(detail),
		    "GitHub user '%s' was not found", rq->rt.login);
		http_error(r, 404, detail, html);
		http_header(r, "X-Cache", cache_kind_header(ans.kind));
		freshness_cache_status(ctx->cfg, &ans, status, sizeof(status));
		http_header(r, "Cache-Status", status);
	} else
		user_ok(ctx, rq, &ans, r);
	if (r->status != 200 && r->status != 304)
		http_header(r, "Vary", "Accept");
	listing_unref(ans.listing);
}

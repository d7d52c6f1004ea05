/* The /{user} route: cache, fetch, and the answer's headers and body. */
#include <stdio.h>
#include <string.h>

#include "cache.h"
#include "derive.h"
#include "encoding.h"
#include "fetch.h"
#include "html.h"
#include "link.h"
#include "listing.h"
#include "metrics.h"
#include "user.h"

static const char *const user_cache_names[] = {
	[CACHE_MISS] = "MISS",
	[CACHE_HIT] = "HIT",
	[CACHE_REVALIDATED] = "REVALIDATED",
	[CACHE_STALE] = "STALE",
	[CACHE_ERROR] = "MISS", /* a miss whose fetch failed */
};

struct user_fill {
	struct handler_ctx *ctx;
	const struct listing_key *key;
};

static void
user_fill(void *arg, const struct listing *prev, struct fetch_outcome *out)
{
	const struct user_fill *uf = arg;

	fetch_listing(uf->ctx->gh, uf->ctx->cfg, uf->key, prev, out);
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

/* Fetch without the cache (GISTS_CACHE_TTL=0): every request asks. */
static void
user_uncached(struct user_fill *uf, struct cache_answer *ans)
{
	memset(ans, 0, sizeof(*ans));
	user_fill(uf, NULL, &ans->fetch);
	ans->kind = ans->fetch.result == FETCH_NEW ? CACHE_MISS : CACHE_ERROR;
	ans->listing = ans->fetch.listing;
	ans->fetch.listing = NULL;
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

static char *
user_render_html(struct listing *l, void *arg, size_t *len)
{
	const struct user_render *ur = arg;

	return html_listing(l, ur->user, ur->q, ur->stale, &ur->links, len);
}

/* The links of an HTML page (next, prev, the JSON twin), into ur. */
static void
user_html_links(const struct route *rt, const struct query *q,
    const struct listing *l, struct user_render *ur)
{
	struct link_rels rels;

	link_rels(q->page, l->next_page, l->last_page, &rels);
	if (q->paged && rels.next > 0) {
		user_url(ur->next, sizeof(ur->next), rt->login, q, rels.next,
		    q->format);
		ur->links.next = ur->next;
	}
	if (q->paged && q->page > 1) {
		user_url(ur->prev, sizeof(ur->prev), rt->login, q, q->page - 1,
		    q->format);
		ur->links.prev = ur->prev;
	}
	user_url(ur->json, sizeof(ur->json), rt->login, q,
	    q->paged ? q->page : 0, QUERY_FORMAT_JSON);
	ur->links.json = ur->json;
}

/* The 200 (or 304) for a listing of gists, as JSON or HTML, in the
 * content coding accept_encoding prefers. */
static void
user_ok(struct handler_ctx *ctx, const struct route *rt, const struct query *q,
    const char *if_none_match, const char *accept_encoding, bool html,
    const struct cache_answer *ans, struct http_response *r)
{
	struct listing *l = ans->listing;
	struct user_render ur = { rt->login, q, ans->kind == CACHE_STALE,
		{ NULL, NULL, NULL }, "", "", "" };
	char etag[19 + 8], key[LISTING_BODY_KEY_MAX];
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
	if (html)
		user_html_links(rt, q, l, &ur);
	/* the body first, even for a 304: its size and coding make the ETag */
	body = listing_body_get(l, html ? LISTING_HTML : LISTING_JSON, key,
	    html ? user_render_html : user_render_json, &ur);
	if (body == NULL) {
		http_response_free(r);
		http_response_init(r, 500);
		http_error(r, 500, "out of memory", html);
		return;
	}
	if (body->len >= ENCODING_MIN_BYTES &&
	    (enc = encoding_choose(accept_encoding)) != ENCODING_IDENTITY &&
	    (coded = listing_body_coded(body, enc, &coded_len)) == NULL)
		enc = ENCODING_IDENTITY;
	listing_etag(l, key, etag);
	if (enc != ENCODING_IDENTITY)
		/* RFC 9110 8.8.3: another representation, another tag */
		snprintf(etag + 17, sizeof(etag) - 17, "-%s\"",
		    encoding_name(enc));
	http_response_init(r, 200);
	http_header(r, "ETag", etag);
	http_header(r, "Vary", "Accept, Accept-Encoding");
	http_header(r, "X-Cache", user_cache_names[ans->kind]);
	http_header_long(r, "Age", ans->age);
	if (q->paged)
		user_link(r, rt->login, q, l);
	if (http_etag_matches(if_none_match, etag)) {
		char cache_control[32];

		/* mod_expire leaves 304s alone: say what the 200 would; and
		 * no Content-Type (RFC 9110 15.4.5) */
		r->status = 304;
		snprintf(cache_control, sizeof(cache_control), "max-age=%ld",
		    ctx->cfg->cache_ttl);
		http_header(r, "Cache-Control", cache_control);
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

/*
 * A page or since of a user, cut from the user's whole listing: one
 * GitHub listing per user per TTL, whatever the query; X-Cache, Age and
 * staleness are the whole listing's. False, with ans empty and *spent
 * the upstream requests made, when it cannot answer (truncated, or
 * GitHub failed with nothing to serve): then q is asked of GitHub.
 */
static bool
user_derived(struct handler_ctx *ctx, const struct route *rt,
    const struct query *q, struct cache_answer *ans, int *spent)
{
	const struct query all = { .format = q->format };
	struct listing_key key;
	struct user_fill uf = { ctx, &key };
	char keystr[LISTING_KEY_MAX];
	struct cache_peek peek;
	struct listing *l = NULL;

	if (!derive_wanted(q))
		return false;
	listing_key_init(&key, rt->login, &all);
	listing_key_string(&key, keystr, sizeof(keystr));
	/* a truncated listing cannot answer: not worth refreshing for q */
	cache_peek(keystr, &peek);
	if (peek.listing != NULL && peek.listing->truncated) {
		listing_unref(peek.listing);
		return false;
	}
	listing_unref(peek.listing);
	cache_get(keystr, user_fill, &uf, ans);
	if (ans->kind != CACHE_ERROR && ans->listing->status != 200)
		return true; /* GitHub does not know the user */
	if (ans->kind != CACHE_ERROR &&
	    (l = derive_listing(ans->listing, q)) != NULL) {
		listing_unref(ans->listing);
		ans->listing = l;
		return true;
	}
	*spent = ans->fetch.upstream_requests;
	listing_unref(ans->listing);
	memset(ans, 0, sizeof(*ans));
	return false;
}

void
user_serve(struct handler_ctx *ctx, const struct route *rt,
    const struct query *q, const char *if_none_match,
    const char *accept_encoding, bool html, struct http_response *r,
    struct log_request *lg)
{
	struct listing_key key;
	struct user_fill uf = { ctx, &key };
	struct cache_answer ans;
	char detail[96];
	int spent = 0;

	listing_key_init(&key, rt->login, q);
	if (ctx->cfg->cache_ttl == 0)
		user_uncached(&uf, &ans);
	else if (!user_derived(ctx, rt, q, &ans, &spent)) {
		char keystr[LISTING_KEY_MAX];

		listing_key_string(&key, keystr, sizeof(keystr));
		cache_get(keystr, user_fill, &uf, &ans);
	}
	lg->cache = user_cache_names[ans.kind];
	metrics_cache_result(ans.kind);
	lg->upstream_requests = ans.fetch.upstream_requests + spent;
	lg->upstream_status = ans.fetch.upstream_status;
	lg->upstream_us = ans.fetch.upstream_us;

	if (ans.kind == CACHE_ERROR && ans.fetch.status == 503) {
		/* the wait left now, not when the answer was first made */
		long retry = github_blocked_for();

		if (retry <= 0)
			retry = ans.fetch.retry_after > 0
			    ? ans.fetch.retry_after
			    : 1;
		snprintf(detail, sizeof(detail),
		    "GitHub's rate limit is spent; try again in %ld seconds",
		    retry);
		http_error(r, 503, detail, html);
		http_header_long(r, "Retry-After", retry);
		snprintf(lg->error, sizeof(lg->error), "%s", ans.fetch.error);
	} else if (ans.kind == CACHE_ERROR) {
		http_error(r, ans.fetch.status, ans.fetch.detail, html);
		snprintf(lg->error, sizeof(lg->error), "%s", ans.fetch.error);
	} else if (ans.listing->status == 404) {
		snprintf(detail, sizeof(detail),
		    "GitHub user '%s' was not found", rt->login);
		http_error(r, 404, detail, html);
		http_header(r, "X-Cache", user_cache_names[ans.kind]);
	} else
		user_ok(ctx, rt, q, if_none_match, accept_encoding, html, &ans,
		    r);
	if (r->status != 200 && r->status != 304)
		http_header(r, "Vary", "Accept");
	listing_unref(ans.listing);
}

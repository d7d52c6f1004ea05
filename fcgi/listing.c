/* The /{user} listing: upstream fetch, transform, answer. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <json-c/printbuf.h>

#include "gists.h"
#include "github.h"
#include "listing.h"

/* Text that is already JSON, embedded by json-c's serializer as is. */
struct listing_raw {
	const char *text;
	size_t len;
};

static int
listing_raw_serialize(struct json_object *jso, struct printbuf *pb, int level,
    int flags)
{
	const struct listing_raw *raw = json_object_get_userdata(jso);

	(void)level;
	(void)flags;
	return printbuf_memappend(pb, raw->text, (int)raw->len);
}

char *
listing_body(const char *user, const struct query *q, long count,
    bool truncated, const char *gists_json, size_t gists_len, size_t *len)
{
	struct listing_raw raw = { gists_json, gists_len };
	struct json_object *o = json_object_new_object();
	struct json_object *gists = json_object_new_object();
	const char *s;
	char *copy = NULL;

	json_object_set_serializer(gists, listing_raw_serialize, &raw, NULL);
	json_object_object_add(o, "user", json_object_new_string(user));
	if (q->paged) {
		json_object_object_add(o, "page",
		    json_object_new_int64(q->page));
		json_object_object_add(o, "per_page",
		    json_object_new_int64(q->per_page));
	}
	json_object_object_add(o, "count", json_object_new_int64(count));
	if (truncated)
		json_object_object_add(o, "truncated",
		    json_object_new_boolean(1));
	json_object_object_add(o, "gists", gists);
	s = json_object_to_json_string_length(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, len);
	if (s != NULL && (copy = malloc(*len + 1)) != NULL)
		memcpy(copy, s, *len + 1);
	json_object_put(o);
	return copy;
}

void
listing_etag(const char *bytes, size_t len, char out[19])
{
	/* FNV-1a, 64 bits: fast, and ample for telling versions apart. */
	unsigned long long h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)bytes[i];
		h *= 0x100000001b3ULL;
	}
	snprintf(out, 19, "\"%016llx\"", h);
}

/* The problem answer for a failed upstream fetch. */
static void
listing_upstream_problem(struct http_response *r, const struct route *rt,
    const struct github_fetch *f)
{
	char detail[160];
	int status = github_outcome_http_status(f->outcome);

	switch (f->outcome) {
	case GITHUB_NOT_FOUND:
		snprintf(detail, sizeof(detail),
		    "GitHub user '%s' was not found", rt->login);
		break;
	case GITHUB_RATE_LIMITED:
		snprintf(detail, sizeof(detail),
		    "GitHub's rate limit is "
		    "spent; try again in %ld seconds",
		    f->retry_after);
		break;
	case GITHUB_TIMEOUT:
		snprintf(detail, sizeof(detail),
		    "GitHub did not answer in time");
		break;
	default:
		if (f->status != 0)
			snprintf(detail, sizeof(detail),
			    "GitHub answered with HTTP status %ld", f->status);
		else
			snprintf(detail, sizeof(detail),
			    "GitHub could not be reached");
		break;
	}
	http_problem(r, status, detail);
	if (f->outcome == GITHUB_RATE_LIMITED)
		http_header_long(r, "Retry-After", f->retry_after);
}

void
listing_serve(struct handler_ctx *ctx, const struct route *rt,
    const struct query *q, const char *if_none_match, struct http_response *r,
    struct log_request *lg)
{
	struct github_fetch f;
	struct json_object *arr;
	char login[ROUTE_LOGIN_MAX + 1], err[GISTS_ERR_LEN], etag[19];
	const char *json;
	size_t json_len = 0, body_len = 0;
	char *body, cache_control[32];

	snprintf(cache_control, sizeof(cache_control), "max-age=%ld",
	    ctx->cfg->cache_ttl);
	/* GitHub logins are case-insensitive; ask in one spelling. */
	for (size_t i = 0; i <= strlen(rt->login); i++)
		login[i] = (char)tolower((unsigned char)rt->login[i]);

	memset(&f, 0, sizeof(f));
	f.login = login;
	f.page = q->paged ? q->page : 1;
	f.per_page = q->paged ? q->per_page : 100;
	f.since = q->since[0] != '\0' ? q->since : NULL;
	github_fetch_run(ctx->gh, &f, 1);
	lg->cache = "MISS";
	lg->upstream_requests = 1;
	lg->upstream_status = f.status;
	lg->upstream_ms = f.millis;

	if (f.outcome != GITHUB_OK) {
		listing_upstream_problem(r, rt, &f);
		goto out;
	}
	if ((arr = gists_from_github(f.body, f.body_len, err, sizeof(err))) ==
	    NULL) {
		snprintf(f.err, sizeof(f.err),
		    "GitHub sent an unusable gist "
		    "list: %s",
		    err);
		http_problem(r, 502,
		    "GitHub sent a reply that is not a gist "
		    "list");
		goto out;
	}
	json = json_object_to_json_string_length(arr,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &json_len);
	body = listing_body(rt->login, q, (long)json_object_array_length(arr),
	    false, json, json_len, &body_len);
	json_object_put(arr);
	if (body == NULL) {
		snprintf(f.err, sizeof(f.err), "out of memory");
		http_problem(r, 500, "out of memory");
		goto out;
	}
	listing_etag(body, body_len, etag);
	http_response_init(r, 200);
	http_header(r, "Content-Type", "application/json; charset=utf-8");
	http_header(r, "ETag", etag);
	http_header(r, "X-Cache", "MISS");
	http_header(r, "Age", "0");
	if (http_etag_matches(if_none_match, etag)) {
		/* mod_expire leaves 304s alone: say what the 200 said. */
		r->status = 304;
		http_header(r, "Cache-Control", cache_control);
		free(body);
	} else
		http_body_owned(r, body, body_len);
out:
	if (r->status >= 500 || r->status == 404)
		snprintf(lg->error, sizeof(lg->error), "%s", f.err);
	github_fetch_clear(&f);
}

/*
 * A listing: what GitHub answered for one cache key (a user's whole list,
 * or one page of it), in the compact schema, kept as serialized JSON per
 * upstream page with each page's ETag for revalidation. Immutable once
 * made, shared by reference count between the cache and the requests
 * answering from it.
 */
#ifndef GISTS_LISTING_H
#define GISTS_LISTING_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "encoding.h"
#include "etag.h"
#include "query.h"
#include "route.h"

/* What a listing answers: a login (lower-cased) and the query that shapes
 * the answer. Unknown parameters are not part of it. */
struct listing_key {
	char login[ROUTE_LOGIN_MAX + 1];
	struct query q;
};

#define LISTING_KEY_MAX 96

struct listing_page {
	char *items; /* the page's compact gists, serialized, no brackets */
	size_t len;
	long count; /* gists on the page */
	char etag[ETAG_MAX + 1]; /* GitHub's, "" when none */
};

/* The representations a listing is rendered as. */
enum listing_format {
	LISTING_JSON,
	LISTING_HTML,
	LISTING_FORMATS,
};

#define LISTING_BODY_KEY_MAX 192

/* A rendered 200 body, shared while requests send it. */
struct listing_body {
	atomic_int refs;
	char key[LISTING_BODY_KEY_MAX]; /* what the body is a function of */
	char *text;
	size_t len;
	/* the text in each content coding, made once on first demand under
	 * coded_lock; coded_tried says (release) that coded[e] is final */
	pthread_mutex_t coded_lock;
	atomic_bool coded_tried[ENCODING_COUNT];
	char *coded[ENCODING_COUNT]; /* NULL: identity is sent instead */
	size_t coded_len[ENCODING_COUNT];
};

struct listing {
	atomic_int refs;
	int status; /* 200, or 404: GitHub does not know the user */
	size_t npages;
	struct listing_page *pages;
	long count; /* gists in all pages */
	bool truncated; /* cut at GISTS_MAX_PAGES or GISTS_MAX_LISTING_BYTES */
	long next_page; /* explicit page: GitHub's next, 0 when none */
	long last_page; /* explicit page: GitHub's last, 0 when none */
	uint64_t hash; /* of everything above; ETags derive from it */
	size_t bytes; /* memory held, for the cache's bound */
	/*
	 * The one mutable part: the body last rendered in each format,
	 * reused by the next request that asks for the same representation
	 * (most use one spelling of the login), so that a hit renders
	 * nothing.
	 */
	pthread_mutex_t memo_lock;
	struct listing_body *memo[LISTING_FORMATS];
	/* Where each gist lies, built on first use by derive.c under
	 * memo_lock and freed with the listing by index_free. */
	void *index;
	void (*index_free)(void *index);
};

/* Most bytes the index takes per gist, counted in a listing's bytes. */
#define LISTING_INDEX_GIST_BYTES 48

/* The key of /{user} with query q: login lower-cased. */
void listing_key_init(struct listing_key *key, const char *login,
    const struct query *q);

/* The key as a string ("octocat", "octocat?page=2&per_page=30", ...). */
void listing_key_string(const struct listing_key *key, char *buf, size_t len);

/* A new listing of status with npages empty pages, one reference. */
struct listing *listing_new(int status, size_t npages);

/*
 * Set page i from one page of GitHub's reply (the transform's array).
 * Returns 0, or -1 when out of memory.
 */
int listing_set_page(struct listing *l, size_t i, struct json_object *arr,
    const char *etag);

/* Copy page i of src into page j of dst. Returns 0 or -1. */
int listing_copy_page(struct listing *dst, size_t j, const struct listing *src,
    size_t i);

/* Drop the pages from n on (set or not); before listing_seal. */
void listing_truncate(struct listing *l, size_t n);

/* Compute the hash and size once every page is set. */
void listing_seal(struct listing *l);

struct listing *listing_ref(struct listing *l);
void listing_unref(struct listing *l);

/*
 * The body of a 200: {"user", ["page", "per_page",] "count",
 * ["truncated",] "gists"}, user as requested. Returns a new string, or
 * NULL; *len is its length.
 */
char *listing_render(struct listing *l, const char *user, const struct query *q,
    size_t *len);

/* Render l (as arg says) into a new string; *len is its length. */
typedef char *(*listing_render_fn)(struct listing *l, void *arg, size_t *len);

/*
 * The body of l in format whose representation key is key (everything
 * besides l that the body depends on): the memo when its key matches,
 * else render's result, which becomes the memo. Returns a reference, or
 * NULL when out of memory.
 */
struct listing_body *
listing_body_get(struct listing *l, enum listing_format format, const char *key,
    listing_render_fn render, void *arg);
void listing_body_unref(struct listing_body *b);

/*
 * b's text in coding e, compressed by the first request that asks and
 * kept as long as b; NULL (send the identity text) when compression
 * failed or saved nothing. Lives as long as the caller's reference.
 */
const char *
listing_body_coded(struct listing_body *b, enum encoding e, size_t *len);

/* Our strong ETag of the body with that key in that content coding
 * (encoding_name's), without rendering it. */
void listing_etag(const struct listing *l, const char *key, const char *coding,
    char out[ETAG_OURS_LEN]);

/* A 64-bit FNV-1a-style hash of bytes, continuing from h (start with
 * LISTING_FNV_INIT); for ETags and the cache's table, not security. */
#define LISTING_FNV_INIT 0xcbf29ce484222325ULL
uint64_t listing_fnv(uint64_t h, const void *bytes, size_t len);

#endif

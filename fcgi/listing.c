/* Listings: building them from GitHub's pages, sharing, rendering. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <json-c/printbuf.h>

#include "listing.h"

#define LISTING_JSON_FLAGS \
	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

void
listing_key_init(struct listing_key *key, const char *login,
    const struct query *q)
{
	size_t i;

	memset(key, 0, sizeof(*key));
	for (i = 0; i < ROUTE_LOGIN_MAX && login[i] != '\0'; i++)
		key->login[i] = (char)tolower((unsigned char)login[i]);
	key->q = *q;
}

void
listing_key_string(const struct listing_key *key, char *buf, size_t len)
{
	const struct query *q = &key->q;
	int n = snprintf(buf, len, "%s", key->login);

	if (q->paged && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n,
		    "?page=%ld&per_page=%ld", q->page, q->per_page);
	if (q->since[0] != '\0' && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "%csince=%s",
		    q->paged ? '&' : '?', q->since);
}

uint64_t
listing_fnv(uint64_t h, const void *bytes, size_t len)
{
	const unsigned char *p = bytes;
	size_t i = 0;

	/* FNV-1a over 8-byte words, then bytes: listings are tens of KB */
	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		h ^= w;
		h *= 0x100000001b3ULL;
		h ^= h >> 29;
	}
	for (; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

struct listing *
listing_new(int status, size_t npages)
{
	struct listing *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	if (npages > 0 &&
	    (l->pages = calloc(npages, sizeof(*l->pages))) == NULL) {
		free(l);
		return NULL;
	}
	atomic_init(&l->refs, 1);
	pthread_mutex_init(&l->memo_lock, NULL);
	l->status = status;
	l->npages = npages;
	return l;
}

int
listing_set_page(struct listing *l, size_t i, struct json_object *arr,
    const char *etag)
{
	struct listing_page *p = &l->pages[i];
	size_t len = 0;
	const char *s =
	    json_object_to_json_string_length(arr, LISTING_JSON_FLAGS, &len);

	/* json-c writes "[a,b]": keep what is between the brackets. */
	if (s == NULL || len < 2 || (p->items = malloc(len - 1)) == NULL)
		return -1;
	p->len = len - 2;
	memcpy(p->items, s + 1, p->len);
	p->items[p->len] = '\0';
	snprintf(p->etag, sizeof(p->etag), "%s", etag != NULL ? etag : "");
	p->count = (long)json_object_array_length(arr);
	l->count += p->count;
	return 0;
}

int
listing_copy_page(struct listing *dst, size_t j, const struct listing *src,
    size_t i)
{
	struct listing_page *d = &dst->pages[j];
	const struct listing_page *s = &src->pages[i];

	if ((d->items = malloc(s->len + 1)) == NULL)
		return -1;
	memcpy(d->items, s->items, s->len + 1);
	d->len = s->len;
	memcpy(d->etag, s->etag, sizeof(d->etag));
	d->count = s->count;
	dst->count += s->count;
	return 0;
}

void
listing_truncate(struct listing *l, size_t n)
{
	for (size_t i = n; i < l->npages; i++) {
		l->count -= l->pages[i].count;
		free(l->pages[i].items);
		memset(&l->pages[i], 0, sizeof(l->pages[i]));
	}
	if (n < l->npages)
		l->npages = n;
}

void
listing_seal(struct listing *l)
{
	uint64_t h = LISTING_FNV_INIT;
	long meta[4] = { l->status, l->truncated, l->next_page, l->last_page };
	size_t items = 0;

	for (size_t i = 0; i < l->npages; i++) {
		h = listing_fnv(h, l->pages[i].items, l->pages[i].len);
		h = listing_fnv(h, ",", 1);
		items += l->pages[i].len + 1;
	}
	l->hash = listing_fnv(h, meta, sizeof(meta));
	/* the pages, and the bodies the memo will hold: the JSON about as
	 * long as the pages, the HTML about twice, and, when asked for,
	 * their br, zstd and gzip copies (about a sixth of each body); and
	 * derive.c's index */
	l->bytes = sizeof(*l) + l->npages * sizeof(*l->pages) + items +
	    LISTING_FORMATS * sizeof(struct listing_body) + 3 * items +
	    items / 2 + 4096 + (size_t)l->count * LISTING_INDEX_GIST_BYTES;
}

struct listing *
listing_ref(struct listing *l)
{
	if (l != NULL)
		atomic_fetch_add(&l->refs, 1);
	return l;
}

void
listing_unref(struct listing *l)
{
	if (l == NULL || atomic_fetch_sub(&l->refs, 1) != 1)
		return;
	for (size_t i = 0; i < l->npages; i++)
		free(l->pages[i].items);
	free(l->pages);
	for (int i = 0; i < LISTING_FORMATS; i++)
		listing_body_unref(l->memo[i]);
	if (l->index_free != NULL)
		l->index_free(l->index);
	pthread_mutex_destroy(&l->memo_lock);
	free(l);
}

void
listing_body_unref(struct listing_body *b)
{
	if (b == NULL || atomic_fetch_sub(&b->refs, 1) != 1)
		return;
	for (int e = 0; e < ENCODING_COUNT; e++)
		free(b->coded[e]);
	pthread_mutex_destroy(&b->coded_lock);
	free(b->text);
	free(b);
}

const char *
listing_body_coded(struct listing_body *b, enum encoding e, size_t *len)
{
	if (e <= ENCODING_IDENTITY || e >= ENCODING_COUNT)
		return NULL;
	/* made already (every hit but the first): no lock */
	if (!atomic_load_explicit(&b->coded_tried[e], memory_order_acquire)) {
		/* held while compressing: the others asking wait */
		pthread_mutex_lock(&b->coded_lock);
		if (!atomic_load_explicit(&b->coded_tried[e],
			memory_order_relaxed)) {
			b->coded[e] = encoding_compress(e, b->text, b->len,
			    &b->coded_len[e]);
			atomic_store_explicit(&b->coded_tried[e], true,
			    memory_order_release);
		}
		pthread_mutex_unlock(&b->coded_lock);
	}
	*len = b->coded_len[e];
	return b->coded[e];
}

struct listing_body *
listing_body_get(struct listing *l, enum listing_format format, const char *key,
    listing_render_fn render, void *arg)
{
	struct listing_body *b, *old;

	pthread_mutex_lock(&l->memo_lock);
	b = l->memo[format];
	if (b != NULL && strcmp(b->key, key) == 0) {
		atomic_fetch_add(&b->refs, 1);
		pthread_mutex_unlock(&l->memo_lock);
		return b;
	}
	pthread_mutex_unlock(&l->memo_lock);

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	if ((b->text = render(l, arg, &b->len)) == NULL) {
		free(b);
		return NULL;
	}
	snprintf(b->key, sizeof(b->key), "%s", key);
	pthread_mutex_init(&b->coded_lock, NULL);
	for (int e = 0; e < ENCODING_COUNT; e++)
		atomic_init(&b->coded_tried[e], false);
	atomic_init(&b->refs, 2); /* the memo's and the caller's */
	pthread_mutex_lock(&l->memo_lock);
	old = l->memo[format];
	l->memo[format] = b;
	pthread_mutex_unlock(&l->memo_lock);
	listing_body_unref(old);
	return b;
}

/* json-c serializer of the "gists" member: the pages' items, joined. */
static int
listing_serialize_gists(struct json_object *jso, struct printbuf *pb, int level,
    int flags)
{
	const struct listing *l = json_object_get_userdata(jso);
	bool first = true;

	(void)level;
	(void)flags;
	printbuf_strappend(pb, "[");
	for (size_t i = 0; i < l->npages; i++) {
		if (l->pages[i].len == 0)
			continue;
		if (!first)
			printbuf_strappend(pb, ",");
		printbuf_memappend(pb, l->pages[i].items, (int)l->pages[i].len);
		first = false;
	}
	printbuf_strappend(pb, "]");
	return 0;
}

char *
listing_render(struct listing *l, const char *user, const struct query *q,
    size_t *len)
{
	struct json_object *o = json_object_new_object();
	struct json_object *gists = json_object_new_object();
	const char *s;
	char *copy = NULL;

	if (o == NULL || gists == NULL) {
		json_object_put(o);
		json_object_put(gists);
		return NULL;
	}
	/* The items are JSON json-c wrote; embed them without re-parsing. */
	json_object_set_serializer(gists, listing_serialize_gists, l, NULL);
	json_object_object_add(o, "user", json_object_new_string(user));
	if (q->paged) {
		json_object_object_add(o, "page",
		    json_object_new_int64(q->page));
		json_object_object_add(o, "per_page",
		    json_object_new_int64(q->per_page));
	}
	json_object_object_add(o, "count", json_object_new_int64(l->count));
	if (l->truncated)
		json_object_object_add(o, "truncated",
		    json_object_new_boolean(1));
	json_object_object_add(o, "gists", gists);
	s = json_object_to_json_string_length(o, LISTING_JSON_FLAGS, len);
	if (s != NULL && (copy = malloc(*len + 1)) != NULL)
		memcpy(copy, s, *len + 1);
	json_object_put(o);
	return copy;
}

void
listing_etag(const struct listing *l, const char *key, const char *coding,
    char out[ETAG_OURS_LEN])
{
	uint64_t h = listing_fnv(LISTING_FNV_INIT, &l->hash, sizeof(l->hash));

	/* the body is a function of the listing and the key */
	h = listing_fnv(h, key, strlen(key));
	etag_make(out, h, coding);
}

/* Pages and since cut from a user's whole listing, without GitHub. */
#include <stdlib.h>
#include <string.h>

#include "derive.h"

#define DERIVE_WHOLE_PER_PAGE 100 /* the pages of a full listing (fetch.c) */

/* One gist of a listing: its compact JSON and when it was updated. */
struct derive_gist {
	const char *json; /* in one of the listing's pages */
	size_t len;
	char updated_at[QUERY_SINCE_LEN + 1]; /* "" when not a timestamp */
};

_Static_assert(sizeof(struct derive_gist) <= LISTING_INDEX_GIST_BYTES,
    "the cache counts the index at LISTING_INDEX_GIST_BYTES a gist");

/* Every gist of a listing, in order; built once per listing. */
struct derive_index {
	long count;
	bool dated; /* every gist has a valid updated_at */
	struct derive_gist gists[];
};

bool
derive_wanted(const struct query *q)
{
	return q->paged || q->since[0] != '\0';
}

/* The end of the JSON string that starts at s[i] (its quote), or len. */
static size_t
derive_skip_string(const char *s, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return len;
}

/* Keep the updated_at whose key starts at s[i], when it is a timestamp. */
static void
derive_updated_at(const char *s, size_t len, size_t i, struct derive_gist *g)
{
	static const char key[] = "\"updated_at\":\"";
	size_t k = sizeof(key) - 1;

	if (len - i < k + QUERY_SINCE_LEN + 1 || memcmp(s + i, key, k) != 0 ||
	    s[i + k + QUERY_SINCE_LEN] != '"' ||
	    !query_since_valid(s + i + k, QUERY_SINCE_LEN))
		return;
	memcpy(g->updated_at, s + i + k, QUERY_SINCE_LEN);
	g->updated_at[QUERY_SINCE_LEN] = '\0';
}

/*
 * Split one page's items (compact objects joined by commas, as json-c
 * wrote them) into idx's gists. Returns 0, or -1 when the bytes are not
 * that or hold more gists than the listing says.
 */
static int
derive_scan_page(const struct listing_page *p, struct derive_index *idx,
    long max)
{
	const char *s = p->items;
	size_t len = p->len, i = 0;

	while (i < len) {
		struct derive_gist *g;
		int depth = 0;

		if (i > 0 && s[i++] != ',')
			return -1;
		if (i >= len || s[i] != '{' || idx->count == max)
			return -1;
		g = &idx->gists[idx->count];
		g->json = s + i;
		g->updated_at[0] = '\0';
		do {
			switch (s[i]) {
			case '"':
				/* a member of the gist itself follows { or , */
				if (depth == 1 &&
				    (s[i - 1] == '{' || s[i - 1] == ','))
					derive_updated_at(s, len, i, g);
				i = derive_skip_string(s, len, i);
				continue;
			case '{':
			case '[':
				depth++;
				break;
			case '}':
			case ']':
				depth--;
				break;
			default:
				break;
			}
			i++;
		} while (depth > 0 && i < len);
		if (depth != 0)
			return -1;
		g->len = (size_t)(s + i - g->json);
		idx->count++;
	}
	return 0;
}

static void
derive_index_free(void *index)
{
	free(index);
}

/* whole's index, built on first use and kept with it; NULL when its
 * bytes are not a list of gists as counted, or out of memory. */
static const struct derive_index *
derive_index(struct listing *whole)
{
	struct derive_index *idx;

	pthread_mutex_lock(&whole->memo_lock);
	if ((idx = whole->index) != NULL)
		goto done;
	idx = malloc(
	    sizeof(*idx) + (size_t)whole->count * sizeof(struct derive_gist));
	if (idx == NULL)
		goto done;
	idx->count = 0;
	for (size_t i = 0; i < whole->npages; i++)
		if (derive_scan_page(&whole->pages[i], idx, whole->count) !=
		    0) {
			free(idx);
			idx = NULL;
			goto done;
		}
	if (idx->count != whole->count) {
		free(idx);
		idx = NULL;
		goto done;
	}
	idx->dated = true;
	for (long i = 0; i < idx->count; i++)
		if (idx->gists[i].updated_at[0] == '\0')
			idx->dated = false;
	whole->index = idx;
	whole->index_free = derive_index_free;
done:
	pthread_mutex_unlock(&whole->memo_lock);
	return idx;
}

/* Set page i of l to the gists keep[from..to) of idx. Returns 0 or -1. */
static int
derive_set_page(struct listing *l, size_t i, const struct derive_index *idx,
    const long *keep, long from, long to)
{
	struct listing_page *p = &l->pages[i];
	size_t len = 0;
	char *at;

	for (long k = from; k < to; k++)
		len += idx->gists[keep[k]].len + 1;
	if ((p->items = malloc(len + 1)) == NULL)
		return -1;
	at = p->items;
	for (long k = from; k < to; k++) {
		const struct derive_gist *g = &idx->gists[keep[k]];

		if (k > from)
			*at++ = ',';
		memcpy(at, g->json, g->len);
		at += g->len;
	}
	*at = '\0';
	p->len = (size_t)(at - p->items);
	p->count = to - from;
	l->count += p->count;
	return 0;
}

/*
 * One page of the n gists kept, as GitHub pages them: a slice (empty past
 * the end), with next and last while there is a later page.
 */
static struct listing *
derive_page(const struct derive_index *idx, const long *keep, long n,
    const struct query *q)
{
	long last, from, to;
	struct listing *l;

	/* query_parse made them so; a slice out of range is never read */
	if (q->page < 1 || q->per_page < 1 || q->page > QUERY_PAGE_MAX ||
	    q->per_page > QUERY_PER_PAGE_MAX ||
	    (l = listing_new(200, 1)) == NULL)
		return NULL;
	last = n == 0 ? 1 : (n + q->per_page - 1) / q->per_page;
	from = (q->page - 1) * q->per_page;
	to = from + q->per_page;
	if (from > n)
		from = n;
	if (to > n)
		to = n;
	if (derive_set_page(l, 0, idx, keep, from, to) != 0) {
		listing_unref(l);
		return NULL;
	}
	if (q->page < last) {
		l->next_page = q->page + 1;
		l->last_page = last;
	}
	return l;
}

/* The n gists kept as a whole listing in pages of 100, as fetched. */
static struct listing *
derive_whole(const struct derive_index *idx, const long *keep, long n)
{
	long pages = n == 0
	    ? 1
	    : (n + DERIVE_WHOLE_PER_PAGE - 1) / DERIVE_WHOLE_PER_PAGE;
	struct listing *l = listing_new(200, (size_t)pages);

	if (l == NULL)
		return NULL;
	for (long i = 0; i < pages; i++) {
		long from = i * DERIVE_WHOLE_PER_PAGE;
		long to = from + DERIVE_WHOLE_PER_PAGE < n
		    ? from + DERIVE_WHOLE_PER_PAGE
		    : n;

		if (derive_set_page(l, (size_t)i, idx, keep, from, to) != 0) {
			listing_unref(l);
			return NULL;
		}
	}
	return l;
}

struct listing *
derive_listing(struct listing *whole, const struct query *q)
{
	const struct derive_index *idx;
	struct listing *l;
	long *keep, n = 0;
	bool since = q->since[0] != '\0';

	if (whole->status != 200 || whole->truncated ||
	    (idx = derive_index(whole)) == NULL || (since && !idx->dated))
		return NULL;
	if ((keep = calloc((size_t)idx->count + 1, sizeof(*keep))) == NULL)
		return NULL;
	/* GitHub's since keeps what was updated at or after it; the stamps
	 * are all YYYY-MM-DDTHH:MM:SSZ, so bytes order them as times */
	for (long i = 0; i < idx->count; i++)
		if (!since || strcmp(idx->gists[i].updated_at, q->since) >= 0)
			keep[n++] = i;
	l = q->paged ? derive_page(idx, keep, n, q)
		     : derive_whole(idx, keep, n);
	free(keep);
	if (l != NULL)
		listing_seal(l);
	return l;
}

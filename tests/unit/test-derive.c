/* Unit tests: pages and since cut from a whole listing, compared with the
 * listings GitHub's own pages make. */
#include <stdio.h>
#include <stdlib.h>

#include "derive.h"
#include "tap.h"

#define NGISTS 250

/* Gist i, compact, with strings that look like JSON structure. */
static struct json_object *
make_gist(int i, const char *updated_at)
{
	struct json_object *g = json_object_new_object();
	struct json_object *files = json_object_new_array();
	struct json_object *f = json_object_new_object();
	char id[32], desc[96];

	snprintf(id, sizeof(id), "g%03d", i);
	snprintf(desc, sizeof(desc), "n%d \"}],{\\\"updated_at\\\":\" [{", i);
	json_object_object_add(g, "id", json_object_new_string(id));
	json_object_object_add(g, "description",
	    i % 7 == 0 ? NULL : json_object_new_string(desc));
	json_object_object_add(g, "html_url",
	    json_object_new_string("https://gist.github.com/x"));
	json_object_object_add(g, "public", json_object_new_boolean(1));
	json_object_object_add(g, "created_at",
	    json_object_new_string("2001-01-01T00:00:00Z"));
	json_object_object_add(g, "updated_at",
	    updated_at != NULL ? json_object_new_string(updated_at) : NULL);
	json_object_object_add(g, "comments", json_object_new_int(i));
	json_object_object_add(f, "filename", json_object_new_string("a}.c"));
	json_object_object_add(f, "size", json_object_new_int(i));
	json_object_array_add(files, f);
	json_object_object_add(g, "files", files);
	return g;
}

static char stamps[NGISTS][QUERY_SINCE_LEN + 1];
static struct json_object *all[NGISTS];

/* The user's gists, newest first, with dates not in list order. */
static void
make_gists(void)
{
	for (int i = 0; i < NGISTS; i++) {
		snprintf(stamps[i], sizeof(stamps[i]),
		    "20%02d-%02d-%02dT12:00:%02dZ", 10 + (i * 7) % 13,
		    1 + i % 12, 1 + i % 28, i % 60);
		all[i] = make_gist(i, stamps[i]);
	}
}

/* A listing of the gists keep[0..n) in pages of per_page, as fetched. */
static struct listing *
make_listing(const int *keep, int n, int per_page, int npages)
{
	struct listing *l = listing_new(200, (size_t)npages);

	for (int p = 0; p < npages; p++) {
		struct json_object *arr = json_object_new_array();

		for (int k = p * per_page; k < n && k < (p + 1) * per_page; k++)
			json_object_array_add(arr,
			    json_object_get(all[keep[k]]));
		listing_set_page(l, (size_t)p, arr, "\"e\"");
		json_object_put(arr);
	}
	return l;
}

/* The whole listing of every gist, in GitHub's pages of 100. */
static struct listing *
make_whole(void)
{
	static int keep[NGISTS];
	struct listing *l;

	for (int i = 0; i < NGISTS; i++)
		keep[i] = i;
	l = make_listing(keep, NGISTS, 100, 3);
	listing_seal(l);
	return l;
}

/* Whether two listings have the same pages, count, links and hash. */
static int
same_listing(const struct listing *a, const struct listing *b)
{
	if (a == NULL || b == NULL || a->npages != b->npages ||
	    a->count != b->count || a->next_page != b->next_page ||
	    a->last_page != b->last_page || a->hash != b->hash)
		return 0;
	for (size_t i = 0; i < a->npages; i++)
		if (a->pages[i].len != b->pages[i].len ||
		    memcmp(a->pages[i].items, b->pages[i].items,
			a->pages[i].len) != 0)
			return 0;
	return 1;
}

/* What GitHub answers for q (as the double does), made the fetched way. */
static struct listing *
github_answer(const struct query *q)
{
	static int keep[NGISTS];
	int n = 0, from, last;
	struct listing *l;

	for (int i = 0; i < NGISTS; i++)
		if (q->since[0] == '\0' || strcmp(stamps[i], q->since) >= 0)
			keep[n++] = i;
	if (!q->paged) {
		l = make_listing(keep, n, 100, n == 0 ? 1 : (n + 99) / 100);
		listing_seal(l);
		return l;
	}
	from = (int)((q->page - 1) * q->per_page);
	from = from < n ? from : n;
	l = make_listing(keep + from, n - from, (int)q->per_page, 1);
	last = n == 0 ? 1 : (n + (int)q->per_page - 1) / (int)q->per_page;
	if (q->page < last) {
		l->next_page = q->page + 1;
		l->last_page = last;
	}
	listing_seal(l);
	return l;
}

static struct query
make_query(bool paged, long page, long per_page, const char *since)
{
	struct query q = { QUERY_FORMAT_AUTO, paged, page, per_page, "" };

	if (since != NULL)
		snprintf(q.since, sizeof(q.since), "%s", since);
	return q;
}

static void
check_against_github(struct listing *whole)
{
	static const struct {
		bool paged;
		long page, per_page;
		const char *since;
	} cases[] = {
		{ true, 1, 30, NULL },
		{ true, 2, 50, NULL },
		{ true, 1, 7, NULL },
		{ true, 9, 30, NULL },
		{ true, 3, 100, NULL },
		{ true, 4, 100, NULL },
		{ true, 100000, 100, NULL },
		{ true, 1, 1, NULL },
		{ true, 250, 1, NULL },
		{ true, 251, 1, NULL },
		{ false, 0, 0, "2016-01-01T00:00:00Z" },
		{ false, 0, 0, "2000-01-01T00:00:00Z" },
		{ false, 0, 0, "2099-01-01T00:00:00Z" },
		{ true, 1, 30, "2099-01-01T00:00:00Z" },
		{ true, 2, 20, "2016-01-01T00:00:00Z" },
		{ true, 1, 100, "2014-03-04T12:00:04Z" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct query q = make_query(cases[i].paged, cases[i].page,
		    cases[i].per_page, cases[i].since);
		struct listing *want = github_answer(&q);
		struct listing *got = derive_listing(whole, &q);

		TAP_OK(same_listing(got, want));
		if (!same_listing(got, want))
			printf("# case %zu: count %ld, want %ld\n", i,
			    got != NULL ? got->count : -1L, want->count);
		listing_unref(got);
		listing_unref(want);
	}
}

/* A since exactly at a gist's updated_at keeps that gist. */
static void
check_since_boundary(struct listing *whole)
{
	struct query q = make_query(false, 0, 0, stamps[17]);
	struct listing *l = derive_listing(whole, &q);
	char id[8];

	TAP_OK(l != NULL);
	snprintf(id, sizeof(id), "\"g017\"");
	TAP_OK(l != NULL && strstr(l->pages[0].items, id) != NULL);
	listing_unref(l);
}

/* What derive must refuse: ask GitHub instead. */
static void
check_refusals(void)
{
	struct query page = make_query(true, 1, 30, NULL);
	struct query since = make_query(false, 0, 0, "2010-01-01T00:00:00Z");
	struct listing *l = make_whole(), *nf = listing_new(404, 0);
	struct json_object *arr;

	/* a truncated listing */
	l->truncated = true;
	TAP_OK(derive_listing(l, &page) == NULL);
	listing_unref(l);
	/* a user GitHub does not know */
	TAP_OK(derive_listing(nf, &page) == NULL);
	listing_unref(nf);

	/* a gist whose updated_at is null: pages yes, since no */
	l = listing_new(200, 1);
	arr = json_object_new_array();
	json_object_array_add(arr, make_gist(1, "2011-01-01T00:00:00Z"));
	json_object_array_add(arr, make_gist(2, NULL));
	listing_set_page(l, 0, arr, "");
	json_object_put(arr);
	listing_seal(l);
	TAP_OK(derive_listing(l, &since) == NULL);
	nf = derive_listing(l, &page);
	TAP_OK(nf != NULL && nf->count == 2);
	listing_unref(nf);
	listing_unref(l);

	/* bytes that are not what json-c wrote, or not as many gists */
	l = listing_new(200, 1);
	l->pages[0].items = strdup("{\"id\":\"a\"},[1]");
	l->pages[0].len = strlen(l->pages[0].items);
	l->count = 2;
	listing_seal(l);
	TAP_OK(derive_listing(l, &page) == NULL);
	listing_unref(l);
	l = listing_new(200, 1);
	l->pages[0].items = strdup("{\"id\":\"a\"},{\"id\":\"b\"");
	l->pages[0].len = strlen(l->pages[0].items);
	l->count = 2;
	listing_seal(l);
	TAP_OK(derive_listing(l, &page) == NULL);
	listing_unref(l);
	l = listing_new(200, 1);
	l->pages[0].items = strdup("{\"id\":\"a\"},{\"id\":\"b\"}");
	l->pages[0].len = strlen(l->pages[0].items);
	l->count = 1;
	listing_seal(l);
	TAP_OK(derive_listing(l, &page) == NULL);
	listing_unref(l);
}

/* An empty user: one empty page, no links, whatever the query. */
static void
check_empty(void)
{
	struct listing *l = listing_new(200, 1), *d;
	struct json_object *arr = json_object_new_array();
	struct query q = make_query(true, 3, 10, NULL);

	listing_set_page(l, 0, arr, "");
	json_object_put(arr);
	listing_seal(l);
	d = derive_listing(l, &q);
	TAP_OK(d != NULL && d->count == 0 && d->npages == 1 &&
	    d->pages[0].len == 0 && d->next_page == 0 && d->last_page == 0);
	listing_unref(d);
	listing_unref(l);
}

int
main(void)
{
	struct listing *whole;
	struct query q = make_query(true, 1, 30, NULL);
	struct query none = make_query(false, 0, 0, NULL);
	const void *index;
	struct listing *l;

	make_gists();
	whole = make_whole();
	TAP_OK(derive_wanted(&q));
	TAP_OK(!derive_wanted(&none));
	check_against_github(whole);
	/* the index is built once and kept with the listing */
	index = whole->index;
	TAP_OK(index != NULL);
	l = derive_listing(whole, &q);
	TAP_OK(whole->index == index);
	listing_unref(l);
	check_since_boundary(whole);
	check_refusals();
	check_empty();
	listing_unref(whole);
	for (int i = 0; i < NGISTS; i++)
		json_object_put(all[i]);
	return tap_done();
}

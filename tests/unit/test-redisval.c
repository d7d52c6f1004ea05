/* Unit tests: the shared tier's value codec, and what it refuses. */
#include <stdlib.h>

#include "gists.h"
#include "redisval.h"
#include "fixture.h"
#include "tap.h"

/* octocat's fixture as a listing of two pages (the same gists twice). */
static struct listing *
octocat(void)
{
	size_t len;
	char *body = read_fixture("octocat-gists.json", &len), err[160];
	struct json_object *arr =
	    gists_from_github(body, len, err, sizeof(err));
	struct listing *l = listing_new(200, 2);

	listing_set_page(l, 0, arr, "W/\"abc\"");
	listing_set_page(l, 1, arr, "");
	l->truncated = true;
	listing_seal(l);
	json_object_put(arr);
	free(body);
	return l;
}

/* Whether v (a C string) decodes, with at most max pages. */
static int
decodes(const char *v, size_t max)
{
	long long t;
	struct listing *l = redisval_decode(v, strlen(v), "u", max, &t);

	listing_unref(l);
	return l != NULL;
}

static const char gist[] =
    "{\"id\":\"1\",\"description\":null,\"html_url\":\"h\",\"public\":true,"
    "\"created_at\":\"2010-04-14T02:15:15Z\",\"updated_at\":\"2011-06-20T11:34:"
    "15Z\",\"comments\":0,\"files\":[{"
    "\"filename\":\"f\",\"language\":null,\"type\":\"text/plain\","
    "\"size\":3,\"raw_url\":\"r\"}]}";

/* A one-page value around items (count as given), written by hand. */
static char *
value(const char *items, long count, const char *etag)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf),
	    "gists-listing 1\nu\n5 200 0 0 0 1\n%zu %zu "
	    "%ld\n%s%s\n",
	    strlen(etag), strlen(items), count, etag, items);
	return buf;
}

int
main(void)
{
	struct listing *l = octocat(), *d, *nf;
	size_t len;
	char *v = redisval_encode(l, "octocat", 1700000000123LL, &len), *w;
	long long t = 0;

	/* round trip: the same bytes, so the same ETags everywhere */
	d = redisval_decode(v, len, "octocat", 30, &t);
	TAP_OK(d != NULL);
	if (d == NULL)
		return tap_done();
	TAP_LONG(t, 1700000000123LL);
	TAP_OK(d->hash == l->hash);
	TAP_LONG(d->npages, 2);
	TAP_LONG(d->count, l->count);
	TAP_OK(d->truncated);
	TAP_STR(d->pages[0].etag, "W/\"abc\"");
	TAP_STR(d->pages[1].etag, "");
	TAP_OK(d->pages[0].len == l->pages[0].len &&
	    memcmp(d->pages[0].items, l->pages[0].items, l->pages[0].len) == 0);
	listing_unref(d);

	/* more pages than allowed */
	TAP_OK(redisval_decode(v, len, "octocat", 1, &t) == NULL);
	/* another key's value */
	TAP_OK(redisval_decode(v, len, "octocat?page=1&per_page=30", 30, &t) ==
	    NULL);
	TAP_OK(redisval_decode(v, len, "octoca", 30, &t) == NULL);
	/* every cut of the value, and one byte more, is refused */
	{
		int refused = 1;

		for (size_t n = 0; n < len; n++) {
			d = redisval_decode(v, n, "octocat", 30, &t);
			refused &= d == NULL;
			listing_unref(d);
		}
		TAP_OK(refused);
	}
	w = malloc(len + 1);
	memcpy(w, v, len);
	w[len] = '\n';
	TAP_OK(redisval_decode(w, len + 1, "octocat", 30, &t) == NULL);
	free(w);

	/* a 404 */
	nf = listing_new(404, 0);
	listing_seal(nf);
	free(v);
	v = redisval_encode(nf, "nobody", 42, &len);
	d = redisval_decode(v, len, "nobody", 30, &t);
	TAP_OK(d != NULL && d->status == 404 && d->npages == 0);
	listing_unref(d);
	free(v);
	listing_unref(nf);
	listing_unref(l);

	/* hand-written values: the good one, then each thing wrong */
	TAP_OK(decodes(value(gist, 1, "\"e\""), 30));
	TAP_OK(decodes(value("", 0, ""), 30));
	TAP_OK(!decodes(value(gist, 2, "\"e\""), 30)); /* count */
	TAP_OK(!decodes(value(gist, 1, "\"e e\""), 30)); /* ETag */
	TAP_OK(decodes("gists-listing 1\nu\n5 404 0 0 0 0\n", 30));
	TAP_OK(!decodes("gists-listing 1\nv\n5 404 0 0 0 0\n", 30));
	TAP_OK(!decodes("gists-listing 2\nu\n5 200 0 0 0 0\n", 30));
	TAP_OK(!decodes("gists-listing 1\nu\n5 404 0 0 0 1\n0 0 0\n\n", 30));
	TAP_OK(!decodes("gists-listing 1\nu\n5 200 0 0 0 0\n", 30));
	TAP_OK(!decodes("gists-listing 1\nu\n5 500 0 0 0 0\n", 30));
	TAP_OK(!decodes("gists-listing 1\n-5 404 0 0 0 0\n", 30));
	TAP_OK(!decodes("gists-listing 1\nu\n5 404 2 0 0 0\n", 30));
	TAP_OK(!decodes("gists-listing 1\nu\n5 404 0 0 0 0", 30));
	TAP_OK(!decodes("", 30));
	TAP_OK(!decodes("garbage", 30));
	/* JSON that is not the compact schema, or not json-c's own bytes */
	TAP_OK(!decodes(value("{\"id\":\"1\"}", 1, ""), 30));
	TAP_OK(!decodes(value("1", 1, ""), 30));
	TAP_OK(!decodes(value("]", 0, ""), 30));
	TAP_OK(!decodes(value("],[", 0, ""), 30));
	TAP_OK(!decodes(value("null", 1, ""), 30));
	{
		char spaced[sizeof(gist) + 1];

		snprintf(spaced, sizeof(spaced), " %s", gist);
		TAP_OK(!decodes(value(spaced, 1, ""), 30));
	}
	{
		char extra[sizeof(gist) + 16];

		snprintf(extra, sizeof(extra), "%.*s,\"x\":1}",
		    (int)sizeof(gist) - 2, gist);
		TAP_OK(!decodes(value(extra, 1, ""), 30));
	}
	TAP_OK(!decodes(value("{\"id\":\"\x01\"}", 1, ""), 30));
	return tap_done();
}

/* libFuzzer: cutting pages and since out of a listing's stored bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "derive.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The listing's bytes as one page of count gists. */
static struct listing *
fuzz_listing(const uint8_t *data, size_t size, long count)
{
	struct listing *l = listing_new(200, 1);

	if (l == NULL || (l->pages[0].items = malloc(size + 1)) == NULL) {
		listing_unref(l);
		return NULL;
	}
	memcpy(l->pages[0].items, data, size);
	l->pages[0].items[size] = '\0';
	l->pages[0].len = size;
	l->pages[0].count = l->count = count;
	listing_seal(l);
	return l;
}

/*
 * Input: a count of gists (byte 0), a page (byte 1) and per_page (byte
 * 2), then the bytes. Whatever they are, nothing crashes; a listing made
 * of more gists than it holds is never answered; and one page holding
 * them all gives the bytes back unchanged.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct query page = { QUERY_FORMAT_AUTO, true, 1, 100, "" };
	struct query since = { QUERY_FORMAT_AUTO, false, 0, 0,
		"2014-10-10T16:39:50Z" };
	struct listing *l, *d;
	long count;

	if (size < 3)
		return 0;
	count = data[0] % 101;
	page.page = 1 + data[1] % 8;
	page.per_page = 1 + data[2] % 100;
	if ((l = fuzz_listing(data + 3, size - 3, count)) == NULL)
		return 0;
	d = derive_listing(l, &page);
	if (d != NULL && (d->count > count || d->count > page.per_page))
		abort();
	listing_unref(d);
	d = derive_listing(l, &since);
	if (d != NULL && d->count > count)
		abort();
	listing_unref(d);
	page.page = 1;
	page.per_page = 100;
	d = derive_listing(l, &page);
	if (d != NULL &&
	    (d->count != count || d->pages[0].len != size - 3 ||
		memcmp(d->pages[0].items, data + 3, size - 3) != 0))
		abort();
	listing_unref(d);
	listing_unref(l);
	return 0;
}

/* The shared tier's value codec: a text header, then each page verbatim. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "buf.h"
#include "gists.h"
#include "parse.h"
#include "redisval.h"

#define REDISVAL_MAGIC "gists-listing 1\n"
#define REDISVAL_DEPTH 8 /* compact gists are three levels deep */

char *
redisval_encode(const struct listing *l, const char *key, long long fetched_ms,
    size_t *len)
{
	struct buf b;

	buf_init(&b, 4096);
	buf_printf(&b, "%s%s\n%lld %d %d %ld %ld %zu\n", REDISVAL_MAGIC, key,
	    fetched_ms, l->status, l->truncated ? 1 : 0, l->next_page,
	    l->last_page, l->npages);
	for (size_t i = 0; i < l->npages; i++) {
		const struct listing_page *p = &l->pages[i];

		buf_printf(&b, "%zu %zu %ld\n", strlen(p->etag), p->len,
		    p->count);
		buf_append(&b, p->etag, strlen(p->etag));
		buf_append(&b, p->items, p->len);
		buf_append(&b, "\n", 1);
	}
	return buf_finish(&b, len);
}

/* A reader over a value: every read checks what is left. */
struct redisval_in {
	const char *p, *end;
	bool bad;
};

/* A decimal number from 0 to max (at most 18 digits), then sep. */
static long long
redisval_number(struct redisval_in *in, long long max, char sep)
{
	size_t left = (size_t)(in->end - in->p);
	const char *stop = memchr(in->p, sep, left < 19 ? left : 19);
	long long n;

	if (stop == NULL ||
	    !parse_number(in->p, (size_t)(stop - in->p), 0, max, &n)) {
		in->bad = true;
		return 0;
	}
	in->p = stop + 1;
	return n;
}

/* Decode one page's gists into page i of l; 0 or -1. */
static int
redisval_page(struct listing *l, size_t i, const char *items, size_t len,
    const char *etag, long count)
{
	struct json_tokener *tok;
	struct json_object *arr;
	char *text, err[GISTS_ERR_LEN];
	int ok;

	if ((text = malloc(len + 3)) == NULL)
		return -1;
	text[0] = '[';
	memcpy(text + 1, items, len);
	text[len + 1] = ']';
	text[len + 2] = '\0';
	if (gists_check_bytes(text, len + 2, err, sizeof(err)) != 0 ||
	    (tok = json_tokener_new_ex(REDISVAL_DEPTH)) == NULL) {
		free(text);
		return -1;
	}
	json_tokener_set_flags(tok,
	    JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	arr = json_tokener_parse_ex(tok, text, (int)len + 3);
	ok = arr != NULL &&
	    json_tokener_get_error(tok) == json_tokener_success &&
	    json_tokener_get_parse_end(tok) == len + 2 &&
	    gists_check_compact(arr) == 0 &&
	    (long)json_object_array_length(arr) == count &&
	    listing_set_page(l, i, arr, etag) == 0 &&
	    /* byte for byte what we would have stored: nothing smuggled */
	    l->pages[i].len == len &&
	    memcmp(l->pages[i].items, items, len) == 0;
	json_tokener_free(tok);
	json_object_put(arr);
	free(text);
	return ok ? 0 : -1;
}

/* Whether etag[0..len) is a plausible ETag: printable ASCII, no space. */
static bool
redisval_etag_ok(const char *etag, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)etag[i] <= 0x20 ||
		    (unsigned char)etag[i] >= 0x7f)
			return false;
	return true;
}

struct listing *
redisval_decode(const char *v, size_t len, const char *key, size_t max_pages,
    long long *fetched_ms)
{
	struct redisval_in in = { v, v + len, false };
	size_t magic = strlen(REDISVAL_MAGIC), klen = strlen(key), npages;
	long long fetched, status, truncated, next, last;
	struct listing *l;

	if (len < magic || memcmp(v, REDISVAL_MAGIC, magic) != 0)
		return NULL;
	in.p += magic;
	/* the key it was written for: a value moved elsewhere is not ours */
	if ((size_t)(in.end - in.p) < klen + 1 ||
	    memcmp(in.p, key, klen) != 0 || in.p[klen] != '\n')
		return NULL;
	in.p += klen + 1;
	fetched = redisval_number(&in, 1LL << 50, ' ');
	status = redisval_number(&in, 404, ' ');
	truncated = redisval_number(&in, 1, ' ');
	next = redisval_number(&in, 1L << 30, ' ');
	last = redisval_number(&in, 1L << 30, ' ');
	npages = (size_t)redisval_number(&in, (long long)max_pages, '\n');
	if (in.bad || (status != 200 && status != 404) ||
	    (status == 404 && npages != 0) || (status == 200 && npages == 0) ||
	    (l = listing_new((int)status, npages)) == NULL)
		return NULL;
	l->truncated = truncated != 0;
	l->next_page = (long)next;
	l->last_page = (long)last;
	for (size_t i = 0; i < npages && !in.bad; i++) {
		char etag[ETAG_MAX + 1];
		size_t elen = (size_t)redisval_number(&in, ETAG_MAX, ' ');
		size_t ilen = (size_t)redisval_number(&in, 1LL << 40, ' ');
		long count = (long)redisval_number(&in, 1L << 30, '\n');

		if (in.bad || (size_t)(in.end - in.p) < elen + ilen + 1 ||
		    in.p[elen + ilen] != '\n' ||
		    !redisval_etag_ok(in.p, elen)) {
			in.bad = true;
			break;
		}
		memcpy(etag, in.p, elen);
		etag[elen] = '\0';
		if (redisval_page(l, i, in.p + elen, ilen, etag, count) != 0)
			in.bad = true;
		in.p += elen + ilen + 1;
	}
	if (in.bad || in.p != in.end) {
		listing_unref(l);
		return NULL;
	}
	listing_seal(l);
	*fetched_ms = fetched;
	return l;
}

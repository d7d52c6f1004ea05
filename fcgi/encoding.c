/* Content codings of 200 bodies: choosing one, and compressing once. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <brotli/encode.h>
#define ZLIB_CONST /* next_in is const: no cast away */
#include <zlib.h>
#include <zstd.h>

#include "encoding.h"
#include "parse.h"

/*
 * Levels for a body compressed once and sent many times, yet compressed
 * while a miss waits: each library's middle setting, a few ms for the
 * 420 KB of a 1,000-gist listing (bench/compression.sh).
 */
#define ENCODING_BR_QUALITY 5
#define ENCODING_ZSTD_LEVEL 6
#define ENCODING_GZIP_LEVEL 6

static const char *const encoding_names[ENCODING_COUNT] = {
	[ENCODING_IDENTITY] = "",
	[ENCODING_BR] = "br",
	[ENCODING_ZSTD] = "zstd",
	[ENCODING_GZIP] = "gzip",
};

const char *
encoding_name(enum encoding e)
{
	return e >= 0 && e < ENCODING_COUNT ? encoding_names[e] : "";
}

/* The q of one member's parameters p[0..n), in thousandths; -1 when
 * malformed. */
static int
encoding_quality(const char *p, size_t n)
{
	size_t i = 0;
	size_t used;
	int q;

	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i == n)
		return 1000;
	if (p[i] != ';')
		return -1;
	for (i++; i < n && (p[i] == ' ' || p[i] == '\t'); i++)
		;
	if (i + 2 > n || (p[i] != 'q' && p[i] != 'Q') || p[i + 1] != '=')
		return -1;
	i += 2;
	if ((q = parse_qvalue(p + i, n - i, &used)) < 0)
		return -1;
	for (i += used; i < n && (p[i] == ' ' || p[i] == '\t'); i++)
		;
	return i == n ? q : -1;
}

enum encoding
encoding_choose(const char *accept_encoding)
{
	/* -1: not named; the quality otherwise */
	int q[ENCODING_COUNT] = { -1, -1, -1, -1 }, star = -1;
	const char *p = accept_encoding;
	enum encoding best = ENCODING_IDENTITY;
	int best_q = 0;

	if (p == NULL)
		return ENCODING_IDENTITY;
	while (*p != '\0') {
		size_t n = strcspn(p, ",");
		size_t tlen;
		const char *t = p;
		int mq;

		while (t < p + n && (*t == ' ' || *t == '\t'))
			t++;
		tlen = strcspn(t, ";, \t");
		if (t + tlen > p + n)
			tlen = (size_t)(p + n - t);
		mq = encoding_quality(t + tlen, (size_t)(p + n - t) - tlen);
		if (mq < 0)
			return ENCODING_IDENTITY; /* unparsable: play safe */
		if (tlen == 1 && *t == '*')
			star = mq;
		for (int e = ENCODING_BR; e < ENCODING_COUNT; e++)
			if (tlen == strlen(encoding_names[e]) &&
			    strncasecmp(t, encoding_names[e], tlen) == 0)
				q[e] = mq;
		if (tlen == 6 && strncasecmp(t, "x-gzip", 6) == 0)
			q[ENCODING_GZIP] = mq;
		p += n;
		if (*p == ',')
			p++;
	}
	for (int e = ENCODING_BR; e < ENCODING_COUNT; e++) {
		int eq = q[e] >= 0 ? q[e] : star;

		if (eq > best_q) {
			best = (enum encoding)e;
			best_q = eq;
		}
	}
	return best;
}

static char *
encoding_gzip(const char *in, size_t len, size_t *out_len)
{
	z_stream z;
	char *out;
	size_t cap;

	memset(&z, 0, sizeof(z));
	/* 15 + 16: a gzip wrapper, not zlib's */
	if (deflateInit2(&z, ENCODING_GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8,
		Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	cap = deflateBound(&z, (uLong)len);
	if ((out = malloc(cap)) == NULL) {
		deflateEnd(&z);
		return NULL;
	}
	z.next_in = (const Bytef *)in;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		free(out);
		return NULL;
	}
	*out_len = z.total_out;
	deflateEnd(&z);
	return out;
}

static char *
encoding_br(const char *in, size_t len, size_t *out_len)
{
	size_t cap = BrotliEncoderMaxCompressedSize(len);
	char *out = cap > 0 ? malloc(cap) : NULL;

	if (out == NULL)
		return NULL;
	*out_len = cap;
	if (!BrotliEncoderCompress(ENCODING_BR_QUALITY, BROTLI_DEFAULT_WINDOW,
		BROTLI_MODE_TEXT, len, (const uint8_t *)in, out_len,
		(uint8_t *)out)) {
		free(out);
		return NULL;
	}
	return out;
}

static char *
encoding_zstd(const char *in, size_t len, size_t *out_len)
{
	size_t cap = ZSTD_compressBound(len);
	char *out = malloc(cap);
	size_t n;

	if (out == NULL)
		return NULL;
	n = ZSTD_compress(out, cap, in, len, ENCODING_ZSTD_LEVEL);
	if (ZSTD_isError(n)) {
		free(out);
		return NULL;
	}
	*out_len = n;
	return out;
}

char *
encoding_compress(enum encoding e, const char *in, size_t len, size_t *out_len)
{
	char *out = NULL;

	/* the libraries take int-sized lengths in places */
	if (len > (size_t)1 << 30)
		return NULL;
	switch (e) {
	case ENCODING_GZIP:
		out = encoding_gzip(in, len, out_len);
		break;
	case ENCODING_BR:
		out = encoding_br(in, len, out_len);
		break;
	case ENCODING_ZSTD:
		out = encoding_zstd(in, len, out_len);
		break;
	default:
		return NULL;
	}
	if (out != NULL && *out_len >= len) {
		free(out);
		out = NULL;
	}
	return out;
}

/* Content codings of 200 bodies: choosing one, and compressing once. */
#ifndef GISTS_ENCODING_H
#define GISTS_ENCODING_H

#include <stddef.h>

enum encoding {
	ENCODING_IDENTITY,
	ENCODING_BR,
	ENCODING_ZSTD,
	ENCODING_GZIP,
	ENCODING_COUNT,
};

/* Bodies shorter than this go out as they are: a coding's framing would
 * eat most of the saving. */
#define ENCODING_MIN_BYTES 1024

/*
 * The coding to answer an Accept-Encoding value with (RFC 9110 12.5.3):
 * the highest quality among br, zstd and gzip (ties in that order, "*"
 * standing for those not named), identity when none is acceptable or
 * the header is absent or unparsable.
 */
enum encoding encoding_choose(const char *accept_encoding);

/* The coding's token for Content-Encoding and ETags ("br"), "" for
 * identity. */
const char *encoding_name(enum encoding e);

/* in[0..len) compressed with e, malloc'd, its length in *out_len; NULL
 * when the library fails, memory runs out or the result is not smaller. */
char *
encoding_compress(enum encoding e, const char *in, size_t len, size_t *out_len);

#endif

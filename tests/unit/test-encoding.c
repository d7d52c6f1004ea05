/* Unit tests: Accept-Encoding negotiation and the compressors. */
#include <stdlib.h>
#include <string.h>

#include <brotli/decode.h>
#include <zlib.h>
#include <zstd.h>

#include "encoding.h"
#include "tap.h"

int
main(void)
{
	static char text[8192];
	size_t len = 0;
	char *z;

	TAP_LONG(encoding_choose(NULL), ENCODING_IDENTITY);
	TAP_LONG(encoding_choose(""), ENCODING_IDENTITY);
	TAP_LONG(encoding_choose("identity"), ENCODING_IDENTITY);
	TAP_LONG(encoding_choose("gzip"), ENCODING_GZIP);
	TAP_LONG(encoding_choose("x-gzip"), ENCODING_GZIP);
	TAP_LONG(encoding_choose("GZIP"), ENCODING_GZIP);
	TAP_LONG(encoding_choose("zstd"), ENCODING_ZSTD);
	TAP_LONG(encoding_choose("br"), ENCODING_BR);
	/* curl --compressed, browsers: ties go to br, then zstd */
	TAP_LONG(encoding_choose("deflate, gzip, br, zstd"), ENCODING_BR);
	TAP_LONG(encoding_choose("gzip, deflate, br"), ENCODING_BR);
	TAP_LONG(encoding_choose("gzip, zstd"), ENCODING_ZSTD);
	/* quality decides before our preference */
	TAP_LONG(encoding_choose("br;q=0.5, gzip"), ENCODING_GZIP);
	TAP_LONG(encoding_choose("br; q=0.5 , gzip;q=0.6"), ENCODING_GZIP);
	TAP_LONG(encoding_choose("br;q=0, gzip;q=0.001"), ENCODING_GZIP);
	TAP_LONG(encoding_choose("br;q=0"), ENCODING_IDENTITY);
	TAP_LONG(encoding_choose("gzip;q=0.000"), ENCODING_IDENTITY);
	/* "*" stands for the codings not named */
	TAP_LONG(encoding_choose("*"), ENCODING_BR);
	TAP_LONG(encoding_choose("br;q=0, *"), ENCODING_ZSTD);
	TAP_LONG(encoding_choose("*;q=0, gzip"), ENCODING_GZIP);
	/* unknown codings and garbage: identity, never a guess */
	TAP_LONG(encoding_choose("compress, deflate"), ENCODING_IDENTITY);
	TAP_LONG(encoding_choose("gzip;q=abc"), ENCODING_IDENTITY);
	TAP_LONG(encoding_choose("gzip;level=9"), ENCODING_IDENTITY);
	TAP_LONG(encoding_choose("gzipx"), ENCODING_IDENTITY);
	TAP_LONG(encoding_choose(",,,"), ENCODING_IDENTITY);

	TAP_STR(encoding_name(ENCODING_GZIP), "gzip");
	TAP_STR(encoding_name(ENCODING_IDENTITY), "");

	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = "{\"id\": \"abc\", \"files\": []}\n"[i % 28];
	z = encoding_compress(ENCODING_GZIP, text, sizeof(text), &len);
	TAP_OK(z != NULL && len > 0 && len < sizeof(text));
	/* a gzip member zlib's inflate (with gzip header detection) reads */
	if (z != NULL) {
		static char back[sizeof(text)];
		uLongf back_len;
		z_stream s;

		memset(&s, 0, sizeof(s));
		inflateInit2(&s, 15 + 32);
		s.next_in = (Bytef *)z;
		s.avail_in = (uInt)len;
		s.next_out = (Bytef *)back;
		s.avail_out = (uInt)sizeof(back);
		TAP_LONG(inflate(&s, Z_FINISH), Z_STREAM_END);
		back_len = s.total_out;
		inflateEnd(&s);
		TAP_LONG(back_len, sizeof(text));
		TAP_OK(memcmp(back, text, sizeof(text)) == 0);
	}
	free(z);
	/* br and zstd: shorter, and decoded by the libraries' own decoders
	 * to exactly the text */
	z = encoding_compress(ENCODING_BR, text, sizeof(text), &len);
	TAP_OK(z != NULL && len < sizeof(text));
	if (z != NULL) {
		static char back[sizeof(text) + 1];
		size_t back_len = sizeof(back);

		TAP_LONG(BrotliDecoderDecompress(len, (const uint8_t *)z,
			     &back_len, (uint8_t *)back),
		    BROTLI_DECODER_RESULT_SUCCESS);
		TAP_LONG(back_len, sizeof(text));
		TAP_OK(memcmp(back, text, sizeof(text)) == 0);
	}
	free(z);
	z = encoding_compress(ENCODING_ZSTD, text, sizeof(text), &len);
	TAP_OK(z != NULL && len < sizeof(text));
	if (z != NULL) {
		static char back[sizeof(text) + 1];
		size_t got = ZSTD_decompress(back, sizeof(back), z, len);

		TAP_OK(!ZSTD_isError(got));
		TAP_LONG(got, sizeof(text));
		TAP_OK(memcmp(back, text, sizeof(text)) == 0);
	}
	free(z);
	/* nothing to gain: no coded copy, identity is sent */
	TAP_OK(encoding_compress(ENCODING_GZIP, "x", 1, &len) == NULL);
	TAP_OK(encoding_compress(ENCODING_IDENTITY, text, 10, &len) == NULL);
	return tap_done();
}

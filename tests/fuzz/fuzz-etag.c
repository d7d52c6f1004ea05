/* libFuzzer: a client's If-None-Match, and headers we refuse to send. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libFuzzer's signature fixes the non-const pointers */
int
LLVMFuzzerInitialize(int *argc, /* NOLINT(readability-non-const-parameter) */
    char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_fd(-1); /* refused headers are logged: not here */
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = malloc(size + 1);
	struct http_response r;
	char head[HTTP_HEAD_MAX];

	if (in == NULL)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	(void)http_etag_matches(in, "\"0123456789abcdef\"");
	http_response_init(&r, 200);
	http_header(&r, "X-Echo", in);
	http_head(&r, head, sizeof(head));
	/* a value that could end a line, or start a header, is never sent */
	if ((strchr(in, '\r') != NULL || strchr(in, '\n') != NULL) &&
	    strstr(head, "X-Echo") != NULL)
		abort();
	http_response_free(&r);
	free(in);
	return 0;
}

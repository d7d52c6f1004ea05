/* libFuzzer: a client's X-Request-Id, and the log escaping it meets. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "reqid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = malloc(size + 1);
	char id[REQID_MAX + 1], esc[256];

	if (in == NULL)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	reqid_assign(id, in);
	/* whatever came in, what goes out is a valid id */
	if (!reqid_valid(id))
		abort();
	/* and escaping leaves only printable ASCII */
	log_escape_n(esc, sizeof(esc), in, size);
	for (const char *p = esc; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			abort();
	free(in);
	return 0;
}

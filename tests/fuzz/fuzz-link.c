/* libFuzzer: GitHub's Link header. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "link.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const rels[] = { "next", "last", "prev", "first" };
	char *header = malloc(size + 1);

	if (header == NULL)
		return 0;
	memcpy(header, data, size);
	header[size] = '\0';
	for (size_t i = 0; i < sizeof(rels) / sizeof(rels[0]); i++) {
		long page = link_find_page(header, rels[i]);

		if (page < 0 || page > 1000000000L)
			abort();
	}
	free(header);
	return 0;
}

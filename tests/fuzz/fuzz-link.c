/* libFuzzer: GitHub's Link header. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "link.h"
#include "query.h"

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
	/* what we pass on never names a page our query parser refuses */
	{
		struct link_rels out;
		long named[4];

		for (long page = 1; page <= QUERY_PAGE_MAX;
		     page += QUERY_PAGE_MAX - 1) {
			link_rels(page, link_find_page(header, "next"),
			    link_find_page(header, "last"), &out);
			named[0] = out.next;
			named[1] = out.last;
			named[2] = out.first;
			named[3] = out.prev;
			for (size_t i = 0; i < 4; i++)
				if (named[i] < 0 || named[i] > QUERY_PAGE_MAX)
					abort();
		}
	}
	free(header);
	return 0;
}

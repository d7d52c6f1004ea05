/* libFuzzer: whatever GitHub (or something posing as it) might send. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gists.h"
#include "listing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = malloc(size + 1);
	char err[GISTS_ERR_LEN];
	struct json_object *arr;

	if (body == NULL)
		return 0;
	memcpy(body, data, size);
	body[size] = '\0';
	arr = gists_from_github(body, size, err, sizeof(err));
	if (arr != NULL) {
		/* what the service does next: a page, a listing, a body */
		struct listing *l = listing_new(200, 1);
		struct query q = { 0 };

		if (l != NULL && listing_set_page(l, 0, arr, "\"e\"") == 0) {
			struct listing_body *b;

			listing_seal(l);
			if ((b = listing_body_get(l, "fuzz", &q)) != NULL) {
				/* the body must be valid JSON again */
				struct json_object *o =
				    json_tokener_parse(b->text);

				if (o == NULL)
					abort();
				json_object_put(o);
				listing_body_unref(b);
			}
		}
		listing_unref(l);
		json_object_put(arr);
	}
	free(body);
	return 0;
}

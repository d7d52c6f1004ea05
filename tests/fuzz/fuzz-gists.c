/* libFuzzer: whatever GitHub (or something posing as it) might send. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gists.h"
#include "html.h"
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
			struct html_links links = { "/fuzz?page=1", NULL,
				"/fuzz?format=json" };
			size_t len = 0;
			char *text;

			listing_seal(l);
			/* the body must be valid JSON again */
			if ((text = listing_render(l, "fuzz", &q, &len)) !=
			    NULL) {
				struct json_object *o =
				    json_tokener_parse(text);

				if (o == NULL)
					abort();
				json_object_put(o);
				free(text);
			}
			/*
			 * and the page must hold no markup from the data: a
			 * raw '<' or '"' would be needed to open a tag or to
			 * leave an attribute, and the template has none of
			 * these
			 */
			if ((text = html_listing(l, "fuzz", &q, true, &links,
				 &len)) != NULL) {
				if (strstr(text, "<script") != NULL ||
				    strstr(text, "<img") != NULL ||
				    strstr(text, "\" on") != NULL ||
				    strstr(text, "href=\"javascript") != NULL)
					abort();
				free(text);
			}
		}
		listing_unref(l);
		json_object_put(arr);
	}
	free(body);
	return 0;
}

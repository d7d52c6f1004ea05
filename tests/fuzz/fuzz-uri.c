/* libFuzzer: a request target (path and query) as a client may send it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *uri = malloc(size + 1);
	struct route rt;
	struct query q;
	char err[QUERY_ERR_LEN];
	const char *qs;

	if (uri == NULL)
		return 0;
	memcpy(uri, data, size);
	uri[size] = '\0';
	route_match_uri(uri, &rt);
	if (rt.kind == ROUTE_USER &&
	    !route_login_valid(rt.login, strlen(rt.login)))
		abort(); /* a user route must carry a valid login */
	qs = strchr(uri, '?');
	if (query_parse(qs != NULL ? qs + 1 : "", &q, err, sizeof(err)) == 0) {
		if (q.paged &&
		    (q.page < 1 || q.page > QUERY_PAGE_MAX || q.per_page < 1 ||
			q.per_page > QUERY_PER_PAGE_MAX))
			abort();
		if (q.since[0] != '\0' &&
		    !query_since_valid(q.since, strlen(q.since)))
			abort();
	}
	free(uri);
	return 0;
}

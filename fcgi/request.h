/*
 * One request as the answer sees it: what it asks for (route, query),
 * how (negotiation, content coding, conditional) and its log record,
 * carried from arrival through lookup, park and answer.
 */
#ifndef GISTS_REQUEST_H
#define GISTS_REQUEST_H

#include <stdbool.h>

#include "encoding.h"
#include "log.h"
#include "query.h"
#include "route.h"

struct request {
	struct route rt; /* the path's route, and its login */
	struct query q; /* /{user}'s parameters */
	const char *if_none_match; /* the conditional; NULL when absent */
	enum encoding enc; /* from Accept-Encoding, for a 200 */
	bool html; /* a page for browsers (Accept, or ?format=) */
	bool head; /* HEAD: the body is not sent */
	struct log_request lg; /* its log line, filled on the way */
};

#endif

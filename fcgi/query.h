/* The query parameters of /{user}; pure, no I/O. */
#ifndef GISTS_QUERY_H
#define GISTS_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#define QUERY_PAGE_MAX 100000
#define QUERY_PER_PAGE_MAX 100
#define QUERY_PER_PAGE_DEFAULT 30
#define QUERY_SINCE_LEN 20 /* YYYY-MM-DDTHH:MM:SSZ */

enum query_format {
	QUERY_FORMAT_AUTO, /* by the Accept header */
	QUERY_FORMAT_JSON,
	QUERY_FORMAT_HTML,
};

struct query {
	enum query_format format; /* ?format=json|html */
	bool paged; /* page or per_page given: one page only */
	long page; /* 1.. when paged */
	long per_page; /* 1..100 when paged */
	char since[QUERY_SINCE_LEN + 1]; /* "" when not given */
};

#define QUERY_ERR_LEN 160

/*
 * Parse a raw QUERY_STRING (NULL is empty): page, per_page, since and
 * format. A parameter given twice counts once, the last one; unknown ones
 * are ignored. Returns 0, or -1
 * with err saying which parameter is malformed (never echoing it).
 */
int query_parse(const char *qs, struct query *q, char *err, size_t errlen);

/* Whether s is a real UTC time written as YYYY-MM-DDTHH:MM:SSZ. */
bool query_since_valid(const char *s, size_t len);

#endif

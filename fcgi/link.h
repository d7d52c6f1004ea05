/* RFC 8288 Link headers: reading GitHub's, writing ours; pure, no I/O. */
#ifndef GISTS_LINK_H
#define GISTS_LINK_H

#include <stddef.h>

/*
 * The "page" query parameter of the target whose rel is rel ("next",
 * "last", ...) in a Link header value, or 0 when there is none or it is
 * not a whole number from 1 to 10^9.
 */
long link_find_page(const char *header, const char *rel);

/* The pages our own Link names; 0 where the rel is left out. */
struct link_rels {
	long next, last, first, prev;
};

/*
 * The rels of our Link for page (1..QUERY_PAGE_MAX) of a listing whose
 * upstream named next and last (0: not named). A page we would refuse
 * (above QUERY_PAGE_MAX) is never named: its rel is left out rather than
 * clamped, since a clamped "last" would be a page that is not the last.
 * "last" goes with "next", as GitHub's does; "first" and "prev" are there
 * past page 1.
 */
void link_rels(long page, long next, long last, struct link_rels *out);

#endif

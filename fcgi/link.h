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

#endif

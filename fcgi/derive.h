/*
 * Answers derived from a user's whole listing: any page, per_page and
 * since of that user, cut from the listing the cache holds instead of
 * asked of GitHub, byte for byte what GitHub's own page would have made.
 * Pure, no I/O.
 */
#ifndef GISTS_DERIVE_H
#define GISTS_DERIVE_H

#include <stdbool.h>

#include "listing.h"
#include "query.h"

/* Whether q asks for less than the whole listing (a page, or since). */
bool derive_wanted(const struct query *q);

/*
 * The listing GitHub would have answered for q (one page of per_page, or
 * the since-filtered whole in pages of 100), made from whole, a user's
 * complete listing: a new sealed listing, one reference. NULL when whole
 * cannot answer q (not a 200, truncated, a gist without a valid
 * updated_at for since, bytes that are not compact gists) or when out of
 * memory: then ask GitHub.
 */
struct listing *derive_listing(struct listing *whole, const struct query *q);

#endif

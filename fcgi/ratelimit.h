/*
 * The upstream's rate limit, one state for the process: the block (when
 * not to ask again), which fetches, the shared tier and answers read and
 * write. The books it comes from (the limit's headers) are budget.h's.
 */
#ifndef GISTS_RATELIMIT_H
#define GISTS_RATELIMIT_H

#include <stddef.h>

/*
 * Seconds until the upstream's rate limit lets us ask again (0: ask
 * away). Set by a rate-limited answer (its Retry-After), by an answer
 * that spent the last request (until X-RateLimit-Reset), or by another
 * instance through the shared tier: asking sooner would only fail.
 */
long ratelimit_blocked_for(void);

/* Do not ask again for the next seconds (a longer block stays). */
void ratelimit_block(long seconds);

/* What a client is told while blocked for seconds (one wording). */
void ratelimit_detail(char *buf, size_t len, long seconds);

#endif

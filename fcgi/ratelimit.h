/*
 * The upstream's rate limit, one state for the process: the block (when
 * not to ask again), which fetches, the shared tier and answers read and
 * write, and the limit's headers as last seen, for the metrics.
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

/*
 * X-RateLimit-Remaining, -Reset (epoch seconds) and -Limit of one
 * answer; -1 (and a limit of 0) for a header that was absent.
 */
void ratelimit_seen(long remaining, long reset, long limit);

struct ratelimit_stats {
	long remaining; /* -1: not seen yet */
	long reset; /* -1: not seen yet */
	long limit; /* -1: not seen yet */
	long blocked_for; /* ratelimit_blocked_for() */
};

void ratelimit_get_stats(struct ratelimit_stats *st);

#endif

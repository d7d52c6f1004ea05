/* The rate-limit block and gauges: lock-free atomics, any thread. */
#include <stdatomic.h>
#include <stdio.h>

#include "clock.h"
#include "ratelimit.h"

/* Monotonic milliseconds before which the upstream is not asked; 0: none. */
static atomic_llong ratelimit_until;
static atomic_long ratelimit_remaining = -1;
static atomic_long ratelimit_reset = -1;
static atomic_long ratelimit_limit = -1;

long
ratelimit_blocked_for(void)
{
	long long until = atomic_load(&ratelimit_until);
	long long left = until - clock_ms();

	return left > 0 ? (long)((left + 999) / 1000) : 0;
}

void
ratelimit_block(long seconds)
{
	long long until = clock_ms() + (long long)seconds * 1000;
	long long cur = atomic_load(&ratelimit_until);

	if (seconds <= 0)
		return;

	while (cur < until &&
	    !atomic_compare_exchange_weak(&ratelimit_until, &cur, until))
		;
}

void
ratelimit_detail(char *buf, size_t len, long seconds)
{
	snprintf(buf, len,
	    "GitHub's rate limit is spent; try again in %ld seconds", seconds);
}

void
ratelimit_seen(long remaining, long reset, long limit)
{
	if (remaining >= 0)
		atomic_store_explicit(&ratelimit_remaining, remaining,
		    memory_order_relaxed);
	if (reset >= 0)
		atomic_store_explicit(&ratelimit_reset, reset,
		    memory_order_relaxed);
	if (limit > 0)
		atomic_store_explicit(&ratelimit_limit, limit,
		    memory_order_relaxed);
}

void
ratelimit_get_stats(struct ratelimit_stats *st)
{
	st->remaining = atomic_load(&ratelimit_remaining);
	st->reset = atomic_load(&ratelimit_reset);
	st->limit = atomic_load(&ratelimit_limit);
	st->blocked_for = ratelimit_blocked_for();
}

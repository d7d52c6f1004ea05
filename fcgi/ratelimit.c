/* The rate-limit block: a lock-free atomic, any thread. */
#include <stdatomic.h>
#include <stdio.h>

#include "clock.h"
#include "ratelimit.h"

/* Monotonic milliseconds before which the upstream is not asked; 0: none. */
static atomic_llong ratelimit_until;

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

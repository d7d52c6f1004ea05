/* The monotonic clock, for durations and deadlines. */
#ifndef GISTS_CLOCK_H
#define GISTS_CLOCK_H

#include <time.h>

/* Microseconds on the monotonic clock. */
static inline long long
clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Milliseconds on the monotonic clock. */
static inline long long
clock_ms(void)
{
	return clock_us() / 1000;
}

#endif

/* Request id validation and generation. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "reqid.h"

bool
reqid_valid(const char *s)
{
	size_t len;

	if (s == NULL || (len = strlen(s)) == 0 || len > REQID_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || strchr("._:+/=-", c) != NULL))
			return false;
	}
	return true;
}

/*
 * 128 bits of a per-thread splitmix64 stream, seeded once from the kernel:
 * ids must be unique, not secret, and a getrandom(2) per request costs
 * more than the rest of a cache hit's bookkeeping.
 */
static uint64_t
reqid_next(void)
{
	static _Thread_local uint64_t state;
	static _Thread_local bool seeded;
	uint64_t z;

	if (!seeded) {
		struct timespec ts;

		if (getrandom(&state, sizeof(state), 0) !=
		    (ssize_t)sizeof(state)) {
			clock_gettime(CLOCK_REALTIME, &ts);
			state = (uint64_t)ts.tv_nsec ^
			    ((uint64_t)ts.tv_sec << 32) ^ (uintptr_t)&state;
		}
		seeded = true;
	}
	z = (state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
reqid_assign(char *out, const char *incoming)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t words[2];

	if (reqid_valid(incoming)) {
		/* valid means at most REQID_MAX bytes */
		memcpy(out, incoming, strlen(incoming) + 1);
		return;
	}
	words[0] = reqid_next();
	words[1] = reqid_next();
	for (int i = 0; i < 32; i++)
		out[i] = hex[(words[i / 16] >> (60 - 4 * (i % 16))) & 15];
	out[32] = '\0';
}

/*
 * GitHub's budget, one book for the process (one identity: the token, or
 * without one this host's address): the limit, what remains and when the
 * window resets, from every answer's X-RateLimit-* headers, with the
 * requests in flight counted as spent until their answers say otherwise;
 * and the pace, which says whether a background refresh may spend now.
 */
#ifndef GISTS_BUDGET_H
#define GISTS_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct budget_conf {
	long window; /* seconds in GitHub's window (GISTS_BUDGET_WINDOW) */
	long reserve_pct; /* of the limit, for users nobody has cached */
	bool authorized; /* requests carry a token: their 304s are free */
};

/* Set the pace's parameters and forget the books (at start, and tests). */
void budget_init(const struct budget_conf *c);

/* One request is handed to GitHub: spent until its answer says. */
void budget_sent(void);

/* What GitHub's answer to one request said. */
struct budget_answer {
	long status; /* HTTP status; 0: no answer (the request failed) */
	long remaining, reset, limit; /* X-RateLimit-*; -1 when absent */
};

/*
 * One request's answer: the books take its headers when they are the
 * latest (a later reset, or the same one with less remaining); without
 * headers a status counts one spent, but a 304 to a request with a token
 * is free. Its in-flight count ends.
 */
void budget_answered(const struct budget_answer *a);

/*
 * Requests that may still be sent before the reset, in flight counted
 * (LONG_MAX while the books do not know: none seen, or past the reset).
 */
long budget_available(time_t now);

/*
 * Seconds until a background refresh may spend a request (0: now): it
 * may while what is left after it stays above the even pace to the
 * reset (see budget.c) less a burst, keeping the reserve.
 */
long budget_refresh_wait(time_t now);

/* The books as the fleet shares them (through the shared tier). */
struct budget_books {
	long remaining, reset, limit;
};

#define BUDGET_BOOKS_MAX 48 /* "remaining reset limit", NUL included */

/* The books now, when they are known (false: nothing worth sharing). */
bool budget_books_get(struct budget_books *b, time_t now);

/* Take another instance's books when they are the latest (no request of
 * ours ends: in flight stays as it is). */
void budget_learn(const struct budget_books *b);

/* Write b as "remaining reset limit"; parse it back, every byte checked
 * (false for anything else: another writer's garbage is not learned). */
void budget_books_format(const struct budget_books *b, char *buf, size_t len);
bool budget_books_parse(const char *s, size_t len, struct budget_books *b);

/* The pace's counters, bumped by the cache. */
enum budget_count {
	BUDGET_DEFERRED, /* background refreshes the pace put off */
	BUDGET_AHEAD, /* refreshes started ahead of the TTL */
	BUDGET_SAVED_HIT, /* answers from a copy: no request */
	BUDGET_SAVED_COALESCED, /* requests that waited for another's fetch */
	BUDGET_SAVED_FREE_304, /* 304s with a token: no request spent */
	BUDGET_COUNTS,
};

void budget_count(enum budget_count what);

struct budget_stats {
	long limit, remaining, reset; /* as last seen; -1 until seen */
	long in_flight;
	long pace; /* what remaining should be now; -1 when unknown */
	long burst, reserve;
	unsigned long counts[BUDGET_COUNTS];
};

void budget_get_stats(struct budget_stats *st, time_t now);

#endif

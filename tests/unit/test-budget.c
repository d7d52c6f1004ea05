/* Unit tests: GitHub's books and the pace (budget.c), at times of ours. */
#include <limits.h>

#include "budget.h"
#include "tap.h"

#define NOW 1700000000L

/* Fresh books under limit 60 (reserve 10%: 6, burst 6, an hour). */
static void
fresh(bool authorized)
{
	struct budget_conf c = { 3600, 10, authorized };

	budget_init(&c);
}

/* One answer with the rate-limit headers. */
static void
answer(long status, long remaining, long reset)
{
	struct budget_answer a = { status, remaining, reset, 60 };

	budget_sent();
	budget_answered(&a);
}

int
main(void)
{
	struct budget_books b;
	struct budget_stats st;

	/* nothing known: refresh away, one at a time */
	fresh(false);
	TAP_LONG(budget_available(NOW), LONG_MAX);
	TAP_LONG(budget_refresh_wait(NOW), 0);
	budget_sent();
	TAP_LONG(budget_refresh_wait(NOW), 1);
	answer(200, 59, NOW + 3600);
	/* one of the two sent is still in flight: spent */
	TAP_LONG(budget_available(NOW), 58);
	budget_answered(&(struct budget_answer){ 200, 58, NOW + 3600, 60 });
	TAP_LONG(budget_available(NOW), 58);

	/* the pace: line 6 + 54 * 3599 / 3600 = 59, less the burst 6 */
	budget_get_stats(&st, NOW);
	TAP_LONG(st.pace, 59);
	TAP_LONG(st.burst, 6);
	TAP_LONG(st.reserve, 6);
	TAP_LONG(budget_refresh_wait(NOW), 0);
	answer(200, 54, NOW + 3600); /* spare 53: still allowed */
	TAP_LONG(budget_refresh_wait(NOW), 0);
	answer(200, 52, NOW + 3600); /* spare 51: until the line is 57 */
	TAP_LONG(budget_refresh_wait(NOW), 200);
	TAP_LONG(budget_refresh_wait(NOW + 200), 0);
	/* spent: until the reset; the books past it know nothing */
	answer(200, 0, NOW + 3600);
	TAP_LONG(budget_available(NOW), 0);
	TAP_LONG(budget_refresh_wait(NOW), 3600);
	TAP_LONG(budget_available(NOW + 3600), LONG_MAX);

	/* the latest answer wins: less left, or a later reset */
	fresh(false);
	answer(200, 50, NOW + 100);
	answer(200, 55, NOW + 100); /* landed late */
	TAP_OK(budget_books_get(&b, NOW));
	TAP_LONG(b.remaining, 50);
	answer(200, 59, NOW + 3700); /* a new window */
	answer(200, 40, NOW + 100); /* the old one's, late */
	TAP_OK(budget_books_get(&b, NOW));
	TAP_LONG(b.remaining, 59);
	TAP_LONG(b.reset, NOW + 3700);

	/* no headers: a 304 costs one without the token, none with it */
	answer(304, -1, -1);
	TAP_OK(budget_books_get(&b, NOW));
	TAP_LONG(b.remaining, 58);
	budget_get_stats(&st, NOW);
	TAP_LONG((long)st.counts[BUDGET_SAVED_FREE_304], 0);
	fresh(true);
	answer(200, 59, NOW + 3600);
	answer(304, -1, -1);
	TAP_OK(budget_books_get(&b, NOW));
	TAP_LONG(b.remaining, 59);
	budget_get_stats(&st, NOW);
	TAP_LONG((long)st.counts[BUDGET_SAVED_FREE_304], 1);
	TAP_LONG(st.in_flight, 0);

	/* the fleet's books: learned when the latest, every byte checked */
	b = (struct budget_books){ 30, NOW + 3600, 60 };
	budget_learn(&b);
	TAP_OK(budget_books_get(&b, NOW));
	TAP_LONG(b.remaining, 30);
	TAP_OK(budget_books_parse("59 1700003600 60", 16, &b));
	TAP_LONG(b.remaining, 59);
	TAP_LONG(b.reset, 1700003600L);
	TAP_LONG(b.limit, 60);
	TAP_OK(!budget_books_parse("59 1700003600 60 ", 17, &b));
	TAP_OK(!budget_books_parse("-1 1700003600 60", 16, &b));
	TAP_OK(!budget_books_parse("61 1700003600 60", 16, &b));
	TAP_OK(!budget_books_parse("59 1700003600", 13, &b));
	TAP_OK(!budget_books_parse("59  1700003600 60", 17, &b));
	TAP_OK(!budget_books_parse("a b c", 5, &b));
	TAP_OK(!budget_books_parse("", 0, &b));
	return tap_done();
}

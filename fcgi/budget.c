/*
 * GitHub's budget: the books and the pace, under one mutex.
 *
 * The pace: with L the limit, R the reserve (reserve_pct of L), W the
 * window and T the seconds to the reset, remaining should be at least
 *
 *     line = R + (L - R) * T / W
 *
 * now, so that spending evenly leaves R at the reset for users nobody
 * has cached. A background refresh may spend one request while
 * remaining, less what is in flight, less one, stays at or above
 * line - B, where the burst B is a tenth of L (so a window's first
 * minutes refresh too). A miss is sent while anything is available.
 */
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include <stdio.h>

#include "budget.h"
#include "parse.h"

#define BUDGET_BURST_DIV 10 /* the burst: a tenth of the limit */

static struct {
	pthread_mutex_t lock;
	struct budget_conf conf;
	long limit, remaining, reset; /* -1 until seen */
	long in_flight;
} budget = { PTHREAD_MUTEX_INITIALIZER, { 3600, 10, false }, -1, -1, -1, 0 };

static atomic_ulong budget_counts[BUDGET_COUNTS];

void
budget_init(const struct budget_conf *c)
{
	pthread_mutex_lock(&budget.lock);
	budget.conf = *c;
	if (budget.conf.window < 1)
		budget.conf.window = 1;
	budget.limit = budget.remaining = budget.reset = -1;
	budget.in_flight = 0;
	pthread_mutex_unlock(&budget.lock);
	for (size_t i = 0; i < BUDGET_COUNTS; i++)
		atomic_store(&budget_counts[i], 0);
}

void
budget_sent(void)
{
	pthread_mutex_lock(&budget.lock);
	budget.in_flight++;
	pthread_mutex_unlock(&budget.lock);
}

/* Whether a's headers are newer than the books: a later window, or the
 * same one with less left (answers may land out of order). */
static bool
budget_is_latest(const struct budget_answer *a)
{
	if (a->remaining < 0 || a->reset <= 0)
		return false;
	if (budget.reset < 0 || a->reset > budget.reset)
		return true;
	return a->reset == budget.reset && a->remaining < budget.remaining;
}

void
budget_answered(const struct budget_answer *a)
{
	bool free_304 = a->status == 304 && budget.conf.authorized;

	pthread_mutex_lock(&budget.lock);
	if (budget.in_flight > 0)
		budget.in_flight--;
	if (a->limit > 0)
		budget.limit = a->limit;
	if (budget_is_latest(a)) {
		budget.remaining = a->remaining;
		budget.reset = a->reset;
	} else if (a->remaining < 0 && a->status != 0 && !free_304 &&
	    budget.remaining > 0)
		budget.remaining--; /* no headers: GitHub counted it */
	pthread_mutex_unlock(&budget.lock);
	if (free_304)
		budget_count(BUDGET_SAVED_FREE_304);
}

/* Whether the books know the window now (seen, and not past its reset). */
static bool
budget_known(time_t now)
{
	return budget.remaining >= 0 && budget.limit > 0 &&
	    budget.reset > (long)now;
}

bool
budget_books_get(struct budget_books *b, time_t now)
{
	bool known;

	pthread_mutex_lock(&budget.lock);
	known = budget_known(now);
	b->remaining = budget.remaining;
	b->reset = budget.reset;
	b->limit = budget.limit;
	pthread_mutex_unlock(&budget.lock);
	return known;
}

void
budget_learn(const struct budget_books *b)
{
	struct budget_answer a = { 0, b->remaining, b->reset, b->limit };

	if (b->limit <= 0)
		return;
	pthread_mutex_lock(&budget.lock);
	budget.limit = b->limit;
	if (budget_is_latest(&a)) {
		budget.remaining = b->remaining;
		budget.reset = b->reset;
	}
	pthread_mutex_unlock(&budget.lock);
}

void
budget_books_format(const struct budget_books *b, char *buf, size_t len)
{
	snprintf(buf, len, "%ld %ld %ld", b->remaining, b->reset, b->limit);
}

/* One number of the books at *at: digits only, at most 12, to a space. */
static bool
budget_books_number(const char *s, size_t len, size_t *at, long *v)
{
	size_t i = *at;
	long long n;

	while (i < len && s[i] != ' ')
		i++;
	if (i == *at || i - *at > 12 ||
	    !parse_number(s + *at, i - *at, 0, 999999999999LL, &n))
		return false;
	*v = (long)n;
	*at = i < len ? i + 1 : i;
	return true;
}

bool
budget_books_parse(const char *s, size_t len, struct budget_books *b)
{
	size_t at = 0;

	if (len == 0 || len >= BUDGET_BOOKS_MAX || s[len - 1] == ' ')
		return false;
	return budget_books_number(s, len, &at, &b->remaining) &&
	    budget_books_number(s, len, &at, &b->reset) &&
	    budget_books_number(s, len, &at, &b->limit) && at == len &&
	    b->limit > 0 && b->remaining <= b->limit;
}

/* The reserve, the burst and the line at now; the lock is held. */
static void
budget_pace(time_t now, long *reserve, long *burst, long *line)
{
	long left = budget.reset - (long)now;
	long long w = budget.conf.window;

	/*
	 * The reset is a whole second, and the window began with a request
	 * sent before the answer that said so: at least a second of it has
	 * gone (so the line does not hop as the first second turns).
	 */
	if (left > w - 1)
		left = (long)w - 1;
	*reserve = budget.limit * budget.conf.reserve_pct / 100;
	*burst = budget.limit / BUDGET_BURST_DIV;
	*line =
	    *reserve + (long)((long long)(budget.limit - *reserve) * left / w);
}

long
budget_available(time_t now)
{
	long n = LONG_MAX;

	pthread_mutex_lock(&budget.lock);
	if (budget_known(now))
		n = budget.remaining - budget.in_flight;
	pthread_mutex_unlock(&budget.lock);
	return n;
}

long
budget_refresh_wait(time_t now)
{
	long reserve, burst, line, spare, left, wait = 0;

	pthread_mutex_lock(&budget.lock);
	if (!budget_known(now)) {
		/* learning the books: one request at a time */
		wait = budget.in_flight > 0 ? 1 : 0;
		goto out;
	}
	budget_pace(now, &reserve, &burst, &line);
	spare = budget.remaining - budget.in_flight - 1;
	if (spare >= line - burst)
		goto out;
	left = budget.reset - (long)now;
	/* the line falls to spare + burst when T is this many seconds */
	if (spare + burst - reserve < 0 || budget.limit <= reserve)
		wait = left;
	else
		wait = left -
		    (long)((long long)(spare + burst - reserve) *
			budget.conf.window / (budget.limit - reserve));
	if (wait < 1)
		wait = 1;
out:
	pthread_mutex_unlock(&budget.lock);
	return wait;
}

void
budget_count(enum budget_count what)
{
	atomic_fetch_add_explicit(&budget_counts[what], 1,
	    memory_order_relaxed);
}

void
budget_get_stats(struct budget_stats *st, time_t now)
{
	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&budget.lock);
	st->limit = budget.limit;
	st->remaining = budget.remaining;
	st->reset = budget.reset;
	st->in_flight = budget.in_flight;
	st->pace = st->burst = st->reserve = -1;
	if (budget_known(now))
		budget_pace(now, &st->reserve, &st->burst, &st->pace);
	pthread_mutex_unlock(&budget.lock);
	for (size_t i = 0; i < BUDGET_COUNTS; i++)
		st->counts[i] = atomic_load_explicit(&budget_counts[i],
		    memory_order_relaxed);
}

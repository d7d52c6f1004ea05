/*
 * The shared tier on Redis: one thread, synchronous hiredis with timeouts
 * for the commands, and a subscription (redissub.c) whose messages wake
 * the waiters for another instance's fetch the moment it is written back.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "budget.h"
#include "clock.h"
#include "log.h"
#include "ratelimit.h"
#include "redis.h"
#include "redissub.h"
#include "redisurl.h"
#include "redisval.h"

#define REDIS_POLL_MS 20 /* a waiter's look, while no subscription is up */
#define REDIS_PING_MS 1000 /* an idle connection is checked this often */
#define REDIS_BACKOFF_MIN_MS 250
#define REDIS_BACKOFF_MAX_MS 5000
#define REDIS_KEY_MAX 2300
#define REDIS_SKEW_MS 60000 /* a fetch time further ahead is garbage */
#define REDIS_BLOCK_MAX_MS 3600000LL /* GitHub's limits reset hourly */
#define REDIS_BLOCKED "blocked"

/* One cache miss going through the tier, then its write-back: a ticket. */
struct redis_ticket {
	/* in the queue, or among the waiters */
	STAILQ_ENTRY(redis_ticket) next;
	struct listing_key key;
	char name[LISTING_KEY_MAX];
	struct listing *prev; /* the in-process copy, or NULL */
	struct listing *shared; /* Redis's older copy, or NULL */
	long long shared_ms; /* Unix ms it was fetched */
	redis_said_fn said;
	void *arg;
	bool locked; /* holds the fleet's lock for the key */
	char token[64]; /* the lock's value: ours alone */
	long long wait_until; /* monotonic ms: waiting ends */
	long long look_at; /* monotonic ms: a waiter's next look */
	bool storing; /* the fetch is over: write back */
	struct listing *store; /* what to keep in Redis, or NULL */
	long long fetched_ms; /* Unix ms of the fetch */
	long block_s; /* GitHub's block learned by this fetch */
	bool asked; /* the fetch asked GitHub: the books changed */
};

STAILQ_HEAD(redis_reqs, redis_ticket);

static struct {
	const struct config *cfg;
	struct redisurl url;
	char shown[REDISURL_HOST_MAX + REDISURL_PATH_MAX + 64]; /* for logs */
	char prefix[REDIS_KEY_MAX / 2]; /* namespace: format and upstream */
	char channel[REDIS_KEY_MAX / 2 + 32]; /* where fetches' ends are said */
	redisContext *c;
	struct redissub *sub; /* subscribed to channel, or NULL */
	pthread_t thread;
	bool started, stopping;
	pthread_mutex_t lock;
	int wake[2]; /* a byte wakes the thread: work queued, or the stop */
	struct redis_reqs queue;
	struct redis_reqs waiting; /* the thread's own */
	long long retry_at, backoff_ms, ping_at, sub_retry_at;
	unsigned long serial;
	atomic_bool up;
	atomic_long errors, hits, waits, rejected;
} rds = { .queue = STAILQ_HEAD_INITIALIZER(rds.queue),
	.waiting = STAILQ_HEAD_INITIALIZER(rds.waiting) };

/* Wall-clock Unix milliseconds: fetch times are compared across hosts. */
static long long
redis_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Redis failed: drop the connection and try again after a back-off. */
static void
redis_down(const char *why)
{
	rds.errors++;
	if (rds.c != NULL) {
		redisFree(rds.c);
		rds.c = NULL;
	}
	redissub_close(rds.sub); /* subscribed again once reconnected */
	rds.sub = NULL;
	rds.backoff_ms = rds.backoff_ms == 0            ? REDIS_BACKOFF_MIN_MS
	    : rds.backoff_ms * 2 > REDIS_BACKOFF_MAX_MS ? REDIS_BACKOFF_MAX_MS
							: rds.backoff_ms * 2;
	rds.retry_at = clock_ms() + rds.backoff_ms;
	if (atomic_exchange(&rds.up, false) ||
	    rds.backoff_ms == REDIS_BACKOFF_MIN_MS)
		log_msg(LOG_LEVEL_WARN,
		    "shared tier unavailable (Redis %s: %s): answering from "
		    "this instance's cache and GitHub; retrying with back-off",
		    rds.shown, why);
}

/* One command; NULL (and Redis marked down) when it failed or timed out. */
static redisReply *
redis_cmd(int argc, const char **argv, const size_t *lens)
{
	redisReply *r;

	if (rds.c == NULL)
		return NULL;
	r = redisCommandArgv(rds.c, argc, argv, lens);
	if (r == NULL) {
		char why[160];

		snprintf(why, sizeof(why), "%s",
		    rds.c->errstr[0] != '\0' ? rds.c->errstr : "no reply");
		redis_down(why);
	}
	return r;
}

/* A command of NUL-terminated words; its reply's type, or -1. */
static int
redis_simple(const char *a, const char *b, const char *c)
{
	const char *argv[3] = { a, b, c };
	size_t lens[3] = { strlen(a), b ? strlen(b) : 0, c ? strlen(c) : 0 };
	redisReply *r = redis_cmd(c != NULL ? 3
		: b != NULL                 ? 2
					    : 1,
	    argv, lens);
	int type;

	if (r == NULL)
		return -1;
	type = r->type;
	freeReplyObject(r);
	return type;
}

/* Connect when down and the back-off is over: AUTH, SELECT, PING. */
static void
redis_connect(void)
{
	struct timeval tv = { rds.cfg->redis_timeout_ms / 1000,
		(suseconds_t)(rds.cfg->redis_timeout_ms % 1000) * 1000 };
	char db[24];

	if (rds.c != NULL || clock_ms() < rds.retry_at)
		return;
	rds.c = rds.url.unix_socket
	    ? redisConnectUnixWithTimeout(rds.url.path, tv)
	    : redisConnectWithTimeout(rds.url.host, rds.url.port, tv);
	if (rds.c == NULL || rds.c->err != 0) {
		redis_down(rds.c != NULL ? rds.c->errstr : "out of memory");
		return;
	}
	if (redisSetTimeout(rds.c, tv) != REDIS_OK) {
		redis_down("cannot set the timeout");
		return;
	}
	snprintf(db, sizeof(db), "%ld", rds.url.db);
	if ((rds.url.password[0] != '\0' &&
		redis_simple("AUTH", rds.url.password, NULL) !=
		    REDIS_REPLY_STATUS) ||
	    (rds.c != NULL && rds.url.db != 0 &&
		redis_simple("SELECT", db, NULL) != REDIS_REPLY_STATUS) ||
	    (rds.c != NULL &&
		redis_simple("PING", NULL, NULL) != REDIS_REPLY_STATUS)) {
		if (rds.c != NULL)
			redis_down("AUTH, SELECT or PING refused");
		return;
	}
	rds.backoff_ms = 0;
	atomic_store(&rds.up, true);
	log_msg(LOG_LEVEL_INFO, "shared tier up (Redis %s)", rds.shown);
}

/* The Redis key of kind ('l' listing, 'k' lock) for req's key. */
static size_t
redis_key(char *buf, size_t len, char kind, const char *name)
{
	int n = snprintf(buf, len, "%s%c:%s", rds.prefix, kind, name);

	return n > 0 && (size_t)n < len ? (size_t)n : 0;
}

/* The rest of the rate-limit block another instance learned, in ms. */
static long long
redis_blocked_ms(void)
{
	char key[REDIS_KEY_MAX];
	const char *argv[2] = { "GET", key };
	size_t lens[2] = { 3, redis_key(key, sizeof(key), 'r', "") };
	redisReply *r = redis_cmd(2, argv, lens);
	long long ms = 0;
	bool ours;

	if (r == NULL)
		return 0;
	ours = r->type == REDIS_REPLY_STRING &&
	    r->len == strlen(REDIS_BLOCKED) &&
	    memcmp(r->str, REDIS_BLOCKED, r->len) == 0;
	freeReplyObject(r);
	if (!ours)
		return 0; /* nothing, or not ours: ask GitHub */
	argv[0] = "PTTL";
	lens[0] = 4;
	if ((r = redis_cmd(2, argv, lens)) == NULL)
		return 0;
	if (r->type == REDIS_REPLY_INTEGER && r->integer > 0)
		ms = r->integer < REDIS_BLOCK_MAX_MS ? r->integer
						     : REDIS_BLOCK_MAX_MS;
	freeReplyObject(r);
	return ms;
}

/*
 * Learn the fleet's books of GitHub's budget (the 'b' key): what another
 * instance's answers said is this one's budget too. Every byte checked.
 */
static void
redis_budget_read(void)
{
	char key[REDIS_KEY_MAX];
	const char *argv[2] = { "GET", key };
	size_t lens[2] = { 3, redis_key(key, sizeof(key), 'b', "") };
	redisReply *r = redis_cmd(2, argv, lens);
	struct budget_books b;

	if (r == NULL)
		return;
	if (r->type == REDIS_REPLY_STRING &&
	    budget_books_parse(r->str, r->len, &b))
		budget_learn(&b);
	freeReplyObject(r);
}

/* Write this instance's books for the fleet, kept until their reset. */
static void
redis_budget_write(void)
{
	char key[REDIS_KEY_MAX], value[BUDGET_BOOKS_MAX], px[24];
	const char *argv[5] = { "SET", key, value, "PX", px };
	size_t lens[5] = { 3, 0, 0, 2, 0 };
	time_t now = time(NULL);
	struct budget_books b;
	redisReply *r;

	if (!budget_books_get(&b, now))
		return;
	budget_books_format(&b, value, sizeof(value));
	lens[1] = redis_key(key, sizeof(key), 'b', "");
	lens[2] = strlen(value);
	lens[4] = (size_t)snprintf(px, sizeof(px), "%lld",
	    ((long long)b.reset - (long long)now + 1) * 1000);
	if ((r = redis_cmd(5, argv, lens)) != NULL)
		freeReplyObject(r);
}

/* Free a request's references and the request. */
static void
redis_req_free(struct redis_ticket *q)
{
	listing_unref(q->prev);
	listing_unref(q->shared);
	listing_unref(q->store);
	free(q);
}

static void redis_unlock(struct redis_ticket *q);

/*
 * A fresh listing in Redis answers q (true: q is gone). A valid older one
 * is kept in q->shared: its ETags are the fleet's newest.
 */
static bool
redis_answer(struct redis_ticket *q)
{
	char key[REDIS_KEY_MAX];
	const char *argv[2] = { "GET", key };
	size_t lens[2] = { 3, redis_key(key, sizeof(key), 'l', q->name) };
	redisReply *r = redis_cmd(2, argv, lens);
	struct redis_verdict v = { 0 };
	struct listing *l = NULL;
	long long fetched = 0, age;

	if (r == NULL)
		return false;
	if (r->type == REDIS_REPLY_STRING)
		l = redisval_decode(r->str, r->len, q->name,
		    q->key.q.paged ? 1 : (size_t)rds.cfg->max_pages, &fetched);
	if (r->type != REDIS_REPLY_NIL &&
	    (l == NULL ||
		(!q->key.q.paged && (l->next_page != 0 || l->last_page != 0)) ||
		fetched > redis_wall_ms() + REDIS_SKEW_MS)) {
		rds.rejected++;
		listing_unref(l);
		l = NULL;
	}
	freeReplyObject(r);
	if (l == NULL)
		return false;
	age = redis_wall_ms() - fetched;
	if (age < 0)
		age = 0;
	if (age >= rds.cfg->cache_ttl * 1000LL) {
		listing_unref(q->shared);
		q->shared = l;
		q->shared_ms = fetched;
		return false;
	}
	v.listing = l; /* said's reference */
	v.age_ms = age;
	rds.hits++;
	if (q->locked) /* taken after its look: not needed after all */
		redis_unlock(q);
	q->said(q->arg, &v);
	redis_req_free(q);
	return true;
}

/* Try to take the fleet's lock for q's key. */
static bool
redis_lock(struct redis_ticket *q)
{
	char key[REDIS_KEY_MAX], px[24];
	const char *argv[6] = { "SET", key, q->token, "NX", "PX", px };
	size_t lens[6];
	redisReply *r;

	snprintf(px, sizeof(px), "%ld",
	    rds.cfg->upstream_timeout * 3000L + 1000);
	lens[0] = 3;
	lens[1] = redis_key(key, sizeof(key), 'k', q->name);
	lens[2] = strlen(q->token);
	lens[3] = 2;
	lens[4] = 2;
	lens[5] = strlen(px);
	if ((r = redis_cmd(6, argv, lens)) == NULL)
		return false;
	q->locked = r->type == REDIS_REPLY_STATUS;
	freeReplyObject(r);
	return q->locked;
}

static void redis_queue(struct redis_ticket *q);

void *
redis_ticket_arg(const struct redis_ticket *q)
{
	return q->arg;
}

void
redis_fetched(struct redis_ticket *q, struct fetch_outcome *out)
{
	/* a 304 confirmed Redis's copy, which the in-process cache lacks */
	if (out->result == FETCH_NOT_MODIFIED && q->shared != NULL &&
	    q->shared != q->prev) {
		out->result = FETCH_NEW;
		out->listing = listing_ref(q->shared);
	}
	/* GitHub failed: the fleet's copy may still be served stale */
	if (out->result == FETCH_ERROR && q->shared != NULL) {
		out->stale = listing_ref(q->shared);
		out->stale_age_ms = redis_wall_ms() - q->shared_ms;
		if (out->stale_age_ms < 0)
			out->stale_age_ms = 0;
	}
	if (out->result == FETCH_NEW)
		q->store = listing_ref(out->listing);
	else if (out->result == FETCH_NOT_MODIFIED)
		q->store = listing_ref(q->prev);
	q->fetched_ms = redis_wall_ms();
	if (out->upstream_requests > 0) {
		q->block_s = ratelimit_blocked_for();
		q->asked = true;
	}
	q->storing = true;
	redis_queue(q);
}

/* Tell the tier above to ask GitHub for q, unless the fleet knows not to. */
static void
redis_fetch(struct redis_ticket *q)
{
	long long blocked = atomic_load(&rds.up) ? redis_blocked_ms() : 0;
	struct redis_verdict v = { 0 };

	if (blocked > 0)
		ratelimit_block((long)((blocked + 999) / 1000));
	if (atomic_load(&rds.up))
		redis_budget_read();
	v.ticket = q;
	v.key = &q->key;
	v.ask_with = listing_ref(q->shared != NULL ? q->shared : q->prev);
	q->said(q->arg, &v);
}

/* Release q's lock (only our own: it may have expired and be another's)
 * and tell the fleet's waiters that the key's fetch is over. */
static void
redis_unlock(struct redis_ticket *q)
{
	static const char script[] =
	    "if redis.call('GET', KEYS[1]) == ARGV[1] then "
	    "redis.call('DEL', KEYS[1]) end "
	    "return redis.call('PUBLISH', ARGV[2], ARGV[3])";
	char key[REDIS_KEY_MAX];
	const char *argv[7] = { "EVAL", script, "1", key, q->token, rds.channel,
		q->name };
	size_t lens[7] = { 4, sizeof(script) - 1, 1,
		redis_key(key, sizeof(key), 'k', q->name), strlen(q->token),
		strlen(rds.channel), strlen(q->name) };
	redisReply *r;

	if ((r = redis_cmd(7, argv, lens)) != NULL)
		freeReplyObject(r);
}

/* Write back what q's fetch learned and let the fleet go on. */
static void
redis_store(struct redis_ticket *q)
{
	char key[REDIS_KEY_MAX], px[24];
	const char *argv[5] = { "SET", key, NULL, "PX", px };
	size_t lens[5] = { 3, 0, 0, 2, 0 };
	redisReply *r;
	char *value;

	if (q->store != NULL && rds.c != NULL &&
	    (value = redisval_encode(q->store, q->name, q->fetched_ms,
		 &lens[2])) != NULL) {
		long long keep = rds.cfg->stale_ttl > rds.cfg->cache_ttl
		    ? rds.cfg->stale_ttl
		    : rds.cfg->cache_ttl;

		lens[1] = redis_key(key, sizeof(key), 'l', q->name);
		argv[2] = value;
		lens[4] =
		    (size_t)snprintf(px, sizeof(px), "%lld", keep * 1000 + 1);
		if ((r = redis_cmd(5, argv, lens)) != NULL)
			freeReplyObject(r);
		free(value);
	}
	if (q->block_s > 0 && rds.c != NULL) {
		lens[1] = redis_key(key, sizeof(key), 'r', "");
		argv[2] = REDIS_BLOCKED;
		lens[2] = strlen(REDIS_BLOCKED);
		lens[4] = (size_t)snprintf(px, sizeof(px), "%lld",
		    (long long)q->block_s * 1000);
		if ((r = redis_cmd(5, argv, lens)) != NULL)
			freeReplyObject(r);
	}
	if (q->asked && rds.c != NULL)
		redis_budget_write();
	if (q->locked && rds.c != NULL)
		redis_unlock(q);
	redis_req_free(q);
}

/* When a waiter looks again: at once when told, else while no message
 * can come every REDIS_POLL_MS, and with one at the lock's end. */
static void
redis_wait_more(struct redis_ticket *q)
{
	q->look_at =
	    rds.sub != NULL ? q->wait_until : clock_ms() + REDIS_POLL_MS;
	STAILQ_INSERT_TAIL(&rds.waiting, q, next);
}

/*
 * Go on with q (true): under the key's lock, answered by a copy stored
 * since q looked (between its GET and its lock another instance may have
 * fetched, stored and unlocked) or else asking GitHub; or asking GitHub
 * because Redis failed. False: another instance holds the lock, q waits.
 */
static bool
redis_take(struct redis_ticket *q)
{
	if (atomic_load(&rds.up) && redis_lock(q)) {
		if (!redis_answer(q))
			redis_fetch(q);
		return true;
	}
	if (!atomic_load(&rds.up)) {
		redis_fetch(q);
		return true;
	}
	return false;
}

/* A new miss: from Redis, or fetch under the lock, or wait for another. */
static void
redis_lookup(struct redis_ticket *q)
{
	if (atomic_load(&rds.up) && redis_answer(q))
		return;
	if (redis_take(q))
		return;
	rds.waits++;
	q->wait_until = clock_ms() + rds.cfg->upstream_timeout * 3000L + 2000;
	redis_wait_more(q);
}

/* Look again for the waiters that are due (told, or their time is up, or
 * Redis is down): the result, or the lock, or the end. */
static void
redis_look(void)
{
	struct redis_reqs waiters = STAILQ_HEAD_INITIALIZER(waiters);
	struct redis_ticket *q;
	long long now = clock_ms();

	STAILQ_CONCAT(&waiters, &rds.waiting);
	while ((q = STAILQ_FIRST(&waiters)) != NULL) {
		STAILQ_REMOVE_HEAD(&waiters, next);
		if (atomic_load(&rds.up) && q->look_at > now) {
			STAILQ_INSERT_TAIL(&rds.waiting, q, next);
			continue;
		}
		if (atomic_load(&rds.up) && redis_answer(q))
			continue;
		if (now >= q->wait_until) { /* the lock's holder went quiet */
			redis_fetch(q);
			continue;
		}
		if (!redis_take(q))
			redis_wait_more(q);
	}
}

/* The waiters for key (len bytes; every one when NULL) look again at
 * once. */
static void
redis_look_now(void *unused, const char *key, size_t len)
{
	struct redis_ticket *q;

	(void)unused;
	for (q = STAILQ_FIRST(&rds.waiting); q != NULL;
	     q = STAILQ_NEXT(q, next))
		if (key == NULL ||
		    (strlen(q->name) == len && memcmp(q->name, key, len) == 0))
			q->look_at = 0;
}

/* Subscribe (when the commands' connection is up): every waiter looks
 * again at once, since a message may have been missed meanwhile. */
static void
redis_subscribe(void)
{
	if (rds.sub != NULL || rds.c == NULL || clock_ms() < rds.sub_retry_at)
		return;
	rds.sub_retry_at = clock_ms() + REDIS_BACKOFF_MAX_MS;
	rds.sub =
	    redissub_open(&rds.url, rds.channel, rds.cfg->redis_timeout_ms);
	if (rds.sub == NULL) {
		rds.errors++;
		return;
	}
	redis_look_now(NULL, NULL, 0);
}

/* Read what the subscription has (poll said it is readable). */
static void
redis_listen(void)
{
	if (redissub_read(rds.sub, redis_look_now, NULL) != 0) {
		redissub_close(rds.sub); /* subscribed again after a while */
		rds.sub = NULL;
		rds.errors++;
		redis_look_now(NULL, NULL, 0); /* and meanwhile, they poll */
	}
}

static void
redis_queue(struct redis_ticket *q)
{
	pthread_mutex_lock(&rds.lock);
	STAILQ_INSERT_TAIL(&rds.queue, q, next);
	pthread_mutex_unlock(&rds.lock);
	if (write(rds.wake[1], "q", 1) < 0 && errno != EAGAIN)
		log_msg(LOG_LEVEL_ERROR, "cannot wake the Redis thread");
}

/* The next moment the thread has something to do by itself, or -1. */
static long long
redis_next(void)
{
	long long until = -1;
	struct redis_ticket *q;

	for (q = STAILQ_FIRST(&rds.waiting); q != NULL;
	     q = STAILQ_NEXT(q, next))
		if (until < 0 || q->look_at < until)
			until = q->look_at;
	/* while down, reconnect in the background, and while up, check
	 * now and then: health and metrics show the state even when every
	 * answer comes from the in-process cache */
	if (rds.c == NULL && (until < 0 || rds.retry_at < until))
		until = rds.retry_at;
	if (rds.c != NULL && (until < 0 || rds.ping_at < until))
		until = rds.ping_at;
	if (rds.c != NULL && rds.sub == NULL &&
	    (until < 0 || rds.sub_retry_at < until))
		until = rds.sub_retry_at;
	return until;
}

/* Sleep until work arrives, a message is heard, or redis_next is due. */
static void
redis_sleep(void)
{
	struct pollfd fds[2] = { { rds.wake[0], POLLIN, 0 },
		{ rds.sub != NULL ? redissub_fd(rds.sub) : -1, POLLIN, 0 } };
	long long until = redis_next(), wait = -1;

	if (until >= 0) {
		wait = until - clock_ms();
		wait = wait < 0 ? 0 : wait > 60000 ? 60000 : wait;
	}
	if (poll(fds, 2, (int)wait) <= 0)
		return;
	if (fds[0].revents != 0) {
		char drain[64];

		while (read(rds.wake[0], drain, sizeof(drain)) > 0)
			;
	}
	if (fds[1].revents != 0 && rds.sub != NULL)
		redis_listen();
}

/* The Redis thread: every command the tier sends runs here. */
static void *
redis_main(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&rds.lock);
	for (;;) {
		struct redis_reqs batch = STAILQ_HEAD_INITIALIZER(batch);
		struct redis_ticket *q;

		if (STAILQ_EMPTY(&rds.queue)) {
			if (rds.stopping && STAILQ_EMPTY(&rds.waiting))
				break;
			pthread_mutex_unlock(&rds.lock);
			redis_sleep();
			pthread_mutex_lock(&rds.lock);
		}
		STAILQ_CONCAT(&batch, &rds.queue);
		pthread_mutex_unlock(&rds.lock);
		redis_connect();
		if (rds.c != NULL && clock_ms() >= rds.ping_at) {
			/* the fleet's books, which checks the connection too */
			redis_budget_read();
			rds.ping_at = clock_ms() + REDIS_PING_MS;
		}
		redis_subscribe();
		while ((q = STAILQ_FIRST(&batch)) != NULL) {
			STAILQ_REMOVE_HEAD(&batch, next);
			if (q->storing)
				redis_store(q);
			else
				redis_lookup(q);
		}
		redis_look();
		pthread_mutex_lock(&rds.lock);
	}
	pthread_mutex_unlock(&rds.lock);
	return NULL;
}

/* The self-pipe that wakes the thread, both ends non-blocking. */
static int
redis_pipe(void)
{
	if (pipe(rds.wake) != 0)
		return -1;
	(void)fcntl(rds.wake[0], F_SETFL, O_NONBLOCK);
	(void)fcntl(rds.wake[1], F_SETFL, O_NONBLOCK);
	(void)fcntl(rds.wake[0], F_SETFD, FD_CLOEXEC);
	(void)fcntl(rds.wake[1], F_SETFD, FD_CLOEXEC);
	return 0;
}

int
redis_start(const struct config *cfg, char *err, size_t errlen)
{
	char why[160];

	memset(&rds, 0, sizeof(rds));
	STAILQ_INIT(&rds.queue); /* a zeroed head is not an empty queue */
	STAILQ_INIT(&rds.waiting);
	rds.cfg = cfg;
	if (cfg->redis_url == NULL || cfg->cache_ttl == 0)
		return 0; /* nothing to share without a cache */
	if (redisurl_parse(cfg->redis_url, &rds.url, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "GISTS_REDIS_URL: %s", why);
		return -1;
	}
	redisurl_redact(cfg->redis_url, rds.shown, sizeof(rds.shown));
	/*
	 * A format version and the upstream, hashed whole (the URL itself,
	 * cut to 1000 bytes, is for whoever reads the keys): instances of
	 * two upstreams never read each other's. Channels are not per
	 * database: the channel names it.
	 */
	snprintf(rds.prefix, sizeof(rds.prefix), "gists:1:%016llx:%.1000s:",
	    (unsigned long long)listing_fnv(LISTING_FNV_INIT, cfg->api_url,
		strlen(cfg->api_url)),
	    cfg->api_url);
	snprintf(rds.channel, sizeof(rds.channel), "%sdone:%ld", rds.prefix,
	    rds.url.db);
	pthread_mutex_init(&rds.lock, NULL);
	if (redis_pipe() != 0 ||
	    pthread_create(&rds.thread, NULL, redis_main, NULL) != 0) {
		snprintf(err, errlen, "cannot start the Redis thread");
		return -1;
	}
	rds.started = true;
	return 0;
}

void
redis_stop(void)
{
	if (!rds.started)
		return;
	pthread_mutex_lock(&rds.lock);
	rds.stopping = true;
	pthread_mutex_unlock(&rds.lock);
	if (write(rds.wake[1], "s", 1) < 0 && errno != EAGAIN)
		log_msg(LOG_LEVEL_ERROR, "cannot wake the Redis thread");
	pthread_join(rds.thread, NULL);
	rds.started = false;
	if (rds.c != NULL)
		redisFree(rds.c);
	redissub_close(rds.sub);
	rds.c = NULL;
	rds.sub = NULL;
	close(rds.wake[0]);
	close(rds.wake[1]);
}

bool
redis_configured(void)
{
	return rds.started;
}

int
redis_miss(const struct listing_key *key, struct listing *prev,
    redis_said_fn said, void *arg)
{
	struct redis_ticket *q;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return -1;
	q->key = *key;
	listing_key_string(key, q->name, sizeof(q->name));
	log_msg(LOG_LEVEL_DEBUG, "shared tier: a miss of %s", q->name);
	q->prev = prev;
	q->said = said;
	q->arg = arg;
	pthread_mutex_lock(&rds.lock);
	snprintf(q->token, sizeof(q->token), "%ld-%lu-%lld", (long)getpid(),
	    ++rds.serial, redis_wall_ms());
	pthread_mutex_unlock(&rds.lock);
	redis_queue(q);
	return 0;
}

void
redis_get_stats(struct redis_stats *st)
{
	st->configured = rds.started;
	st->up = atomic_load(&rds.up);
	st->errors = atomic_load(&rds.errors);
	st->hits = atomic_load(&rds.hits);
	st->waits = atomic_load(&rds.waits);
	st->rejected = atomic_load(&rds.rejected);
}

/*
 * Answering parked requests: a small pool of writer threads runs the
 * answers of requests whose fetch has ended, so that neither the upstream
 * loop nor an accept thread waits on a slow client or lighttpd; and a
 * count of requests handed off, so that shutdown can wait for them all.
 */
#ifndef GISTS_PARK_H
#define GISTS_PARK_H

#include <sys/queue.h>

/* A piece of work for a writer: run(job) owns job. */
struct park_job {
	STAILQ_ENTRY(park_job) next; /* the writers' queue */
	void (*run)(struct park_job *job);
};

/* Start n writer threads. Returns 0, or -1 when none could start. */
int park_start(long n);

/* Queue job for a writer (any thread). */
void park_push(struct park_job *job);

/* A request is handed off (park_enter) or answered (park_leave). */
void park_enter(void);
void park_leave(void);

/* Wait until every request handed off has been answered. */
void park_wait_idle(void);

/* Stop the writers once the queue is empty; after park_wait_idle. */
void park_stop(void);

#endif

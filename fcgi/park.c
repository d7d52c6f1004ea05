/* Writer threads for parked requests, and the count of those in flight. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "log.h"
#include "park.h"

static struct {
	pthread_mutex_t lock;
	pthread_cond_t work; /* the queue has a job, or stop */
	pthread_cond_t idle; /* handed off dropped to 0 */
	STAILQ_HEAD(park_queue, park_job) queue;
	/* atomic: every request passes through it, hits included; the lock
	 * is taken only when it drops to 0, for park_wait_idle */
	atomic_long handed_off;
	bool stopping;
	pthread_t *threads;
	long nthreads;
} park = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.work = PTHREAD_COND_INITIALIZER,
	.idle = PTHREAD_COND_INITIALIZER,
	.queue = STAILQ_HEAD_INITIALIZER(park.queue),
};

/* A writer: run queued jobs until stopped with none left. */
static void *
park_writer(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&park.lock);
	for (;;) {
		struct park_job *job = STAILQ_FIRST(&park.queue);

		if (job == NULL) {
			if (park.stopping)
				break;
			pthread_cond_wait(&park.work, &park.lock);
			continue;
		}
		STAILQ_REMOVE_HEAD(&park.queue, next);
		pthread_mutex_unlock(&park.lock);
		job->run(job);
		pthread_mutex_lock(&park.lock);
	}
	pthread_mutex_unlock(&park.lock);
	return NULL;
}

int
park_start(long n)
{
	if ((park.threads = calloc((size_t)n, sizeof(*park.threads))) == NULL)
		return -1;
	for (; park.nthreads < n; park.nthreads++)
		if (pthread_create(&park.threads[park.nthreads], NULL,
			park_writer, NULL) != 0)
			break;
	if (park.nthreads == 0) {
		free(park.threads);
		park.threads = NULL;
		return -1;
	}
	return 0;
}

void
park_push(struct park_job *job)
{
	pthread_mutex_lock(&park.lock);
	STAILQ_INSERT_TAIL(&park.queue, job, next);
	pthread_cond_signal(&park.work);
	pthread_mutex_unlock(&park.lock);
}

void
park_enter(void)
{
	atomic_fetch_add(&park.handed_off, 1);
}

void
park_leave(void)
{
	if (atomic_fetch_sub(&park.handed_off, 1) != 1)
		return;
	/* under the lock: a waiter between its test and its wait has it */
	pthread_mutex_lock(&park.lock);
	pthread_cond_broadcast(&park.idle);
	pthread_mutex_unlock(&park.lock);
}

void
park_wait_idle(void)
{
	long n;

	pthread_mutex_lock(&park.lock);
	if ((n = atomic_load(&park.handed_off)) > 0)
		log_msg(LOG_LEVEL_INFO,
		    "waiting for %ld parked requests to be answered", n);
	while (atomic_load(&park.handed_off) > 0)
		pthread_cond_wait(&park.idle, &park.lock);
	pthread_mutex_unlock(&park.lock);
}

void
park_stop(void)
{
	pthread_mutex_lock(&park.lock);
	park.stopping = true;
	pthread_cond_broadcast(&park.work);
	pthread_mutex_unlock(&park.lock);
	for (long i = 0; i < park.nthreads; i++)
		pthread_join(park.threads[i], NULL);
	free(park.threads);
	park.threads = NULL;
	park.nthreads = 0;
	park.stopping = false;
}

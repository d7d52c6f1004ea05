/* Unit tests: the writer pool answers every job handed to it, and
 * park_wait_idle returns only once every request handed off is done; the
 * upstream loop ends every fetch handed to it, on its own thread. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include <curl/curl.h>

#include "github.h"
#include "park.h"
#include "upstream.h"
#include "tap.h"

#define JOBS 200
#define FETCHES 20

static atomic_int ran;

static void
job_run(struct park_job *job)
{
	usleep(1000); /* a slow client */
	atomic_fetch_add(&ran, 1);
	free(job);
	park_leave();
}

static atomic_int fetched;
static pthread_t main_thread;
static atomic_int on_main;

static void
fetch_done(struct github_fetch *f)
{
	if (pthread_equal(pthread_self(), main_thread))
		atomic_fetch_add(&on_main, 1);
	if (f->outcome == GITHUB_FAILED && f->status == 0)
		atomic_fetch_add(&fetched, 1);
}

int
main(void)
{
	static char url[] = "http://127.0.0.1:1"; /* nothing listens */
	struct config cfg = { .api_url = url, .upstream_timeout = 5 };
	struct github_fetch f[FETCHES];
	char err[256];

	/* every job runs, and waiting for idle waits for all of them */
	TAP_LONG(park_start(4), 0);
	for (int i = 0; i < JOBS; i++) {
		struct park_job *job = calloc(1, sizeof(*job));

		job->run = job_run;
		park_enter();
		park_push(job);
	}
	park_wait_idle();
	TAP_LONG(atomic_load(&ran), JOBS);
	park_stop();

	/* fetches to a closed port: each ends FAILED, on the loop thread */
	main_thread = pthread_self();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	TAP_LONG(github_global_init(&cfg, err, sizeof(err)), 0);
	TAP_LONG(upstream_start(err, sizeof(err)), 0);
	for (int i = 0; i < FETCHES; i++) {
		memset(&f[i], 0, sizeof(f[i]));
		f[i].login = "octocat";
		f[i].page = i + 1;
		f[i].per_page = 100;
		f[i].done = fetch_done;
		github_submit(&f[i]);
	}
	upstream_stop(); /* returns once every fetch is done */
	TAP_LONG(atomic_load(&fetched), FETCHES);
	TAP_LONG(atomic_load(&on_main), 0);
	for (int i = 0; i < FETCHES; i++)
		github_fetch_clear(&f[i]);
	github_global_cleanup();
	curl_global_cleanup();
	return tap_done();
}

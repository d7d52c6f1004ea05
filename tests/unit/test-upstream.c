/* Unit tests: the upstream loop runs jobs of a protocol it does not know:
 * a refusing prepare, a closed port, a scheme it never speaks, and a job
 * that a finish hook submits, each finished once on the loop's thread
 * before upstream_stop returns. */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include <curl/curl.h>

#include "tap.h"
#include "upstream.h"

/* A protocol of the test's own: a URL, and what came of it. */
struct probe {
	struct upstream_job job; /* first: the job is the probe */
	const char *url; /* NULL: prepare refuses */
	struct probe *then; /* submitted from finish, or NULL */
	int finished;
	bool started, on_main;
	CURLcode rc;
	long status;
	char err[64];
};

static pthread_t main_thread;

static const char *
probe_prepare(struct upstream_job *j, CURL *easy, struct curl_slist **headers)
{
	struct probe *p = (struct probe *)(void *)j;

	if (p->url == NULL)
		return "refused by the protocol";
	*headers = curl_slist_append(NULL, "X-Probe: 1");
	if (curl_easy_setopt(easy, CURLOPT_URL, p->url) != CURLE_OK)
		return "bad URL";
	return NULL;
}

static void probe_submit(struct probe *p);

static void
probe_finish(struct upstream_job *j, struct upstream_result *r)
{
	struct probe *p = (struct probe *)(void *)j;

	p->finished++;
	p->on_main = pthread_equal(pthread_self(), main_thread);
	p->started = r->easy != NULL;
	p->rc = r->rc;
	p->status = r->status;
	snprintf(p->err, sizeof(p->err), "%s", r->err);
	if (p->then != NULL)
		probe_submit(p->then);
}

static void
probe_submit(struct probe *p)
{
	p->job.prepare = probe_prepare;
	p->job.finish = probe_finish;
	p->job.timeout_ms = 5000;
	p->job.body_max = 1024;
	upstream_submit(&p->job);
}

int
main(void)
{
	struct probe refused = { .url = NULL };
	struct probe closed = { .url = "http://127.0.0.1:1/" }; /* nobody */
	struct probe file = { .url = "file:///etc/hostname" };
	struct probe second = { .url = "http://127.0.0.1:1/second" };
	struct probe first = { .url = "http://127.0.0.1:1/first",
		.then = &second };
	char err[256];

	main_thread = pthread_self();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	TAP_LONG(upstream_start(err, sizeof(err)), 0);
	probe_submit(&refused);
	probe_submit(&closed);
	probe_submit(&file);
	probe_submit(&first);
	upstream_stop(); /* returns once every job has finished */

	TAP_LONG(refused.finished, 1);
	TAP_LONG(refused.started, 0);
	TAP_STR(refused.err, "refused by the protocol");

	TAP_LONG(closed.finished, 1);
	TAP_LONG(closed.started, 1);
	TAP_LONG(closed.rc, CURLE_COULDNT_CONNECT);
	TAP_LONG(closed.status, 0);
	TAP_LONG(closed.on_main, 0);

	/* the loop speaks http and https only, whatever a protocol asks */
	TAP_LONG(file.finished, 1);
	TAP_LONG(file.rc, CURLE_UNSUPPORTED_PROTOCOL);

	/* a job submitted by a finish hook runs before the loop stops */
	TAP_LONG(first.finished, 1);
	TAP_LONG(second.finished, 1);
	TAP_LONG(second.on_main, 0);
	curl_global_cleanup();
	return tap_done();
}

/*
 * gists: a FastCGI responder answering GET /{user} with that GitHub
 * user's public gists. gists-supervise starts it with the listening
 * socket on fd 0; N threads accept on it; SIGTERM, SIGINT or SIGUSR1 stop it
 * gracefully (requests in flight finish).
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <fcgiapp.h>

#include "cache.h"
#include "config.h"
#include "github.h"
#include "handler.h"
#include "log.h"
#include "metrics.h"
#include "park.h"
#include "parse.h"
#include "tier.h"
#include "upstream.h"
#ifdef GISTS_TEST_CLOCK
#include "testclock.h" /* tests/gists-testclock only */
#endif

#define MAIN_LISTEN_FD 0

static struct config main_cfg;
static atomic_bool main_stopping;

/* An accept thread, and whether it is in FCGX_Accept_r (where the stop
 * wakes it with MAIN_WAKE_SIGNAL). */
struct main_thread {
	pthread_t id;
	atomic_bool accepting;
};
#define MAIN_WAKE_SIGNAL SIGUSR2

static void
main_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: gists [--help | --version | --check-config | "
	    "--healthcheck]\n"
	    "\n"
	    "A FastCGI responder that answers GET /{user} with that GitHub "
	    "user's public\n"
	    "gists as JSON. gists-supervise starts it (see gists-server); it "
	    "is configured by\n"
	    "these environment variables:\n\n");
	config_print_help(fp);
	fprintf(fp,
	    "\n"
	    "read by gists-server and conf/lighttpd.conf, not by this binary:\n"
	    "  GISTS_BIND               listen address\n"
	    "                           (default: 0.0.0.0)\n"
	    "  GISTS_RUNTIME_DIR        directory (mode 700) for the "
	    "responder's socket,\n"
	    "                           locked: one running instance each\n"
	    "                           (default: a private one under "
	    "$TMPDIR or /tmp)\n"
	    "  GISTS_BIN                the responder gists-supervise "
	    "starts\n"
	    "                           (default: this binary, "
	    "installed in $bindir)\n"
	    "  GISTS_CONF               lighttpd's configuration\n"
	    "                           (default: $datadir/gists/"
	    "lighttpd.conf)\n"
	    "  LIGHTTPD                 the lighttpd binary\n"
	    "                           (default: the one configure found)\n"
	    "  GISTS_LOG                the filter that makes every line "
	    "JSON (gists-log)\n"
	    "                           (default: gists-log, installed in "
	    "$bindir)\n"
	    "  GISTS_SUPERVISE          holds the responder's socket, "
	    "restarts a responder\n"
	    "                           that dies, runs lighttpd\n"
	    "                           (default: gists-supervise, "
	    "installed in $bindir)\n"
	    "  GISTS_ERROR_DIR          lighttpd's own error answers "
	    "(<status>.html,\n"
	    "                           problem+json)\n"
	    "                           (default: errors/ beside "
	    "GISTS_CONF)\n"
	    "set by gists-log, not by hand:\n"
	    "  GISTS_LOG_FD             the service's stderr, where this "
	    "binary writes its\n"
	    "                           lines (JSON already) past the "
	    "filter (default: stderr)\n"
	    "libcurl also honours https_proxy, http_proxy and no_proxy.\n"
	    "\n"
	    "options:\n"
	    "  --check-config  print the effective configuration (token "
	    "redacted) and\n"
	    "                  exit 0, or name the invalid variable and exit "
	    "1\n"
	    "  --healthcheck   ask http://127.0.0.1:$PORT/-/healthz; exit 0 "
	    "when healthy\n"
	    "  --version       print the version\n");
}

/*
 * Where the log lines go: GISTS_LOG_FD when gists-log set it (the
 * service's own stderr, so that the lines, JSON already, skip its filter),
 * else stderr. A descriptor that is not open for writing (a lighttpd that
 * closed it) falls back to stderr with a warning; a value that is not a
 * descriptor number is a configuration error.
 */
static int
main_log_fd(char *err, size_t errlen)
{
	const char *v = getenv("GISTS_LOG_FD");
	long long fd = 0;
	int flags;

	if (v == NULL || *v == '\0')
		return 0;
	if (!parse_number(v, strlen(v), 0, LLONG_MAX, &fd)) {
		snprintf(err, errlen,
		    "GISTS_LOG_FD: must be a file descriptor number "
		    "(gists-log sets it)");
		return -1;
	}
	if (fd <= STDERR_FILENO || fd > 1000000) {
		snprintf(err, errlen,
		    "GISTS_LOG_FD: must be a file descriptor number above 2 "
		    "(gists-log sets it)");
		return -1;
	}
	flags = fcntl((int)fd, F_GETFL);
	if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY) {
		log_msg(LOG_LEVEL_WARN,
		    "GISTS_LOG_FD=%lld is not open for writing; logging to "
		    "stderr",
		    fd);
		return 0;
	}
	(void)fcntl((int)fd, F_SETFD, FD_CLOEXEC);
	log_set_fd((int)fd);
	return 0;
}

/*
 * An accept thread: accept, answer or park, repeat until the service
 * stops. It never waits on GitHub: a request that needs a fetch goes
 * with its slot, and the thread accepts the next into a fresh one.
 */
static void *
main_worker(void *arg)
{
	struct main_thread *self = arg;
	struct handler_slot *s = handler_slot_new(MAIN_LISTEN_FD);

	if (s == NULL) {
		log_msg(LOG_LEVEL_ERROR, "worker set-up failed: out of memory");
		kill(getpid(), SIGTERM);
		return NULL;
	}
	/*
	 * Every worker blocks in accept(2) on the shared socket; the kernel
	 * hands each connection to one of them. (libfcgi's examples lock
	 * around accept for old platforms; Linux needs no lock, and one
	 * costs a context switch a request.)
	 */
	for (;;) {
		int rc = -1;

		atomic_store(&self->accepting, true);
		if (!atomic_load(&main_stopping))
			rc = FCGX_Accept_r(&s->req);
		atomic_store(&self->accepting, false);
		if (rc < 0)
			break;
		if (!handler_serve(s)) {
			FCGX_Finish_r(&s->req);
			continue;
		}
		if ((s = handler_slot_new(MAIN_LISTEN_FD)) == NULL) {
			log_msg(LOG_LEVEL_ERROR, "worker: out of memory");
			break;
		}
	}
	if (s != NULL) {
		FCGX_Free(&s->req, 0);
		free(s);
	}
	/* If accepting failed on its own, make the main thread stop too. */
	if (!atomic_load(&main_stopping))
		kill(getpid(), SIGTERM);
	return NULL;
}

/*
 * Stop accepting; requests in flight go on to the end. The listening
 * socket is left as it is: gists-supervise holds it for the next
 * responder, and what lighttpd sends meanwhile waits in its backlog.
 * libfcgi gives up on accept(2) once the shutdown is pending and the
 * call is interrupted (main_join wakes the threads blocked in it).
 */
static void
main_stop(void)
{
	if (!atomic_exchange(&main_stopping, true))
		FCGX_ShutdownPending();
}

/* Nothing: MAIN_WAKE_SIGNAL only interrupts a blocked accept(2). */
static void
main_wake(int sig)
{
	(void)sig;
}

/* main_wake for MAIN_WAKE_SIGNAL, without SA_RESTART: the signal must
 * interrupt accept(2). */
static void
main_wake_install(void)
{
	struct sigaction sa = { .sa_handler = main_wake };

	sigemptyset(&sa.sa_mask);
	sigaction(MAIN_WAKE_SIGNAL, &sa, NULL);
}

/* Join every accept thread, waking (again every 50 ms, for one that was
 * about to block) those blocked in accept(2). */
static void
main_join(struct main_thread *threads, long n)
{
	for (long i = 0; i < n; i++) {
		for (;;) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 50 * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			if (atomic_load(&threads[i].accepting))
				pthread_kill(threads[i].id, MAIN_WAKE_SIGNAL);
			if (pthread_timedjoin_np(threads[i].id, NULL, &ts) == 0)
				break;
		}
	}
}

/* curl's write callback type fixes the non-const char * */
static size_t
main_discard(char *data, /* NOLINT(readability-non-const-parameter) */
    size_t size, size_t nmemb, void *userp)
{
	(void)data;
	(void)userp;
	return size * nmemb;
}

/* GET /-/healthz on our own port: the container's health check. */
static int
main_healthcheck(void)
{
	CURL *e = curl_easy_init();
	char url[64];
	long status = 0;
	CURLcode rc;

	if (e == NULL)
		return 1;
	snprintf(url, sizeof(url), "http://127.0.0.1:%ld/-/healthz",
	    main_cfg.port);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 5L);
	curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, main_discard);
	rc = curl_easy_perform(e);
	if (rc == CURLE_OK)
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(e);
	if (status != 200) {
		fprintf(stderr, "gists: unhealthy: %s\n",
		    rc != CURLE_OK ? curl_easy_strerror(rc)
				   : "status is not 200");
		return 1;
	}
	return 0;
}

/*
 * Set up every module and start the upstream loop, the writers and the
 * shared tier, with the stop signals blocked (into set) so that they go
 * to main_serve's sigwait, never to a worker. Returns 0, or the exit
 * status.
 */
static int
main_start(sigset_t *set)
{
	char err[CONFIG_ERR_LEN] = "out of memory";
	cache_clock_fn cache_clock = NULL; /* the monotonic clock */

	if (FCGX_Init() != 0 || FCGX_IsCGI()) {
		fprintf(stderr,
		    "gists: not started by a FastCGI server "
		    "(fd 0 is not a listening socket); run gists-server, or "
		    "see --help\n");
		return 2;
	}
	metrics_init();
#ifdef GISTS_TEST_CLOCK
	testclock_init();
	cache_clock = testclock_ms;
#endif
	if (github_global_init(&main_cfg, err, sizeof(err)) != 0 ||
	    cache_init(&main_cfg, cache_clock) != 0 ||
	    handler_init(&main_cfg) != 0) {
		fprintf(stderr, "gists: start-up failed: %s\n", err);
		return 1;
	}
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	main_wake_install();

	/* the upstream loop and the writers, before anything can park */
	if (upstream_start(err, sizeof(err)) != 0 ||
	    park_start(main_cfg.threads) != 0 ||
	    tier_start(&main_cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "gists: start-up failed: %s\n", err);
		return 1;
	}
	return 0;
}

/* Wait for a stop signal (SIGHUP: nothing to reload). */
static void
main_wait(const sigset_t *set)
{
	for (;;) {
		int sig = 0;

		if (sigwait(set, &sig) != 0)
			return;
		if (sig == SIGHUP)
			continue;
		log_msg(LOG_LEVEL_INFO,
		    "signal %d: stopping after the "
		    "requests in flight",
		    sig);
		return;
	}
}

/* Stop accepting, answer what is in flight and parked, then tear down. */
static void
main_shutdown(struct main_thread *workers, long started)
{
	main_stop();
	main_join(workers, started);
	free(workers);
	/* parked requests are in flight too: answer every one (each
	 * leaves the park just before its answer is finished and freed;
	 * park_stop joins the writers that finish them) */
	park_wait_idle();
	park_stop();
	tier_stop(); /* the shared tier's write-backs, before the loop goes */
	upstream_stop();
	log_msg(LOG_LEVEL_INFO, "stopped");
	handler_cleanup();
	cache_cleanup();
	github_global_cleanup();
}

/* Tell gists-supervise that we accept: a byte on the pipe it gave us as
 * GISTS_READY_FD (set by it alone; anything else is left alone). */
static void
main_ready(void)
{
	const char *s = getenv("GISTS_READY_FD");
	long long fd;

	if (s == NULL)
		return;
	if (!parse_number(s, strlen(s), 3, INT_MAX, &fd) ||
	    fcntl((int)fd, F_GETFD) < 0) {
		log_msg(LOG_LEVEL_WARN,
		    "GISTS_READY_FD=%.16s is not an open descriptor: ignored",
		    s);
		return;
	}
	if (write((int)fd, "r", 1) != 1)
		log_msg(LOG_LEVEL_WARN, "GISTS_READY_FD: %s", strerror(errno));
	close((int)fd);
}

/* Run the workers until a stop signal; returns the exit status. */
static int
main_serve(void)
{
	struct main_thread *workers;
	sigset_t set;
	long started = 0;
	int status = main_start(&set);

	if (status != 0)
		return status;
	if ((workers = calloc((size_t)main_cfg.threads, sizeof(*workers))) ==
	    NULL) {
		fprintf(stderr, "gists: out of memory\n");
		return 1;
	}
	for (; started < main_cfg.threads; started++) {
		if (pthread_create(&workers[started].id, NULL, main_worker,
			&workers[started]) != 0) {
			log_msg(LOG_LEVEL_ERROR, "pthread_create: %s",
			    strerror(errno));
			break;
		}
	}
	log_msg(LOG_LEVEL_INFO,
	    "gists %s started: %ld threads, at most %ld requests waiting on "
	    "upstream %s",
	    PACKAGE_VERSION, started, main_cfg.max_waiting, main_cfg.api_url);
	if (started > 0) {
		main_ready();
		main_wait(&set);
	}
	main_shutdown(workers, started);
	return started > 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	char err[CONFIG_ERR_LEN];
	const char *mode = argc > 1 ? argv[1] : NULL;
	int status;

	bool known = mode == NULL || strcmp(mode, "--help") == 0 ||
	    strcmp(mode, "-h") == 0 || strcmp(mode, "--version") == 0 ||
	    strcmp(mode, "--check-config") == 0 ||
	    strcmp(mode, "--healthcheck") == 0;
	if (!known || argc > 2) {
		/* argv is the caller's own input, shown back to the caller */
		if (!known)
			fprintf(stderr, "gists: unknown option '%s'\n", mode);
		else
			fprintf(stderr, "gists: unexpected argument '%s'\n",
			    argv[2]);
		main_usage(stderr);
		return 2;
	}
	if (mode != NULL &&
	    (strcmp(mode, "--help") == 0 || strcmp(mode, "-h") == 0)) {
		main_usage(stdout);
		return 0;
	}
	if (mode != NULL && strcmp(mode, "--version") == 0) {
		printf("gists %s (%s)\n", PACKAGE_VERSION, curl_version());
		return 0;
	}
	if (config_load(&main_cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "gists: invalid configuration: %s\n", err);
		return 1;
	}
	log_set_level(main_cfg.log_level);
	if (main_log_fd(err, sizeof(err)) != 0) {
		fprintf(stderr, "gists: invalid configuration: %s\n", err);
		config_free(&main_cfg);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "gists: curl_global_init failed\n");
		return 1;
	}
	if (mode != NULL && strcmp(mode, "--check-config") == 0) {
		config_print(stdout, &main_cfg);
		status = 0;
	} else if (mode != NULL && strcmp(mode, "--healthcheck") == 0)
		status = main_healthcheck();
	else
		status = main_serve();
	curl_global_cleanup();
	config_free(&main_cfg);
	return status;
}

/*
 * The ceiling of this architecture, for bench/run.sh: a FastCGI responder
 * with gists' threading (N threads blocked in FCGX_Accept_r) that
 * answers every request with the same bytes, read once from
 * the file named by its only argument. Nothing else.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <fcgiapp.h>

#define TRIVIAL_THREADS 16

static char *body;
static size_t body_len;
static char head[256];
static int head_len;

/* lighttpd stops its backends with SIGTERM; libfcgi's own handler only
 * wakes one accepting thread, so end the process outright. */
static void
trivial_stop(int sig)
{
	(void)sig;
	_exit(0);
}

static void *
trivial_worker(void *arg)
{
	FCGX_Request req;

	(void)arg;
	FCGX_InitRequest(&req, 0, 0);
	/* like gists: every thread blocks in accept(2), no lock */
	while (FCGX_Accept_r(&req) >= 0) {
		FCGX_PutStr(head, head_len, req.out);
		FCGX_PutStr(body, (int)body_len, req.out);
		FCGX_Finish_r(&req);
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	pthread_t t[TRIVIAL_THREADS];
	FILE *fp;
	long n;

	if (argc != 2 || (fp = fopen(argv[1], "rb")) == NULL) {
		fprintf(stderr, "usage: trivial-fcgi BODYFILE\n");
		return 2;
	}
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	if (n < 0 || (body = malloc((size_t)n)) == NULL) {
		fclose(fp);
		return 1;
	}
	body_len = fread(body, 1, (size_t)n, fp);
	fclose(fp);
	head_len = snprintf(head, sizeof(head),
	    "Status: 200 OK\r\nContent-Length: %lu\r\n"
	    "Content-Type: application/json; charset=utf-8\r\n\r\n",
	    (unsigned long)body_len);
	FCGX_Init();
	signal(SIGTERM, trivial_stop);
	for (int i = 0; i < TRIVIAL_THREADS; i++)
		pthread_create(&t[i], NULL, trivial_worker, NULL);
	for (int i = 0; i < TRIVIAL_THREADS; i++)
		pthread_join(t[i], NULL);
	return 0;
}

/*
 * gists-supervise: hold the responder's socket for the life of the
 * instance, and keep a responder accepting on it.
 *
 *   gists-supervise SOCKET RESPONDER -- COMMAND [ARG...]
 *
 * It listens on the unix socket SOCKET, starts RESPONDER (the FastCGI
 * responder, gists) with that socket as fd 0, and starts COMMAND
 * (lighttpd, which connects to SOCKET as a remote back-end: it spawns
 * nothing). When the responder dies, another is started at once on the
 * same socket: connections lighttpd makes meanwhile wait in its backlog
 * and are answered by the new responder, so a crash costs only the
 * requests the dead one was answering, never a refused connection (which
 * lighttpd would answer with 503s and a back-end disabled for seconds).
 *
 * A responder says it is ready (it accepts) with a byte on the pipe it
 * finds as GISTS_READY_FD. One that dies before that is failing to start,
 * not crashing: its socket is taken away (lighttpd answers 503 at once
 * rather than queueing requests nobody accepts), and the next one, a
 * second later, listens on a new socket that takes SOCKET's name only once
 * that responder is ready.
 *
 * Signals INT, TERM and HUP go to COMMAND; when COMMAND ends, the
 * responder is sent SIGTERM (it finishes what it was doing), and this
 * program exits with COMMAND's status once both have ended. It reaps any
 * child, as PID 1 in the container must; COMMAND and the responder get
 * SIGTERM if it dies.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "log.h"

#define RETRY_MS 1000 /* after a failed start, the next one */
#define SUPERVISE_EXTRA 13 /* variables kept besides config's, and NULL */
#define STOP_WAIT_MS 30000 /* the responder's time to finish, then KILL */

struct supervise {
	const char *path; /* SOCKET */
	char trial[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const char *responder;
	char *const *command;
	int fd; /* the listening socket, or -1 */
	bool on_trial; /* fd is bound to trial, not yet renamed */
	pid_t worker; /* the responder, or 0 */
	int ready_fd; /* its readiness pipe, or -1 */
	bool ready; /* it said it accepts */
	char ready_var[32]; /* "GISTS_READY_FD=N", in its environment */
	long long started; /* when it started, ms */
	long long retry_at; /* when to start one, ms; 0: not waiting */
	pid_t front; /* COMMAND, or 0 once it ended */
	int front_status;
	long long kill_at; /* stopping: when to SIGKILL the responder */
};

/* Listen on a new unix socket at path (replacing what is there). */
static int
supervise_listen(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_msg(LOG_LEVEL_ERROR,
		    "gists-supervise: socket path too long (%zu bytes, at "
		    "most %zu): %s",
		    strlen(path), sizeof(sa.sun_path) - 1, path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if ((unlink(path) != 0 && errno != ENOENT) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fd, SOMAXCONN) != 0) {
		close(fd);
		goto fail;
	}
	return fd;
fail:
	log_msg(LOG_LEVEL_ERROR, "gists-supervise: listening on %s: %s", path,
	    strerror(errno));
	return -1;
}

/* The responder's environment: the service's variables, libcurl's proxy
 * variables, TZ, and those of the log and the sanitizers; nothing else of
 * ours (as lighttpd's bin-copy-environment did); then ready,
 * "GISTS_READY_FD=N". */
static char **
supervise_environment(char *ready)
{
	static const char *const extra[SUPERVISE_EXTRA] = { "GISTS_LOG_FD",
		"https_proxy", "HTTPS_PROXY", "http_proxy", "all_proxy",
		"ALL_PROXY", "no_proxy", "NO_PROXY", "TZ", "ASAN_OPTIONS",
		"UBSAN_OPTIONS", "LSAN_OPTIONS", NULL };
	/* and ready; the array ends with NULL */
	size_t n = config_var_count() + SUPERVISE_EXTRA + 1;
	char **env = calloc(n, sizeof(*env));
	size_t used = 0;

	if (env == NULL)
		return NULL;
	for (char **e = environ; *e != NULL; e++) {
		bool keep = false;
		size_t len = strcspn(*e, "=");

		for (size_t i = 0; !keep && config_var_name(i) != NULL; i++)
			keep = strlen(config_var_name(i)) == len &&
			    strncmp(*e, config_var_name(i), len) == 0;
		for (size_t i = 0; !keep && extra[i] != NULL; i++)
			keep = strlen(extra[i]) == len &&
			    strncmp(*e, extra[i], len) == 0;
		if (keep && used + 2 < n)
			env[used++] = *e;
	}
	env[used] = ready;
	return env;
}

/* In a new child: die with us, default signals, unblocked. */
static void
supervise_child_setup(pid_t parent)
{
	sigset_t none;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(1); /* we died already */
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* In the new responder: the socket as fd 0, the pipe's end kept open
 * across exec; then exec it. */
static void
supervise_exec_worker(const struct supervise *s, int ready, char **env)
{
	char *argv[] = { (char *)s->responder, NULL };

	if (dup2(s->fd, 0) != 0 || fcntl(ready, F_SETFD, 0) != 0)
		_exit(127);
	execve(s->responder, argv, env);
	log_msg(LOG_LEVEL_ERROR, "gists-supervise: exec %s: %s", s->responder,
	    strerror(errno));
	_exit(127);
}

/* Start a responder on s->fd: its fd 0, and a pipe to say it is ready
 * on (GISTS_READY_FD). */
static void
supervise_start_worker(struct supervise *s)
{
	char **env = NULL;
	pid_t parent = getpid();
	pid_t pid = -1;
	int p[2] = { -1, -1 };

	if (pipe2(p, O_CLOEXEC) == 0) {
		snprintf(s->ready_var, sizeof(s->ready_var),
		    "GISTS_READY_FD=%d", p[1]);
		env = supervise_environment(s->ready_var);
	}
	if (env != NULL)
		pid = fork();
	if (pid < 0) {
		log_msg(LOG_LEVEL_ERROR,
		    "gists-supervise: cannot start the responder: %s",
		    strerror(errno));
		s->retry_at = clock_ms() + RETRY_MS;
	} else if (pid == 0) {
		supervise_child_setup(parent);
		supervise_exec_worker(s, p[1], env);
	} else {
		s->worker = pid;
		s->ready = false;
		s->ready_fd = p[0];
		p[0] = -1;
		s->started = clock_ms();
		s->retry_at = 0;
		fcntl(s->ready_fd, F_SETFL, O_NONBLOCK);
	}
	free(env);
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
}

/* Start COMMAND, lighttpd. */
static int
supervise_start_front(struct supervise *s)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid < 0) {
		log_msg(LOG_LEVEL_ERROR, "gists-supervise: fork: %s",
		    strerror(errno));
		return -1;
	}
	if (pid == 0) {
		supervise_child_setup(parent);
		execvp(s->command[0], s->command);
		log_msg(LOG_LEVEL_ERROR, "gists-supervise: exec %s: %s",
		    s->command[0], strerror(errno));
		_exit(127);
	}
	s->front = pid;
	return 0;
}

/* "exited with status N" or "killed by signal N" into buf. */
static const char *
supervise_describe(char *buf, size_t len, int status)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
		    strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "exited with status %d",
		    WEXITSTATUS(status));
	return buf;
}

/* Whether the responder said it is ready: a byte on its pipe. */
static void
supervise_check_ready(struct supervise *s)
{
	char c;

	if (s->ready || s->ready_fd < 0)
		return;
	if (read(s->ready_fd, &c, 1) == 1) {
		s->ready = true;
		close(s->ready_fd);
		s->ready_fd = -1;
	}
}

/* The responder ended: start another at once, or, if it never said it
 * was ready, take its socket away and try again later. */
static void
supervise_worker_ended(struct supervise *s, int status)
{
	long long lived = clock_ms() - s->started;
	pid_t pid = s->worker;
	char how[96];

	supervise_check_ready(s);
	s->worker = 0;
	if (s->ready_fd >= 0)
		close(s->ready_fd);
	s->ready_fd = -1;
	supervise_describe(how, sizeof(how), status);
	if (s->front == 0) /* stopping: it was told to */
		return;
	if (s->ready && !s->on_trial) {
		log_msg(LOG_LEVEL_ERROR,
		    "the responder (pid %d) %s after %lld ms: starting another "
		    "on the same socket",
		    (int)pid, how, lived);
		supervise_start_worker(s);
		return;
	}
	log_msg(LOG_LEVEL_ERROR,
	    "the responder (pid %d) %s %lld ms after it started, before it "
	    "was ready: no socket for %d ms (lighttpd answers 503), then "
	    "another",
	    (int)pid, how, lived, RETRY_MS);
	close(s->fd);
	s->fd = -1;
	unlink(s->on_trial ? s->trial : s->path);
	s->on_trial = false;
	s->retry_at = clock_ms() + RETRY_MS;
}

/* Reap every child that ended. */
static void
supervise_reap(struct supervise *s)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == s->worker) {
			supervise_worker_ended(s, status);
		} else if (pid == s->front) {
			s->front = 0;
			s->front_status = status;
			s->kill_at = clock_ms() + STOP_WAIT_MS;
			if (s->worker > 0)
				kill(s->worker, SIGTERM);
		}
	}
}

/* Timers: start a responder after a failed one, end a trial that
 * succeeded, kill a responder that takes too long to stop. */
static void
supervise_tick(struct supervise *s)
{
	long long now = clock_ms();

	if (s->front != 0 && s->worker == 0 && s->retry_at != 0 &&
	    now >= s->retry_at) {
		if (s->fd < 0) {
			s->fd = supervise_listen(s->trial);
			s->on_trial = s->fd >= 0;
		}
		if (s->fd >= 0)
			supervise_start_worker(s);
		else
			s->retry_at = now + RETRY_MS;
	}
	supervise_check_ready(s);
	if (s->on_trial && s->worker > 0 && s->ready) {
		if (rename(s->trial, s->path) == 0) {
			s->on_trial = false;
			log_msg(LOG_LEVEL_INFO,
			    "the responder (pid %d) is up: serving again",
			    (int)s->worker);
		}
	}
	if (s->front == 0 && s->worker > 0 && now >= s->kill_at) {
		log_msg(LOG_LEVEL_ERROR,
		    "the responder (pid %d) did not stop within %d ms: killed",
		    (int)s->worker, STOP_WAIT_MS);
		kill(s->worker, SIGKILL);
		s->kill_at = now + STOP_WAIT_MS;
	}
}

/* Wait for signals and timers until COMMAND and the responder ended. */
static int
supervise_loop(struct supervise *s, const sigset_t *set)
{
	while (s->front != 0 || s->worker != 0) {
		struct timespec tick = { 0, 50 * 1000000L };
		int sig = sigtimedwait(set, NULL, &tick);

		if (sig == SIGCHLD)
			supervise_reap(s);
		else if (sig > 0 && s->front != 0)
			kill(s->front, sig);
		supervise_tick(s);
	}
	if (WIFSIGNALED(s->front_status))
		return 128 + WTERMSIG(s->front_status);
	return WEXITSTATUS(s->front_status);
}

/* fds 0, 1 and 2 open (on /dev/null if they were not), so that the
 * socket is never one of them. */
static void
supervise_std_fds(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

int
main(int argc, char **argv)
{
	struct supervise s = { .fd = -1, .ready_fd = -1 };
	sigset_t set;

	if (argc < 5 || strcmp(argv[3], "--") != 0) {
		fprintf(stderr,
		    "usage: gists-supervise SOCKET RESPONDER -- COMMAND "
		    "[ARG...]\n");
		return 2;
	}
	s.path = argv[1];
	s.responder = argv[2];
	s.command = argv + 4;
	if (snprintf(s.trial, sizeof(s.trial), "%s.new", s.path) >=
	    (int)sizeof(s.trial)) {
		log_msg(LOG_LEVEL_ERROR,
		    "gists-supervise: socket path too "
		    "long: %s",
		    s.path);
		return 1;
	}
	supervise_std_fds();
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	s.fd = supervise_listen(s.path);
	if (s.fd < 0)
		return 1;
	supervise_start_worker(&s);
	if (supervise_start_front(&s) != 0) {
		if (s.worker > 0)
			kill(s.worker, SIGTERM);
		return 1;
	}
	return supervise_loop(&s, &set);
}

/*
 * gists-log: make every line the service prints one JSON object, as the
 * responder's are ({"time","level","msg",...}). Lines that already are
 * JSON objects (the responder's) pass unchanged; any other line
 * (lighttpd's "2026-11-28 04:22:54: (server.c.1704) server started", a
 * start-up script's message) is wrapped, its bytes made printable ASCII
 * as the responder's log does (\xHH).
 *
 *   gists-log [--level L] [--source S]          stdin to stdout
 *   gists-log [--source S] -- COMMAND [ARG...]  COMMAND's stderr to ours
 *
 * The second form execs COMMAND in this process (lighttpd keeps the PID,
 * PID 1 in the container, for the stop signal) after forking the filter,
 * which reads a pipe that COMMAND and its children (the responder) hold
 * as stderr, and ends when the last of them closes it. A piped
 * server.errorlog cannot do this: lighttpd gives it /dev/null for output.
 * The responder, whose lines need no filtering, writes them to our own
 * stderr, which it finds as GISTS_LOG_FD.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* Append s[0..n) to out as the inside of a JSON string of printable
 * ASCII: other bytes, and the backslash, become the text \xHH. */
static void
gists_log_escape(FILE *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"')
			fputs("\\\"", out);
		else if (c >= 0x20 && c < 0x7f && c != '\\')
			putc(c, out);
		else
			fprintf(out, "\\\\x%02x", c);
	}
}

/* A lighttpd message's level: it has none, so read it off the words. */
static const char *
gists_log_guess_level(const char *msg)
{
	static const char *const errors[] = { "error", "fail", "fatal",
		"cannot", "can't", "could not", "unable", "denied", "refused",
		"are down", "signalled", "exited", "died", "overloaded" };
	static const char *const warnings[] = { "warn", "timeout", "timed out",
		"disabled" };

	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		if (strcasestr(msg, errors[i]) != NULL)
			return "error";
	for (size_t i = 0; i < sizeof(warnings) / sizeof(warnings[0]); i++)
		if (strcasestr(msg, warnings[i]) != NULL)
			return "warn";
	return "info";
}

/* Whether line[0..n) is a JSON object line: the responder's begin
 * {"time": and end with }; nothing else this service prints does. */
static bool
gists_log_is_json(const char *line, size_t n)
{
	return n >= 9 && strncmp(line, "{\"time\":\"", 9) == 0 &&
	    line[n - 1] == '}';
}

/* One line (without its newline) as a JSON object on out. */
static void
gists_log_line(FILE *out, const char *line, size_t n, const char *level,
    const char *source)
{
	char date[32];
	struct timeval tv;
	struct tm tm;
	const char *at = NULL, *msg = line;
	size_t at_len = 0;

	if (gists_log_is_json(line, n)) {
		fwrite(line, 1, n, out);
		putc('\n', out);
		return;
	}
	/* lighttpd's "YYYY-MM-DD HH:MM:SS: (file.c.123) message" */
	if (n > 22 && line[4] == '-' && line[10] == ' ' &&
	    strncmp(line + 19, ": (", 3) == 0) {
		const char *end = memchr(line + 22, ')', n - 22);

		if (end != NULL) {
			at = line + 22;
			at_len = (size_t)(end - at);
			msg = end + 1;
			while (msg < line + n && *msg == ' ')
				msg++;
		}
	}
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	if (level == NULL) {
		char *copy = strndup(msg, (size_t)(line + n - msg));

		level = copy != NULL ? gists_log_guess_level(copy) : "info";
		free(copy);
	}
	fprintf(out, "{\"time\":\"%s.%03ldZ\",\"level\":\"%s\",\"msg\":\"",
	    date, (long)(tv.tv_usec / 1000), level);
	gists_log_escape(out, msg, (size_t)(line + n - msg));
	fputs("\",\"source\":\"", out);
	gists_log_escape(out, source, strlen(source));
	putc('"', out);
	if (at != NULL) {
		fputs(",\"at\":\"", out);
		gists_log_escape(out, at, at_len);
		putc('"', out);
	}
	fputs("}\n", out);
}

/* What goes to the output fd: whole lines, at most PIPE_BUF at once. */
struct gists_log_out {
	int fd;
	size_t len;
	char buf[PIPE_BUF];
};

/* Write p[0..n) to fd whole, across short writes and signals. */
static void
gists_log_write(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* nowhere left to say it */
		p += w;
		n -= (size_t)w;
	}
}

static void
gists_log_flush(struct gists_log_out *o)
{
	gists_log_write(o->fd, o->buf, o->len);
	o->len = 0;
}

/*
 * Queue one line (its newline included). Writes of at most PIPE_BUF are
 * atomic on a pipe, and the responder writes its own lines to the same
 * output (GISTS_LOG_FD): a write never holds part of a line unless the
 * line alone is longer than that.
 */
static void
gists_log_put(struct gists_log_out *o, const char *p, size_t n)
{
	if (o->len + n > sizeof(o->buf))
		gists_log_flush(o);
	if (n > sizeof(o->buf)) {
		gists_log_write(o->fd, p, n);
		return;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

/*
 * Copy fd to o a line at a time, each made JSON. What one read(2)
 * brings is written before the next read, in as few writes as whole
 * lines allow, so no line waits and a burst costs one write, not one a
 * line.
 */
static int
gists_log_filter(int fd, struct gists_log_out *o, const char *level,
    const char *source)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap), *text = NULL;
	size_t text_len = 0;
	FILE *mem;
	bool eof = false;

	if (buf == NULL)
		return 1;
	while (!eof) {
		char *line, *nl;
		ssize_t n;

		if (len == cap) { /* one line fills the buffer: make room */
			char *bigger = realloc(buf, cap * 2);

			if (bigger == NULL)
				break;
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* the end: a last line may lack its newline */
			eof = true;
			if (len == 0)
				break;
			buf[len++] = '\n';
		} else
			len += (size_t)n;
		line = buf;
		while ((nl = memchr(line, '\n', len - (size_t)(line - buf))) !=
		    NULL) {
			size_t ln = (size_t)(nl - line);

			while (ln > 0 && line[ln - 1] == '\r')
				ln--;
			if (ln > 0 &&
			    (mem = open_memstream(&text, &text_len)) != NULL) {
				gists_log_line(mem, line, ln, level, source);
				if (fclose(mem) == 0)
					gists_log_put(o, text, text_len);
				free(text);
				text = NULL;
			}
			line = nl + 1;
		}
		len -= (size_t)(line - buf);
		memmove(buf, line, len);
		gists_log_flush(o);
	}
	free(buf);
	return 0;
}

static int
gists_log_usage(void)
{
	fputs("usage: gists-log [--level L] [--source S]\n"
	      "       gists-log [--source S] -- COMMAND [ARG...]\n",
	    stderr);
	return 2;
}

int
main(int argc, char **argv)
{
	static struct gists_log_out out;
	const char *level = NULL, *source = "gists-server";
	int i, fds[2], logfd;
	pid_t pid;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (i + 1 >= argc)
			return gists_log_usage();
		if (strcmp(argv[i], "--level") == 0)
			level = argv[++i];
		else if (strcmp(argv[i], "--source") == 0)
			source = argv[++i];
		else
			return gists_log_usage();
	}
	if (level != NULL && strcmp(level, "error") != 0 &&
	    strcmp(level, "warn") != 0 && strcmp(level, "info") != 0 &&
	    strcmp(level, "debug") != 0)
		return gists_log_usage();
	if (i >= argc) {
		out.fd = STDOUT_FILENO;
		return gists_log_filter(STDIN_FILENO, &out, level, source);
	}
	if (i + 1 >= argc)
		return gists_log_usage();

	if (pipe(fds) != 0 || (pid = fork()) < 0) {
		perror("gists-log");
		return 1;
	}
	if (pid == 0) {
		/* The filter: outlives the stop signal that reaches the whole
		 * process group (Ctrl-C), to write the shutdown's lines; ends
		 * at end of file. */
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		close(fds[1]);
		out.fd = STDERR_FILENO;
		return gists_log_filter(fds[0], &out, level, source);
	}
	close(fds[0]);
	/*
	 * The responder's lines are JSON already: it writes them straight to
	 * our stderr, kept open as GISTS_LOG_FD through lighttpd (which passes
	 * open descriptors on to what it starts), not through the filter,
	 * which would cost a wake-up of this process for every few requests.
	 */
	if ((logfd = fcntl(STDERR_FILENO, F_DUPFD, 3)) >= 0) {
		char v[16];

		snprintf(v, sizeof(v), "%d", logfd);
		setenv("GISTS_LOG_FD", v, 1);
	}
	if (dup2(fds[1], STDERR_FILENO) < 0) {
		perror("gists-log");
		return 1;
	}
	close(fds[1]);
	execvp(argv[i + 1], argv + i + 1);
	/* stderr is the pipe now: this line is wrapped like the others */
	fprintf(stderr, "gists-log: cannot run %s\n", argv[i + 1]);
	return 127;
}

/*
 * Structured logging to stderr: one JSON object a line, written with one
 * write(2). Lines are built in a stack buffer by a small JSON writer
 * rather than json-c: this runs on every request, and an allocation-free
 * writer is a fifth of the cost of a cache hit. Every string goes through
 * log_json_string, which makes it printable ASCII (other bytes become the
 * text \xHH) and escapes what JSON requires.
 */
#include <stdarg.h>
#include <strings.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX 4096
#define LOG_FIELD_MAX 512

static enum log_level log_level = LOG_LEVEL_INFO;
static int log_fd = STDERR_FILENO;

struct log_line {
	char buf[LOG_LINE_MAX];
	size_t len;
	size_t head; /* length of the time and level part */
	bool full;
};

static const char *const log_level_names[] = {
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_WARN] = "warn",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

void
log_set_level(enum log_level level)
{
	log_level = level;
}

const char *
log_level_name(enum log_level level)
{
	return log_level_names[level];
}

int
log_level_parse(const char *s, enum log_level *level)
{
	for (size_t i = 0;
	     i < sizeof(log_level_names) / sizeof(log_level_names[0]); i++)
		if (strcasecmp(s, log_level_names[i]) == 0) {
			*level = (enum log_level)i;
			return 0;
		}
	return -1;
}

void
log_set_fd(int fd)
{
	log_fd = fd;
}

static int
log_enabled(enum log_level level)
{
	return level <= log_level;
}

char *
log_escape(char *buf, size_t len, const char *s)
{
	return log_escape_n(buf, len, s, s != NULL ? strlen(s) : 0);
}

char *
log_escape_n(char *buf, size_t len, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (len == 0)
		return buf;
	for (size_t i = 0; s != NULL && i < n && o + 5 < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			buf[o++] = (char)c;
			continue;
		}
		buf[o++] = '\\';
		buf[o++] = 'x';
		buf[o++] = hex[c >> 4];
		buf[o++] = hex[c & 15];
	}
	buf[o] = '\0';
	return buf;
}

static void
log_append(struct log_line *l, const char *s, size_t n)
{
	if (l->full || n > sizeof(l->buf) - 2 - l->len) {
		l->full = true;
		return;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

/* Append "s" as a JSON string of printable ASCII (see log_escape_n). */
static void
log_json_string(struct log_line *l, const char *s, size_t n)
{
	char esc[LOG_FIELD_MAX];
	size_t start = 0;

	log_escape_n(esc, sizeof(esc), s, n);
	log_append(l, "\"", 1);
	for (size_t i = 0; esc[i] != '\0'; i++) {
		/* what log_escape_n leaves: printable ASCII; \ begins \xHH */
		if (esc[i] == '"' || esc[i] == '\\') {
			log_append(l, esc + start, i - start);
			log_append(l, esc[i] == '"' ? "\\\"" : "\\\\", 2);
			start = i + 1;
		}
	}
	log_append(l, esc + start, strlen(esc + start));
	log_append(l, "\"", 1);
}

/* Append ,"key":"value" (the key is a literal of ours). */
static void
log_field(struct log_line *l, const char *key, const char *value, size_t n)
{
	log_append(l, ",\"", 2);
	log_append(l, key, strlen(key));
	log_append(l, "\":", 2);
	log_json_string(l, value, n);
}

static void
log_field_str(struct log_line *l, const char *key, const char *value)
{
	if (value != NULL)
		log_field(l, key, value, strlen(value));
}

/* Append ,"key":<number>, with frac decimal places of value/10^frac. */
static void
log_field_num(struct log_line *l, const char *key, long long value, int frac)
{
	char num[48];
	int n;

	if (frac == 0)
		n = snprintf(num, sizeof(num), ",\"%s\":%lld", key, value);
	else
		n = snprintf(num, sizeof(num), ",\"%s\":%lld.%03lld", key,
		    value / 1000, value % 1000);
	if (n > 0 && (size_t)n < sizeof(num))
		log_append(l, num, (size_t)n);
}

/* Start a line: {"time":"...","level":"..." */
static void
log_begin(struct log_line *l, enum log_level level)
{
	/* The date part changes once a second: format it once a second. */
	static _Thread_local time_t last_sec = -1;
	static _Thread_local char date[32];
	struct timeval tv;
	char head[96];
	int n;

	gettimeofday(&tv, NULL);
	if (tv.tv_sec != last_sec) {
		struct tm tm;

		gmtime_r(&tv.tv_sec, &tm);
		strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
		last_sec = tv.tv_sec;
	}
	l->len = 0;
	l->full = false;
	n = snprintf(head, sizeof(head),
	    "{\"time\":\"%s.%03ldZ\",\"level\":\"%s\"", date,
	    (long)(tv.tv_usec / 1000), log_level_name(level));
	if (n > 0 && (size_t)n < sizeof(head))
		log_append(l, head, (size_t)n);
	l->head = l->len;
}

/* End the line and write it at once; a line that did not fit is cut. */
static void
log_end(struct log_line *l)
{
	if (l->full) {
		l->len = l->head;
		l->full = false;
		log_field_str(l, "msg", "log line too long");
	}
	l->buf[l->len++] = '}';
	l->buf[l->len++] = '\n';
	if (log_fd >= 0)
		(void)!write(log_fd, l->buf, l->len);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	struct log_line l;
	char msg[LOG_FIELD_MAX];
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_begin(&l, level);
	log_field_str(&l, "msg", msg);
	log_end(&l);
}

void
log_request(const struct log_request *req)
{
	enum log_level level = LOG_LEVEL_INFO;
	struct log_line l;

	if (req->status >= 500)
		level = LOG_LEVEL_ERROR;
	else if (req->probe && req->status < 400)
		level = LOG_LEVEL_DEBUG;
	if (!log_enabled(level))
		return;
	log_begin(&l, level);
	log_field_str(&l, "msg", "request");
	log_field_str(&l, "request_id", req->request_id);
	log_field_str(&l, "method", req->method);
	if (req->path != NULL)
		log_field(&l, "path", req->path, strcspn(req->path, "?"));
	if (req->query != NULL && req->query[0] != '\0')
		log_field_str(&l, "query", req->query);
	log_field_str(&l, "login", req->login);
	log_field_num(&l, "status", req->status, 0);
	log_field_str(&l, "cache", req->cache);
	if (req->upstream_requests > 0) {
		log_field_num(&l, "upstream_status", req->upstream_status, 0);
		log_field_num(&l, "upstream_ms", req->upstream_us, 3);
		log_field_num(&l, "upstream_requests", req->upstream_requests,
		    0);
	}
	log_field_num(&l, "bytes", (long long)req->bytes, 0);
	log_field_num(&l, "duration_ms", req->duration_us, 3);
	if (req->error[0] != '\0')
		log_field_str(&l, "error", req->error);
	log_end(&l);
}

/* Structured logging to stderr. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "log.h"

#define LOG_FIELD_MAX 512

static enum log_level log_level = LOG_LEVEL_INFO;

void
log_set_level(enum log_level level)
{
	log_level = level;
}

int
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
	size_t o = 0;

	if (len == 0)
		return buf;
	for (const char *end = s + n; s != NULL && s < end && o + 5 < len;
	     s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
	}
	buf[o] = '\0';
	return buf;
}

/* A new log object with time and level set. */
static struct json_object *
log_begin(enum log_level level)
{
	struct json_object *o = json_object_new_object();
	struct timeval tv;
	struct tm tm;
	char ts[80];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (long)(tv.tv_usec / 1000));
	json_object_object_add(o, "time", json_object_new_string(ts));
	json_object_object_add(o, "level",
	    json_object_new_string(config_log_level_name(level)));
	return o;
}

/* Add a string member, escaped; NULL adds nothing. */
static void
log_add(struct json_object *o, const char *key, const char *value)
{
	char buf[LOG_FIELD_MAX];

	if (value != NULL)
		json_object_object_add(o, key,
		    json_object_new_string(
			log_escape(buf, sizeof(buf), value)));
}

/* Write the object as one line with a single write(2), then free it. */
static void
log_end(struct json_object *o)
{
	size_t len = 0;
	const char *s = json_object_to_json_string_length(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	char line[4096];

	if (s != NULL && len + 1 < sizeof(line)) {
		memcpy(line, s, len);
		line[len++] = '\n';
		(void)!write(STDERR_FILENO, line, len);
	}
	json_object_put(o);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	struct json_object *o;
	char msg[LOG_FIELD_MAX];
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o = log_begin(level);
	log_add(o, "msg", msg);
	log_end(o);
}

void
log_request(const struct log_request *req)
{
	enum log_level level = LOG_LEVEL_INFO;
	struct json_object *o;
	char ms[32], field[LOG_FIELD_MAX];

	if (req->status >= 500)
		level = LOG_LEVEL_ERROR;
	else if (req->probe && req->status < 400)
		level = LOG_LEVEL_DEBUG;

	if (!log_enabled(level))
		return;
	o = log_begin(level);
	log_add(o, "msg", "request");
	log_add(o, "request_id", req->request_id);
	log_add(o, "method", req->method);
	if (req->path != NULL)
		json_object_object_add(o, "path",
		    json_object_new_string(log_escape_n(field, sizeof(field),
			req->path, strcspn(req->path, "?"))));
	if (req->query != NULL && req->query[0] != '\0')
		log_add(o, "query", req->query);
	log_add(o, "login", req->login);
	json_object_object_add(o, "status", json_object_new_int(req->status));
	log_add(o, "cache", req->cache);
	if (req->upstream_requests > 0) {
		json_object_object_add(o, "upstream_status",
		    json_object_new_int64(req->upstream_status));
		json_object_object_add(o, "upstream_ms",
		    json_object_new_int64(req->upstream_ms));
		json_object_object_add(o, "upstream_requests",
		    json_object_new_int(req->upstream_requests));
	}
	json_object_object_add(o, "bytes",
	    json_object_new_int64((int64_t)req->bytes));
	snprintf(ms, sizeof(ms), "%ld.%03ld", req->duration_us / 1000,
	    req->duration_us % 1000);
	json_object_object_add(o, "duration_ms",
	    json_object_new_double_s((double)req->duration_us / 1000.0, ms));
	if (req->error[0] != '\0')
		log_add(o, "error", req->error);
	log_end(o);
}

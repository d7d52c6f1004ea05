/* JSON log lines on stderr, one write each, untrusted bytes escaped. */
#ifndef GISTS_LOG_H
#define GISTS_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

/* Log lines up to level (default info) from now on. */
void log_set_level(enum log_level level);

/* The name of a log level ("error", "warn", "info", "debug"). */
const char *log_level_name(enum log_level level);

/* The level named s (any case): 0 with *level set, or -1. */
int log_level_parse(const char *s, enum log_level *level);

/* Where lines go (default stderr); -1 drops them (for fuzzers). */
void log_set_fd(int fd);

/* {"time":..,"level":..,"msg":..}; the message is made printable ASCII. */
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* What one request did, for its log line. */
struct log_request {
	const char *request_id;
	const char *method;
	const char *path; /* raw target; logged up to '?', escaped */
	const char *query;
	const char *login; /* NULL when the route has none */
	int status;
	const char *cache; /* MISS, HIT, ...; NULL when not a listing */
	long upstream_status; /* 0 when GitHub was not asked */
	long long upstream_us;
	int upstream_requests;
	size_t bytes; /* body bytes sent */
	long duration_us;
	char error[384]; /* detail of a failure; "" when none */
	bool probe; /* a health or metrics scrape: logged at debug */
};

/*
 * One line per request at info level; errors (5xx) at error level;
 * successful probes (health checks, scrapes) at debug level.
 */
void log_request(const struct log_request *req);

/*
 * Copy s into buf as printable ASCII: bytes outside 0x20-0x7e and '\'
 * become \xHH. Returns buf.
 */
char *log_escape(char *buf, size_t len, const char *s);

/* The same for the n bytes at s. */
char *log_escape_n(char *buf, size_t len, const char *s, size_t n);

#endif

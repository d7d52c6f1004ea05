/* GISTS_REDIS_URL: where the shared tier lives; pure parsing, for tests. */
#ifndef GISTS_REDISURL_H
#define GISTS_REDISURL_H

#include <stdbool.h>
#include <stddef.h>

#define REDISURL_HOST_MAX 255
#define REDISURL_PATH_MAX 107 /* sun_path less its NUL */
#define REDISURL_PASSWORD_MAX 512

struct redisurl {
	bool unix_socket;
	char host[REDISURL_HOST_MAX + 1]; /* TCP: a name or an IP literal */
	int port; /* TCP: 6379 unless given */
	char path[REDISURL_PATH_MAX + 1]; /* unix: the socket */
	char password[REDISURL_PASSWORD_MAX + 1]; /* "" when none */
	long db; /* 0 unless given */
};

/*
 * Parse redis://[:password@]host[:port][/db] or
 * unix:///path/to.sock[?db=N] into u. Returns 0, or -1 with why (never
 * quoting the password).
 */
int redisurl_parse(const char *s, struct redisurl *u, char *why, size_t whylen);

/* s with its password replaced by "***", for logs and --check-config. */
void redisurl_redact(const char *s, char *out, size_t outlen);

#endif

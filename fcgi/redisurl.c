/* Parsing GISTS_REDIS_URL strictly: what is not understood is refused. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "redisurl.h"

#define REDISURL_DB_MAX 1000000

/* A decimal number from lo to hi spanning exactly [s, end). */
static int
redisurl_number(const char *s, const char *end, long lo, long hi, long *out)
{
	long long n;

	if (end - s > 9 || !parse_number(s, (size_t)(end - s), lo, hi, &n))
		return -1;
	*out = (long)n;
	return 0;
}

/* Whether c may appear in a host name or IPv4 literal. */
static int
redisurl_host_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_';
}

/* The TCP form, after "redis://". */
static int
redisurl_tcp(const char *p, struct redisurl *u, char *why, size_t whylen)
{
	const char *at = strrchr(p, '@'), *h, *end, *colon, *slash;
	long n;

	if (at != NULL) {
		if (*p != ':' || at - p - 1 > REDISURL_PASSWORD_MAX ||
		    at == p + 1) {
			snprintf(why, whylen,
			    "the password must be given as "
			    "redis://:password@host (at most %d bytes)",
			    REDISURL_PASSWORD_MAX);
			return -1;
		}
		memcpy(u->password, p + 1, (size_t)(at - p - 1));
		u->password[at - p - 1] = '\0';
		p = at + 1;
	}
	h = p;
	slash = strchr(h, '/');
	end = slash != NULL ? slash : h + strlen(h);
	if (*h == '[') {
		/* an IPv6 literal */
		const char *close = memchr(h, ']', (size_t)(end - h));

		if (close == NULL || close - h - 1 > REDISURL_HOST_MAX ||
		    close == h + 1) {
			snprintf(why, whylen, "bad IPv6 host");
			return -1;
		}
		for (const char *c = h + 1; c < close; c++)
			if (!isxdigit((unsigned char)*c) && *c != ':' &&
			    *c != '.') {
				snprintf(why, whylen, "bad IPv6 host");
				return -1;
			}
		memcpy(u->host, h + 1, (size_t)(close - h - 1));
		u->host[close - h - 1] = '\0';
		colon = close + 1 < end ? close + 1 : NULL;
		if (colon != NULL && *colon != ':') {
			snprintf(why, whylen, "bad IPv6 host");
			return -1;
		}
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		if (colon == NULL)
			colon = end;
		if (colon == h || colon - h > REDISURL_HOST_MAX) {
			snprintf(why, whylen, "a host is required");
			return -1;
		}
		for (const char *c = h; c < colon; c++)
			if (!redisurl_host_char(*c)) {
				snprintf(why, whylen, "bad host name");
				return -1;
			}
		memcpy(u->host, h, (size_t)(colon - h));
		u->host[colon - h] = '\0';
		if (colon == end)
			colon = NULL;
	}
	u->port = 6379;
	if (colon != NULL) {
		if (redisurl_number(colon + 1, end, 1, 65535, &n) != 0) {
			snprintf(why, whylen, "the port must be 1 to 65535");
			return -1;
		}
		u->port = (int)n;
	}
	if (slash != NULL && slash[1] != '\0') {
		if (redisurl_number(slash + 1, slash + strlen(slash), 0,
			REDISURL_DB_MAX, &u->db) != 0) {
			snprintf(why, whylen,
			    "the path must be a database number");
			return -1;
		}
	}
	return 0;
}

/* The unix form, after "unix://". */
static int
redisurl_unix(const char *p, struct redisurl *u, char *why, size_t whylen)
{
	const char *q = strchr(p, '?');
	size_t len = q != NULL ? (size_t)(q - p) : strlen(p);

	if (*p != '/' || len < 2 || len > REDISURL_PATH_MAX) {
		snprintf(why, whylen,
		    "must be unix:///absolute/path (at most %d bytes)",
		    REDISURL_PATH_MAX);
		return -1;
	}
	memcpy(u->path, p, len);
	u->path[len] = '\0';
	if (q != NULL &&
	    (strncmp(q, "?db=", 4) != 0 ||
		redisurl_number(q + 4, q + strlen(q), 0, REDISURL_DB_MAX,
		    &u->db) != 0)) {
		snprintf(why, whylen, "the only query is ?db=N");
		return -1;
	}
	u->unix_socket = true;
	return 0;
}

int
redisurl_parse(const char *s, struct redisurl *u, char *why, size_t whylen)
{
	memset(u, 0, sizeof(*u));
	for (const char *c = s; *c != '\0'; c++)
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f) {
			snprintf(why, whylen,
			    "may hold only printable ASCII without spaces");
			return -1;
		}
	if (strncmp(s, "redis://", 8) == 0)
		return redisurl_tcp(s + 8, u, why, whylen);
	if (strncmp(s, "unix://", 7) == 0)
		return redisurl_unix(s + 7, u, why, whylen);
	snprintf(why, whylen,
	    "must be redis://[:password@]host[:port][/db] or "
	    "unix:///path[?db=N]");
	return -1;
}

void
redisurl_redact(const char *s, char *out, size_t outlen)
{
	const char *at = strrchr(s, '@');

	if (strncmp(s, "redis://", 8) == 0 && at != NULL)
		snprintf(out, outlen, "redis://:***%s", at);
	else
		snprintf(out, outlen, "%s", s);
}

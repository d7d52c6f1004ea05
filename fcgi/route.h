/* Which answer a request path asks for; pure, no I/O. */
#ifndef GISTS_ROUTE_H
#define GISTS_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#define ROUTE_LOGIN_MAX 39

enum route_kind {
	ROUTE_INDEX, /* / */
	ROUTE_HEALTHZ, /* /-/healthz */
	ROUTE_METRICS, /* /-/metrics */
	ROUTE_USER, /* /{user} */
	ROUTE_NOT_FOUND, /* a well-formed path we do not serve */
	ROUTE_BAD_PATH, /* a malformed login or path: 400 */
};

struct route {
	enum route_kind kind;
	char login[ROUTE_LOGIN_MAX + 1]; /* as requested, for USER */
};

/*
 * Match a decoded request path (PATH_INFO). One trailing slash is
 * ignored; NULL or "" is the index.
 */
void route_match(const char *path, struct route *out);

/*
 * Match a raw request target (REQUEST_URI: path and query, as the client
 * sent it). The path is percent-decoded here, not by lighttpd, so that
 * "..", an encoded '/' or NUL, and bad escapes are seen and refused;
 * encoded letters (%6F) are letters.
 */
void route_match_uri(const char *uri, struct route *out);

/* A GitHub login: 1-39 ASCII letters, digits or hyphens, no leading '-'. */
bool route_login_valid(const char *s, size_t len);

/* GET and HEAD are the only methods any route answers. */
bool route_method_allowed(const char *method);

#endif

/* The route table: request path to route kind. */
#include <string.h>

#include "parse.h"
#include "route.h"

/* Operational routes live under /-/, which no login can start with. */
static const struct {
	const char *path;
	enum route_kind kind;
} route_table[] = {
	{ "", ROUTE_INDEX },
	{ "-/healthz", ROUTE_HEALTHZ },
	{ "-/metrics", ROUTE_METRICS },
};

static bool
route_is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

bool
route_login_valid(const char *s, size_t len)
{
	if (len == 0 || len > ROUTE_LOGIN_MAX || s[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!route_is_alnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

bool
route_method_allowed(const char *method)
{
	return method != NULL &&
	    (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0);
}

/*
 * A path of several segments made only of login characters is merely
 * unknown (404); anything else in it ('.', '%', controls, non-ASCII,
 * empty segments) makes it malformed (400).
 */
static enum route_kind
route_classify_other(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '/' && (i == 0 || i == len - 1 || p[i - 1] == '/'))
			return ROUTE_BAD_PATH;
		if (!route_is_alnum(c) && c != '-' && c != '/')
			return ROUTE_BAD_PATH;
	}
	return ROUTE_NOT_FOUND;
}

/* Longest path we decode; nothing we serve comes close. */
#define ROUTE_PATH_MAX 256

void
route_match_uri(const char *uri, struct route *out)
{
	char path[ROUTE_PATH_MAX + 1];
	size_t o = 0;

	memset(out, 0, sizeof(*out));
	out->kind = ROUTE_BAD_PATH;
	if (uri == NULL)
		uri = "/";
	for (const char *p = uri; *p != '\0' && *p != '?'; p++) {
		int c = (unsigned char)*p;

		if (c == '%') {
			if ((c = parse_hex_byte(p + 1)) < 0)
				return; /* a broken escape */
			if (c == '/' || c == '\0')
				return; /* %2F, %00 */
			p += 2;
		}
		if (o == ROUTE_PATH_MAX)
			return;
		path[o++] = (char)c;
	}
	path[o] = '\0';
	route_match(path, out);
}

void
route_match(const char *path, struct route *out)
{
	size_t len;

	memset(out, 0, sizeof(*out));
	if (path == NULL)
		path = "";
	if (*path == '/')
		path++;
	else if (*path != '\0') {
		out->kind = ROUTE_BAD_PATH;
		return;
	}
	len = strlen(path);
	if (len > 0 && path[len - 1] == '/')
		len--;

	for (size_t i = 0; i < sizeof(route_table) / sizeof(route_table[0]);
	     i++) {
		if (strlen(route_table[i].path) == len &&
		    memcmp(route_table[i].path, path, len) == 0) {
			out->kind = route_table[i].kind;
			return;
		}
	}
	if (len >= 2 && path[0] == '-' && path[1] == '/') {
		out->kind = route_classify_other(path, len);
		return;
	}
	if (memchr(path, '/', len) != NULL) {
		out->kind = route_classify_other(path, len);
		return;
	}
	if (!route_login_valid(path, len)) {
		out->kind = ROUTE_BAD_PATH;
		return;
	}
	out->kind = ROUTE_USER;
	memcpy(out->login, path, len);
	out->login[len] = '\0';
}

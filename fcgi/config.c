/* Configuration from the environment, validated once at start-up. */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "config.h"
#include "log.h"
#include "parse.h"
#include "redisurl.h"

struct config_var;
typedef int (*config_parse_fn)(const struct config_var *, const char *,
    struct config *, char *, size_t);

/* One environment variable: its default, bounds and meaning. */
struct config_var {
	const char *name;
	const char *def; /* NULL: unset by default */
	const char *help;
	config_parse_fn parse;
	size_t offset; /* of the long it fills, for numbers */
	long min, max;
};

static int config_parse_long(const struct config_var *, const char *,
    struct config *, char *, size_t);
static int config_parse_url(const struct config_var *, const char *,
    struct config *, char *, size_t);
static int config_parse_token(const struct config_var *, const char *,
    struct config *, char *, size_t);
static int config_parse_redis(const struct config_var *, const char *,
    struct config *, char *, size_t);
static int config_parse_level(const struct config_var *, const char *,
    struct config *, char *, size_t);

#define NUM(field) config_parse_long, offsetof(struct config, field)

static const struct config_var config_vars[] = {
	{ "PORT", "8080", "lighttpd listen port", NUM(port), 1, 65535 },
	{ "GITHUB_API_URL", "https://api.github.com",
	    "upstream base URL (GitHub Enterprise, or a test double)",
	    config_parse_url, 0, 0, 0 },
	{ "GITHUB_TOKEN", NULL, "sent as 'Authorization: Bearer'; never logged",
	    config_parse_token, 0, 0, 0 },
	{ "GISTS_CACHE_TTL", "60",
	    "seconds a listing is fresh; 0 turns the cache off", NUM(cache_ttl),
	    0, 31536000 },
	{ "GISTS_STALE_TTL", "3600",
	    "seconds a listing may still be served when GitHub fails",
	    NUM(stale_ttl), 0, 31536000 },
	{ "GISTS_STALE_WHILE_REVALIDATE", "300",
	    "seconds past the TTL a listing is still answered at once while "
	    "one revalidation runs; 0: requests wait for it",
	    NUM(stale_while_revalidate), 0, 31536000 },
	{ "GISTS_CACHE_MAX_BYTES", "67108864", "memory bound of the cache",
	    NUM(cache_max_bytes), 0, 1099511627776L },
	{ "GISTS_UPSTREAM_TIMEOUT", "10",
	    "seconds for one upstream request (each page is one request)",
	    NUM(upstream_timeout), 1, 300 },
	{ "GISTS_MAX_PAGES", "30", "pages of 100 followed for one full listing",
	    NUM(max_pages), 1, 1000 },
	{ "GISTS_THREADS", "16",
	    "accept threads, and as many writers of parked requests' answers",
	    NUM(threads), 1, 256 },
	{ "GISTS_MAX_LISTING_BYTES", "33554432",
	    "most bytes of compact JSON in one listing; a larger one is cut "
	    "(\"truncated\": true)",
	    NUM(max_listing_bytes), 1024, 1099511627776L },
	{ "GISTS_MAX_WAITING", "1000",
	    "requests that may wait on GitHub at once; one more gets 503",
	    NUM(max_waiting), 1, 1000000 },
	{ "GISTS_BUDGET_WINDOW", "3600",
	    "seconds in GitHub's rate-limit window, for pacing background "
	    "refreshes evenly to its reset",
	    NUM(budget_window), 1, 86400 },
	{ "GISTS_BUDGET_RESERVE", "10",
	    "percent of GitHub's limit that background refreshes leave for "
	    "users nobody has cached",
	    NUM(budget_reserve), 0, 90 },
	{ "GISTS_REDIS_URL", NULL,
	    "redis://[:password@]host[:port][/db] or unix:///path[?db=N]: "
	    "a Redis shared by every instance (unset: none)",
	    config_parse_redis, 0, 0, 0 },
	{ "GISTS_REDIS_TIMEOUT_MS", "100",
	    "milliseconds for one Redis command; then Redis is skipped",
	    NUM(redis_timeout_ms), 1, 10000 },
	{ "GISTS_LOG_LEVEL", "info",
	    "error, warn, info (one line per request) or debug",
	    config_parse_level, 0, 0, 0 },
};

#define NVARS (sizeof(config_vars) / sizeof(config_vars[0]))

size_t
config_var_count(void)
{
	return NVARS;
}

const char *
config_var_name(size_t i)
{
	return i < NVARS ? config_vars[i].name : NULL;
}

/* Fill err with "NAME='value': why", the value made printable. */
static int
config_fail(char *err, size_t errlen, const struct config_var *var,
    const char *value, const char *why)
{
	char shown[64];

	if (value == NULL) {
		snprintf(err, errlen, "%s: %s", var->name, why);
		return -1;
	}
	log_escape(shown, sizeof(shown), value);
	snprintf(err, errlen, "%s='%s'%s: %s", var->name, shown,
	    strlen(value) > 40 ? "..." : "", why);
	return -1;
}

/* A whole decimal number within the variable's bounds. */
static int
config_parse_long(const struct config_var *var, const char *value,
    struct config *cfg, char *err, size_t errlen)
{
	char why[96];
	long long n;

	snprintf(why, sizeof(why), "must be a whole number from %ld to %ld",
	    var->min, var->max);
	if (strlen(value) > 19 ||
	    !parse_number(value, strlen(value), var->min, var->max, &n))
		return config_fail(err, errlen, var, value, why);
	*(long *)(void *)((char *)cfg + var->offset) = (long)n;
	return 0;
}

/* An absolute http(s) URL without credentials, query or fragment. */
static int
config_parse_url(const struct config_var *var, const char *value,
    struct config *cfg, char *err, size_t errlen)
{
	const char *why = "must be an http:// or https:// URL "
			  "(no user, query or fragment)";
	CURLU *u;
	char *scheme = NULL, *part = NULL;
	size_t len;
	int ok;

	for (const char *p = value; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return config_fail(err, errlen, var, value, why);
	if ((u = curl_url()) == NULL)
		return config_fail(err, errlen, var, value, "out of memory");
	ok = curl_url_set(u, CURLUPART_URL, value, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    (strcasecmp(scheme, "http") == 0 ||
		strcasecmp(scheme, "https") == 0) &&
	    strncasecmp(value, scheme, strlen(scheme)) == 0 &&
	    strncmp(value + strlen(scheme), "://", 3) == 0;
	if (ok && curl_url_get(u, CURLUPART_USER, &part, 0) == CURLUE_OK)
		ok = 0;
	curl_free(part);
	part = NULL;
	if (ok && curl_url_get(u, CURLUPART_QUERY, &part, 0) == CURLUE_OK)
		ok = 0;
	curl_free(part);
	part = NULL;
	if (ok && curl_url_get(u, CURLUPART_FRAGMENT, &part, 0) == CURLUE_OK)
		ok = 0;
	curl_free(part);
	curl_free(scheme);
	curl_url_cleanup(u);
	if (!ok || strchr(value, '?') != NULL || strchr(value, '#') != NULL)
		return config_fail(err, errlen, var, value, why);

	/* Paths are appended as "/users/...": keep no trailing slash. */
	len = strlen(value);
	while (len > 0 && value[len - 1] == '/')
		len--;
	if ((cfg->api_url = strndup(value, len)) == NULL)
		return config_fail(err, errlen, var, NULL, "out of memory");
	/* the scheme in lower case ("HTTPS://" is https://) */
	for (char *p = cfg->api_url; *p != ':'; p++)
		*p = (char)tolower((unsigned char)*p);
	return 0;
}

/* A token: printable ASCII without spaces, so it is a valid header value. */
static int
config_parse_token(const struct config_var *var, const char *value,
    struct config *cfg, char *err, size_t errlen)
{
	size_t len = strlen(value);

	if (len == 0)
		return 0; /* empty is unset: compose passes "" through */
	if (len > 1024)
		return config_fail(err, errlen, var, NULL,
		    "is longer than 1024 characters");
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)value[i] <= 0x20 ||
		    (unsigned char)value[i] >= 0x7f)
			/* never echo the value: it is a secret */
			return config_fail(err, errlen, var, NULL,
			    "may hold only printable ASCII without spaces");
	if ((cfg->token = strdup(value)) == NULL)
		return config_fail(err, errlen, var, NULL, "out of memory");
	return 0;
}

/* A Redis URL; the password is never echoed. */
static int
config_parse_redis(const struct config_var *var, const char *value,
    struct config *cfg, char *err, size_t errlen)
{
	struct redisurl u;
	char why[160];

	if (*value == '\0')
		return 0; /* empty is unset, as compose passes it */
	if (redisurl_parse(value, &u, why, sizeof(why)) != 0) {
		char shown[CONFIG_ERR_LEN];

		redisurl_redact(value, shown, sizeof(shown));
		return config_fail(err, errlen, var, shown, why);
	}
	if ((cfg->redis_url = strdup(value)) == NULL)
		return config_fail(err, errlen, var, NULL, "out of memory");
	return 0;
}

static int
config_parse_level(const struct config_var *var, const char *value,
    struct config *cfg, char *err, size_t errlen)
{
	if (log_level_parse(value, &cfg->log_level) == 0)
		return 0;
	return config_fail(err, errlen, var, value,
	    "must be one of error, warn, info, debug");
}

int
config_load(struct config *cfg, char *err, size_t errlen)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < NVARS; i++) {
		const struct config_var *var = &config_vars[i];
		const char *value = getenv(var->name);

		if (value == NULL)
			value = var->def;
		if (value == NULL)
			continue;
		if (var->parse(var, value, cfg, err, errlen) != 0) {
			config_free(cfg);
			return -1;
		}
	}
	return 0;
}

void
config_free(struct config *cfg)
{
	free(cfg->api_url);
	free(cfg->token);
	free(cfg->redis_url);
	cfg->redis_url = NULL;
	cfg->api_url = NULL;
	cfg->token = NULL;
}

void
config_print(FILE *fp, const struct config *cfg)
{
	for (size_t i = 0; i < NVARS; i++) {
		const struct config_var *var = &config_vars[i];

		fprintf(fp, "%s=", var->name);
		if (var->parse == config_parse_long)
			fprintf(fp, "%ld",
			    *(const long *)(const void *)((const char *)cfg +
				var->offset));
		else if (var->parse == config_parse_url)
			fputs(cfg->api_url, fp);
		else if (var->parse == config_parse_token)
			fputs(cfg->token != NULL ? "(set, redacted)" : "", fp);
		else if (var->parse == config_parse_redis &&
		    cfg->redis_url != NULL) {
			char shown[1024];

			redisurl_redact(cfg->redis_url, shown, sizeof(shown));
			fputs(shown, fp);
		} else if (var->parse == config_parse_level)
			fputs(log_level_name(cfg->log_level), fp);
		fputc('\n', fp);
	}
}

void
config_print_help(FILE *fp)
{
	for (size_t i = 0; i < NVARS; i++) {
		const struct config_var *var = &config_vars[i];

		fprintf(fp, "  %-24s %s\n  %-24s (default: %s)\n", var->name,
		    var->help, "", var->def != NULL ? var->def : "unset");
	}
}

/* The service's configuration: read from the environment once, at start. */
#ifndef GISTS_CONFIG_H
#define GISTS_CONFIG_H

#include <stdio.h>

#include "log.h"

struct config {
	long port; /* lighttpd's; validated here so start fails */
	char *api_url; /* http(s), no trailing slash */
	char *token; /* NULL when GITHUB_TOKEN is unset or empty */
	long cache_ttl; /* seconds; 0 turns the cache off */
	long stale_ttl; /* seconds a copy may be served stale */
	long stale_while_revalidate; /* seconds past the TTL served at once */
	long cache_max_bytes;
	long upstream_timeout; /* seconds, per upstream request */
	long max_pages; /* pages of 100 in one full listing */
	long threads; /* responder threads */
	long max_listing_bytes; /* compact JSON in one listing */
	long max_waiting; /* requests parked on GitHub at once */
	long budget_window; /* seconds in GitHub's rate-limit window */
	long budget_reserve; /* percent of the limit kept for new users */
	char *redis_url; /* GISTS_REDIS_URL, validated; NULL: no shared tier */
	long redis_timeout_ms; /* for every Redis command */
	enum log_level log_level;
};

#define CONFIG_ERR_LEN 512

/*
 * Read every variable of the contract from the environment into cfg.
 * Returns 0, or -1 with err naming the first invalid variable; cfg then
 * holds nothing to free.
 */
int config_load(struct config *cfg, char *err, size_t errlen);

void config_free(struct config *cfg);

/* How many variables the contract has, and the name of the i-th (the
 * tests clear and fuzz every one from this list). */
size_t config_var_count(void);
const char *config_var_name(size_t i);

/* Print the effective configuration as NAME=value lines, token redacted. */
void config_print(FILE *fp, const struct config *cfg);

/* Print every variable with its default and meaning (for --help). */
void config_print_help(FILE *fp);

#endif

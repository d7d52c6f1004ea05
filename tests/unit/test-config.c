/* Unit tests: configuration from the environment. */
#include <stdlib.h>

#include "config.h"
#include "tap.h"

/* Unset every variable of the contract (config's own list). */
static void
clear(void)
{
	for (size_t i = 0; i < config_var_count(); i++)
		unsetenv(config_var_name(i));
}

/* Load with one variable set; expect failure naming it, or success. */
static void
one(const char *name, const char *value, int want_ok)
{
	struct config cfg;
	char err[CONFIG_ERR_LEN] = "";
	int rc;

	clear();
	setenv(name, value, 1);
	rc = config_load(&cfg, err, sizeof(err));
	printf("# %s='%s'\n", name, value);
	TAP_LONG(rc, want_ok ? 0 : -1);
	if (rc == 0)
		config_free(&cfg);
	else {
		TAP_OK(strncmp(err, name, strlen(name)) == 0);
		printf("# err: %s\n", err);
	}
}

int
main(void)
{
	struct config cfg;
	char err[CONFIG_ERR_LEN];

	/* the list is the whole contract: 17 variables, these among them */
	TAP_LONG((long)config_var_count(), 17);
	TAP_STR(config_var_name(config_var_count() - 1), "GISTS_LOG_LEVEL");
	TAP_OK(config_var_name(config_var_count()) == NULL);
	setenv("GISTS_MAX_WAITING", "7", 1);
	setenv("GISTS_MAX_LISTING_BYTES", "2048", 1);
	setenv("GISTS_REDIS_URL", "redis://127.0.0.1:1/0", 1);
	setenv("GISTS_REDIS_TIMEOUT_MS", "5", 1);
	setenv("GISTS_THREADS", "3", 1);
	clear();
	TAP_LONG(config_load(&cfg, err, sizeof(err)), 0);
	TAP_LONG(cfg.port, 8080);
	TAP_STR(cfg.api_url, "https://api.github.com");
	TAP_OK(cfg.token == NULL);
	TAP_LONG(cfg.cache_ttl, 60);
	TAP_LONG(cfg.stale_ttl, 3600);
	TAP_LONG(cfg.stale_while_revalidate, 300);
	TAP_LONG(cfg.cache_max_bytes, 67108864);
	TAP_LONG(cfg.upstream_timeout, 10);
	TAP_LONG(cfg.max_pages, 30);
	TAP_LONG(cfg.threads, 16);
	TAP_LONG(cfg.max_waiting, 1000);
	TAP_LONG(cfg.max_listing_bytes, 33554432);
	TAP_OK(cfg.redis_url == NULL);
	TAP_LONG(cfg.redis_timeout_ms, 100);
	TAP_LONG(cfg.log_level, LOG_LEVEL_INFO);
	config_free(&cfg);

	one("GISTS_CACHE_TTL", "abc", 0);
	one("GISTS_CACHE_TTL", "-1", 0);
	one("GISTS_CACHE_TTL", "", 0);
	one("GISTS_CACHE_TTL", " 5", 0);
	one("GISTS_CACHE_TTL", "5s", 0);
	one("GISTS_CACHE_TTL", "0", 1);
	one("GISTS_CACHE_TTL", "99999999999999999999999", 0);
	one("GISTS_STALE_TTL", "1.5", 0);
	one("GISTS_STALE_WHILE_REVALIDATE", "5m", 0);
	one("GISTS_STALE_WHILE_REVALIDATE", "-1", 0);
	one("GISTS_STALE_WHILE_REVALIDATE", "0", 1);
	one("GISTS_UPSTREAM_TIMEOUT", "0", 0);
	one("GISTS_UPSTREAM_TIMEOUT", "301", 0);
	one("GISTS_MAX_PAGES", "0", 0);
	one("GISTS_CACHE_MAX_BYTES", "1048576", 1);
	one("GISTS_THREADS", "0", 0);
	one("PORT", "65536", 0);
	one("PORT", "0", 0);
	one("PORT", "http", 0);
	one("GISTS_LOG_LEVEL", "loud", 0);
	one("GISTS_LOG_LEVEL", "DEBUG", 1);
	one("GITHUB_API_URL", "ftp://example.com", 0);
	one("GITHUB_API_URL", "file:///etc/passwd", 0);
	one("GITHUB_API_URL", "api.github.com", 0);
	one("GITHUB_API_URL", "https://", 0);
	one("GITHUB_API_URL", "https://user:pw@example.com", 0);
	one("GITHUB_API_URL", "https://example.com/?x=1", 0);
	one("GITHUB_API_URL", "https://example.com/#x", 0);
	one("GITHUB_API_URL", "https://exa mple.com", 0);
	one("GITHUB_API_URL", "http://127.0.0.1:9999", 1);
	one("GITHUB_API_URL", "HTTPS://ghe.example.com/api/v3/", 1);
	one("GITHUB_TOKEN", "ghp_abc123", 1);
	one("GITHUB_TOKEN", "", 1);
	one("GITHUB_TOKEN", "two words", 0);
	one("GITHUB_TOKEN", "x\r\nX-Evil: 1", 0);

	/* the scheme is lower-cased */
	clear();
	setenv("GITHUB_API_URL", "HTTPS://GHE.example.com/API", 1);
	TAP_LONG(config_load(&cfg, err, sizeof(err)), 0);
	TAP_STR(cfg.api_url, "https://GHE.example.com/API");
	config_free(&cfg);

	/* a trailing slash is dropped; an empty token is unset */
	clear();
	setenv("GITHUB_API_URL", "https://ghe.example.com/api/v3//", 1);
	setenv("GITHUB_TOKEN", "", 1);
	TAP_LONG(config_load(&cfg, err, sizeof(err)), 0);
	TAP_STR(cfg.api_url, "https://ghe.example.com/api/v3");
	TAP_OK(cfg.token == NULL);
	config_free(&cfg);

	/* a bad token is never echoed */
	clear();
	setenv("GITHUB_TOKEN", "secret value", 1);
	TAP_LONG(config_load(&cfg, err, sizeof(err)), -1);
	TAP_OK(strstr(err, "secret") == NULL);

	/* config_print redacts the token */
	clear();
	setenv("GITHUB_TOKEN", "ghp_topsecret", 1);
	TAP_LONG(config_load(&cfg, err, sizeof(err)), 0);
	{
		char out[2048] = "";
		FILE *fp = fmemopen(out, sizeof(out) - 1, "w");

		config_print(fp, &cfg);
		fclose(fp);
		TAP_OK(strstr(out, "ghp_topsecret") == NULL);
		TAP_OK(strstr(out, "GITHUB_TOKEN=(set, redacted)\n") != NULL);
		TAP_OK(strstr(out, "GISTS_CACHE_TTL=60\n") != NULL);
	}
	config_free(&cfg);
	return tap_done();
}

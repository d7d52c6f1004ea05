/* Unit tests: GISTS_REDIS_URL's two forms, and what is refused. */
#include "redisurl.h"
#include "tap.h"

/* Whether s parses. */
static int
parses(const char *s)
{
	struct redisurl u;
	char why[160];

	return redisurl_parse(s, &u, why, sizeof(why)) == 0;
}

int
main(void)
{
	struct redisurl u;
	char why[160], shown[256];

	TAP_OK(redisurl_parse("redis://127.0.0.1", &u, why, sizeof(why)) == 0);
	TAP_OK(!u.unix_socket);
	TAP_STR(u.host, "127.0.0.1");
	TAP_LONG(u.port, 6379);
	TAP_LONG(u.db, 0);
	TAP_STR(u.password, "");

	TAP_OK(
	    redisurl_parse("redis://:s3cr:et@redis.example-1.internal:6380/3",
		&u, why, sizeof(why)) == 0);
	TAP_STR(u.host, "redis.example-1.internal");
	TAP_LONG(u.port, 6380);
	TAP_LONG(u.db, 3);
	TAP_STR(u.password, "s3cr:et");

	TAP_OK(
	    redisurl_parse("redis://[::1]:7000/", &u, why, sizeof(why)) == 0);
	TAP_STR(u.host, "::1");
	TAP_LONG(u.port, 7000);

	TAP_OK(redisurl_parse("unix:///run/redis/redis.sock?db=2", &u, why,
		   sizeof(why)) == 0);
	TAP_OK(u.unix_socket);
	TAP_STR(u.path, "/run/redis/redis.sock");
	TAP_LONG(u.db, 2);
	TAP_OK(parses("unix:///tmp/r.sock"));

	/* refused: other schemes, no host, bad ports, paths, queries */
	TAP_OK(!parses(""));
	TAP_OK(!parses("redis:/host"));
	TAP_OK(!parses("rediss://host"));
	TAP_OK(!parses("http://host:6379"));
	TAP_OK(!parses("redis://"));
	TAP_OK(!parses("redis://:6379"));
	TAP_OK(!parses("redis://host:0"));
	TAP_OK(!parses("redis://host:65536"));
	TAP_OK(!parses("redis://host:12ab"));
	TAP_OK(!parses("redis://host:"));
	TAP_OK(!parses("redis://host/db"));
	TAP_OK(!parses("redis://host/1/2"));
	TAP_OK(!parses("redis://host?db=1"));
	TAP_OK(!parses("redis://ho st"));
	TAP_OK(!parses("redis://host\n"));
	TAP_OK(!parses("redis://user:pw@host"));
	TAP_OK(!parses("redis://:@host"));
	TAP_OK(!parses("redis://[::1"));
	TAP_OK(!parses("redis://[zz]:1"));
	TAP_OK(!parses("unix://relative.sock"));
	TAP_OK(!parses("unix:///"));
	TAP_OK(!parses("unix:///tmp/r.sock?db=x"));
	TAP_OK(!parses("unix:///tmp/r.sock?timeout=1"));

	/* why never quotes the password */
	TAP_OK(redisurl_parse("redis://:hunter2@host:99999", &u, why,
		   sizeof(why)) != 0);
	TAP_OK(strstr(why, "hunter2") == NULL);
	redisurl_redact("redis://:hunter2@host:1/2", shown, sizeof(shown));
	TAP_STR(shown, "redis://:***@host:1/2");
	redisurl_redact("redis://host:1", shown, sizeof(shown));
	TAP_STR(shown, "redis://host:1");
	return tap_done();
}

/*
 * A cache clock for the bats tests, linked only into tests/gists-testclock
 * (fcgi/main.c built with -DGISTS_TEST_CLOCK); the installed fcgi/gists has
 * none of this. A test that needs "later than the TTL" writes a number of
 * seconds to test-clock in the instance's runtime directory instead of
 * sleeping, so that no verdict depends on how fast the machine is.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "testclock.h"

static char testclock_path[sizeof(((struct sockaddr_un *)0)->sun_path) + 16];

void
testclock_init(void)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa);
	char *slash;

	/* lighttpd passes the socket, not GISTS_RUNTIME_DIR: use its dir */
	memset(&sa, 0, sizeof(sa));
	if (getsockname(0, (struct sockaddr *)&sa, &len) != 0 ||
	    sa.sun_family != AF_UNIX ||
	    (slash = strrchr(sa.sun_path, '/')) == NULL)
		return;
	*slash = '\0';
	snprintf(testclock_path, sizeof(testclock_path), "%s/test-clock",
	    sa.sun_path);
}

long long
testclock_ms(void)
{
	long long ahead = 0;
	FILE *fp;

	/* read on every call: the test moves it between two requests */
	if (testclock_path[0] != '\0' &&
	    (fp = fopen(testclock_path, "r")) != NULL) {
		char line[32];

		if (fgets(line, sizeof(line), fp) != NULL)
			ahead = strtoll(line, NULL, 10);
		fclose(fp);
	}
	return clock_ms() + (ahead > 0 ? ahead * 1000 : 0);
}

/* Request id validation and generation. */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "reqid.h"

bool
reqid_valid(const char *s)
{
	size_t len;

	if (s == NULL || (len = strlen(s)) == 0 || len > REQID_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || strchr("._:+/=-", c) != NULL))
			return false;
	}
	return true;
}

void
reqid_assign(char *out, const char *incoming)
{
	unsigned char raw[16];
	struct timespec ts;

	if (reqid_valid(incoming)) {
		strcpy(out, incoming);
		return;
	}
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		/* Unique enough for a log, if never secret. */
		clock_gettime(CLOCK_REALTIME, &ts);
		memcpy(raw, &ts,
		    sizeof(ts) < sizeof(raw) ? sizeof(ts) : sizeof(raw));
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

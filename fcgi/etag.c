/* Entity tags: the upstream's checked, ours made; one format each. */
#include <stdio.h>
#include <string.h>

#include "etag.h"

bool
etag_valid(const char *v, size_t len)
{
	if (len > ETAG_MAX || len < 2)
		return false;
	if (strncmp(v, "W/", 2) == 0 && len >= 4) {
		if (v[2] != '"')
			return false;
	} else if (v[0] != '"')
		return false;
	if (v[len - 1] != '"')
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)v[i] < 0x21 || (unsigned char)v[i] > 0x7e)
			return false;
	return true;
}

void
etag_make(char out[ETAG_OURS_LEN], uint64_t h, const char *coding)
{
	if (coding == NULL || coding[0] == '\0')
		snprintf(out, ETAG_OURS_LEN, "\"%016llx\"",
		    (unsigned long long)h);
	else
		snprintf(out, ETAG_OURS_LEN, "\"%016llx-%s\"",
		    (unsigned long long)h, coding);
}

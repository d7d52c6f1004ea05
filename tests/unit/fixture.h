/*
 * The C unit tests' fixtures: a file of tests/fixtures (or of $FIXTURES,
 * which `make check` sets) read whole into a new string.
 */
#ifndef GISTS_FIXTURE_H
#define GISTS_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

/* Read a fixture named relative to $FIXTURES into a new string. */
static char *
read_fixture(const char *name, size_t *len)
{
	const char *dir = getenv("FIXTURES");
	char path[1024];
	FILE *fp;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/fixtures",
	    name);
	if ((fp = fopen(path, "rb")) == NULL) {
		printf("Bail out! cannot open %s\n", path);
		exit(1);
	}
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	*len = fread(buf, 1, (size_t)n, fp);
	buf[*len] = '\0';
	fclose(fp);
	return buf;
}

#endif

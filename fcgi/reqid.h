/* Request ids: a client's well-formed X-Request-Id, or a fresh one. */
#ifndef GISTS_REQID_H
#define GISTS_REQID_H

#include <stdbool.h>

#define REQID_MAX 64

/* Whether s is a usable incoming id: 1-64 of [A-Za-z0-9._:+/=-]. */
bool reqid_valid(const char *s);

/*
 * Fill out (REQID_MAX + 1 bytes) with incoming when it is valid, else
 * with 32 random hex digits.
 */
void reqid_assign(char *out, const char *incoming);

#endif

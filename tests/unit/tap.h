/*
 * A tiny TAP producer for the C unit tests: one "ok"/"not ok" line per
 * check, named by file and line, and the plan at the end. automake's
 * tap-driver reads it like the bats output.
 */
#ifndef GISTS_TAP_H
#define GISTS_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_count;
static int tap_failed;

static void
tap_result(int ok, const char *file, int line, const char *what)
{
	tap_count++;
	if (!ok)
		tap_failed++;
	printf("%sok %d - %s:%d %s\n", ok ? "" : "not ", tap_count, file, line,
	    what);
}

/* Check a condition; name it by the expression. */
#define TAP_OK(cond) tap_result((cond) != 0, __FILE__, __LINE__, #cond)

/* Compare two strings, printing both when they differ. */
#define TAP_STR(got, want) \
	do { \
		const char *tap_g_ = (got), *tap_w_ = (want); \
		int tap_eq_ = tap_g_ != NULL && tap_w_ != NULL && \
		    strcmp(tap_g_, tap_w_) == 0; \
		tap_result(tap_eq_, __FILE__, __LINE__, #got " == " #want); \
		if (!tap_eq_) \
			printf("# got:  %s\n# want: %s\n", \
			    tap_g_ ? tap_g_ : "(null)", \
			    tap_w_ ? tap_w_ : "(null)"); \
	} while (0)

/* Compare two whole numbers, printing both when they differ. */
#define TAP_LONG(got, want) \
	do { \
		long tap_g_ = (long)(got), tap_w_ = (long)(want); \
		tap_result(tap_g_ == tap_w_, __FILE__, __LINE__, \
		    #got " == " #want); \
		if (tap_g_ != tap_w_) \
			printf("# got:  %ld\n# want: %ld\n", tap_g_, tap_w_); \
	} while (0)

/* Print the plan; the exit status says whether everything passed. */
static int
tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed == 0 ? 0 : 1;
}

#endif

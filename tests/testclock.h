/* The cache clock of tests/gists-testclock, which the bats tests move. */
#ifndef GISTS_TESTCLOCK_H
#define GISTS_TESTCLOCK_H

/* Find the clock file beside the listening socket on fd 0; call once. */
void testclock_init(void);

/* The monotonic clock in ms plus the seconds the test has added. */
long long testclock_ms(void);

#endif

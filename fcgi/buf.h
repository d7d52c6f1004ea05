/* A growing text buffer for answers built piece by piece. */
#ifndef GISTS_BUF_H
#define GISTS_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data; /* NUL-terminated while not failed */
	size_t len, cap;
	bool failed; /* out of memory once: stays failed */
};

/* Start empty with room for cap bytes (the buffer grows as needed). */
void buf_init(struct buf *b, size_t cap);

void buf_append(struct buf *b, const char *s, size_t n);
void buf_str(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Hand the text over (caller frees) with its length; NULL if failed. */
char *buf_finish(struct buf *b, size_t *len);

#endif

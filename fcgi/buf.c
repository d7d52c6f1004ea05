/* The growing text buffer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
buf_init(struct buf *b, size_t cap)
{
	b->len = 0;
	b->cap = cap > 0 ? cap : 64;
	b->failed = (b->data = malloc(b->cap)) == NULL;
	if (!b->failed)
		b->data[0] = '\0';
}

/* Make room for n more bytes and the NUL. */
static bool
buf_reserve(struct buf *b, size_t n)
{
	size_t cap = b->cap;
	char *p;

	if (b->failed)
		return false;
	if (b->len + n + 1 <= cap)
		return true;
	while (cap < b->len + n + 1)
		cap *= 2;
	if ((p = realloc(b->data, cap)) == NULL) {
		b->failed = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

void
buf_append(struct buf *b, const char *s, size_t n)
{
	if (!buf_reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_str(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !buf_reserve(b, (size_t)n)) {
		b->failed = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *
buf_finish(struct buf *b, size_t *len)
{
	if (b->failed) {
		free(b->data);
		b->data = NULL;
		return NULL;
	}
	*len = b->len;
	return b->data;
}

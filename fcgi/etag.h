/*
 * Entity tags, both kinds: the upstream's, kept to revalidate with
 * (checked here), and ours, made from a hash and a content coding.
 */
#ifndef GISTS_ETAG_H
#define GISTS_ETAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest upstream ETag kept (quotes and W/ included). */
#define ETAG_MAX 128

/* Room for one of ours: "<16 hex digits>[-<coding>]" and the NUL. */
#define ETAG_OURS_LEN 40

/* Whether v[0..len) is a well-formed (weak or strong) entity tag. */
bool etag_valid(const char *v, size_t len);

/*
 * Our strong ETag of the representation hashed to h, in content coding
 * coding (NULL or "": identity): RFC 9110 8.8.3, another
 * representation, another tag.
 */
void etag_make(char out[ETAG_OURS_LEN], uint64_t h, const char *coding);

#endif

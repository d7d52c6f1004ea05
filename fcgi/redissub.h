/*
 * The shared tier's subscription: one connection SUBSCRIBEd to the
 * channel on which instances say that a key's fetch is over. Its owner
 * polls redissub_fd and reads when it is readable; nothing here blocks
 * except the connection itself (GISTS_REDIS_TIMEOUT_MS).
 */
#ifndef GISTS_REDISSUB_H
#define GISTS_REDISSUB_H

#include <stddef.h>

#include "redisurl.h"

struct redissub;

/* Connect to url, AUTH, SUBSCRIBE channel; NULL when any of it failed. */
struct redissub *
redissub_open(const struct redisurl *url, const char *channel, long timeout_ms);

/* The descriptor to poll for POLLIN. */
int redissub_fd(const struct redissub *s);

/* A message named key (its bytes, len of them, not NUL-terminated). */
typedef void (*redissub_heard_fn)(void *arg, const char *key, size_t len);

/* Read what arrived (poll said readable): heard once per message on the
 * channel. Returns 0, or -1 when the connection is gone (close it). */
int redissub_read(struct redissub *s, redissub_heard_fn heard, void *arg);

void redissub_close(struct redissub *s);

#endif

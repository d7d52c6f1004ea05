/* The shared tier's subscription, on synchronous hiredis read by poll. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "redissub.h"

struct redissub {
	redisContext *c;
};

struct redissub *
redissub_open(const struct redisurl *url, const char *channel, long timeout_ms)
{
	struct timeval tv = { timeout_ms / 1000,
		(suseconds_t)(timeout_ms % 1000) * 1000 };
	struct redissub *s = calloc(1, sizeof(*s));
	redisReply *r;
	bool ok;

	if (s == NULL)
		return NULL;
	s->c = url->unix_socket
	    ? redisConnectUnixWithTimeout(url->path, tv)
	    : redisConnectWithTimeout(url->host, url->port, tv);
	ok = s->c != NULL && s->c->err == 0 &&
	    redisSetTimeout(s->c, tv) == REDIS_OK;
	if (ok && url->password[0] != '\0') {
		r = redisCommand(s->c, "AUTH %b", url->password,
		    strlen(url->password));
		ok = r != NULL && r->type == REDIS_REPLY_STATUS;
		freeReplyObject(r);
	}
	if (ok) {
		r = redisCommand(s->c, "SUBSCRIBE %b", channel,
		    strlen(channel));
		ok = r != NULL && r->type == REDIS_REPLY_ARRAY;
		freeReplyObject(r);
	}
	if (!ok) {
		redissub_close(s);
		return NULL;
	}
	return s;
}

int
redissub_fd(const struct redissub *s)
{
	return s->c->fd;
}

/* One reply: a message ["message", channel, key] is heard; the rest
 * (the SUBSCRIBE's confirmation, anything else) is not. */
static void
redissub_reply(const redisReply *r, redissub_heard_fn heard, void *arg)
{
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
	    r->element[0]->type == REDIS_REPLY_STRING &&
	    r->element[0]->len == 7 &&
	    memcmp(r->element[0]->str, "message", 7) == 0 &&
	    r->element[2]->type == REDIS_REPLY_STRING)
		heard(arg, r->element[2]->str, r->element[2]->len);
}

int
redissub_read(struct redissub *s, redissub_heard_fn heard, void *arg)
{
	void *reply = NULL;

	if (redisBufferRead(s->c) != REDIS_OK)
		return -1;
	while (redisGetReplyFromReader(s->c, &reply) == REDIS_OK &&
	    reply != NULL) {
		redissub_reply(reply, heard, arg);
		freeReplyObject(reply);
		reply = NULL;
	}
	return s->c->err != 0 ? -1 : 0;
}

void
redissub_close(struct redissub *s)
{
	if (s == NULL)
		return;
	if (s->c != NULL)
		redisFree(s->c);
	free(s);
}

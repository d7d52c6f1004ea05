/* One request, from FastCGI parameters to the answer and its log line. */
#ifndef GISTS_HANDLER_H
#define GISTS_HANDLER_H

#include <fcgiapp.h>

#include "config.h"
#include "park.h"
#include "reqid.h"
#include "request.h"
#include "user.h"

/* Longest Accept-Encoding negotiated; a longer one gets identity. */
#define HANDLER_ACCEPT_ENCODING_MAX 256

/*
 * One request and what answering it needs, in one allocation: an accept
 * thread fills it; a request parked on a fetch takes it along, and the
 * thread accepts the next one with a fresh slot.
 */
struct handler_slot {
	FCGX_Request req;
	struct user_wait uw; /* while parked */
	struct park_job job; /* once the fetch is over */
	struct request rq;
	char reqid[REQID_MAX + 1];
	long long start_us;
	size_t route; /* its row in handler.c's route table */
	bool handed_off; /* counted by park_enter until answered */
};

/* Build the index body once, at start. Returns 0 or -1. */
int handler_init(const struct config *cfg);
void handler_cleanup(void);

/* A new slot accepting on listen_fd, or NULL when out of memory. */
struct handler_slot *handler_slot_new(int listen_fd);

/*
 * Answer the request accepted into s; returns true when it was parked
 * instead: s is no longer the caller's (it is freed once answered).
 */
bool handler_serve(struct handler_slot *s);

#endif

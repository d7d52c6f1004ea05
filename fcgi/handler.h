/* One request, from FastCGI parameters to the answer and its log line. */
#ifndef GISTS_HANDLER_H
#define GISTS_HANDLER_H

#include <fcgiapp.h>

#include "config.h"
#include "github.h"

/* What a worker thread keeps between requests. */
struct handler_ctx {
	const struct config *cfg;
	struct github_client *gh;
};

/* Build the index body once, at start. Returns 0 or -1. */
int handler_init(const struct config *cfg);
void handler_cleanup(void);

/* Answer one accepted request. */
void handler_serve(struct handler_ctx *ctx, FCGX_Request *req);

#endif

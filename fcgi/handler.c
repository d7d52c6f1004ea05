/* Request dispatch: route, method, query; the small routes; the log line. */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "clock.h"
#include "encoding.h"
#include "handler.h"
#include "http.h"
#include "user.h"
#include "log.h"
#include "metrics.h"
#include "query.h"
#include "reqid.h"
#include "route.h"
#include "status.h"

static struct user_ctx handler_ctx;
static char *handler_index_body;
static size_t handler_index_len;

int
handler_init(const struct config *cfg)
{
	struct json_object *o = json_object_new_object();
	struct json_object *routes = json_object_new_object();
	const char *s;
	size_t len = 0;

	handler_ctx.cfg = cfg;
	if (o == NULL || routes == NULL) {
		json_object_put(o);
		json_object_put(routes);
		return -1;
	}
	json_object_object_add(o, "service", json_object_new_string("gists"));
	json_object_object_add(o, "version",
	    json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(o, "description",
	    json_object_new_string("A GitHub user's public gists, as JSON"));
	json_object_object_add(routes, "/{user}",
	    json_object_new_string(
		"every public gist of the user; ?page=N&per_page=M (1-100) for "
		"one page, ?since=YYYY-MM-DDTHH:MM:SSZ for recent ones"));
	json_object_object_add(routes, "/-/healthz",
	    json_object_new_string("200 while the service accepts requests"));
	json_object_object_add(routes, "/-/metrics",
	    json_object_new_string("Prometheus metrics"));
	json_object_object_add(o, "routes", routes);
	json_object_object_add(o, "example",
	    json_object_new_string("/octocat"));
	s = json_object_to_json_string_length(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (s != NULL && (handler_index_body = malloc(len + 1)) != NULL) {
		memcpy(handler_index_body, s, len + 1);
		handler_index_len = len;
	}
	json_object_put(o);
	return handler_index_body != NULL ? 0 : -1;
}

void
handler_cleanup(void)
{
	free(handler_index_body);
	handler_index_body = NULL;
}

/* A FastCGI parameter, "" when absent. */
static const char *
handler_param(FCGX_Request *req, const char *name)
{
	const char *v = FCGX_GetParam(name, req->envp);

	return v != NULL ? v : "";
}

/*
 * The content coding the request's Accept-Encoding asks for, chosen once
 * on arrival and kept in the slot, so that whoever answers a parked
 * request answers in it. A value longer than any client sends, or with
 * bytes outside a field value's visible ASCII (RFC 9110 5.5), is not
 * negotiated: identity, as when it is absent.
 */
static enum encoding
handler_accept_encoding(FCGX_Request *req)
{
	const char *v = FCGX_GetParam("HTTP_ACCEPT_ENCODING", req->envp);
	size_t len;

	if (v == NULL)
		return ENCODING_IDENTITY;
	len = strnlen(v, HANDLER_ACCEPT_ENCODING_MAX + 1);
	if (len > HANDLER_ACCEPT_ENCODING_MAX)
		return ENCODING_IDENTITY;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if ((c < 0x20 && c != '\t') || c > 0x7e)
			return ENCODING_IDENTITY;
	}
	return encoding_choose(v);
}

/*
 * Fill r for the request; the listing route fills its part of lg.
 * Returns true when the request was parked (r untouched, s handed off).
 */
static bool
handler_dispatch(struct handler_slot *s, struct http_response *r)
{
	FCGX_Request *req = &s->req;
	struct route *rt = &s->rt;
	struct log_request *lg = &s->lg;
	struct query *q = &s->q;
	char err[QUERY_ERR_LEN];
	const char *body;
	/* Errors are pages for browsers; ?format= can say so on /{user}. */
	bool html = http_prefers_html(FCGX_GetParam("HTTP_ACCEPT", req->envp));

	/*
	 * Route on the raw target: lighttpd's PATH_INFO is decoded and
	 * dot-segment-resolved, which would hide "..", %2F and %00.
	 */
	route_match_uri(lg->path, rt);
	switch (rt->kind) {
	case ROUTE_BAD_PATH:
		http_error(r, 400,
		    "the path must be /{user}, where user is "
		    "a GitHub login: 1 to 39 ASCII letters, digits or hyphens, "
		    "not starting with a hyphen",
		    html);
		http_header(r, "Vary", "Accept");
		return false;
	case ROUTE_NOT_FOUND:
		http_error(r, 404,
		    "there is nothing at this path; "
		    "GET / lists the routes",
		    html);
		http_header(r, "Vary", "Accept");
		return false;
	default:
		break;
	}
	if (!route_method_allowed(lg->method)) {
		http_error(r, 405, "only GET and HEAD are allowed here", html);
		http_header(r, "Allow", "GET, HEAD");
		http_header(r, "Vary", "Accept");
		return false;
	}
	switch (rt->kind) {
	case ROUTE_INDEX:
		http_response_init(r, 200);
		http_header(r, "Content-Type",
		    "application/json; charset=utf-8");
		http_body(r, handler_index_body, handler_index_len);
		break;
	case ROUTE_METRICS: {
		size_t len = 0;
		char *text = status_metrics(&len);

		lg->probe = true;
		if (text == NULL) {
			http_problem(r, 500, "out of memory");
			break;
		}
		http_response_init(r, 200);
		http_header(r, "Content-Type",
		    "text/plain; version=0.0.4; charset=utf-8");
		http_header(r, "Cache-Control", "no-store");
		http_body_owned(r, text, len);
		break;
	}
	case ROUTE_HEALTHZ:
		lg->probe = true;
		http_response_init(r, 200);
		http_header(r, "Content-Type",
		    "application/json; charset=utf-8");
		http_header(r, "Cache-Control", "no-store");
		body = status_healthz();
		http_body(r, body, strlen(body));
		break;
	case ROUTE_USER:
		lg->login = rt->login;
		if (query_parse(lg->query, q, err, sizeof(err)) != 0) {
			http_error(r, 400, err, html);
			http_header(r, "Vary", "Accept");
			break;
		}
		if (q->format != QUERY_FORMAT_AUTO)
			html = q->format == QUERY_FORMAT_HTML;
		s->html = html;
		s->enc = handler_accept_encoding(req);
		return user_serve(&handler_ctx, rt, q,
		    FCGX_GetParam("HTTP_IF_NONE_MATCH", req->envp), s->enc,
		    html, r, lg, &s->uw);
	default:
		http_error(r, 404,
		    "there is nothing at this path; "
		    "GET / lists the routes",
		    html);
		http_header(r, "Vary", "Accept");
		break;
	}
	return false;
}

static enum metrics_route
handler_metrics_route(enum route_kind kind)
{
	switch (kind) {
	case ROUTE_USER:
		return METRICS_ROUTE_USER;
	case ROUTE_INDEX:
		return METRICS_ROUTE_INDEX;
	case ROUTE_HEALTHZ:
		return METRICS_ROUTE_HEALTHZ;
	case ROUTE_METRICS:
		return METRICS_ROUTE_METRICS;
	default:
		return METRICS_ROUTE_OTHER;
	}
}

/* Send r for s, log it, count it; the request's end, parked or not. */
static void
handler_finish(struct handler_slot *s, struct http_response *r)
{
	struct log_request *lg = &s->lg;

	if (r->overflow) {
		http_response_free(r);
		http_response_init(r, 500);
		http_problem(r, 500, "the answer could not be built");
	}
	http_header(r, "X-Request-Id", s->reqid);
	if (http_send(s->req.out, r, s->head) != 0)
		snprintf(lg->error, sizeof(lg->error), "client went away");

	lg->status = r->status;
	lg->bytes = s->head ? 0 : r->body_len;
	lg->duration_us = (long)(clock_us() - s->start_us);
	metrics_request_end(handler_metrics_route(s->rt.kind), r->status,
	    lg->duration_us);
	log_request(lg);
	http_response_free(r);
}

/* A writer answers a request whose fetch is over, and frees its slot. */
static void
handler_parked_run(struct park_job *job)
{
	struct handler_slot *s = (struct handler_slot *)((char *)job -
	    offsetof(struct handler_slot, job));
	struct http_response r;

	http_response_init(&r, 500);
	if (user_resume(&handler_ctx, &s->rt, &s->q,
		FCGX_GetParam("HTTP_IF_NONE_MATCH", s->req.envp), s->enc,
		s->html, &r, &s->lg, &s->uw)) {
		http_response_free(&r);
		return; /* parked again: s is no longer ours */
	}
	handler_finish(s, &r);
	FCGX_Finish_r(&s->req);
	/* a connection lighttpd asked to keep is closed: the slot goes */
	if (s->req.ipcFd >= 0)
		FCGX_Free(&s->req, 1);
	free(s);
	park_leave();
}

/* The fetch s was parked on is over (any thread): hand s to a writer. */
static void
handler_parked_done(struct cache_waiter *w)
{
	struct handler_slot *s = (struct handler_slot *)((char *)w -
	    offsetof(struct handler_slot, uw.w));

	s->job.run = handler_parked_run;
	park_push(&s->job);
}

struct handler_slot *
handler_slot_new(int listen_fd)
{
	struct handler_slot *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	FCGX_InitRequest(&s->req, listen_fd, 0);
	return s;
}

bool
handler_serve(struct handler_slot *s)
{
	struct http_response r;
	FCGX_Request *req = &s->req;
	struct log_request *lg = &s->lg;

	metrics_request_begin();
	s->start_us = clock_us();
	memset(lg, 0, sizeof(*lg));
	memset(&s->rt, 0, sizeof(s->rt));
	s->uw.w.done = handler_parked_done;
	http_response_init(&r, 500);
	reqid_assign(s->reqid, FCGX_GetParam("HTTP_X_REQUEST_ID", req->envp));
	lg->request_id = s->reqid;
	lg->method = FCGX_GetParam("REQUEST_METHOD", req->envp);
	lg->path = handler_param(req, "REQUEST_URI");
	lg->query = FCGX_GetParam("QUERY_STRING", req->envp);
	s->head = lg->method != NULL && strcmp(lg->method, "HEAD") == 0;

	if (handler_dispatch(s, &r)) {
		http_response_free(&r);
		return true;
	}
	handler_finish(s, &r);
	return false;
}

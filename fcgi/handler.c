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

/* 404 or 400 for a path no route serves, as a page when html. */
static bool
handler_other(struct handler_slot *s, struct http_response *r, bool html)
{
	if (s->rq.rt.kind == ROUTE_BAD_PATH)
		http_error(r, 400,
		    "the path must be /{user}, where user is "
		    "a GitHub login: 1 to 39 ASCII letters, digits or hyphens, "
		    "not starting with a hyphen",
		    html);
	else
		http_error(r, 404,
		    "there is nothing at this path; "
		    "GET / lists the routes",
		    html);
	http_header(r, "Vary", "Accept");
	return false;
}

/* GET /: the index, made once at start. */
static bool
handler_index(struct handler_slot *s, struct http_response *r, bool html)
{
	char cache_control[32];

	(void)s;
	(void)html;
	http_response_init(r, 200);
	http_header(r, "Content-Type", "application/json; charset=utf-8");
	/* as long as a listing: what mod_expire used to say of every 200 */
	snprintf(cache_control, sizeof(cache_control), "max-age=%ld",
	    handler_ctx.cfg->cache_ttl);
	http_header(r, "Cache-Control", cache_control);
	http_body(r, handler_index_body, handler_index_len);
	return false;
}

/* GET /-/metrics: the exposition status.c renders. */
static bool
handler_metrics(struct handler_slot *s, struct http_response *r, bool html)
{
	size_t len = 0;
	char *text = status_metrics(&len);

	(void)s;
	(void)html;
	if (text == NULL) {
		http_problem(r, 500, "out of memory");
		return false;
	}
	http_response_init(r, 200);
	http_header(r, "Content-Type",
	    "text/plain; version=0.0.4; charset=utf-8");
	http_header(r, "Cache-Control", "no-store");
	http_body_owned(r, text, len);
	return false;
}

/* GET /-/healthz: ok, and the shared tier's state. */
static bool
handler_healthz(struct handler_slot *s, struct http_response *r, bool html)
{
	const char *body = status_healthz();

	(void)s;
	(void)html;
	http_response_init(r, 200);
	http_header(r, "Content-Type", "application/json; charset=utf-8");
	http_header(r, "Cache-Control", "no-store");
	http_body(r, body, strlen(body));
	return false;
}

/* GET /{user}: the query, the negotiation, then user.c; may park. */
static bool
handler_user(struct handler_slot *s, struct http_response *r, bool html)
{
	struct request *rq = &s->rq;
	char err[QUERY_ERR_LEN];

	rq->lg.login = rq->rt.login;
	if (query_parse(rq->lg.query, &rq->q, err, sizeof(err)) != 0) {
		http_error(r, 400, err, html);
		http_header(r, "Vary", "Accept");
		return false;
	}
	if (rq->q.format != QUERY_FORMAT_AUTO)
		html = rq->q.format == QUERY_FORMAT_HTML;
	rq->html = html;
	rq->enc = handler_accept_encoding(&s->req);
	rq->if_none_match = FCGX_GetParam("HTTP_IF_NONE_MATCH", s->req.envp);
	/* counted before a fetch can end and answer, on another thread;
	 * handler_finish leaves */
	park_enter();
	s->handed_off = true;
	return user_serve(&handler_ctx, rq, r, &s->uw);
}

#define HANDLER_PROBE 0x1 /* a success is logged at debug */
#define HANDLER_ANY_METHOD 0x2 /* answered before the method is checked */

/* Answer a request of one route into r; true when it was parked. */
typedef bool
handler_fn(struct handler_slot *s, struct http_response *r, bool html);

/*
 * The routes (cgit's cmd.c, tmux's cmd_table): what route_match_uri
 * calls the path, flags, its label in the metrics, the handler, and its
 * line in the index. The last row answers every path no other row has.
 */
static const struct handler_route {
	enum route_kind kind;
	unsigned flags;
	const char *label;
	handler_fn *serve;
	const char *path, *about; /* in GET /'s routes; NULL: not listed */
} handler_routes[] = {
	{ ROUTE_USER, 0, "user", handler_user, "/{user}",
	    "every public gist of the user; ?page=N&per_page=M (1-100) for "
	    "one page, ?since=YYYY-MM-DDTHH:MM:SSZ for recent ones" },
	{ ROUTE_INDEX, 0, "index", handler_index, NULL, NULL },
	{ ROUTE_HEALTHZ, HANDLER_PROBE, "healthz", handler_healthz,
	    "/-/healthz", "200 while the service accepts requests" },
	{ ROUTE_METRICS, HANDLER_PROBE, "metrics", handler_metrics,
	    "/-/metrics", "Prometheus metrics" },
	{ ROUTE_NOT_FOUND, HANDLER_ANY_METHOD, "other", handler_other, NULL,
	    NULL },
};

#define HANDLER_ROUTES (sizeof(handler_routes) / sizeof(handler_routes[0]))

/* The row of a route kind: the last (other) when no row names it. */
static size_t
handler_route_of(enum route_kind kind)
{
	size_t i = 0;

	while (i < HANDLER_ROUTES - 1 && handler_routes[i].kind != kind)
		i++;
	return i;
}

/*
 * Fill r for the request; the listing route fills its part of the log
 * record. Returns true when the request was parked (r untouched, s
 * handed off).
 */
static bool
handler_dispatch(struct handler_slot *s, struct http_response *r)
{
	const struct handler_route *row;
	/* Errors are pages for browsers; ?format= can say so on /{user}. */
	bool html =
	    http_prefers_html(FCGX_GetParam("HTTP_ACCEPT", s->req.envp));

	/*
	 * Route on the raw target: lighttpd's PATH_INFO is decoded and
	 * dot-segment-resolved, which would hide "..", %2F and %00.
	 */
	route_match_uri(s->rq.lg.path, &s->rq.rt);
	s->route = handler_route_of(s->rq.rt.kind);
	row = &handler_routes[s->route];
	if (!(row->flags & HANDLER_ANY_METHOD) &&
	    !route_method_allowed(s->rq.lg.method)) {
		http_error(r, 405, "only GET and HEAD are allowed here", html);
		http_header(r, "Allow", "GET, HEAD");
		http_header(r, "Vary", "Accept");
		return false;
	}
	s->rq.lg.probe = (row->flags & HANDLER_PROBE) != 0;
	return row->serve(s, r, html);
}

/* GET /'s body: the service, and the routes the table lists. */
static char *
handler_index_make(size_t *len)
{
	struct json_object *o = json_object_new_object();
	struct json_object *routes = json_object_new_object();
	const char *s;
	char *copy = NULL;

	if (o == NULL || routes == NULL) {
		json_object_put(o);
		json_object_put(routes);
		return NULL;
	}
	json_object_object_add(o, "service", json_object_new_string("gists"));
	json_object_object_add(o, "version",
	    json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(o, "description",
	    json_object_new_string("A GitHub user's public gists, as JSON"));
	for (size_t i = 0; i < HANDLER_ROUTES; i++)
		if (handler_routes[i].path != NULL)
			json_object_object_add(routes, handler_routes[i].path,
			    json_object_new_string(handler_routes[i].about));
	json_object_object_add(o, "routes", routes);
	json_object_object_add(o, "example",
	    json_object_new_string("/octocat"));
	s = json_object_to_json_string_length(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, len);
	if (s != NULL && (copy = malloc(*len + 1)) != NULL)
		memcpy(copy, s, *len + 1);
	json_object_put(o);
	return copy;
}

int
handler_init(const struct config *cfg)
{
	const char *labels[HANDLER_ROUTES];

	handler_ctx.cfg = cfg;
	for (size_t i = 0; i < HANDLER_ROUTES; i++)
		labels[i] = handler_routes[i].label;
	if (metrics_set_routes(labels, HANDLER_ROUTES) != 0)
		return -1;
	handler_index_body = handler_index_make(&handler_index_len);
	return handler_index_body != NULL ? 0 : -1;
}

void
handler_cleanup(void)
{
	free(handler_index_body);
	handler_index_body = NULL;
}

/* Send r for s, log it, count it; the request's end, parked or not. */
static void
handler_finish(struct handler_slot *s, struct http_response *r)
{
	struct log_request *lg = &s->rq.lg;

	if (r->overflow) {
		http_response_free(r);
		http_response_init(r, 500);
		http_problem(r, 500, "the answer could not be built");
	}
	http_header(r, "X-Request-Id", s->reqid);
	if (http_send(s->req.out, r, s->rq.head) != 0)
		snprintf(lg->error, sizeof(lg->error), "client went away");

	lg->status = r->status;
	lg->bytes = s->rq.head ? 0 : r->body_len;
	lg->duration_us = (long)(clock_us() - s->start_us);
	metrics_request_end(s->route, r->status, lg->duration_us);
	log_request(lg);
	http_response_free(r);
	if (s->handed_off) {
		/* the one leave: answered, first time or after parking */
		s->handed_off = false;
		park_leave();
	}
}

/* A writer answers a request whose fetch is over, and frees its slot. */
static void
handler_parked_run(struct park_job *job)
{
	struct handler_slot *s = (struct handler_slot *)((char *)job -
	    offsetof(struct handler_slot, job));
	struct http_response r;

	http_response_init(&r, 500);
	if (user_resume(&handler_ctx, &s->rq, &r, &s->uw)) {
		http_response_free(&r);
		return; /* parked again: s is no longer ours */
	}
	handler_finish(s, &r);
	FCGX_Finish_r(&s->req);
	/* a connection lighttpd asked to keep is closed: the slot goes */
	if (s->req.ipcFd >= 0)
		FCGX_Free(&s->req, 1);
	free(s);
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
	struct log_request *lg = &s->rq.lg;

	metrics_request_begin();
	s->start_us = clock_us();
	memset(&s->rq, 0, sizeof(s->rq));
	s->handed_off = false;
	s->uw.w.done = handler_parked_done;
	http_response_init(&r, 500);
	reqid_assign(s->reqid, FCGX_GetParam("HTTP_X_REQUEST_ID", req->envp));
	lg->request_id = s->reqid;
	lg->method = FCGX_GetParam("REQUEST_METHOD", req->envp);
	lg->path = handler_param(req, "REQUEST_URI");
	lg->query = FCGX_GetParam("QUERY_STRING", req->envp);
	s->rq.head = lg->method != NULL && strcmp(lg->method, "HEAD") == 0;

	if (handler_dispatch(s, &r)) {
		http_response_free(&r);
		return true;
	}
	handler_finish(s, &r);
	return false;
}

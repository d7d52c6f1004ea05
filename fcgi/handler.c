/* Request dispatch: route, method, query; the small routes; the log line. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "clock.h"
#include "handler.h"
#include "http.h"
#include "user.h"
#include "log.h"
#include "metrics.h"
#include "query.h"
#include "reqid.h"
#include "route.h"

static char *handler_index_body;
static size_t handler_index_len;

int
handler_init(const struct config *cfg)
{
	struct json_object *o = json_object_new_object();
	struct json_object *routes = json_object_new_object();
	const char *s;
	size_t len = 0;

	(void)cfg;
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

static const char handler_healthz[] = "{\"status\":\"ok\"}";

/* Fill r for the request; the listing route fills its part of lg. */
static void
handler_dispatch(struct handler_ctx *ctx, FCGX_Request *req, struct route *rt,
    struct http_response *r, struct log_request *lg)
{
	struct query q;
	char err[QUERY_ERR_LEN];
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
		return;
	case ROUTE_NOT_FOUND:
		http_error(r, 404,
		    "there is nothing at this path; "
		    "GET / lists the routes",
		    html);
		http_header(r, "Vary", "Accept");
		return;
	default:
		break;
	}
	if (!route_method_allowed(lg->method)) {
		http_error(r, 405, "only GET and HEAD are allowed here", html);
		http_header(r, "Allow", "GET, HEAD");
		http_header(r, "Vary", "Accept");
		return;
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
		char *text = metrics_render(&len);

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
		http_body(r, handler_healthz, sizeof(handler_healthz) - 1);
		break;
	case ROUTE_USER:
		lg->login = rt->login;
		if (query_parse(lg->query, &q, err, sizeof(err)) != 0) {
			http_error(r, 400, err, html);
			http_header(r, "Vary", "Accept");
			break;
		}
		if (q.format != QUERY_FORMAT_AUTO)
			html = q.format == QUERY_FORMAT_HTML;
		user_serve(ctx, rt, &q,
		    FCGX_GetParam("HTTP_IF_NONE_MATCH", req->envp),
		    FCGX_GetParam("HTTP_ACCEPT_ENCODING", req->envp), html, r,
		    lg);
		break;
	default:
		http_error(r, 404,
		    "there is nothing at this path; "
		    "GET / lists the routes",
		    html);
		http_header(r, "Vary", "Accept");
		break;
	}
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

void
handler_serve(struct handler_ctx *ctx, FCGX_Request *req)
{
	struct http_response r;
	struct log_request lg;
	struct route rt;
	char reqid[REQID_MAX + 1];
	long start = clock_us();
	bool head;

	metrics_request_begin();
	memset(&lg, 0, sizeof(lg));
	http_response_init(&r, 500);
	reqid_assign(reqid, FCGX_GetParam("HTTP_X_REQUEST_ID", req->envp));
	lg.request_id = reqid;
	lg.method = FCGX_GetParam("REQUEST_METHOD", req->envp);
	lg.path = handler_param(req, "REQUEST_URI");
	lg.query = FCGX_GetParam("QUERY_STRING", req->envp);
	head = lg.method != NULL && strcmp(lg.method, "HEAD") == 0;

	handler_dispatch(ctx, req, &rt, &r, &lg);
	if (r.overflow) {
		http_response_free(&r);
		http_response_init(&r, 500);
		http_problem(&r, 500, "the answer could not be built");
	}
	http_header(&r, "X-Request-Id", reqid);
	if (http_send(req->out, &r, head) != 0)
		snprintf(lg.error, sizeof(lg.error), "client went away");

	lg.status = r.status;
	lg.bytes = head ? 0 : r.body_len;
	lg.duration_us = clock_us() - start;
	metrics_request_end(handler_metrics_route(rt.kind), r.status,
	    lg.duration_us);
	log_request(&lg);
	http_response_free(&r);
}

/* An HTTP answer, built up and written once to the FastCGI stream. */
#ifndef GISTS_HTTP_H
#define GISTS_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_HEADERS_MAX 4096

struct http_response {
	int status;
	char headers[HTTP_HEADERS_MAX]; /* "Name: value\r\n" lines */
	size_t headers_len;
	bool overflow; /* a header did not fit or was refused */
	const char *body;
	size_t body_len;
	char *owned; /* freed by http_response_free */
	void (*release)(void *); /* called by http_response_free */
	void *release_arg;
};

/* Start an answer with its status. */
void http_response_init(struct http_response *r, int status);

/*
 * Add a header. The value must not hold CR, LF or other controls; a
 * value that does is refused (and logged), never sent.
 */
void http_header(struct http_response *r, const char *name, const char *value);

/* Add a header whose value is a whole number. */
void http_header_long(struct http_response *r, const char *name, long v);

/* Set the body to bytes that outlive the response. */
void http_body(struct http_response *r, const char *body, size_t len);

/* Set the body to malloc'd bytes that the response frees. */
void http_body_owned(struct http_response *r, char *body, size_t len);

/* Set the body to bytes that live until release(arg), which the
 * response calls when it is freed. */
void http_body_shared(struct http_response *r, const char *body, size_t len,
    void (*release)(void *), void *arg);

/*
 * Make r an RFC 9457 problem (application/problem+json) for status, with
 * detail (any bytes; escaped by json-c) and no-store caching.
 */
void http_problem(struct http_response *r, int status, const char *detail);

#define HTTP_HEAD_MAX (HTTP_HEADERS_MAX + 128)

/*
 * The CGI-style header block of r (Status, Content-Length, the headers,
 * the blank line) in buf; returns its length.
 */
size_t http_head(const struct http_response *r, char *buf, size_t len);

struct FCGX_Stream;

/* Write r to the FastCGI stream; the body only when not head. */
int
http_send(struct FCGX_Stream *out, const struct http_response *r, bool head);

void http_response_free(struct http_response *r);

/*
 * Whether an If-None-Match value (a list of entity tags, or "*") matches
 * etag, by the weak comparison RFC 9110 prescribes for it.
 */
bool http_etag_matches(const char *if_none_match, const char *etag);

/*
 * Whether an Accept header prefers text/html to application/json: by
 * quality, the most specific range matching each (text/html, then
 * text/ and application/ wildcards, then the full wildcard). Ties, no header
 * and an unparsable one prefer JSON.
 */
bool http_prefers_html(const char *accept);

/*
 * Make r an error answer for status with detail: problem+json, or, for
 * html, a short page with the same status, title and detail.
 */
void
http_error(struct http_response *r, int status, const char *detail, bool html);

/* The reason phrase of a status ("Not Found"). */
const char *http_reason(int status);

#endif

/* Response headers and bodies, including RFC 9457 problem details. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <fcgiapp.h>
#include <json-c/json.h>

#include "html.h"
#include "http.h"
#include "log.h"
#include "parse.h"

static const struct {
	int status;
	const char *reason;
} http_reasons[] = {
	{ 200, "OK" },
	{ 304, "Not Modified" },
	{ 400, "Bad Request" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 500, "Internal Server Error" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },
};

const char *
http_reason(int status)
{
	for (size_t i = 0; i < sizeof(http_reasons) / sizeof(http_reasons[0]);
	     i++)
		if (http_reasons[i].status == status)
			return http_reasons[i].reason;
	return "Unknown";
}

void
http_response_init(struct http_response *r, int status)
{
	memset(r, 0, sizeof(*r));
	r->status = status;
}

void
http_header(struct http_response *r, const char *name, const char *value)
{
	size_t nlen = strlen(name), vlen = strlen(value);

	for (size_t i = 0; i < vlen; i++) {
		unsigned char c = (unsigned char)value[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			log_msg(LOG_LEVEL_ERROR,
			    "refused to send header %s: "
			    "control character in its value",
			    name);
			r->overflow = true;
			return;
		}
	}
	if (r->headers_len + nlen + vlen + 4 >= sizeof(r->headers)) {
		log_msg(LOG_LEVEL_ERROR, "header %s does not fit", name);
		r->overflow = true;
		return;
	}
	memcpy(r->headers + r->headers_len, name, nlen);
	r->headers_len += nlen;
	memcpy(r->headers + r->headers_len, ": ", 2);
	r->headers_len += 2;
	memcpy(r->headers + r->headers_len, value, vlen);
	r->headers_len += vlen;
	memcpy(r->headers + r->headers_len, "\r\n", 2);
	r->headers_len += 2;
}

void
http_header_long(struct http_response *r, const char *name, long v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%ld", v);
	http_header(r, name, buf);
}

void
http_body(struct http_response *r, const char *body, size_t len)
{
	free(r->owned);
	r->owned = NULL;
	if (r->release != NULL)
		r->release(r->release_arg);
	r->release = NULL;
	r->body = body;
	r->body_len = len;
}

void
http_body_shared(struct http_response *r, const char *body, size_t len,
    void (*release)(void *), void *arg)
{
	http_body(r, body, len);
	r->release = release;
	r->release_arg = arg;
}

void
http_body_owned(struct http_response *r, char *body, size_t len)
{
	http_body(r, body, len);
	r->owned = body;
}

void
http_problem(struct http_response *r, int status, const char *detail)
{
	struct json_object *o = json_object_new_object();
	const char *s = NULL;
	size_t len = 0;
	char *copy = NULL;

	r->status = status;
	http_header(r, "Content-Type", "application/problem+json");
	http_header(r, "Cache-Control", "no-store");
	if (o != NULL) {
		json_object_object_add(o, "type",
		    json_object_new_string("about:blank"));
		json_object_object_add(o, "title",
		    json_object_new_string(http_reason(status)));
		json_object_object_add(o, "status",
		    json_object_new_int(status));
		json_object_object_add(o, "detail",
		    json_object_new_string(detail));
		s = json_object_to_json_string_length(o,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
		    &len);
	}
	if (s != NULL && (copy = malloc(len + 1)) != NULL)
		memcpy(copy, s, len + 1);
	json_object_put(o);
	if (copy != NULL)
		http_body_owned(r, copy, len);
	else {
		r->status = 500; /* out of memory */
		http_body(r, "{\"status\":500}", 14);
	}
}

size_t
http_head(const struct http_response *r, char *buf, size_t len)
{
	int n;
	char clen[48] = "";

	/* A 304 has no body, and no length of one either. */
	if (r->status != 304)
		snprintf(clen, sizeof(clen), "Content-Length: %lu\r\n",
		    (unsigned long)r->body_len);
	n = snprintf(buf, len, "Status: %d %s\r\n%s%.*s\r\n", r->status,
	    http_reason(r->status), clen, (int)r->headers_len, r->headers);
	if (n < 0 || (size_t)n >= len)
		return 0;
	return (size_t)n;
}

int
http_send(struct FCGX_Stream *out, const struct http_response *r, bool head)
{
	char buf[HTTP_HEAD_MAX];
	size_t n = http_head(r, buf, sizeof(buf));

	if (n == 0 || FCGX_PutStr(buf, (int)n, out) != (int)n)
		return -1;
	if (!head && r->body_len > 0 &&
	    FCGX_PutStr(r->body, (int)r->body_len, out) != (int)r->body_len)
		return -1;
	return 0;
}

void
http_response_free(struct http_response *r)
{
	free(r->owned);
	r->owned = NULL;
	if (r->release != NULL)
		r->release(r->release_arg);
	r->release = NULL;
}

/* The opaque part of an entity tag: without W/ and with its quotes. */
static void
http_etag_opaque(const char **p, size_t *len)
{
	if (*len >= 2 && (*p)[0] == 'W' && (*p)[1] == '/') {
		*p += 2;
		*len -= 2;
	}
}

bool
http_etag_matches(const char *if_none_match, const char *etag)
{
	const char *p = if_none_match;
	const char *want = etag;
	size_t want_len = strlen(etag);

	if (p == NULL)
		return false;
	http_etag_opaque(&want, &want_len);
	while (*p != '\0') {
		const char *start;
		size_t len;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return true;
		start = p;
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		if (*p != '"')
			return false; /* malformed: no match */
		p = strchr(p + 1, '"');
		if (p == NULL)
			return false;
		p++;
		len = (size_t)(p - start);
		http_etag_opaque(&start, &len);
		if (len == want_len && memcmp(start, want, len) == 0)
			return true;
	}
	return false;
}

/* The quality of range r[0..n) (params after ';'), or -1 when malformed. */
static int
http_quality(const char *params, size_t n)
{
	/* q is a value from 0 to 1 with up to three decimals: in thousandths */
	for (size_t i = 0; i + 1 < n; i++) {
		const char *p = params + i;
		size_t used;

		if (!((p[0] == 'q' || p[0] == 'Q') && p[1] == '=' &&
			(i == 0 || params[i - 1] == ';' ||
			    params[i - 1] == ' ')))
			continue;
		return parse_qvalue(p + 2, n - i - 2, &used);
	}
	return 1000;
}

bool
http_prefers_html(const char *accept)
{
	/* best match for each: 3 exact, 2 type/x, 1 x/x; and its quality */
	int html_spec = 0, json_spec = 0, html_q = 0, json_q = 0;
	const char *p = accept;

	if (p == NULL)
		return false;
	while (*p != '\0') {
		size_t n = strcspn(p, ",");
		size_t type_len = strcspn(p, ";,");
		const char *t = p;
		int q, hs = 0, js = 0;

		while (type_len > 0 && (*t == ' ' || *t == '\t')) {
			t++;
			type_len--;
		}
		while (type_len > 0 &&
		    (t[type_len - 1] == ' ' || t[type_len - 1] == '\t'))
			type_len--;
		q = http_quality(p + (t - p) + type_len,
		    n - (size_t)(t - p) - type_len);
#define IS(s) (type_len == sizeof(s) - 1 && strncasecmp(t, s, type_len) == 0)
		if (IS("text/html"))
			hs = 3;
		else if (IS("text/*"))
			hs = 2;
		if (IS("application/json"))
			js = 3;
		else if (IS("application/*"))
			js = 2;
		if (IS("*/*"))
			hs = js = 1;
#undef IS
		if (q >= 0 && hs > html_spec) {
			html_spec = hs;
			html_q = q;
		}
		if (q >= 0 && js > json_spec) {
			json_spec = js;
			json_q = q;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	return html_q > json_q;
}

void
http_error(struct http_response *r, int status, const char *detail, bool html)
{
	char *page;
	size_t len = 0;

	if (!html ||
	    (page = html_error(status, http_reason(status), detail, &len)) ==
		NULL) {
		http_problem(r, status, detail);
		return;
	}
	r->status = status;
	http_header(r, "Content-Type", "text/html; charset=utf-8");
	http_header(r, "Cache-Control", "no-store");
	http_body_owned(r, page, len);
}

/* Unit tests: response heads, problem bodies, If-None-Match. */
#include "http.h"
#include "tap.h"

int
main(void)
{
	struct http_response r;
	char buf[HTTP_HEAD_MAX];

	http_response_init(&r, 200);
	http_header(&r, "Content-Type", "application/json");
	http_header_long(&r, "Age", 12);
	http_body(&r, "{}", 2);
	http_head(&r, buf, sizeof(buf));
	TAP_STR(buf,
	    "Status: 200 OK\r\nContent-Length: 2\r\n"
	    "Content-Type: application/json\r\nAge: 12\r\n\r\n");
	TAP_OK(!r.overflow);
	http_response_free(&r);

	/* a value with CR/LF is refused, never sent */
	http_response_init(&r, 200);
	http_header(&r, "X-Evil", "a\r\nSet-Cookie: x=1");
	TAP_OK(r.overflow);
	http_head(&r, buf, sizeof(buf));
	TAP_OK(strstr(buf, "Set-Cookie") == NULL);
	http_response_free(&r);

	/* a 304 carries no Content-Length */
	http_response_init(&r, 304);
	http_header(&r, "ETag", "\"1\"");
	http_head(&r, buf, sizeof(buf));
	TAP_STR(buf, "Status: 304 Not Modified\r\nETag: \"1\"\r\n\r\n");
	http_response_free(&r);

	/* problem+json escapes whatever the detail holds */
	http_response_init(&r, 500);
	http_problem(&r, 404, "user 'a\"b\\c\n' </x>");
	TAP_LONG(r.status, 404);
	TAP_STR(r.body,
	    "{\"type\":\"about:blank\",\"title\":\"Not Found\","
	    "\"status\":404,\"detail\":\"user 'a\\\"b\\\\c\\n' </x>\"}");
	http_head(&r, buf, sizeof(buf));
	TAP_OK(
	    strstr(buf, "Content-Type: application/problem+json\r\n") != NULL);
	TAP_OK(strstr(buf, "Cache-Control: no-store\r\n") != NULL);
	http_response_free(&r);

	TAP_STR(http_reason(503), "Service Unavailable");
	TAP_STR(http_reason(504), "Gateway Timeout");
	TAP_STR(http_reason(405), "Method Not Allowed");

	TAP_OK(http_etag_matches("\"abc\"", "\"abc\""));
	TAP_OK(http_etag_matches("W/\"abc\"", "\"abc\""));
	TAP_OK(http_etag_matches("\"x\", \"abc\"", "\"abc\""));
	TAP_OK(http_etag_matches("\"x\",W/\"abc\"", "\"abc\""));
	TAP_OK(http_etag_matches("*", "\"abc\""));
	TAP_OK(!http_etag_matches("\"abcd\"", "\"abc\""));
	TAP_OK(!http_etag_matches("abc", "\"abc\""));
	TAP_OK(!http_etag_matches("\"abc", "\"abc\""));
	TAP_OK(!http_etag_matches("", "\"abc\""));
	TAP_OK(!http_etag_matches(NULL, "\"abc\""));

	/* content negotiation: only a real preference for HTML gets it */
	TAP_OK(http_prefers_html("text/html,application/xhtml+xml,"
				 "application/xml;q=0.9,*/*;q=0.8"));
	TAP_OK(http_prefers_html("text/html"));
	TAP_OK(http_prefers_html("TEXT/HTML"));
	TAP_OK(http_prefers_html("text/*"));
	TAP_OK(http_prefers_html("application/json;q=0.5, text/html"));
	TAP_OK(
	    http_prefers_html(" text/html ; q=0.9 , application/json;q=0.8"));
	TAP_OK(!http_prefers_html(NULL));
	TAP_OK(!http_prefers_html(""));
	TAP_OK(!http_prefers_html("*/*"));
	TAP_OK(!http_prefers_html("application/json"));
	TAP_OK(!http_prefers_html("application/*"));
	TAP_OK(!http_prefers_html("text/html;q=0.5, application/json"));
	TAP_OK(!http_prefers_html("text/html, application/json")); /* tie */
	TAP_OK(!http_prefers_html("text/html;q=0, */*"));
	TAP_OK(!http_prefers_html("text/plain"));
	TAP_OK(!http_prefers_html("text/html;q=bogus"));
	TAP_OK(!http_prefers_html(",,;;=q"));

	/* an error as a page: same status, escaped detail, no-store */
	http_response_init(&r, 500);
	http_error(&r, 404, "user '<x>' was not found", true);
	TAP_LONG(r.status, 404);
	TAP_OK(strstr(r.body, "<h1>404 Not Found</h1>") != NULL);
	TAP_OK(
	    strstr(r.body, "user &#39;&lt;x&gt;&#39; was not found") != NULL);
	http_head(&r, buf, sizeof(buf));
	TAP_OK(
	    strstr(buf, "Content-Type: text/html; charset=utf-8\r\n") != NULL);
	TAP_OK(strstr(buf, "Cache-Control: no-store\r\n") != NULL);
	http_response_free(&r);
	http_response_init(&r, 500);
	http_error(&r, 400, "bad", false);
	TAP_STR(r.body,
	    "{\"type\":\"about:blank\",\"title\":\"Bad Request\","
	    "\"status\":400,\"detail\":\"bad\"}");
	http_response_free(&r);
	return tap_done();
}

/* HTML rendering of listings and errors, escaped for every context. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "html.h"

/* Kept small; its SHA-256 is in the CSP of conf/lighttpd.conf, and a test
 * checks the two agree. */
const char html_css[] =
    "body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;"
    "margin:0 auto;padding:1rem;color:#1f2328;background:#fff}"
    "h1{font-size:1.4rem;margin:0}h1 small,.meta,.lang,footer,.none"
    "{color:#59636e;font-weight:normal}.none{font-style:italic}"
    "ol{list-style:none;padding:0}.gist{border-top:1px solid #d1d9e0;"
    "padding:.6rem 0}h2{font-size:1.05rem;margin:0}"
    "h2,code{overflow-wrap:anywhere}ul{margin:.2rem 0;padding-left:1.2rem}"
    "code{font:.9em ui-monospace,monospace}.meta,.lang,footer"
    "{font-size:.85rem}.meta{margin:0}.note{background:#fff8c5;"
    "padding:.5rem;border-radius:6px}nav{display:flex;"
    "justify-content:space-between;padding:1rem 0}a{color:#0969da}"
    "@media(prefers-color-scheme:dark){body{color:#e6edf3;"
    "background:#0d1117}a{color:#4493f8}.gist{border-color:#30363d}"
    ".note{background:#3b2300}}";

void
html_escape(struct buf *b, const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *ref;

		switch (c) {
		case '&':
			ref = "&amp;";
			break;
		case '<':
			ref = "&lt;";
			break;
		case '>':
			ref = "&gt;";
			break;
		case '"':
			ref = "&quot;";
			break;
		case '\'':
			ref = "&#39;";
			break;
		default:
			if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') ||
			    c == 0x7f)
				ref = "\xef\xbf\xbd"; /* U+FFFD */
			else
				continue;
		}
		buf_append(b, s + start, i - start);
		buf_str(b, ref);
		start = i + 1;
	}
	buf_append(b, s + start, n - start);
}

bool
html_gist_url_ok(const char *url, size_t n)
{
	static const char *const hosts[] = {
		"https://gist.github.com/",
		"https://gist.githubusercontent.com/",
	};
	static const char plain[] = "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
				    "-._~:/?#[]@!$&()*+,;=%";
	bool host = false;

	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++)
		if (n > strlen(hosts[i]) &&
		    strncmp(url, hosts[i], strlen(hosts[i])) == 0)
			host = true;
	if (!host)
		return false;
	for (size_t i = 0; i < n; i++)
		if (url[i] == '\0' || strchr(plain, url[i]) == NULL)
			return false;
	return true;
}

/* The page's head and the start of its body. */
static void
html_begin(struct buf *b, const char *title_prefix, const char *title,
    size_t title_len)
{
	buf_str(b,
	    "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" "
	    "content=\"width=device-width,initial-scale=1\">"
	    "<meta name=\"referrer\" content=\"no-referrer\">"
	    /* an icon of its own, empty: browsers then ask for no
	     * /favicon.ico (a 400 here: not a login) */
	    "<link rel=\"icon\" href=\"data:,\"><title>");
	buf_str(b, title_prefix);
	html_escape(b, title, title_len);
	buf_str(b, "</title><style>");
	buf_str(b, html_css);
	buf_str(b, "</style></head><body>\n");
}

/* A string member of a gist or file object, or NULL. */
static const char *
html_member(struct json_object *o, const char *key, size_t *len)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	*len = (size_t)json_object_get_string_len(v);
	return json_object_get_string(v);
}

/* <a href="url">, if url is one we link to; returns whether it opened. */
static bool
html_open_link(struct buf *b, const char *url, size_t len)
{
	if (url == NULL || !html_gist_url_ok(url, len))
		return false;
	buf_str(b, "<a href=\"");
	html_escape(b, url, len);
	buf_str(b, "\">");
	return true;
}

/* A <time> for an ISO 8601 stamp, showing its date. */
static void
html_time(struct buf *b, const char *label, const char *stamp, size_t len)
{
	if (stamp == NULL)
		return;
	buf_str(b, label);
	buf_str(b, " <time datetime=\"");
	html_escape(b, stamp, len);
	buf_str(b, "\">");
	html_escape(b, stamp, len >= 10 && stamp[4] == '-' ? 10 : len);
	buf_str(b, "</time>");
}

/* One file of a gist: name (linked to its raw text), language, size. */
static void
html_file(struct buf *b, struct json_object *file)
{
	size_t nlen = 0, llen = 0, ulen = 0;
	const char *name = html_member(file, "filename", &nlen);
	const char *lang = html_member(file, "language", &llen);
	const char *raw = html_member(file, "raw_url", &ulen);
	struct json_object *size;
	bool linked;

	buf_str(b, "<li>");
	linked = html_open_link(b, raw, ulen);
	buf_str(b, "<code><bdi>");
	if (name != NULL)
		html_escape(b, name, nlen);
	buf_str(b, "</bdi></code>");
	if (linked)
		buf_str(b, "</a>");
	buf_str(b, " <span class=\"lang\">");
	if (lang != NULL) {
		html_escape(b, lang, llen);
		buf_str(b, " &middot; ");
	}
	if (json_object_object_get_ex(file, "size", &size))
		buf_printf(b, "%lld bytes",
		    (long long)json_object_get_int64(size));
	buf_str(b, "</span></li>\n");
}

/* One gist: description linking to it, files, dates and comments. */
static void
html_gist(struct buf *b, struct json_object *gist)
{
	size_t dlen = 0, ulen = 0, clen = 0, mlen = 0;
	const char *desc = html_member(gist, "description", &dlen);
	const char *url = html_member(gist, "html_url", &ulen);
	const char *created = html_member(gist, "created_at", &clen);
	const char *updated = html_member(gist, "updated_at", &mlen);
	struct json_object *files, *comments;
	bool linked;

	buf_str(b, "<li class=\"gist\"><h2>");
	linked = html_open_link(b, url, ulen);
	if (desc != NULL && dlen > 0) {
		buf_str(b, "<bdi>");
		html_escape(b, desc, dlen);
		buf_str(b, "</bdi>");
	} else
		buf_str(b, "<span class=\"none\">no description</span>");
	if (linked)
		buf_str(b, "</a>");
	buf_str(b, "</h2>\n<ul>\n");
	if (json_object_object_get_ex(gist, "files", &files))
		for (size_t i = 0; i < json_object_array_length(files); i++)
			html_file(b, json_object_array_get_idx(files, i));
	buf_str(b, "</ul><p class=\"meta\">");
	html_time(b, "created", created, clen);
	html_time(b, " &middot; updated", updated, mlen);
	if (json_object_object_get_ex(gist, "comments", &comments)) {
		long long n = (long long)json_object_get_int64(comments);

		buf_printf(b, " &middot; %lld comment%s", n, n == 1 ? "" : "s");
	}
	buf_str(b, "</p></li>\n");
}

/* A page's gists: its items, parsed back from the JSON we made of them. */
static void
html_page_items(struct buf *b, const struct listing_page *p)
{
	struct json_tokener *tok;
	struct json_object *arr;
	struct buf json;
	size_t jlen;

	if (p->len == 0)
		return;
	buf_init(&json, p->len + 3);
	buf_str(&json, "[");
	buf_append(&json, p->items, p->len);
	buf_str(&json, "]");
	if (json.failed || (tok = json_tokener_new()) == NULL) {
		b->failed = true;
		free(buf_finish(&json, &jlen));
		return;
	}
	arr = json_tokener_parse_ex(tok, json.data, (int)json.len + 1);
	json_tokener_free(tok);
	if (arr == NULL)
		b->failed = true; /* out of memory: the items are ours */
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		html_gist(b, json_object_array_get_idx(arr, i));
	json_object_put(arr);
	free(buf_finish(&json, &jlen));
}

/* A link to another page (a URL of ours: login and numbers). */
static void
html_nav_link(struct buf *b, const char *url, const char *rel, const char *text)
{
	if (url == NULL) {
		buf_str(b, "<span></span>");
		return;
	}
	buf_printf(b, "<a rel=\"%s\" href=\"", rel);
	html_escape(b, url, strlen(url));
	buf_printf(b, "\">%s</a>", text);
}

char *
html_listing(struct listing *l, const char *user, const struct query *q,
    bool stale, const struct html_links *links, size_t *len)
{
	struct buf b;

	buf_init(&b, 2048 + 2 * l->bytes / 3);
	html_begin(&b, "Gists of ", user, strlen(user));
	buf_str(&b, "<header><h1><bdi>");
	html_escape(&b, user, strlen(user));
	buf_printf(&b, "</bdi> <small>%ld gist%s", l->count,
	    l->count == 1 ? "" : "s");
	if (q->paged)
		buf_printf(&b, " &middot; page %ld, %ld a page", q->page,
		    q->per_page);
	buf_str(&b, "</small></h1>\n");
	if (l->truncated)
		buf_printf(&b,
		    "<p class=\"note\">Only the first %ld gists are "
		    "shown: the service follows no more pages of a "
		    "listing.</p>\n",
		    l->count);
	if (stale)
		buf_str(&b,
		    "<p class=\"note\">GitHub did not answer; this is "
		    "an earlier copy.</p>\n");
	buf_str(&b, "</header><main><ol>\n");
	for (size_t i = 0; i < l->npages; i++)
		html_page_items(&b, &l->pages[i]);
	buf_str(&b, "</ol>\n");
	if (links->prev != NULL || links->next != NULL) {
		buf_str(&b, "<nav>");
		html_nav_link(&b, links->prev, "prev", "&larr; previous");
		html_nav_link(&b, links->next, "next", "next &rarr;");
		buf_str(&b, "</nav>\n");
	}
	buf_str(&b, "</main><footer>");
	if (links->json != NULL) {
		html_nav_link(&b, links->json, "alternate", "JSON");
		buf_str(&b, " &middot; ");
	}
	buf_str(&b, "gists " PACKAGE_VERSION "</footer></body></html>\n");
	return buf_finish(&b, len);
}

char *
html_error(int status, const char *title, const char *detail, size_t *len)
{
	struct buf b;
	char heading[64];

	snprintf(heading, sizeof(heading), "%d ", status);
	buf_init(&b, 2048);
	html_begin(&b, heading, title, strlen(title));
	buf_printf(&b, "<main><h1>%d ", status);
	html_escape(&b, title, strlen(title));
	buf_str(&b, "</h1>\n<p>");
	html_escape(&b, detail, strlen(detail));
	buf_str(&b,
	    "</p>\n<p><a href=\"/\">About this service</a></p></main>"
	    "</body></html>\n");
	return buf_finish(&b, len);
}

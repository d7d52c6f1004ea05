/*
 * The listing as a page for browsers, and errors as short pages. Every
 * piece of gist data is escaped for where it goes; only https links to
 * GitHub's gist hosts become links. No scripts, no external loads: the
 * one inline style is allowed by its hash in the Content-Security-Policy
 * (conf/lighttpd.conf).
 */
#ifndef GISTS_HTML_H
#define GISTS_HTML_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "listing.h"

/* The page's stylesheet, exactly as in <style>. */
extern const char html_css[];

/*
 * Append s[0..n) escaped for HTML text and quoted attribute values:
 * & < > " ' as character references; NUL, other C0 controls but tab, LF
 * and CR, and DEL as U+FFFD. s must be UTF-8 (GitHub's JSON was checked).
 */
void html_escape(struct buf *b, const char *s, size_t n);

/*
 * Whether url may be an href: https://gist.github.com/... or
 * https://gist.githubusercontent.com/... made of plain URL characters
 * (no quotes, spaces, angle brackets, backslashes, controls, non-ASCII).
 */
bool html_gist_url_ok(const char *url, size_t n);

/* Where the page's links go; NULL when there is no such page. */
struct html_links {
	const char *prev, *next; /* this service's own relative URLs */
	const char *json; /* the same answer as JSON */
};

/*
 * The page for a listing of user's gists (query q shapes the heading);
 * stale adds a note that GitHub did not answer. Returns a new string or
 * NULL; *len is its length.
 */
char *html_listing(struct listing *l, const char *user, const struct query *q,
    bool stale, const struct html_links *links, size_t *len);

/* A short page for an error: status, title, detail. */
char *
html_error(int status, const char *title, const char *detail, size_t *len);

#endif

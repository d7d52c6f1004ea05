/* libFuzzer: whatever GitHub (or something posing as it) might send. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gists.h"
#include "html.h"
#include "listing.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The page oracle: parse the page as the template writes it and fail on
 * anything data could have opened. Every tag and attribute must be one
 * the template writes (each tag with exactly one of its attribute lists,
 * fixed values where the template's are fixed), tags must nest, and no
 * '<', '>', '"' or '\'' may stand raw in text or a value: data reaches
 * the page only escaped. Checking for "<script" or "\" on" instead
 * matched the template's own quote before data (" on25-01-30...).
 */
static const struct {
	const char *name;
	const char *attrs[2]; /* the lists allowed: names, space-separated */
} fuzz_tags[] = {
	{ "html", { "lang" } },
	{ "head", { "" } },
	{ "meta", { "charset", "name content" } },
	{ "link", { "rel href" } },
	{ "title", { "" } },
	{ "style", { "" } },
	{ "body", { "" } },
	{ "header", { "" } },
	{ "h1", { "" } },
	{ "bdi", { "" } },
	{ "small", { "" } },
	{ "p", { "class" } },
	{ "main", { "" } },
	{ "ol", { "" } },
	{ "li", { "", "class" } },
	{ "h2", { "" } },
	{ "a", { "href", "rel href" } },
	{ "span", { "", "class" } },
	{ "ul", { "" } },
	{ "code", { "" } },
	{ "time", { "datetime" } },
	{ "nav", { "" } },
	{ "footer", { "" } },
};

/* Values the template writes itself; other attributes hold data. */
static const char *const fuzz_values[] = { "lang=en", "charset=utf-8",
	"name=viewport", "name=referrer",
	"content=width=device-width,initial-scale=1", "content=no-referrer",
	"class=gist", "class=lang", "class=none", "class=meta", "class=note",
	"rel=prev", "rel=next", "rel=alternate", "rel=icon" };

static const char *const fuzz_entities[] = { "&amp;", "&lt;", "&gt;", "&quot;",
	"&#39;", "&middot;", "&larr;", "&rarr;" };

#define FUZZ_NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Text or a value from p to end: entities known, nothing raw. */
static bool
fuzz_text_ok(const char *p, const char *end)
{
	for (; p < end; p++) {
		size_t i;

		if (*p == '<' || *p == '>' || *p == '"' || *p == '\'')
			return false;
		if (*p != '&')
			continue;
		for (i = 0; i < FUZZ_NELEM(fuzz_entities); i++) {
			size_t n = strlen(fuzz_entities[i]);

			if ((size_t)(end - p) >= n &&
			    memcmp(p, fuzz_entities[i], n) == 0)
				break;
		}
		if (i == FUZZ_NELEM(fuzz_entities))
			return false;
	}
	return true;
}

/* Whether attribute name="val" (vlen bytes) is one the template writes. */
static bool
fuzz_value_ok(const char *name, size_t nlen, const char *val, size_t vlen)
{
	static const char *const urls[] = { "https://gist.github.com/",
		"https://gist.githubusercontent.com/", "/fuzz?" };

	if (!fuzz_text_ok(val, val + vlen))
		return false;
	if (nlen == 8 && memcmp(name, "datetime", 8) == 0)
		return true; /* data, escaped */
	if (nlen == 4 && memcmp(name, "href", 4) == 0) {
		if (vlen == 6 && memcmp(val, "data:,", 6) == 0)
			return true; /* the page's empty icon */
		for (size_t i = 0; i < FUZZ_NELEM(urls); i++)
			if (vlen > strlen(urls[i]) &&
			    memcmp(val, urls[i], strlen(urls[i])) == 0)
				return true;
		return false;
	}
	for (size_t i = 0; i < FUZZ_NELEM(fuzz_values); i++) {
		const char *v = fuzz_values[i];

		if (strlen(v) == nlen + 1 + vlen &&
		    memcmp(v, name, nlen) == 0 && v[nlen] == '=' &&
		    memcmp(v + nlen + 1, val, vlen) == 0)
			return true;
	}
	return false;
}

/* The tag after a '<' at *pp, moving *pp past it and keeping the stack. */
static bool
fuzz_tag_ok(const char **pp, const char *end, int *stack, int *depth)
{
	const char *p = *pp, *name;
	char attrs[64] = "";
	bool closing = *p == '/';
	size_t nlen, t, used = 0;

	if (closing)
		p++;
	for (name = p;
	     p < end && ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'));
	     p++)
		;
	nlen = (size_t)(p - name);
	for (t = 0; t < FUZZ_NELEM(fuzz_tags); t++)
		if (strlen(fuzz_tags[t].name) == nlen &&
		    memcmp(fuzz_tags[t].name, name, nlen) == 0)
			break;
	if (nlen == 0 || t == FUZZ_NELEM(fuzz_tags))
		return false;
	if (closing) {
		if (p >= end || *p != '>' || *depth == 0 ||
		    stack[*depth - 1] != (int)t)
			return false;
		(*depth)--;
		*pp = p + 1;
		return true;
	}
	while (p < end && *p == ' ') {
		const char *an = ++p, *val;

		while (p < end && *p >= 'a' && *p <= 'z')
			p++;
		if (p == an || end - p < 2 || p[0] != '=' || p[1] != '"')
			return false;
		val = p + 2;
		if ((p = memchr(val, '"', (size_t)(end - val))) == NULL ||
		    !fuzz_value_ok(an, (size_t)(val - 2 - an), val,
			(size_t)(p - val)) ||
		    used + (size_t)(val - 2 - an) + 2 > sizeof(attrs))
			return false;
		if (used > 0)
			attrs[used++] = ' ';
		memcpy(attrs + used, an, (size_t)(val - 2 - an));
		used += (size_t)(val - 2 - an);
		attrs[used] = '\0';
		p++;
	}
	if (p >= end || *p != '>')
		return false;
	if (strcmp(attrs, fuzz_tags[t].attrs[0]) != 0 &&
	    (fuzz_tags[t].attrs[1] == NULL ||
		strcmp(attrs, fuzz_tags[t].attrs[1]) != 0))
		return false;
	p++;
	if (strcmp(fuzz_tags[t].name, "style") == 0) {
		/* the style is the template's, byte for byte */
		size_t n = strlen(html_css);

		if ((size_t)(end - p) < n || memcmp(p, html_css, n) != 0)
			return false;
		p += n;
	}
	if (strcmp(fuzz_tags[t].name, "meta") != 0 &&
	    strcmp(fuzz_tags[t].name, "link") != 0) { /* void */
		if (*depth == 32)
			return false;
		stack[(*depth)++] = (int)t;
	}
	*pp = p;
	return true;
}

/* Whether the page is the template's structure with data escaped. */
static bool
fuzz_page_ok(const char *text, size_t len)
{
	static const char doctype[] = "<!DOCTYPE html>\n";
	const char *p = text, *end = text + len, *run;
	int stack[32], depth = 0;

	if (len < sizeof(doctype) - 1 ||
	    memcmp(text, doctype, sizeof(doctype) - 1) != 0)
		return false;
	p += sizeof(doctype) - 1;
	while (p < end) {
		for (run = p; p < end && *p != '<'; p++)
			;
		if (!fuzz_text_ok(run, p))
			return false;
		if (p < end) {
			p++;
			if (!fuzz_tag_ok(&p, end, stack, &depth))
				return false;
		}
	}
	return depth == 0;
}

/* The page the service makes of GitHub's reply body, or NULL. */
static char *
fuzz_page(const char *body, size_t size, size_t *len)
{
	char err[GISTS_ERR_LEN];
	struct json_object *arr =
	    gists_from_github(body, size, err, sizeof(err));
	struct listing *l = listing_new(200, 1);
	struct html_links links = { "/fuzz?page=1", NULL, "/fuzz?format=json" };
	struct query q = { 0 };
	char *text = NULL;

	if (arr != NULL && l != NULL &&
	    listing_set_page(l, 0, arr, "\"e\"") == 0) {
		listing_seal(l);
		text = html_listing(l, "fuzz", &q, true, &links, len);
	}
	listing_unref(l);
	json_object_put(arr);
	return text;
}

/* The oracle can fail: it passes a page, and fails markup spliced in. */
int
LLVMFuzzerInitialize(int *argc, /* NOLINT(readability-non-const-parameter) */
    char ***argv)
{
	static const char good[] =
	    "[{\"id\":\"1\",\"description\":\"d\",\"html_url\":"
	    "\"https://gist.github.com/u/1\",\"public\":true,"
	    "\"created_at\":\"2010-04-14T02:15:15Z\",\"updated_at\":"
	    "\"2011-06-20T11:34:15Z\",\"comments\":1,\"files\":{\"a\":"
	    "{\"filename\":\"a\",\"language\":null,\"type\":null,"
	    "\"size\":1,\"raw_url\":"
	    "\"https://gist.githubusercontent.com/u/1/raw/a\"}}}]";
	static const struct {
		const char *after, *insert;
	} bad[] = {
		{ "datetime=\"", "\" onclick=\"x" }, /* an attribute */
		{ "<bdi>", "<img src=x>" }, /* a tag */
		{ "class=\"gist\"", " id=\"x\"" }, /* a known name, extra */
		{ "<code>", "</li>" }, /* nesting */
		{ "<bdi>", "'" }, /* a raw quote */
	};
	size_t len = 0;
	char *page = fuzz_page(good, sizeof(good) - 1, &len);

	(void)argc;
	(void)argv;
	if (page == NULL || !fuzz_page_ok(page, len)) {
		/* the template changed: teach the oracle its new markup */
		fprintf(stderr,
		    "fuzz-gists: the oracle refuses the template's "
		    "own page\n");
		abort();
	}
	for (size_t i = 0; i < FUZZ_NELEM(bad); i++) {
		const char *at = strstr(page, bad[i].after);
		size_t head, n = strlen(bad[i].insert);
		char *spliced = malloc(len + n);

		if (at == NULL || spliced == NULL)
			abort();
		head = (size_t)(at - page) + strlen(bad[i].after);
		memcpy(spliced, page, head);
		memcpy(spliced + head, bad[i].insert, n);
		memcpy(spliced + head + n, page + head, len - head);
		if (fuzz_page_ok(spliced, len + n)) {
			fprintf(stderr,
			    "fuzz-gists: the oracle takes a page "
			    "with %s spliced in\n",
			    bad[i].insert);
			abort();
		}
		free(spliced);
	}
	free(page);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = malloc(size + 1);
	char err[GISTS_ERR_LEN];
	struct json_object *arr;

	if (body == NULL)
		return 0;
	memcpy(body, data, size);
	body[size] = '\0';
	arr = gists_from_github(body, size, err, sizeof(err));
	if (arr != NULL) {
		/* what the service does next: a page, a listing, a body */
		struct listing *l = listing_new(200, 1);
		struct query q = { 0 };

		if (l != NULL && listing_set_page(l, 0, arr, "\"e\"") == 0) {
			size_t len = 0;
			char *text;

			listing_seal(l);
			/* the body must be valid JSON again */
			if ((text = listing_render(l, "fuzz", &q, &len)) !=
			    NULL) {
				struct json_object *o =
				    json_tokener_parse(text);

				if (o == NULL)
					abort();
				json_object_put(o);
				free(text);
			}
			/* and the page holds no markup from the data */
			if ((text = fuzz_page(body, size, &len)) != NULL) {
				if (!fuzz_page_ok(text, len))
					abort();
				free(text);
			}
		}
		listing_unref(l);
		json_object_put(arr);
	}
	free(body);
	return 0;
}

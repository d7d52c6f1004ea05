/* A small, strict reader of Link header values. */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "link.h"
#include "parse.h"
#include "query.h"

#define LINK_PAGE_MAX 1000000000L

static const char *
link_skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* The value of "page=" in the query of target[0..len), or 0. */
static long
link_target_page(const char *target, size_t len)
{
	const char *q = memchr(target, '?', len);
	const char *end = target + len;
	long page = 0;

	if (q == NULL)
		return 0;
	for (const char *p = q + 1; p < end;) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp != NULL ? amp : end;

		if (stop - p > 5 && memcmp(p, "page=", 5) == 0) {
			long long n;

			page = parse_number(p + 5, (size_t)(stop - p - 5), 1,
				   LINK_PAGE_MAX, &n)
			    ? (long)n
			    : 0;
		}
		p = amp != NULL ? amp + 1 : end;
	}
	return page;
}

/* Whether the rel parameter value v[0..len) lists rel. */
static bool
link_rel_has(const char *v, size_t len, const char *rel)
{
	size_t rlen = strlen(rel);

	while (len > 0) {
		size_t w = 0;

		while (w < len && v[w] != ' ')
			w++;
		if (w == rlen && strncasecmp(v, rel, rlen) == 0)
			return true;
		while (w < len && v[w] == ' ')
			w++;
		v += w;
		len -= w;
	}
	return false;
}

long
link_find_page(const char *header, const char *rel)
{
	const char *p = header;

	if (p == NULL)
		return 0;
	for (;;) {
		const char *target, *gt;
		bool match = false;

		p = link_skip_ws(p);
		if (*p != '<')
			return 0;
		target = p + 1;
		if ((gt = strchr(target, '>')) == NULL)
			return 0;
		p = gt + 1;
		/* parameters: ; name=value or ; name="value" */
		for (;;) {
			const char *name, *val;
			size_t nlen, vlen;

			p = link_skip_ws(p);
			if (*p != ';')
				break;
			p = link_skip_ws(p + 1);
			name = p;
			while (*p != '\0' && *p != '=' && *p != ';' &&
			    *p != ',' && *p != ' ')
				p++;
			nlen = (size_t)(p - name);
			p = link_skip_ws(p);
			if (*p != '=')
				continue;
			p = link_skip_ws(p + 1);
			if (*p == '"') {
				val = ++p;
				while (*p != '\0' && *p != '"')
					p++;
				if (*p != '"')
					return 0;
				vlen = (size_t)(p - val);
				p++;
			} else {
				val = p;
				while (*p != '\0' && *p != ';' && *p != ',' &&
				    *p != ' ')
					p++;
				vlen = (size_t)(p - val);
			}
			if (nlen == 3 && strncasecmp(name, "rel", 3) == 0 &&
			    link_rel_has(val, vlen, rel))
				match = true;
		}
		if (match)
			return link_target_page(target, (size_t)(gt - target));
		p = link_skip_ws(p);
		if (*p != ',')
			return 0;
		p++;
	}
}

/* Whether our query parser accepts page n (fcgi/query.c). */
static bool
link_page_ours(long n)
{
	return n >= 1 && n <= QUERY_PAGE_MAX;
}

void
link_rels(long page, long next, long last, struct link_rels *out)
{
	out->next = link_page_ours(next) ? next : 0;
	out->last = out->next != 0 && link_page_ours(last) ? last : 0;
	out->first = link_page_ours(page) && page > 1 ? 1 : 0;
	out->prev = out->first != 0 ? page - 1 : 0;
}

/* Unit tests: reading page numbers out of GitHub's Link headers, and
 * which pages ours name. */
#include <stdio.h>

#include "link.h"
#include "query.h"
#include "tap.h"

/* Whether our own query parser takes ?page=n (0: not named, fine). */
static int
link_test_servable(long n)
{
	char qs[64], err[QUERY_ERR_LEN];
	struct query q;

	if (n == 0)
		return 1;
	snprintf(qs, sizeof(qs), "page=%ld&per_page=1", n);
	return query_parse(qs, &q, err, sizeof(err)) == 0 && q.page == n;
}

static const char real[] =
    "<https://api.github.com/user/583231/gists?per_page=100&page=2>; "
    "rel=\"next\", "
    "<https://api.github.com/user/583231/gists?per_page=100&page=5>; "
    "rel=\"last\"";

static const char middle[] =
    "<https://api.github.com/repositories/515435940/issues?per_page=3&page=1>"
    "; rel=\"prev\", "
    "<https://api.github.com/repositories/515435940/issues?per_page=3&page=3>"
    "; rel=\"next\", "
    "<https://api.github.com/repositories/515435940/issues?per_page=3&page=5>"
    "; rel=\"last\", "
    "<https://api.github.com/repositories/515435940/issues?per_page=3&page=1>"
    "; rel=\"first\"";

int
main(void)
{
	TAP_LONG(link_find_page(real, "next"), 2);
	TAP_LONG(link_find_page(real, "last"), 5);
	TAP_LONG(link_find_page(real, "prev"), 0);
	TAP_LONG(link_find_page(middle, "prev"), 1);
	TAP_LONG(link_find_page(middle, "next"), 3);
	TAP_LONG(link_find_page(middle, "last"), 5);
	TAP_LONG(link_find_page(middle, "first"), 1);
	TAP_LONG(link_find_page(NULL, "next"), 0);
	TAP_LONG(link_find_page("", "next"), 0);
	/* page first in the query; unquoted and multi-valued rel; spaces */
	TAP_LONG(link_find_page("<http://x/y?page=7&per_page=1>;rel=next",
		     "next"),
	    7);
	TAP_LONG(link_find_page("<http://x/y?page=7>; rel=\"prev next\"",
		     "next"),
	    7);
	TAP_LONG(link_find_page("  <http://x/y?page=9> ;  REL=\"LAST\"",
		     "last"),
	    9);
	/* commas inside the target do not split entries */
	TAP_LONG(link_find_page("<http://x/a,b?page=4>; rel=\"next\"", "next"),
	    4);
	/* per_page is not page; malformed and hostile values give 0 */
	TAP_LONG(link_find_page("<http://x/y?per_page=8>; rel=\"next\"",
		     "next"),
	    0);
	TAP_LONG(link_find_page("<http://x/y?page=0>; rel=\"next\"", "next"),
	    0);
	TAP_LONG(link_find_page("<http://x/y?page=-1>; rel=\"next\"", "next"),
	    0);
	TAP_LONG(link_find_page("<http://x/y?page=2x>; rel=\"next\"", "next"),
	    0);
	TAP_LONG(link_find_page("<http://x/y?page=99999999999999>; "
				"rel=\"next\"",
		     "next"),
	    0);
	TAP_LONG(link_find_page("<http://x/y?page=3", "next"), 0);
	TAP_LONG(link_find_page("http://x/y?page=3; rel=next", "next"), 0);
	TAP_LONG(link_find_page("<http://x/y?page=3>; rel=\"next", "next"), 0);
	TAP_LONG(link_find_page("<http://x/y?page=3>; rel=\"nextish\"", "next"),
	    0);
	TAP_LONG(link_find_page("<a>; rel=\"x\"; ;;, <b?page=2>; rel=next",
		     "next"),
	    2);
	/* our rels: never a page our query parser refuses */
	{
		static const struct {
			int line;
			long page, next, last;
			struct link_rels want;
		} rels[] = {
			{ __LINE__, 1, 2, 5, { 2, 5, 0, 0 } },
			{ __LINE__, 3, 4, 5, { 4, 5, 1, 2 } },
			{ __LINE__, 5, 0, 0, { 0, 0, 1, 4 } },
			{ __LINE__, 1, 0, 5, { 0, 0, 0, 0 } }, /* no next */
			{ __LINE__, 1, 2, 0, { 2, 0, 0, 0 } }, /* next only */
			/* GitHub's last of page 2000000: left out */
			{ __LINE__, 1, 2, 2000000, { 2, 0, 0, 0 } },
			{ __LINE__, 1, 2, QUERY_PAGE_MAX,
			    { 2, QUERY_PAGE_MAX, 0, 0 } },
			{ __LINE__, 1, 2, QUERY_PAGE_MAX + 1, { 2, 0, 0, 0 } },
			/* the last page we serve has no next we would take */
			{ __LINE__, QUERY_PAGE_MAX, QUERY_PAGE_MAX + 1, 2000000,
			    { 0, 0, 1, QUERY_PAGE_MAX - 1 } },
			{ __LINE__, 2, 1000000000, 1000000000, { 0, 0, 1, 1 } },
			{ __LINE__, 2, -1, -1, { 0, 0, 1, 1 } },
		};

		for (size_t i = 0; i < sizeof(rels) / sizeof(rels[0]); i++) {
			struct link_rels got;

			printf("# rels at line %d\n", rels[i].line);
			link_rels(rels[i].page, rels[i].next, rels[i].last,
			    &got);
			TAP_LONG(got.next, rels[i].want.next);
			TAP_LONG(got.last, rels[i].want.last);
			TAP_LONG(got.first, rels[i].want.first);
			TAP_LONG(got.prev, rels[i].want.prev);
			TAP_OK(link_test_servable(got.next) &&
			    link_test_servable(got.last) &&
			    link_test_servable(got.first) &&
			    link_test_servable(got.prev));
		}
	}
	return tap_done();
}

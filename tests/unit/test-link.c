/* Unit tests: reading page numbers out of GitHub's Link headers. */
#include "link.h"
#include "tap.h"

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
	return tap_done();
}

/* Unit tests: HTML escaping, the links we allow, the page. */
#include <stdlib.h>

#include "html.h"
#include "tap.h"

#define ESC(lit) esc(lit, sizeof(lit) - 1)

/* html_escape of s, as a new string. */
static char *
esc(const char *s, size_t n)
{
	struct buf b;
	size_t len;

	buf_init(&b, 16);
	html_escape(&b, s, n);
	return buf_finish(&b, &len);
}

int
main(void)
{
	char *s;

	s = ESC("a<b>&\"c\"'d'");
	TAP_STR(s, "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;");
	free(s);
	s = ESC("plain text \xc3\xa9 \xf0\x9f\x90\x99");
	TAP_STR(s, "plain text \xc3\xa9 \xf0\x9f\x90\x99");
	free(s);
	/* NUL, other controls and DEL become U+FFFD; tab, LF, CR stay */
	s = ESC("a\0b\x01\x1f\x7f\t\n\r");
	TAP_STR(s,
	    "a\xef\xbf\xbd"
	    "b\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\t\n\r");
	free(s);

	TAP_OK(html_gist_url_ok("https://gist.github.com/octocat/1", 33));
	TAP_OK(
	    html_gist_url_ok("https://gist.githubusercontent.com/o/1/raw/a.rb",
		47));
	TAP_OK(!html_gist_url_ok("javascript:alert(1)", 19));
	TAP_OK(!html_gist_url_ok("http://gist.github.com/o/1", 26));
	TAP_OK(!html_gist_url_ok("https://gist.github.com.evil/x", 30));
	TAP_OK(!html_gist_url_ok("https://evil.com/gist.github.com/", 33));
	TAP_OK(!html_gist_url_ok("https://gist.github.com/", 24));
	TAP_OK(!html_gist_url_ok("https://gist.github.com/\"onclick", 32));
	TAP_OK(!html_gist_url_ok("https://gist.github.com/a b", 27));
	TAP_OK(!html_gist_url_ok("https://gist.github.com/<x>", 27));
	TAP_OK(!html_gist_url_ok("https://gist.github.com/\\x", 26));
	TAP_OK(!html_gist_url_ok("https://gist.github.com/\xc3\xa9", 26));
	TAP_OK(!html_gist_url_ok("https://gist.github.com/a\0b", 27));

	/* an error page */
	{
		size_t len;
		char *page =
		    html_error(502, "Bad Gateway", "GitHub & <co>", &len);

		if (page == NULL) {
			printf("Bail out! out of memory\n");
			return 1;
		}
		TAP_OK(strlen(page) == len);
		TAP_OK(strstr(page, "<title>502 Bad Gateway</title>") != NULL);
		TAP_OK(strstr(page, "<p>GitHub &amp; &lt;co&gt;</p>") != NULL);
		TAP_OK(strstr(page, html_css) != NULL);
		free(page);
	}
	return tap_done();
}

#!/usr/bin/env bats
# The listing as a page for browsers: content negotiation, caching
# headers, error pages, and escaping of anything a gist may hold.

load helpers

BROWSER='text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'

setup_file() {
	start_stack
}

teardown_file() {
	stop_at_teardown stop_stack
}

teardown() {
	stop_at_teardown stop_test_gists
}

@test "negotiation: browsers get HTML, everything else the JSON" {
	local accept
	fetch /octocat -H "Accept: $BROWSER"
	[ "$(header Content-Type)" = "text/html; charset=utf-8" ]
	fetch /octocat -H "Accept: text/*"
	[ "$(header Content-Type)" = "text/html; charset=utf-8" ]
	for accept in '*/*' application/json 'text/html;q=0.5, application/json' \
		'text/html;q=0, */*' 'application/*' 'text/plain' 'image/png'; do
		fetch /octocat -H "Accept: $accept"
		[ "$(header Content-Type)" = "application/json; charset=utf-8" ] ||
			fail "$accept: $(header Content-Type)"
	done
	fetch /octocat -H 'Accept:'
	[ "$(header Content-Type)" = "application/json; charset=utf-8" ]
}

@test "?format= overrides Accept; anything else is a 400" {
	fetch '/octocat?format=html' -H 'Accept: application/json'
	[ "$(header Content-Type)" = "text/html; charset=utf-8" ]
	fetch '/octocat?format=json' -H "Accept: $BROWSER"
	[ "$(header Content-Type)" = "application/json; charset=utf-8" ]
	fetch '/octocat?format=xml'
	[ "$HTTP_STATUS" = 400 ]
	[ "$(header Content-Type)" = application/problem+json ]
}

@test "JSON is byte for byte the same however it is asked for" {
	fetch /octocat -H 'Accept:'
	cp "$BODY" "$BATS_TEST_TMPDIR/plain"
	local a
	for a in '*/*' application/json; do
		fetch /octocat -H "Accept: $a"
		cmp "$BODY" "$BATS_TEST_TMPDIR/plain"
	done
	fetch '/octocat?format=json' -H "Accept: $BROWSER"
	cmp "$BODY" "$BATS_TEST_TMPDIR/plain"
}

@test "Vary: Accept; an ETag per representation; both revalidate" {
	fetch /octocat
	local json_etag html_etag
	json_etag=$(header ETag)
	[ "$(header Vary)" = "Accept, Accept-Encoding" ]
	fetch /octocat -H "Accept: $BROWSER"
	html_etag=$(header ETag)
	[ "$(header Vary)" = "Accept, Accept-Encoding" ]
	[ -n "$html_etag" ]
	[ "$html_etag" != "$json_etag" ]
	fetch /octocat -H "Accept: $BROWSER" -H "If-None-Match: $html_etag"
	[ "$HTTP_STATUS" = 304 ]
	fetch /octocat -H "If-None-Match: $html_etag"
	[ "$HTTP_STATUS" = 200 ]
	fetch /octocat -H "If-None-Match: $json_etag"
	[ "$HTTP_STATUS" = 304 ]
}

@test "the page gets the caching headers of the listing" {
	fetch /octocat -H "Accept: $BROWSER"
	[ "$(header Cache-Control)" = "max-age=60, stale-while-revalidate=300, stale-if-error=3540" ]
	[ -n "$(header X-Cache)" ]
	[ -n "$(header Age)" ]
}

@test "the page: heading, one entry per gist, links, files, dates" {
	fetch /octocat -H "Accept: $BROWSER"
	grep -q '<h1><bdi>octocat</bdi> <small>8 gists</small></h1>' "$BODY"
	[ "$(grep -c '<li class="gist">' "$BODY")" = 8 ]
	grep -q '<a href="https://gist.github.com/octocat/6cad326836d38bd3a7ae"><bdi>Hello world!</bdi></a>' "$BODY"
	grep -q '<code><bdi>hello_world.rb</bdi></code></a> <span class="lang">Ruby &middot; 175 bytes</span>' "$BODY"
	grep -q 'created <time datetime="2014-10-01T16:19:34Z">2014-10-01</time>' "$BODY"
	grep -q '325 comments' "$BODY"
	# "" and null descriptions alike
	[ "$(grep -c 'no description' "$BODY")" = 6 ]
	grep -q 'href="/octocat?format=json">JSON' "$BODY"
	# no external loads, no scripts; the one link is the empty icon
	[ "$(grep -o '<link[^>]*>' "$BODY")" = '<link rel="icon" href="data:,">' ]
	sed 's|<link rel="icon" href="data:,">||' "$BODY" >"$BATS_TEST_TMPDIR/rest"
	run ! grep -Eqi '<script|<link|<img|<iframe| src=|url\(|@import' "$BATS_TEST_TMPDIR/rest"
}

@test "the inline style is the one the CSP allows, by hash" {
	fetch /octocat -H "Accept: $BROWSER"
	run "$PYTHON3" -c '
import base64, hashlib, re, sys
page = open(sys.argv[1], encoding="utf-8").read()
css = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
print("sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode())' "$BODY"
	assert_success
	local csp
	csp=$(header Content-Security-Policy)
	[[ "$csp" == *"style-src '$output'"* ]] || fail "CSP: $csp, style: $output"
	[[ "$csp" == *"default-src 'none'"* ]]
	[[ "$csp" != *script-src* ]]
	[ "$(header X-Content-Type-Options)" = nosniff ]
	[ "$(header Referrer-Policy)" = no-referrer ]
}

@test "hostile gists are inert text: escaped for every context" {
	fetch /mallory -H "Accept: $BROWSER"
	[ "$HTTP_STATUS" = 200 ]
	# nothing of the data became markup
	run ! grep -q '<script' "$BODY"
	run ! grep -q '<img' "$BODY"
	run ! grep -qi 'href="javascript' "$BODY"
	run ! grep -q '" onmouseover' "$BODY"
	grep -q '&lt;script&gt;document.body.setAttribute(&#39;data-pwned&#39;,&#39;script&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;' "$BODY"
	grep -q '<bdi>&lt;img src=x onerror=&quot;' "$BODY"
	grep -q '&quot; onmouseover=&quot;' "$BODY"
	# javascript: is not a link, and a file URL with < > is not either
	grep -q '<h2><bdi>javascript:alert(document.cookie)</bdi></h2>' "$BODY"
	# controls became U+FFFD; the bidi override is isolated in <bdi>
	run "$PYTHON3" -c '
import sys
page = open(sys.argv[1], "rb").read()
page.decode("utf-8")
bad = [b for b in page if b < 0x20 and b not in (9, 10, 13)]
assert not bad, bad[:5]
assert b"\x7f" not in page
assert "controls: \ufffd nul \ufffd".encode() in page
print("ok")' "$BODY"
	assert_output ok
}

@test "paged pages link to the previous and next page" {
	fetch '/gen-250?page=2&per_page=100&format=html'
	grep -q '<a rel="prev" href="/gen-250?page=1&amp;per_page=100&amp;format=html">' "$BODY"
	grep -q '<a rel="next" href="/gen-250?page=3&amp;per_page=100&amp;format=html">' "$BODY"
	grep -q 'page 2, 100 a page' "$BODY"
	[ "$(grep -c '<li class="gist">' "$BODY")" = 100 ]
	# the Link header keeps format too
	[[ "$(header Link)" == *'</gen-250?page=3&per_page=100&format=html>; rel="next"'* ]]
}

@test "truncated and stale listings say so on the page" {
	start_clock_gists GISTS_MAX_PAGES=1 GISTS_CACHE_TTL=60 \
		GISTS_STALE_WHILE_REVALIDATE=0
	fetch /gen-150 -H "Accept: $BROWSER"
	grep -q 'Only the first 100 gists are shown' "$BODY"
	clock_advance 61
	double_fault '{"mode": "status", "status": 500}'
	fetch /gen-150 -H "Accept: $BROWSER"
	[ "$(header X-Cache)" = STALE ]
	grep -q 'GitHub did not answer; this is an earlier copy.' "$BODY"
	double_reset
}

@test "errors are pages for browsers, problems for everyone else" {
	fetch /no-such-user -H "Accept: $BROWSER"
	[ "$HTTP_STATUS" = 404 ]
	[ "$(header Content-Type)" = "text/html; charset=utf-8" ]
	[ "$(header Vary)" = Accept ]
	grep -q '<h1>404 Not Found</h1>' "$BODY"
	grep -q "GitHub user &#39;no-such-user&#39; was not found" "$BODY"
	fetch /no-such-user
	[ "$(header Content-Type)" = application/problem+json ]
	fetch /.. -H "Accept: $BROWSER"
	[ "$HTTP_STATUS" = 400 ]
	grep -q '<h1>400 Bad Request</h1>' "$BODY"
	fetch /octocat -X POST --data x -H "Accept: $BROWSER"
	[ "$HTTP_STATUS" = 405 ]
	[ "$(header Allow)" = "GET, HEAD" ]
	grep -q '<h1>405 Method Not Allowed</h1>' "$BODY"
	double_fault '{"user": "gen-3", "mode": "status", "status": 500}'
	fetch '/gen-3?format=html'
	[ "$HTTP_STATUS" = 502 ]
	grep -q '<h1>502 Bad Gateway</h1>' "$BODY"
	[ "$(header Cache-Control)" = no-store ]
	double_reset
}

#!/usr/bin/env bats
# Complete listings (every page, fetched concurrently) and explicit pages
# with Link headers, against the double's generated users gen-N (N gists).

load helpers

setup_file() {
	# a cache of its own for every test would cost a server each: use
	# TTL 0 here; cache.bats covers caching
	start_stack GISTS_CACHE_TTL=0
}

teardown_file() {
	stop_at_teardown stop_stack
}

setup() {
	double_reset
	double POST config '{"limit": 100000}' >/dev/null
}

teardown() {
	stop_at_teardown stop_test_gists
}

# The body of /USER must equal the double's pages, assembled independently.
assert_whole_listing() { # USER [SINCE]
	"$PYTHON3" "$GISTS_TESTS/oracle.py" expect-url "$UPSTREAM" "$@" \
		>"$BATS_TEST_TMPDIR/expected"
	run "$PYTHON3" "$GISTS_TESTS/oracle.py" same \
		"$BATS_TEST_TMPDIR/expected" "$BODY"
	assert_success
}

# The upstream requests, as "page=N per_page=M" lines in page order.
upstream_pages() {
	double GET requests | "$PYTHON3" -c '
import json, sys, urllib.parse
rows = []
for r in json.load(sys.stdin):
    q = urllib.parse.parse_qs(r["query"])
    rows.append((int(q["page"][0]), int(q["per_page"][0]), "since" in q))
for page, per_page, since in sorted(rows):
    print("page=%d per_page=%d%s" % (page, per_page, " since" if since else ""))'
}

@test "every page of users with 0, 1, 30, 100, 101, 250 and 1000 gists" {
	local n pages
	for n in 0 1 30 100 101 250 1000; do
		double_reset
		double POST config '{"limit": 100000}' >/dev/null
		fetch "/gen-$n"
		[ "$HTTP_STATUS" = 200 ] || fail "gen-$n: $HTTP_STATUS"
		[ "$(json count)" = "$n" ] || fail "gen-$n: count $(json count)"
		# one request a page, 100 a page, none twice
		pages=$(( n <= 100 ? 1 : (n + 99) / 100 ))
		[ "$(double_count)" = "$pages" ] || fail "gen-$n: $(double_count) requests"
		run upstream_pages
		[ "${#lines[@]}" = "$pages" ]
		for i in $(seq 1 "$pages"); do
			[ "${lines[$((i - 1))]}" = "page=$i per_page=100" ] ||
				fail "gen-$n: ${lines[*]}"
		done
		run ! grep -q '"truncated"' "$BODY"
		assert_whole_listing "gen-$n"
	done
}

@test "no duplicates and no gaps at page boundaries" {
	fetch /gen-250
	run "$PYTHON3" -c '
import json, sys
ids = [g["id"] for g in json.load(open(sys.argv[1]))["gists"]]
assert len(ids) == len(set(ids)) == 250, len(set(ids))
# the double numbers its gists 250 down to 1
sizes = [g["files"][0]["size"] for g in json.load(open(sys.argv[1]))["gists"]]
assert sizes == list(range(250, 0, -1)), sizes[:5]
print("ok")' "$BODY"
	assert_output ok
}

@test "the pages after the first are fetched concurrently" {
	# GitHub holds every page until the test lets it go: page 1 alone,
	# then the nine others must all be asked before any is answered
	double_fault '{"user": "gen-1000", "mode": "hold"}'
	curl -s -o "$BATS_TEST_TMPDIR/body" "$BASE/gen-1000" 3>&- &
	local pid=$!
	double_wait_in_flight 1
	double_release
	double_wait_in_flight 9
	double_release
	wait "$pid"
	BODY=$BATS_TEST_TMPDIR/body
	[ "$(json count)" = 1000 ]
	run double GET stats
	# nine pages after the first, all in flight at once
	[ "$("$PYTHON3" -c 'import json, sys; print(json.loads(sys.argv[1])["max_in_flight"])' "$output")" -ge 9 ]
}

@test "GISTS_MAX_PAGES cuts a listing and says truncated" {
	start_test_gists GISTS_CACHE_TTL=0 GISTS_MAX_PAGES=3
	fetch /gen-1000
	[ "$HTTP_STATUS" = 200 ]
	[ "$(json count)" = 300 ]
	[ "$(json truncated)" = true ]
	[ "$(double_count)" = 3 ]
	fetch /gen-300
	[ "$(json count)" = 300 ]
	run ! grep -q '"truncated"' "$BODY"
}

@test "without a last link, next is followed page by page" {
	double_fault '{"user": "gen-250", "mode": "nolast"}'
	fetch /gen-250
	[ "$(json count)" = 250 ]
	[ "$(double_count)" = 3 ]
	assert_whole_listing gen-250
}

@test "a failing middle page fails the whole listing, never a partial one" {
	double_fault '{"user": "gen-1000", "page": 5, "mode": "status", "status": 500}'
	fetch /gen-1000
	[ "$HTTP_STATUS" = 502 ]
	[ "$(header Content-Type)" = application/problem+json ]
	double_reset
	double_fault '{"user": "gen-1000", "page": 7, "mode": "garbage"}'
	fetch /gen-1000
	[ "$HTTP_STATUS" = 502 ]
	# a rate limit stops this instance asking for a while: use another
	start_test_gists GISTS_CACHE_TTL=0
	double_reset
	double_fault '{"user": "gen-1000", "page": 3, "mode": "secondary", "status": 429, "retry_after": 1}'
	fetch /gen-1000
	[ "$HTTP_STATUS" = 503 ]
	[ "$(header Retry-After)" = 1 ]
}

@test "since is validated and forwarded on every page" {
	# gen-N's gists are dated month by month; keep about half
	fetch "/gen-250?since=2010-06-01T00:00:00Z"
	[ "$HTTP_STATUS" = 200 ]
	[ "$(json count)" -lt 250 ]
	[ "$(json count)" -gt 100 ]
	run upstream_pages
	[ "${#lines[@]}" = 2 ]
	for line in "${lines[@]}"; do
		[[ "$line" == *" since" ]] || fail "$line"
	done
	[[ "$(double_request 0 query)" == *since=2010-06-01T00:00:00Z* ]]
	assert_whole_listing gen-250 2010-06-01T00:00:00Z
}

@test "an explicit page: page and per_page upstream, in the body" {
	fetch "/gen-250?page=2&per_page=100"
	[ "$HTTP_STATUS" = 200 ]
	[ "$(json page)" = 2 ]
	[ "$(json per_page)" = 100 ]
	[ "$(json count)" = 100 ]
	[ "$(json gists 0 files 0 size)" = 150 ]
	[ "$(double_count)" = 1 ]
	[ "$(upstream_pages)" = "page=2 per_page=100" ]
	# per_page alone: page 1; page alone: 30 a page (GitHub's default)
	fetch "/gen-250?per_page=7"
	[ "$(json page)" = 1 ]
	[ "$(json count)" = 7 ]
	fetch "/gen-250?page=3"
	[ "$(json per_page)" = 30 ]
	[ "$(json count)" = 30 ]
	[ "$(json gists 0 files 0 size)" = 190 ]
}

@test "Link on the first, a middle and the last page; our own URLs" {
	fetch "/gen-250?page=1&per_page=100"
	[ "$(header Link)" = '</gen-250?page=2&per_page=100>; rel="next", </gen-250?page=3&per_page=100>; rel="last"' ]
	fetch "/gen-250?page=2&per_page=100"
	[ "$(header Link)" = '</gen-250?page=3&per_page=100>; rel="next", </gen-250?page=3&per_page=100>; rel="last", </gen-250?page=1&per_page=100>; rel="first", </gen-250?page=1&per_page=100>; rel="prev"' ]
	fetch "/gen-250?page=3&per_page=100"
	[ "$(header Link)" = '</gen-250?page=1&per_page=100>; rel="first", </gen-250?page=2&per_page=100>; rel="prev"' ]
	[ "$(json count)" = 50 ]
	# never GitHub's
	run ! grep -qi 'api.github.com\|/user/' "$HEADERS"
}

@test "Link keeps since and the login as requested; one page has none" {
	fetch "/Gen-250?page=1&per_page=50&since=2000-01-01T00:00:00Z"
	[ "$(header Link)" = '</Gen-250?page=2&per_page=50&since=2000-01-01T00:00:00Z>; rel="next", </Gen-250?page=5&per_page=50&since=2000-01-01T00:00:00Z>; rel="last"' ]
	fetch "/gen-30?page=1&per_page=100"
	[ -z "$(header Link)" ]
	fetch /gen-250
	[ -z "$(header Link)" ]
}

@test "a Link never names a page we would refuse" {
	# GitHub's last of page 2000000 is left out, not passed on
	double_fault '{"user": "gen-250", "mode": "huge_last", "last": 2000000}'
	fetch "/gen-250?page=1&per_page=1"
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header Link)" = '</gen-250?page=2&per_page=1>; rel="next"' ]
	fetch "/gen-250?page=2&per_page=1&format=html"
	[ "$HTTP_STATUS" = 200 ]
	run ! grep -q 2000000 "$BODY"
	# the last page we serve: no next beyond it, first and prev work
	fetch "/gen-250?page=100000&per_page=1"
	[ "$HTTP_STATUS" = 200 ]
	local link url
	link=$(header Link)
	[ "$link" = '</gen-250?page=1&per_page=1>; rel="first", </gen-250?page=99999&per_page=1>; rel="prev"' ]
	# every target named answers
	for url in $(printf '%s\n' "$link" | grep -o '</[^>]*>' | tr -d '<>'); do
		fetch "$url"
		[ "$HTTP_STATUS" = 200 ] || fail "$url: $HTTP_STATUS"
	done
}

@test "a page past the end is empty, with first and prev" {
	fetch "/gen-30?page=9&per_page=10"
	[ "$HTTP_STATUS" = 200 ]
	[ "$(json count)" = 0 ]
	[ "$(header Link)" = '</gen-30?page=1&per_page=10>; rel="first", </gen-30?page=8&per_page=10>; rel="prev"' ]
}

@test "a multi-page listing revalidates every page: all 304, REVALIDATED" {
	# (the request past the TTL revalidates itself)
	start_clock_gists GISTS_CACHE_TTL=60 GISTS_STALE_WHILE_REVALIDATE=0
	fetch /gen-250
	[ "$(header X-Cache)" = MISS ]
	clock_advance 61
	double_reset
	double POST config '{"limit": 100000}' >/dev/null
	fetch /gen-250
	[ "$(header X-Cache)" = REVALIDATED ]
	[ "$(json count)" = 250 ]
	[ "$(double_count)" = 3 ]
	local i
	for i in 0 1 2; do
		[ -n "$(double_request $i headers if-none-match)" ]
	done
}

@test "a changed page after the TTL: the new listing, unchanged pages reused" {
	# (the request past the TTL revalidates itself)
	start_clock_gists GISTS_CACHE_TTL=60 GISTS_STALE_WHILE_REVALIDATE=0
	double POST user '{"login": "growing", "count": 150}' >/dev/null
	fetch /growing
	[ "$(json count)" = 150 ]
	double POST user '{"login": "growing", "count": 151}' >/dev/null
	clock_advance 61
	fetch /growing
	[ "$(header X-Cache)" = MISS ]
	[ "$(json count)" = 151 ]
	[ "$(json gists 0 files 0 size)" = 151 ]
}

@test "without a last link, pages GitHub confirms (304) are still followed" {
	# (the request past the TTL revalidates itself)
	start_clock_gists GISTS_CACHE_TTL=60 GISTS_STALE_WHILE_REVALIDATE=0
	double POST user '{"login": "follow", "count": 250}' >/dev/null
	double_fault '{"user": "follow", "mode": "nolast"}'
	fetch /follow
	[ "$(json count)" = 250 ]
	# page 1 changes; pages 2 and 3 do not
	double POST edit '{"login": "follow", "index": 0, "description": "new"}' >/dev/null
	clock_advance 61
	double_reset_requests
	fetch /follow
	[ "$(header X-Cache)" = MISS ]
	[ "$(json count)" = 250 ]
	[ "$(json gists 0 description)" = new ]
	run ! grep -q '"truncated"' "$BODY"
	[ "$(double_count)" = 3 ]
}

#!/usr/bin/env bats
# The HTTP contract (docs/api.md) through the real lighttpd, the real responder
# and the GitHub test double.

load helpers

setup_file() {
	start_stack
}

teardown_file() {
	stop_at_teardown stop_stack
}

setup() {
	double_reset
}

# The body the contract prescribes for FIXTURE, in the test's tmpdir.
expected() { # FIXTURE USER [PAGE PER_PAGE]
	"$PYTHON3" "$GISTS_TESTS/oracle.py" expect \
		"$GISTS_TESTS/fixtures/$1" "${@:2}" >"$BATS_TEST_TMPDIR/expected"
}

assert_body_is_expected() {
	run "$PYTHON3" "$GISTS_TESTS/oracle.py" same \
		"$BATS_TEST_TMPDIR/expected" "$BODY"
	assert_success
}

@test "GET /octocat answers the fixture's gists in the compact schema" {
	fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header Content-Type)" = "application/json; charset=utf-8" ]
	expected octocat-gists.json octocat
	assert_body_is_expected
	[ "$(json count)" = 8 ]
	[ "$(json gists 0 id)" = 6cad326836d38bd3a7ae ]
	[ "$(json gists 7 id)" = 1162032 ]
	# descriptions: "" and null exactly where GitHub has them
	[ "$(json gists 1 description)" = "" ]
	[ "$(json gists 4 description)" = null ]
	[ "$(json gists 3 files 0 language)" = null ]
	[ "$(json gists 4 files 1 filename)" = style.css ]
}

@test "a listing costs one upstream request, for 100 a page" {
	fetch /gen-5
	[ "$(json count)" = 5 ]
	[ "$(double_count)" = 1 ]
	[ "$(double_request 0 path)" = /users/gen-5/gists ]
	[[ "$(double_request 0 query)" == *per_page=100* ]]
	[[ "$(double_request 0 query)" == *page=1* ]]
}

@test "200 carries caching and identity headers" {
	fetch /octocat
	[ "$(header Cache-Control)" = "max-age=60, stale-while-revalidate=300, stale-if-error=3540" ]
	[[ "$(header ETag)" =~ ^\"[0-9a-f]{16}\"$ ]]
	[ -n "$(header X-Request-Id)" ]
	[ "$(header X-Content-Type-Options)" = nosniff ]
	[ -z "$(header Server)" ]
}

@test "a matching If-None-Match gets 304 with the same ETag and no body" {
	fetch /octocat
	local etag
	etag=$(header ETag)
	fetch /octocat -H "If-None-Match: $etag"
	[ "$HTTP_STATUS" = 304 ]
	[ "$(header ETag)" = "$etag" ]
	[ ! -s "$BODY" ]
	fetch /octocat -H 'If-None-Match: "0000000000000000"'
	[ "$HTTP_STATUS" = 200 ]
}

@test "HEAD answers the headers of GET without a body" {
	fetch /octocat
	local length
	length=$(header Content-Length)
	raw 'HEAD /octocat HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'
	run head -n 1 "$RAW"
	assert_output --partial "HTTP/1.1 200 OK"
	[ "$(header Content-Length)" = "$length" ]
	[ "$(header Content-Type)" = "application/json; charset=utf-8" ]
	# nothing follows the blank line that ends the head
	run "$PYTHON3" -c 'import sys; d = open(sys.argv[1], "rb").read(); print(len(d) - d.index(b"\r\n\r\n") - 4)' "$RAW"
	assert_output 0
}

@test "logins are case-insensitive; user is the login as requested" {
	fetch /Gen-7
	[ "$HTTP_STATUS" = 200 ]
	[ "$(json user)" = Gen-7 ]
	[ "$(json count)" = 7 ]
	[ "$(double_request 0 path)" = /users/gen-7/gists ]
}

@test "percent-encoded letters are letters; one trailing slash is ignored" {
	fetch /%6Fctocat
	[ "$HTTP_STATUS" = 200 ]
	[ "$(json user)" = octocat ]
	fetch /octocat/
	[ "$HTTP_STATUS" = 200 ]
	[ "$(json user)" = octocat ]
}

@test "Unicode, quotes, backslashes and control characters survive exactly" {
	fetch /mallory
	[ "$HTTP_STATUS" = 200 ]
	expected hostile-gists.json mallory
	assert_body_is_expected
	# and the body is valid UTF-8 with every control character escaped
	run "$PYTHON3" -c '
import sys
raw = open(sys.argv[1], "rb").read()
raw.decode("utf-8")
assert not any(b < 0x20 for b in raw), "raw control byte"
assert b"\\u0000" in raw' "$BODY"
	assert_success
}

@test "a user with no gists is an empty list" {
	fetch /empty
	[ "$HTTP_STATUS" = 200 ]
	[ "$(json count)" = 0 ]
	[ "$(json gists)" = "[]" ]
}

@test "?page and ?per_page answer one page with page and per_page members" {
	fetch "/octocat?page=2&per_page=3"
	[ "$HTTP_STATUS" = 200 ]
	expected octocat-gists.json octocat 2 3
	assert_body_is_expected
	# cut from octocat's whole listing, never asked page by page
	# (derive.bats; paging.bats asks GitHub for pages without a cache)
	run ! grep -q 'per_page=3' <<<"$(double GET requests)"
}

@test "unknown query parameters are ignored" {
	fetch "/octocat?utm_source=x&flag"
	[ "$HTTP_STATUS" = 200 ]
	[ "$(json count)" = 8 ]
}

@test "malformed query parameters are 400 problems, before any upstream call" {
	local q
	for q in page=0 page=abc page=100001 per_page=0 per_page=101 \
		per_page=-5 page= since=yesterday since=2024-02-30T00:00:00Z \
		"since=2024-01-01T00:00:00%2B01:00"; do
		fetch "/octocat?$q"
		[ "$HTTP_STATUS" = 400 ] || fail "$q gave $HTTP_STATUS"
		[ "$(header Content-Type)" = application/problem+json ]
		[ "$(json status)" = 400 ]
		[ "$(json title)" = "Bad Request" ]
	done
	[ "$(double_count)" = 0 ]
}

@test "an unknown GitHub user is a 404 problem" {
	fetch /no-such-user
	[ "$HTTP_STATUS" = 404 ]
	[ "$(header Content-Type)" = application/problem+json ]
	[ "$(json type)" = about:blank ]
	[ "$(json title)" = "Not Found" ]
	[ "$(json status)" = 404 ]
	[ "$(json detail)" = "GitHub user 'no-such-user' was not found" ]
	[ "$(header Cache-Control)" = no-store ]
}

@test "an unknown path is a 404 problem without an upstream call" {
	local p
	for p in /octocat/gists /-/nothing /-/healthz/x; do
		fetch "$p"
		[ "$HTTP_STATUS" = 404 ] || fail "$p gave $HTTP_STATUS"
		[ "$(header Content-Type)" = application/problem+json ]
	done
	[ "$(double_count)" = 0 ]
}

@test "other methods on known paths are 405 with Allow: GET, HEAD" {
	local m p
	for p in /octocat / /-/healthz; do
		for m in POST PUT DELETE PATCH OPTIONS; do
			fetch "$p" -X "$m" --data x
			[ "$HTTP_STATUS" = 405 ] || fail "$m $p gave $HTTP_STATUS"
			[ "$(header Allow)" = "GET, HEAD" ]
			[ "$(header Content-Type)" = application/problem+json ]
		done
	done
	[ "$(double_count)" = 0 ]
}

@test "GET / is a JSON index of the service" {
	fetch /
	[ "$HTTP_STATUS" = 200 ]
	[ "$(json service)" = gists ]
	[ -n "$(json version)" ]
	[[ "$(json routes)" == *'/{user}'* ]]
}

@test "GET /-/healthz is ok, never cached, and never calls GitHub" {
	fetch /-/healthz
	[ "$HTTP_STATUS" = 200 ]
	[ "$(cat "$BODY")" = '{"status":"ok"}' ]
	[ "$(header Cache-Control)" = no-store ]
	[ "$(double_count)" = 0 ]
}

@test "X-Request-Id: a well-formed one is echoed, others replaced" {
	fetch /-/healthz -H 'X-Request-Id: abc-123'
	[ "$(header X-Request-Id)" = abc-123 ]
	fetch /-/healthz -H 'X-Request-Id: <script>'
	[[ "$(header X-Request-Id)" =~ ^[0-9a-f]{32}$ ]]
}

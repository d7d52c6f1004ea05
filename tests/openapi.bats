#!/usr/bin/env bats
# Real answers of the running stack, checked against docs/openapi.yaml
# (tests/openapi.py, with python3-jsonschema): 200 listings of several
# users, paged and truncated answers, HEAD and 304, the operational routes
# and every error status, each against the schema of its route and status.

load helpers

setup_file() {
	# TTL 0: every error below comes from GitHub's side, never masked by
	# a stale copy; a 1 s upstream timeout makes the double's slow mode a
	# 504.
	start_stack GISTS_CACHE_TTL=0 GISTS_UPSTREAM_TIMEOUT=1
	export SPEC="$GISTS_SRCDIR/docs/openapi.yaml"
}

teardown_file() {
	stop_at_teardown stop_stack
}

setup() {
	double_reset
}

teardown() {
	stop_at_teardown stop_test_gists
}

# The last fetch is an answer the spec declares for METHOD on ROUTE.
conforms() { # METHOD ROUTE
	run "$PYTHON3" "$GISTS_TESTS/openapi.py" check "$SPEC" "$1" "$2" \
		"$HTTP_STATUS" "$HEADERS" "$BODY"
	assert_success
	assert_output ""
}

@test "openapi: the document is OpenAPI 3.1 and every \$ref resolves" {
	run "$PYTHON3" "$GISTS_TESTS/openapi.py" refs "$SPEC"
	assert_success
	assert_output ""
}

@test "openapi: the check fails on answers the spec does not allow" {
	fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	# a member the schema does not have
	"$PYTHON3" -c '
import json, sys
b = json.load(open(sys.argv[1])); b["extra"] = 1
json.dump(b, open(sys.argv[1], "w"))' "$BODY"
	run "$PYTHON3" "$GISTS_TESTS/openapi.py" check "$SPEC" GET '/{user}' \
		200 "$HEADERS" "$BODY"
	assert_failure
	assert_output --partial "'extra'"
	# a status the route does not declare
	run "$PYTHON3" "$GISTS_TESTS/openapi.py" check "$SPEC" GET '/{user}' \
		418 "$HEADERS" "$BODY"
	assert_failure
	assert_output --partial "status 418 is not declared"
	# a required header missing
	grep -iv '^etag:' "$HEADERS" >"$BATS_TEST_TMPDIR/noetag"
	run "$PYTHON3" "$GISTS_TESTS/openapi.py" check "$SPEC" HEAD '/{user}' \
		200 "$BATS_TEST_TMPDIR/noetag" /dev/null
	assert_failure # a HEAD's headers are the GET's
	assert_output --partial "header ETag is required"
	fetch /octocat
	run "$PYTHON3" "$GISTS_TESTS/openapi.py" check "$SPEC" GET '/{user}' \
		200 "$BATS_TEST_TMPDIR/noetag" "$BODY"
	assert_failure
	assert_output --partial "header ETag is required"
}

@test "openapi: 200 listings of several users" {
	local user
	for user in octocat OctoCat mallory empty gen-250; do
		fetch "/$user"
		[ "$HTTP_STATUS" = 200 ] || fail "/$user: $HTTP_STATUS"
		conforms GET '/{user}'
	done
	# the listing of gen-250 took three pages upstream, all of them here
	[ "$(json count)" = 250 ]
}

@test "openapi: paged answers, first, middle, last and past the end" {
	local q
	for q in 'page=1&per_page=3' 'page=2&per_page=3' 'per_page=5' \
		'page=3' 'page=3&per_page=100' 'page=9&per_page=100'; do
		fetch "/gen-250?$q"
		[ "$HTTP_STATUS" = 200 ] || fail "?$q: $HTTP_STATUS"
		conforms GET '/{user}'
		[ -n "$(json page)" ]
		[ -n "$(json per_page)" ]
	done
	fetch '/octocat?since=2020-01-01T00:00:00Z&page=1&per_page=2'
	conforms GET '/{user}'
	[ -n "$(header Link)" ]
}

@test "openapi: a truncated listing" {
	start_test_gists GISTS_CACHE_TTL=0 GISTS_MAX_PAGES=1
	fetch /gen-250
	[ "$HTTP_STATUS" = 200 ]
	conforms GET '/{user}'
	[ "$(json truncated)" = true ]
}

@test "openapi: HEAD, 304 and the HTML representation" {
	fetch /octocat -I
	[ "$HTTP_STATUS" = 200 ]
	conforms HEAD '/{user}'
	fetch /octocat
	local etag
	etag=$(header ETag)
	fetch /octocat -H "If-None-Match: $etag"
	[ "$HTTP_STATUS" = 304 ]
	conforms GET '/{user}'
	fetch /octocat -H 'Accept: text/html'
	[ "$HTTP_STATUS" = 200 ]
	[[ "$(header Content-Type)" == text/html* ]]
	conforms GET '/{user}'
}

@test "openapi: the index, the health check and the metrics" {
	fetch /
	[ "$HTTP_STATUS" = 200 ]
	conforms GET /
	fetch /-/healthz
	[ "$HTTP_STATUS" = 200 ]
	conforms GET /-/healthz
	fetch /-/metrics
	[ "$HTTP_STATUS" = 200 ]
	conforms GET /-/metrics
	fetch /-/healthz -I
	conforms HEAD /-/healthz
}

@test "openapi: 400 for every malformed login and parameter" {
	local path
	for path in '/-octocat' '/a..b' '/octo%2Fcat' \
		'/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' '/octocat?page=0' \
		'/octocat?per_page=101' '/octocat?since=yesterday' \
		'/octocat?format=xml'; do
		fetch "$path"
		[ "$HTTP_STATUS" = 400 ] || fail "$path: $HTTP_STATUS"
		conforms GET '/{user}'
	done
	fetch '/octocat?page=x' -H 'Accept: text/html'
	[ "$HTTP_STATUS" = 400 ]
	[[ "$(header Content-Type)" == text/html* ]]
	conforms GET '/{user}'
	[ "$(double_count)" = 0 ]
}

@test "openapi: 404 for a missing user and for an unknown path" {
	fetch /no-such-user
	[ "$HTTP_STATUS" = 404 ]
	conforms GET '/{user}'
	fetch /octocat/gists
	[ "$HTTP_STATUS" = 404 ]
	conforms GET '/{user}'
	fetch /-/nothing
	[ "$HTTP_STATUS" = 404 ]
	conforms GET '/{user}'
}

@test "openapi: 405 for other methods, on every route" {
	local m
	for m in POST PUT PATCH DELETE OPTIONS; do
		# with a body: lighttpd wants a length (411) before a method
		fetch /octocat -X "$m" --data ''
		[ "$HTTP_STATUS" = 405 ] || fail "$m: $HTTP_STATUS"
		conforms "$m" '/{user}'
	done
	local route
	for route in / /-/healthz /-/metrics; do
		fetch "$route" -X POST --data ''
		[ "$HTTP_STATUS" = 405 ] || fail "POST $route: $HTTP_STATUS"
		conforms POST "$route"
	done
}

@test "openapi: 502, 503 and 504 from GitHub's failures" {
	double_fault '{"mode": "status", "status": 500}'
	fetch /octocat
	[ "$HTTP_STATUS" = 502 ]
	conforms GET '/{user}'
	double_reset
	double_fault '{"mode": "garbage"}'
	fetch /octocat
	[ "$HTTP_STATUS" = 502 ]
	conforms GET '/{user}'
	double_reset
	double_fault '{"mode": "slow", "delay": 3}'
	fetch /octocat
	[ "$HTTP_STATUS" = 504 ]
	conforms GET '/{user}'
	double_reset
	double_fault '{"mode": "ratelimit", "reset_in": 120}'
	fetch /octocat
	[ "$HTTP_STATUS" = 503 ]
	conforms GET '/{user}'
	fetch /octocat -H 'Accept: text/html'
	[ "$HTTP_STATUS" = 503 ]
	conforms GET '/{user}'
}

#!/usr/bin/env bats
# What the service sends GitHub, and how each way GitHub can fail maps to
# an answer (docs/api.md, "Errors"). The cache is off here (TTL 0), so every
# request goes upstream and nothing is served stale.

load helpers

TOKEN=ghp_test_token_0123456789abcdefSECRET

setup_file() {
	start_stack GISTS_CACHE_TTL=0 GISTS_UPSTREAM_TIMEOUT=1 \
		GITHUB_TOKEN="$TOKEN"
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

# Assert the last answer is an RFC 9457 problem with this status.
assert_problem() { # STATUS
	[ "$HTTP_STATUS" = "$1" ] || fail "status $HTTP_STATUS, want $1"
	[ "$(header Content-Type)" = application/problem+json ]
	[ "$(json status)" = "$1" ]
	[ "$(json type)" = about:blank ]
	[ -n "$(json title)" ]
	[ -n "$(json detail)" ]
	[ "$(header Cache-Control)" = no-store ]
	run ! grep -q "$TOKEN" "$BODY"
}

@test "upstream request: User-Agent, Accept, API version, Bearer token" {
	fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	[ "$(double_count)" = 1 ]
	[[ "$(double_request 0 headers user-agent)" =~ ^gists/[0-9]+\.[0-9]+ ]]
	[ "$(double_request 0 headers accept)" = application/vnd.github+json ]
	[ "$(double_request 0 headers x-github-api-version)" = 2022-11-28 ]
	[ "$(double_request 0 headers authorization)" = "Bearer $TOKEN" ]
}

@test "the token never appears in answers or logs" {
	fetch /octocat
	fetch /no-such-user
	double_fault '{"mode": "status", "status": 500}'
	fetch /octocat
	run ! grep -q "$TOKEN" "$SERVER_LOG"
	run "$GISTS_BIN" --check-config
	env GITHUB_TOKEN="$TOKEN" "$GISTS_BIN" --check-config \
		>"$BATS_TEST_TMPDIR/cfg"
	run ! grep -q "$TOKEN" "$BATS_TEST_TMPDIR/cfg"
	grep -q '^GITHUB_TOKEN=(set, redacted)$' "$BATS_TEST_TMPDIR/cfg"
}

@test "GitHub 404: the user's 404 problem" {
	fetch /no-such-user
	assert_problem 404
	[ "$(json detail)" = "GitHub user 'no-such-user' was not found" ]
}

@test "GitHub 5xx: 502" {
	local s
	for s in 500 502 503; do
		double_reset
		double_fault "{\"mode\": \"status\", \"status\": $s}"
		fetch /octocat
		assert_problem 502
	done
}

@test "GitHub 401, a 403 that is no rate limit, other 4xx: 502" {
	local s
	for s in 401 403 410 422; do
		double_reset
		double_fault "{\"mode\": \"status\", \"status\": $s, \"headers\": {\"X-RateLimit-Remaining\": \"17\"}}"
		fetch /octocat
		assert_problem 502
	done
}

# A rate limit makes the service stop asking GitHub until it lifts, so
# these tests use instances of their own.

@test "primary rate limit (403, remaining 0): 503 with Retry-After from the reset" {
	start_test_gists GISTS_CACHE_TTL=0
	double_fault '{"mode": "ratelimit", "reset_in": 120}'
	fetch /octocat
	assert_problem 503
	local retry
	retry=$(header Retry-After)
	# counted down from the reset, with room for a slow machine
	[ "$retry" -ge 90 ] && [ "$retry" -le 120 ] || fail "Retry-After $retry"
}

@test "secondary rate limit (429): 503 with GitHub's Retry-After" {
	start_test_gists GISTS_CACHE_TTL=0
	double_fault '{"mode": "secondary", "status": 429, "retry_after": 420}'
	fetch /octocat
	assert_problem 503
	# what is left of it when the answer is made: 420, or a few seconds
	# less on a slow machine
	[ "$(header Retry-After)" -le 420 ] && [ "$(header Retry-After)" -ge 400 ]
}

@test "secondary rate limit (403 with Retry-After): 503, same Retry-After" {
	start_test_gists GISTS_CACHE_TTL=0
	double_fault '{"mode": "secondary", "status": 403, "retry_after": 70}'
	fetch /octocat
	assert_problem 503
	[ "$(header Retry-After)" -le 70 ] && [ "$(header Retry-After)" -ge 50 ]
}

@test "a reset ten days off: Retry-After 3600 at most, on every path, logged" {
	local far=$(($(date +%s) + 864000))
	# a 200 that spends the last request, with a far-off reset
	start_test_gists GISTS_CACHE_TTL=0
	double_fault '{"mode": "status", "status": 200, "body": [], "times": 1,
		"headers": {"X-RateLimit-Remaining": "0",
			    "X-RateLimit-Reset": "'"$far"'"}}'
	fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	fetch /mallory
	assert_problem 503
	[ "$(header Retry-After)" -le 3600 ] || fail "Retry-After $(header Retry-After)"
	[ "$(header Retry-After)" -ge 3000 ] || fail "Retry-After $(header Retry-After)"
	[ "$(double_count)" = 1 ]
	grep -q 'X-RateLimit-Reset is [0-9]* s away' "$SERVER_LOG"
	stop_test_gists
	# the primary limit (403) with the same reset
	start_test_gists GISTS_CACHE_TTL=0
	double_fault '{"mode": "ratelimit", "reset_in": 864000}'
	fetch /octocat
	assert_problem 503
	# what is left of the 3600 s block when the answer is made
	[ "$(header Retry-After)" -le 3600 ] && [ "$(header Retry-After)" -ge 3500 ]
}

@test "while rate limited, GitHub is not asked again until the limit lifts" {
	start_test_gists GISTS_CACHE_TTL=0
	# a limit of 1 s has lifted once more than a second has passed...
	double_fault '{"mode": "secondary", "status": 429, "retry_after": 1, "times": 1}'
	fetch /octocat
	assert_problem 503
	sleep 1.1
	fetch /mallory
	[ "$HTTP_STATUS" = 200 ]
	[ "$(double_count)" = 2 ]
	# ...and one of a minute holds for every request a slow machine
	# makes meanwhile: none reaches GitHub
	double_fault '{"mode": "secondary", "status": 429, "retry_after": 60, "times": 1}'
	fetch /octocat
	assert_problem 503
	local user
	for user in mallory octocat gen-3; do
		fetch "/$user"
		assert_problem 503
		[ "$(header Retry-After)" -ge 1 ]
		[ "$(header Retry-After)" -le 60 ]
	done
	[ "$(double_count)" = 3 ]
}

@test "the double's own limit running out is a 503 with Retry-After >= 1" {
	double POST config '{"limit": 2}' >/dev/null
	# with a token the limit is 5000: run this one anonymously
	start_test_gists GISTS_CACHE_TTL=0
	fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	fetch /octocat
	assert_problem 503
	[ "$(header Retry-After)" -ge 1 ]
	# the second answer said "remaining 0": the third was not even asked
	[ "$(double_count)" = 2 ]
}

@test "GitHub too slow (past GISTS_UPSTREAM_TIMEOUT=1): 504" {
	double_fault '{"mode": "slow", "delay": 10}'
	fetch /octocat
	assert_problem 504
}

@test "a body trickling in past the timeout: 504" {
	double_fault '{"mode": "trickle", "delay": 0.5}'
	fetch /octocat
	assert_problem 504
}

@test "GitHub unreachable: 502" {
	start_test_gists GISTS_CACHE_TTL=0 \
		GITHUB_API_URL="http://127.0.0.1:$(free_port)"
	fetch /octocat
	assert_problem 502
}

@test "connection reset without an answer: 502" {
	double_fault '{"mode": "reset"}'
	fetch /octocat
	assert_problem 502
}

@test "invalid JSON, non-array JSON, invalid UTF-8, deep nesting: 502" {
	local mode
	for mode in garbage object invalid_utf8 nested; do
		double_reset
		double_fault "{\"mode\": \"$mode\"}"
		fetch /octocat
		assert_problem 502
	done
}

@test "created_at or updated_at not an RFC 3339 date-time: 502, logged" {
	local gist='{"id": "1", "description": null, "html_url": "https://gist.github.com/badtime/1", "public": true, "created_at": "2010-04-14T02:15:15Z", "updated_at": "2010-04-14T02:15:15Z", "comments": 0, "files": {}}'
	double POST user "{\"login\": \"goodtime\", \"gists\": [$gist]}" >/dev/null
	fetch /goodtime
	[ "$HTTP_STATUS" = 200 ]
	# the fuzzer's find: data that starts with a quote
	double POST user "{\"login\": \"badtime\", \"gists\": [${gist/\"updated_at\": \"2010/\"updated_at\": \"\\\" on25}]}" >/dev/null
	fetch /badtime
	assert_problem 502
	grep -q "gist 0: member 'updated_at' is not an RFC 3339 date-time" "$SERVER_LOG"
}

@test "a truncated body: 502" {
	double_fault '{"mode": "truncated"}'
	fetch /octocat
	assert_problem 502
}

@test "an oversized body, with or without Content-Length: 502" {
	double_fault '{"mode": "huge", "size": 20000000}'
	fetch /octocat
	assert_problem 502
	double_reset
	double_fault '{"mode": "huge", "size": 20000000, "chunked": true}'
	fetch /octocat
	assert_problem 502
}

@test "after a failure the next request is served normally" {
	# (not a reset: libcurl retries a request whose kept-alive connection
	# dies before any answer, so one reset may never be seen)
	double_fault '{"mode": "status", "status": 500, "times": 1}'
	fetch /octocat
	assert_problem 502
	fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	[ "$(json count)" = 8 ]
}

@test "errors are logged with their detail, escaped, one JSON line each" {
	double_fault '{"mode": "status", "status": 503}'
	fetch /octocat
	run "$PYTHON3" -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
errs = [l for l in lines if l.get("status") == 502]
assert errs, "no 502 line"
assert "503" in errs[-1]["error"], errs[-1]
print("ok")' "$SERVER_LOG"
	assert_output ok
}

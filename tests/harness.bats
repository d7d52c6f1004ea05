#!/usr/bin/env bats
# The harness itself: the lint that keeps every check able to fail
# (lint-bats.py), the helpers that keep every stop's status, and the
# double's own books.

load helpers

LINT=$GISTS_TESTS/lint-bats.py
LINT_FIXTURES=$GISTS_TESTS/fixtures/lint

teardown() {
	stop_at_teardown
}

@test "lint: every check whose failure bats throws away is rejected" {
	run "$PYTHON3" "$LINT" "$LINT_FIXTURES/bad.bats.txt"
	assert_failure 1
	local line
	# each numbered case of the fixture, by its line
	for line in 7 8 15 22 30 36 43; do
		assert_line --partial "bad.bats.txt:$line: "
	done
}

@test "lint: the same checks written to count pass" {
	run "$PYTHON3" "$LINT" "$LINT_FIXTURES/good.bats.txt"
	assert_success
	assert_output ''
}

@test "lint: the project's own bats files pass" {
	run "$PYTHON3" "$LINT" "$GISTS_TESTS"/*.bats "$GISTS_TESTS/helpers.bash"
	assert_success
}

@test "run_every runs every command and fails if any did" {
	run run_every false -- touch "$BATS_TEST_TMPDIR/ran" -- true
	assert_failure
	[ -e "$BATS_TEST_TMPDIR/ran" ]
	run run_every true -- true
	assert_success
}

@test "stop_at_teardown runs every registered stop and fails if one did" {
	at_teardown touch "$BATS_TEST_TMPDIR/first"
	at_teardown false
	run stop_at_teardown touch "$BATS_TEST_TMPDIR/given"
	assert_failure
	[ -e "$BATS_TEST_TMPDIR/first" ]
	[ -e "$BATS_TEST_TMPDIR/given" ]
	# the list is spent: a second call has nothing left to fail
	run stop_at_teardown
	assert_success
}

@test "kill_wait fails for a process that had already ended" {
	sleep 60 3>&- &
	local pid=$!
	kill_wait "$pid"
	run kill_wait "$pid"
	assert_failure
}

@test "the double: a reset while a request is held leaves in_flight at 0" {
	start_double_in "$BATS_TEST_TMPDIR/double" UPSTREAM
	at_teardown stop_double_in "$BATS_TEST_TMPDIR/double"
	double_fault '{"mode": "hold"}'
	curl -s -o /dev/null -A test "$UPSTREAM/users/octocat/gists" 3>&- &
	local curl_pid=$!
	double_wait_in_flight 1
	# a reset releases the held request; it ends in the new generation
	double_reset
	wait "$curl_pid"
	[ "$(double GET stats | "$PYTHON3" -c 'import json, sys; print(json.load(sys.stdin)["in_flight"])')" = 0 ]
	# and a request of the new generation is counted from 0
	double_fault '{"mode": "hold"}'
	curl -s -o /dev/null -A test "$UPSTREAM/users/octocat/gists" 3>&- &
	curl_pid=$!
	double_wait_in_flight 1
	double_release
	wait "$curl_pid"
	[ "$(double GET stats | "$PYTHON3" -c 'import json, sys; print(json.load(sys.stdin)["in_flight"])')" = 0 ]
}

# fetch (helpers.bash) from the double itself: its API as GitHub's.
github() { # PATH [curl args...]
	BASE=$UPSTREAM fetch "$@"
}

# A member of the double's /_double/stats (keys and indices).
double_stat() { # PATH...
	double GET stats >"$BATS_TEST_TMPDIR/stats"
	"$PYTHON3" "$GISTS_TESTS/oracle.py" get "$BATS_TEST_TMPDIR/stats" "$@"
}

@test "the double's books: past the budget GitHub's 403, recorded as refused; the next window starts afresh" {
	start_double_in "$BATS_TEST_TMPDIR/double" UPSTREAM
	at_teardown stop_double_in "$BATS_TEST_TMPDIR/double"
	double POST config '{"limit": 2, "window": 120}' >/dev/null
	local path=/users/octocat/gists reset
	github "$path"
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header X-RateLimit-Remaining)" = 1 ]
	reset=$(header X-RateLimit-Reset)
	[ "$reset" -ge "$(( $(date +%s) + 119 ))" ]
	github "$path"
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header X-RateLimit-Remaining)" = 0 ]
	[ "$(header X-RateLimit-Used)" = 2 ]
	# past the budget: GitHub's answer, which spends nothing
	github "$path"
	[ "$HTTP_STATUS" = 403 ]
	[ "$(header X-RateLimit-Remaining)" = 0 ]
	[ "$(header X-RateLimit-Used)" = 2 ]
	[ "$(header X-RateLimit-Reset)" = "$reset" ]
	grep -q '"API rate limit exceeded for 127.0.0.1' "$BODY"
	[ "$(double_stat refused)" = 1 ]
	[ "$(double_stat windows 0 refused)" = 1 ]
	[ "$(double_request -1 refused)" = True ]
	# the window's end, on the double's clock: the next request opens
	# a new window, a full budget to the next reset
	double POST clock '{"advance": 120}' >/dev/null
	github "$path"
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header X-RateLimit-Remaining)" = 1 ]
	[ "$(header X-RateLimit-Reset)" -ge "$(( reset + 120 ))" ]
	[ "$(double_stat windows 0 closed)" = true ]
	[ "$(double_stat windows 0 remaining)" = 0 ]
	[ "$(double_stat windows 1 used)" = 1 ]
	[ "$(double_stat refused)" = 1 ]
}

@test "the double's books: a 304 is free only with Authorization; a token and each address count apart" {
	start_double_in "$BATS_TEST_TMPDIR/double" UPSTREAM
	at_teardown stop_double_in "$BATS_TEST_TMPDIR/double"
	double POST config '{"limit": 3, "token_limit": 10}' >/dev/null
	local path=/users/octocat/gists etag
	github "$path"
	[ "$(header X-RateLimit-Remaining)" = 2 ]
	etag=$(header ETag)
	# tokenless, a 304 costs one like any answer
	github "$path" -H "If-None-Match: $etag"
	[ "$HTTP_STATUS" = 304 ]
	[ "$(header X-RateLimit-Remaining)" = 1 ]
	# with a token: its own books, and a 304 is free
	github "$path" -H 'Authorization: Bearer t0ken'
	[ "$(header X-RateLimit-Limit)" = 10 ]
	[ "$(header X-RateLimit-Remaining)" = 9 ]
	github "$path" -H 'Authorization: Bearer t0ken' -H "If-None-Match: $etag"
	[ "$HTTP_STATUS" = 304 ]
	[ "$(header X-RateLimit-Remaining)" = 9 ]
	# another address: books of its own
	github "$path" --interface 127.0.0.2 -H "If-None-Match: $etag"
	[ "$HTTP_STATUS" = 304 ]
	[ "$(header X-RateLimit-Remaining)" = 2 ]
	github "$path" -H "If-None-Match: $etag"
	[ "$(header X-RateLimit-Remaining)" = 0 ]
	[ "$(double_stat refused)" = 0 ]
}

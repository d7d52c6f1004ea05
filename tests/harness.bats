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

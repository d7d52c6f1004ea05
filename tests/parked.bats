#!/usr/bin/env bats
# Parked misses: requests that wait on GitHub hold no thread, so hits and
# health checks answer at once; GISTS_MAX_WAITING bounds them; a waiter
# waits as long as the fetch it joined; GISTS_MAX_LISTING_BYTES bounds a
# listing; a graceful stop answers every parked request.

load helpers

setup_file() {
	# few accept threads: what parks must not need one
	start_stack GISTS_THREADS=4 GISTS_UPSTREAM_TIMEOUT=20
}

teardown_file() {
	stop_at_teardown stop_stack
}

setup() {
	double_reset
	# thousands of users: more than GitHub's anonymous hourly limit
	double POST config '{"limit": 1000000}' >/dev/null
}

teardown() {
	stop_at_teardown stop_test_gists
}

CLIENT="$GISTS_TESTS/../bench/client.py"


# GitHub answers after LATENCY seconds (0 with a hold fault: when the
# test releases it); N distinct cold users PREFIX-1..N are asked at once
# (bench/client.py, answers and retries counted into counts) and all are
# parked. Sets CLIENT_PID, to wait for.
fill_parked() { # LATENCY PREFIX N
	double POST config "{\"latency\": $1}" >/dev/null
	"$PYTHON3" "$CLIENT" fill "$BASE" "$2" "$3" "$3" \
		>"$BATS_TEST_TMPDIR/counts" 2>&1 3>&- &
	CLIENT_PID=$!
	wait_parked "$3"
}

# GitHub holds every request until the test releases it: whatever answers
# meanwhile did not wait for GitHub, however slow the machine, and none
# of the parked answers may come before the release. An instance of its
# own, with an upstream timeout far past any wait here.
@test "400 cold users parked on a held GitHub: hits and health checks answer meanwhile, none is lost" {
	start_test_gists GISTS_THREADS=4 GISTS_UPSTREAM_TIMEOUT=300
	fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	double_reset_requests
	double_fault '{"mode": "hold", "timeout": 300}'
	fill_parked 0 gen-3-parked 400
	fetch /-/healthz
	[ "$HTTP_STATUS" = 200 ]
	fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header X-Cache)" = HIT ]
	PORT=${BASE##*:} run "$GISTS_BIN" --healthcheck
	assert_success
	# all that answered while every parked request still waits
	[ "$(metric_now gists_requests_parked)" = 400 ]
	[ ! -s "$BATS_TEST_TMPDIR/counts" ]
	double_release
	# every parked request ends 200, none lost, none asked twice
	wait "$CLIENT_PID"
	[ "$(cat "$BATS_TEST_TMPDIR/counts")" = "200=400 retried=0" ] ||
		fail "parked requests: $(cat "$BATS_TEST_TMPDIR/counts")"
	[ "$(metric_now gists_requests_parked)" = 0 ]
	[ "$(metric_now gists_requests_parked_max)" -ge 400 ]
	# one upstream request each
	[ "$(double_count)" = 400 ]
}

@test "GISTS_MAX_WAITING: one more parked request gets 503 with Retry-After: 1; hits still answer" {
	start_test_gists GISTS_MAX_WAITING=2
	fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	double_reset_requests
	double_fault '{"mode": "hold", "timeout": 300}'
	fill_parked 0 gen-2-wait 2
	fetch /gen-2-wait-3
	[ "$HTTP_STATUS" = 503 ] || fail "$HTTP_STATUS: $(cat "$BODY")"
	[ "$(header Retry-After)" = 1 ]
	[ "$(header Content-Type)" = application/problem+json ]
	[ "$(json status)" = 503 ]
	fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header X-Cache)" = HIT ]
	double_release
	wait "$CLIENT_PID"
	[ "$(cat "$BATS_TEST_TMPDIR/counts")" = "200=2 retried=0" ]
	[ "$(metric_now gists_requests_refused_total)" = 1 ]
	grep '"status":503' "$SERVER_LOG" | grep -q 'GISTS_MAX_WAITING=2'
	# the refused request cost GitHub nothing
	[ "$(double_count)" = 2 ]
}

# The issue's case is 1.5 s a page with a 2 s timeout; 3 s leaves a loaded
# CI machine room. With GISTS_MAX_PAGES=10 the old waiters gave up after
# 3 * (2 + 10 / 10) + 1 = 10 s; this fetch takes 15 s.
@test "waiters wait as long as the fetch they joined: next-only pages, 1.5 s each, timeout 3 s" {
	start_test_gists GISTS_UPSTREAM_TIMEOUT=3 GISTS_MAX_PAGES=10
	double_fault '{"user": "gen-1000-nolast", "mode": "nolast", "delay": 1.5}'
	"$PYTHON3" "$CLIENT" flood "$BASE" /gen-1000-nolast 1 1 \
		>"$BATS_TEST_TMPDIR/first" 2>&1 3>&- &
	local first=$!
	wait_parked 1
	"$PYTHON3" "$CLIENT" flood "$BASE" /gen-1000-nolast 3 3 \
		>"$BATS_TEST_TMPDIR/waiters" 2>&1 3>&- &
	local waiters=$!
	wait "$first"
	wait "$waiters"
	[ "$(cat "$BATS_TEST_TMPDIR/first")" = "200=1 retried=0" ] ||
		fail "first: $(cat "$BATS_TEST_TMPDIR/first")"
	[ "$(cat "$BATS_TEST_TMPDIR/waiters")" = "200=3 retried=0" ] ||
		fail "waiters: $(cat "$BATS_TEST_TMPDIR/waiters")"
	# ten pages, one by one, once for all four
	[ "$(double_count)" = 10 ]
	fetch /gen-1000-nolast
	[ "$(json count)" = 1000 ]
}

@test "GISTS_MAX_LISTING_BYTES: 30 pages of 9 MB are cut and the responder's memory stays bounded" {
	start_test_gists GISTS_UPSTREAM_TIMEOUT=60
	double_fault '{"user": "fat", "mode": "fat", "size": 9437184, "pages": 30}'
	fetch /fat --max-time 120
	[ "$HTTP_STATUS" = 200 ] || fail "$HTTP_STATUS: $(cat "$BODY")"
	[ "$(json truncated)" = true ]
	local bytes hwm
	bytes=$(stat -c %s "$BODY")
	echo "# body: $bytes bytes, count $(json count)" >&3
	[ "$bytes" -le $((33554432 + 4096)) ]
	[ "$(json count)" -gt 0 ]
	[ "$(metric_now gists_listings_cut_total)" = 1 ]
	grep -q 'cut to [0-9]* of 30 pages' "$SERVER_LOG"
	# peak resident memory of the responder (was 866 MB); ASan's
	# quarantine and valgrind keep freed memory, so the bound holds for
	# the plain build only
	hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$(test_responder_pid)/status")
	echo "# responder peak RSS: $((hwm / 1024)) MB" >&3
	if [ "${GISTS_SANITIZERS:-no}" = yes ] || [ "${GISTS_VALGRIND:-0}" = 1 ]; then
		echo "# the RSS bound is not checked under sanitizers or valgrind" >&3
	else
		[ "$hwm" -lt $((320 * 1024)) ]
	fi
	# not all thirty pages were asked for
	[ "$(double_count)" -lt 30 ]
}

@test "a graceful stop answers every parked request" {
	start_test_gists GISTS_UPSTREAM_TIMEOUT=300
	double_fault '{"mode": "hold", "timeout": 300}'
	fill_parked 0 gen-1-stop 20
	kill -TERM "$(test_responder_pid)"
	# GitHub answers only once the stop is under way
	local _
	for _ in $(seq 1 300); do
		grep -q 'waiting for [0-9]* parked requests' "$SERVER_LOG" && break
		sleep 0.1
	done
	grep -q 'waiting for [0-9]* parked requests' "$SERVER_LOG"
	[ ! -s "$BATS_TEST_TMPDIR/counts" ]
	double_release
	wait "$CLIENT_PID"
	[ "$(cat "$BATS_TEST_TMPDIR/counts")" = "200=20 retried=0" ]
	for _ in $(seq 1 50); do
		grep -q '"msg":"stopped"' "$SERVER_LOG" && break
		sleep 0.1
	done
	grep -q '"msg":"stopped"' "$SERVER_LOG"
}

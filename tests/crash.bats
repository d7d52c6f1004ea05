#!/usr/bin/env bats
# A responder killed outright (SIGKILL) under load, again and again:
# gists-supervise keeps the socket lighttpd connects to and starts another
# responder on it, so lighttpd never finds the back-end down (no 503 of
# its own, no back-end disabled for seconds), and only the requests the
# dead responder was answering fail. Answers are counted, not seconds: a
# slow machine sends fewer requests, and at most one request a client is
# in flight at a kill.

load helpers

CLIENT="$GISTS_TESTS/../bench/client.py"
CLIENTS=32
KILLS=10

setup_file() {
	start_stack
}

teardown_file() {
	stop_at_teardown stop_stack
}

teardown() {
	stop_at_teardown stop_load -- stop_test_gists
}

# Load on /octocat and /-/healthz from CLIENTS clients until stop_load.
start_load() {
	: >"$BATS_TEST_TMPDIR/load.out"
	"$PYTHON3" "$CLIENT" until "$BATS_TEST_TMPDIR/stop" "$BASE" "$CLIENTS" \
		/octocat /-/healthz >"$BATS_TEST_TMPDIR/load.out" 3>&- &
	LOAD=$!
}
stop_load() {
	[ -n "${LOAD:-}" ] || return 0
	touch "$BATS_TEST_TMPDIR/stop"
	wait "$LOAD"
	local rc=$?
	LOAD=
	return "$rc"
}

# The count of answers with status KEY (error: none) in the load's tally.
tally() { # KEY
	local n
	n=$(tr ' ' '\n' <"$BATS_TEST_TMPDIR/load.out" | sed -n "s/^$1=//p")
	echo "${n:-0}"
}

# Every answer and error of the load's tally.
total() {
	tr ' ' '\n' <"$BATS_TEST_TMPDIR/load.out" |
		awk -F= '{ n += $2 } END { print n + 0 }'
}

# Wait until a responder other than OLD runs and has answered a request
# of ours; print its PID.
next_responder() { # OLD
	local pid _
	for _ in $(seq 1 300); do
		pid=$(gists_responder_pid "$BATS_FILE_TMPDIR/gists/pid")
		if [ -n "$pid" ] && [ "$pid" != "$1" ] &&
			curl -sf -o /dev/null "$BASE/-/healthz"; then
			echo "$pid"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

@test "responders killed under load: no 503, only the requests in flight fail" {
	local pid='' _
	fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	start_load
	for _ in $(seq 1 "$KILLS"); do
		pid=$(next_responder "$pid")
		kill -KILL "$pid"
	done
	next_responder "$pid" >/dev/null
	stop_load
	echo "# $(cat "$BATS_TEST_TMPDIR/load.out")" >&3
	[ "$(tally 200)" -gt 0 ]
	[ "$(tally 503)" = 0 ]
	local failed
	failed=$(($(tally error) + $(tally 500) + $(tally 502) + $(tally 504)))
	[ "$failed" -le $((KILLS * CLIENTS)) ]
	# nothing else: every answer a 200 or one of those failures
	[ $(($(tally 200) + failed)) = "$(total)" ]
	[ "$(grep -c 'starting another on the same socket' "$SERVER_LOG")" = "$KILLS" ]
}

@test "gists-supervise killed: lighttpd and the responder end with it" {
	start_test_gists
	local supervisor responder front
	supervisor=$(cat "$BATS_TEST_TMPDIR/gists/pid")
	responder=$(test_responder_pid)
	front=$(pgrep -P "$supervisor" -x lighttpd)
	[ -n "$responder" ]
	[ -n "$front" ]
	kill -KILL "$supervisor"
	gone "$front"
	gone "$responder"
}

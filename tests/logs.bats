#!/usr/bin/env bats
# One log format: every line the service prints (lighttpd's own, the
# responder's, the start script's) is one JSON object with a time and a
# level; the responder's lines pass unchanged; lighttpd keeps its PID.

load helpers

setup_file() {
	start_double
}

teardown_file() {
	stop_at_teardown stop_double
}

teardown() {
	stop_at_teardown stop_test_gists
}

# Every line of FILE is a JSON object with time and a known level; prints
# the number of lines from each source ("lighttpd=N responder=M ...").
all_json() { # FILE
	"$PYTHON3" -c '
import collections, json, re, sys
counts = collections.Counter()
for n, line in enumerate(open(sys.argv[1], "rb"), 1):
    o = json.loads(line)  # raises on anything else
    assert isinstance(o, dict), (n, line)
    assert re.fullmatch(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", o["time"].encode()), (n, line)
    assert o["level"] in ("error", "warn", "info", "debug"), (n, line)
    assert line.isascii(), (n, line)
    counts[o.get("source", "responder")] += 1
print(" ".join("%s=%d" % kv for kv in sorted(counts.items())))' "$1"
}

@test "lighttpd's lines, the responder's, a crash and a stop: all JSON" {
	start_test_gists
	local supervisor responder
	supervisor=$(cat "$BATS_TEST_TMPDIR/gists/pid")
	# the PID gists-server had is gists-supervise's (PID 1 in the
	# container)
	[ "$(cat "/proc/$supervisor/comm")" = gists-supervise ]
	fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	responder=$(test_responder_pid)
	kill -KILL "$responder"
	# gists-supervise starts another
	local _
	for _ in $(seq 1 100); do
		fetch /octocat
		[ "$HTTP_STATUS" = 200 ] && break
		sleep 0.1
	done
	stop_test_gists
	run all_json "$SERVER_LOG"
	assert_success
	[[ "$output" = *lighttpd=* ]]
	[[ "$output" = *responder=* ]]
	# the lines an operator needs most, with lighttpd's source position
	grep '"source":"lighttpd"' "$SERVER_LOG" | grep -q '"msg":"server started'
	grep '"source":"lighttpd"' "$SERVER_LOG" | grep -q '"at":"server.c'
	grep '"level":"error"' "$SERVER_LOG" |
		grep -q "the responder (pid $responder) killed by signal 9"
	grep '"source":"lighttpd"' "$SERVER_LOG" | grep -q 'graceful shutdown'
	grep -q '"msg":"request".*"path":"/octocat"' "$SERVER_LOG"
}

@test "the responder writes its lines to the service's stderr, past the filter" {
	start_test_gists
	local responder fd
	responder=$(test_responder_pid)
	fd=$(tr '\0' '\n' <"/proc/$responder/environ" | sed -n 's/^GISTS_LOG_FD=//p')
	[ -n "$fd" ] || fail "gists-log did not set GISTS_LOG_FD"
	# the descriptor is the file gists-server's stderr went to; stderr
	# itself is the filter's pipe (for anything else the process prints)
	[ "$(stat -L -c %d:%i "/proc/$responder/fd/$fd")" = \
		"$(stat -c %d:%i "$SERVER_LOG")" ]
	[[ "$(readlink "/proc/$responder/fd/2")" = pipe:* ]]
	fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	stop_test_gists
	grep -q '"msg":"request".*"path":"/octocat"' "$SERVER_LOG"
	run all_json "$SERVER_LOG"
	assert_success
}

@test "gists-log keeps a line longer than a pipe's atomic write, and a last line without newline" {
	local long
	long=$(head -c 20000 /dev/zero | tr '\0' x)
	{ printf '{"time":"2026-01-01T00:00:00.000Z","level":"info","msg":"%s"}\n' "$long"
	  printf 'short\n'
	  printf 'no newline at the end'; } | "$GISTS_LOG" >"$BATS_TEST_TMPDIR/out"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/out")" = 3 ]
	run all_json "$BATS_TEST_TMPDIR/out"
	assert_success
	assert_output "gists-server=2 responder=1"
	[ "$(sed -n 1p "$BATS_TEST_TMPDIR/out" | wc -c)" -gt 20000 ]
	grep -q '"msg":"no newline at the end"' "$BATS_TEST_TMPDIR/out"
}

@test "gists-log passes JSON lines unchanged and wraps the rest, escaped" {
	local in="$BATS_TEST_TMPDIR/in" out="$BATS_TEST_TMPDIR/out"
	printf '%s\n' '{"time":"2026-01-01T00:00:00.000Z","level":"info","msg":"request","x":"\\xff"}' >"$in"
	printf '2026-11-28 04:22:54: (server.c.1704) server started (lighttpd/1.4.69)\n' >>"$in"
	printf 'plain "quoted" \\ back\tslash \xff\x01 bytes\r\n' >>"$in"
	printf '{"not":"ours"}\n' >>"$in"
	"$GISTS_LOG" --source test <"$in" >"$out"
	[ "$(wc -l <"$out")" = 4 ]
	# byte for byte the responder's line
	[ "$(sed -n 1p "$out")" = "$(sed -n 1p "$in")" ]
	run all_json "$out"
	assert_success
	assert_output "responder=1 test=3"
	"$PYTHON3" -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert lines[1]["msg"] == "server started (lighttpd/1.4.69)", lines[1]
assert lines[1]["at"] == "server.c.1704" and lines[1]["level"] == "info"
assert lines[2]["msg"] == "plain \"quoted\" \\x5c back\\x09slash \\xff\\x01 bytes", lines[2]
assert lines[3]["msg"] == "{\"not\":\"ours\"}", lines[3]
' "$out"
	# a level given is the level
	echo oops | "$GISTS_LOG" --level error | grep -q '"level":"error","msg":"oops"'
	run "$GISTS_LOG" --level loud
	assert_failure 2
}

@test "a configuration error at start is a JSON line too" {
	run env GISTS_CACHE_TTL=abc GISTS_RUNTIME_DIR="$BATS_TEST_TMPDIR/run" \
		GITHUB_API_URL="$UPSTREAM" "$GISTS_SERVER"
	assert_failure
	run all_json <(printf '%s\n' "$output")
	assert_success
	[[ "$output" = "gists-server=1" ]]
}

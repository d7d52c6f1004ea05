#!/usr/bin/env bats
# What operators see: metrics, log lines, request ids, signals.

load helpers

setup_file() {
	start_stack
	# the parser of the official Prometheus client: Debian's package is
	# for the system python3, which may not be the one on $PATH
	local py
	for py in "$PYTHON3" /usr/bin/python3; do
		if "$py" -c 'import prometheus_client' 2>/dev/null; then
			export METRICS_PYTHON=$py
			break
		fi
	done
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

# Scrape /-/metrics into $METRICS.
scrape() {
	METRICS="$BATS_TEST_TMPDIR/metrics"
	curl -s -o "$METRICS" "$BASE/-/metrics"
}

# Tests that read metrics need the parser.
need_parser() {
	[ -n "${METRICS_PYTHON:-}" ] || skip "python3-prometheus-client missing"
}

# A sample's value in the last scrape: metric NAME [LABEL=VALUE...]
metric() {
	"$METRICS_PYTHON" "$GISTS_TESTS/metrics.py" get "$METRICS" "$@"
}

# The responder's JSON log lines (the server log also has lighttpd's).
log_lines() {
	grep '^{' "$SERVER_LOG"
}

@test "/-/metrics: Prometheus text 0.0.4, valid, never cached, no GitHub" {
	need_parser
	fetch /octocat
	double_reset
	fetch /-/metrics
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header Content-Type)" = "text/plain; version=0.0.4; charset=utf-8" ]
	[ "$(header Cache-Control)" = no-store ]
	run "$METRICS_PYTHON" "$GISTS_TESTS/metrics.py" check "$BODY"
	assert_output ok
	# every family the contract names
	local f
	for f in gists_requests_total gists_request_duration_seconds \
		gists_cache_results_total gists_cache_entries gists_cache_bytes \
		gists_cache_background_revalidations_total \
		gists_upstream_requests_total gists_upstream_duration_seconds \
		gists_github_ratelimit_remaining \
		gists_github_ratelimit_reset_timestamp_seconds \
		gists_github_ratelimit_limit \
		gists_requests_in_flight gists_build_info \
		process_start_time_seconds; do
		grep -q "^# TYPE $f " "$BODY" || fail "no $f"
	done
	[ "$(double_count)" = 0 ]
}

@test "counters move with requests: routes, statuses, cache, upstream" {
	need_parser
	scrape
	local ok0 nf0 hit0 miss0 up0 bad0
	ok0=$(metric gists_requests_total route=user status=200)
	nf0=$(metric gists_requests_total route=user status=404)
	bad0=$(metric gists_requests_total route=other status=400)
	hit0=$(metric gists_cache_results_total result=hit)
	miss0=$(metric gists_cache_results_total result=miss)
	up0=$(metric gists_upstream_requests_total class=2xx)
	fetch /gen-3
	fetch /gen-3
	fetch /no-such-user
	fetch /..
	scrape
	[ "$(metric gists_requests_total route=user status=200)" = $((ok0 + 2)) ]
	[ "$(metric gists_requests_total route=user status=404)" = $((nf0 + 1)) ]
	[ "$(metric gists_requests_total route=other status=400)" = $((bad0 + 1)) ]
	[ "$(metric gists_cache_results_total result=hit)" = $((hit0 + 1)) ]
	[ "$(metric gists_cache_results_total result=miss)" = $((miss0 + 2)) ]
	[ "$(metric gists_upstream_requests_total class=2xx)" = $((up0 + 1)) ]
	[ "$(metric gists_cache_entries)" -ge 2 ]
	[ "$(metric gists_cache_bytes)" -gt 0 ]
}

@test "histograms are cumulative and count every request" {
	need_parser
	fetch /octocat
	fetch /octocat
	scrape
	local count inf
	count=$(metric gists_request_duration_seconds_count route=user)
	inf=$(metric gists_request_duration_seconds_bucket route=user le=+Inf)
	[ "$count" = "$inf" ]
	[ "$count" -ge 2 ]
	run "$METRICS_PYTHON" "$GISTS_TESTS/metrics.py" check "$METRICS"
	assert_output ok
	[ "$(metric gists_upstream_duration_seconds_count)" -ge 1 ]
}

@test "GitHub's rate-limit headers show as gauges" {
	need_parser
	fetch /gen-4
	scrape
	# the double allows 60 an hour and counts down
	local remaining
	remaining=$(metric gists_github_ratelimit_remaining)
	[ "$remaining" -ge 0 ]
	[ "$remaining" -lt 60 ]
	[ "$(metric gists_github_ratelimit_limit)" = 60 ]
	[ "$(metric gists_github_ratelimit_reset_timestamp_seconds)" -gt "$(date +%s)" ]
	[ "$(metric gists_github_backoff_seconds)" = 0 ]
}

@test "requests in flight are counted while they wait for GitHub" {
	need_parser
	double_fault '{"user": "gen-5", "mode": "hold", "times": 1}'
	curl -s -o /dev/null "$BASE/gen-5" 3>&- &
	local pid=$!
	double_wait_in_flight 1
	scrape
	double_release
	wait "$pid"
	# the slow request; the scrape does not count itself
	[ "$(metric gists_requests_in_flight)" -ge 1 ]
	scrape
	[ "$(metric gists_requests_in_flight)" = 0 ]
}

@test "one JSON log line per request, with the request id and what happened" {
	fetch /gen-6 -H 'X-Request-Id: trace-me-42'
	[ "$(header X-Request-Id)" = trace-me-42 ]
	run "$PYTHON3" -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
mine = [l for l in lines if l.get("request_id") == "trace-me-42"]
assert len(mine) == 1, mine
l = mine[0]
for k in ("time", "level", "request_id", "method", "path", "login", "status",
          "cache", "upstream_status", "upstream_ms", "upstream_requests",
          "bytes", "duration_ms"):
    assert k in l, k
assert l["method"] == "GET" and l["path"] == "/gen-6", l
assert l["status"] == 200 and l["cache"] == "MISS", l
assert l["upstream_status"] == 200 and l["upstream_requests"] == 1, l
assert l["time"].endswith("Z") and l["level"] == "info", l
print("ok")' "$SERVER_LOG"
	assert_output ok
}

@test "a malformed X-Request-Id is replaced, in the answer and the log" {
	fetch /octocat -H 'X-Request-Id: bad id with spaces'
	local id
	id=$(header X-Request-Id)
	[[ "$id" =~ ^[0-9a-f]{32}$ ]]
	log_lines | grep -q "\"request_id\":\"$id\""
	run ! grep -q 'bad id with spaces' "$SERVER_LOG"
	fetch /octocat -H "X-Request-Id: $(head -c 100 /dev/zero | tr '\0' a)"
	[[ "$(header X-Request-Id)" =~ ^[0-9a-f]{32}$ ]]
}

@test "hostile bytes in a path are escaped in the log, every line parses" {
	fetch '/%22%5C%0A%E2%80%AE%FF"x'
	[ "$HTTP_STATUS" = 400 ]
	run "$PYTHON3" -c '
import json, sys
for l in open(sys.argv[1]):
    if l.startswith("{"):
        json.loads(l)
        assert all(0x20 <= ord(c) < 0x7f for c in l.rstrip("\n")), l
print("ok")' "$SERVER_LOG"
	assert_output ok
}

@test "GISTS_LOG_LEVEL=warn keeps errors and drops per-request lines" {
	start_test_gists GISTS_CACHE_TTL=0 GISTS_LOG_LEVEL=warn
	fetch /octocat -H 'X-Request-Id: quiet-1'
	double_fault '{"mode": "status", "status": 500}'
	fetch /octocat -H 'X-Request-Id: loud-1'
	[ "$HTTP_STATUS" = 502 ]
	run ! grep -q quiet-1 "$SERVER_LOG"
	grep -q '"request_id":"loud-1"' "$SERVER_LOG"
	grep '"request_id":"loud-1"' "$SERVER_LOG" | grep -q '"level":"error"'
}

@test "lighttpd's graceful stop (SIGINT): the request in flight completes" {
	start_test_gists GISTS_CACHE_TTL=0
	double_fault '{"mode": "hold", "times": 1}'
	curl -s -o "$BATS_TEST_TMPDIR/slow" -w '%{http_code}' "$BASE/octocat" \
		>"$BATS_TEST_TMPDIR/code" 3>&- &
	local pid=$!
	double_wait_in_flight 1
	local lighttpd
	lighttpd=$(cat "$BATS_TEST_TMPDIR/gists/pid")
	kill -INT "$lighttpd"
	# GitHub answers only once lighttpd is stopping (its port closed)
	for _ in $(seq 1 300); do
		curl -s -o /dev/null "$BASE/-/healthz" || break
		sleep 0.1
	done
	run ! curl -s -o /dev/null "$BASE/-/healthz"
	double_release
	wait "$pid"
	[ "$(cat "$BATS_TEST_TMPDIR/code")" = 200 ]
	grep -q '"count":8' "$BATS_TEST_TMPDIR/slow"
	# lighttpd exits 0, and the responder says it stopped
	local status=0
	wait "$lighttpd" || status=$?
	[ "$status" = 0 ]
	for _ in $(seq 1 50); do
		grep -q '"msg":"stopped"' "$SERVER_LOG" && break
		sleep 0.1
	done
	grep -q '"msg":"stopped"' "$SERVER_LOG"
}

@test "SIGTERM or SIGUSR1 to the responder: requests in flight complete" {
	start_test_gists GISTS_CACHE_TTL=0
	local sig pid
	for sig in TERM USR1; do
		double_reset
		double_fault '{"mode": "hold", "times": 1}'
		curl -s -o /dev/null -w '%{http_code}' "$BASE/octocat" \
			>"$BATS_TEST_TMPDIR/code" 3>&- &
		pid=$!
		double_wait_in_flight 1
		kill -"$sig" "$(test_responder_pid)"
		# GitHub answers only once the responder is stopping
		for _ in $(seq 1 300); do
			grep -q "signal $(kill -l "$sig"): stopping" "$SERVER_LOG" &&
				break
			sleep 0.1
		done
		grep -q "signal $(kill -l "$sig"): stopping" "$SERVER_LOG"
		double_release
		wait "$pid"
		[ "$(cat "$BATS_TEST_TMPDIR/code")" = 200 ] ||
			fail "SIG$sig: $(cat "$BATS_TEST_TMPDIR/code")"
		# gists-supervise starts a new responder for what comes next
		for _ in $(seq 1 50); do
			fetch /octocat
			[ "$HTTP_STATUS" = 200 ] && break
			sleep 0.1
		done
		[ "$HTTP_STATUS" = 200 ] || fail "SIG$sig: no new responder"
	done
}

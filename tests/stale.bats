#!/usr/bin/env bats
# Stale-while-revalidate (docs/api.md, "Caching"): past the TTL, within
# GISTS_STALE_WHILE_REVALIDATE, a listing is answered at once from the
# copy (X-Cache: UPDATING) while one revalidation runs in the background;
# past that bound, requests wait for it. "Past the TTL" is the test clock
# (clock_advance), "while it runs" is a request the double holds.

load helpers

setup_file() {
	start_double
}

teardown_file() {
	stop_at_teardown stop_double
}

setup() {
	double_reset
}

teardown() {
	stop_at_teardown stop_test_gists
}

# Fetch PATH until its X-Cache is no longer UPDATING (the background
# revalidation has been published), 30 s at most.
wait_revalidated() { # PATH
	local _
	for _ in $(seq 1 300); do
		fetch "$1"
		[ "$(header X-Cache)" != UPDATING ] && return 0
		sleep 0.1
	done
	fail "$1 was still UPDATING"
}

@test "a miss says so: Cache-Status fwd=uri-miss, stored, the whole TTL" {
	start_clock_gists GISTS_CACHE_TTL=60
	fetch /octocat
	[ "$(header X-Cache)" = MISS ]
	[ "$(header Cache-Status)" = "gists; fwd=uri-miss; fwd-status=200; stored; ttl=60" ]
	clock_advance 3
	fetch /octocat
	[ "$(header X-Cache)" = HIT ]
	[ "$(header Cache-Status)" = "gists; hit; ttl=57" ]
}

@test "Cache-Control carries stale-while-revalidate and stale-if-error (RFC 5861)" {
	start_test_gists GISTS_CACHE_TTL=60
	fetch /octocat
	[ "$(header Cache-Control)" = "max-age=60, stale-while-revalidate=300, stale-if-error=3540" ]
	fetch /octocat
	[ "$(header X-Cache)" = HIT ]
	[ "$(header Cache-Control)" = "max-age=60, stale-while-revalidate=300, stale-if-error=3540" ]
	stop_test_gists
	start_test_gists GISTS_CACHE_TTL=30 GISTS_STALE_WHILE_REVALIDATE=15 \
		GISTS_STALE_TTL=100
	fetch /octocat
	[ "$(header Cache-Control)" = "max-age=30, stale-while-revalidate=15, stale-if-error=70" ]
	# the 304 says what the 200 would
	fetch /octocat -H "If-None-Match: $(header ETag)"
	[ "$HTTP_STATUS" = 304 ]
	[ "$(header Cache-Control)" = "max-age=30, stale-while-revalidate=15, stale-if-error=70" ]
	[ -n "$(header Cache-Status)" ]
}

@test "while one revalidation is held, every request is answered at once from the copy" {
	start_clock_gists GISTS_CACHE_TTL=60 GISTS_UPSTREAM_TIMEOUT=300
	fetch /octocat
	local etag
	etag=$(header ETag)
	double_fault '{"mode": "hold", "timeout": 300}'
	clock_advance 61
	fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header X-Cache)" = UPDATING ]
	[ "$(header ETag)" = "$etag" ]
	[ "$(json count)" = 8 ]
	double_wait_in_flight 1
	# twenty more at once, each bounded: a parked one would fail, not hang
	seq 1 20 | xargs -P 20 -I{} curl -s -o /dev/null --max-time 20 \
		-w '%{http_code}|%header{x-cache}|%header{age}|%header{cache-status}\n' \
		"$BASE/octocat" >"$BATS_TEST_TMPDIR/answers"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/answers")" = 20 ]
	[ "$(grep -c -E '^200\|UPDATING\|(6[1-9]|[7-9][0-9])\|gists; hit; ttl=-([1-9]|[1-3][0-9]); detail=revalidating$' "$BATS_TEST_TMPDIR/answers")" = 20 ] ||
		fail "answers: $(sort "$BATS_TEST_TMPDIR/answers" | uniq -c)"
	# the first fetch and one revalidation, still held
	[ "$(double_count)" = 2 ]
	[ "$(metric_now gists_requests_parked)" = 0 ]
	[ "$(metric_now gists_cache_background_revalidations_total)" = 1 ]
	[ "$(metric_now 'gists_cache_results_total{result="updating"}')" = 21 ]
	double_release
}

@test "after the background revalidation, the next answer is fresh; GitHub got If-None-Match" {
	start_clock_gists GISTS_CACHE_TTL=60 GISTS_UPSTREAM_TIMEOUT=300
	fetch /octocat
	double_fault '{"mode": "hold", "timeout": 300}'
	clock_advance 61
	fetch /octocat
	[ "$(header X-Cache)" = UPDATING ]
	double_wait_in_flight 1
	double_release
	wait_revalidated /octocat
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header X-Cache)" = HIT ]
	[ "$(header Age)" = 0 ]
	[ "$(header Cache-Status)" = "gists; hit; ttl=60" ]
	[ "$(json count)" = 8 ]
	[ "$(double_count)" = 2 ]
	[[ "$(double_request 1 headers if-none-match)" =~ ^\"[0-9a-f]{64}\"$ ]]
}

@test "changed data found in the background replaces the copy for the next answer" {
	start_clock_gists GISTS_CACHE_TTL=60
	double POST user '{"login": "changing", "count": 3}' >/dev/null
	fetch /changing
	double POST user '{"login": "changing", "count": 4}' >/dev/null
	clock_advance 61
	fetch /changing
	[ "$(header X-Cache)" = UPDATING ]
	[ "$(json count)" = 3 ]
	wait_revalidated /changing
	[ "$(header X-Cache)" = HIT ]
	[ "$(json count)" = 4 ]
	[ "$(double_count)" = 2 ]
}

@test "past the TTL and the bound, a request waits for the revalidation under way" {
	start_clock_gists GISTS_CACHE_TTL=60 GISTS_STALE_WHILE_REVALIDATE=30 \
		GISTS_UPSTREAM_TIMEOUT=300
	fetch /octocat
	double_fault '{"mode": "hold", "timeout": 300}'
	clock_advance 61
	fetch /octocat
	[ "$(header X-Cache)" = UPDATING ]
	double_wait_in_flight 1
	# the copy is now 91 s old: past 60 + 30, it is not answered
	clock_advance 30
	fetch_bg /octocat "$BATS_TEST_TMPDIR/late"
	wait_parked 1
	[ ! -s "$BATS_TEST_TMPDIR/late.code" ]
	[ "$(double_count)" = 2 ]
	double_release
	wait_bg "$BG_PID"
	[ "$(cat "$BATS_TEST_TMPDIR/late.code")" = 200 ]
	[ "$(bg_header "$BATS_TEST_TMPDIR/late" X-Cache)" = MISS ]
	[ "$(bg_header "$BATS_TEST_TMPDIR/late" Age)" = 0 ]
	[ "$(bg_header "$BATS_TEST_TMPDIR/late" Cache-Status)" = "gists; fwd=stale; fwd-status=304; collapsed; stored; ttl=60" ]
	[ "$(double_count)" = 2 ]
}

@test "a copy older than TTL plus the bound: the request revalidates and waits" {
	start_clock_gists GISTS_CACHE_TTL=60 GISTS_STALE_WHILE_REVALIDATE=30 \
		GISTS_UPSTREAM_TIMEOUT=300
	fetch /octocat
	double_fault '{"mode": "hold", "timeout": 300}'
	clock_advance 91
	fetch_bg /octocat "$BATS_TEST_TMPDIR/late"
	double_wait_in_flight 1
	wait_parked 1
	[ ! -s "$BATS_TEST_TMPDIR/late.code" ]
	double_release
	wait_bg "$BG_PID"
	[ "$(cat "$BATS_TEST_TMPDIR/late.code")" = 200 ]
	[ "$(bg_header "$BATS_TEST_TMPDIR/late" X-Cache)" = REVALIDATED ]
	[ "$(bg_header "$BATS_TEST_TMPDIR/late" Cache-Status)" = "gists; fwd=stale; fwd-status=304; stored; ttl=60" ]
	[ "$(metric_now gists_cache_background_revalidations_total)" = 0 ]
}

@test "GISTS_STALE_WHILE_REVALIDATE=0: every request past the TTL waits, as before" {
	start_clock_gists GISTS_CACHE_TTL=60 GISTS_STALE_WHILE_REVALIDATE=0 \
		GISTS_UPSTREAM_TIMEOUT=300
	fetch /octocat
	[ "$(header Cache-Control)" = "max-age=60, stale-if-error=3540" ]
	double_fault '{"mode": "hold", "timeout": 300}'
	clock_advance 61
	fetch_bg /octocat "$BATS_TEST_TMPDIR/first"
	local first=$BG_PID
	double_wait_in_flight 1
	fetch_bg /octocat "$BATS_TEST_TMPDIR/second"
	wait_parked 2
	[ ! -s "$BATS_TEST_TMPDIR/first.code" ]
	[ ! -s "$BATS_TEST_TMPDIR/second.code" ]
	double_release
	wait_bg "$first"
	wait_bg "$BG_PID"
	[ "$(bg_header "$BATS_TEST_TMPDIR/first" X-Cache)" = REVALIDATED ]
	[ "$(bg_header "$BATS_TEST_TMPDIR/second" X-Cache)" = MISS ]
	[ "$(double_count)" = 2 ]
	[ "$(metric_now gists_cache_background_revalidations_total)" = 0 ]
}

@test "GitHub failing in the background: the copy was answered, then STALE in the back-off" {
	start_clock_gists GISTS_CACHE_TTL=60 GISTS_STALE_TTL=3600
	fetch /octocat
	double_fault '{"mode": "status", "status": 502, "times": 1000}'
	clock_advance 61
	fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header X-Cache)" = UPDATING ]
	wait_revalidated /octocat
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header X-Cache)" = STALE ]
	[ "$(header Cache-Status)" = "gists; hit; ttl=-1; detail=upstream-error" ]
	[ "$(double_count)" = 2 ]
}

@test "a cached 404 is not served while it is revalidated: the request waits" {
	start_clock_gists GISTS_CACHE_TTL=60 GISTS_UPSTREAM_TIMEOUT=300
	fetch /no-such-user
	[ "$HTTP_STATUS" = 404 ]
	double_fault '{"mode": "hold", "timeout": 300}'
	clock_advance 61
	fetch_bg /no-such-user "$BATS_TEST_TMPDIR/nf"
	double_wait_in_flight 1
	wait_parked 1
	[ ! -s "$BATS_TEST_TMPDIR/nf.code" ]
	double_release
	wait_bg "$BG_PID"
	[ "$(cat "$BATS_TEST_TMPDIR/nf.code")" = 404 ]
}

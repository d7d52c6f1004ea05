#!/usr/bin/env bats
# GitHub's budget (docs/api.md, "GitHub's budget"; docs/operations.md):
# the books from X-RateLimit-*, requests in flight counted as spent, a
# 304 spent unless the request carried a token, background refreshes
# paced to the reset (deferred: the copy served, X-Cache: STALE,
# Cache-Status detail=deferred), a user nobody has cached fetched while
# anything is left, nothing sent at 0. The double keeps GitHub's books:
# its window resets an hour after double_reset, so the pace is known
# (the line falls by one request every 3600/limit s: each test is far
# shorter); "past the TTL" is the test clock.

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

# Fetch PATH until its Age is below the last one's (the copy was
# refreshed and published), 30 s at most.
wait_revalidated_age() { # PATH
	local _ age
	age=$(header Age)
	for _ in $(seq 1 300); do
		fetch "$1"
		[ "$(header Age)" -lt "$age" ] && return 0
		sleep 0.1
	done
	fail "$1 was not refreshed: Age $(header Age)"
}

@test "the pace defers a hot refresh (the copy served, stale) while a new user is still fetched" {
	# limit 10: reserve 1, burst 1; the line is 9 for the next 400 s, so
	# one refresh may spend (9 left, 8 after it), the next may not
	double POST config '{"limit": 10}' >/dev/null
	start_clock_gists GISTS_CACHE_TTL=60
	fetch /octocat
	[ "$(header X-Cache)" = MISS ]
	[ "$(metric_now gists_github_ratelimit_remaining)" = 9 ]
	[ "$(metric_now gists_budget_pace_remaining)" = 9 ]
	clock_advance 61
	fetch /octocat
	[ "$(header X-Cache)" = UPDATING ]
	wait_revalidated /octocat
	[ "$(header X-Cache)" = HIT ]
	[ "$(double_count)" = 2 ]
	[ "$(metric_now gists_github_ratelimit_remaining)" = 8 ]
	clock_advance 61
	fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header X-Cache)" = STALE ]
	[ "$(header Cache-Status)" = "gists; hit; ttl=-1; detail=deferred" ]
	[ "$(header Age)" = 61 ]
	[ "$(json count)" = 8 ]
	# asked again after the back-off, not on every request
	fetch /octocat
	[ "$(header X-Cache)" = STALE ]
	[ "$(metric_now gists_budget_refreshes_deferred_total)" = 1 ]
	clock_advance 6
	fetch /octocat
	[ "$(header X-Cache)" = STALE ]
	[ "$(header Age)" = 67 ]
	[ "$(metric_now gists_budget_refreshes_deferred_total)" = 2 ]
	[ "$(metric_now 'gists_cache_results_total{result="deferred"}')" = 3 ]
	[ "$(double_count)" = 2 ]
	# a user nobody has cached is fetched from what is left
	fetch /mallory
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header X-Cache)" = MISS ]
	[ "$(double_count)" = 3 ]
	[ "$(metric_now gists_github_ratelimit_remaining)" = 7 ]
}

@test "a refresh the pace allows goes on in the background (a larger limit, the same pace)" {
	start_clock_gists GISTS_CACHE_TTL=60
	fetch /octocat
	for _ in 1 2 3; do
		clock_advance 61
		fetch /octocat
		[ "$(header X-Cache)" = UPDATING ]
		wait_revalidated /octocat
	done
	[ "$(double_count)" = 4 ]
	[ "$(metric_now gists_budget_refreshes_deferred_total)" = 0 ]
	[ "$(metric_now gists_cache_background_revalidations_total)" = 3 ]
}

@test "nothing is sent when the budget left is spoken for by a request in flight" {
	# limit 2: octocat spends one; mallory's, held, the other
	double POST config '{"limit": 2}' >/dev/null
	start_test_gists GISTS_CACHE_TTL=60 GISTS_UPSTREAM_TIMEOUT=300
	fetch /octocat
	[ "$(metric_now gists_github_ratelimit_remaining)" = 1 ]
	double_fault '{"mode": "hold", "timeout": 300}'
	fetch_bg /mallory "$BATS_TEST_TMPDIR/mallory"
	local held=$BG_PID
	double_wait_in_flight 1
	[ "$(metric_now gists_github_requests_in_flight)" = 1 ]
	fetch /empty
	[ "$HTTP_STATUS" = 503 ]
	[ "$(header Retry-After)" = 1 ]
	[ "$(double_count)" = 2 ]
	double_release
	wait_bg "$held"
	[ "$(cat "$BATS_TEST_TMPDIR/mallory.code")" = 200 ]
}

@test "at remaining 0 nothing is sent, not even a refresh the cache wants" {
	double POST config '{"limit": 2}' >/dev/null
	start_clock_gists GISTS_CACHE_TTL=60
	fetch /octocat
	fetch /mallory
	[ "$(metric_now gists_github_ratelimit_remaining)" = 0 ]
	clock_advance 61
	fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header X-Cache)" = STALE ]
	fetch /empty
	[ "$HTTP_STATUS" = 503 ]
	[ "$(header Retry-After)" -ge 3000 ]
	[ "$(double_count)" = 2 ]
}

@test "without a token a 304 is spent; none is free" {
	start_clock_gists GISTS_CACHE_TTL=60
	fetch /octocat
	[ "$(metric_now gists_github_ratelimit_remaining)" = 59 ]
	clock_advance 61
	fetch /octocat
	wait_revalidated /octocat
	[ "$(header X-Cache)" = HIT ]
	[ -n "$(double_request -1 headers if-none-match)" ]
	[ "$(metric_now gists_github_ratelimit_remaining)" = 58 ]
	[ "$(metric_now 'gists_github_requests_saved_total{reason="free_304"}')" = 0 ]
}

@test "with a token a 304 is free: the books keep what was left" {
	start_clock_gists GISTS_CACHE_TTL=60 GITHUB_TOKEN=budget-token
	fetch /octocat
	[ "$(metric_now gists_github_ratelimit_remaining)" = 4999 ]
	clock_advance 61
	fetch /octocat
	wait_revalidated /octocat
	[ -n "$(double_request -1 headers if-none-match)" ]
	[ "$(metric_now gists_github_ratelimit_remaining)" = 4999 ]
	[ "$(metric_now 'gists_github_requests_saved_total{reason="free_304"}')" = 1 ]
}

@test "requests saved: hits and waiters coalesced on one fetch are counted" {
	start_test_gists GISTS_CACHE_TTL=60 GISTS_UPSTREAM_TIMEOUT=300
	double_fault '{"mode": "hold", "timeout": 300}'
	fetch_bg /octocat "$BATS_TEST_TMPDIR/first"
	local first=$BG_PID
	double_wait_in_flight 1
	fetch_bg /octocat "$BATS_TEST_TMPDIR/second"
	local second=$BG_PID
	wait_parked 2
	double_release
	wait_bg "$first"
	wait_bg "$second"
	fetch /octocat
	[ "$(header X-Cache)" = HIT ]
	fetch /octocat
	[ "$(double_count)" = 1 ]
	[ "$(metric_now 'gists_github_requests_saved_total{reason="hit"}')" = 2 ]
	[ "$(metric_now 'gists_github_requests_saved_total{reason="coalesced"}')" = 1 ]
}

@test "refresh-ahead: with a token, a hit in the last fifth of the TTL revalidates it in the background, once" {
	start_clock_gists GISTS_CACHE_TTL=60 GISTS_UPSTREAM_TIMEOUT=300 \
		GITHUB_TOKEN=budget-token
	fetch /octocat
	clock_advance 47
	fetch /octocat
	[ "$(header X-Cache)" = HIT ]
	[ "$(double_count)" = 1 ]
	double_fault '{"mode": "hold", "timeout": 300}'
	clock_advance 2
	fetch /octocat
	[ "$(header X-Cache)" = HIT ]
	[ "$(header Cache-Status)" = "gists; hit; ttl=11" ]
	double_wait_in_flight 1
	[ -n "$(double_request -1 headers if-none-match)" ]
	# while it runs the copy is still fresh: HIT, and no second one
	fetch /octocat
	[ "$(header X-Cache)" = HIT ]
	[ "$(header Age)" = 49 ]
	[ "$(double_count)" = 2 ]
	[ "$(metric_now gists_cache_refresh_ahead_total)" = 1 ]
	double_release
	wait_revalidated_age /octocat
	[ "$(header X-Cache)" = HIT ]
	[ "$(metric_now 'gists_github_requests_saved_total{reason="free_304"}')" = 1 ]
	# the confirmed copy is fresh for a whole TTL: never stale
	clock_advance 47
	fetch /octocat
	[ "$(header X-Cache)" = HIT ]
	[ "$(double_count)" = 2 ]
}

@test "refresh-ahead waits for the pace: none while the budget is below it" {
	# limit 10: the line is 9 less a burst of 1; two spent leave 8
	double POST config '{"limit": 10}' >/dev/null
	start_clock_gists GISTS_CACHE_TTL=60
	fetch /octocat
	fetch /mallory
	clock_advance 50
	fetch /octocat
	[ "$(header X-Cache)" = HIT ]
	fetch /octocat
	[ "$(header X-Cache)" = HIT ]
	[ "$(double_count)" = 2 ]
	[ "$(metric_now gists_cache_refresh_ahead_total)" = 0 ]
}

#!/usr/bin/env bats
# The cache and upstream economy (docs/api.md: headers on 200, errors), counted
# with the double's request log. Each test runs an instance of its own, so
# that what one caches does not answer another. Tests that need time to
# pass move the instance's cache clock (start_clock_gists, clock_advance)
# instead of sleeping: TTLs stay long, so "still fresh" holds however slow
# the machine is, and "past the TTL" costs no wall time. The tests of a
# request past the TTL that revalidates itself (and waits) set
# GISTS_STALE_WHILE_REVALIDATE=0; stale.bats has the background
# revalidation that answers from the copy meanwhile.

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

@test "50 concurrent cold requests cost one upstream request" {
	start_test_gists
	double_fault '{"user": "octocat", "mode": "slow", "delay": 1}'
	seq 1 50 | xargs -P 50 -I{} curl -s -o /dev/null \
		-w '%{http_code} %header{x-cache}\n' "$BASE/octocat" \
		>"$BATS_TEST_TMPDIR/codes"
	[ "$(double_count)" = 1 ]
	[ "$(grep -c '^200 ' "$BATS_TEST_TMPDIR/codes")" = 50 ]
	# those that waited for the one fetch are MISSes, later ones HITs
	[ "$(grep -c -E '^200 (MISS|HIT)$' "$BATS_TEST_TMPDIR/codes")" = 50 ]
}

@test "the clock tests move exists only in the test build" {
	grep -q test-clock "$GISTS_TESTCLOCK_BIN"
	run ! grep -q test-clock "$GISTS_BIN"
}

@test "a repeat is a HIT with Age, within the TTL, without asking GitHub" {
	start_clock_gists GISTS_CACHE_TTL=60
	fetch /octocat
	[ "$(header X-Cache)" = MISS ]
	[ "$(header Age)" = 0 ]
	local etag
	etag=$(header ETag)
	clock_advance 30
	fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header X-Cache)" = HIT ]
	[ "$(header Age)" -ge 30 ]
	[ "$(header ETag)" = "$etag" ]
	[ "$(header Cache-Control)" = "max-age=60, stale-while-revalidate=300, stale-if-error=3540" ]
	[ "$(json count)" = 8 ]
	[ "$(double_count)" = 1 ]
}

@test "after the TTL: If-None-Match upstream, 304, REVALIDATED, Age 0" {
	start_clock_gists GISTS_CACHE_TTL=60 \
		GISTS_STALE_WHILE_REVALIDATE=0
	fetch /octocat
	local etag
	etag=$(header ETag)
	clock_advance 61
	fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header X-Cache)" = REVALIDATED ]
	[ "$(header Age)" = 0 ]
	[ "$(header ETag)" = "$etag" ]
	[ "$(json count)" = 8 ]
	[ "$(double_count)" = 2 ]
	[[ "$(double_request 1 headers if-none-match)" =~ ^\"[0-9a-f]{64}\"$ ]]
	[ -z "$(double_request 0 headers if-none-match)" ]
	# the revalidated copy is fresh again, its Age counted from then
	clock_advance 30
	fetch /octocat
	[ "$(header X-Cache)" = HIT ]
	[ "$(header Age)" -ge 30 ]
	[ "$(header Age)" -lt 60 ]
	[ "$(double_count)" = 2 ]
}

@test "after the TTL, changed data replaces the copy" {
	start_clock_gists GISTS_CACHE_TTL=60 \
		GISTS_STALE_WHILE_REVALIDATE=0
	double POST user '{"login": "changing", "count": 3}' >/dev/null
	fetch /changing
	[ "$(json count)" = 3 ]
	local etag
	etag=$(header ETag)
	double POST user '{"login": "changing", "count": 4}' >/dev/null
	clock_advance 61
	fetch /changing
	[ "$(header X-Cache)" = MISS ]
	[ "$(json count)" = 4 ]
	[ "$(header ETag)" != "$etag" ]
}

@test "GitHub failing after the TTL: the copy is served STALE with its Age" {
	start_clock_gists GISTS_CACHE_TTL=60 GISTS_STALE_TTL=3600 \
		GISTS_STALE_WHILE_REVALIDATE=0
	fetch /octocat
	clock_advance 61
	double_fault '{"mode": "status", "status": 502}'
	fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header X-Cache)" = STALE ]
	[ "$(header Age)" -ge 61 ]
	[ "$(json count)" = 8 ]
	# and again within the 30 s back-off, without asking GitHub
	fetch /octocat
	[ "$(header X-Cache)" = STALE ]
	[ "$(double_count)" = 2 ]
	# after it, GitHub is asked again
	clock_advance 31
	fetch /octocat
	[ "$(header X-Cache)" = STALE ]
	[ "$(header Age)" -ge 92 ]
	[ "$(double_count)" = 3 ]
}

@test "GitHub unreachable or too slow: STALE too" {
	start_clock_gists GISTS_CACHE_TTL=60 GISTS_UPSTREAM_TIMEOUT=1 \
		GISTS_STALE_WHILE_REVALIDATE=0
	fetch /octocat
	clock_advance 61
	double_fault '{"mode": "slow", "delay": 10}'
	fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header X-Cache)" = STALE ]
	double_reset
	clock_advance 31		# past the back-off after a failure
	double_fault '{"mode": "reset"}'
	fetch /octocat
	[ "$(header X-Cache)" = STALE ]
}

@test "rate limited after the TTL: STALE instead of 503" {
	start_clock_gists GISTS_CACHE_TTL=60 \
		GISTS_STALE_WHILE_REVALIDATE=0
	fetch /octocat
	clock_advance 61
	double_fault '{"mode": "ratelimit", "reset_in": 60}'
	fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header X-Cache)" = STALE ]
	# and a user with nothing cached gets the 503
	fetch /mallory
	[ "$HTTP_STATUS" = 503 ]
	[ "$(header Retry-After)" -ge 1 ]
}

@test "past GISTS_STALE_TTL the copy is not served: the error is" {
	start_clock_gists GISTS_CACHE_TTL=60 GISTS_STALE_TTL=120 \
		GISTS_STALE_WHILE_REVALIDATE=0
	fetch /octocat
	double_fault '{"mode": "status", "status": 500}'
	clock_advance 121
	fetch /octocat
	[ "$HTTP_STATUS" = 502 ]
	[ "$(header Content-Type)" = application/problem+json ]
}

@test "logins in any case share one entry" {
	start_test_gists
	fetch /OctoCat
	[ "$(header X-Cache)" = MISS ]
	[ "$(json user)" = OctoCat ]
	fetch /octocat
	[ "$(header X-Cache)" = HIT ]
	[ "$(json user)" = octocat ]
	fetch /OCTOCAT
	[ "$(header X-Cache)" = HIT ]
	[ "$(double_count)" = 1 ]
}

@test "unknown parameters share the entry; pages and since are cut from it" {
	start_test_gists
	fetch /octocat
	fetch "/octocat?utm_source=x"
	[ "$(header X-Cache)" = HIT ]
	# derive.bats covers pages and since of the whole listing
	fetch "/octocat?page=1&per_page=3"
	[ "$(header X-Cache)" = HIT ]
	[ "$(json count)" = 3 ]
	fetch "/octocat?per_page=3&page=1&x=y"
	[ "$(header X-Cache)" = HIT ]
	fetch "/octocat?since=2024-01-01T00:00:00Z"
	[ "$(header X-Cache)" = HIT ]
	[ "$(double_count)" = 1 ]
}

@test "a user's 404 is cached for the TTL" {
	start_test_gists
	for _ in 1 2 3 4 5; do
		fetch /no-such-user
		[ "$HTTP_STATUS" = 404 ]
	done
	[ "$(header X-Cache)" = HIT ]
	[ "$(double_count)" = 1 ]
}

@test "a cached 404 is never served stale" {
	start_clock_gists GISTS_CACHE_TTL=60 GISTS_STALE_TTL=3600
	fetch /no-such-user
	[ "$HTTP_STATUS" = 404 ]
	clock_advance 61
	double_fault '{"mode": "status", "status": 500}'
	fetch /no-such-user
	[ "$HTTP_STATUS" = 502 ]
}

@test "a small GISTS_CACHE_MAX_BYTES evicts the least recently used" {
	# how much one gen-40 listing takes (its pages and rendered bodies)
	start_test_gists
	fetch /gen-40
	local one
	one=$(curl -s "$BASE/-/metrics" | awk '/^gists_cache_bytes / { print $2 }')
	[ "$one" -gt 10000 ]
	stop_test_gists
	double_reset
	# room for two such listings, not three
	start_test_gists GISTS_CACHE_MAX_BYTES=$((one * 5 / 2))
	fetch /gen-40
	fetch /gen-41
	fetch /gen-40		# gen-40 is now the most recently used
	[ "$(header X-Cache)" = HIT ]
	fetch /gen-42		# evicts gen-41
	fetch /gen-40
	[ "$(header X-Cache)" = HIT ]
	fetch /gen-41
	[ "$(header X-Cache)" = MISS ]
	[ "$(double_count)" = 4 ]
	[ "$(curl -s "$BASE/-/metrics" | awk '/^gists_cache_evictions_total / { print $2 }')" -ge 1 ]
}

@test "a listing larger than the whole cache is served, not kept" {
	start_test_gists GISTS_CACHE_MAX_BYTES=1000
	fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header X-Cache)" = MISS ]
	[ "$(double_count)" = 2 ]
}

@test "GISTS_CACHE_TTL=0: every request goes to GitHub, nothing stale" {
	start_test_gists GISTS_CACHE_TTL=0
	fetch /octocat
	fetch /octocat
	fetch /octocat
	[ "$(header X-Cache)" = MISS ]
	[ "$(header Cache-Control)" = "max-age=0" ]
	[ "$(double_count)" = 3 ]
	double_fault '{"mode": "status", "status": 500}'
	fetch /octocat
	[ "$HTTP_STATUS" = 502 ]
}

@test "If-None-Match on a HIT: 304 with ETag, Age and Cache-Control" {
	start_test_gists GISTS_CACHE_TTL=30
	fetch /octocat
	local etag
	etag=$(header ETag)
	fetch /octocat -H "If-None-Match: W/$etag"
	[ "$HTTP_STATUS" = 304 ]
	[ "$(header ETag)" = "$etag" ]
	[ "$(header X-Cache)" = HIT ]
	[ "$(header Cache-Control)" = "max-age=30, stale-while-revalidate=300, stale-if-error=3570" ]
	[ -n "$(header Age)" ]
	# another spelling of the login is another body, another ETag
	fetch /OctoCat -H "If-None-Match: $etag"
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header ETag)" != "$etag" ]
}

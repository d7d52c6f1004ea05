#!/usr/bin/env bats
# Pages and since answered from a user's whole cached listing (docs/api.md:
# "Answers derived from the whole listing"): what GitHub would answer,
# costing no upstream request; truncated listings still ask GitHub.

load helpers

setup_file() {
	start_double
}

teardown_file() {
	stop_at_teardown stop_double
}

setup() {
	double_reset
	double POST config '{"limit": 100000}' >/dev/null
}

teardown() {
	stop_at_teardown stop_test_gists
}

# Queries of gen-250 (250 gists, all updated in 2010, months 1 to 9):
# slices, the last and a partial page, pages past the end, since alone
# and with pages, a since that keeps nothing.
QUERIES=(
	"page=2&per_page=50"
	"per_page=7"
	"page=9&per_page=30"
	"page=3"
	"page=1&per_page=100"
	"page=3&per_page=100"
	"page=4&per_page=100"
	"page=250&per_page=1"
	"page=251&per_page=1"
	"page=100000&per_page=100"
	"since=2010-06-01T00:00:00Z"
	"since=2010-03-15T12:00:00Z&per_page=100"
	"since=2010-06-01T00:00:00Z&page=2&per_page=20"
	"since=2010-06-01T00:00:00Z&page=1&per_page=50"
	"since=2021-06-01T00:00:00Z"
	"since=2021-06-01T00:00:00Z&page=1&per_page=10"
)

# The answers to every query of QUERIES, in $BATS_TEST_TMPDIR/q<i>.
fetch_queries() { # USER
	local i
	for i in "${!QUERIES[@]}"; do
		fetch "/$1?${QUERIES[$i]}"
		[ "$HTTP_STATUS" = 200 ] || fail "${QUERIES[$i]}: $HTTP_STATUS"
		cp "$BODY" "$BATS_TEST_TMPDIR/q$i.body"
		cp "$HEADERS" "$BATS_TEST_TMPDIR/q$i.headers"
	done
}

# Each saved answer against the double's own answer to the same query.
check_queries() { # USER
	local i
	for i in "${!QUERIES[@]}"; do
		run "$PYTHON3" "$GISTS_TESTS/derive-check.py" "$UPSTREAM" "$1" \
			"${QUERIES[$i]}" "$BATS_TEST_TMPDIR/q$i.body" \
			"$BATS_TEST_TMPDIR/q$i.headers"
		[ "$status" = 0 ] || fail "${QUERIES[$i]}: $output"
	done
}

# X-Cache of every saved answer, one line each, sorted and counted.
queries_x_cache() {
	local i
	for i in "${!QUERIES[@]}"; do
		HEADERS="$BATS_TEST_TMPDIR/q$i.headers" header X-Cache
	done | sort | uniq -c | awk '{ print $2 "=" $1 }'
}

@test "pages and since of a cached user: GitHub's answers, no upstream request" {
	start_test_gists GISTS_CACHE_TTL=3600
	fetch /gen-250
	[ "$(header X-Cache)" = MISS ]
	double_reset_requests
	fetch_queries gen-250
	[ "$(double_count)" = 0 ]
	[ "$(queries_x_cache)" = "HIT=${#QUERIES[@]}" ]
	check_queries gen-250
}

@test "a derived answer is byte for byte the one asking GitHub gives" {
	local i q etags
	start_test_gists GISTS_CACHE_TTL=3600
	fetch /gen-250
	fetch_queries gen-250
	# another instance, without a cache: every query asks GitHub
	at_teardown stop_gists_in "$BATS_TEST_TMPDIR/nocache"
	GISTS_STATE="$BATS_TEST_TMPDIR/nocache" start_gists GISTS_CACHE_TTL=0
	for i in "${!QUERIES[@]}"; do
		q=${QUERIES[$i]}
		fetch "/gen-250?$q"
		cmp "$BODY" "$BATS_TEST_TMPDIR/q$i.body" || fail "$q: body differs"
		etags="$(header ETag) $(HEADERS="$BATS_TEST_TMPDIR/q$i.headers" header ETag)"
		[ "${etags% *}" = "${etags#* }" ] || fail "$q: ETags $etags"
		[ "$(header Link)" = "$(HEADERS="$BATS_TEST_TMPDIR/q$i.headers" header Link)" ] ||
			fail "$q: Link differs"
	done
	stop_gists_in "$BATS_TEST_TMPDIR/nocache"
}

@test "a derived page: login as requested, 304 to its ETag, HTML" {
	start_test_gists GISTS_CACHE_TTL=3600
	fetch /gen-250
	double_reset_requests
	fetch "/Gen-250?page=2&per_page=50&since=2010-01-01T00:00:00Z"
	[ "$(json user)" = Gen-250 ]
	[ "$(header Link)" = '</Gen-250?page=3&per_page=50&since=2010-01-01T00:00:00Z>; rel="next", </Gen-250?page=5&per_page=50&since=2010-01-01T00:00:00Z>; rel="last", </Gen-250?page=1&per_page=50&since=2010-01-01T00:00:00Z>; rel="first", </Gen-250?page=1&per_page=50&since=2010-01-01T00:00:00Z>; rel="prev"' ]
	fetch "/gen-250?page=2&per_page=50" -H "If-None-Match: $(header ETag)"
	[ "$HTTP_STATUS" = 200 ] # another login spelling, another body
	fetch "/gen-250?page=2&per_page=50" -H "If-None-Match: $(header ETag)"
	[ "$HTTP_STATUS" = 304 ]
	fetch '/gen-250?page=2&per_page=100&format=html'
	grep -q 'page 2, 100 a page' "$BODY"
	[ "$(grep -c '<li class="gist">' "$BODY")" = 100 ]
	grep -q '<a rel="next" href="/gen-250?page=3&amp;per_page=100&amp;format=html">' "$BODY"
	[ "$(double_count)" = 0 ]
}

@test "a paged request for a user not cached fetches the whole listing once" {
	start_test_gists GISTS_CACHE_TTL=3600
	fetch "/gen-250?page=2&per_page=50"
	[ "$(header X-Cache)" = MISS ]
	# the whole listing: three pages of 100, none of 50
	[ "$(double_count)" = 3 ]
	[[ "$(double_request 0 query)" == *per_page=100* ]]
	cp "$BODY" "$BATS_TEST_TMPDIR/q0.body"
	cp "$HEADERS" "$BATS_TEST_TMPDIR/q0.headers"
	double_reset_requests
	fetch_queries gen-250
	fetch /gen-250
	[ "$(header X-Cache)" = HIT ]
	[ "$(double_count)" = 0 ]
	check_queries gen-250
	# a user GitHub does not know: one request, the 404 for every query
	double_reset_requests
	fetch "/no-such-user?page=2"
	[ "$HTTP_STATUS" = 404 ]
	fetch "/no-such-user?since=2010-01-01T00:00:00Z"
	[ "$HTTP_STATUS" = 404 ]
	[ "$(header X-Cache)" = HIT ]
	[ "$(double_count)" = 1 ]
}

@test "a truncated listing sends pages to GitHub, and gets them right" {
	start_test_gists GISTS_CACHE_TTL=3600 GISTS_MAX_PAGES=2
	fetch /gen-250
	[ "$(json truncated)" = true ]
	[ "$(json count)" = 200 ]
	double_reset_requests
	# beyond the 200 kept
	fetch "/gen-250?page=3&per_page=100"
	[ "$(header X-Cache)" = MISS ]
	[ "$(json count)" = 50 ]
	[ "$(double_count)" = 1 ]
	[[ "$(double_request 0 query)" == *per_page=100* ]]
	[[ "$(double_request 0 query)" == *page=3* ]]
	cp "$BODY" "$BATS_TEST_TMPDIR/q5.body"
	cp "$HEADERS" "$BATS_TEST_TMPDIR/q5.headers"
	run "$PYTHON3" "$GISTS_TESTS/derive-check.py" "$UPSTREAM" gen-250 \
		"page=3&per_page=100" "$BODY" "$HEADERS"
	assert_success
	# the Link's last page is not known from a truncated listing, and
	# since may keep gists past the cut: these ask GitHub too
	double_reset_requests
	fetch "/gen-250?page=1&per_page=30"
	fetch "/gen-250?since=2010-06-01T00:00:00Z&per_page=10"
	[ "$(double_count)" = 2 ]
	run "$PYTHON3" "$GISTS_TESTS/derive-check.py" "$UPSTREAM" gen-250 \
		"since=2010-06-01T00:00:00Z&per_page=10" "$BODY" "$HEADERS"
	assert_success
	# and they are cached as before
	double_reset_requests
	fetch "/gen-250?page=3&per_page=100"
	[ "$(header X-Cache)" = HIT ]
	[ "$(double_count)" = 0 ]
}

@test "after a revalidation and while stale: the whole listing's X-Cache and Age" {
	# (the request past the TTL revalidates itself: stale.bats has the
	# background revalidation)
	start_test_gists GISTS_CACHE_TTL=2 GISTS_STALE_TTL=3600 \
		GISTS_STALE_WHILE_REVALIDATE=0
	fetch /gen-250
	# one wait past the TTL for what follows (later is only more expired)
	sleep 3
	double_reset_requests
	fetch "/gen-250?page=2&per_page=50"
	[ "$(header X-Cache)" = REVALIDATED ]
	# the whole listing's three pages, asked conditionally; not the page
	[ "$(double_count)" = 3 ]
	local i age
	for i in 0 1 2; do
		[ -n "$(double_request $i headers if-none-match)" ]
		[[ "$(double_request $i query)" == per_page=100\&page=* ]]
	done
	run "$PYTHON3" "$GISTS_TESTS/derive-check.py" "$UPSTREAM" gen-250 \
		"page=2&per_page=50" "$BODY" "$HEADERS"
	assert_success

	# GitHub fails from now on: every query is the stale whole listing's
	double_fault '{"user": "gen-250", "mode": "status", "status": 500}'
	sleep 3
	fetch_queries gen-250
	[ "$(queries_x_cache)" = "STALE=${#QUERIES[@]}" ]
	for i in "${!QUERIES[@]}"; do
		age=$(HEADERS="$BATS_TEST_TMPDIR/q$i.headers" header Age)
		[ "$age" -ge 3 ] || fail "${QUERIES[$i]}: Age $age"
	done
	fetch /gen-250
	[ "$(header X-Cache)" = STALE ]
	double_reset
	check_queries gen-250
}

@test "concurrent pages and since values of a cold user cost one listing" {
	start_test_gists GISTS_CACHE_TTL=3600
	# the first page slow, so that every request comes while it is fetched
	double_fault '{"user": "gen-250", "page": 1, "mode": "slow", "delay": 1, "times": 1}'
	{
		printf 'page=%d&per_page=13\n' $(seq 1 20)
		printf 'since=2010-%02d-11T00:00:00Z\n' $(seq 1 12)
		printf 'since=2010-03-%02dT12:00:00Z&page=2\n' $(seq 1 8)
	} | xargs -P 40 -I{} curl -s -o /dev/null \
		-w '%{http_code} %header{x-cache}\n' "$BASE/gen-250?{}" \
		>"$BATS_TEST_TMPDIR/codes"
	[ "$(grep -c '^200 ' "$BATS_TEST_TMPDIR/codes")" = 40 ]
	# the whole listing's three pages, once
	[ "$(double_count)" = 3 ]
}

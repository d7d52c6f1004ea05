#!/usr/bin/env bats
# The shared tier: three real lighttpd + responder instances on one real
# redis-server (started here on a free loopback port, no persistence)
# behave as one service, and a Redis that dies, hangs, restarts or holds
# garbage costs at most a fetch from GitHub, never a wrong answer.

load helpers

CLIENT="$GISTS_TESTS/fleet-client.py"

# Start redis-server on $REDIS_PORT (a free port the first time).
start_redis() {
	REDIS_DIR="$BATS_FILE_TMPDIR/redis"
	mkdir -p "$REDIS_DIR"
	[ -s "$REDIS_DIR/port" ] || free_port >"$REDIS_DIR/port"
	REDIS_PORT=$(cat "$REDIS_DIR/port")
	export REDIS_PORT REDIS_DIR
	redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' \
		--appendonly no --dir "$REDIS_DIR" \
		>>"$REDIS_DIR/log" 2>&1 3>&- &
	echo $! >"$REDIS_DIR/pid"
	local _
	for _ in $(seq 1 100); do
		[ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ] &&
			return 0
		sleep 0.1
	done
	fail "redis-server did not start"
}

stop_redis() {
	local pid
	[ -f "$REDIS_DIR/pid" ] || return 0
	pid=$(cat "$REDIS_DIR/pid")
	kill -CONT "$pid" 2>/dev/null || true
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -f "$REDIS_DIR/pid"
}

rcli() { redis-cli -p "$REDIS_PORT" "$@"; }

# Start instance NAME of a fleet on Redis database DB with VAR=value...;
# its URL is then $(base NAME). Redis commands may take 2 s here, not the
# default 100 ms: on a loaded machine a slow answer would count as Redis
# down and cost a GitHub request, flipping the tests that count them. The
# hung-Redis test starts an instance with the default.
start_instance() { # NAME DB [VAR=value...]
	local name=$1 db=$2
	shift 2
	GISTS_STATE="$BATS_FILE_TMPDIR/fleet/$name" start_gists \
		GISTS_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/$db" \
		GISTS_REDIS_TIMEOUT_MS=2000 GISTS_LOG_LEVEL=warn "$@"
	echo "$BASE" >"$BATS_FILE_TMPDIR/fleet/$name/base"
}

stop_instance() { # NAME
	GISTS_STATE="$BATS_FILE_TMPDIR/fleet/$1" stop_gists
}

base() { cat "$BATS_FILE_TMPDIR/fleet/$1/base"; }

# A fleet of three: NAME-1..3 on database DB.
start_fleet() { # NAME DB [VAR=value...]
	local name=$1 db=$2 i
	shift 2
	for i in 1 2 3; do
		start_instance "$name-$i" "$db" "$@"
	done
}

stop_fleet() { # NAME
	local i
	for i in 1 2 3; do
		stop_instance "$1-$i"
	done
}

fleet_bases() { # NAME
	echo "$(base "$1-1") $(base "$1-2") $(base "$1-3")"
}

# GET BASE/PATH; sets HTTP_STATUS, HEADERS, BODY like fetch.
get() { # BASE PATH [curl args...]
	local b=$1
	shift
	BASE=$b fetch "$@"
}

# Wait until every named instance says Redis is up (20 s at most).
wait_redis_up() { # NAME...
	local name _
	for name in "$@"; do
		for _ in $(seq 1 200); do
			curl -s "$(base "$name")/-/healthz" |
				grep -q '"redis":"up"' && continue 2
			sleep 0.1
		done
		fail "$name: Redis not up again"
	done
}

setup_file() {
	start_redis
	start_double
	mkdir -p "$BATS_FILE_TMPDIR/fleet"
	start_fleet a 0
}

teardown_file() {
	local d
	local -a stops=()
	for d in "$BATS_FILE_TMPDIR"/fleet/*/; do
		if [ -d "$d" ]; then
			stops+=(stop_gists_in "${d%/}" --)
		fi
	done
	stop_at_teardown "${stops[@]}" stop_redis -- stop_double
}

setup() {
	double_reset
	double POST config '{"limit": 1000000}' >/dev/null
}

# A test's own servers (the second double) are registered with at_teardown;
# the fleet's instances, a test's too, are all stopped by teardown_file.
teardown() {
	stop_at_teardown
}

@test "150 concurrent cold requests over three instances cost GitHub one request; logins as written; one ETag per answer" {
	# GitHub slow enough that the requests overlap the fetch
	double POST config '{"latency": 1}' >/dev/null
	double_reset_requests
	# shellcheck disable=SC2046 # three URLs
	"$PYTHON3" "$CLIENT" burst 150 gen-3-burst $(fleet_bases a) \
		>"$BATS_TEST_TMPDIR/out"
	cat "$BATS_TEST_TMPDIR/out"
	[ "$(double_count)" = 1 ]
	run "$PYTHON3" -c '
import json, sys
o = json.load(open(sys.argv[1]))
assert o["statuses"] == {"200": 150}, o["statuses"]
assert o["wrong_user"] == 0
assert len(o["etags"]) == 3
for name, etags in o["etags"].items():
    assert len(etags) == 1 and etags[0], (name, etags)
    assert o["bodies"][name] == 1, name
' "$BATS_TEST_TMPDIR/out"
	assert_success
	# the same spelling on every instance: the same bytes, the same ETag
	get "$(base a-1)" /Gen-3-Burst
	local etag
	etag=$(header ETag)
	get "$(base a-3)" /Gen-3-Burst
	[ "$(header ETag)" = "$etag" ]
}

@test "a newly started instance answers a cached user without GitHub, with the fleet's ETag" {
	get "$(base a-1)" /gen-4-new
	[ "$HTTP_STATUS" = 200 ]
	local etag
	etag=$(header ETag)
	double_reset_requests
	start_instance a-new 0
	get "$(base a-new)" /gen-4-new
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header ETag)" = "$etag" ]
	[ "$(double_count)" = 0 ]
	curl -s "$(base a-new)/-/metrics" | grep -qx 'gists_redis_hits_total 1'
	stop_instance a-new
}

@test "after a rolling restart of every instance nothing is fetched again" {
	local u i
	for u in 1 2 3; do
		get "$(base "a-$u")" "/gen-2-roll$u"
		[ "$HTTP_STATUS" = 200 ]
	done
	double_reset_requests
	for i in 1 2 3; do
		stop_instance "a-$i"
		start_instance "a-$i" 0
		for u in 1 2 3; do
			get "$(base "a-$i")" "/gen-2-roll$u"
			[ "$HTTP_STATUS" = 200 ]
			json user
			[ "$(json count)" = 2 ]
		done
	done
	[ "$(double_count)" = 0 ]
}

@test "one revalidation (304) refreshes every instance" {
	# a fleet of its own, whose copies go stale after 15 s
	start_fleet r 1 GISTS_CACHE_TTL=15
	get "$(base r-1)" /gen-2-reval
	[ "$HTTP_STATUS" = 200 ]
	get "$(base r-2)" /gen-2-reval
	get "$(base r-3)" /gen-2-reval
	[ "$(double_count)" = 1 ]
	sleep 16
	double_reset_requests
	local i
	for i in 1 2 3; do
		get "$(base "r-$i")" /gen-2-reval
		[ "$HTTP_STATUS" = 200 ]
	done
	# one conditional request for all three
	[ "$(double_count)" = 1 ]
	[ -n "$(double_request 0 headers if-none-match)" ]
	stop_fleet r
}

@test "a spent rate limit learned by one instance stops all of them until the reset" {
	start_fleet l 2
	double_fault '{"user": "gen-1-limit", "mode": "ratelimit", "reset_in": 120}'
	get "$(base l-1)" /gen-1-limit
	[ "$HTTP_STATUS" = 503 ]
	double_reset_requests
	get "$(base l-2)" /gen-1-other
	[ "$HTTP_STATUS" = 503 ]
	[ -n "$(header Retry-After)" ]
	get "$(base l-3)" /gen-1-third
	[ "$HTTP_STATUS" = 503 ]
	[ "$(double_count)" = 0 ]
	stop_fleet l
}

@test "garbage in every key: right answers, from GitHub" {
	local u
	for u in 1 2 3 4 5 6; do
		get "$(base a-1)" "/gen-$u-junk"
		[ "$HTTP_STATUS" = 200 ]
		cp "$BODY" "$BATS_TEST_TMPDIR/good-$u"
	done
	[ "$(rcli --scan --pattern '*junk*' | wc -l)" -ge 6 ]
	# every kind of garbage, one per key; one key holds another's value
	local keys k n=0
	mapfile -t keys < <(rcli --scan --pattern '*junk*' | sort)
	local other
	other=$(rcli get "${keys[0]}")
	for k in "${keys[@]}"; do
		n=$((n + 1))
		case $n in
		1) rcli set "$k" "$(rcli get "${keys[1]}")" >/dev/null ;;
		2) printf 'gists-listing 1\r\n\x00\xff{"user":"evil"}' |
			rcli -x set "$k" >/dev/null ;;
		3) rcli del "$k" >/dev/null
		   rcli rpush "$k" a b >/dev/null ;;
		4) rcli del "$k" >/dev/null
		   rcli hset "$k" f v >/dev/null ;;
		5) rcli set "$k" "${other//\"public\":true/\"public\":\"yes\"}" >/dev/null ;;
		*) rcli set "$k" "${other/gists-listing 1/gists-listing 1 }" >/dev/null ;;
		esac
	done
	# garbage where the lock and the rate-limit block live, too
	rcli set "$(echo "${keys[0]}" | sed 's/:l:gen-[0-9]*-junk$/:r:/')" \
		'{"blocked":true}' >/dev/null
	double_reset_requests
	start_instance a-junk 0
	for u in 1 2 3 4 5 6; do
		get "$(base a-junk)" "/gen-$u-junk"
		[ "$HTTP_STATUS" = 200 ]
		cmp "$BODY" "$BATS_TEST_TMPDIR/good-$u"
	done
	[ "$(double_count)" = 6 ]
	curl -s "$(base a-junk)/-/metrics" |
		grep -q '^gists_redis_rejected_total [1-9]'
	stop_instance a-junk
}

@test "GitHub failing: a new instance serves the fleet's copy stale" {
	start_instance s-1 3 GISTS_CACHE_TTL=1
	get "$(base s-1)" /gen-2-stale
	[ "$HTTP_STATUS" = 200 ]
	cp "$BODY" "$BATS_TEST_TMPDIR/good"
	sleep 2 # older than the TTL; a slower machine only makes it older
	double_fault '{"user": "gen-2-stale", "mode": "status", "status": 500}'
	start_instance s-2 3 GISTS_CACHE_TTL=1
	double_reset_requests
	get "$(base s-2)" /gen-2-stale
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header X-Cache)" = STALE ]
	[ "$(header Age)" -ge 2 ]
	cmp "$BODY" "$BATS_TEST_TMPDIR/good"
	# it asked GitHub once, with the fleet's ETag
	[ "$(double_count)" = 1 ]
	[ -n "$(double_request 0 headers if-none-match)" ]
	stop_instance s-1
	stop_instance s-2
}

@test "two upstreams on one Redis never mix" {
	# a second double whose mixed-1 has one gist, where the first's has 3
	local other
	start_double_in "$BATS_TEST_TMPDIR/double2" other
	at_teardown stop_double_in "$BATS_TEST_TMPDIR/double2"
	curl -sS -X POST --data '{"login": "mixed-1", "count": 1}' \
		"$other/_double/user" >/dev/null
	double POST user '{"login": "mixed-1", "count": 3}' >/dev/null
	UPSTREAM=$other start_instance m-other 0
	get "$(base a-1)" /mixed-1
	[ "$(json count)" = 3 ]
	get "$(base m-other)" /mixed-1
	[ "$(json count)" = 1 ]
	get "$(base a-2)" /mixed-1
	[ "$(json count)" = 3 ]
	stop_instance m-other
}

@test "Redis hung (SIGSTOP): a cold user is still answered quickly, and health says so" {
	start_instance h-1 0 GISTS_REDIS_TIMEOUT_MS=100
	kill -STOP "$(cat "$REDIS_DIR/pid")"
	local t0 t1
	t0=$(date +%s%N)
	get "$(base h-1)" /gen-2-hung
	t1=$(date +%s%N)
	at_teardown kill -CONT "$(cat "$REDIS_DIR/pid")"
	[ "$HTTP_STATUS" = 200 ]
	[ "$(json count)" = 2 ]
	# the command timeout is 100 ms; generous bound
	[ $(((t1 - t0) / 1000000)) -lt 3000 ]
	# while it is still hung, health says so (the instance met the
	# timeout; its idle check marks Redis down too)
	local _
	for _ in $(seq 1 200); do
		if curl -s --max-time 5 "$(base h-1)/-/healthz" |
			grep -q '"redis":"down"'; then
			break
		fi
		sleep 0.1
	done
	get "$(base h-1)" /-/healthz
	kill -CONT "$(cat "$REDIS_DIR/pid")"
	[ "$HTTP_STATUS" = 200 ]
	grep -q '"redis":"down"' "$BODY"
	get "$(base a-2)" /-/healthz
	[ "$HTTP_STATUS" = 200 ]
	wait_redis_up a-2
}

@test "Redis killed under load: every answer is 200; restarted: sharing resumes" {
	# shellcheck disable=SC2046 # three URLs
	"$PYTHON3" "$CLIENT" load 6 12 gen-2-load 400 $(fleet_bases a) \
		>"$BATS_TEST_TMPDIR/counts" 3>&- &
	local client=$! log=$BATS_FILE_TMPDIR/fleet/a-1/server.log log_lines
	# only this test's part of a-1's log counts
	log_lines=$(wc -l <"$log")
	sleep 2
	kill -KILL "$(cat "$REDIS_DIR/pid")"
	wait "$(cat "$REDIS_DIR/pid")" 2>/dev/null || true
	get "$(base a-1)" /-/healthz
	[ "$HTTP_STATUS" = 200 ]
	wait "$client"
	cat "$BATS_TEST_TMPDIR/counts"
	run "$PYTHON3" -c '
import json, sys
c = json.load(open(sys.argv[1]))
assert list(c) == ["200"] and c["200"] > 0, c
' "$BATS_TEST_TMPDIR/counts"
	assert_success
	# every instance notices, if only by its idle check
	local _
	for _ in $(seq 1 200); do
		curl -s "$(base a-1)/-/healthz" | grep -q '"redis":"down"' &&
			break
		sleep 0.1
	done
	grep -q '"redis":"down"' <(curl -s "$(base a-1)/-/healthz")
	tail -n "+$((log_lines + 1))" "$log" | grep -q 'shared tier unavailable'
	curl -s "$(base a-1)/-/metrics" | grep -qx 'gists_redis_up 0'

	start_redis
	wait_redis_up a-1 a-2 a-3
	double_reset_requests
	# shellcheck disable=SC2046 # three URLs
	"$PYTHON3" "$CLIENT" burst 30 gen-3-again $(fleet_bases a) \
		>"$BATS_TEST_TMPDIR/out"
	[ "$(double_count)" = 1 ]
	# a fourth instance started now finds it in Redis
	start_instance a-late 0
	get "$(base a-late)" /gen-3-again
	[ "$HTTP_STATUS" = 200 ]
	[ "$(double_count)" = 1 ]
	stop_instance a-late
}

@test "a copy that lands between a look and the lock is answered, not fetched again" {
	# p-2 reaches Redis through a proxy that holds its SET NX (the lock)
	# until p-1 has fetched, stored and unlocked: p-2 then takes a lock
	# nobody holds, and must find the copy rather than ask GitHub
	local hold=$BATS_TEST_TMPDIR/hold proxy
	mkdir -p "$hold"
	"$PYTHON3" "$GISTS_TESTS/redis-hold.py" "$hold/port" "$REDIS_PORT" \
		"$hold" 3>&- &
	proxy=$!
	at_teardown kill_wait "$proxy"
	wait_file "$hold/port"
	start_instance p-1 8
	start_instance p-2 8 GISTS_REDIS_TIMEOUT_MS=10000 \
		GISTS_REDIS_URL="redis://127.0.0.1:$(cat "$hold/port")/8"
	double_reset_requests
	printf 'SET\nNX\n' >"$hold/hold"
	curl -s -m 60 -o /dev/null -w '%{http_code}' "$(base p-2)/gen-1-race" \
		>"$BATS_TEST_TMPDIR/p2.status" 3>&- &
	local p2=$!
	wait_file "$hold/held"
	get "$(base p-1)" /gen-1-race
	[ "$HTTP_STATUS" = 200 ]
	[ "$(double_count)" = 1 ]
	rm "$hold/hold"
	wait "$p2"
	[ "$(cat "$BATS_TEST_TMPDIR/p2.status")" = 200 ]
	[ "$(double_count)" = 1 ]
	# and p-2 gave the lock it did not need back
	[ -z "$(rcli -n 8 --scan --pattern '*:k:*')" ]
}

# A counter of instance NAME's /-/metrics (0 when absent).
fleet_metric() { # NAME METRIC
	curl -s "$(base "$1")/-/metrics" |
		awk -v n="$2" '$1 == n { print $2; f = 1 } END { if (!f) print 0 }'
}

@test "a waiter is answered when the fleet's fetch lands, not when its lock would end" {
	# the lock, and so a waiter's only other look, lasts 3 x 300 s + 1 s:
	# only the fetching instance's message can answer the waiter in time
	start_instance w-1 6 GISTS_UPSTREAM_TIMEOUT=300
	start_instance w-2 6 GISTS_UPSTREAM_TIMEOUT=300
	double_fault '{"user": "gen-2-wait", "mode": "hold", "times": 1}'
	double_reset_requests
	curl -s -m 60 -o "$BATS_TEST_TMPDIR/first" -w '%{http_code}' \
		"$(base w-1)/gen-2-wait" >"$BATS_TEST_TMPDIR/first.status" 3>&- &
	local first=$!
	double_wait_in_flight 1
	curl -s -m 60 -o "$BATS_TEST_TMPDIR/second" -w '%{http_code}' \
		"$(base w-2)/gen-2-wait" >"$BATS_TEST_TMPDIR/second.status" 3>&- &
	local second=$! _
	# w-2 waits for w-1's fetch (it does not ask GitHub)
	for _ in $(seq 1 300); do
		[ "$(fleet_metric w-2 gists_redis_waits_total)" = 1 ] && break
		sleep 0.1
	done
	[ "$(fleet_metric w-2 gists_redis_waits_total)" = 1 ]
	double_release
	wait "$first"
	wait "$second"
	[ "$(cat "$BATS_TEST_TMPDIR/first.status")" = 200 ]
	[ "$(cat "$BATS_TEST_TMPDIR/second.status")" = 200 ]
	cmp "$BATS_TEST_TMPDIR/first" "$BATS_TEST_TMPDIR/second"
	[ "$(double_count)" = 1 ]
	[ "$(fleet_metric w-2 gists_redis_hits_total)" = 1 ]
}

@test "without GISTS_REDIS_URL a miss never enters the shared tier's code" {
	# with it, every miss goes through redis.c (which says so at debug)
	start_instance d-1 7 GISTS_LOG_LEVEL=debug
	get "$(base d-1)" /gen-1-tierd
	[ "$HTTP_STATUS" = 200 ]
	grep -q '"msg":"shared tier: a miss of ' "$BATS_FILE_TMPDIR/fleet/d-1/server.log"
	# without it, a miss answered, logged, and not one such line
	GISTS_STATE="$BATS_FILE_TMPDIR/fleet/plain" start_gists GISTS_LOG_LEVEL=debug
	echo "$BASE" >"$BATS_FILE_TMPDIR/fleet/plain/base"
	curl -s -o /dev/null "$(base plain)/-/healthz" # a line at debug
	get "$(base plain)" /gen-1-tierp
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header X-Cache)" = MISS ]
	local log="$BATS_FILE_TMPDIR/fleet/plain/server.log" _
	for _ in $(seq 1 100); do
		grep -q '"path":"/gen-1-tierp"' "$log" && break
		sleep 0.1
	done
	grep -q '"path":"/gen-1-tierp"' "$log"
	grep -q '"level":"debug"' "$log"
	run grep -c 'shared tier' "$log"
	[ "$output" = 0 ]
}

@test "a bad GISTS_REDIS_URL stops start-up, naming it, never its password" {
	run env GISTS_REDIS_URL='redis://:hunter2@host:99999' "$GISTS_BIN" \
		--check-config
	assert_failure
	assert_output --partial GISTS_REDIS_URL
	refute_output --partial hunter2
	run env GISTS_REDIS_URL='redis://:hunter2@host:6380/1' "$GISTS_BIN" \
		--check-config
	assert_success
	assert_output --partial 'GISTS_REDIS_URL=redis://:***@host:6380/1'
	refute_output --partial hunter2
}

@test "past the TTL a fleet revalidates a listing once in the background, not once per instance" {
	# a copy on each instance, stale 2 s later (a sleep proves "at least")
	start_instance b-1 8 GISTS_CACHE_TTL=2 GISTS_UPSTREAM_TIMEOUT=300
	start_instance b-2 8 GISTS_CACHE_TTL=2 GISTS_UPSTREAM_TIMEOUT=300
	get "$(base b-1)" /gen-2-bg
	get "$(base b-2)" /gen-2-bg
	[ "$HTTP_STATUS" = 200 ]
	sleep 2.1
	double_reset_requests
	double_fault '{"mode": "hold", "timeout": 300}'
	get "$(base b-1)" /gen-2-bg
	[ "$(header X-Cache)" = UPDATING ]
	double_wait_in_flight 1
	# b-2's revalidation waits on the fleet's: no second request
	get "$(base b-2)" /gen-2-bg
	[ "$(header X-Cache)" = UPDATING ]
	[ "$(double_count)" = 1 ]
	double_release
	local i _
	for i in 1 2; do
		for _ in $(seq 1 300); do
			get "$(base "b-$i")" /gen-2-bg
			[ "$(header X-Cache)" != UPDATING ] && continue 2
			sleep 0.1
		done
		fail "b-$i was still UPDATING"
	done
	[ "$(double_count)" = 1 ]
	[ "$(fleet_metric b-1 gists_cache_background_revalidations_total)" = 1 ]
	[ "$(fleet_metric b-2 gists_cache_background_revalidations_total)" = 1 ]
	stop_instance b-1
	stop_instance b-2
}

@test "the fleet shares one budget: what one instance spent, the others learn" {
	start_instance g-1 9
	start_instance g-2 9
	get "$(base g-1)" /gen-1-books
	[ "$(fleet_metric g-1 gists_github_ratelimit_remaining)" = 999999 ]
	get "$(base g-2)" /gen-1-other-books
	[ "$(fleet_metric g-2 gists_github_ratelimit_remaining)" = 999998 ]
	# g-1 learns it from Redis, at its next look (a second at most)
	local _
	for _ in $(seq 1 100); do
		[ "$(fleet_metric g-1 gists_github_ratelimit_remaining)" = 999998 ] &&
			break
		sleep 0.1
	done
	[ "$(fleet_metric g-1 gists_github_ratelimit_remaining)" = 999998 ]
	[ "$(double_count)" = 2 ]
	stop_instance g-1
	stop_instance g-2
}

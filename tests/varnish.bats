#!/usr/bin/env bats
# The shipped Varnish front (conf/varnish/gists.vcl) before a real gists
# stack: a real varnishd on a free loopback port, its backend file written
# here to point at the stack. What reached gists is counted from gists' own
# /-/metrics, what reached GitHub from the double's log. Without varnishd
# every test reports itself skipped.

load helpers

VARNISHD=${VARNISHD:-$(command -v varnishd || echo /usr/sbin/varnishd)}

# Start varnishd with the shipped VCL before BACKEND (a base URL) in DIR;
# sets FRONT (its URL).
start_front() { # DIR BACKEND
	local dir=$1 port backend_port=${2##*:}
	mkdir -p "$dir/vcl"
	cat >"$dir/vcl/gists-backends.vcl" <<EOF
backend gists {
	.host = "127.0.0.1";
	.port = "$backend_port";
	.first_byte_timeout = 60s;
}
sub gists_backend {
	set req.backend_hint = gists;
}
EOF
	port=$(free_port)
	# -j none: run as the invoking user, whoever that is
	"$VARNISHD" -F -j none -a "127.0.0.1:$port" -T 127.0.0.1:0 \
		-n "$dir/work" -s malloc,64m \
		-p "vcl_path=$dir/vcl:$GISTS_SRCDIR/conf/varnish:/usr/share/varnish/vcl" \
		-f "$GISTS_SRCDIR/conf/varnish/gists.vcl" \
		>"$dir/varnishd.log" 2>&1 3>&- &
	echo $! >"$dir/pid"
	FRONT="http://127.0.0.1:$port"
	export FRONT
	wait_for_url "$FRONT/-/healthz" || { cat "$dir/varnishd.log" >&3; return 1; }
}

stop_front() { # DIR
	[ -f "$1/pid" ] || return 0
	kill "$(cat "$1/pid")" 2>/dev/null || true
	wait "$(cat "$1/pid")" 2>/dev/null || true
	rm -f "$1/pid"
}

# Requests gists answered on route user (any status), from its metrics.
gists_user_requests() {
	curl -sS "$BASE/-/metrics" | awk '
		/^gists_requests_total\{/ && /route="user"/ { n += $NF }
		END { print n + 0 }'
}

# GET PATH from the front; HTTP_STATUS, HEADERS, BODY as fetch() sets them.
front() { # PATH [curl args...]
	local saved=$BASE
	BASE=$FRONT
	fetch "$@"
	BASE=$saved
}

setup_file() {
	[ -x "$VARNISHD" ] || return 0
	start_stack GISTS_CACHE_TTL=60
	start_front "$BATS_FILE_TMPDIR/front" "$BASE"
}

teardown_file() {
	[ -x "$VARNISHD" ] || return 0
	stop_at_teardown stop_front "$BATS_FILE_TMPDIR/front" \
		-- stop_front "$BATS_FILE_TMPDIR/own-front" -- stop_stack
}

setup() {
	[ -x "$VARNISHD" ] || skip "varnishd is not installed"
	double_reset
}

teardown() {
	stop_at_teardown stop_front "$BATS_TEST_TMPDIR/front" -- stop_test_gists
}

# A test with a front and an instance of its own (VAR=value... for gists).
own_front() {
	start_test_gists "$@"
	start_front "$BATS_TEST_TMPDIR/front" "$BASE"
}

@test "varnish: Accept variants collapse to one gists request per format, as gists negotiates" {
	local accepts=(
		''
		'*/*'
		'application/json'
		'application/json, text/plain, */*'
		'application/*'
		'text/html;q=0.5, application/json'
		'text/html, application/json'
		'text/html'
		'TEXT/HTML'
		'text/*'
		'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8'
		'application/json;q=0.5, text/html;q=0.9'
		'text/html;q=0.8, */*;q=0.9'
		'*/*;q=0.1, text/*;q=0.2'
		'image/png'
	)
	local before a i=0 direct
	before=$(gists_user_requests)
	for a in "${accepts[@]}"; do
		# what gists itself chooses for this Accept
		fetch /gen-3-collapse -H "Accept: $a"
		direct=$(header Content-Type)
		front /gen-3-collapse -H "Accept: $a"
		[ "$HTTP_STATUS" = 200 ] || fail "Accept '$a': $HTTP_STATUS"
		[ "$(header Content-Type)" = "$direct" ] ||
			fail "Accept '$a': front $(header Content-Type), gists $direct"
		[ "$(header Vary)" = "Accept, Accept-Encoding" ]
		i=$((i + 1))
	done
	# each direct fetch is one; the front asked once per format, no more
	[ "$(($(gists_user_requests) - before))" = $((i + 2)) ]
	[ "$(double_count)" = 1 ]
}

@test "varnish: 50 concurrent cold requests, mixed Accept, cost one GitHub request" {
	double_fault '{"user": "gen-2-burst", "mode": "slow", "delay": 1}'
	seq 1 50 | xargs -P 50 -I{} sh -c '
		if [ $(({} % 2)) = 0 ]; then a="text/html"; else a="*/*"; fi
		curl -s -o /dev/null -H "Accept: $a" \
			-w "%{http_code} %{content_type}\n" "$1/gen-2-burst"' _ "$FRONT" \
		>"$BATS_TEST_TMPDIR/codes"
	[ "$(grep -c '^200 ' "$BATS_TEST_TMPDIR/codes")" = 50 ]
	[ "$(grep -c '^200 text/html' "$BATS_TEST_TMPDIR/codes")" = 25 ]
	[ "$(double_count)" = 1 ]
}

@test "varnish: /-/healthz and /-/metrics pass through uncached" {
	local before
	before=$(curl -sS "$BASE/-/metrics" | awk '
		/^gists_requests_total\{/ && /route="healthz"/ { n += $NF }
		END { print n + 0 }')
	for _ in 1 2 3; do
		front /-/healthz
		[ "$HTTP_STATUS" = 200 ]
		[ "$(header X-Front-Cache)" = PASS ]
	done
	front /-/metrics
	[ "$(header X-Front-Cache)" = PASS ]
	# the front's scrape counted the three health checks: each reached gists
	local after
	after=$(awk '/^gists_requests_total\{/ && /route="healthz"/ { n += $NF }
		END { print n + 0 }' "$BODY")
	[ "$((after - before))" = 3 ]
	front /-/metrics
	[ "$(header X-Front-Cache)" = PASS ]
	grep -q 'route="metrics"' "$BODY"
}

@test "varnish: a hit keeps gists' Cache-Control and counts Age from gists' fetch" {
	fetch /gen-1-age
	[ "$(header Age)" = 0 ]
	sleep 2.1
	front /gen-1-age
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header X-Front-Cache)" = MISS ]
	# gists' copy was 2 s old when the front took it
	[ "$(header Age)" -ge 2 ]
	[ "$(header Cache-Control)" = "max-age=60, stale-while-revalidate=300, stale-if-error=3540" ]
	front /gen-1-age
	[ "$(header X-Front-Cache)" = HIT ]
	[ "$(header Age)" -ge 2 ]
	[ "$(header Age)" -lt 60 ]
	[ "$(header Cache-Control)" = "max-age=60, stale-while-revalidate=300, stale-if-error=3540" ]
	[ "$(double_count)" = 1 ]
}

@test "varnish: the front's copy expires with gists' copy, not a TTL later" {
	# gists' clock is moved, not waited for: its copy is 50 s into a 60 s
	# TTL when the front takes it, so the front may keep it 10 s, not 60
	# (no stale-while-revalidate: past the TTL the front asks gists)
	GISTS_BIN=$GISTS_TESTCLOCK_BIN own_front GISTS_CACHE_TTL=60 \
		GISTS_STALE_WHILE_REVALIDATE=0
	fetch /octocat		# gists' copy starts now
	clock_advance 50
	front /octocat		# max-age=60 with Age 50: ten seconds left
	[ "$(header Age)" -ge 50 ]
	local before
	before=$(gists_user_requests)
	front /octocat
	[ "$(header X-Front-Cache)" = HIT ]
	[ "$(gists_user_requests)" = "$before" ]
	sleep 11		# past the front's 10 s, far short of a 60 s TTL
	front /octocat
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header X-Front-Cache)" = MISS ]
	[ "$(gists_user_requests)" = $((before + 1)) ]
}

@test "varnish: If-None-Match gets 304 from the front, per format" {
	front /gen-2-etag
	local json_etag html_etag before
	json_etag=$(header ETag)
	front /gen-2-etag -H 'Accept: text/html'
	html_etag=$(header ETag)
	[ -n "$json_etag" ]
	[ -n "$html_etag" ]
	[ "$json_etag" != "$html_etag" ]
	before=$(gists_user_requests)
	front /gen-2-etag -H "If-None-Match: $json_etag"
	[ "$HTTP_STATUS" = 304 ]
	[ ! -s "$BODY" ]
	[ "$(header ETag)" = "$json_etag" ]
	[ "$(header X-Front-Cache)" = HIT ]
	front /gen-2-etag -H 'Accept: text/html' -H "If-None-Match: $html_etag"
	[ "$HTTP_STATUS" = 304 ]
	# the other format's ETag does not match
	front /gen-2-etag -H "If-None-Match: $html_etag"
	[ "$HTTP_STATUS" = 200 ]
	[ "$(gists_user_requests)" = "$before" ]
}

@test "varnish: gists failing after the TTL: the front serves its expired copy (grace)" {
	# gists itself keeps nothing stale, so its answer is a 502
	# (no stale-while-revalidate either: past the TTL both ask upstream)
	own_front GISTS_CACHE_TTL=2 GISTS_STALE_TTL=0 \
		GISTS_STALE_WHILE_REVALIDATE=0
	front /octocat
	[ "$(header X-Front-Cache)" = MISS ]
	double_fault '{"user": "*", "mode": "status", "status": 500, "times": 1000}'
	sleep 3
	front /octocat
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header X-Front-Cache)" = STALE ]
	[ "$(header Age)" -ge 3 ]	# older than max-age=2: says it is stale
	[ "$(json count)" = 8 ]
	# gists was asked first (and asked GitHub), its 502 was not stored
	[ "$(double_count)" -ge 2 ]
	local before
	before=$(gists_user_requests)
	front /octocat
	[ "$(header X-Front-Cache)" = STALE ]
	[ "$(gists_user_requests)" -gt "$before" ]
	# nothing kept for a user never fetched: gists' error, passed on
	front /gen-1-cold
	[ "$HTTP_STATUS" = 502 ]
	[ "$(header Content-Type)" = application/problem+json ]
	# GitHub back: fresh again
	double_reset
	sleep 2.5	# gists asks GitHub again a TTL after a failure
	front /octocat
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header X-Front-Cache)" = MISS ]
	[ "$(header Age)" = 0 ]
}

@test "varnish: within gists' stale-while-revalidate the front answers its copy at once and refreshes it in the background" {
	own_front GISTS_CACHE_TTL=2 GISTS_STALE_WHILE_REVALIDATE=300
	front /octocat
	[ "$(header X-Front-Cache)" = MISS ]
	local before _
	before=$(gists_user_requests)
	sleep 3		# past both TTLs, far within 300 s
	front /octocat
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header X-Front-Cache)" = UPDATING ]
	[ "$(header Age)" -ge 3 ]
	[ -z "$(header X-Gists-Swr)" ]
	[ "$(json count)" = 8 ]
	# the front's one background fetch reaches gists
	for _ in $(seq 1 300); do
		[ "$(gists_user_requests)" -gt "$before" ] && break
		sleep 0.1
	done
	[ "$(gists_user_requests)" = $((before + 1)) ]
}

@test "varnish: no gists instance: the expired copy, else a 503 problem" {
	own_front GISTS_CACHE_TTL=1 GISTS_STALE_WHILE_REVALIDATE=0
	front /octocat
	stop_test_gists
	sleep 2
	front /octocat
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header X-Front-Cache)" = STALE ]
	[ "$(json count)" = 8 ]
	front /gen-1-nobody
	[ "$HTTP_STATUS" = 503 ]
	[ "$(header Content-Type)" = application/problem+json ]
	[ "$(header Cache-Control)" = no-store ]
	[ "$(json status)" = 503 ]
}

@test "varnish: errors (no-store) are not stored: each one reaches gists" {
	local before
	before=$(gists_user_requests)
	front /no-such-user
	[ "$HTTP_STATUS" = 404 ]
	[ "$(header Cache-Control)" = no-store ]
	front /no-such-user
	[ "$HTTP_STATUS" = 404 ]
	[ "$(header X-Front-Cache)" = PASS ]
	# a GitHub failure for a cold user
	double_fault '{"user": "gen-1-err", "mode": "status", "status": 500, "times": 2}'
	front /gen-1-err
	[ "$HTTP_STATUS" = 502 ]
	front /gen-1-err
	[ "$HTTP_STATUS" = 502 ]
	[ "$(header X-Front-Cache)" = PASS ]
	[ "$(gists_user_requests)" = $((before + 4)) ]
	front '/bad..login'
	[ "$HTTP_STATUS" = 400 ]
	front '/bad..login'
	[ "$(header X-Front-Cache)" = PASS ]
}

@test "varnish: other methods pass to gists; a cookie does not stop caching" {
	front /octocat -X DELETE
	[ "$HTTP_STATUS" = 405 ]
	[ "$(header Allow)" = "GET, HEAD" ]
	front /gen-1-cookie -H 'Cookie: session=1'
	front /gen-1-cookie -H 'Cookie: session=2'
	[ "$(header X-Front-Cache)" = HIT ]
	[ -z "$(header Via)" ]
}

#!/usr/bin/env bats
# lighttpd's own answers are ours: the errors of request parsing and the
# 503 while the responder is down are problem+json with the right status
# (conf/errors via server.errorfile-prefix), the 5xx with our security
# headers and Cache-Control: no-store.

load helpers

setup_file() {
	start_stack
}

teardown_file() {
	stop_at_teardown stop_stack
}

teardown() {
	stop_at_teardown stop_test_gists
}

# The raw answer in $RAW is a problem+json for STATUS: status line,
# Content-Type, and a body whose members say the same.
assert_problem() { # STATUS
	run "$PYTHON3" -c '
import json, sys
raw = open(sys.argv[1], "rb").read()
head, _, body = raw.partition(b"\r\n\r\n")
lines = head.decode("latin-1").split("\r\n")
status = int(lines[0].split()[1])
headers = {k.lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
assert status == int(sys.argv[2]), lines[0]
assert headers["content-type"] == "application/problem+json", headers
p = json.loads(body)
assert p["status"] == status and p["type"] == "about:blank", p
assert p["title"] and p["detail"], p
assert int(headers["content-length"]) == len(body)
print("ok")' "$RAW" "$1"
	assert_output ok
}

@test "a malformed request is a 400 problem" {
	raw 'GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n'
	assert_problem 400
	raw 'GET / HTTP/1.1\r\nHost: a b\r\n\r\n'
	assert_problem 400
}

@test "a body without a length is a 411 problem; a large one a 413" {
	raw 'POST /octocat HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
	assert_problem 411
	raw 'POST /octocat HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n'
	assert_problem 413
}

@test "oversized heads are 431 problems; HTTP/2.0 on the wire a 505; BREW a 501" {
	local big
	big=$(head -c 9000 /dev/zero | tr '\0' a)
	raw "GET / HTTP/1.1\r\nHost: x\r\nX-Big: $big\r\n\r\n"
	assert_problem 431
	raw "GET /$big HTTP/1.1\r\nHost: x\r\n\r\n"
	assert_problem 431
	raw 'GET / HTTP/2.0\r\nHost: x\r\n\r\n'
	assert_problem 505
	raw 'BREW / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
	assert_problem 501
}

@test "the responder down: a 503 problem with our security headers" {
	# a responder that starts once, then (once "alive" is gone) cannot
	local alive="$BATS_TEST_TMPDIR/alive" wrapper="$BATS_TEST_TMPDIR/gists-once"
	touch "$alive"
	printf '#!/bin/sh\n[ "${1:-}" = --check-config ] || [ -e %s ] && exec %s "$@"\nexit 1\n' \
		"$alive" "$GISTS_BIN" >"$wrapper"
	chmod +x "$wrapper"
	GISTS_BIN=$wrapper start_test_gists
	local responder
	responder=$(test_responder_pid)
	[ -n "$responder" ]
	rm "$alive"
	kill -KILL "$responder"
	# gists-supervise's next one fails at once: it takes the socket away,
	# and lighttpd answers itself
	local _
	for _ in $(seq 1 100); do
		fetch /octocat
		[ "$HTTP_STATUS" = 200 ] || break
		sleep 0.1
	done
	[ "$HTTP_STATUS" = 503 ]
	[ "$(header Content-Type)" = application/problem+json ]
	[ "$(json status)" = "$HTTP_STATUS" ]
	[ "$(header X-Content-Type-Options)" = nosniff ]
	[[ "$(header Content-Security-Policy)" = "default-src 'none'"* ]]
	[ "$(header Referrer-Policy)" = no-referrer ]
	# conf/errors/no-store.lua: no cache keeps it
	[ "$(header Cache-Control)" = no-store ]
	grep -q 'gw_backend' "$SERVER_LOG"
}

@test "every status lighttpd may answer itself has a problem file" {
	local dir="$GISTS_TESTS/../conf/errors" status
	for status in 400 408 411 413 414 417 431 500 501 502 503 504 505; do
		[ -f "$dir/$status.html" ] || fail "no $status"
		"$PYTHON3" -c '
import json, sys
p = json.load(open(sys.argv[1]))
assert p["status"] == int(sys.argv[2]) and p["type"] == "about:blank"
assert set(p) == {"type", "title", "status", "detail"}' "$dir/$status.html" "$status"
	done
}

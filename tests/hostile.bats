#!/usr/bin/env bats
# Hostile request paths and heads: refused with 400 before any call to
# GitHub, and the service stays up.

load helpers

setup_file() {
	start_stack
}

teardown_file() {
	stop_at_teardown stop_stack
}

setup() {
	double_reset
}

# Whatever a test threw at it, the service still answers.
service_answers() {
	fetch /-/healthz
	[ "$HTTP_STATUS" = 200 ]
}

teardown() {
	stop_at_teardown service_answers
}

# Assert the last fetch is 400: the responder's problem+json.
assert_problem_400() {
	[ "$HTTP_STATUS" = 400 ] || fail "status $HTTP_STATUS"
	[ "$(header Content-Type)" = application/problem+json ]
	[ "$(json status)" = 400 ]
}

@test "malformed logins are 400 problems and never reach GitHub" {
	local p
	for p in /.. /%2e%2e /../octocat /octocat/.. /octo.cat /%2F \
		/octo%2Fcat /octo%2fcat /-octocat /- /octo_cat /octo%20cat \
		/octo+cat /%C3%A9t%C3%A9 /%E2%80%AEtacotco /octocat%ZZ \
		/octocat% '/octo%5Ccat' '/octo\cat' /octocat%3Fpage=1 \
		/abcdefghijklmnopqrstuvwxyz0123456789abcd \
		"/$(printf 'a%.0s' $(seq 1 300))"; do
		fetch "$p"
		assert_problem_400 || fail "$p"
	done
	[ "$(double_count)" = 0 ]
}

@test "an encoded NUL or CR/LF never reaches GitHub" {
	local p
	for p in /octo%00cat /octocat%00 /octo%0d%0acat /octo%0Acat \
		/octo%09cat /octo%7Fcat; do
		fetch "$p"
		# lighttpd's strict parsing may answer these itself
		[ "$HTTP_STATUS" = 400 ] || fail "$p gave $HTTP_STATUS"
	done
	[ "$(double_count)" = 0 ]
}

@test "raw control characters and non-ASCII bytes in the request line" {
	raw 'GET /octo\r\ncat HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'
	run head -n 1 "$RAW"
	assert_output --partial " 400 "
	raw 'GET /octo\x00cat HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'
	run head -n 1 "$RAW"
	assert_output --partial " 400 "
	raw 'GET /\xc3\xa9t\xc3\xa9 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'
	run head -n 1 "$RAW"
	assert_output --partial " 400 "
	[ "$(double_count)" = 0 ]
}

@test "error bodies never echo the raw input" {
	fetch '/%3Cscript%3Ealert(1)%3C%2Fscript%3E'
	assert_problem_400
	run ! grep -q '<script>' "$BODY"
	fetch '/octocat?per_page=%3Cscript%3E'
	assert_problem_400
	run ! grep -q '<script>' "$BODY"
}

@test "an oversized request head is refused by lighttpd" {
	fetch /octocat -H "X-Big: $(head -c 20000 /dev/zero | tr '\0' a)"
	[ "$HTTP_STATUS" = 431 ] || [ "$HTTP_STATUS" = 400 ]
	[ "$(double_count)" = 0 ]
}

@test "a thousand query parameters are ignored; a longer head is refused" {
	local q
	q=$(seq 1 1000 | sed 's/^/x/; s/$/=1/' | paste -sd '&')
	fetch "/octocat?$q&page=1&per_page=2"
	[ "$HTTP_STATUS" = 200 ]
	[ "$(json count)" = 2 ]
	# past server.max-request-field-size (8 KiB) lighttpd says 431
	q=$(seq 1 2000 | sed 's/^/x/; s/$/=1/' | paste -sd '&')
	fetch "/octocat?$q"
	[ "$HTTP_STATUS" = 431 ]
	[ "$(double_count)" = 1 ]
}

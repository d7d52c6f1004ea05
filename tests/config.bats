#!/usr/bin/env bats
# Configuration: an invalid value stops start-up with one message naming
# the variable; the binary describes itself.

load helpers

# $stderr and $stderr_lines are set by bats' run --separate-stderr.
# shellcheck disable=SC2154

# Run gists-server with one setting; it must exit non-zero at once,
# naming the variable, without starting lighttpd.
refused() { # VAR=value
	local name=${1%%=*}
	run --separate-stderr timeout 10 env PORT="$(free_port)" \
		GISTS_BIND=127.0.0.1 GISTS_RUNTIME_DIR="$BATS_TEST_TMPDIR/run" \
		"$1" "$GISTS_SERVER"
	[ "$status" -ne 0 ] || fail "$1 was accepted"
	[ "$status" -ne 124 ] || fail "$1: the server started"
	[[ "$stderr" == *"invalid configuration: $name"* ]] ||
		fail "$1: stderr was: $stderr"
	[ "${#stderr_lines[@]}" -eq 1 ] || fail "more than one line: $stderr"
}

teardown() {
	stop_at_teardown
}

@test "invalid values stop start-up, naming the variable" {
	refused GISTS_CACHE_TTL=abc
	refused GISTS_CACHE_TTL=-1
	refused GISTS_STALE_TTL=1h
	refused GISTS_STALE_WHILE_REVALIDATE=5m
	refused GISTS_STALE_WHILE_REVALIDATE=-1
	refused GISTS_STALE_WHILE_REVALIDATE=31536001
	refused GISTS_BUDGET_WINDOW=0
	refused GISTS_BUDGET_WINDOW=86401
	refused GISTS_BUDGET_RESERVE=91
	refused GISTS_BUDGET_RESERVE=10%
	refused GISTS_CACHE_MAX_BYTES=lots
	refused GISTS_UPSTREAM_TIMEOUT=0
	refused GISTS_MAX_PAGES=0
	refused GISTS_THREADS=100000
	refused GISTS_LOG_LEVEL=chatty
	refused PORT=0
	refused PORT=99999
	refused GITHUB_API_URL=ftp://example.com
	refused GITHUB_API_URL=not-a-url
	refused GITHUB_API_URL=file:///etc/passwd
	refused "GITHUB_TOKEN=has spaces"
}

@test "GISTS_LOG_FD: not a descriptor number is refused; a closed one falls back to stderr" {
	local v
	for v in abc 2 -1 99999999999; do
		run --separate-stderr env GISTS_LOG_FD="$v" "$GISTS_BIN" --check-config
		[ "$status" -eq 1 ] || fail "GISTS_LOG_FD=$v was accepted"
		[[ "$stderr" == *"invalid configuration: GISTS_LOG_FD"* ]] || fail "$stderr"
	done
	# 63 is not open here: a warning on stderr, and the service goes on
	run --separate-stderr env GISTS_LOG_FD=63 "$GISTS_BIN" --check-config 63>&-
	assert_success
	[[ "$stderr" == *'"level":"warn"'*"GISTS_LOG_FD=63 is not open for writing"* ]] ||
		fail "$stderr"
}

@test "make run exits non-zero on an invalid value" {
	[ -f "$GISTS_BUILDDIR/Makefile" ] || skip "no build tree"
	run --separate-stderr timeout 20 env GISTS_CACHE_TTL=abc \
		make -s -C "$GISTS_BUILDDIR" run
	[ "$status" -ne 0 ]
	[ "$status" -ne 124 ]
	[[ "$stderr" == *"GISTS_CACHE_TTL"* ]]
}

@test "an invalid token is refused without being echoed" {
	run --separate-stderr env GITHUB_TOKEN='secret value' \
		"$GISTS_BIN" --check-config
	[ "$status" -eq 1 ]
	[[ "$stderr" == *GITHUB_TOKEN* ]]
	[[ "$stderr" != *secret* ]]
}

@test "--check-config prints the effective configuration" {
	run --separate-stderr env GISTS_CACHE_TTL=5 "$GISTS_BIN" --check-config
	assert_success
	assert_line GISTS_CACHE_TTL=5
	assert_line GISTS_STALE_TTL=3600
	assert_line GISTS_STALE_WHILE_REVALIDATE=300
	assert_line GISTS_BUDGET_WINDOW=3600
	assert_line GISTS_BUDGET_RESERVE=10
	assert_line GITHUB_API_URL=https://api.github.com
	assert_line GITHUB_TOKEN=
}

@test "--help names every variable of the contract with its default" {
	run "$GISTS_BIN" --help
	assert_success
	local v
	for v in PORT GITHUB_API_URL GITHUB_TOKEN GISTS_CACHE_TTL \
		GISTS_STALE_TTL GISTS_CACHE_MAX_BYTES GISTS_UPSTREAM_TIMEOUT \
		GISTS_MAX_PAGES GISTS_STALE_WHILE_REVALIDATE; do
		assert_output --partial "$v"
	done
	assert_output --partial "(default: 67108864)"
	assert_output --partial "(default: 300)"
}

@test "--version names the service; unknown options are usage errors" {
	run "$GISTS_BIN" --version
	assert_success
	assert_output --regexp '^gists [0-9]+\.[0-9]+\.[0-9]+'
	run --separate-stderr "$GISTS_BIN" --bogus
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"unknown option '--bogus'"* ]] || fail "$stderr"
	run --separate-stderr "$GISTS_BIN" --version extra
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"unexpected argument 'extra'"* ]] || fail "$stderr"
}

@test "--help names every variable lighttpd.conf and gists-server read" {
	run "$GISTS_BIN" --help
	assert_success
	local v vars
	# env.NAME in the config, ${NAME:-...} defaults in the script
	vars=$(grep -o 'env\.[A-Z_]*' "$GISTS_CONF" | cut -c5-;
		grep -o '^[A-Z_]*=\${[A-Z_]*:-' \
			"$GISTS_SRCDIR/fcgi/gists-server.in" | cut -d= -f1)
	[ -n "$vars" ]
	for v in GISTS_BIND GISTS_RUNTIME_DIR $vars; do
		assert_output --partial "  $v "
	done
}

@test "gists-server runs from the build tree, with the built responder" {
	local port
	port=$(free_port)
	# no GISTS_BIN or GISTS_CONF: the script finds the build tree's
	env -u GISTS_BIN -u GISTS_CONF PORT="$port" GISTS_BIND=127.0.0.1 \
		GISTS_RUNTIME_DIR="$BATS_TEST_TMPDIR/run" \
		"$GISTS_BUILDDIR/fcgi/gists-server" \
		>"$BATS_TEST_TMPDIR/server.log" 2>&1 3>&- &
	local pid=$!
	at_teardown stop_server "$pid"
	BASE="http://127.0.0.1:$port"
	wait_for_url "$BASE/-/healthz" || true
	fetch /-/healthz
	stop_now stop_server "$pid"
	[ "$HTTP_STATUS" = 200 ] || fail "$(cat "$BATS_TEST_TMPDIR/server.log")"
}

@test "outside a FastCGI server the responder says how to run it" {
	run --separate-stderr "$GISTS_BIN" </dev/null
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"not started by a FastCGI server"* ]]
}

#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr: set by bats' run --separate-stderr
# Instances never share a responder: each gets its own runtime directory
# unless one is given, and a directory in use by a live instance is
# refused. Every instance here has a double of its own (A or B), so the
# doubles' request logs say which upstream answered.

load helpers

setup() {
	INSTANCES=()
	DOUBLES=()
	mkdir -p "$BATS_TEST_TMPDIR/tmp"
}

teardown() {
	local pid
	local -a stops=()
	for pid in "${INSTANCES[@]}"; do
		stops+=(stop_instance "$pid" --)
	done
	for pid in "${DOUBLES[@]}"; do
		stops+=(reap "$pid" --)
	done
	stop_at_teardown "${stops[@]}"
}

# End PID if it still runs (a double, or a make run that ends with its
# lighttpd).
reap() { # PID
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# End a process the test stopped (SIGSTOP) and orphaned.
end_stopped() { # PID
	kill -KILL "$1" 2>/dev/null || true
}

# Start a double of its own; sets the variable NAME to its base URL.
start_named_double() { # NAME
	start_double_in "$BATS_TEST_TMPDIR/double-$1" "$1"
	DOUBLES+=("$(cat "$BATS_TEST_TMPDIR/double-$1/pid")")
}

# Start gists-server as an operator would, without the test helpers'
# runtime directory, and the same TMPDIR for all; VAR=value settings
# (GISTS_RUNTIME_DIR among them) go to its environment. Sets BASE and PID.
start_instance() { # NAME UPSTREAM [VAR=value...]
	local name=$1 upstream=$2 port
	shift 2
	port=$(free_port)
	env -u GISTS_RUNTIME_DIR TMPDIR="$BATS_TEST_TMPDIR/tmp" PORT="$port" \
		GISTS_BIND=127.0.0.1 GITHUB_API_URL="$upstream" "$@" \
		"$GISTS_SERVER" >"$BATS_TEST_TMPDIR/$name.log" 2>&1 3>&- &
	PID=$!
	INSTANCES+=("$PID")
	BASE="http://127.0.0.1:$port"
	wait_for_url "$BASE/-/healthz"
}

# Stop an instance (the graceful SIGINT) and wait for it, 10 s at
# most when it is not our child (under make run).
stop_instance() { # PID
	local _
	kill -INT "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	for _ in $(seq 1 100); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
}

# How many API requests a double has seen.
requests_of() { # URL
	curl -sS --fail "$1/_double/stats" |
		"$PYTHON3" -c 'import json, sys; print(json.load(sys.stdin)["requests"])'
}

# Poll until no private runtime directory is left in TMPDIR, 10 s at most.
private_dirs_gone() {
	local _
	for _ in $(seq 1 100); do
		compgen -G "$BATS_TEST_TMPDIR/tmp/gists.*" >/dev/null || return 0
		sleep 0.1
	done
	ls -la "$BATS_TEST_TMPDIR/tmp" >&3
	return 1
}

@test "two instances from one build never share a responder" {
	start_named_double A
	start_named_double B
	start_instance one "$A"
	local one=$BASE pid_one=$PID
	start_instance two "$B"
	local two=$BASE pid_two=$PID
	# each answers from its own upstream: a shared responder would
	# answer the second from the first's cache (A), and B would see none
	BASE=$one fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	BASE=$two fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header X-Cache)" = MISS ]
	BASE=$two fetch /mallory
	[ "$HTTP_STATUS" = 200 ]
	[ "$(requests_of "$A")" = 1 ]
	[ "$(requests_of "$B")" = 2 ]
	# each in a private directory of its own
	run compgen -G "$BATS_TEST_TMPDIR/tmp/gists.*"
	[ "${#lines[@]}" = 2 ] || fail "runtime directories: $output"
	# each private directory goes when its instance stops
	stop_instance "$pid_one"
	stop_instance "$pid_two"
	private_dirs_gone
}

@test "the same GISTS_RUNTIME_DIR twice: the second refuses, the first serves on" {
	local dir="$BATS_TEST_TMPDIR/run"
	start_named_double A
	start_named_double B
	start_instance one "$A" GISTS_RUNTIME_DIR="$dir"
	local pid_one=$PID
	run --separate-stderr timeout 20 env TMPDIR="$BATS_TEST_TMPDIR/tmp" \
		PORT="$(free_port)" GISTS_BIND=127.0.0.1 GITHUB_API_URL="$B" \
		GISTS_RUNTIME_DIR="$dir" "$GISTS_SERVER"
	[ "$status" -ne 124 ] || fail "the second instance started"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"GISTS_RUNTIME_DIR=$dir "* ]] || fail "stderr: $stderr"
	kill -0 "$pid_one"
	fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	[ "$(requests_of "$A")" = 1 ]
	[ "$(requests_of "$B")" = 0 ]
	# a directory given is the operator's: it stays
	stop_instance "$pid_one"
	[ -d "$dir" ]
}

@test "a directory whose instance died is used again, never its sockets" {
	local dir="$BATS_TEST_TMPDIR/run" responder front
	start_named_double A
	start_named_double B
	start_instance one "$A" GISTS_RUNTIME_DIR="$dir"
	responder=$(pgrep -P "$PID" -x gists)
	front=$(pgrep -P "$PID" -x lighttpd)
	# the supervisor, lighttpd and the responder killed outright: the
	# lock goes with them
	kill -KILL "$PID" "$responder" "$front"
	wait "$PID" 2>/dev/null || true
	gone "$responder"
	gone "$front"
	compgen -G "$dir/gists.sock*" >/dev/null
	start_instance two "$B" GISTS_RUNTIME_DIR="$dir"
	fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	[ "$(requests_of "$A")" = 0 ]
	[ "$(requests_of "$B")" = 1 ]
}

@test "a responder that outlived its instance keeps its directory refused" {
	local dir="$BATS_TEST_TMPDIR/run" responder front
	start_named_double A
	start_named_double B
	start_instance one "$A" GISTS_RUNTIME_DIR="$dir"
	responder=$(pgrep -P "$PID" -x gists)
	front=$(pgrep -P "$PID" -x lighttpd)
	# stopped, it cannot act on the SIGTERM its supervisor's death sends
	kill -STOP "$responder"
	at_teardown end_stopped "$responder"
	kill -KILL "$PID" "$front"
	wait "$PID" 2>/dev/null || true
	gone "$front"
	kill -0 "$responder"
	run --separate-stderr timeout 20 env TMPDIR="$BATS_TEST_TMPDIR/tmp" \
		PORT="$(free_port)" GISTS_BIND=127.0.0.1 GITHUB_API_URL="$B" \
		GISTS_RUNTIME_DIR="$dir" "$GISTS_SERVER"
	[ "$status" -ne 124 ] || fail "started beside a live responder"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"GISTS_RUNTIME_DIR=$dir "* ]] || fail "stderr: $stderr"
	[ "$(requests_of "$B")" = 0 ]
}

# Start `make run` from the build tree; sets BASE and PID
# (gists-supervise's).
start_make_run() { # NAME UPSTREAM
	local port make_pid _
	port=$(free_port)
	env -u GISTS_RUNTIME_DIR TMPDIR="$BATS_TEST_TMPDIR/tmp" PORT="$port" \
		GISTS_BIND=127.0.0.1 GITHUB_API_URL="$2" \
		make -s -C "$GISTS_BUILDDIR" run >"$BATS_TEST_TMPDIR/$1.log" \
		2>&1 3>&- &
	make_pid=$!
	DOUBLES+=("$make_pid") # make ends with lighttpd; reaped in teardown
	BASE="http://127.0.0.1:$port"
	wait_for_url "$BASE/-/healthz"
	PID=$(pgrep -x -P "$make_pid" gists-supervise || true)
	[ -n "$PID" ] || { pgrep -a -P "$make_pid" >&3; return 1; }
	INSTANCES+=("$PID")
}

@test "two make run from one build never share a responder" {
	[ -f "$GISTS_BUILDDIR/Makefile" ] || skip "no build tree"
	start_named_double A
	start_named_double B
	start_make_run one "$A"
	local one=$BASE
	start_make_run two "$B"
	BASE=$one fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header X-Cache)" = MISS ]
	[ "$(requests_of "$A")" = 1 ]
	[ "$(requests_of "$B")" = 1 ]
}

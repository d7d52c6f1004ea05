# Shared set-up for the bats files: a GitHub test double and the real
# lighttpd + responder (through gists-server and conf/lighttpd.conf), each
# on a free loopback port, stopped by PID when the file ends.
# shellcheck shell=bash
# Functions here set variables for the test files that load them.
# shellcheck disable=SC2034

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

: "${GISTS_SERVER:?run through make check, or set GISTS_SERVER}"
: "${GISTS_BIN:?}" "${GISTS_CONF:?}" "${GISTS_TESTS:?}" "${LIGHTTPD:?}"
PYTHON3=${PYTHON3:-python3}

# Hermetic: nothing from the caller's environment changes the service.
unset GITHUB_TOKEN GITHUB_API_URL GISTS_CACHE_TTL GISTS_STALE_TTL GISTS_STALE_WHILE_REVALIDATE \
	GISTS_CACHE_MAX_BYTES GISTS_UPSTREAM_TIMEOUT GISTS_MAX_PAGES \
	GISTS_THREADS GISTS_LOG_LEVEL GISTS_MAX_WAITING GISTS_MAX_LISTING_BYTES \
	GISTS_REDIS_URL GISTS_REDIS_TIMEOUT_MS GISTS_ERROR_DIR GISTS_LOG_FD \
	http_proxy https_proxy HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy='*' NO_PROXY='*'

# A TCP port nothing listens on right now.
free_port() {
	"$PYTHON3" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Poll until URL answers at all (any HTTP status), for up to 30 s (a
# loaded machine under ASan or valgrind; it returns as soon as it can).
wait_for_url() {
	local _
	for _ in $(seq 1 300); do
		if curl -s -o /dev/null --max-time 1 "$1"; then
			return 0
		fi
		sleep 0.1
	done
	echo "# $1 did not answer" >&3
	return 1
}

# Start a GitHub double whose port and PID files are in DIR; sets the
# variable NAME (not "dir") to its base URL.
start_double_in() { # DIR NAME
	local dir=$1 _
	mkdir -p "$dir"
	rm -f "$dir/port"
	"$PYTHON3" "$GISTS_TESTS/github-double.py" "$dir/port" \
		"$GISTS_TESTS/fixtures" 3>&- &
	echo $! >"$dir/pid"
	for _ in $(seq 1 300); do
		[ -s "$dir/port" ] && break
		sleep 0.1
	done
	printf -v "$2" 'http://127.0.0.1:%s' "$(cat "$dir/port")"
	wait_for_url "${!2}/_double/stats"
}

stop_double_in() { # DIR
	local pidfile="$1/pid"
	local st=0
	[ -f "$pidfile" ] || return 0
	kill_wait "$(cat "$pidfile")" || st=$?
	rm -f "$pidfile"
	return "$st"
}

# The file's GitHub double; sets UPSTREAM (its base URL).
start_double() {
	start_double_in "$BATS_FILE_TMPDIR/double" UPSTREAM
	export UPSTREAM
}

stop_double() {
	stop_double_in "$BATS_FILE_TMPDIR/double"
}

# Start lighttpd + responder with extra VAR=value settings; sets BASE
# (its URL) and SERVER_LOG (its stderr: lighttpd's and the responder's).
# Its files live in $GISTS_STATE (default: one instance per bats file); a
# test that needs an instance of its own sets GISTS_STATE to a directory
# under $BATS_TEST_TMPDIR and stops it in teardown with stop_test_gists.
start_gists() {
	local port dir="${GISTS_STATE:-$BATS_FILE_TMPDIR/gists}"
	port=$(free_port)
	mkdir -p "$dir"
	SERVER_LOG="$dir/server.log"
	export SERVER_LOG
	if [ "${GISTS_SANITIZERS:-no}" = yes ]; then
		# reports go to files that stop_gists looks for
		export ASAN_OPTIONS="log_path=$dir/asan:detect_leaks=1"
		export UBSAN_OPTIONS="log_path=$dir/ubsan:print_stacktrace=1"
	fi
	local bin=$GISTS_BIN
	if [ "${GISTS_VALGRIND:-0}" = 1 ]; then
		# lighttpd starts the responder under memcheck; its reports
		# go to files that stop_gists looks for
		bin="$dir/gists-valgrind"
		printf '#!/bin/sh\nexec valgrind -q --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --error-exitcode=99 --log-file=%s/valgrind.%%p %s "$@"\n' \
			"$dir" "$GISTS_BIN" >"$bin"
		chmod +x "$bin"
	fi
	env PORT="$port" GISTS_BIND=127.0.0.1 GISTS_RUNTIME_DIR="$dir/run" \
		GITHUB_API_URL="$UPSTREAM" GISTS_BIN="$bin" "$@" \
		"$GISTS_SERVER" >>"$SERVER_LOG" 2>&1 3>&- &
	echo $! >"$dir/pid"
	BASE="http://127.0.0.1:$port"
	export BASE
	wait_for_url "$BASE/-/healthz"
}

# The PID of the responder of the gists whose PID file is PIDFILE:
# gists-supervise's child (under valgrind too) that is neither lighttpd
# nor gists-log's filter, which gists-log forks before it execs
# gists-supervise.
gists_responder_pid() { # PIDFILE
	local p
	for p in $(pgrep -P "$(cat "$1")"); do
		case $(cat "/proc/$p/comm" 2>/dev/null) in
		gists-log | lighttpd | gists-server | flock) continue ;;
		esac
		echo "$p"
		return 0
	done
}

# The responder of this test's own instance (start_test_gists).
test_responder_pid() {
	gists_responder_pid "$BATS_TEST_TMPDIR/gists/pid"
}

# Wait until PID, not our child, has ended: TENTHS tenths of a second
# at most (100).
gone() { # PID [TENTHS]
	local _
	for _ in $(seq 1 "${2:-100}"); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	echo "# pid $1 still runs" >&2
	return 1
}

# Wait (up to 30 s) until FILE exists.
wait_file() { # FILE
	local _
	for _ in $(seq 1 300); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	echo "# $1 never appeared" >&3
	return 1
}

# A gauge or counter of /-/metrics (0 when absent).
metric_now() { # NAME
	curl -s "$BASE/-/metrics" | awk -v n="$1" '$1 == n { print $2; f = 1 } END { if (!f) print 0 }'
}

# One GET of the service in the background, its status and headers to
# FILE.code and FILE.headers once answered; stopped at teardown unless
# wait_bg saw it end. Sets BG_PID.
fetch_bg() { # PATH FILE
	curl -sS -o /dev/null -D "$2.headers" -w '%{http_code}\n' \
		--max-time 60 "$BASE$1" >"$2.code" 3>&- &
	BG_PID=$!
}

# A header of a fetch_bg's answer.
bg_header() { # FILE NAME
	HEADERS="$1.headers" header "$2"
}

# Wait for a fetch_bg to end (its status is the verdict), and take its
# stop off the teardown list.
wait_bg() { # PID
	local q list
	printf -v q '%q ' kill_wait "$1"
	list=$(at_teardown_list)
	grep -vxF -- "$q" "$list" >"$list.tmp" || true
	mv "$list.tmp" "$list"
	wait "$1"
}

# Wait until at least N requests are parked (30 s at most).
wait_parked() { # N
	local _
	for _ in $(seq 1 300); do
		[ "$(metric_now gists_requests_parked)" -ge "$1" ] && return 0
		sleep 0.1
	done
	fail "fewer than $1 requests parked: $(metric_now gists_requests_parked)"
}

# Stop gists gracefully (SIGINT to gists-supervise, which passes it to
# lighttpd, then stops the responder) and wait for it and the responder.
stop_gists() {
	local pidfile="${GISTS_STATE:-$BATS_FILE_TMPDIR/gists}/pid" pid
	local children
	[ -f "$pidfile" ] || return 0
	pid=$(cat "$pidfile")
	children=$(pgrep -P "$pid" || true)
	kill -INT "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -f "$pidfile"
	# gists-supervise ends after the responder (which finishes, then the
	# sanitizers check for leaks); gists-log's filter a moment later:
	# wait for them, 30 s at most
	for _ in $(seq 1 300); do
		# shellcheck disable=SC2086 # a list of PIDs, or none
		kill -0 $children 2>/dev/null || break
		sleep 0.1
	done
	sanitizer_reports "$(dirname "$pidfile")"
}

# Fail, showing them, if the sanitizers or valgrind reported anything in
# DIR (valgrind -q writes a log only when it has something to say).
sanitizer_reports() {
	local f found=0
	for f in "$1"/asan.* "$1"/ubsan.* "$1"/valgrind.*; do
		[ -s "$f" ] || continue
		found=1
		echo "# sanitizer report $f:" >&3
		sed 's/^/#   /' "$f" >&3
	done
	[ "$found" = 0 ]
}

# A test's own instance: start_test_gists VAR=value...; BASE changes for
# the rest of the test only. teardown() should call stop_test_gists.
start_test_gists() {
	GISTS_STATE="$BATS_TEST_TMPDIR/gists" start_gists "$@"
}
stop_test_gists() {
	GISTS_STATE="$BATS_TEST_TMPDIR/gists" stop_gists
}
# stop_gists of the instance whose files are in DIR (its GISTS_STATE).
stop_gists_in() { # DIR
	GISTS_STATE=$1 stop_gists
}

# A test's own instance of tests/gists-testclock, whose cache clock
# (freshness, Age, the back-off after a failure) runs ahead by what
# clock_advance added: "past the TTL" without sleeping, and "still fresh"
# however slow the machine is. Upstream timeouts stay real time.
start_clock_gists() {
	: "${GISTS_TESTCLOCK_BIN:?run through make check}"
	GISTS_BIN=$GISTS_TESTCLOCK_BIN start_test_gists "$@"
}
# Move that instance's cache clock SECONDS ahead.
clock_advance() { # SECONDS
	local f="$BATS_TEST_TMPDIR/gists/run/test-clock" ahead=0
	if [ -f "$f" ]; then
		ahead=$(cat "$f")
	fi
	echo $((ahead + $1)) >"$f.tmp"
	mv "$f.tmp" "$f"
}

# A file's usual set-up: the double, and one instance with VAR=value...
start_stack() {
	start_double
	start_gists "$@"
}

# ...and its end: both stopped, either one's failure (the instance's
# sanitizer and valgrind reports) teardown_file's verdict.
stop_stack() {
	run_every stop_double -- stop_gists
}

# Ask the double's control API.
double() { # METHOD PATH [JSON]
	curl -sS --fail -X "$1" -H 'Content-Type: application/json' \
		${3:+--data "$3"} "$UPSTREAM/_double/$2"
}
double_reset() { double POST reset >/dev/null; }
# Forget the recorded requests only (users, faults and limits stay).
double_reset_requests() { double POST forget >/dev/null; }
double_fault() { double POST fault "$1" >/dev/null; }
# Let the requests a "hold" fault keeps waiting go on.
double_release() { double POST release >/dev/null; }
# Wait until at least N API requests are in flight at the double (held,
# slow...), for up to 30 s: a test acts once GitHub has been asked, not
# after a guessed sleep.
double_wait_in_flight() { # N
	local _
	for _ in $(seq 1 600); do
		[ "$(double GET stats | "$PYTHON3" -c 'import json, sys; print(json.load(sys.stdin)["in_flight"])')" -ge "$1" ] && return 0
		sleep 0.05
	done
	echo "# the double never had $1 requests in flight" >&3
	return 1
}
# How many API requests (not control calls) the double has seen.
double_count() {
	double GET stats | "$PYTHON3" -c 'import json, sys; print(json.load(sys.stdin)["requests"])'
}
# A field of the Nth recorded request (0-based; -1 is the last).
double_request() { # N FIELD [HEADER]
	double GET requests | "$PYTHON3" -c '
import json, sys
r = json.load(sys.stdin)[int(sys.argv[1])]
v = r[sys.argv[2]]
print(v.get(sys.argv[3], "") if len(sys.argv) > 3 else v)' "$@"
}

# GET (or -X METHOD ...) a path of the service; sets HTTP_STATUS, HEADERS
# (file) and BODY (file); extra arguments go to curl.
fetch() { # PATH [curl args...]
	local path=$1
	shift
	HEADERS="$BATS_TEST_TMPDIR/headers"
	BODY="$BATS_TEST_TMPDIR/body"
	rm -f "$HEADERS" "$BODY"
	HTTP_STATUS=$(curl -sS --path-as-is -o "$BODY" -D "$HEADERS" \
		-w '%{http_code}' "$@" "$BASE$path")
}

# Send REQUEST (escapes like \r\n allowed) to the service as raw bytes;
# the whole answer goes to $RAW, and header() reads it.
raw() {
	RAW="$BATS_TEST_TMPDIR/raw"
	HEADERS=$RAW
	"$PYTHON3" "$GISTS_TESTS/raw-http.py" 127.0.0.1 "${BASE##*:}" "$1" \
		>"$RAW"
}

# The value of a response header of the last fetch ("" when absent).
header() {
	awk -v name="$1" '
		tolower($0) ~ "^" tolower(name) ":" {
			sub(/^[^:]*:[ \t]*/, ""); sub(/\r$/, ""); print; exit }' \
		"$HEADERS"
}

# A member of the JSON body of the last fetch (keys and indices).
json() {
	"$PYTHON3" "$GISTS_TESTS/oracle.py" get "$BODY" "$@"
}

# Every stop counts. bats keeps only the last command's status in
# teardown and teardown_file (and `A && B` mid-test passes when A fails),
# so a teardown ends with stop_at_teardown, which runs every stop it is
# given and every one registered with at_teardown, and fails if any did.
# tests/lint-bats.py rejects a teardown that does otherwise.

# Run every command (CMD ARGS... separated by --), all of them whatever
# each returns; fail, naming them, if any failed.
run_every() { # CMD [ARGS...] [-- CMD [ARGS...]]...
	local -a cmd=()
	local st=0 arg
	for arg in "$@" --; do
		if [ "$arg" != -- ]; then
			cmd+=("$arg")
			continue
		fi
		[ "${#cmd[@]}" -gt 0 ] || continue
		"${cmd[@]}" || {
			st=$?
			echo "# failed ($st): ${cmd[*]}" >&2
		}
		cmd=()
	done
	return "$st"
}

# Where at_teardown registers: the test's own list in a test (and its
# setup), the file's in setup_file.
at_teardown_list() {
	echo "${BATS_TEST_TMPDIR:-$BATS_FILE_TMPDIR}/at-teardown"
}

# Register a stop for the end of this test (or, from setup_file, of the
# file): a server a test starts is stopped even when an assertion fails
# before the test's own stop. A stop that already ran is a no-op.
at_teardown() { # CMD [ARGS...]
	local q
	printf -v q '%q ' "$@"
	echo "$q" >>"$(at_teardown_list)"
}

# Run a registered stop now (its failure is the caller's) and take it off
# the list.
stop_now() { # CMD [ARGS...]
	local q list
	printf -v q '%q ' "$@"
	list=$(at_teardown_list)
	if [ -f "$list" ]; then
		grep -vxF -- "$q" "$list" >"$list.tmp" || true
		mv "$list.tmp" "$list"
	fi
	"$@"
}

# teardown's and teardown_file's one result: every registered stop (the
# last registered first) and every command given, each run, any failure
# the verdict.
stop_at_teardown() { # [CMD [ARGS...] [-- CMD [ARGS...]]...]
	local list st=0 line
	list=$(at_teardown_list)
	if [ -f "$list" ]; then
		while IFS= read -r line; do
			eval "$line" || {
				st=$?
				echo "# failed ($st): $line" >&2
			}
		done < <(tac "$list")
		rm -f "$list"
	fi
	run_every "$@" || st=$?
	return "$st"
}

# Stop PID (SIGTERM) and wait until it is gone, 30 s at most; fail if it
# had already died or ended with a status other than the signal's.
kill_wait() { # PID [SIGNAL]
	local pid=$1 sig=${2:-TERM} st=0 _
	kill "-$sig" "$pid" 2>/dev/null || {
		echo "# $pid was not running" >&2
		return 1
	}
	wait "$pid" 2>/dev/null || st=$?
	[ "$st" != 0 ] || return 0
	# not our child (127): poll until it is gone
	if [ "$st" = 127 ]; then
		gone "$pid" 300
		return
	fi
	[ "$st" = $((128 + $(kill -l "$sig"))) ] || {
		echo "# $pid ended with status $st" >&2
		return 1
	}
}

# Stop a lighttpd started by hand (not start_gists) gracefully and
# check the sanitizer reports in DIR (where its ASAN/UBSAN log_path is).
stop_server() { # PID [DIR]
	local pid=$1 children _
	children=$(pgrep -P "$pid" || true)
	kill_wait "$pid" INT || return 1
	for _ in $(seq 1 300); do
		# shellcheck disable=SC2086 # a list of PIDs, or none
		kill -0 $children 2>/dev/null || break
		sleep 0.1
	done
	[ -z "${2:-}" ] || sanitizer_reports "$2"
}

# The container engine, or "" (then the container tests skip).
# GISTS_CONTAINER_TESTS=0 opts out; `make check CONTAINER_TESTS=` leaves
# container.bats and fleet.bats out altogether (the test image and make
# distcheck do: containers cannot run in one here).
engine() {
	if [ "${GISTS_CONTAINER_TESTS:-1}" = 0 ]; then
		return 0
	fi
	if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
		echo docker
	elif command -v podman >/dev/null && podman info >/dev/null 2>&1; then
		echo podman
	fi
}

# compose with $ENGINE: docker compose, or podman-compose (127 without).
compose() {
	if [ "$ENGINE" = docker ]; then
		docker compose "$@"
	elif command -v podman-compose >/dev/null; then
		podman-compose "$@"
	else
		return 127
	fi
}

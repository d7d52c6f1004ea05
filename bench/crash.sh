#!/usr/bin/env bash
# `make bench-crash`: the responder killed (SIGKILL) while 64 clients ask
# for a cached user and /-/healthz, RUNS times for a baseline build and
# for this one, alternately, in one run. For each run: the answers that
# were not 200 (and how many of them were 503s, lighttpd's own "the
# back-end is down"), and the time from the kill to the first good answer
# of /-/healthz asked in a loop right after it.
#
# The baseline is BENCH_BASELINE (a commit; default: the one before
# gists-supervise came), built in a git worktree under /tmp with this
# build's configure flags (bench/lib.sh's build_baseline). BENCH_RUNS
# (6) runs of each, BENCH_CLIENTS (64) clients.
# shellcheck disable=SC2154 # tmp, base_dir, gists_lighttpd: set by lib.sh
set -euo pipefail
: "${GISTS_SERVER:?run through make bench-crash}" "${GISTS_TESTS:?}"
: "${BENCH_DIR:?}" "${PYTHON3:?}"
RUNS=${BENCH_RUNS:-6}
CLIENTS=${BENCH_CLIENTS:-64}
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"

src=$(cd "$BENCH_DIR/.." && pwd)
baseline=${BENCH_BASELINE:-}
if [ -z "$baseline" ]; then
	added=$(git -C "$src" log --format=%H --diff-filter=A -1 -- \
		fcgi/gists-supervise.c)
	baseline=$(git -C "$src" rev-parse "$added^")
fi
baseline=$(git -C "$src" rev-parse --short "$baseline")

# The baseline's build tree (bench/lib.sh), with its own gists-server,
# responder and lighttpd.conf: its gists-server must find its own files,
# not this build's.
build_baseline "$baseline"
printf '#!/bin/sh\nunset GISTS_BIN GISTS_LOG GISTS_SUPERVISE GISTS_CONF\nexec %s\n' \
	"$base_dir/fcgi/gists-server" >"$tmp/baseline-server"
chmod +x "$tmp/baseline-server"

start_double
double_config '{"limit": 100000000}'

# Seconds since the epoch, with nanoseconds.
now() { date +%s.%N; }

# One run of SERVER (a gists-server): "failed 503s first-good-answer-s".
one_run() { # SERVER NAME
	local server=$1 name=$2 supervisor responder t0 t1 load
	GISTS_SERVER=$server start_gists "$name" GISTS_LOG_LEVEL=warn
	supervisor=$gists_lighttpd
	curl -sf -o /dev/null "$GISTS/octocat"
	rm -f "$tmp/stop"
	"$PYTHON3" "$BENCH_DIR/client.py" until "$tmp/stop" "$GISTS" \
		"$CLIENTS" /octocat /-/healthz >"$tmp/$name.load" &
	load=$!
	sleep 2
	responder=$(pgrep -P "$supervisor" -x gists)
	t0=$(now)
	kill -KILL "$responder"
	# (30 s at most: a back-end lighttpd gave up on is a result too)
	until curl -sf -o /dev/null "$GISTS/-/healthz" ||
		[ "$(awk -v a="$(now)" -v b="$t0" 'BEGIN { print (a - b > 30) }')" = 1 ]; do
		:
	done
	t1=$(now)
	sleep 3
	touch "$tmp/stop"
	wait "$load"
	kill -INT "$supervisor"
	wait "$supervisor" || true
	tr ' ' '\n' <"$tmp/$name.load" | awk -F= -v t0="$t0" -v t1="$t1" '
		$1 != 200 { failed += $2 }
		$1 == 503 { unavailable += $2 }
		END { printf "%d %d %.3f\n", failed, unavailable, t1 - t0 }'
}

printf 'make bench-crash (BENCH_RUNS=%s BENCH_CLIENTS=%s BENCH_BASELINE=%s)\n\n' \
	"$RUNS" "$CLIENTS" "$baseline"
printf '| run | %s: failed | of them 503 | first good answer | this build: failed | of them 503 | first good answer |\n' \
	"$baseline"
echo '| --- | --- | --- | --- | --- | --- | --- |'
for i in $(seq 1 "$RUNS"); do
	read -r bf bu bt < <(one_run "$tmp/baseline-server" "base$i")
	read -r tf tu tt < <(one_run "$GISTS_SERVER" "this$i")
	printf '| %d | %d | %d | %s s | %d | %d | %s s |\n' \
		"$i" "$bf" "$bu" "$bt" "$tf" "$tu" "$tt"
done

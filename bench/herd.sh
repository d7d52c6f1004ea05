#!/usr/bin/env bash
# The expiry herd (issue 21): one cached user, GISTS_CACHE_TTL=2, GitHub
# answering after 1.5 s, wrk for 12 s with 400 then 1,200 connections on
# that one user. Before stale-while-revalidate everyone who arrives
# while the listing is revalidated waits for GitHub (and those past
# GISTS_MAX_WAITING get 503); after it they are answered from the copy.
# Both builds run here, one after the other, with the same double: the
# baseline is BENCH_BASELINE (default: the commit before
# stale-while-revalidate came), built by lib.sh's build_baseline, then
# this build. Run it with
# `make bench-herd`. BENCH_DURATION (s, default 12) and
# BENCH_HERD_CONNECTIONS (default "400 1200") shape the runs. Prints a
# table and the command that produced it.
# shellcheck disable=SC2154 # tmp, base_rev, gists_lighttpd: lib.sh's
set -euo pipefail

: "${GISTS_SERVER:?run through make bench-herd}" "${GISTS_BIN:?}"
: "${GISTS_CONF:?}" "${GISTS_LOG:?}" "${GISTS_TESTS:?}" "${BENCH_DIR:?}"
DURATION=${BENCH_DURATION:-12}
CONNECTIONS=${BENCH_HERD_CONNECTIONS:-400 1200}
LATENCY=1.5
TTL=2
command -v wrk >/dev/null || { echo "bench: needs wrk (apt-get install wrk)" >&2; exit 2; }
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# 1,200 connections need as many descriptors, in wrk and in lighttpd
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

repo="$BENCH_DIR/.."
if [ -z "${BENCH_BASELINE:-}" ]; then
	added=$(git -C "$repo" log --format=%H --diff-filter=A -1 -- \
		fcgi/freshness.c)
	BENCH_BASELINE=$(git -C "$repo" rev-parse --short "$added^")
fi
build_baseline "$BENCH_BASELINE"

start_double
double_config "{\"limit\": 100000000, \"latency\": $LATENCY}"

# wrk's non-2xx, timeouts, p50, p99 and max latency (ms) for one run on
# URL with CONNS connections: "bad timeouts p50 p99 max"
herd_figures() { # URL CONNS
	wrk -t2 -c"$2" -d"${DURATION}s" --timeout 10s --latency "$1" | awk '
		function ms(v) {
			if (v ~ /us$/) return v / 1000
			if (v ~ /ms$/) return v + 0
			if (v ~ /m$/) return v * 60000
			if (v ~ /s$/) return v * 1000
			return v
		}
		$1 == "Latency" && NF >= 4 { max = ms($4) }
		$1 == "50%" { p50 = ms($2) }
		$1 == "99%" { p99 = ms($2) }
		/Non-2xx/ { bad = $NF }
		/Socket errors/ { sub(/.*timeout /, ""); timeouts = $0 + 0 }
		END { printf "%d %d %.0f %.0f %.0f\n", bad, timeouts, p50, p99, max }'
}

# One build's rows, appended to rows: gists started by START
# (start_baseline or start_gists), warmed with the one user, then each
# connection count; GitHub's requests counted per run.
rows=
herd_build() { # LABEL START
	local label=$1 conns before bad timeouts p50 p99 max
	"$2" "${label%% *}" GISTS_CACHE_TTL=$TTL
	curl -s -o /dev/null "$GISTS/octocat"
	for conns in $CONNECTIONS; do
		before=$(double_requests)
		read -r bad timeouts p50 p99 max <<<"$(herd_figures "$GISTS/octocat" "$conns")"
		rows+="| $label | $conns | $bad | $timeouts | $p50 | $p99 | $max | $(( $(double_requests) - before )) |"$'\n'
	done
	kill -INT "$gists_lighttpd"
	wait "$gists_lighttpd" 2>/dev/null || true
}

herd_build "before ($base_rev)" start_baseline
herd_build "after (this build)" start_gists

cat <<EOF
$(date -u +%Y-%m-%dT%H:%M:%SZ) $(nproc) cores; GISTS_CACHE_TTL=$TTL, GitHub answering after ${LATENCY} s; wrk -t2 -c<connections> -d${DURATION}s --timeout 10s --latency on /octocat; \`make bench-herd\` (bench/herd.sh)

| build | connections | non-2xx | timeouts | p50, ms | p99, ms | max, ms | GitHub requests |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows%$'\n'}
EOF

#!/usr/bin/env bash
# The cache's figures, each beside a baseline measured in the same run:
#   1. cache-hit throughput of /octocat (wrk), beside the same lighttpd
#      serving the same bytes as a static file, and beside a trivial
#      FastCGI responder returning them through the same lighttpd and
#      conf/lighttpd.conf (the ceiling of this architecture);
#   2. the latency a miss adds over the GitHub double's own response time;
#   3. upstream requests spent on 1,000 requests for one user, 100 at once;
#   4. the responder's resident memory after 1,000 distinct users cached;
#   5. a 1,000-gist listing (ten pages) beside a one-page listing, with
#      GitHub answering each page after 300 ms;
#   6. cache hits and /-/healthz (throughput, p50/p99) while 500 misses
#      are parked on a GitHub that answers after 4.5 s, beside the same
#      with GitHub idle.
# Run it with `make bench` (it builds what it needs and starts everything
# itself, on loopback ports). BENCH_DURATION (s, default 10) and
# BENCH_CONNECTIONS (default 64) shape the wrk runs. Prints a table.
# BENCH_BASELINE=<commit> also builds that commit (a git worktree under
# /tmp, this build's configure flags) and measures figures 1-6 of both
# builds in the same run, the baseline then this build for each figure;
# the table then has a column for each.
set -euo pipefail

: "${GISTS_SERVER:?run through make bench}" "${GISTS_BIN:?}" "${GISTS_CONF:?}"
: "${GISTS_TESTS:?}" "${LIGHTTPD:?}" "${TRIVIAL_FCGI:?}" "${BENCH_DIR:?}" \
	"${GISTS_SUPERVISE:?}"
DURATION=${BENCH_DURATION:-10}
CONNS=${BENCH_CONNECTIONS:-64}
BASELINE=${BENCH_BASELINE:-}
command -v wrk >/dev/null || { echo "bench: needs wrk (apt-get install wrk)" >&2; exit 2; }
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# wrk's figures (as measure) for a lone prober (one connection, one
# request at a time), as a health check or a single user sees it
measure_one() {
	wrk_figures -t1 -c1 -d"${DURATION}s" --latency "$1"
}
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

# The builds measured: "this", after "base" when BENCH_BASELINE is set.
builds=(this)
if [ -n "$BASELINE" ]; then
	build_baseline "$BASELINE" # sets base_dir and base_rev
	builds=(base this)
fi

# The GitHub double, with a rate limit that does not get in the way.
start_double
double_config '{"limit": 100000000}'

# Figures by name and build: F[name:build].
declare -A F URL PID
# gists of each build, as shipped (default settings but a TTL that
# outlasts the run).
for b in "${builds[@]}"; do
	if [ "$b" = base ]; then
		start_baseline "gists-$b"
	else
		start_gists "gists-$b"
	fi
	URL[$b]=$GISTS
	PID[$b]=$(pgrep -P "$gists_lighttpd" -x gists)
	F[rss_start:$b]=$(rss_kb "${PID[$b]}")
done
GISTS=${URL[this]}

mkdir -p "$tmp/docroot"
curl -s -o "$tmp/docroot/octocat" "$GISTS/octocat"

# The trivial responder through the same lighttpd, configuration and
# supervisor (which runs the responder without arguments: a wrapper).
TPORT=$(free_port)
mkdir -p "$tmp/trivial"
printf '#!/bin/sh\nexec %s %s\n' "$TRIVIAL_FCGI" "$tmp/docroot/octocat" \
	>"$tmp/trivial-fcgi"
chmod +x "$tmp/trivial-fcgi"
env PORT="$TPORT" GISTS_BIND=127.0.0.1 GISTS_RUNTIME_DIR="$tmp/trivial" \
	GISTS_CACHE_TTL=3600 GISTS_ERROR_DIR="$(dirname "$GISTS_CONF")/errors" \
	"$GISTS_SUPERVISE" "$tmp/trivial/gists.sock" "$tmp/trivial-fcgi" -- \
	"$LIGHTTPD" -D -f "$GISTS_CONF" 2>"$tmp/trivial.log" &
pids+=($!)
TRIVIAL="http://127.0.0.1:$TPORT"
wait_url "$TRIVIAL/octocat"

# lighttpd serving the bytes as a file.
start_static

read -r s_rps s_p50 s_p99 s_bad <<<"$(measure "$STATIC/octocat")"
read -r t_rps t_p50 t_p99 t_bad <<<"$(measure "$TRIVIAL/octocat")"
for b in "${builds[@]}"; do
	F[hits:$b]=$(measure "${URL[$b]}/octocat")
done

# Misses: 300 users, one by one.
for b in "${builds[@]}"; do
	miss=$("$PYTHON3" "$BENCH_DIR/client.py" miss "${URL[$b]}" "$DOUBLE" 300)
	for w in service double added; do
		F[$w:$b]=$(awk -v w="$w" '$1 == w { sub("p50=", "", $2); sub("p99=", "", $3); print $2 " / " $3 }' <<<"$miss")
	done
done

# Economy: 1,000 requests, 100 at once, one cold user; GitHub slowed to
# 50 ms so that the first hundred really overlap.
double_config '{"latency": 0.05}'
for b in "${builds[@]}"; do
	before=$(double_requests)
	F[flood:$b]=$("$PYTHON3" "$BENCH_DIR/client.py" flood "${URL[$b]}" /gen-30-flood 1000 100)
	F[upstream:$b]=$(( $(double_requests) - before ))
done
double_config '{"latency": 0}'

# Memory: 1,000 distinct users of 30 gists each.
for b in "${builds[@]}"; do
	F[fill:$b]=$("$PYTHON3" "$BENCH_DIR/client.py" fill "${URL[$b]}" gen-30-mem 1000 16)
	F[rss_end:$b]=$(rss_kb "${PID[$b]}")
	F[cache_bytes:$b]=$(curl -s "${URL[$b]}/-/metrics" | awk '/^gists_cache_bytes / { print $2 }')
done

# Pages: ten pages against one, each page 300 ms upstream; five cold
# users of each, the median.
double_config '{"latency": 0.3}'
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for b in "${builds[@]}"; do
	F[ten:$b]=$(for i in 1 2 3 4 5; do
		curl -s -o /dev/null -w '%{time_total}\n' "${URL[$b]}/gen-1000-pages$i"
	done | median)
	F[one:$b]=$(for i in 1 2 3 4 5; do
		curl -s -o /dev/null -w '%{time_total}\n' "${URL[$b]}/gen-100-pages$i"
	done | median)
done
double_config '{"latency": 0}'

# Parked: hits and health checks, GitHub idle, then with 500 misses
# parked on a 4.5 s GitHub (a client keeps 500 distinct cold users in
# flight for longer than the measurement).
parked() { curl -s "$1/-/metrics" | awk '$1 == "gists_requests_parked" { print $2 }'; }
for b in "${builds[@]}"; do
	u=${URL[$b]}
	F[idle:$b]=$(measure "$u/octocat")
	F[idle_h:$b]=$(measure "$u/-/healthz")
	F[idle_h1:$b]=$(measure_one "$u/-/healthz")
done
for b in "${builds[@]}"; do
	u=${URL[$b]}
	double_config '{"latency": 4.5}'
	"$PYTHON3" "$BENCH_DIR/client.py" fill "$u" gen-1-parked \
		$((500 * ((3 * DURATION + 4) / 4 + 4))) 500 >"$tmp/parked-$b.out" 2>&1 &
	parked_client=$!
	for _ in $(seq 1 300); do
		[ "$(parked "$u")" -ge 500 ] && break
		sleep 0.1
	done
	F[parked_before:$b]=$(parked "$u")
	F[parked_hits:$b]=$(measure "$u/octocat")
	F[parked_between:$b]=$(parked "$u")
	F[parked_h:$b]=$(measure "$u/-/healthz")
	F[parked_h1:$b]=$(measure_one "$u/-/healthz")
	F[parked_after:$b]=$(parked "$u")
	wait "$parked_client" || true
	double_config '{"latency": 0}'
done

pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", 100 * a / b }'; }
# One of wrk's figures (as measure) of F[NAME:BUILD]: rps, lat or bad.
fig() { # NAME BUILD rps|lat|bad
	local rps p50 p99 bad
	read -r rps p50 p99 bad <<<"${F[$1:$2]}"
	case $3 in
	rps) echo "$rps" ;;
	lat) echo "$p50 / $p99" ;;
	bad) echo "$bad" ;;
	esac
}
if [ -z "$BASELINE" ]; then
	cat <<EOF
$(date -u +%Y-%m-%dT%H:%M:%SZ) $(nproc) cores; wrk -t2 -c$CONNS -d${DURATION}s --latency; \`make bench\`

| measure | gists | baseline | ratio |
| --- | ---: | ---: | ---: |
| cache hits /octocat, req/s | $(fig hits this rps) | trivial FastCGI $t_rps | $(pct "$(fig hits this rps)" "$t_rps") |
| | | static file $s_rps | $(pct "$(fig hits this rps)" "$s_rps") |
| hit latency p50 / p99, ms | $(fig hits this lat) | trivial $t_p50 / $t_p99, static $s_p50 / $s_p99 | |
| non-2xx during wrk | $(fig hits this bad) | trivial $t_bad, static $s_bad | |
| miss latency p50 / p99, ms (300 users) | ${F[service:this]} | double alone ${F[double:this]} | added ${F[added:this]} |
| upstream requests for 1,000 requests, 100 at once | ${F[upstream:this]} | ideal 1 | answers: ${F[flood:this]} |
| responder RSS, KiB | ${F[rss_end:this]} after 1,000 users | ${F[rss_start:this]} at start | cache holds ${F[cache_bytes:this]:-?} B of 67108864 |
| 1,000-gist listing (10 pages, 300 ms each upstream), s | ${F[ten:this]} | one page (100 gists) ${F[one:this]} | $(awk -v a="${F[ten:this]}" -v b="${F[one:this]}" 'BEGIN { printf "%.2fx", a / b }') |
| hits /octocat while 500 misses parked (GitHub 4.5 s), req/s | $(fig parked_hits this rps) | GitHub idle $(fig idle this rps) | $(pct "$(fig parked_hits this rps)" "$(fig idle this rps)") |
| hit latency p50 / p99 while parked, ms | $(fig parked_hits this lat) | GitHub idle $(fig idle this lat) | non-2xx $(fig parked_hits this bad) / $(fig idle this bad) |
| /-/healthz while parked, req/s | $(fig parked_h this rps) | GitHub idle $(fig idle_h this rps) | $(pct "$(fig parked_h this rps)" "$(fig idle_h this rps)") |
| /-/healthz p50 / p99 while parked, ms | $(fig parked_h this lat) | GitHub idle $(fig idle_h this lat) | non-2xx $(fig parked_h this bad) / $(fig idle_h this bad) |
| /-/healthz alone (one connection) p50 / p99 while parked, ms | $(fig parked_h1 this lat) | GitHub idle $(fig idle_h1 this lat) | non-2xx $(fig parked_h1 this bad) / $(fig idle_h1 this bad) |
| requests parked: before / between / after those runs | ${F[parked_before:this]} / ${F[parked_between:this]} / ${F[parked_after:this]} | | |
EOF
	echo
	echo "(fill answers: ${F[fill:this]}; parked misses' answers: $(cat "$tmp/parked-this.out"))"
	exit 0
fi

# Both builds: a row a figure, the baseline's column first.
row() { # MEASURE BASE THIS [RATIO]
	echo "| $1 | $2 | $3 | ${4:-} |"
}
rps_row() { # MEASURE NAME: req/s of both, this build's as a share
	row "$1" "$(fig "$2" base rps)" "$(fig "$2" this rps)" \
		"$(pct "$(fig "$2" this rps)" "$(fig "$2" base rps)")"
}
lat_row() { # MEASURE NAME: p50 / p99 of both, with non-2xx
	row "$1" "$(fig "$2" base lat) ($(fig "$2" base bad))" \
		"$(fig "$2" this lat) ($(fig "$2" this bad))"
}
both() { # MEASURE NAME: F[NAME:*] as they are
	row "$1" "${F[$2:base]}" "${F[$2:this]}"
}
cat <<EOF
$(date -u +%Y-%m-%dT%H:%M:%SZ) $(nproc) cores; wrk -t2 -c$CONNS -d${DURATION}s --latency; each figure measured for the baseline, then this build
\`BENCH_BASELINE=$BASELINE BENCH_DURATION=$DURATION BENCH_CONNECTIONS=$CONNS make bench\`; baseline $base_rev, this build $(git -C "$BENCH_DIR/.." describe --always --dirty 2>/dev/null || echo "?")

| measure | baseline | this build | this / baseline |
| --- | ---: | ---: | ---: |
EOF
rps_row "cache hits /octocat, req/s (trivial FastCGI $t_rps, static file $s_rps)" hits
lat_row "hit latency p50 / p99, ms (non-2xx)" hits
both "miss latency p50 / p99, ms (300 users)" service
both "... the double's own, p50 / p99, ms" double
both "... added by the service, p50 / p99, ms" added
both "upstream requests for 1,000 requests, 100 at once (ideal 1)" upstream
both "responder RSS at start, KiB" rss_start
both "responder RSS after 1,000 users, KiB" rss_end
both "1,000-gist listing (10 pages, 300 ms each upstream), s" ten
both "one page (100 gists), s" one
rps_row "hits /octocat, GitHub idle, req/s" idle
rps_row "hits /octocat while 500 misses parked (GitHub 4.5 s), req/s" parked_hits
lat_row "hit latency p50 / p99 while parked, ms (non-2xx)" parked_hits
rps_row "/-/healthz, GitHub idle, req/s" idle_h
rps_row "/-/healthz while parked, req/s" parked_h
lat_row "/-/healthz p50 / p99 while parked, ms (non-2xx)" parked_h
lat_row "/-/healthz alone (one connection) p50 / p99 while parked, ms (non-2xx)" parked_h1
row "requests parked: before / between / after those runs" \
	"${F[parked_before:base]} / ${F[parked_between:base]} / ${F[parked_after:base]}" \
	"${F[parked_before:this]} / ${F[parked_between:this]} / ${F[parked_after:this]}"
echo
echo "(flood answers: base ${F[flood:base]}, this ${F[flood:this]}; parked misses' answers: base $(cat "$tmp/parked-base.out"), this $(cat "$tmp/parked-this.out"))"

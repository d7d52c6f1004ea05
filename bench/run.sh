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
set -euo pipefail

: "${GISTS_SERVER:?run through make bench}" "${GISTS_BIN:?}" "${GISTS_CONF:?}"
: "${GISTS_TESTS:?}" "${LIGHTTPD:?}" "${TRIVIAL_FCGI:?}" "${BENCH_DIR:?}" \
	"${GISTS_SUPERVISE:?}"
DURATION=${BENCH_DURATION:-10}
CONNS=${BENCH_CONNECTIONS:-64}
command -v wrk >/dev/null || { echo "bench: needs wrk (apt-get install wrk)" >&2; exit 2; }
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# wrk's figures (as measure) for a lone prober (one connection, one
# request at a time), as a health check or a single user sees it
measure_one() {
	wrk_figures -t1 -c1 -d"${DURATION}s" --latency "$1"
}
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

# The GitHub double, with a rate limit that does not get in the way.
start_double
double_config '{"limit": 100000000}'

# gists, as shipped (default settings but a TTL that outlasts the run).
start_gists gists
gists_pid=$(pgrep -P "$gists_lighttpd" -x gists)
rss_start=$(rss_kb "$gists_pid")

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
read -r g_rps g_p50 g_p99 g_bad <<<"$(measure "$GISTS/octocat")"

# Misses: 300 users, one by one.
miss=$("$PYTHON3" "$BENCH_DIR/client.py" miss "$GISTS" "$DOUBLE" 300)
read -r m_svc50 m_svc99 <<<"$(awk '/^service/ { sub("p50=", "", $2); sub("p99=", "", $3); print $2, $3 }' <<<"$miss")"
read -r m_dbl50 m_dbl99 <<<"$(awk '/^double/ { sub("p50=", "", $2); sub("p99=", "", $3); print $2, $3 }' <<<"$miss")"
read -r m_add50 m_add99 <<<"$(awk '/^added/ { sub("p50=", "", $2); sub("p99=", "", $3); print $2, $3 }' <<<"$miss")"

# Economy: 1,000 requests, 100 at once, one cold user; GitHub slowed to
# 50 ms so that the first hundred really overlap.
double_config '{"latency": 0.05}'
before=$(double_requests)
flood=$("$PYTHON3" "$BENCH_DIR/client.py" flood "$GISTS" /gen-30-flood 1000 100)
upstream=$(( $(double_requests) - before ))
double_config '{"latency": 0}'

# Memory: 1,000 distinct users of 30 gists each.
fill=$("$PYTHON3" "$BENCH_DIR/client.py" fill "$GISTS" gen-30-mem 1000 16)
rss_end=$(rss_kb "$gists_pid")
cache_bytes=$(curl -s "$GISTS/-/metrics" | awk '/^gists_cache_bytes / { print $2 }')

# Pages: ten pages against one, each page 300 ms upstream; five cold
# users of each, the median.
double_config '{"latency": 0.3}'
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ten=$(for i in 1 2 3 4 5; do
	curl -s -o /dev/null -w '%{time_total}\n' "$GISTS/gen-1000-pages$i"
done | median)
one=$(for i in 1 2 3 4 5; do
	curl -s -o /dev/null -w '%{time_total}\n' "$GISTS/gen-100-pages$i"
done | median)
double_config '{"latency": 0}'

# Parked: hits and health checks, GitHub idle, then with 500 misses
# parked on a 4.5 s GitHub (a client keeps 500 distinct cold users in
# flight for longer than the measurement).
parked() { curl -s "$GISTS/-/metrics" | awk '$1 == "gists_requests_parked" { print $2 }'; }
read -r i_rps i_p50 i_p99 i_bad <<<"$(measure "$GISTS/octocat")"
read -r ih_rps ih_p50 ih_p99 ih_bad <<<"$(measure "$GISTS/-/healthz")"
read -r _ i1_p50 i1_p99 i1_bad <<<"$(measure_one "$GISTS/-/healthz")"
double_config '{"latency": 4.5}'
"$PYTHON3" "$BENCH_DIR/client.py" fill "$GISTS" gen-1-parked \
	$((500 * ((3 * DURATION + 4) / 4 + 4))) 500 >"$tmp/parked.out" 2>&1 &
parked_client=$!
for _ in $(seq 1 300); do
	[ "$(parked)" -ge 500 ] && break
	sleep 0.1
done
parked_before=$(parked)
read -r p_rps p_p50 p_p99 p_bad <<<"$(measure "$GISTS/octocat")"
parked_between=$(parked)
read -r ph_rps ph_p50 ph_p99 ph_bad <<<"$(measure "$GISTS/-/healthz")"
read -r _ p1_p50 p1_p99 p1_bad <<<"$(measure_one "$GISTS/-/healthz")"
parked_after=$(parked)
wait "$parked_client" || true
double_config '{"latency": 0}'

pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", 100 * a / b }'; }
cat <<EOF
$(date -u +%Y-%m-%dT%H:%M:%SZ) $(nproc) cores; wrk -t2 -c$CONNS -d${DURATION}s --latency; \`make bench\`

| measure | gists | baseline | ratio |
| --- | ---: | ---: | ---: |
| cache hits /octocat, req/s | $g_rps | trivial FastCGI $t_rps | $(pct "$g_rps" "$t_rps") |
| | | static file $s_rps | $(pct "$g_rps" "$s_rps") |
| hit latency p50 / p99, ms | $g_p50 / $g_p99 | trivial $t_p50 / $t_p99, static $s_p50 / $s_p99 | |
| non-2xx during wrk | $g_bad | trivial $t_bad, static $s_bad | |
| miss latency p50 / p99, ms (300 users) | $m_svc50 / $m_svc99 | double alone $m_dbl50 / $m_dbl99 | added $m_add50 / $m_add99 |
| upstream requests for 1,000 requests, 100 at once | $upstream | ideal 1 | answers: $flood |
| responder RSS, KiB | $rss_end after 1,000 users | $rss_start at start | cache holds ${cache_bytes:-?} B of 67108864 |
| 1,000-gist listing (10 pages, 300 ms each upstream), s | $ten | one page (100 gists) $one | $(awk -v a="$ten" -v b="$one" 'BEGIN { printf "%.2fx", a / b }') |
| hits /octocat while 500 misses parked (GitHub 4.5 s), req/s | $p_rps | GitHub idle $i_rps | $(pct "$p_rps" "$i_rps") |
| hit latency p50 / p99 while parked, ms | $p_p50 / $p_p99 | GitHub idle $i_p50 / $i_p99 | non-2xx $p_bad / $i_bad |
| /-/healthz while parked, req/s | $ph_rps | GitHub idle $ih_rps | $(pct "$ph_rps" "$ih_rps") |
| /-/healthz p50 / p99 while parked, ms | $ph_p50 / $ph_p99 | GitHub idle $ih_p50 / $ih_p99 | non-2xx $ph_bad / $ih_bad |
| /-/healthz alone (one connection) p50 / p99 while parked, ms | $p1_p50 / $p1_p99 | GitHub idle $i1_p50 / $i1_p99 | non-2xx $p1_bad / $i1_bad |
| requests parked: before / between / after those runs | $parked_before / $parked_between / $parked_after | | |
EOF
echo
echo "(fill answers: $fill; parked misses' answers: $(cat "$tmp/parked.out"))"

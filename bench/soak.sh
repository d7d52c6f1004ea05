#!/usr/bin/env bash
# Soak: SOAK_SECONDS (default 120) of mixed traffic from 16 clients over
# SOAK_USERS (default 3000) distinct users, through lighttpd and the
# responder, against the GitHub double on loopback. The cache is small
# (8 MiB) and short-lived (TTL 5 s), so eviction, revalidation and fetching
# run all the time. Every answer must be the expected one, and the
# responder's memory must stay flat: printed as a table of RSS samples.
# Run it with `make soak`.
set -euo pipefail

: "${GISTS_SERVER:?run through make soak}" "${GISTS_BIN:?}" "${GISTS_TESTS:?}"
: "${BENCH_DIR:?}"
PYTHON3=${PYTHON3:-python3}
SECONDS_TOTAL=${SOAK_SECONDS:-120}
USERS=${SOAK_USERS:-3000}
unset GITHUB_TOKEN http_proxy https_proxy
export no_proxy='*'

tmp=$(mktemp -d)
lighttpd_pid='' double_pid=''
cleanup() {
	[ -z "$lighttpd_pid" ] || kill -INT "$lighttpd_pid" 2>/dev/null || true
	[ -z "$double_pid" ] || kill "$double_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
	"$PYTHON3" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

"$PYTHON3" "$GISTS_TESTS/github-double.py" "$tmp/double.port" >/dev/null 2>&1 &
double_pid=$!
for _ in $(seq 1 100); do [ -s "$tmp/double.port" ] && break; sleep 0.1; done
DOUBLE="http://127.0.0.1:$(cat "$tmp/double.port")"
curl -s -X POST --data '{"limit": 100000000}' "$DOUBLE/_double/config" >/dev/null

PORT=$(free_port)
env PORT="$PORT" GISTS_BIND=127.0.0.1 GISTS_RUNTIME_DIR="$tmp/gists" \
	GITHUB_API_URL="$DOUBLE" GISTS_CACHE_TTL=5 GISTS_STALE_TTL=60 \
	GISTS_CACHE_MAX_BYTES=8388608 GISTS_LOG_LEVEL=warn \
	"$GISTS_SERVER" 2>"$tmp/gists.log" &
lighttpd_pid=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do curl -s -o /dev/null "$BASE/-/healthz" && break; sleep 0.1; done
responder=$(pgrep -P "$lighttpd_pid" -x gists)
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$responder/status"; }

"$PYTHON3" "$BENCH_DIR/client.py" soak "$BASE" "$SECONDS_TOTAL" 16 "$USERS" \
	>"$tmp/result" &
load=$!
samples=()
start=$(date +%s)
while kill -0 "$load" 2>/dev/null; do
	samples+=("$(( $(date +%s) - start )) $(rss)")
	sleep 10
done
wait "$load"
samples+=("$(( $(date +%s) - start )) $(rss)")
read -r expected unexpected rest <"$tmp/result"
errors=$(grep -c '"level":"error"' "$tmp/gists.log" || true)
metrics=$(curl -s "$BASE/-/metrics")
evictions=$(awk '/^gists_cache_evictions_total / { print $2 }' <<<"$metrics")
upstream=$(awk '/^gists_upstream_requests_total\{class="2xx"\}/ { print $2 }' <<<"$metrics")
cache_bytes=$(awk '/^gists_cache_bytes / { print $2 }' <<<"$metrics")

echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) \`make soak SOAK_SECONDS=$SECONDS_TOTAL SOAK_USERS=$USERS\`, 16 clients"
echo
echo "| answers as expected | unexpected | error log lines | upstream 2xx | evictions | cache bytes (bound 8388608) |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
echo "| ${expected#expected=} | ${unexpected#unexpected=} | $errors | $upstream | $evictions | $cache_bytes |"
echo
echo "| seconds | responder RSS, KiB |"
echo "| ---: | ---: |"
for s in "${samples[@]}"; do
	echo "| ${s% *} | ${s#* } |"
done
[ -n "$rest" ] && echo "unexpected answers, e.g.: $rest"
first=${samples[1]#* }
last=${samples[-1]#* }
echo
echo "RSS from 10 s to the end: $first -> $last KiB ($(( (last - first) * 100 / first ))%)"
[ "${unexpected#unexpected=}" = 0 ] && [ "$errors" = 0 ]

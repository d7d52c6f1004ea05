#!/usr/bin/env bash
# The Varnish front's throughput, beside its baselines measured in the
# same run: cache hits of /octocat (wrk)
#   - through varnishd with the shipped conf/varnish/gists.vcl before gists,
#   - from gists directly (lighttpd + responder, its own cache),
#   - from lighttpd serving the same bytes as a static file (bench/static.conf).
# Run it with `make bench-front` (it starts everything itself, on loopback
# ports). BENCH_DURATION (s, default 10) and BENCH_CONNECTIONS (default 64)
# shape the wrk runs. Prints a table and the command that produced it.
set -euo pipefail

: "${GISTS_SERVER:?run through make bench-front}" "${GISTS_BIN:?}"
: "${GISTS_CONF:?}" "${GISTS_TESTS:?}" "${LIGHTTPD:?}" "${BENCH_DIR:?}"
PYTHON3=${PYTHON3:-python3}
VARNISHD=${VARNISHD:-$(command -v varnishd || echo /usr/sbin/varnishd)}
VCL_DIR=${VCL_DIR:-$BENCH_DIR/../conf/varnish}
DURATION=${BENCH_DURATION:-10}
CONNS=${BENCH_CONNECTIONS:-64}
command -v wrk >/dev/null || { echo "bench: needs wrk (apt-get install wrk)" >&2; exit 2; }
[ -x "$VARNISHD" ] || { echo "bench: needs varnishd (apt-get install varnish)" >&2; exit 2; }
unset GITHUB_TOKEN http_proxy https_proxy
export no_proxy='*'

tmp=$(mktemp -d)
pids=()		# lighttpds: SIGINT is their graceful stop
others=()	# the double and varnishd: SIGTERM
cleanup() {
	for pid in "${pids[@]}"; do
		kill -INT "$pid" 2>/dev/null || true
	done
	for pid in "${others[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}" "${others[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
	"$PYTHON3" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_url() {
	for _ in $(seq 1 100); do
		curl -s -o /dev/null "$1" && return 0
		sleep 0.1
	done
	echo "bench: $1 did not come up" >&2
	exit 1
}
# wrk's requests/s, p50 and p99 latency (ms), non-2xx: "rps p50 p99 bad"
measure() {
	wrk -t2 -c"$CONNS" -d2s "$1" >/dev/null	# warm-up
	wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "$1" | awk '
		function ms(v) {
			if (v ~ /us$/) return v / 1000
			if (v ~ /ms$/) return v + 0
			if (v ~ /s$/) return v * 1000
			return v
		}
		/Requests\/sec/ { rps = $2 }
		$1 == "50%" { p50 = ms($2) }
		$1 == "99%" { p99 = ms($2) }
		/Non-2xx/ { bad = $NF }
		END { printf "%.0f %.2f %.2f %s\n", rps, p50, p99, bad + 0 }'
}

"$PYTHON3" "$GISTS_TESTS/github-double.py" "$tmp/double.port" >/dev/null 2>&1 &
others+=($!)
for _ in $(seq 1 100); do [ -s "$tmp/double.port" ] && break; sleep 0.1; done
DOUBLE="http://127.0.0.1:$(cat "$tmp/double.port")"
wait_url "$DOUBLE/_double/stats"

# gists, as shipped, with a TTL that outlasts the run.
GPORT=$(free_port)
env PORT="$GPORT" GISTS_BIND=127.0.0.1 GISTS_RUNTIME_DIR="$tmp/gists" \
	GITHUB_API_URL="$DOUBLE" GISTS_CACHE_TTL=3600 \
	"$GISTS_SERVER" 2>"$tmp/gists.log" &
pids+=($!)
GISTS="http://127.0.0.1:$GPORT"
wait_url "$GISTS/-/healthz"

# The front: the shipped VCL, its backend file pointing at gists.
mkdir -p "$tmp/vcl"
cat >"$tmp/vcl/gists-backends.vcl" <<EOF
backend gists { .host = "127.0.0.1"; .port = "$GPORT"; }
sub gists_backend { set req.backend_hint = gists; }
EOF
VPORT=$(free_port)
"$VARNISHD" -F -j none -a "127.0.0.1:$VPORT" -T 127.0.0.1:0 -n "$tmp/varnish" \
	-s malloc,64m -p "vcl_path=$tmp/vcl:$VCL_DIR:/usr/share/varnish/vcl" \
	-f "$VCL_DIR/gists.vcl" >"$tmp/varnish.log" 2>&1 &
others+=($!)
FRONT="http://127.0.0.1:$VPORT"
wait_url "$FRONT/-/healthz"

# lighttpd serving the same bytes as a file.
mkdir -p "$tmp/docroot"
curl -s -o "$tmp/docroot/octocat" "$GISTS/octocat"
curl -s -o /dev/null "$FRONT/octocat"
cmp -s "$tmp/docroot/octocat" <(curl -s "$FRONT/octocat") ||
	{ echo "bench: the front does not answer gists' bytes" >&2; exit 1; }
SPORT=$(free_port)
env PORT="$SPORT" BENCH_DOCROOT="$tmp/docroot" \
	"$LIGHTTPD" -D -f "$BENCH_DIR/static.conf" 2>"$tmp/static.log" &
pids+=($!)
STATIC="http://127.0.0.1:$SPORT"
wait_url "$STATIC/octocat"

read -r f_rps f_p50 f_p99 f_bad <<<"$(measure "$FRONT/octocat")"
read -r g_rps g_p50 g_p99 g_bad <<<"$(measure "$GISTS/octocat")"
read -r s_rps s_p50 s_p99 s_bad <<<"$(measure "$STATIC/octocat")"
upstream=$(curl -s "$DOUBLE/_double/stats" | "$PYTHON3" -c 'import json, sys; print(json.load(sys.stdin)["requests"])')

pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", 100 * a / b }'; }
cat <<EOF
$(date -u +%Y-%m-%dT%H:%M:%SZ) $(nproc) cores; wrk -t2 -c$CONNS -d${DURATION}s --latency; \`make bench-front\` ($("$VARNISHD" -V 2>&1 | head -n 1 | cut -d' ' -f2 | tr -d '()'))

| cache hits of /octocat ($(wc -c <"$tmp/docroot/octocat") B) | req/s | p50 / p99, ms | non-2xx | vs static |
| --- | ---: | ---: | ---: | ---: |
| Varnish front (conf/varnish/gists.vcl) | $f_rps | $f_p50 / $f_p99 | $f_bad | $(pct "$f_rps" "$s_rps") |
| gists directly | $g_rps | $g_p50 / $g_p99 | $g_bad | $(pct "$g_rps" "$s_rps") |
| lighttpd, the same bytes as a static file | $s_rps | $s_p50 / $s_p99 | $s_bad | 100% |

GitHub requests during the run: $upstream
EOF

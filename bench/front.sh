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
VARNISHD=${VARNISHD:-$(command -v varnishd || echo /usr/sbin/varnishd)}
VCL_DIR=${VCL_DIR:-$BENCH_DIR/../conf/varnish}
DURATION=${BENCH_DURATION:-10}
CONNS=${BENCH_CONNECTIONS:-64}
command -v wrk >/dev/null || { echo "bench: needs wrk (apt-get install wrk)" >&2; exit 2; }
[ -x "$VARNISHD" ] || { echo "bench: needs varnishd (apt-get install varnish)" >&2; exit 2; }
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_double

# gists, as shipped, with a TTL that outlasts the run.
start_gists gists

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
start_static

read -r f_rps f_p50 f_p99 f_bad <<<"$(measure "$FRONT/octocat")"
read -r g_rps g_p50 g_p99 g_bad <<<"$(measure "$GISTS/octocat")"
read -r s_rps s_p50 s_p99 s_bad <<<"$(measure "$STATIC/octocat")"
upstream=$(double_requests)

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

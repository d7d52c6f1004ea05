#!/usr/bin/env bash
# Compression, measured: bytes and cache-hit throughput of /gen-1000 (a
# 1,000-gist listing, 420 KB of JSON) and /octocat (8 gists, 3 KB), as
# identity and as each coding the responder serves (br, zstd, gzip: each
# body compressed once, then served from memory), in one run. Beside it,
# the road not taken: lighttpd's mod_deflate compressing every answer
# anew, in front of a trivial FastCGI responder that returns the same
# identity bytes (its best case: the responder costs next to nothing).
# Run it with `make bench-compression` (needs wrk and, for the baseline,
# lighttpd-mod-deflate). BENCH_DURATION (s, default 5) and
# BENCH_CONNECTIONS (default 16) shape the wrk runs. Prints a table.
set -euo pipefail

: "${GISTS_SERVER:?run through make bench-compression}" "${GISTS_BIN:?}"
: "${GISTS_CONF:?}" "${GISTS_TESTS:?}" "${LIGHTTPD:?}" "${TRIVIAL_FCGI:?}"
DURATION=${BENCH_DURATION:-5}
CONNS=${BENCH_CONNECTIONS:-16}
command -v wrk >/dev/null || { echo "bench: needs wrk (apt-get install wrk)" >&2; exit 2; }
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# wrk's requests/s for a URL asking for a coding ("identity": none)
rps() { # URL CODING
	wrk -t2 -c"$CONNS" -d1s -H "Accept-Encoding: $2" "$1" >/dev/null	# warm-up
	wrk -t2 -c"$CONNS" -d"${DURATION}s" -H "Accept-Encoding: $2" "$1" |
		awk '/Requests\/sec/ { printf "%.0f\n", $2 } /Non-2xx/ { print "non-2xx answers: " $0 > "/dev/stderr"; exit 1 }'
}
# the body's bytes on the wire, and the Content-Encoding it came with
wire() { # URL CODING
	curl -s -o /dev/null -H "Accept-Encoding: $2" \
		-w '%{size_download} %header{content-encoding}\n' "$1"
}

start_double
double_config '{"limit": 100000000}'

# gists as shipped, with a TTL that outlasts the run: every request a hit
start_gists gists GISTS_LOG_LEVEL=warn
curl -s -o "$tmp/gen-1000" "$GISTS/gen-1000"

# mod_deflate (gzip, br, zstd as Debian builds it) over the trivial
# responder returning /gen-1000's bytes, through the same configuration
sed 's/^server.modules = ( \(.*\) )$/server.modules = ( \1, "mod_deflate" )\ndeflate.mimetypes = ( "application\/json" )\ndeflate.allowed-encodings = ( "br", "zstd", "gzip" )\ndeflate.max-compress-size = 1048576/' \
	"$GISTS_CONF" >"$tmp/deflate.conf"
grep -q mod_deflate "$tmp/deflate.conf"
env PORT=1 GISTS_BIND=127.0.0.1 GISTS_RUNTIME_DIR="$tmp" GISTS_BIN=/bin/true \
	GISTS_CACHE_TTL=1 GISTS_ERROR_DIR="$tmp" \
	"$LIGHTTPD" -tt -f "$tmp/deflate.conf" >/dev/null 2>&1 ||
	{ echo "bench: lighttpd cannot load mod_deflate (apt-get install lighttpd-mod-deflate)" >&2; exit 2; }
DPORT=$(free_port)
mkdir -m 700 "$tmp/deflate"
env PORT="$DPORT" GISTS_BIND=127.0.0.1 GISTS_RUNTIME_DIR="$tmp/deflate" \
	GISTS_BIN="$TRIVIAL_FCGI $tmp/gen-1000" GISTS_CACHE_TTL=3600 \
	GISTS_ERROR_DIR="$(dirname "$GISTS_CONF")/errors" \
	"$LIGHTTPD" -D -f "$tmp/deflate.conf" 2>"$tmp/deflate.log" &
pids+=($!)
DEFLATE="http://127.0.0.1:$DPORT"
wait_url "$DEFLATE/gen-1000"

rows=()
for path in /gen-1000 /octocat; do
	base=
	for coding in identity br zstd gzip; do
		read -r bytes got <<<"$(wire "$GISTS$path" "$coding")"
		[ "$coding" = identity ] || [ "${got:-}" = "$coding" ] ||
			{ echo "bench: $path $coding came as '${got:-identity}'" >&2; exit 1; }
		r=$(rps "$GISTS$path" "$coding")
		[ -n "$base" ] || base=$r
		rows+=("| gists \`$path\` | $coding | $bytes | $r | $(awk -v a="$r" -v b="$base" 'BEGIN { printf "%.2fx", a / b }') |")
	done
done
base=
for coding in identity br zstd gzip; do
	read -r bytes got <<<"$(wire "$DEFLATE/gen-1000" "$coding")"
	r=$(rps "$DEFLATE/gen-1000" "$coding")
	[ -n "$base" ] || base=$r
	rows+=("| mod_deflate + trivial responder, \`/gen-1000\`'s bytes | $coding | $bytes | $r | $(awk -v a="$r" -v b="$base" 'BEGIN { printf "%.2fx", a / b }') |")
done

cat <<EOF2
$(date -u +%Y-%m-%dT%H:%M:%SZ) $(nproc) cores; wrk -t2 -c$CONNS -d${DURATION}s -H 'Accept-Encoding: <coding>'; \`make bench-compression\`

| server, path | coding | body bytes | hits/s | vs identity |
| --- | --- | ---: | ---: | ---: |
$(printf '%s\n' "${rows[@]}")
EOF2

#!/usr/bin/env bash
# Answers derived from the whole listing (issue 16), beside the build
# before it, measured in the same run against the same GitHub double:
#   1. upstream requests for a client paging through 1,000 gists 30 at a
#      time, then asking for 20 distinct since values;
#   2. the first paged request for a user not cached (GitHub at 50 ms a
#      page): one page asked (before) against the whole listing (after);
#   3. latency of a derived page beside a plain hit of the same page.
# Run it with `make bench-derive`. The baseline is the responder built
# from BENCH_BASELINE_REV (default main) of this repository, or
# BENCH_BASELINE_BIN when set. Prints a table.
# shellcheck disable=SC2154 # the figures are set with printf -v
set -euo pipefail

: "${GISTS_SERVER:?run through make bench-derive}" "${GISTS_BIN:?}"
: "${GISTS_TESTS:?}" "${BENCH_DIR:?}"
N=${BENCH_REQUESTS:-2000}
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

client() { "$PYTHON3" "$BENCH_DIR/derive-client.py" "$@"; }

# The baseline responder.
base_bin=${BENCH_BASELINE_BIN:-}
rev=${BENCH_BASELINE_REV:-main}
if [ -z "$base_bin" ]; then
	echo "bench: building the baseline from $rev ..." >&2
	mkdir -p "$tmp/base"
	git -C "$BENCH_DIR/.." archive "$rev" | tar -x -C "$tmp/base"
	(cd "$tmp/base" && ./autogen.sh && ./configure && make fcgi/gists) \
		>"$tmp/base.log" 2>&1 || { tail -20 "$tmp/base.log" >&2; exit 1; }
	base_bin=$tmp/base/fcgi/gists
	rev="$rev ($(git -C "$BENCH_DIR/.." rev-parse --short "$rev"))"
else
	rev=$base_bin
fi

start_double
double_config '{"limit": 100000000}'

# One instance of each build, as shipped but for a TTL that outlasts the run.
start() { # NAME BINARY: sets URL_<NAME>
	start_gists "$1" GISTS_BIN="$2"
	printf -v "URL_$1" '%s' "$GISTS"
}
start before "$base_bin"
start after "$GISTS_BIN"

# What a scenario cost upstream: "requests upstream-requests answer..."
spent() { # CLIENT-ARGS...
	local n out
	n=$(double_requests)
	out=$(client "$@")
	echo "$(( $(double_requests) - n )) $out"
}

double_config '{"latency": 0.05}'
for b in before after; do
	url=URL_$b
	read -r up out <<<"$(spent pages "${!url}" gen-1000 30)"
	printf -v "up_pages_$b" %s "$up"
	printf -v "out_pages_$b" %s "$out"
	read -r up out <<<"$(spent since "${!url}" gen-1000 20)"
	printf -v "up_since_$b" %s "$up"
	printf -v "out_since_$b" %s "$out"
	# the first paged request for five users not cached: median seconds
	n=$(double_requests)
	printf -v "cold_$b" %s "$(for i in 1 2 3 4 5; do
		curl -s -o /dev/null -w '%{time_total}\n' \
			"${!url}/gen-1000-cold$b$i?page=1&per_page=30"
	done | sort -n | sed -n 3p)"
	printf -v "cold_up_$b" %s "$(( ($(double_requests) - n) / 5 ))"
	# the same for users of 100 gists (most users have fewer)
	n=$(double_requests)
	printf -v "small_$b" %s "$(for i in 1 2 3 4 5; do
		curl -s -o /dev/null -w '%{time_total}\n' \
			"${!url}/gen-100-cold$b$i?page=1&per_page=30"
	done | sort -n | sed -n 3p)"
	printf -v "small_up_$b" %s "$(( ($(double_requests) - n) / 5 ))"
done

# Latency: GitHub at full speed; every URL cached first.
double_config '{"latency": 0}'
page='/gen-1000?page=17&per_page=30'
for u in "$URL_before$page" "$URL_after$page" "$URL_after/gen-1000" \
	"$URL_after/gen-1000?since=2011-01-01T00:00:00Z"; do
	curl -s -o /dev/null "$u"
done
read -r hit_p50 hit_p99 hit_x <<<"$(client latency "$URL_before" "$page" "$N" | tr ' ' '\n' | sed 's/^[a-z0-9]*=//' | paste -sd ' ')"
read -r der_p50 der_p99 der_x <<<"$(client latency "$URL_after" "$page" "$N" | tr ' ' '\n' | sed 's/^[a-z0-9]*=//' | paste -sd ' ')"
read -r whole_p50 whole_p99 whole_x <<<"$(client latency "$URL_after" /gen-1000 "$N" | tr ' ' '\n' | sed 's/^[a-z0-9]*=//' | paste -sd ' ')"
read -r since_p50 since_p99 since_x <<<"$(client latency "$URL_after" '/gen-1000?since=2011-01-01T00:00:00Z' "$N" | tr ' ' '\n' | sed 's/^[a-z0-9]*=//' | paste -sd ' ')"

cat <<EOF
$(date -u +%Y-%m-%dT%H:%M:%SZ) $(nproc) cores; \`make bench-derive\` (bench/derive.sh); before = $rev, after = this build

| measure | before | after |
| --- | ---: | ---: |
| upstream requests: paging gen-1000 30 at a time | $up_pages_before | $up_pages_after |
| upstream requests: then 20 distinct since values | $up_since_before | $up_since_after |
| upstream requests: total | $((up_pages_before + up_since_before)) | $((up_pages_after + up_since_after)) |
| first paged request, user of 1,000 gists not cached, GitHub 50 ms a page: s (median of 5) | $cold_before | $cold_after |
| ... its upstream requests | $cold_up_before | $cold_up_after |
| the same for a user of 100 gists: s | $small_before | $small_after |
| ... its upstream requests | $small_up_before | $small_up_after |
| $page, $N in a row, p50 / p99 ms | $hit_p50 / $hit_p99 ($hit_x) | $der_p50 / $der_p99 ($der_x) |
| /gen-1000 (whole, 1,000 gists), p50 / p99 ms | | $whole_p50 / $whole_p99 ($whole_x) |
| /gen-1000?since=2011-01-01T00:00:00Z (whole, filtered), p50 / p99 ms | | $since_p50 / $since_p99 ($since_x) |

answers: before $out_pages_before $out_since_before; after $out_pages_after $out_since_after
EOF

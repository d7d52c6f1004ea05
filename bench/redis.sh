#!/usr/bin/env bash
# The shared tier's figures, each beside the same without Redis, in one run:
#   1. GitHub requests for 1,000 requests over 100 cold users (10 each,
#      shuffled, 100 at once) spread over three instances, GitHub slowed
#      to 50 ms so that requests for one user overlap (goal with Redis:
#      exactly 100);
#   2. hit throughput of one instance (wrk, /octocat) with Redis
#      configured and without (goal: at least 0.95 of it);
#   3. the latency a miss adds with Redis over without (goal: p50 < 1 ms).
# Run it with `make bench-redis`; it starts redis-server, the GitHub
# double and every instance itself, on loopback ports. BENCH_DURATION (s,
# default 10) and BENCH_CONNECTIONS (default 64) shape the wrk runs.
set -euo pipefail

: "${GISTS_SERVER:?run through make bench-redis}" "${GISTS_BIN:?}"
: "${GISTS_CONF:?}" "${GISTS_TESTS:?}" "${LIGHTTPD:?}" "${BENCH_DIR:?}"
DURATION=${BENCH_DURATION:-10}
CONNS=${BENCH_CONNECTIONS:-64}
for tool in wrk redis-server redis-cli; do
	command -v "$tool" >/dev/null ||
		{ echo "bench: needs $tool (apt-get install wrk redis-server)" >&2; exit 2; }
done
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
unset GISTS_REDIS_URL

# The GitHub double, with a rate limit that does not get in the way.
start_double
double_config '{"limit": 100000000}'

# Redis as the tests run it: loopback, no persistence.
RPORT=$(free_port)
redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no \
	--dir "$tmp" >"$tmp/redis.log" 2>&1 &
others+=($!)
for _ in $(seq 1 100); do
	[ "$(redis-cli -p "$RPORT" ping 2>/dev/null)" = PONG ] && break
	sleep 0.1
done
REDIS="redis://127.0.0.1:$RPORT"

# An instance (a TTL that outlasts the run) with VAR=value...; its URL is
# appended to the array named by ARRAY.
start() { # ARRAY NAME [VAR=value...]
	local -n urls=$1
	local name=$2
	shift 2
	start_gists "$name" "$@" >/dev/null
	urls+=("$GISTS")
}

plain=() shared=()
for i in 1 2 3; do
	start plain "plain$i"
	start shared "shared$i" GISTS_REDIS_URL="$REDIS"
done

# 1. Economy over three instances.
double_config '{"latency": 0.05}'
economy() { # PREFIX BASE...
	local before prefix=$1
	shift
	before=$(double_requests)
	"$PYTHON3" "$BENCH_DIR/client.py" spread 1000 100 100 "$prefix" "$@" \
		>"$tmp/spread" || exit 1
	echo "$(( $(double_requests) - before )) $(cat "$tmp/spread")"
}
read -r e_plain e_plain_st <<<"$(economy gen-5-eco-plain "${plain[@]}")"
read -r e_shared e_shared_st <<<"$(economy gen-5-eco-shared "${shared[@]}")"
double_config '{"latency": 0}'

# 2. Hits on one instance, with Redis configured and without: three rounds
# in the order AB BA AB (a drift of the shared machine favours neither);
# the median of each.
curl -s -o /dev/null "${plain[0]}/octocat"
curl -s -o /dev/null "${shared[0]}/octocat"
: >"$tmp/hits.plain"
: >"$tmp/hits.shared"
hits() { # KIND URL
	measure "$2" >>"$tmp/hits.$1"
}
hits plain "${plain[0]}/octocat"
hits shared "${shared[0]}/octocat"
hits shared "${shared[0]}/octocat"
hits plain "${plain[0]}/octocat"
hits plain "${plain[0]}/octocat"
hits shared "${shared[0]}/octocat"
median_row() { sort -n "$1" | sed -n 2p; }
read -r h_plain p50_plain _ <<<"$(median_row "$tmp/hits.plain")"
read -r h_shared p50_shared _ <<<"$(median_row "$tmp/hits.shared")"

# 3. Misses, one at a time: 300 cold users on each (their own names).
miss() { # BASE
	"$PYTHON3" "$BENCH_DIR/client.py" miss "$1" "$DOUBLE" 300 |
		awk '/^service/ { sub("p50=", "", $2); sub("p99=", "", $3); print $2, $3 }'
}
read -r m_plain50 m_plain99 <<<"$(miss "${plain[1]}")"
sleep 1	# client.py names its users by the second
read -r m_shared50 m_shared99 <<<"$(miss "${shared[1]}")"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
diff() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.3f", a - b }'; }

echo
echo "command: make bench-redis (bench/redis.sh; BENCH_DURATION=$DURATION, BENCH_CONNECTIONS=$CONNS)"
echo "machine: $(nproc) cores, $(uname -r)"
echo
printf '%-58s %14s %14s %14s\n' "measure" "without Redis" "with Redis" "goal"
printf '%-58s %14s %14s %14s\n' "GitHub requests, 1,000 requests / 100 users / 3 instances" \
	"$e_plain" "$e_shared" "100"
printf '%-58s %14s %14s %14s\n' "  (answers by status)" "$e_plain_st" "$e_shared_st" ""
printf '%-58s %14s %14s %14s\n' "hits/s, one instance, /octocat (wrk -c$CONNS, median of 3)" \
	"$h_plain" "$h_shared" ">= 0.95x"
printf '%-58s %14s %14s %14s\n' "  ratio with/without" "" "$(ratio "$h_shared" "$h_plain")" ""
printf '%-58s %14s %14s %14s\n' "  hit p50 ms" "$p50_plain" "$p50_shared" ""
printf '%-58s %14s %14s %14s\n' "miss p50 ms (300 cold users, one at a time)" \
	"$m_plain50" "$m_shared50" ""
printf '%-58s %14s %14s %14s\n' "miss p99 ms" "$m_plain99" "$m_shared99" ""
printf '%-58s %14s %14s %14s\n' "miss p50 added by Redis, ms" "" \
	"$(diff "$m_shared50" "$m_plain50")" "< 1"

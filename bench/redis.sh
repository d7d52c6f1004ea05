#!/usr/bin/env bash
# The shared tier's figures, each beside the same without Redis, in one run:
#   1. GitHub requests for 1,000 requests over 100 cold users (10 each,
#      shuffled, 100 at once) spread over three instances, GitHub slowed
#      to 50 ms so that requests for one user overlap (goal with Redis:
#      exactly 100);
#   2. hit throughput of one instance (wrk, /octocat) with Redis
#      configured and without (goal: at least 0.95 of it);
#   3. the latency a miss adds with Redis over without (goal: p50 < 1 ms);
#   4. the wait Redis adds to a request that waits for another instance's
#      fetch: the time from the fetching instance's answer to the waiting
#      instance's (30 users, one at a time, GitHub's answer held until
#      the second instance waits).
# Run it with `make bench-redis`; it starts redis-server, the GitHub
# double and every instance itself, on loopback ports. BENCH_DURATION (s,
# default 10) and BENCH_CONNECTIONS (default 64) shape the wrk runs.
# BENCH_BASELINE=<commit> also builds that commit (lib.sh's
# build_baseline) and measures every figure for it first, in the same run,
# on its own Redis database.
set -euo pipefail

: "${GISTS_SERVER:?run through make bench-redis}" "${GISTS_BIN:?}"
: "${GISTS_CONF:?}" "${GISTS_TESTS:?}" "${LIGHTTPD:?}" "${BENCH_DIR:?}"
DURATION=${BENCH_DURATION:-10}
CONNS=${BENCH_CONNECTIONS:-64}
BASELINE=${BENCH_BASELINE:-}
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

# The builds measured: "this", after "base" when BENCH_BASELINE is set.
builds=(this)
if [ -n "$BASELINE" ]; then
	build_baseline "$BASELINE" # sets base_dir and base_rev
	builds=(base this)
fi

# An instance of BUILD (a TTL that outlasts the run) with VAR=value...;
# its URL is appended to the array named by ARRAY.
start() { # BUILD ARRAY NAME [VAR=value...]
	local build=$1 starter=start_gists
	local -n urls=$2
	local name=$3
	shift 3
	[ "$build" = this ] || starter=start_baseline
	"$starter" "$build-$name" "$@" >/dev/null
	urls+=("$GISTS")
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
diff() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.3f", a - b }'; }

# Every figure of BUILD on Redis database DB, as "name value" lines in
# $tmp/figures.BUILD.
figures() { # BUILD DB
	local b=$1 e_plain e_plain_st e_shared e_shared_st
	local h_plain p50_plain h_shared p50_shared
	local m_plain50 m_plain99 m_shared50 m_shared99 w50 w99 wmax
	plain=() shared=()
	for i in 1 2 3; do
		start "$b" plain "plain$i"
		start "$b" shared "shared$i" GISTS_REDIS_URL="$REDIS/$2"
	done

	# 1. Economy over three instances.
	double_config '{"latency": 0.05}'
	read -r e_plain e_plain_st <<<"$(economy "gen-5-eco-$b-plain" "${plain[@]}")"
	read -r e_shared e_shared_st <<<"$(economy "gen-5-eco-$b-shared" "${shared[@]}")"
	double_config '{"latency": 0}'

	# 2. Hits on one instance, with Redis configured and without: three
	# rounds in the order AB BA AB (a drift of the shared machine favours
	# neither); the median of each.
	curl -s -o /dev/null "${plain[0]}/octocat"
	curl -s -o /dev/null "${shared[0]}/octocat"
	: >"$tmp/hits.plain"
	: >"$tmp/hits.shared"
	hits plain "${plain[0]}/octocat"
	hits shared "${shared[0]}/octocat"
	hits shared "${shared[0]}/octocat"
	hits plain "${plain[0]}/octocat"
	hits plain "${plain[0]}/octocat"
	hits shared "${shared[0]}/octocat"
	read -r h_plain p50_plain _ <<<"$(median_row "$tmp/hits.plain")"
	read -r h_shared p50_shared _ <<<"$(median_row "$tmp/hits.shared")"

	# 3. Misses, one at a time: 300 cold users on each (their own names).
	read -r m_plain50 m_plain99 <<<"$(miss "${plain[1]}")"
	sleep 1	# client.py names its users by the second
	read -r m_shared50 m_shared99 <<<"$(miss "${shared[1]}")"

	# 4. A waiter's added wait: shared2 fetches, shared3 waits.
	read -r w50 w99 wmax <<<"$("$PYTHON3" "$BENCH_DIR/client.py" waiter \
		"${shared[1]}" "${shared[2]}" "$DOUBLE" 30 |
		awk '/^waiter/ { sub("p50=", "", $2); sub("p99=", "", $3);
			sub("max=", "", $4); print $2, $3, $4 }')"

	cat >"$tmp/figures.$b" <<-EOF
	eco_plain $e_plain
	eco_shared $e_shared
	eco_plain_st $e_plain_st
	eco_shared_st $e_shared_st
	hits_plain $h_plain
	hits_shared $h_shared
	hits_ratio $(ratio "$h_shared" "$h_plain")
	hit50_plain $p50_plain
	hit50_shared $p50_shared
	miss50_plain $m_plain50
	miss50_shared $m_shared50
	miss99_plain $m_plain99
	miss99_shared $m_shared99
	miss_added $(diff "$m_shared50" "$m_plain50")
	wait50 $w50
	wait99 $w99
	waitmax $wmax
	EOF
}

economy() { # PREFIX BASE...
	local before prefix=$1
	shift
	before=$(double_requests)
	"$PYTHON3" "$BENCH_DIR/client.py" spread 1000 100 100 "$prefix" "$@" \
		>"$tmp/spread" || exit 1
	echo "$(( $(double_requests) - before )) $(cat "$tmp/spread")"
}
hits() { # KIND URL
	measure "$2" >>"$tmp/hits.$1"
}
median_row() { sort -n "$1" | sed -n 2p; }
miss() { # BASE
	"$PYTHON3" "$BENCH_DIR/client.py" miss "$1" "$DOUBLE" 300 |
		awk '/^service/ { sub("p50=", "", $2); sub("p99=", "", $3); print $2, $3 }'
}

db=0
for b in "${builds[@]}"; do
	figures "$b" "$db"
	db=$((db + 1))
done

# One figure of build B (empty when it was not measured).
fig() { # B NAME
	[ -f "$tmp/figures.$1" ] || return 0
	awk -v n="$2" '$1 == n { $1 = ""; sub(/^ /, ""); print }' "$tmp/figures.$1"
}
# A row: the measure, then without and with Redis for each build, the goal.
row() { # LABEL PLAIN-NAME SHARED-NAME GOAL
	local b cells=()
	for b in "${builds[@]}"; do
		cells+=("${2:+$(fig "$b" "$2")}" "${3:+$(fig "$b" "$3")}")
	done
	printf '| %s |' "$1"
	printf ' %s |' "${cells[@]}" "$4"
	echo
}

echo
echo "command: BENCH_BASELINE=$BASELINE make bench-redis (bench/redis.sh; BENCH_DURATION=$DURATION, BENCH_CONNECTIONS=$CONNS)"
echo "machine: $(nproc) cores, $(uname -r); $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "builds: ${base_rev:+baseline $base_rev, }this build $(git -C "$BENCH_DIR/.." describe --always --dirty 2>/dev/null || echo "?")"
echo
header="| measure |"
rule="|---|"
for b in "${builds[@]}"; do
	header+=" $b, without Redis | $b, with Redis |"
	rule+="---:|---:|"
done
echo "$header goal |"
echo "$rule---|"
row "GitHub requests, 1,000 requests / 100 users / 3 instances" eco_plain eco_shared "100"
row "  (answers by status)" eco_plain_st eco_shared_st ""
row "hits/s, one instance, /octocat (wrk -c$CONNS, median of 3)" hits_plain hits_shared ">= 0.95x"
row "  ratio with/without" "" hits_ratio ""
row "  hit p50 ms" hit50_plain hit50_shared ""
row "miss p50 ms (300 cold users, one at a time)" miss50_plain miss50_shared ""
row "miss p99 ms" miss99_plain miss99_shared ""
row "miss p50 added by Redis, ms" "" miss_added "< 1"
row "a waiter's added wait p50 ms (30 users, after the fetcher's answer)" "" wait50 ""
row "  p99 ms" "" wait99 ""
row "  max ms" "" waitmax ""

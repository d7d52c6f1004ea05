#!/usr/bin/env bash
# GitHub's budget (issue 21): a double that keeps GitHub's books scaled
# to a 120 s window, GISTS_CACHE_TTL=2, 5 hot users asked continuously
# (each every 0.1 s) and a new user every 5 s, for BENCH_DURATION s
# (default 240: two windows). Scenario b: tokenless, 60 requests a
# window, a 304 costing one like any answer. Scenario c: with a token,
# 167 a window (GitHub's 5,000 an hour at the same pace: 5000 * 120 /
# 3600), 304s free. For each, the baseline then this build, each with
# the double's books afresh: new users served or errored, GitHub
# requests sent and refused, the requests spent refreshing hot users,
# hot answers' Age and the budget left at each reset.
# bench/budget-client.py is the client and prints the table.
# The baseline is BENCH_BASELINE (default: the commit before budget
# pacing came, fcgi/budget.c, or main while there is none), built by
# lib.sh's build_baseline. BENCH_BUDGET_SCENARIOS (default "b c") picks
# the scenarios. Run it with `make bench-budget`.
# shellcheck disable=SC2154 # tmp, base_rev, gists_lighttpd: lib.sh's
set -euo pipefail

: "${GISTS_SERVER:?run through make bench-budget}" "${GISTS_BIN:?}"
: "${GISTS_CONF:?}" "${GISTS_LOG:?}" "${GISTS_TESTS:?}" "${BENCH_DIR:?}"
DURATION=${BENCH_DURATION:-240}
SCENARIOS=${BENCH_BUDGET_SCENARIOS:-b c}
TTL=2
WINDOW=120
LIMIT=60
TOKEN_LIMIT=167
LATENCY=0.1
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

repo="$BENCH_DIR/.."
if [ -z "${BENCH_BASELINE:-}" ]; then
	added=$(git -C "$repo" log --format=%H --diff-filter=A -1 -- \
		fcgi/budget.c)
	if [ -n "$added" ]; then
		BENCH_BASELINE=$(git -C "$repo" rev-parse --short "$added^")
	else
		BENCH_BASELINE=main
	fi
fi
build_baseline "$BENCH_BASELINE"

start_double

# One run: the double's books afresh, gists started by START
# (start_baseline or start_gists) with VAR=value..., the clients for
# DURATION s; the figures go to $tmp/NAME.json.
budget_run() { # NAME START [VAR=value...]
	local name=$1 start=$2
	shift 2
	curl -s -X POST "$DOUBLE/_double/reset" >/dev/null
	double_config "{\"limit\": $LIMIT, \"token_limit\": $TOKEN_LIMIT, \"window\": $WINDOW, \"latency\": $LATENCY}"
	"$start" "$name" GISTS_CACHE_TTL=$TTL "$@"
	echo "bench: $name, ${DURATION} s ..." >&2
	"$PYTHON3" "$BENCH_DIR/budget-client.py" run "$GISTS" "$DOUBLE" \
		"$DURATION" >"$tmp/$name.json"
	kill -INT "$gists_lighttpd"
	wait "$gists_lighttpd" 2>/dev/null || true
}

columns=()
for s in $SCENARIOS; do
	case $s in
	b) token=() ;;
	c) token=(GITHUB_TOKEN=bench-token) ;;
	*) echo "bench: no scenario $s (b or c)" >&2; exit 2 ;;
	esac
	budget_run "$s-base" start_baseline ${token[@]+"${token[@]}"}
	budget_run "$s-this" start_gists ${token[@]+"${token[@]}"}
	columns+=("$s before ($base_rev)=$tmp/$s-base.json"
		"$s after (this build)=$tmp/$s-this.json")
done

cat <<EOF
$(date -u +%Y-%m-%dT%H:%M:%SZ) $(nproc) cores; the double's books: $LIMIT requests a ${WINDOW} s window tokenless (b), $TOKEN_LIMIT with a token (c), a 304 free only with the token; GitHub answering after ${LATENCY} s; GISTS_CACHE_TTL=$TTL; ${BENCH_BUDGET_HOT:-5} hot users each asked every ${BENCH_BUDGET_HOT_INTERVAL:-0.1} s, a new user every ${BENCH_BUDGET_NEW_EVERY:-5} s, for ${DURATION} s; \`BENCH_DURATION=$DURATION BENCH_BUDGET_SCENARIOS="$SCENARIOS" BENCH_BASELINE=$BENCH_BASELINE make bench-budget\` (bench/budget.sh)

EOF
"$PYTHON3" "$BENCH_DIR/budget-client.py" table "${columns[@]}"

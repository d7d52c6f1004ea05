# shellcheck shell=bash
# What the benchmarks of bench/ share; each sources it after checking its
# environment: a scratch directory and the processes stopped on exit,
# a baseline built from a commit, free loopback ports, waiting for a URL,
# the GitHub double, gists and a static lighttpd on free ports, and wrk's
# figures.
# shellcheck disable=SC2034 # the URLs and ports set here are the caller's
PYTHON3=${PYTHON3:-python3}
unset GITHUB_TOKEN http_proxy https_proxy
export no_proxy='*'

tmp=$(mktemp -d)
pids=()		# lighttpds: SIGINT is their graceful stop
others=()	# the double, varnishd, redis-server: SIGTERM
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
	if [ -n "${base_dir:-}" ]; then
		git -C "$base_repo" worktree remove --force "$base_dir" ||
			rm -rf "$base_dir"
	fi
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

# Build commit REV of this repository in a git worktree under /tmp
# (removed on exit) with this build's configure flags, as read from
# BENCH_BUILDDIR's config.status. Sets base_dir and base_rev.
build_baseline() { # REV
	local flags
	: "${BENCH_BUILDDIR:?run through make}"
	if ! base_repo=$(git -C "$BENCH_DIR" rev-parse --show-toplevel 2>/dev/null) ||
		! base_rev=$(git -C "$base_repo" rev-parse --short "$1^{commit}" 2>/dev/null); then
		echo "bench: BENCH_BASELINE=$1 is not a commit of a git checkout" >&2
		exit 2
	fi
	[ "$base_rev" = "$1" ] || base_rev="$1 ($base_rev)"
	flags=$("$BENCH_BUILDDIR/config.status" --config)
	base_dir=$(mktemp -d /tmp/gists-baseline.XXXXXX)
	echo "bench: building the baseline $base_rev in $base_dir, ./configure $flags ..." >&2
	git -C "$base_repo" worktree add --detach "$base_dir" "$1" \
		>"$tmp/baseline.log" 2>&1 &&
		(cd "$base_dir" && ./autogen.sh && eval "./configure $flags" &&
			make -j2) \
		>>"$tmp/baseline.log" 2>&1 ||
		{ tail -20 "$tmp/baseline.log" >&2; exit 1; }
}

# The baseline's gists as start_gists starts this build's, with the
# baseline's own programs and configuration.
start_baseline() { # NAME [VAR=value...]
	local own=()
	[ ! -x "$base_dir/fcgi/gists-supervise" ] ||
		own+=(GISTS_SUPERVISE="$base_dir/fcgi/gists-supervise")
	GISTS_SERVER=$base_dir/fcgi/gists-server start_gists "$@" \
		GISTS_BIN="$base_dir/fcgi/gists" GISTS_LOG="$base_dir/fcgi/gists-log" \
		GISTS_CONF="$base_dir/conf/lighttpd.conf" "${own[@]}"
}

# The GitHub double on a free port: sets DOUBLE.
start_double() {
	"$PYTHON3" "$GISTS_TESTS/github-double.py" "$tmp/double.port" >/dev/null 2>&1 &
	others+=($!)
	for _ in $(seq 1 100); do [ -s "$tmp/double.port" ] && break; sleep 0.1; done
	DOUBLE="http://127.0.0.1:$(cat "$tmp/double.port")"
	wait_url "$DOUBLE/_double/stats"
}
double_config() {
	curl -s -X POST --data "$1" "$DOUBLE/_double/config" >/dev/null
}
double_requests() {
	curl -s "$DOUBLE/_double/stats" | "$PYTHON3" -c 'import json, sys; print(json.load(sys.stdin)["requests"])'
}

# gists as shipped, on a free port, before the double, with a TTL that
# outlasts the run and VAR=value... added; its runtime directory and log
# are named NAME. Sets GPORT, GISTS and gists_lighttpd (the PID).
start_gists() { # NAME [VAR=value...]
	local name=$1
	shift
	GPORT=$(free_port)
	env PORT="$GPORT" GISTS_BIND=127.0.0.1 GISTS_RUNTIME_DIR="$tmp/$name" \
		GITHUB_API_URL="$DOUBLE" GISTS_CACHE_TTL=3600 "$@" \
		"$GISTS_SERVER" 2>"$tmp/$name.log" &
	gists_lighttpd=$!
	pids+=("$gists_lighttpd")
	GISTS="http://127.0.0.1:$GPORT"
	wait_url "$GISTS/-/healthz"
}

# lighttpd serving $tmp/docroot as files (bench/static.conf): sets STATIC.
start_static() {
	SPORT=$(free_port)
	env PORT="$SPORT" BENCH_DOCROOT="$tmp/docroot" \
		"$LIGHTTPD" -D -f "$BENCH_DIR/static.conf" 2>"$tmp/static.log" &
	pids+=($!)
	STATIC="http://127.0.0.1:$SPORT"
	wait_url "$STATIC/octocat"
}

# wrk's requests/s, p50 and p99 latency (ms) and non-2xx answers for one
# wrk run (ARGS... include --latency): "rps p50 p99 bad"
wrk_figures() { # ARGS...
	wrk "$@" | awk '
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
# The same for a URL, $CONNS connections for $DURATION s after a warm-up.
measure() { # URL
	wrk -t2 -c"$CONNS" -d2s "$1" >/dev/null	# warm-up
	wrk_figures -t2 -c"$CONNS" -d"${DURATION}s" --latency "$1"
}

#!/usr/bin/env bats
# The real Dockerfile and compose.yaml, built and run with whichever engine
# is present (docker, else podman), against the GitHub test double. Without
# an engine every test here reports itself skipped.

load helpers

setup_file() {
	ENGINE=$(engine)
	export ENGINE
	[ -n "$ENGINE" ] || return 0
	export BUILDAH_FORMAT=docker	# podman: keep HEALTHCHECK in the image
	IMAGE=localhost/gists-citest:$$
	CONTAINER=gists-citest-$$
	export IMAGE CONTAINER
	local t0=$SECONDS
	"$ENGINE" build -q -t "$IMAGE" "$GISTS_SRCDIR" >"$BATS_FILE_TMPDIR/build.log" 2>&1 ||
		{ cat "$BATS_FILE_TMPDIR/build.log" >&3; return 1; }
	echo "# image built in $((SECONDS - t0)) s" >&3
	start_double
	CPORT=$(free_port)
	export CPORT
	t0=$(date +%s%N)
	"$ENGINE" run -d --name "$CONTAINER" --network=host \
		--read-only --tmpfs /tmp --cap-drop=ALL \
		--security-opt no-new-privileges \
		-e PORT="$CPORT" -e GISTS_BIND=127.0.0.1 \
		-e GITHUB_API_URL="$UPSTREAM" -e GISTS_CACHE_TTL=0 \
		"$IMAGE" >/dev/null
	BASE="http://127.0.0.1:$CPORT"
	export BASE
	wait_for_url "$BASE/-/healthz"
	echo "# first healthy answer $(( ($(date +%s%N) - t0) / 1000000 )) ms after run" >&3
}

teardown_file() {
	[ -n "$ENGINE" ] || return 0
	"$ENGINE" rm -f "$CONTAINER" >/dev/null 2>&1 || true
	"$ENGINE" rmi -f "$IMAGE" >/dev/null 2>&1 || true
	stop_at_teardown stop_double
}

setup() {
	if [ "${GISTS_CONTAINER_TESTS:-1}" = 0 ]; then
		skip "GISTS_CONTAINER_TESTS=0 (make check CONTAINER_TESTS= leaves this file out)"
	fi
	[ -n "$ENGINE" ] || skip "no container engine (Debian: podman podman-compose, or Docker)"
}

@test "container: /octocat answers the fixture's gists" {
	fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	"$PYTHON3" "$GISTS_TESTS/oracle.py" expect \
		"$GISTS_TESTS/fixtures/octocat-gists.json" octocat \
		>"$BATS_TEST_TMPDIR/expected"
	run "$PYTHON3" "$GISTS_TESTS/oracle.py" same \
		"$BATS_TEST_TMPDIR/expected" "$BODY"
	assert_success
	[ "$(header Cache-Control)" = "max-age=0" ]
}

@test "container: the health check reports healthy" {
	if [ "$ENGINE" = podman ]; then
		# no systemd here: run the image's HEALTHCHECK by hand
		run podman healthcheck run "$CONTAINER"
		assert_success
	fi
	local status
	for _ in $(seq 1 30); do
		status=$("$ENGINE" inspect -f '{{.State.Health.Status}}' \
			"$CONTAINER")
		[ "$status" = healthy ] && break
		sleep 1
	done
	[ "$status" = healthy ]
}

@test "container: lighttpd and the responder run as www-data, not root" {
	[ "$("$ENGINE" inspect -f '{{.Config.User}}' "$CONTAINER")" = www-data ]
	run "$ENGINE" exec "$CONTAINER" id -u
	assert_output 33
	# every process in the container (the script runs in the container)
	# shellcheck disable=SC2016
	run "$ENGINE" exec "$CONTAINER" sh -c \
		'for p in /proc/[0-9]*; do awk "/^Uid:/ { print \$2 }" $p/status; done | sort -u'
	assert_output 33
	# no capabilities, no way to gain any
	run "$ENGINE" exec "$CONTAINER" grep -E '^(CapEff|NoNewPrivs):' \
		/proc/1/status
	assert_line --regexp '^CapEff:\s+0000000000000000$'
	assert_line --regexp '^NoNewPrivs:\s+1$'
}

@test "container: the root filesystem is read-only; only /tmp is written" {
	run "$ENGINE" exec "$CONTAINER" touch /usr/local/bin/x
	assert_failure
	assert_output --partial "Read-only file system"
	run "$ENGINE" exec "$CONTAINER" ls /tmp/gists
	assert_output --partial gists.sock
}

@test "container: runtime image has no compiler and no apt lists; size" {
	run "$ENGINE" exec "$CONTAINER" sh -c 'command -v gcc cc make || exit 9'
	[ "$status" -eq 9 ]
	run "$ENGINE" exec "$CONTAINER" sh -c 'ls /var/lib/apt/lists | wc -l'
	assert_output 0
	local size
	size=$("$ENGINE" image inspect -f '{{.Size}}' "$IMAGE")
	echo "# image size: $((size / 1000000)) MB" >&3
	[ "$size" -le 120000000 ]
}

@test "container: a stop signal ends it cleanly, the request in flight completes" {
	double_fault '{"mode": "slow", "delay": 2}'
	curl -s -o "$BATS_TEST_TMPDIR/slow" -w '%{http_code}' \
		"$BASE/octocat" >"$BATS_TEST_TMPDIR/slow.code" 3>&- &
	local curl_pid=$!
	sleep 0.5
	run "$ENGINE" stop -t 20 "$CONTAINER"
	assert_success
	wait "$curl_pid"
	[ "$(cat "$BATS_TEST_TMPDIR/slow.code")" = 200 ]
	grep -q '"user":"octocat"' "$BATS_TEST_TMPDIR/slow"
	[ "$("$ENGINE" inspect -f '{{.State.ExitCode}}' "$CONTAINER")" = 0 ]
}

# compose: the real compose.yaml, plus an override that adds the double as
# a second service on the project's network (a container cannot reach the
# host's loopback through compose's network).

@test "compose: up serves /octocat, hardened as written, and comes down" {
	if [ "$ENGINE" = podman ] && ! command -v podman-compose >/dev/null; then
		skip "podman-compose is not installed"
	fi
	local project=gistsci$$ dir=$BATS_TEST_TMPDIR
	"$ENGINE" build -q --target test -t localhost/gists-citest-test:$$ \
		"$GISTS_SRCDIR" >"$dir/build-test.log" 2>&1
	cat >"$dir/override.yaml" <<EOF
services:
  gists:
    image: $IMAGE
  double:
    image: localhost/gists-citest-test:$$
    command: ["python3", "/src/tests/github-double.py", "--bind", "0.0.0.0",
              "--port", "8000", "/tmp/port", "/src/tests/fixtures"]
EOF
	export GISTS_HOST_PORT
	GISTS_HOST_PORT=$(free_port)
	(cd "$GISTS_SRCDIR" && GITHUB_API_URL=http://double:8000 compose \
		-p "$project" -f compose.yaml -f "$dir/override.yaml" \
		up -d --no-build gists double) >"$dir/compose.log" 2>&1 ||
		true
	BASE="http://127.0.0.1:$GISTS_HOST_PORT"
	local ok=0
	for _ in $(seq 1 100); do
		fetch /octocat || true
		[ "$HTTP_STATUS" = 200 ] && { ok=1; break; }
		sleep 0.2
	done
	local name
	name=$("$ENGINE" ps -a --filter "label=com.docker.compose.project=$project" \
		--filter "label=com.docker.compose.service=gists" \
		--format '{{.Names}}' | head -n 1)
	local ro status
	ro=$("$ENGINE" inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$name")
	status=$("$ENGINE" exec "$name" grep -E '^(CapEff|NoNewPrivs):' \
		/proc/1/status | tr -s '\t ' ' ')
	(cd "$GISTS_SRCDIR" && compose -p "$project" -f compose.yaml \
		-f "$dir/override.yaml" down) >>"$dir/compose.log" 2>&1 || true
	"$ENGINE" network rm -f "${project}_default" >/dev/null 2>&1 || true
	"$ENGINE" rmi -f "localhost/gists-citest-test:$$" >/dev/null 2>&1 || true
	[ "$ok" = 1 ] || { cat "$dir/compose.log"; fail "compose did not serve /octocat"; }
	[ "$(json count)" = 8 ]
	[ "$ro" = true ]
	# no capabilities at all, and no way to gain any
	[[ "$status" == *"CapEff: 0000000000000000"* ]] || fail "$status"
	[[ "$status" == *"NoNewPrivs: 1"* ]] || fail "$status"
}

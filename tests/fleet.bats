#!/usr/bin/env bats
# The fleet as operators run it: compose.fleet.yaml (Varnish front, three
# gists replicas, Redis) and the Kubernetes manifests in deploy/k8s/ under
# `podman kube play`, with the images built here from the real Dockerfiles
# and the GitHub double as one more container. Like container.bats: docker
# or podman when present, skipped otherwise and with GISTS_CONTAINER_TESTS=0.
# Its own image tags, project, network and pod names, and a free host
# port: nothing here touches what another run uses.

load helpers

# The four images of the fleet, tagged $TAG; the first failure ends it.
build_images() {
	"$ENGINE" build -q -t "localhost/gists-fleet-gists:$TAG" "$GISTS_SRCDIR" ||
		return 1
	"$ENGINE" build -q --target test \
		-t "localhost/gists-fleet-test:$TAG" "$GISTS_SRCDIR" || return 1
	"$ENGINE" build -q -f "$GISTS_SRCDIR/deploy/varnish/Dockerfile" \
		-t "localhost/gists-fleet-varnish:$TAG" "$GISTS_SRCDIR" || return 1
	"$ENGINE" build -q -t "localhost/gists-fleet-redis:$TAG" \
		"$GISTS_SRCDIR/deploy/redis"
}

setup_file() {
	ENGINE=$(engine)
	export ENGINE
	[ -n "$ENGINE" ] || return 0
	export BUILDAH_FORMAT=docker	# podman: keep HEALTHCHECK in the images
	TAG=$$
	export TAG
	local log=$BATS_FILE_TMPDIR/build.log t0=$SECONDS
	build_images >"$log" 2>&1 || { cat "$log" >&3; return 1; }
	echo "# four images built in $((SECONDS - t0)) s" >&3
}

teardown_file() {
	[ -n "$ENGINE" ] || return 0
	local i
	for i in gists test varnish redis; do
		"$ENGINE" rmi -f "localhost/gists-fleet-$i:$TAG" >/dev/null 2>&1 || true
	done
	stop_at_teardown
}

setup() {
	[ -n "$ENGINE" ] || skip "no container engine (docker or podman)"
}

teardown() {
	[ -n "$ENGINE" ] || return 0
	if [ -f "$BATS_TEST_TMPDIR/override.yaml" ]; then
		(cd "$GISTS_SRCDIR" && compose -p "$PROJECT" -f compose.fleet.yaml \
			-f "$BATS_TEST_TMPDIR/override.yaml" down -t 5) \
			>>"$BATS_TEST_TMPDIR/compose.log" 2>&1 || true
		"$ENGINE" network rm -f "${PROJECT}_default" >/dev/null 2>&1 || true
	fi
	local f
	for f in front gists redis double; do
		[ -f "$BATS_TEST_TMPDIR/kube/$f.yaml" ] || continue
		podman kube down "$BATS_TEST_TMPDIR/kube/$f.yaml" >/dev/null 2>&1 || true
	done
	if [ -n "${NETWORK:-}" ]; then
		podman network rm -f "$NETWORK" >/dev/null 2>&1 || true
	fi
	stop_at_teardown
}

# The name of a compose service's container in $PROJECT.
container_of() {
	"$ENGINE" ps -a --filter "label=com.docker.compose.project=$PROJECT" \
		--filter "label=com.docker.compose.service=$1" \
		--format '{{.Names}}' | head -n 1
}

# How many requests for paths starting with PREFIX the container logged.
requests_logged() { # CONTAINER PREFIX
	"$ENGINE" logs "$1" 2>&1 | grep -c "\"msg\":\"request\",.*\"path\":\"$2" || true
}

@test "fleet compose: Varnish on the front, three replicas behind it, Redis beside" {
	if [ "$ENGINE" = podman ] && ! command -v podman-compose >/dev/null; then
		skip "podman-compose is not installed"
	fi
	PROJECT=gistsfleet$$
	export PROJECT
	local dir=$BATS_TEST_TMPDIR
	cat >"$dir/override.yaml" <<EOF
services:
  varnish:
    image: localhost/gists-fleet-varnish:$TAG
  gists-1:
    image: localhost/gists-fleet-gists:$TAG
  gists-2:
    image: localhost/gists-fleet-gists:$TAG
  gists-3:
    image: localhost/gists-fleet-gists:$TAG
  redis:
    image: localhost/gists-fleet-redis:$TAG
  double:
    image: localhost/gists-fleet-test:$TAG
    command: ["python3", "/src/tests/github-double.py", "--bind", "0.0.0.0",
              "--port", "8000", "/tmp/port", "/src/tests/fixtures"]
EOF
	export GISTS_HOST_PORT
	GISTS_HOST_PORT=$(free_port)
	# the double first: the replicas' first requests need it
	(cd "$GISTS_SRCDIR" && GITHUB_API_URL=http://double:8000 compose \
		-p "$PROJECT" -f compose.fleet.yaml -f "$dir/override.yaml" \
		up -d --no-build double redis gists-1 gists-2 gists-3 varnish) \
		>"$dir/compose.log" 2>&1 || true
	BASE="http://127.0.0.1:$GISTS_HOST_PORT"
	local ok=0
	for _ in $(seq 1 100); do
		fetch /octocat 2>/dev/null || true
		[ "$HTTP_STATUS" = 200 ] && { ok=1; break; }
		sleep 0.2
	done
	[ "$ok" = 1 ] || { cat "$dir/compose.log" >&3; fail "the front did not serve /octocat"; }
	[ "$(json count)" = 8 ]
	fetch /octocat
	[ "$(header X-Front-Cache)" = HIT ]
	[ "$(header Cache-Control)" = "max-age=60, stale-while-revalidate=300, stale-if-error=3540" ]

	# nine users, round-robin: every replica answers some
	local i n total=0
	for i in $(seq 1 9); do
		fetch "/gen-1-spread$i"
		[ "$HTTP_STATUS" = 200 ]
	done
	for i in 1 2 3; do
		n=$(requests_logged "$(container_of "gists-$i")" /gen-1-spread)
		echo "# gists-$i answered $n of 9" >&3
		[ "$n" -ge 1 ] || fail "gists-$i got no request"
		total=$((total + n))
	done
	[ "$total" = 9 ]

	# Accept variants: one request per format reaches the replicas
	for a in '' '*/*' 'application/json' 'text/html' \
		'text/html,application/xhtml+xml,*/*;q=0.8' 'text/*'; do
		fetch /gen-1-formats -H "Accept: $a"
		[ "$HTTP_STATUS" = 200 ]
	done
	total=0
	for i in 1 2 3; do
		n=$(requests_logged "$(container_of "gists-$i")" /gen-1-formats)
		total=$((total + n))
	done
	[ "$total" = 2 ]

	# Redis answers on the project's network; the replicas are told of it
	run "$ENGINE" exec "$(container_of redis)" redis-cli ping
	assert_output PONG
	run "$ENGINE" exec "$(container_of gists-1)" sh -c 'echo "$GISTS_REDIS_URL"'
	assert_output redis://redis:6379/0

	# hardened as written: read-only, unprivileged, no capabilities
	local c
	for c in varnish gists-1 redis; do
		[ "$("$ENGINE" inspect -f '{{.HostConfig.ReadonlyRootfs}}' \
			"$(container_of "$c")")" = true ] || fail "$c is writable"
		run "$ENGINE" exec "$(container_of "$c")" grep -E \
			'^(Uid|CapEff|NoNewPrivs):' /proc/1/status
		refute_line --regexp '^Uid:\s+0\s'
		assert_line --regexp '^CapEff:\s+0000000000000000$'
		assert_line --regexp '^NoNewPrivs:\s+1$'
	done
	run "$ENGINE" exec "$(container_of varnish)" gists-front ping
	assert_success

	# a replica stopped: the front retries the next one, every answer 200
	"$ENGINE" stop -t 5 "$(container_of gists-2)" >/dev/null
	for i in $(seq 1 9); do
		fetch "/gen-1-down$i"
		[ "$HTTP_STATUS" = 200 ] || fail "/gen-1-down$i: $HTTP_STATUS"
	done
	[ "$(requests_logged "$(container_of gists-1)" /gen-1-down)" -ge 1 ]
	[ "$(requests_logged "$(container_of gists-3)" /gen-1-down)" -ge 1 ]
}

# deploy/k8s/*.yaml as shipped, but for the images built here, names of
# this run and the double's address; podman only (docker has no kube).
kube_manifest() { # FILE OUT [sed expressions...]
	local in=$GISTS_SRCDIR/deploy/k8s/$1 out=$2
	shift 2
	sed -e "s|image: gists:latest|image: localhost/gists-fleet-gists:$TAG|" \
		-e "s|image: gists-redis:latest|image: localhost/gists-fleet-redis:$TAG|" \
		-e "s|image: gists-varnish:latest|image: localhost/gists-fleet-varnish:$TAG|" \
		-e "s|^  name: gists\(-[a-z]*\)\{0,1\}$|  name: k$$\1|" \
		"$@" "$in" >"$out"
}

# A pod's container's address on $NETWORK.
address_of() {
	podman inspect -f "{{(index .NetworkSettings.Networks \"$NETWORK\").IPAddress}}" "$1"
}

@test "fleet kube: podman kube play runs the manifests; probes pass; the front spreads over the replicas" {
	[ "$ENGINE" = podman ] || skip "podman kube play needs podman"
	NETWORK=gistsk8s$$
	export NETWORK
	local dir=$BATS_TEST_TMPDIR/kube
	mkdir -p "$dir"
	podman network create "$NETWORK" >/dev/null
	cat >"$dir/double.yaml" <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: k$$-double
spec:
  containers:
    - name: double
      image: localhost/gists-fleet-test:$TAG
      command: ["python3", "/src/tests/github-double.py", "--bind",
                "0.0.0.0", "--port", "8000", "/tmp/port",
                "/src/tests/fixtures"]
EOF
	podman kube play --network "$NETWORK" "$dir/double.yaml" >"$dir/play.log" 2>&1
	local double
	double=$(address_of "k$$-double-double")
	[ -n "$double" ]
	kube_manifest redis.yaml "$dir/redis.yaml"
	kube_manifest gists.yaml "$dir/gists.yaml" -e \
		"s|^\( *\)- name: GISTS_REDIS_URL|\1- name: GITHUB_API_URL\n\1  value: http://$double:8000\n&|"
	podman kube play --network "$NETWORK" "$dir/redis.yaml" >>"$dir/play.log" 2>&1 ||
		{ cat "$dir/play.log" >&3; fail "kube play redis.yaml"; }
	podman kube play --network "$NETWORK" "$dir/gists.yaml" >>"$dir/play.log" 2>&1 ||
		{ cat "$dir/play.log" >&3; fail "kube play gists.yaml"; }

	# three replicas, each its own pod and address, each healthy
	local i ip backends=""
	for i in 0 1 2; do
		ip=$(address_of "k$$-pod-$i-gists")
		[ -n "$ip" ] || fail "no replica $i"
		backends="$backends $ip:8080"
		BASE="http://$ip:8080"
		wait_for_url "$BASE/-/healthz"
		fetch /-/healthz
		[ "$HTTP_STATUS" = 200 ]
		# the liveness probe, as podman runs it
		run podman healthcheck run "k$$-pod-$i-gists"
		assert_success
		[ "$(podman inspect -f '{{.Config.User}} {{.HostConfig.ReadonlyRootfs}}' \
			"k$$-pod-$i-gists")" = "33:33 true" ]
	done
	run podman healthcheck run "k$$-redis-pod-0-redis"
	assert_success

	# the front, before the three pods (a cluster would name the Service)
	kube_manifest varnish.yaml "$dir/front.yaml" \
		-e "s|value: gists:8080|value: \"${backends# }\"|"
	podman kube play --network "$NETWORK" "$dir/front.yaml" >>"$dir/play.log" 2>&1 ||
		{ cat "$dir/play.log" >&3; fail "kube play varnish.yaml"; }
	BASE="http://$(address_of "k$$-front-pod-0-varnish"):8080"
	wait_for_url "$BASE/-/healthz"
	fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	[ "$(json count)" = 8 ]
	fetch /octocat
	[ "$(header X-Front-Cache)" = HIT ]
	run podman healthcheck run "k$$-front-pod-0-varnish"
	[ "$status" = 0 ] || podman exec "k$$-front-pod-0-varnish" sh -c \
		'gists-front ping; hostname; ls /var/lib/varnish' >&3 2>&1
	assert_success
	for i in $(seq 1 6); do
		fetch "/gen-1-k8s$i"
		[ "$HTTP_STATUS" = 200 ]
	done
	for i in 0 1 2; do
		[ "$(requests_logged "k$$-pod-$i-gists" /gen-1-k8s)" -ge 1 ] ||
			fail "replica $i got no request"
	done
	# the second front has a cache of its own, and the same answers
	BASE="http://$(address_of "k$$-front-pod-1-varnish"):8080"
	wait_for_url "$BASE/-/healthz"
	fetch /octocat
	[ "$HTTP_STATUS" = 200 ]
	[ "$(json count)" = 8 ]
}

#!/usr/bin/env bats
# Upstream faults, hostile clients and what the service sends: each fault
# gives its mapped status or a stale copy, never a crash, a hang or a
# partial answer; the service stays up.

load helpers

TOKEN=ghp_faults_token_should_never_show_0123456789

setup_file() {
	start_stack GISTS_CACHE_TTL=0 GISTS_UPSTREAM_TIMEOUT=2 \
		GITHUB_TOKEN="$TOKEN"
	export FILE_BASE=$BASE
}

teardown_file() {
	stop_at_teardown stop_stack
}

setup() {
	double_reset
}

# Whatever the test did, the file's instance still answers.
file_instance_answers() {
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$FILE_BASE/-/healthz")" = 200 ]
}

teardown() {
	stop_at_teardown stop_test_gists -- file_instance_answers
}

# Add a user to the double whose gists a python expression builds;
# 'gist(i, description, files)' makes one gist.
double_user() { # LOGIN EXPRESSION
	"$PYTHON3" - "$UPSTREAM" "$1" "$2" <<'EOF'
import json, sys, urllib.request
base, login, expr = sys.argv[1:]
def gist(i, description="d", files=(("a.txt", 1),)):
    gid = "%020x" % (0xfa000 + i)
    return {"id": gid, "description": description,
            "html_url": "https://gist.github.com/%s/%s" % (login, gid),
            "public": True, "created_at": "2020-01-01T00:00:00Z",
            "updated_at": "2020-01-01T00:00:00Z", "comments": 0,
            "files": {n: {"filename": n, "type": "text/plain",
                          "language": None, "size": s,
                          "raw_url": "https://gist.githubusercontent.com/x/%s" % n}
                      for n, s in files}}
body = json.dumps({"login": login, "gists": eval(expr)}).encode()
req = urllib.request.Request(base + "/_double/user", data=body,
                             headers={"Content-Type": "application/json"})
urllib.request.urlopen(req).read()
EOF
}

@test "reset in the middle of the body: 502, not a partial list" {
	double_fault '{"mode": "reset_mid"}'
	fetch /octocat
	[ "$HTTP_STATUS" = 502 ]
	[ "$(header Content-Type)" = application/problem+json ]
}

@test "a megabyte description survives exactly" {
	double_user bigdesc '[gist(1, "\u00e9" * 300000 + "<end>\"\\\\")]'
	fetch /bigdesc
	[ "$HTTP_STATUS" = 200 ]
	run "$PYTHON3" -c '
import json, sys
d = json.load(open(sys.argv[1]))["gists"][0]["description"]
assert d == "\u00e9" * 300000 + "<end>\"\\\\", (len(d), d[-10:])
print("ok")' "$BODY"
	assert_output ok
}

@test "a gist with 3,000 files: all of them, in order" {
	double_user manyfiles '[gist(1, "many", [("f%05d" % i, i) for i in range(3000)])]'
	fetch /manyfiles
	[ "$HTTP_STATUS" = 200 ]
	run "$PYTHON3" -c '
import json, sys
files = json.load(open(sys.argv[1]))["gists"][0]["files"]
assert [f["filename"] for f in files] == ["f%05d" % i for i in range(3000)]
print("ok")' "$BODY"
	assert_output ok
}

@test "integers are passed on exactly, or the listing is refused" {
	double_user maxint '[gist(1, "d", [("a", 2**63 - 1), ("b", 0)])]'
	fetch /maxint
	[ "$HTTP_STATUS" = 200 ]
	grep -q '"size":9223372036854775807,' "$BODY"
	grep -q '"size":0,' "$BODY"
	local size
	for size in '2**63' '10**20' '-1' '1.0' '1e3'; do
		double_user "bad-$BATS_TEST_NUMBER" "[gist(1, 'd', [('a', $size)])]"
		fetch "/bad-$BATS_TEST_NUMBER"
		[ "$HTTP_STATUS" = 502 ] || fail "size $size: $HTTP_STATUS"
		run ! grep -q 18446744073709551615 "$BODY"
	done
}

@test "a Link header pointing at another host: only GitHub's URL is asked" {
	double_fault '{"user": "gen-250", "mode": "evil_link"}'
	fetch /gen-250
	[ "$HTTP_STATUS" = 200 ]
	[ "$(json count)" = 250 ]
	[ "$(double_count)" = 3 ]
}

@test "a Link header that loops: bounded by GISTS_MAX_PAGES, truncated" {
	start_test_gists GISTS_CACHE_TTL=0 GISTS_MAX_PAGES=5
	double_fault '{"user": "gen-150", "mode": "loop_link"}'
	fetch /gen-150
	[ "$HTTP_STATUS" = 200 ]
	[ "$(json count)" = 150 ]
	[ "$(json truncated)" = true ]
	[ "$(double_count)" = 5 ]
}

@test "an absurd last page: bounded by GISTS_MAX_PAGES, truncated" {
	start_test_gists GISTS_CACHE_TTL=0 GISTS_MAX_PAGES=4
	double_fault '{"user": "gen-150", "mode": "huge_last"}'
	fetch /gen-150
	[ "$HTTP_STATUS" = 200 ]
	[ "$(json count)" = 150 ]
	[ "$(json truncated)" = true ]
	[ "$(double_count)" = 4 ]
}

@test "every fault of a middle page fails the whole listing" {
	local mode
	for mode in reset reset_mid truncated garbage invalid_utf8 nested; do
		double_reset
		double_fault "{\"user\": \"gen-450\", \"page\": 3, \"mode\": \"$mode\"}"
		fetch /gen-450
		[ "$HTTP_STATUS" = 502 ] || fail "$mode: $HTTP_STATUS"
	done
}

@test "faults with a stale copy: 200 STALE, the same gists" {
	# (each request past the TTL revalidates itself and sees the fault)
	start_clock_gists GISTS_CACHE_TTL=60 GISTS_UPSTREAM_TIMEOUT=1 \
		GISTS_STALE_WHILE_REVALIDATE=0
	fetch /gen-20
	local mode
	for mode in reset_mid truncated garbage invalid_utf8 nested object; do
		clock_advance 61	# past the TTL and the back-off
		double_reset
		double_fault "{\"mode\": \"$mode\"}"
		fetch /gen-20
		[ "$HTTP_STATUS" = 200 ] || fail "$mode: $HTTP_STATUS"
		[ "$(header X-Cache)" = STALE ] || fail "$mode: $(header X-Cache)"
		[ "$(json count)" = 20 ]
	done
}

@test "the responder killed with SIGKILL: gists-supervise starts another" {
	start_test_gists GISTS_CACHE_TTL=0
	fetch /octocat
	local old
	old=$(test_responder_pid)
	kill -KILL "$old"
	for _ in $(seq 1 50); do
		fetch /octocat
		[ "$HTTP_STATUS" = 200 ] && break
		sleep 0.1
	done
	[ "$HTTP_STATUS" = 200 ]
	[ "$(json count)" = 8 ]
	local new
	new=$(test_responder_pid)
	[ -n "$new" ] && [ "$new" != "$old" ]
}

@test "slow clients holding connections do not keep others out" {
	local ready=$BATS_TEST_TMPDIR/slow-ready
	"$PYTHON3" - "${BASE##*:}" "$ready" 3>&- <<'EOF' &
import socket, sys, time
socks = []
for i in range(200):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    s.sendall(b"GET /octocat HTTP/1.1\r\nHost: x\r\n")  # and never finish
    socks.append(s)
open(sys.argv[2], "w").close()
time.sleep(60)  # until killed
EOF
	local slow=$!
	at_teardown kill_wait "$slow"
	# all 200 are connected before the others try (not a guessed sleep)
	for _ in $(seq 1 300); do
		[ -e "$ready" ] && break
		sleep 0.1
	done
	[ -e "$ready" ]
	for _ in 1 2 3 4 5; do
		fetch /octocat
		[ "$HTTP_STATUS" = 200 ]
	done
	stop_now kill_wait "$slow"
}

@test "an idle half-sent request is dropped after server.max-read-idle" {
	run "$PYTHON3" - "${BASE##*:}" <<'EOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /octocat HTTP/1.1\r\nHost: x\r\n")
s.settimeout(40)
t0 = time.time()
try:
    data = s.recv(1024)
except OSError:
    data = b""
print("closed after %.0f s" % (time.time() - t0))
EOF
	assert_success
	# max-read-idle is 10 s: not before, and not held open (the upper
	# bound is wide: lighttpd checks once a second, a loaded one later)
	[[ "$output" =~ closed\ after\ (1[0-9]|2[0-9])\ s ]] || fail "$output"
}

@test "every answer says nosniff, carries a CSP and no server version" {
	local p
	for p in /octocat /no-such-user /.. /-/healthz /-/metrics / /a/b; do
		fetch "$p"
		[ "$(header X-Content-Type-Options)" = nosniff ] || fail "$p"
		[[ "$(header Content-Security-Policy)" == *"default-src 'none'"* ]] || fail "$p"
		[ -z "$(header Server)" ] || fail "$p: Server: $(header Server)"
	done
	# answers lighttpd makes itself: no version either
	raw 'GET /octo\x00cat HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'
	run ! grep -qi 'lighttpd/\|^Server:' "$RAW"
}

@test "the token appears nowhere: logs, metrics, errors" {
	fetch /octocat
	double_fault '{"mode": "status", "status": 401}'
	fetch /octocat
	[ "$HTTP_STATUS" = 502 ]
	run ! grep -q "$TOKEN" "$BODY"
	fetch /-/metrics
	run ! grep -q "$TOKEN" "$BODY"
	fetch /
	run ! grep -q "$TOKEN" "$BODY"
	run ! grep -q "$TOKEN" "$SERVER_LOG"
	[ "$(double_request 0 headers authorization)" = "Bearer $TOKEN" ]
}

@test "TLS verification is on: a self-signed upstream is refused" {
	local dir=$BATS_TEST_TMPDIR/tls
	mkdir -p "$dir"
	"$PYTHON3" "$GISTS_TESTS/github-double.py" --tls \
		"$GISTS_TESTS/fixtures/selfsigned.crt" \
		"$GISTS_TESTS/fixtures/selfsigned.key" "$dir/port" \
		"$GISTS_TESTS/fixtures" 3>&- &
	local tls_pid=$!
	at_teardown kill_wait "$tls_pid"
	for _ in $(seq 1 50); do [ -s "$dir/port" ] && break; sleep 0.1; done
	# the double really speaks TLS (verified against its own certificate)
	curl -s --cacert "$GISTS_TESTS/fixtures/selfsigned.crt" -A t \
		"https://127.0.0.1:$(cat "$dir/port")/users/octocat/gists" | grep -q 6cad326836d38bd3a7ae
	start_test_gists GISTS_CACHE_TTL=0 \
		GITHUB_API_URL="https://127.0.0.1:$(cat "$dir/port")"
	fetch /octocat
	stop_now kill_wait "$tls_pid"
	[ "$HTTP_STATUS" = 502 ]
	grep -qi 'certificate' "$SERVER_LOG"
}

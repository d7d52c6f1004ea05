#!/usr/bin/env bats
# A real browser: headless Chromium loads the page for octocat and for the
# hostile fixture. The DOM must show the entries, no script may have run,
# and screenshots are written for people to look at
# ($GISTS_BUILDDIR/tests/screenshots/). Without Chromium: skipped.

load helpers

BROWSER_BIN=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}

setup_file() {
	[ -n "$BROWSER_BIN" ] || return 0
	start_stack
	SHOTS="${GISTS_BUILDDIR:-$BATS_FILE_TMPDIR}/tests/screenshots"
	mkdir -p "$SHOTS"
	export SHOTS
}

teardown_file() {
	[ -n "$BROWSER_BIN" ] || return 0
	stop_at_teardown stop_stack
}

setup() {
	[ -n "$BROWSER_BIN" ] || skip "no Chromium (Debian: apt-get install chromium)"
}

# Run headless Chromium with a fresh profile and no network chatter.
chromium_run() {
	timeout 90 "$BROWSER_BIN" --headless --no-sandbox --disable-gpu \
		--disable-background-networking --disable-component-update \
		--disable-sync --no-first-run --disable-quic \
		--user-data-dir="$BATS_TEST_TMPDIR/profile-$RANDOM" "$@" \
		2>>"$BATS_TEST_TMPDIR/chromium.log"
}

@test "browser: /octocat is a page, with its eight gists; screenshot" {
	chromium_run --dump-dom "$BASE/octocat" >"$BATS_TEST_TMPDIR/dom"
	run "$PYTHON3" -c '
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
entries = re.findall(r"<li class=\"gist\">", dom)
assert len(entries) == 8, len(entries)
assert "Hello world!" in dom
assert "Some common .gitignore configurations" in dom
assert "<h1><bdi>octocat</bdi> <small>8 gists</small></h1>" in dom
print("ok")' "$BATS_TEST_TMPDIR/dom"
	assert_output ok
	chromium_run --window-size=820,900 --screenshot="$SHOTS/octocat.png" \
		"$BASE/octocat?format=html" >/dev/null
	[ -s "$SHOTS/octocat.png" ]
	echo "# screenshot: $SHOTS/octocat.png" >&3
}

@test "browser: hostile gists show as text; no script ran" {
	chromium_run --dump-dom "$BASE/mallory?format=html" >"$BATS_TEST_TMPDIR/dom"
	run "$PYTHON3" -c '
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
# each payload would mark <body data-pwned=...> had it run
body = re.search(r"<body[^>]*>", dom).group(0)
assert "data-pwned" not in body, body
# and none became an element: no script, img or handler attribute
assert not re.search(r"<script[\s>]", dom)
assert not re.search(r"<img[\s>]", dom)
assert not re.search(r"<[a-z]+[^>]*\son[a-z]+=", dom)
assert not re.search(r"href=\"\s*javascript:", dom, re.I)
# the payloads are there, as text
assert "&lt;script&gt;document.body.setAttribute" in dom
assert "&lt;img src=x onerror=" in dom
assert len(re.findall(r"<li class=\"gist\">", dom)) == 8
print("ok")' "$BATS_TEST_TMPDIR/dom"
	assert_output ok
	chromium_run --window-size=820,1400 --screenshot="$SHOTS/mallory.png" \
		"$BASE/mallory?format=html" >/dev/null
	[ -s "$SHOTS/mallory.png" ]
}

@test "browser: an error is a page with its status and detail" {
	chromium_run --dump-dom "$BASE/no-such-user?format=html" >"$BATS_TEST_TMPDIR/dom"
	grep -q '<h1>404 Not Found</h1>' "$BATS_TEST_TMPDIR/dom"
	grep -q 'was not found' "$BATS_TEST_TMPDIR/dom"
}

@test "browser: loading the page makes exactly one request (the icon is declared)" {
	local before after _
	before=$(grep -c '"msg":"request"' "$SERVER_LOG" || true)
	chromium_run --virtual-time-budget=3000 --dump-dom \
		"$BASE/gen-3?format=html" >"$BATS_TEST_TMPDIR/dom"
	# the page declares an empty icon of its own: no /favicon.ico
	grep -q '<link rel="icon" href="data:,">' "$BATS_TEST_TMPDIR/dom"
	grep -q '<li class="gist">' "$BATS_TEST_TMPDIR/dom"
	# the log line of the page's request, and of anything else asked
	for _ in $(seq 1 50); do
		[ "$(grep -c '"msg":"request"' "$SERVER_LOG")" -gt "$before" ] && break
		sleep 0.1
	done
	sleep 0.5
	after=$(grep -c '"msg":"request"' "$SERVER_LOG")
	grep '"msg":"request"' "$SERVER_LOG" | tail -n "$((after - before))" | sed 's/^/# /' >&3
	[ "$((after - before))" = 1 ]
	grep '"msg":"request"' "$SERVER_LOG" | tail -n 1 | grep -q '"path":"/gen-3"'
}

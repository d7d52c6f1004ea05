#!/usr/bin/env bats
# Content codings and negotiation headers through the real lighttpd: br,
# zstd and gzip bodies of JSON and HTML 200s, their own ETags and 304s,
# Vary wherever the answer follows Accept or Accept-Encoding, one ETag
# per distinct body.

load helpers

BROWSER='text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'

setup_file() {
	start_stack
}

teardown_file() {
	stop_at_teardown stop_stack
}

# Decompress gzip FILE with Python's gzip module onto stdout.
gunzip_py() {
	"$PYTHON3" -c 'import gzip, sys; sys.stdout.buffer.write(gzip.decompress(open(sys.argv[1], "rb").read()))' "$1"
}

@test "gzip: a 1,000-gist listing decompresses to the identity body" {
	fetch /gen-1000
	[ "$HTTP_STATUS" = 200 ]
	[ -z "$(header Content-Encoding)" ]
	cp "$BODY" "$BATS_TEST_TMPDIR/identity"
	local identity_etag
	identity_etag=$(header ETag)
	fetch /gen-1000 -H 'Accept-Encoding: gzip'
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header Content-Encoding)" = gzip ]
	[ "$(header Vary)" = "Accept, Accept-Encoding" ]
	[ "$(header Content-Type)" = "application/json; charset=utf-8" ]
	[ "$(header Content-Length)" = "$(stat -c %s "$BODY")" ]
	# at least five times smaller
	[ $(($(stat -c %s "$BODY") * 5)) -lt "$(stat -c %s "$BATS_TEST_TMPDIR/identity")" ]
	gunzip_py "$BODY" >"$BATS_TEST_TMPDIR/decoded"
	cmp "$BATS_TEST_TMPDIR/decoded" "$BATS_TEST_TMPDIR/identity"
	[ "$(header ETag)" != "$identity_etag" ]
	[ "$(header ETag)" = "${identity_etag%\"}-gzip\"" ]
}

@test "br and zstd: curl decodes them to the identity body" {
	curl -sS -o "$BATS_TEST_TMPDIR/identity" "$BASE/gen-1000"
	local enc
	for enc in br zstd; do
		fetch /gen-1000 -H "Accept-Encoding: $enc"
		[ "$(header Content-Encoding)" = "$enc" ] || fail "$enc: $(header Content-Encoding)"
		[ "$(stat -c %s "$BODY")" -lt 100000 ]
		fetch /gen-1000 --compressed -H "Accept-Encoding: $enc"
		[ "$(header Content-Encoding)" = "$enc" ]
		cmp "$BODY" "$BATS_TEST_TMPDIR/identity" || fail "$enc body differs"
	done
}

@test "the HTML page is compressed too, and decodes to the identity page" {
	fetch /gen-1000 -H "Accept: $BROWSER"
	cp "$BODY" "$BATS_TEST_TMPDIR/identity"
	fetch /gen-1000 -H "Accept: $BROWSER" -H 'Accept-Encoding: gzip, deflate, br'
	[ "$(header Content-Encoding)" = br ]
	[ "$(header Content-Type)" = "text/html; charset=utf-8" ]
	fetch /gen-1000 -H "Accept: $BROWSER" -H 'Accept-Encoding: gzip'
	gunzip_py "$BODY" | cmp - "$BATS_TEST_TMPDIR/identity"
}

@test "quality values decide; q=0, unknown codings and small bodies stay identity" {
	fetch /gen-1000 -H 'Accept-Encoding: br;q=0.2, gzip;q=0.9, zstd;q=0.5'
	[ "$(header Content-Encoding)" = gzip ]
	fetch /gen-1000 -H 'Accept-Encoding: gzip;q=0'
	[ -z "$(header Content-Encoding)" ]
	fetch /gen-1000 -H 'Accept-Encoding: compress, deflate'
	[ -z "$(header Content-Encoding)" ]
	fetch /gen-1000 -H 'Accept-Encoding: identity'
	[ -z "$(header Content-Encoding)" ]
	# a one-gist listing is under the 1 KiB threshold
	fetch /gen-1 -H 'Accept-Encoding: gzip'
	[ "$HTTP_STATUS" = 200 ]
	[ "$(stat -c %s "$BODY")" -lt 1024 ]
	[ -z "$(header Content-Encoding)" ]
	[ "$(header Vary)" = "Accept, Accept-Encoding" ]
	# and so is every error
	fetch /no-such-user -H 'Accept-Encoding: gzip'
	[ "$HTTP_STATUS" = 404 ]
	[ -z "$(header Content-Encoding)" ]
}

@test "each ETag, sent back with its own coding, gets a 304 without Content-Type" {
	local enc etag identity_etag
	fetch /gen-1000
	identity_etag=$(header ETag)
	for enc in br zstd gzip; do
		fetch /gen-1000 -H "Accept-Encoding: $enc"
		etag=$(header ETag)
		fetch /gen-1000 -H "Accept-Encoding: $enc" -H "If-None-Match: $etag"
		[ "$HTTP_STATUS" = 304 ] || fail "$enc: $HTTP_STATUS"
		[ "$(header ETag)" = "$etag" ]
		[ "$(header Vary)" = "Accept, Accept-Encoding" ]
		[ -z "$(header Content-Type)" ] || fail "304 with $(header Content-Type)"
		[ -z "$(header Content-Encoding)" ]
		[ ! -s "$BODY" ]
		# another coding's tag is another representation's
		fetch /gen-1000 -H "Accept-Encoding: $enc" -H "If-None-Match: $identity_etag"
		[ "$HTTP_STATUS" = 200 ]
		fetch /gen-1000 -H "If-None-Match: $etag"
		[ "$HTTP_STATUS" = 200 ]
	done
	fetch /gen-1000 -H "If-None-Match: $identity_etag"
	[ "$HTTP_STATUS" = 304 ]
	[ -z "$(header Content-Type)" ]
}

@test "HEAD with a coding: the headers and length of the coded GET" {
	fetch /gen-1000 -H 'Accept-Encoding: zstd'
	local len etag
	len=$(header Content-Length)
	etag=$(header ETag)
	fetch /gen-1000 -I -H 'Accept-Encoding: zstd'
	[ "$HTTP_STATUS" = 200 ]
	[ "$(header Content-Length)" = "$len" ]
	[ "$(header ETag)" = "$etag" ]
	[ "$(header Content-Encoding)" = zstd ]
}

@test "Vary: Accept on every error whose format follows Accept" {
	local path
	for path in /.. /-/nope /a/b /octocat?page=0 /no-such-user; do
		fetch "$path"
		[ "$(header Vary)" = Accept ] || fail "$path: Vary '$(header Vary)'"
		fetch "$path" -H "Accept: $BROWSER"
		[ "$(header Content-Type)" = "text/html; charset=utf-8" ] ||
			fail "$path: $(header Content-Type)"
		[ "$(header Vary)" = Accept ] || fail "$path: Vary '$(header Vary)'"
	done
	fetch /octocat -X POST --data x
	[ "$HTTP_STATUS" = 405 ]
	[ "$(header Vary)" = Accept ]
	fetch /octocat -X DELETE -H "Accept: $BROWSER"
	[ "$HTTP_STATUS" = 405 ]
	[ "$(header Vary)" = Accept ]
	[ "$(header Allow)" = "GET, HEAD" ]
}

@test "one ETag per body: ?format=html and Accept: text/html" {
	fetch /octocat?format=html
	local etag
	etag=$(header ETag)
	cp "$BODY" "$BATS_TEST_TMPDIR/format"
	fetch /octocat -H "Accept: $BROWSER"
	cmp "$BODY" "$BATS_TEST_TMPDIR/format"
	[ "$(header ETag)" = "$etag" ]
	fetch /octocat?format=html -H "If-None-Match: $etag"
	[ "$HTTP_STATUS" = 304 ]
	# a paged page's links keep ?format=: other bytes, another tag
	fetch '/gen-250?page=2&format=html'
	etag=$(header ETag)
	cp "$BODY" "$BATS_TEST_TMPDIR/format"
	fetch '/gen-250?page=2' -H "Accept: $BROWSER"
	run ! cmp -s "$BODY" "$BATS_TEST_TMPDIR/format"
	[ "$(header ETag)" != "$etag" ]
}

# A request parked on a fetch keeps its Accept-Encoding: whoever answers
# it when GitHub does (a writer, not the accept thread) codes the body as
# that request asked, and two requests parked on one fetch each get
# their own coding.
@test "a parked request asking for gzip gets a gzip body that decodes to the identity body" {
	local user=gen-1000-parkedgz metrics="$BATS_TEST_TMPDIR/metrics" _
	double_fault "{\"user\": \"$user\", \"mode\": \"slow\", \"delay\": 3, \"times\": 1}"
	curl -sS -o "$BATS_TEST_TMPDIR/gz" -D "$BATS_TEST_TMPDIR/gz.h" \
		-H 'Accept-Encoding: gzip' "$BASE/$user" &
	local gz=$!
	curl -sS -o "$BATS_TEST_TMPDIR/plain" -D "$BATS_TEST_TMPDIR/plain.h" \
		"$BASE/$user" &
	local plain=$!
	# both wait on GitHub, parked, before either is answered
	for _ in $(seq 1 50); do
		curl -sS -o "$metrics" "$BASE/-/metrics"
		[ "$(awk '$1 == "gists_requests_parked" { print $2 }' "$metrics")" -ge 2 ] && break
		sleep 0.05
	done
	awk '$1 == "gists_requests_parked" { p = $2 } END { exit !(p >= 2) }' "$metrics" ||
		fail "not parked: $(grep '^gists_requests_parked ' "$metrics")"
	wait "$gz"
	wait "$plain"
	local gz_h="$BATS_TEST_TMPDIR/gz.h" plain_h="$BATS_TEST_TMPDIR/plain.h"
	[ "$(HEADERS=$gz_h header X-Cache)" = MISS ]
	[ "$(HEADERS=$gz_h header Content-Encoding)" = gzip ]
	[ "$(HEADERS=$gz_h header Vary)" = "Accept, Accept-Encoding" ]
	[ "$(HEADERS=$gz_h header Content-Length)" = "$(stat -c %s "$BATS_TEST_TMPDIR/gz")" ]
	[ -z "$(HEADERS=$plain_h header Content-Encoding)" ]
	[ "$(HEADERS=$gz_h header ETag)" = "$(HEADERS=$plain_h header ETag | sed 's/"$/-gzip"/')" ]
	gunzip_py "$BATS_TEST_TMPDIR/gz" >"$BATS_TEST_TMPDIR/decoded"
	cmp "$BATS_TEST_TMPDIR/decoded" "$BATS_TEST_TMPDIR/plain"
	# and the identity body is the one a hit serves now
	fetch "/$user"
	[ "$(header X-Cache)" = HIT ]
	cmp "$BODY" "$BATS_TEST_TMPDIR/plain"
}

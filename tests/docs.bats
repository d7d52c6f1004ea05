#!/usr/bin/env bats
# The README is a front door: short, linking every page of docs/, its
# configuration table complete; and no relative link or #fragment in the
# README or docs/*.md points nowhere (tests/doc-links.py, GitHub's slugs).

load helpers

links() { "$PYTHON3" "$GISTS_TESTS/doc-links.py" "$@"; }

# The pages the README and docs/ are made of.
pages=("$GISTS_SRCDIR/README.md" "$GISTS_SRCDIR"/docs/*.md)

# Every variable of ours the code reads (not the system's, TMPDIR): the
# responder's --help (its own and gists-server's), env.NAME in
# lighttpd.conf, ${NAME:-...} in gists-server.
code_variables() {
	{
		"$GISTS_BIN" --help | sed -n 's/^  \([A-Z][A-Z0-9_]*\) .*/\1/p'
		grep -o 'env\.[A-Z][A-Z0-9_]*' "$GISTS_SRCDIR/conf/lighttpd.conf" |
			sed 's/^env\.//'
		grep -o '\${[A-Z][A-Z0-9_]*:[-?]' "$GISTS_SRCDIR/fcgi/gists-server.in" |
			sed 's/^\${//; s/:.$//'
	} | grep -E '^(GISTS_|GITHUB_|PORT$|LIGHTTPD$)' | sort -u
}

@test "docs: the README is at most 250 lines" {
	local n
	n=$(wc -l <"$GISTS_SRCDIR/README.md")
	[ "$n" -le 250 ] || fail "README.md has $n lines (at most 250)"
}

@test "docs: every relative link and #fragment of README.md and docs/*.md resolves" {
	run links "$GISTS_SRCDIR" "${pages[@]}"
	assert_output ""
	assert_success
}

@test "docs: the README links every page of docs/" {
	local page
	for page in "$GISTS_SRCDIR"/docs/*.md; do
		grep -qF "](docs/${page##*/}" "$GISTS_SRCDIR/README.md" ||
			fail "README.md does not link docs/${page##*/}"
	done
}

@test "docs: the README's configuration table names every variable the code reads" {
	local var n=0
	for var in $(code_variables); do
		n=$((n + 1))
		grep -q "^| \`$var\` |" "$GISTS_SRCDIR/README.md" ||
			fail "README.md's configuration has no row for $var"
	done
	# the lists are read: 14 of the responder, 7 of gists-server at least
	[ "$n" -ge 21 ] || fail "only $n variables found in the code"
}

@test "docs: compose.yaml passes every variable the responder reads" {
	local var n=0
	for var in $("$GISTS_BIN" --help | sed -n '/^read by/q; s/^  \(G[A-Z0-9_]*\) .*/\1/p'); do
		n=$((n + 1))
		grep -q "^      - $var\$" "$GISTS_SRCDIR/compose.yaml" ||
			fail "compose.yaml does not pass $var"
	done
	# PORT is the image's own (8080); the other 13 are the operator's
	[ "$n" -ge 13 ] || fail "only $n variables in gists --help"
}

@test "docs: the link checker finds a missing file, heading or anchor, and takes GitHub's slugs" {
	local d=$BATS_TEST_TMPDIR/site
	mkdir -p "$d/docs"
	cat >"$d/docs/a.md" <<-'EOF'
		# Hits, misses (`make bench`)
		## Redis: a tier
		## Redis: a tier
		<a id="here"></a>
		```
		[not a link](nowhere.md)
		```
	EOF
	cat >"$d/README.md" <<-'EOF'
		[ok](docs/a.md#hits-misses-make-bench) [ok](docs/a.md#redis-a-tier-1)
		[ok](docs/a.md#here) ![ok](docs/a.md) `[code](nowhere.md)`
		[file](docs/b.md) [heading](docs/a.md#redis-a-tier-2)
		[outside](../x.md) [fragment](docs#x)
		[ref]: docs/c.md
	EOF
	run links "$d" "$d/README.md" "$d/docs/a.md"
	assert_failure
	assert_output - <<-'EOF'
		README.md:3: docs/b.md: no such file
		README.md:3: docs/a.md#redis-a-tier-2: no heading #redis-a-tier-2 in docs/a.md
		README.md:4: ../x.md: outside the repository
		README.md:4: docs#x: a fragment into a file that is not Markdown
		README.md:5: docs/c.md: no such file
	EOF
	# and the real pages are read: the checker finds their links
	run links -v "$GISTS_SRCDIR" "${pages[@]}"
	assert_line --regexp '^checked ([4-9][0-9]|[1-9][0-9][0-9]+) links in'
}

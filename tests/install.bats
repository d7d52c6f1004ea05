#!/usr/bin/env bats
# The package lists agree: the README's package step, the Dockerfile's test
# stage and .ci/run install the same things, and every package
# tests/check-deps.sh asks for is in the README's list. (That the list is
# enough is proved by running the README in a clean container; see the
# README's "Without Docker".)

load helpers

# Package names of the apt-get install in the README's "Without Docker" block.
readme_packages() {
	awk '/^Without Docker/ { f = 1 }
		f && /apt-get install/ { p = 1 }
		p { print; if (!/\\$/) exit }' "$GISTS_SRCDIR/README.md" |
		tr ' \\' '\n\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' |
		grep -vx -e apt-get -e install | sort -u
}

# ...of the Dockerfile's test stage.
dockerfile_packages() {
	awk '/^FROM .* AS test/ { f = 1 }
		f && /apt-get install/ { p = 1; next }
		p && /&&/ { exit }
		p { print }' "$GISTS_SRCDIR/Dockerfile" |
		tr ' \\' '\n\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' | sort -u
}

# ...of .ci/run's PACKAGES.
ci_packages() {
	awk '/^PACKAGES=\(/ { p = 1; next } p && /^\)/ { exit } p { print }' \
		"$GISTS_SRCDIR/.ci/run" | tr ' \t' '\n\n' | grep -v '^$' | sort -u
}

@test "install: the lists are read (the parsers find packages)" {
	[ "$(readme_packages | wc -l)" -ge 20 ]
	[ "$(dockerfile_packages | wc -l)" -ge 20 ]
	[ "$(ci_packages | wc -l)" -ge 20 ]
	readme_packages | grep -qx procps
}

@test "install: the test image installs the README's list (and mandoc)" {
	run comm -3 <(readme_packages) <(dockerfile_packages | grep -vx mandoc)
	assert_output ""
}

@test "install: CI installs everything the README lists" {
	run comm -23 <(readme_packages) <(ci_packages)
	assert_output ""
}

# Every package tests/check-deps.sh names: the last word of each
# `need TOOL PACKAGE` and the packages of its notes ("(Debian: ...)").
check_deps_packages() {
	local f=$GISTS_TESTS/check-deps.sh
	{
		grep -oE '(^|[ 	|])need ("[^"]*"|[^ "$]+) [a-z0-9][a-z0-9.+-]+$' "$f" |
			awk '{ print $NF }'
		grep -o '(Debian: [a-z0-9 .+-]*)' "$f" |
			sed 's/(Debian: //; s/)//' | tr ' ' '\n'
	} | sort -u
}

@test "install: every package check-deps.sh names is in the README's list" {
	# the parser finds them all, not just the notes
	[ "$(check_deps_packages | wc -l)" -ge 15 ]
	check_deps_packages | grep -qx coreutils
	check_deps_packages | grep -qx procps
	check_deps_packages | grep -qx redis-tools
	local pkg
	for pkg in $(check_deps_packages); do
		case $pkg in
		podman | podman-compose) ;; # the host's, for container.bats
		*) readme_packages | grep -qx "$pkg" || fail "$pkg" ;;
		esac
	done
}

@test "install: check-deps names a missing tool and its package" {
	local bin=$BATS_TEST_TMPDIR/bin
	mkdir -p "$bin"
	# a PATH with everything but pgrep
	local t
	for t in sh curl timeout tr python3 cat mktemp rm; do
		ln -s "$(command -v "$t")" "$bin/$t"
	done
	run env PATH="$bin" BATS="$(command -v bats)" LIGHTTPD="$LIGHTTPD" \
		PYTHON3="$PYTHON3" sh "$GISTS_TESTS/check-deps.sh" tests/api.bats
	assert_failure
	assert_output "make check needs pgrep (Debian: procps)"
}

@test "install: check-deps names lighttpd's mod_magnet when lighttpd cannot load it" {
	# a lighttpd that loads no module (as one without lighttpd-modules-lua
	# fails on conf/lighttpd.conf)
	local fake=$BATS_TEST_TMPDIR/lighttpd
	printf '#!/bin/sh\necho "(plugin.c.214) dlopen() failed for: mod_magnet.so" >&2\nexit 255\n' >"$fake"
	chmod +x "$fake"
	run env BATS="$(command -v bats)" LIGHTTPD="$fake" PYTHON3="$PYTHON3" \
		sh "$GISTS_TESTS/check-deps.sh" tests/api.bats
	assert_failure
	assert_output "make check needs lighttpd's mod_magnet (Debian: lighttpd-modules-lua)"
	# the real one loads it
	run env BATS="$(command -v bats)" LIGHTTPD="$LIGHTTPD" PYTHON3="$PYTHON3" \
		sh "$GISTS_TESTS/check-deps.sh" tests/api.bats
	assert_success
}

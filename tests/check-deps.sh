#!/bin/sh
# Run by `make check` before any test: name every tool or module the
# selected tests need and this machine lacks, with the Debian package that
# provides it, instead of letting it surface as a failing test.
#   check-deps.sh TEST...    (the TESTS make check is about to run)
# Environment: BATS, LIGHTTPD, PYTHON3 (as configure found them).
set -u

missing=0
need() { # WHAT PACKAGE
	echo "make check needs $1 (Debian: $2)" >&2
	missing=1
}
have() { command -v "$1" >/dev/null 2>&1; }
py_has() { "${PYTHON3:-python3}" -c "import $1" 2>/dev/null; }

bats=0 ops=0 openapi=0 browser=0 container=0 redis=0 varnish=0 alerts=0
for t in "$@"; do
	case $t in
	*.bats) bats=1 ;;
	esac
	case $t in
	*operations.bats) ops=1 ;;
	*openapi.bats) openapi=1 ;;
	*browser.bats) browser=1 ;;
	*container.bats | *fleet.bats) container=1 ;;
	*redis.bats) redis=1 ;;
	*varnish.bats) varnish=1 ;;
	*alerts.bats) alerts=1 ;;
	esac
done
[ "$bats" = 1 ] || exit 0

if [ -z "${BATS:-}" ] || ! have "$BATS"; then
	need bats bats
fi
libs=${BATS_LIB_PATH:-/usr/lib/bats}
for lib in bats-support bats-assert; do
	found=0
	for dir in $(echo "$libs" | tr ':' ' '); do
		[ -f "$dir/$lib/load.bash" ] && found=1
	done
	[ "$found" = 1 ] || need "$lib" "$lib"
done
if [ -z "${LIGHTTPD:-}" ] || ! have "$LIGHTTPD"; then
	need lighttpd lighttpd
elif conf=$(mktemp); then
	# conf/lighttpd.conf loads mod_magnet (conf/errors/no-store.lua)
	printf 'server.modules = ( "mod_magnet" )\nserver.document-root = "/"\nserver.port = 1\n' >"$conf"
	"$LIGHTTPD" -tt -f "$conf" >/dev/null 2>&1 ||
		need "lighttpd's mod_magnet" lighttpd-modules-lua
	rm -f "$conf"
fi
if [ -z "${PYTHON3:-}" ] || ! have "$PYTHON3"; then
	need python3 python3
fi
have curl || need curl curl
# stop_gists and the signal tests find the responder as lighttpd's child
have pgrep || need pgrep procps
have timeout || need timeout coreutils
if [ "$ops" = 1 ] && ! py_has prometheus_client &&
	! /usr/bin/python3 -c 'import prometheus_client' 2>/dev/null; then
	need "python3's prometheus_client" python3-prometheus-client
fi
if [ "$openapi" = 1 ]; then
	py_has jsonschema || need "python3's jsonschema" python3-jsonschema
	py_has yaml || need "python3's yaml" python3-yaml
fi
if [ "$redis" = 1 ]; then
	have redis-server || need redis-server redis-server
	have redis-cli || need redis-cli redis-tools
fi
if [ "$varnish" = 1 ]; then
	have varnishd || [ -x /usr/sbin/varnishd ] || need varnishd varnish
fi
[ "$alerts" = 0 ] || have promtool || need promtool prometheus
[ "$missing" = 0 ] || exit 1

# What will be skipped, and what would run it, said before it happens.
if [ "$browser" = 1 ] && [ -z "${CHROMIUM:-}" ] && ! have chromium &&
	! have chromium-browser; then
	echo "note: browser.bats will skip: no Chromium (Debian: chromium)" >&2
fi
if [ "$container" = 1 ] && [ "${GISTS_CONTAINER_TESTS:-1}" != 0 ] &&
	! have docker && ! have podman; then
	echo "note: container.bats will skip: no container engine" \
		"(Debian: podman podman-compose)" >&2
fi
exit 0

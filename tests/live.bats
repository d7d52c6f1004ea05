#!/usr/bin/env bats
# Opt-in: the real api.github.com, for octocat. Set GISTS_LIVE=1 to run
# it; offline (or without the opt-in) it reports itself skipped.

load helpers

setup_file() {
	if [ "${GISTS_LIVE:-0}" != 1 ]; then
		return 0
	fi
	if ! curl -s -o /dev/null --max-time 5 https://api.github.com/zen; then
		return 0
	fi
	export UPSTREAM=https://api.github.com
	export GISTS_LIVE_READY=1
	start_gists GITHUB_API_URL=https://api.github.com
}

teardown_file() {
	stop_at_teardown stop_gists
}

@test "live: /octocat from the real GitHub" {
	[ "${GISTS_LIVE:-0}" = 1 ] || skip "opt-in: set GISTS_LIVE=1"
	[ "${GISTS_LIVE_READY:-0}" = 1 ] || skip "offline: api.github.com unreachable"
	fetch /octocat
	if [ "$HTTP_STATUS" = 503 ]; then
		skip "GitHub's rate limit for this address is spent"
	fi
	[ "$HTTP_STATUS" = 200 ]
	[ "$(json user)" = octocat ]
	[ "$(json count)" -ge 1 ]
	[ -n "$(json gists 0 id)" ]
	[ "$(header Cache-Control)" = "max-age=60, stale-while-revalidate=300, stale-if-error=3540" ]
}

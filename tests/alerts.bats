#!/usr/bin/env bats
# The alerting rules (conf/prometheus/alerts.yml): valid, their promtool
# unit tests pass (alerts.test.yml), and every gists_ metric they read is
# one the real service exports. Without promtool (Debian: prometheus):
# skipped, and said so.

load helpers

RULES="$GISTS_SRCDIR/conf/prometheus"

setup() {
	command -v promtool >/dev/null ||
		skip "no promtool (Debian: apt-get install prometheus)"
}

@test "alerts.yml is a valid rule file" {
	run promtool check rules "$RULES/alerts.yml"
	assert_success
	assert_output --partial "SUCCESS: 6 rules found"
}

@test "promtool test rules: each alert fires when it should, and only then" {
	run promtool test rules "$RULES/alerts.test.yml"
	assert_success
	assert_output --partial SUCCESS
}

teardown() {
	stop_at_teardown
}

@test "every severity is critical or warning; every alert has a summary and a runbook" {
	local f="$RULES/alerts.yml" alerts
	alerts=$(grep -c '^ *- alert: ' "$f")
	[ "$alerts" = 6 ]
	[ "$(grep -cE '^ *severity: (critical|warning)$' "$f")" = "$alerts" ]
	[ "$(grep -c '^ *summary: "..*"$' "$f")" = "$alerts" ]
	[ "$(grep -c '^ *runbook: "..*"$' "$f")" = "$alerts" ]
}

@test "the metrics the alerts read are the ones the service exports" {
	at_teardown stop_stack
	start_stack
	fetch /octocat
	fetch /-/metrics
	stop_stack
	local name missing=0
	for name in $(grep -o 'gists_[a-z_]*' "$RULES/alerts.yml" | sort -u); do
		grep -q "^# TYPE $name " "$BODY" && continue
		echo "# $name is not exported" >&3
		missing=1
	done
	[ "$missing" = 0 ]
}

#!/bin/sh
# Run each libFuzzer target for FUZZ_SECONDS from its seed corpus (and
# dictionary), and print a table of executions, speed and coverage.
#   run.sh FUZZDIR TARGET...     (make fuzz calls it)
# Exits 1 if any target found a crash, a leak or a timeout; the input that
# did it is kept as work/<target>-crash-*.
set -u
dir=$1
shift
seconds=${FUZZ_SECONDS:-20}
status=0
rows=
for target in "$@"; do
	name=$(basename "$target")
	short=${name#fuzz-}
	work=tests/fuzz/work/$short
	mkdir -p "$work"
	cp "$dir/corpus/$short"/* "$work/" 2>/dev/null
	dict=
	[ -f "$dir/$short.dict" ] && dict="-dict=$dir/$short.dict"
	log=tests/fuzz/work/$short.log
	# shellcheck disable=SC2086
	"$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="tests/fuzz/work/$name-" \
		$dict "$work" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(find "$work" -type f | wc -l)
	if [ "$rc" -eq 0 ]; then
		result=ok
	else
		result="FAILED (exit $rc, see $log)"
		status=1
		grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -n 5
	fi
	rows="$rows| $short | ${runs:-?} | ${speed:-?} | ${cov:-?} | ${ft:-?} | $corp | $result |
"
done
echo "make fuzz FUZZ_SECONDS=$seconds ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
echo
echo "| target | runs | exec/s | cov (edges) | features | corpus | result |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | --- |"
printf '%s' "$rows"
exit "$status"

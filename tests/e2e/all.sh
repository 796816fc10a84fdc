#!/bin/bash
# All end-to-end tests: the raw virtio-blk run (run.sh, every load path), then
# each tests/e2e/suites/*.sh (one per target or feature). Every script prints
# PASS:/FAIL: lines and ends with "N passed, M failed"; this adds them up.
set -uo pipefail
cd "$(dirname "$0")"

passed=0 failed=0 times=()
for t in ./run.sh suites/*.sh; do
	[ -e "$t" ] || continue
	echo "==== $t"
	out=$(mktemp)
	start=$(date +%s)
	bash "$t" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	times+=("$(printf '%5ds  %s' $(($(date +%s) - start)) "$t")")
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	rm -f "$out"
	if [ -z "$line" ]; then
		echo "FAIL: $t printed no summary (exit $rc)"
		failed=$((failed + 1))
		continue
	fi
	passed=$((passed + $(echo "$line" | cut -d' ' -f1)))
	failed=$((failed + $(echo "$line" | cut -d' ' -f3)))
	if [ "$rc" -ne 0 ] && [ "$(echo "$line" | cut -d' ' -f3)" = 0 ]; then
		echo "FAIL: $t exited $rc"
		failed=$((failed + 1))
	fi
done
echo "==== time per script (CI has 90 minutes; make check should stay well under 30)"
printf '%s\n' "${times[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

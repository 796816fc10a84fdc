#!/bin/bash
# Runs the libFuzzer targets (build/fuzz/fuzz_*), one at a time.
#
#   tests/fuzz/run.sh check [TARGET...]   what `make check` runs: every
#       regression input (tests/fuzz/regress/<target>/), then each target for
#       FUZZ_SECONDS (20) from its committed seeds in a scratch corpus, then
#       tests/fuzz/findings.sh (the host tools on every reproducer)
#   tests/fuzz/run.sh long [TARGET...]    each target for FUZZ_SECONDS (600),
#       growing build/fuzz/corpus/<target> from one run to the next
#
# TARGET is a name without fuzz_ (config, ext4, ...); default: all of them.
# A crash, a leak, a timeout (FUZZ_TIMEOUT s per input, 30) or running out
# of memory fails the target; libFuzzer's input is left in
# build/fuzz/artifacts/ (keep it as a regression input once fixed). Prints
# PASS:/FAIL: lines, a table of executions and coverage, and
# "N passed, M failed".
set -uo pipefail

mode=${1:-check}
shift || true
BUILD=${BUILD:-build}
SECONDS_EACH=${FUZZ_SECONDS:-20}
TIMEOUT=${FUZZ_TIMEOUT:-30}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cd "$top" || exit 2

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for f in "$BUILD"/fuzz/fuzz_*; do
		case $f in *.d) continue ;; esac
		targets+=("$(basename "$f" | sed 's/^fuzz_//')")
	done
fi

pass=0 fail=0
table=()
mkdir -p "$BUILD/fuzz/artifacts" "$BUILD/fuzz/logs"
scratch=$(mktemp -d /tmp/dumpling-fuzz-XXXXXX)
trap 'rm -rf "$scratch"' EXIT

ok() { echo "PASS: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# The flags every run shares: quiet targets (libFuzzer still reports), a
# bound on time and memory per input.
common=(-timeout="$TIMEOUT" -rss_limit_mb=2560 -malloc_limit_mb=2560 -close_fd_mask=3)

for t in "${targets[@]}"; do
	bin=$BUILD/fuzz/fuzz_$t
	if [ ! -x "$bin" ]; then
		bad "fuzz_$t: $bin is not built (make fuzzers)"
		continue
	fi

	# Regression inputs: each must run clean.
	if [ -d "$here/regress/$t" ] && [ -n "$(ls -A "$here/regress/$t")" ]; then
		log=$BUILD/fuzz/logs/$t.regress.log
		if "$bin" "${common[@]}" -runs=1 "$here"/regress/"$t"/* >"$log" 2>&1; then
			ok "fuzz_$t replays $(ls "$here/regress/$t" | wc -l) regression inputs"
		else
			bad "fuzz_$t on its regression inputs: see $log"
			grep -E "^==[0-9]+==ERROR|SUMMARY|Running:|ALARM|timeout" "$log" | head -5
		fi
	fi

	# Fuzzing.
	if [ "$mode" = long ]; then
		work=$BUILD/fuzz/corpus/$t
	else
		work=$scratch/$t
	fi
	mkdir -p "$work"
	log=$BUILD/fuzz/logs/$t.log
	"$bin" "${common[@]}" -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
		-artifact_prefix="$BUILD/fuzz/artifacts/$t-" "$work" "$here/corpus/$t" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	table+=("$(printf '%-11s %6ss %12s execs %8s/s  %s' "$t" "$SECONDS_EACH" "${execs:-?}" \
		"${rate:-?}" "${cov:-?}")")
	if [ $rc -eq 0 ]; then
		ok "fuzz_$t: ${execs:-?} executions in ${SECONDS_EACH}s, ${cov:-no coverage line}"
	else
		bad "fuzz_$t (exit $rc): see $log; input in $BUILD/fuzz/artifacts/$t-*"
		grep -E "^==[0-9]+==ERROR|SUMMARY|ALARM|Test unit written" "$log" | head -5
	fi
done

# The reproducers of issue 15 through the host tools themselves.
if [ "$mode" = check ] && [ $# -eq 0 ]; then
	out=$("$here/findings.sh" 2>&1)
	echo "$out" | grep -E '^(PASS|FAIL):'
	p=$(echo "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
	f=$(echo "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
	pass=$((pass + ${p:-0}))
	fail=$((fail + ${f:-1}))
fi

echo "---- fuzzing: target, time, executions, rate, coverage ----"
printf '%s\n' "${table[@]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/bin/bash
# The reproducers of issue 15's first fuzzing pass (tests/fuzz/findings/,
# README.orig.md says what each did) through the host tools, built with ASan
# and UBSan (build/fuzz/san/), and the configs through the loader: every one
# must end in bounded time with a clear result, and the ones with a known
# right answer must give it. Prints PASS:/FAIL: lines and "N passed, M failed".
set -uo pipefail

BUILD=${BUILD:-build}
here=$(cd "$(dirname "$0")" && pwd)
F=$here/findings
collect=$BUILD/fuzz/san/dumpling-collect
extract=$BUILD/fuzz/san/dumpling-extract
loader=$BUILD/dumpling
LIMIT=${FINDINGS_LIMIT:-60}	# seconds per run: the hangs took hours
pass=0 fail=0
# The tools exit with their buffers allocated: not a leak worth a failure.
export ASAN_OPTIONS=detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}
tmp=$(mktemp -d /tmp/dumpling-findings-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

check() {	# check DESCRIPTION COMMAND...: the command succeeds
	local what=$1
	shift
	if "$@"; then
		echo "PASS: $what"
		pass=$((pass + 1))
	else
		echo "FAIL: $what"
		fail=$((fail + 1))
	fi
}

# run NAME CMD...: runs with a time limit; $rc, $out (stdout+stderr) after.
run() {
	local name=$1
	shift
	timeout "$LIMIT" "$@" >"$tmp/$name.out" 2>&1
	rc=$?
	out=$(cat "$tmp/$name.out")
}

clean() {	# no sanitizer report, no timeout, exit 0, 1 or 3 (incomplete), a message on 1
	[ "$rc" -ne 124 ] || { echo "  timed out after ${LIMIT}s"; return 1; }
	! grep -qE 'AddressSanitizer|runtime error|LeakSanitizer' <<<"$out" ||
		{ grep -E 'ERROR|runtime error' <<<"$out" | head -3; return 1; }
	[ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || { [ "$rc" -eq 1 ] && grep -q 'dumpling' <<<"$out"; } ||
		{ echo "  exit $rc: $out" | head -3; return 1; }
}

for t in "$collect" "$extract" "$loader"; do
	[ -x "$t" ] || { echo "FAIL: $t is not built (make fuzzers)"; echo "0 passed, 1 failed"; exit 1; }
done

# Every reproducer through every reader: bounded, clean, and a reason on failure.
for f in "$F"/*; do
	name=$(basename "$f")
	case $name in *.md) continue ;; esac
	if [[ $name == *.conf ]]; then
		run "$name" "$loader" cmdline -c "$f"
		check "$name: the loader refuses it, naming the line" \
			bash -c '[ '"$rc"' -eq 1 ] && grep -qE "'"$name"':[0-9]+: " "'"$tmp/$name.out"'"'
		continue
	fi
	for mode in "-d 31 -z" "-d 31 -E"; do
		run "$name-collect" "$collect" $mode "$f" "$tmp/out"
		check "$name: dumpling-collect $mode ends cleanly in ${LIMIT}s (exit $rc)" clean
	done
	run "$name-dmesg" "$extract" --dmesg "$tmp/dmesg.txt" "$f"
	check "$name: dumpling-extract --dmesg ends cleanly (exit $rc)" clean
	cp "$f" "$tmp/src"
	rm -rf "$tmp/dir"
	run "$name-todir" "$extract" --to-dir "$tmp/dir" "$tmp/src"
	check "$name: dumpling-extract --to-dir ends cleanly (exit $rc)" clean
	check "$name: --to-dir leaves no .tmp file behind" \
		bash -c '! find "'"$tmp/dir"'" -name "*.tmp" 2>/dev/null | grep -q .'
done

# What the right answers are.
run memsz "$collect" -d 31 -z "$F/elf_load1_memsz_2p48" "$tmp/out"
check "p_memsz 2^48 in a 92 KB file is refused as a corrupt header" \
	bash -c '[ '"$rc"' -eq 1 ] && grep -q "claim .* MiB of RAM, but the input holds only" "'"$tmp/memsz.out"'"'
run memsz2 "$collect" -d 31 -E "$F/timeout-memsz-48TiB-5KB-input" "$tmp/out"
check "a segment past the end of a 5 KB file is refused" \
	bash -c '[ '"$rc"' -eq 1 ] && grep -q "run past the end of the input" "'"$tmp/memsz2.out"'"'
run sig "$collect" -d 31 -z "$F/asan-stack-overflow-sig-memcmp.elf" "$tmp/out"
check "an ELF vmcore is dumped (the signature check reads in bounds)" \
	bash -c '[ '"$rc"' -eq 0 ] && [ -s "'"$tmp/out"'" ]'
run flat "$collect" "$F/flat-not-recognised.flat" "$tmp/out"
check "a flattened file is recognised as one" \
	bash -c '[ '"$rc"' -eq 1 ] && grep -q "is a flattened dump" "'"$tmp/flat.out"'"'
run cb "$extract" --dmesg "$tmp/d.txt" "$F/elf_printk_count_bits_31"
check "printk count_bits 31 is refused at once" \
	bash -c '[ '"$rc"' -eq 1 ] && grep -q "count_bits 31" "'"$tmp/cb.out"'"'
cp "$F/todir-dmesg-hang-count_bits_31.elf" "$tmp/src"
rm -rf "$tmp/dir"
run todir "$extract" --to-dir "$tmp/dir" "$tmp/src"
check "--to-dir saves the vmcore despite the bad log, and clears the header" \
	bash -c '[ '"$rc"' -eq 0 ] && ls "'"$tmp"'"/dir/*/vmcore >/dev/null && '"$extract"' --to-dir "'"$tmp/dir"'" "'"$tmp/src"'" | grep -q "nothing to extract"'
cp "$F/todir-timestamp-huge.kdump" "$tmp/src"
rm -rf "$tmp/dir"
run ts "$extract" --to-dir "$tmp/dir" "$tmp/src"
check "a timestamp of 2^62 is named by the current time, and the dump saved" \
	bash -c '[ '"$rc"' -eq 0 ] && ls "'"$tmp"'"/dir/*/vmcore >/dev/null && grep -q "is not a date" "'"$tmp/ts.out"'"'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

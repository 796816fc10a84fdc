#!/bin/bash
# check-unit must build from the repository and Debian's installed libraries
# alone: nothing it makes may need the third-party sources (lwIP, zstd) that
# the image build fetches with apt-get source. `make -n -B` lists every
# command the target would run from scratch; none may fetch or read
# third_party/. The image's checks (check-image) do need them, which shows
# the listing would see a fetch if one crept in.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
check() {	# NAME COMMAND...
	if "${@:2}"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1"; fi
}

# A build directory of its own, so the listing starts from nothing; -B makes
# every target out of date, fetched stamps included.
plan() {
	env -u MAKEFLAGS -u MFLAGS make -s -n -B -C "$here" BUILD="$tmp/build" "$1" >"$tmp/$1.txt" 2>&1
}
uses_sources() { grep -q 'fetch-source\|apt-get source\|third_party/' "$tmp/$1.txt"; }

check "make -n check-unit lists its commands" plan check-unit
check "check-unit builds unit tests" grep -q "tests/unit/test_arena.c" "$tmp/check-unit.txt"
check "check-unit builds the loader's library" grep -q "libloader-san.a" "$tmp/check-unit.txt"
check "check-unit neither fetches nor reads third_party/" eval '! uses_sources check-unit'
if uses_sources check-unit; then
	grep -n 'fetch-source\|apt-get source\|third_party/' "$tmp/check-unit.txt" | head -5
fi
check "make -n check-image lists its commands" plan check-image
check "check-image fetches the image's sources (the listing sees fetches)" uses_sources check-image

echo "unit_deps: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

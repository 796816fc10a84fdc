#!/bin/bash
# The capture image writes dumps and never reads one: no dump reader and no
# decompressor may be linked into it (the Makefile's HOST_ONLY_SRC). The host
# tools, on the other hand, must have them.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$here/build}
passed=0 failed=0
check() {	# NAME COMMAND...
	if "${@:2}"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1"; fi
}
has() {	# FILE SYMBOL
	nm "$1" 2>/dev/null | awk '{print $NF}' | grep -qx "$2"
}

for sym in kdump_reader_open kdump_measure elfcore_measure compress_page_inflate ZSTD_decompress \
	ZSTD_createDCtx; do
	check "the image does not link $sym" bash -c "! nm '$build/dumpling.elf' | awk '{print \$NF}' | grep -qx '$sym'"
done
check "the image still links the kdump writer" has "$build/dumpling.elf" kdump_write
check "dumpling-extract links the kdump reader" has "$build/dumpling-extract" kdump_reader_open
check "dumpling-collect links the kdump reader" has "$build/dumpling-collect" kdump_reader_open
check "dumpling-extract links the ELF measure" has "$build/dumpling-extract" elfcore_measure
echo "test_image_readers: $passed passed, $failed failed"
[ "$failed" = 0 ]

#!/bin/bash
# dumpling estimate against the kernel: for each guest, the smallest
# crashkernel= (in MiB) that kexec_file_load really accepts for the image is
# found in the guest (tests/e2e/estimate-search.sh), and the estimate must be
# enough (the image loads at it) and within 1 MiB of that smallest size.
# Guests: 1 GB and 4 GB, Debian's 6.1 and 6.12 (crash hotplug: a ~1 MB
# elfcorehdr). One boot each; no dump is written. Without E2E_FULL=1 only
# the 6.12 1 GB guest.
set -uo pipefail

E2E_OUT=${E2E_OUT:-$(cd "$(dirname "$0")/.." && pwd)/out/estimate}
E2E_CRASHKERNEL=32M
E2E_PREPANIC=$(cd "$(dirname "$0")/.." && pwd)/estimate-search.sh
. "$(dirname "$0")/../lib.sh"

# EST SMALLEST (KiB): the estimate is enough and less than 1 MiB more than needed.
within_one() {	# KiB KiB
	[ -n "$1" ] && [ -n "$2" ] && [ "$1" -ge "$2" ] && [ $(($1 - $2)) -lt 1024 ]
}

# run_search NAME: one boot at E2E_MEM with E2E_KERNEL_PKG.
run_search() {
	local name=$1 out=$E2E_OUT/$1 est smallest
	if ! e2e_kernel || ! e2e_initramfs yes; then
		fail "$name: kernel or initramfs"
		return
	fi
	e2e_boot kexec-s "$out"
	check "$name: the search ran to its end" grep -aq '^DTEST: search done' "$out/serial.log"
	if ! grep -aq '^DTEST: search done' "$out/serial.log"; then
		echo "---- $name: last lines of $out/serial.ts"
		tail -n 40 "$out/serial.ts"
		echo "----"
	fi
	grep -a '^DTEST: FAIL' "$out/serial.log" | sed "s/^/$name: /"
	est=$(sed -n 's/^DTEST: estimate \([0-9]*\)M.*/\1/p' "$out/serial.log" | head -n 1)
	total=$(sed -n 's/^DTEST: estimate: total: *\([0-9]*\) KiB.*/\1/p' "$out/serial.log" | head -n 1)
	smallest=$(sed -n 's/^DTEST: loads at \([0-9]*\)K.*/\1/p' "$out/serial.log" | tail -n 1)
	note "$name: $KERNEL_RELEASE, $E2E_MEM: estimate ${est:-?}M (${total:-?} KiB), smallest that loads ${smallest:-?} KiB"
	grep -a '^DTEST: estimate: \(elfcorehdr\|total\)' "$out/serial.log" | sed "s/^DTEST: /$name: /"
	check "$name: the image loads at the estimate (crashkernel=${est:-?}M)" \
		grep -aq "^DTEST: loads at $((${est:-0} * 1024))K" "$out/serial.log"
	check "$name: a load fails less than 1 MiB below it (the search found the limit)" \
		grep -aq '^DTEST: does not load at' "$out/serial.log"
	check "$name: estimate within 1 MiB of the smallest that loads (${smallest:-?} KiB)" \
		within_one "$((${est:-0} * 1024))" "$smallest"
}

mkdir -p "$E2E_OUT"
# One boot takes 1-2 minutes under TCG on a busy machine: make check runs
# the 6.12 1 GB guest (crash hotplug's ~1 MB elfcorehdr), E2E_FULL=1 all four.
E2E_MEM=1G E2E_KERNEL_PKG=${E2E_KERNEL_PKG_612:-linux-image-6.12-cloud-amd64} run_search linux612-1G
if [ -n "${E2E_FULL:-}" ]; then
	E2E_MEM=4G E2E_KERNEL_PKG=${E2E_KERNEL_PKG_612:-linux-image-6.12-cloud-amd64} run_search linux612-4G
	E2E_MEM=1G run_search linux61-1G
	E2E_MEM=4G run_search linux61-4G
fi
e2e_summary

#!/bin/bash
# `make demo`: boot a Debian kernel in QEMU, `dumpling load`, panic it, read the
# dump back from the disk and show what crash sees in it.
#   E2E_ECHO=1 tests/e2e/demo.sh   also shows the serial console live
set -uo pipefail

. "$(dirname "$0")/lib.sh"
export E2E_KEEP_DISK=1	# keep the dump for a look afterwards

mode=${DEMO_MODE:-dumpling}
e2e_kernel || { echo "demo: cannot fetch the kernel" >&2; exit 1; }
e2e_initramfs yes || { echo "demo: cannot build the initramfs" >&2; exit 1; }
e2e_run_mode "$mode"
out=$E2E_OUT/$mode

section() { printf '\n==== %s\n' "$*"; }
section "serial console: the capture image"
panic=$(e2e_when "$out" 'sysrq: Trigger a crash')
capture=$(e2e_when "$out" "$E2E_CAPTURE_RE" "${panic:-0}")
if [ -n "$panic" ] && [ -n "$capture" ]; then
	awk -v c="$capture" '$1 + 0 >= c + 0' "$out/serial.ts" | head -n 60
else
	echo "(no capture image output; the last lines were:)"
	tail -n 30 "$out/serial.ts"
fi
section "crash> sys"
cat "$out/crash-sys.txt" 2>/dev/null
section "crash> bt"
cat "$out/crash-bt.txt" 2>/dev/null
section "crash> log (from the sysrq line, last 40 lines at most)"
awk '/sysrq: Trigger a crash/ { on = 1 } on' "$out/crash-log.txt" 2>/dev/null | head -n 40
section "timing (seconds)"
cat "$out/timing.txt"
section "files"
echo "serial log: $out/serial.log"
echo "dump:       $out/vmcore (crash $KERNEL_VMLINUX $out/vmcore)"
echo
e2e_summary

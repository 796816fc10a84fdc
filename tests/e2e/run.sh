#!/bin/bash
# End-to-end test: boot a Debian kernel in QEMU, load the capture image, panic
# it, and check the dump with crash. `make check-e2e` runs it.
#
#   tests/e2e/run.sh [MODE...]
# Modes (default: dumpling dumpling-legacy kexec-s kexec):
#   dumpling  `dumpling load`                    (the loader picks the syscall)
#   dumpling-legacy  `dumpling load --legacy`     (kexec_load, our own elfcorehdr)
#   kexec-s   kexec -s -p dumpling.img            (kexec_file_load)
#   kexec     kexec -p dumpling.img               (kexec_load)
#   linux     Linux's own kdump, as a reference for the checks and the timing
#   probe     harness self-test: modules, disk, crash reservation; no panic
# Settings are environment variables, see lib.sh. Results go to
# tests/e2e/out/<mode>/ (serial.log, serial.ts, timing.txt, crash-*.txt).
set -uo pipefail

. "$(dirname "$0")/lib.sh"

modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(dumpling dumpling-legacy kexec-s kexec)

need_dumpling=no
for m in "${modes[@]}"; do
	case $m in
	dumpling|dumpling-legacy|kexec-s|kexec) need_dumpling=yes ;;
	linux|probe) ;;
	*) echo "run.sh: unknown mode $m" >&2; exit 2 ;;
	esac
done

mkdir -p "$E2E_OUT"
if ! e2e_kernel; then
	fail "fetch kernel $E2E_KERNEL_PKG"
	e2e_summary
	exit 1
fi
note "kernel $KERNEL_RELEASE, modules: $(tr '\n' ' ' <"$KERNEL_LOAD_ORDER")"
if ! e2e_initramfs "$need_dumpling"; then
	fail "build the initramfs"
	e2e_summary
	exit 1
fi

for m in "${modes[@]}"; do
	if [ "$m" = probe ]; then e2e_run_probe; else e2e_run_mode "$m"; fi
done

echo "---- timing (seconds) ----"
for m in "${modes[@]}"; do
	[ -f "$E2E_OUT/$m/timing.txt" ] && echo "$m: $(grep -v '^mode=' "$E2E_OUT/$m/timing.txt" | tr '\n' ' ')"
done
e2e_summary

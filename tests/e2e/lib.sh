#!/bin/bash
# Shared pieces of the end-to-end harness: settings, PASS/FAIL bookkeeping,
# building the initramfs, booting QEMU with timing, and checking a dump with
# crash. Sourced by run.sh and demo.sh.
#
# Settings (environment):
#   E2E_KERNEL_PKG     Debian kernel package (linux-image-cloud-amd64)
#   E2E_MEM            guest memory (1G)
#   E2E_SMP            guest CPUs (2)
#   E2E_CRASHKERNEL    crashkernel= for dumpling modes (16M)
#   E2E_LINUX_CRASHKERNEL  crashkernel= for the Linux kdump reference (256M)
#   E2E_DISK_BUS       virtio | nvme (virtio)
#   E2E_DISK_SIZE      sparse raw disk size (2G)
#   E2E_TIMEOUT        seconds before a QEMU run counts as hung (600)
#   E2E_INIT_WITHIN    seconds the guest kernel has to start the test's init (240)
#   E2E_BOOT_TRIES     boots when the guest kernel never starts init (2)
#   E2E_APPEND         extra words for the production kernel command line
#   E2E_CONF_EXTRA     extra lines for /etc/dumpling.conf
#   E2E_CAPTURE_RE     extended regex (case-insensitive) of the capture image's
#                      first line, looked for after the panic line
#   E2E_CAPTURE_DONE_RE  ... of its line saying the dump was written
#   E2E_CAPTURE_BAD_RE   ... of lines that must not appear after the panic
#   E2E_ECHO=1         also show the serial console while QEMU runs
#   E2E_CONF_TARGET    the target line of /etc/dumpling.conf (raw $E2E_GUEST_DISK)
#   E2E_QEMU_EXTRA     extra QEMU arguments, e.g. a network card
#   E2E_CONSOLE        the production kernel's console= words (console=ttyS0)
#   E2E_DISPLAY        QEMU's display arguments (-nographic); with anything else
#                      name the serial ports and monitor in E2E_QEMU_EXTRA
#   E2E_DISK_TEMPLATE  a disk image to start each boot from (a copy), instead
#                      of an empty E2E_DISK_SIZE disk
#   E2E_NVME_OPTS      appended to the nvme device, e.g. ,logical_block_size=4096
#   E2E_PREPANIC       a shell script the guest runs after loading, just before
#                      the panic (/etc/dtest-prepanic in the initramfs)
#   E2E_IR_BINS        extra host programs for the initramfs (with their libraries)
#   E2E_IR_FILES       extra host files for the initramfs, HOSTPATH:GUESTPATH ...
#   E2E_DRIVE_PREFIX   put before the disk's file name, e.g. blkdebug:RULES:
#   E2E_DRIVE_OPTS     appended to the disk's -drive, e.g. ,throttling.bps-total=N

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$E2E_DIR/../.." && pwd)
DUMPLING_CACHE=${DUMPLING_CACHE:-/var/cache/dumpling}
E2E_CACHE=${E2E_CACHE:-$DUMPLING_CACHE/e2e}
E2E_OUT=${E2E_OUT:-$E2E_DIR/out}
BUILD=${BUILD:-$REPO/build}

E2E_KERNEL_PKG=${E2E_KERNEL_PKG:-linux-image-cloud-amd64}
E2E_MEM=${E2E_MEM:-1G}
E2E_SMP=${E2E_SMP:-2}
E2E_CRASHKERNEL=${E2E_CRASHKERNEL:-16M}
E2E_LINUX_CRASHKERNEL=${E2E_LINUX_CRASHKERNEL:-256M}
E2E_DISK_BUS=${E2E_DISK_BUS:-virtio}
E2E_DISK_SIZE=${E2E_DISK_SIZE:-2G}
E2E_TIMEOUT=${E2E_TIMEOUT:-600}
E2E_INIT_WITHIN=${E2E_INIT_WITHIN:-240}
E2E_APPEND=${E2E_APPEND:-}
E2E_CONF_EXTRA=${E2E_CONF_EXTRA:-}
E2E_CAPTURE_RE=${E2E_CAPTURE_RE:-dumpling .*capture image}
E2E_CAPTURE_DONE_RE=${E2E_CAPTURE_DONE_RE:-dumped [0-9]+ pages}
E2E_CAPTURE_BAD_RE=${E2E_CAPTURE_BAD_RE:-dump is incomplete|dump failed|fatal: cpu exception}
E2E_ECHO=${E2E_ECHO:-}
E2E_QEMU_EXTRA=${E2E_QEMU_EXTRA:-}
E2E_CONSOLE=${E2E_CONSOLE:-console=ttyS0}
E2E_DISPLAY=${E2E_DISPLAY:--nographic}

case $E2E_DISK_BUS in
virtio)	E2E_GUEST_DISK=/dev/vda
	E2E_DISK_DEVICE="-device virtio-blk-pci,drive=d0" ;;
nvme)	E2E_GUEST_DISK=/dev/nvme0n1
	E2E_DISK_DEVICE="-device nvme,serial=dumpling0,drive=d0${E2E_NVME_OPTS:-}" ;;
*)	echo "e2e: unknown E2E_DISK_BUS=$E2E_DISK_BUS" >&2; exit 2 ;;
esac

# shellcheck source=kernel.sh
. "$E2E_DIR/kernel.sh"
# shellcheck source=initramfs.sh
. "$E2E_DIR/initramfs.sh"

# ---- bookkeeping ----------------------------------------------------------
E2E_PASSED=0
E2E_FAILED=0

pass() { E2E_PASSED=$((E2E_PASSED + 1)); echo "PASS: $*"; }
fail() { E2E_FAILED=$((E2E_FAILED + 1)); echo "FAIL: $*"; }
# check NAME COMMAND...: PASS if COMMAND succeeds.
check() {
	local name=$1; shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}
note() { echo "e2e: $*"; }

e2e_summary() {
	echo "$E2E_PASSED passed, $E2E_FAILED failed"
	[ "$E2E_FAILED" -eq 0 ]
}

# ---- kernel and initramfs -----------------------------------------------------
e2e_kernel() {
	KERNEL_MODULES=${KERNEL_MODULES:-}
	case $E2E_DISK_BUS in
	virtio) KERNEL_MODULES="$KERNEL_MODULES virtio virtio_ring virtio_pci virtio_pci_modern_dev virtio_pci_legacy_dev virtio_blk" ;;
	nvme)   KERNEL_MODULES="$KERNEL_MODULES nvme" ;;
	esac
	kernel_fetch "$E2E_KERNEL_PKG"
}

# e2e_initramfs NEED_DUMPLING: builds $E2E_OUT/initramfs/base.cpio.gz, and
# linux.cpio.gz (base + the kernel and base as its kdump initrd).
e2e_initramfs() {
	local need_dumpling=$1 dir=$E2E_OUT/initramfs/root x
	mkdir -p "$E2E_OUT/initramfs"
	ir_new "$dir" || return 1
	ir_add_modules "$dir" "$KERNEL_MODDIR" "$KERNEL_LOAD_ORDER" || return 1
	ir_add_bin "$dir" /usr/sbin/kexec /sbin/kexec || return 1
	ir_add_bin "$dir" /usr/bin/makedumpfile /usr/bin/makedumpfile || return 1
	for x in ${E2E_IR_BINS:-}; do
		ir_add_bin "$dir" "$(command -v "$x")" "/usr/sbin/$x" || return 1
	done
	for x in ${E2E_IR_FILES:-}; do
		ir_add_file "$dir" "${x%%:*}" "${x#*:}" || return 1
	done
	if [ -n "${E2E_PREPANIC:-}" ]; then
		install -m 0755 "$E2E_PREPANIC" "$dir/etc/dtest-prepanic" || return 1
	fi
	{
		echo "${E2E_CONF_TARGET:-raw $E2E_GUEST_DISK}"
		[ -z "$E2E_CONF_EXTRA" ] || printf '%s\n' "$E2E_CONF_EXTRA"
	} >"$dir/etc/dumpling.conf"
	if [ "$need_dumpling" = yes ]; then
		for x in dumpling dumpling.img; do
			[ -s "$BUILD/$x" ] || { echo "e2e: no $BUILD/$x (run make)" >&2; return 1; }
		done
		if ldd "$BUILD/dumpling" >/dev/null 2>&1; then
			echo "e2e: $BUILD/dumpling must be static" >&2
			return 1
		fi
		ir_add_file "$dir" "$BUILD/dumpling" /usr/sbin/dumpling
		ir_add_file "$dir" "$BUILD/dumpling.img" /usr/lib/dumpling/dumpling.img
	fi
	ir_pack "$dir" "$E2E_OUT/initramfs/base.cpio.gz" || return 1

	# The Linux kdump reference carries a kernel and its own initrd.
	local ext=$E2E_OUT/initramfs/linux-extra
	rm -rf "$ext" && mkdir -p "$ext/boot"
	cp "$KERNEL_VMLINUZ" "$ext/boot/vmlinuz"
	cp "$E2E_OUT/initramfs/base.cpio.gz" "$ext/boot/initrd.gz"
	ir_pack "$ext" "$E2E_OUT/initramfs/linux-extra.cpio.gz" || return 1
	cat "$E2E_OUT/initramfs/base.cpio.gz" "$E2E_OUT/initramfs/linux-extra.cpio.gz" \
		>"$E2E_OUT/initramfs/linux.cpio.gz"
	rm -rf "$ext"
}

# ---- one QEMU boot ----------------------------------------------------------------
# e2e_boot MODE OUTDIR: boots the production kernel with dtest=MODE on a fresh
# disk. Leaves OUTDIR/{disk.img,serial.log,serial.ts,qemu.rc,timing.txt}.
#
# Under TCG a guest kernel very rarely hangs or dies while it boots, before
# the test's init starts (seen twice in ~200 boots: stuck probing PCI, and a
# reboot within seconds). Nothing of dumpling has run by then, so such a boot
# says nothing about dumpling: it is stopped after E2E_INIT_WITHIN seconds
# and booted once more (E2E_BOOT_TRIES, 2), with the first try's logs kept in
# OUTDIR.tryN. Anything after init starts is never retried.
e2e_boot() {
	local mode=$1 out=$2 try=1 tries=${E2E_BOOT_TRIES:-2}
	rm -rf "$out".try*
	while :; do
		e2e_boot_once "$mode" "$out"
		grep -aq '^DTEST: init ' "$out/serial.log" && return 0
		echo "---- $mode: the guest kernel did not reach the test's init (try $try of $tries, QEMU status $(cat "$out/qemu.rc")${E2E_STALLED:+, $E2E_STALLED}); last lines of $out/serial.ts"
		tail -n 15 "$out/serial.ts"
		echo "----"
		[ "$try" -lt "$tries" ] || return 0
		rm -rf "$out.try$try" && mv "$out" "$out.try$try" && rm -f "$out.try$try/disk.img"
		try=$((try + 1))
	done
}

e2e_boot_once() {
	local mode=$1 out=$2 initrd=$E2E_OUT/initramfs/base.cpio.gz ck=$E2E_CRASHKERNEL
	local start end rc
	if [ "$mode" = linux ]; then
		initrd=$E2E_OUT/initramfs/linux.cpio.gz
		ck=$E2E_LINUX_CRASHKERNEL
	fi
	rm -rf "$out" && mkdir -p "$out"
	if [ -n "${E2E_DISK_TEMPLATE:-}" ]; then
		cp --sparse=always "$E2E_DISK_TEMPLATE" "$out/disk.img"
	else
		truncate -s "$E2E_DISK_SIZE" "$out/disk.img"
	fi
	local cmd=(timeout -k 10 "$E2E_TIMEOUT" qemu-system-x86_64
		-accel tcg -cpu max -m "$E2E_MEM" -smp "$E2E_SMP"
		$E2E_DISPLAY -no-reboot -pidfile "$out/qemu.pid"
		-kernel "$KERNEL_VMLINUZ" -initrd "$initrd"
		-append "$E2E_CONSOLE crashkernel=$ck panic=-1 dtest=$mode dtest.disk=$E2E_GUEST_DISK $E2E_APPEND"
		-drive "file=${E2E_DRIVE_PREFIX:-}$out/disk.img,if=none,id=d0,format=raw${E2E_DRIVE_OPTS:-}")
	local dev
	read -ra dev <<<"$E2E_DISK_DEVICE $E2E_QEMU_EXTRA"
	cmd+=("${dev[@]}")
	printf '%q ' "${cmd[@]}" >"$out/qemu.cmd"; echo >>"$out/qemu.cmd"
	note "booting mode=$mode (log: $out/serial.log)"
	start=$(date +%s.%N)
	"${cmd[@]}" </dev/null 2>&1 |
		python3 "$E2E_DIR/tslog.py" "$start" "$out/serial.log" "$out/serial.ts" ${E2E_ECHO:+--echo} \
			--expect "$E2E_INIT_WITHIN" "DTEST: init " "$out/qemu.pid" "$out/stalled"
	rc=${PIPESTATUS[0]}
	end=$(date +%s.%N)
	E2E_STALLED=
	if [ -e "$out/stalled" ]; then
		E2E_STALLED="stopped: $(cat "$out/stalled")"
		rc=124
	fi
	echo "$rc" >"$out/qemu.rc"
	e2e_timing "$out" "$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }')" "$mode"
	return 0
}

# Seconds (from QEMU start) of the first stamped serial line matching ERE $2
# at or after second $3; empty if none.
e2e_when() {
	awk -v re="$2" -v after="${3:-0}" '{ t = $1; line = $0; sub(/^ *[0-9.]+ /, "", line) }
		t + 0 >= after + 0 && tolower(line) ~ tolower(re) { print t; exit }' "$1/serial.ts"
}

e2e_timing() {
	local out=$1 total=$2 mode=$3 panic capture='' fin='' loaded
	loaded=$(e2e_when "$out" '^DTEST: panic now')
	panic=$(e2e_when "$out" 'sysrq: Trigger a crash')
	if [ -n "$panic" ]; then
		capture=$(e2e_when "$out" "$(e2e_capture_re "$mode")" "$panic")
		fin=$(e2e_when "$out" "$(e2e_capture_re "$mode" end)" "$panic")
	fi
	{
		echo "mode=$mode"
		echo "qemu_total_s=$total"
		echo "boot_to_loaded_s=${loaded:-none}"
		echo "boot_to_panic_s=${panic:-none}"
		if [ -n "$panic" ]; then
			echo "panic_to_capture_start_s=$(e2e_sub "$capture" "$panic")"
			echo "panic_to_capture_done_s=$(e2e_sub "$fin" "$panic")"
			echo "panic_to_qemu_exit_s=$(e2e_sub "$total" "$panic")"
		fi
	} >"$out/timing.txt"
}

e2e_sub() {
	[ -n "$1" ] && [ -n "$2" ] || { echo none; return; }
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'
}

# The capture side's first line for a mode, or with "end" its last one.
e2e_capture_re() {
	case $1:${2:-} in
	linux:)     echo '^DTEST: capture kernel up' ;;
	linux:end)  echo '^DTEST: capture done' ;;
	*:end)      echo "$E2E_CAPTURE_DONE_RE" ;;
	*)          echo "$E2E_CAPTURE_RE" ;;
	esac
}

# e2e_check_runlog NAME FILE: dumpling.log, the capture image's own console
# log saved beside the dump, runs from its banner to the dump's summary.
e2e_check_runlog() {
	check "$1: dumpling.log beside the dump, from the banner to the summary" \
		sh -c "grep -aqE '$E2E_CAPTURE_RE' '$2' && grep -aqE '$E2E_CAPTURE_DONE_RE' '$2'"
}

# e2e_check_boot MODE OUTDIR: assertions on one boot's serial log.
e2e_check_boot() {
	local mode=$1 out=$2 rc panic after='' fin='' bad='' failed_before=$E2E_FAILED
	rc=$(cat "$out/qemu.rc")
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		fail "$mode: QEMU exited by itself (hung; killed after ${E2E_TIMEOUT}s)"
	else
		check "$mode: QEMU exited by itself (status $rc)" [ "$rc" = 0 ]
	fi
	grep -a '^DTEST: FAIL' "$out/serial.log" | sed "s/^/$mode: guest: /"
	check "$mode: disk appeared in the guest" grep -aq '^DTEST: disk .* ready' "$out/serial.log"
	check "$mode: crash kernel loaded (kexec_crash_loaded=1)" grep -aq '^DTEST: loaded=1' "$out/serial.log"
	check "$mode: sysrq panic happened" grep -aq 'sysrq: Trigger a crash' "$out/serial.log"
	# From the init's mark just before `echo c` when it is there: the
	# kernel's own panic lines need not reach the serial port (a CPU
	# stopped while holding the console), and the image replays them later.
	panic=$(e2e_when "$out" '^DTEST: panic now')
	[ -n "$panic" ] || panic=$(e2e_when "$out" 'sysrq: Trigger a crash')
	if [ -n "$panic" ]; then
		after=$(e2e_when "$out" "$(e2e_capture_re "$mode")" "$panic")
		fin=$(e2e_when "$out" "$(e2e_capture_re "$mode" end)" "$panic")
	fi
	check "$mode: capture side started after the panic (/$(e2e_capture_re "$mode")/)" [ -n "$after" ]
	check "$mode: capture side finished (/$(e2e_capture_re "$mode" end)/)" [ -n "$fin" ]
	bad="no panic"	# without a panic there is nothing to vouch for
	[ -z "$panic" ] || bad=$(e2e_when "$out" "$E2E_CAPTURE_BAD_RE" "$panic")
	check "$mode: capture side reported no trouble (no /$E2E_CAPTURE_BAD_RE/)" [ -z "$bad" ]
	if [ "$E2E_FAILED" -ne "$failed_before" ]; then
		echo "---- $mode: last lines of $out/serial.ts"
		tail -n 40 "$out/serial.ts"
		echo "----"
	fi
}

# ---- whole runs ---------------------------------------------------------------------
e2e_run_probe() {
	local out=$E2E_OUT/probe
	e2e_boot probe "$out"
	check "probe: QEMU exited by itself" [ "$(cat "$out/qemu.rc")" = 0 ]
	check "probe: modules loaded, disk appeared" grep -aq '^DTEST: disk .* ready' "$out/serial.log"
	check "probe: crash reservation present" grep -aqi '^DTEST: reservation: .*crash kernel' "$out/serial.log"
	check "probe: init finished" grep -aq '^DTEST: probe done' "$out/serial.log"
}

# e2e_run_mode MODE: boot, panic, extract the dump, check it with crash.
e2e_run_mode() {
	local mode=$1 out=$E2E_OUT/$1 vmcore
	e2e_boot "$mode" "$out"
	e2e_check_boot "$mode" "$out"
	note "$mode: $(tr '\n' ' ' <"$out/timing.txt")"

	if [ "$mode" = linux ]; then
		# makedumpfile wrote its kdump-compressed file straight onto the disk.
		vmcore=$out/disk.img
	else
		vmcore=$out/vmcore
		"$BUILD/dumpling-extract" "$out/disk.img" "$vmcore" >"$out/extract.log" 2>&1
		local rc=$?
		sed "s/^/$mode: extract: /" "$out/extract.log" | tail -n 20
		[ -s "$vmcore" ] || rc="$rc, empty vmcore"
		check "$mode: dumpling-extract (exit status $rc)" [ "$rc" = 0 ]
	fi
	e2e_crash "$mode" "$vmcore" "$out"
	# The disk and dump are large; keep only the logs unless asked.
	[ -n "${E2E_KEEP_DISK:-}" ] || rm -f "$out/disk.img" "$out/vmcore"
}

# ---- crash ------------------------------------------------------------------------
# e2e_crash NAME VMCORE OUTDIR: runs crash's log, bt, ps and sys on the dump
# and checks what they show. Without a dump every check fails.
E2E_CRASH_CHECKS=("crash opened the dump" "crash sys: RELEASE" "crash log: sysrq panic line"
	"crash bt: sysrq_handle_crash" "crash ps: PID 1 init")
e2e_crash() {
	local name=$1 vmcore=$2 out=$3 cmds=$3/crash.cmds c rc
	rm -f "$out"/crash-*.txt "$out/crash.out"
	if [ ! -s "$vmcore" ]; then
		for c in "${E2E_CRASH_CHECKS[@]}"; do fail "$name: $c (no dump)"; done
		return
	fi
	{
		echo "log > $out/crash-log.txt"
		echo "bt > $out/crash-bt.txt"
		echo "ps > $out/crash-ps.txt"
		echo "sys > $out/crash-sys.txt"
		echo "exit"
	} >"$cmds"
	timeout -k 10 600 crash -s "$KERNEL_VMLINUX" "$vmcore" <"$cmds" >"$out/crash.out" 2>&1
	rc=$?
	touch "$out"/crash-{log,bt,ps,sys}.txt
	[ "$rc" = 0 ] || sed "s/^/$name: crash: /" "$out/crash.out" | tail -n 20
	check "$name: ${E2E_CRASH_CHECKS[0]} (exit status $rc)" grep -q '^ *PANIC:' "$out/crash-sys.txt"
	check "$name: ${E2E_CRASH_CHECKS[1]} $KERNEL_RELEASE" \
		grep -qE "RELEASE: $KERNEL_RELEASE\$" "$out/crash-sys.txt"
	check "$name: ${E2E_CRASH_CHECKS[2]}" \
		grep -qE 'sysrq: Trigger a crash|Kernel panic - not syncing: sysrq triggered crash' "$out/crash-log.txt"
	check "$name: ${E2E_CRASH_CHECKS[3]}" grep -qw sysrq_handle_crash "$out/crash-bt.txt"
	check "$name: ${E2E_CRASH_CHECKS[4]}" \
		awk '{ sub(/^>/, "") } $1 == 1 && $NF == "init" { found = 1 } END { exit !found }' "$out/crash-ps.txt"
}

#!/bin/bash
# What real crashes bring (issue 15, docs/reliability.md), end to end. Runs
# (one QEMU boot each); by default all but deadline, dma and those after it, which need E2E_FULL=1:
#   high-nvme   6 GB guest, crashkernel=16M,high crashkernel=0M,low: the image,
#               its elfcorehdr and DMA buffers above 4 GiB; NVMe target; crash
#   fault       dumpling.test=fault (reservation above 4 GiB too): a page fault
#               before the image's own page tables prints the registers and a
#               backtrace, then runs failure_action (reboot: QEMU exits)
#   watchdog    i6300esb, -watchdog-action reset, armed by busybox watchdog
#               -T 10 before the panic; a -d 0 dump of 1 GB (2 GB with
#               E2E_FULL=1) outlasts it, completes and opens in crash
#   watchdog-off  the same with dumpling.test=nowatchdog: the watchdog resets
#               the machine in the middle of the dump (the test can fail)
#   deadline    (E2E_FULL=1) dumpling_deadline 25 and a disk throttled to 256 KiB/s: the
#               image gives up at the deadline, inside a driver wait, says how
#               far it got, and reboots
#   ioerr-once  blkdebug fails one write in the middle of the dump once: it is
#               retried and the dump is complete; partitions 1 and 3 unchanged
#   ioerr-always  the same sector fails every time: bounded retries, then
#               failure_action in bounded time; partitions 1 and 3 unchanged
#   dma         at the panic the guest writes a second virtio disk in a loop
#               and receives a UDP flood from this host (user-network port
#               forward on 127.0.0.1); the dump is complete and opens in crash
#   bad-header  the image reloaded with elfcorehdr=0xfffc0000 (the BIOS, e820
#               reserved): refused by the firmware map before a byte is read,
#               failure_action, nothing written to the target
#   high-virtio high-nvme on virtio-blk
#   timeout, timeout-nvme  a disk throttled to 8 KiB/s: every write times
#               out; five attempts with a device reset before each retry, then
#               failure_action (virtio-blk, NVMe)
#   itco, itco-off  watchdog and watchdog-off on q35's ICH9 TCO (2 GB)
# Usage: suites/reliability.sh [RUN...]
set -uo pipefail

E2E_OUT=${E2E_OUT:-$(cd "$(dirname "$0")/.." && pwd)/out/reliability}
. "$(dirname "$0")/../lib.sh"

runs=("$@")
if [ ${#runs[@]} -eq 0 ]; then
	runs=(high-nvme fault watchdog watchdog-off ioerr-once ioerr-always bad-header)
	[ -z "${E2E_FULL:-}" ] || runs+=(deadline dma high-virtio timeout timeout-nvme itco itco-off)
fi

HIGH_CK='16M,high crashkernel=0M,low'
MiB=1048576

# ---- helpers ------------------------------------------------------------------

# set_bus virtio|nvme
set_bus() {
	E2E_DISK_BUS=$1
	case $1 in
	virtio) E2E_GUEST_DISK=/dev/vda
		E2E_DISK_DEVICE="-device virtio-blk-pci,drive=d0" ;;
	nvme)	E2E_GUEST_DISK=/dev/nvme0n1
		E2E_DISK_DEVICE="-device nvme,serial=dumpling0,drive=d0" ;;
	esac
}

# reset_settings: what every run starts from.
reset_settings() {
	set_bus virtio
	E2E_MEM=1G
	E2E_CRASHKERNEL=16M
	E2E_CONF_TARGET=
	E2E_CONF_EXTRA='core_collector makedumpfile -z -d 31'
	E2E_PREPANIC=
	E2E_IR_BINS=
	E2E_QEMU_EXTRA=
	E2E_DRIVE_PREFIX=
	E2E_DRIVE_OPTS=
	E2E_DISK_TEMPLATE=
	E2E_DISK_SIZE=2G
	E2E_APPEND=
	E2E_CAPTURE_BAD_RE='dump is incomplete|dump failed|fatal: cpu exception'
	KERNEL_MODULES=
	E2E_KERNEL_PKG=${E2E_KERNEL_PKG_DEFAULT:-linux-image-cloud-amd64}
}

# prepare NAME: kernel (with KERNEL_MODULES) and initramfs for this run.
prepare() {
	if ! e2e_kernel; then
		fail "$1: fetch kernel $E2E_KERNEL_PKG"
		return 1
	fi
	if ! e2e_initramfs yes; then
		fail "$1: build the initramfs"
		return 1
	fi
}

# A prepanic script that reloads the image with WORD (a test switch, or a
# second elfcorehdr=) added after the loader's command line.
reload_with() {	# WORD
	local f=$E2E_OUT/prepanic-${1//[^a-z0-9]/_}.sh
	cat >"$f" <<EOF
#!/bin/sh
kexec -p -u || exit 1
kexec -s -p /usr/lib/dumpling/dumpling.img --append="\$(dumpling cmdline) $1" || exit 1
echo "DTEST: reloaded with $1"
EOF
	chmod +x "$f"
	echo "$f"
}

# Seconds from the panic to the first console line matching ERE $2.
since_panic() {
	local p t
	p=$(e2e_when "$1" 'sysrq: Trigger a crash')
	t=$(e2e_when "$1" "$2" "${p:-0}")
	[ -n "$p" ] && [ -n "$t" ] || { echo none; return; }
	awk -v a="$t" -v b="$p" 'BEGIN { printf "%.1f", a - b }'
}

# extract_and_crash NAME [OFFSET]: the dump off the disk, into crash.
extract_and_crash() {
	local name=$1 off=${2:-0} out=$E2E_OUT/$1 rc
	"$BUILD/dumpling-extract" --offset "$off" "$out/disk.img" "$out/vmcore" >"$out/extract.log" 2>&1
	rc=$?
	sed "s/^/$name: extract: /" "$out/extract.log" | tail -n 5
	check "$name: dumpling-extract (exit $rc)" [ "$rc" = 0 ]
	e2e_crash "$name" "$out/vmcore" "$out"
	[ -n "${E2E_KEEP_DISK:-}" ] || rm -f "$out/disk.img" "$out/vmcore"
}

console() {	# show the image's lines that matter for a run
	grep -aE "$2" "$E2E_OUT/$1/serial.log" | sed "s/^/$1: console: /" | head -n "${3:-12}"
}

# ---- reservation above 4 GiB ------------------------------------------------------

run_high() {
	local name=$1 bus=$2 out=$E2E_OUT/$1 base
	reset_settings
	set_bus "$bus"
	E2E_MEM=6G
	E2E_CRASHKERNEL=$HIGH_CK
	prepare "$name" || return
	e2e_boot dumpling "$out"
	e2e_check_boot "$name" "$out"
	note "$name: $(tr '\n' ' ' <"$out/timing.txt")"
	console "$name" 'reservation:|capture image at|elfcorehdr|dumped '
	base=$(grep -aoE 'capture image at 0x[0-9a-f]+' "$out/serial.log" | head -n 1 | awk '{ print $4 }')
	check "$name: the image ran above 4 GiB (at ${base:-?})" \
		bash -c "[ -n '$base' ] && [ \$(( $base >= 0x100000000 )) = 1 ]"
	check "$name: the elfcorehdr was above 4 GiB too" \
		grep -aqE 'command line: .*elfcorehdr=0x[1-9a-f][0-9a-f]{8,}' "$out/serial.log"
	extract_and_crash "$name"
}

run_fault() {
	local name=fault out=$E2E_OUT/fault t
	reset_settings
	E2E_MEM=6G
	E2E_CRASHKERNEL=$HIGH_CK
	E2E_PREPANIC=$(reload_with dumpling.test=fault)
	prepare "$name" || return
	e2e_boot dumpling "$out"
	console "$name" 'capture image at|TEST SW|FATAL|  rip|  rsp|backtrace|  #|dump failed|rebooting' 20
	check "$name: QEMU exited by itself" [ "$(cat "$out/qemu.rc")" = 0 ]
	check "$name: the image was reloaded with the switch" grep -aq '^DTEST: reloaded with dumpling.test=fault' "$out/serial.log"
	check "$name: the image ran above 4 GiB" \
		grep -aqE 'capture image at 0x[1-9a-f][0-9a-f]{8,}' "$out/serial.log"
	check "$name: page fault reported (vector 14)" \
		grep -aq 'FATAL: CPU exception 14 (page fault)' "$out/serial.log"
	check "$name: cr2 is the address read" grep -aqE 'cr2 00007f0000000000' "$out/serial.log"
	check "$name: registers printed (rip, rax..r15)" \
		bash -c "grep -aq ' rip ' '$out/serial.log' && grep -aq ' r15 ' '$out/serial.log'"
	check "$name: a backtrace of at least 2 frames" \
		bash -c "grep -aA4 'backtrace' '$out/serial.log' | grep -acE '#[0-9]+ 0x' | awk '{ exit !(\$1 >= 2) }'"
	check "$name: then failure_action (reboot)" \
		bash -c "grep -aq 'dump failed: CPU exception; running failure_action reboot' '$out/serial.log' &&
			 grep -aq '] rebooting' '$out/serial.log'"
	t=$(since_panic "$out" 'rebooting')
	note "$name: panic to reboot: ${t}s"
}

# ---- an elfcorehdr that names firmware memory -------------------------------------

run_badhdr() {
	local name=bad-header out=$E2E_OUT/bad-header size
	reset_settings
	# kexec_file_load puts its own elfcorehdr= first; the image takes the last.
	E2E_PREPANIC=$(reload_with elfcorehdr=0xfffc0000)
	prepare "$name" || return
	e2e_boot dumpling "$out"
	console "$name" 'capture image at|elfcorehdr|dump failed|rebooting'
	check "$name: QEMU exited by itself" [ "$(cat "$out/qemu.rc")" = 0 ]
	check "$name: the image was reloaded with the bad header address" \
		grep -aq '^DTEST: reloaded with elfcorehdr=0xfffc0000' "$out/serial.log"
	check "$name: refused: not RAM by the firmware's memory map" \
		grep -aqE 'elfcorehdr=0xfffc0000 is not RAM by the firmware.s memory map: \[0x[0-9a-f]+, 0x[0-9a-f]+\) is reserved' "$out/serial.log"
	check "$name: then failure_action (reboot)" \
		bash -c "grep -aq 'running failure_action reboot' '$out/serial.log' &&
			 grep -aq '] rebooting' '$out/serial.log'"
	size=$(stat -c %s "$out/disk.img" 2>/dev/null || echo 0)
	check "$name: nothing was written to the target" \
		bash -c "[ $size -gt 0 ] && cmp -s -n $size '$out/disk.img' /dev/zero"
	[ -n "${E2E_KEEP_DISK:-}" ] || rm -f "$out/disk.img"
}

# ---- hardware watchdog ----------------------------------------------------------

# The guest arms the i6300esb for 10 s with busybox; nothing feeds it after the panic.
watchdog_prepanic() {
	local f=$E2E_OUT/prepanic-watchdog-$1.sh
	{
		echo '#!/bin/sh'
		[ "$1" = off ] && sed -n '2,3p' "$(reload_with dumpling.test=nowatchdog)"
		echo 'watchdog -T 10 -t 2 /dev/watchdog || exit 1'
		echo 'sleep 3'
		echo 'echo "DTEST: watchdog armed: $(cat /sys/class/watchdog/watchdog0/identity 2>/dev/null) timeout $(cat /sys/class/watchdog/watchdog0/timeout 2>/dev/null) s"'
	} >"$f"
	chmod +x "$f"
	echo "$f"
}

run_watchdog() {
	local name=$1 mode=$2 out=$E2E_OUT/$1 t
	reset_settings
	# -d 0 of 1 GB (2 GB with E2E_FULL=1) onto a disk held to 32 MiB/s: about
	# 30 s (60 s), longer than the watchdog's 10 s however fast the host is
	# (unthrottled, a quiet host wrote 1 GB in 11 s, too close to 10).
	E2E_MEM=${E2E_FULL:+2G}
	E2E_MEM=${E2E_MEM:-1G}
	E2E_CONF_EXTRA='core_collector makedumpfile -d 0'
	E2E_DISK_SIZE=3G
	E2E_DRIVE_OPTS=,throttling.bps-total=33554432
	E2E_QEMU_EXTRA='-device i6300esb -watchdog-action reset'
	KERNEL_MODULES=i6300esb
	E2E_PREPANIC=$(watchdog_prepanic "$mode")
	# The cloud kernel has no watchdog drivers; Debian's generic 6.1 has.
	E2E_KERNEL_PKG=${E2E_KERNEL_PKG_WDT:-linux-image-amd64} prepare "$name" || return
	e2e_boot dumpling "$out"
	console "$name" 'watchdog|Copying data : \[ *[0-9]+\.[0-9] %\]|dumped |rebooting|DEADLINE' 14
	check "$name: the guest armed the i6300esb (10 s)" \
		grep -aqE '^DTEST: watchdog armed: .*timeout 10 s' "$out/serial.log"
	if [ "$mode" = on ]; then
		e2e_check_boot "$name" "$out"
		check "$name: the image found it armed and fed it" \
			grep -aq 'watchdog: i6300ESB pci .* is armed to reset the machine: feeding it' "$out/serial.log"
		t=$(since_panic "$out" 'dumped [0-9]+ pages')
		note "$name: panic to dump written: ${t}s"
		check "$name: the dump took longer than the watchdog's 10 s (${t}s)" \
			awk -v t="$t" 'BEGIN { exit !(t != "none" && t > 15) }'
		extract_and_crash "$name"
	else
		check "$name: the image left it alone" \
			grep -aq 'is armed; NOT feeding it (dumpling.test=nowatchdog)' "$out/serial.log"
		check "$name: QEMU exited by itself (the watchdog's reset, -no-reboot)" \
			[ "$(cat "$out/qemu.rc")" = 0 ]
		check "$name: the dump was under way when the machine reset" \
			grep -aq 'Copying data' "$out/serial.log"
		check "$name: ... and never finished, nor rebooted by itself" \
			bash -c "! grep -aqE 'dumped [0-9]+ pages|] rebooting|dump failed' '$out/serial.log'"
		t=$(e2e_when "$out" 'writing the dump to')
		note "$name: reset $(awk -v a="$(tail -n 1 "$out/serial.ts" | awk '{ print $1 }')" -v b="${t:-0}" 'BEGIN { printf "%.1f", a - b }')s after the dump started"
	fi
}

# ---- global deadline --------------------------------------------------------------

run_deadline() {
	local name=deadline out=$E2E_OUT/deadline t
	reset_settings
	E2E_CONF_EXTRA=$'core_collector makedumpfile -d 0\ndumpling_deadline 25'
	E2E_DRIVE_OPTS=',throttling.bps-total=262144'
	prepare "$name" || return
	e2e_boot dumpling "$out"
	console "$name" 'deadline|DEADLINE|how far|Copying|dump failed|rebooting' 12
	check "$name: QEMU exited by itself" [ "$(cat "$out/qemu.rc")" = 0 ]
	check "$name: the loader passed dumpling.deadline=25" \
		grep -aq 'command line: .*dumpling.deadline=25' "$out/serial.log"
	check "$name: the image took it" grep -aq 'deadline: 25 s from entry (dumpling_deadline)' "$out/serial.log"
	check "$name: the deadline passed while writing the dump" \
		grep -aqE 'DEADLINE: 25 s \(dumpling_deadline\) passed 25\.[0-9] s after entry, while (writing|finishing)' "$out/serial.log"
	check "$name: ... inside the driver's wait for the device" \
		grep -aq 'while writing the dump, in a device wait for virtq_has_used' "$out/serial.log"
	check "$name: the console says how far it got" \
		grep -aqE "how far it got: read [0-9]+ MiB of the crashed kernel's [0-9]+ MiB of RAM, wrote [0-9]+ MiB to raw virtio-blk" "$out/serial.log"
	check "$name: then failure_action reboot" \
		bash -c "grep -aq 'dump failed: the deadline of 25 s passed; running failure_action reboot' '$out/serial.log' &&
			 grep -aq '] rebooting' '$out/serial.log'"
	check "$name: no dump finished" bash -c "! grep -aqE 'dumped [0-9]+ pages' '$out/serial.log'"
	t=$(since_panic "$out" 'rebooting')
	note "$name: panic to reboot: ${t}s"
	check "$name: reboot within 25 s + 10 s of the panic (${t}s)" \
		awk -v t="$t" 'BEGIN { exit !(t != "none" && t < 35) }'
}

# ---- disk errors (QEMU blkdebug) ----------------------------------------------------

# GPT: p1 64 MiB at 1 MiB, p2 (the target) 640 MiB, p3 64 MiB; p1 and p3 random.
P1_START=$((1 * MiB)); P1_LEN=$((64 * MiB))
P2_START=$((65 * MiB)); P2_LEN=$((640 * MiB))
P3_START=$((705 * MiB)); P3_LEN=$((64 * MiB))
# The failing sector: 4 MiB into the dump, in the page data of a -z -d 31 dump.
BAD_SECTOR=$(((P2_START + 4 * MiB) / 512))

range_sha() {
	dd if="$1" bs=1M iflag=skip_bytes,count_bytes skip="$2" count="$3" status=none |
		sha256sum | cut -d' ' -f1
}

make_gpt_template() {
	local tpl=$E2E_OUT/gpt.img
	[ -s "$tpl.p3" ] && [ -s "$tpl" ] && return 0
	rm -f "$tpl" && truncate -s 800M "$tpl"
	sgdisk -o -n 1:$((P1_START / 512)):$(((P1_START + P1_LEN) / 512 - 1)) \
		-n 2:$((P2_START / 512)):$(((P2_START + P2_LEN) / 512 - 1)) \
		-n 3:$((P3_START / 512)):$(((P3_START + P3_LEN) / 512 - 1)) "$tpl" >/dev/null || return 1
	dd if=/dev/urandom of="$tpl" bs=1M seek=$((P1_START / MiB)) count=$((P1_LEN / MiB)) \
		conv=notrunc status=none &&
	dd if=/dev/urandom of="$tpl" bs=1M seek=$((P3_START / MiB)) count=$((P3_LEN / MiB)) \
		conv=notrunc status=none || return 1
	range_sha "$tpl" $P1_START $P1_LEN >"$tpl.p1"
	range_sha "$tpl" $P3_START $P3_LEN >"$tpl.p3"
}

run_ioerr() {
	local name=$1 once=$2 out=$E2E_OUT/$1 rules=$E2E_OUT/blkdebug-$1.conf t
	reset_settings
	if ! make_gpt_template; then
		fail "$name: build the GPT template (sgdisk)"
		return
	fi
	printf '[inject-error]\nevent = "write_aio"\nerrno = "5"\nsector = "%d"\nonce = "%s"\n' \
		"$BAD_SECTOR" "$once" >"$rules"
	E2E_DISK_TEMPLATE=$E2E_OUT/gpt.img
	E2E_DRIVE_PREFIX="blkdebug:$rules:"
	E2E_CONF_TARGET='raw /dev/vda2'
	prepare "$name" || return
	e2e_boot dumpling "$out"
	console "$name" 'virtio-blk 0000:00:04.0: (write|giving)|raw virtio|dump failed|INCOMPLETE|dumped |rebooting' 12
	check "$name: partition 1 unchanged (sha256)" \
		[ "$(range_sha "$out/disk.img" $P1_START $P1_LEN)" = "$(cat "$E2E_OUT/gpt.img.p1")" ]
	check "$name: partition 3 unchanged (sha256)" \
		[ "$(range_sha "$out/disk.img" $P3_START $P3_LEN)" = "$(cat "$E2E_OUT/gpt.img.p3")" ]
	check "$name: a write covering sector $BAD_SECTOR failed (I/O error, attempt 1 of 5)" \
		grep -aqE "virtio-blk 0000:00:04.0: write of [0-9]+ bytes at sector [0-9]+: I/O error \(attempt 1 of 5\)" "$out/serial.log"
	if [ "$once" = on ]; then
		e2e_check_boot "$name" "$out"
		check "$name: it failed once only (retried, then went on)" \
			bash -c "! grep -aq 'attempt 2 of 5' '$out/serial.log'"
		check "$name: the dump is complete" \
			bash -c "! grep -aqi 'incomplete' '$out/serial.log'"
		extract_and_crash "$name" $P2_START
	else
		t=$(since_panic "$out" 'rebooting')
		note "$name: panic to reboot: ${t}s"
		check "$name: QEMU exited by itself" [ "$(cat "$out/qemu.rc")" = 0 ]
		check "$name: bounded retries: attempt 5 of 5, then no more" \
			bash -c "grep -aq 'I/O error (attempt 5 of 5)' '$out/serial.log' && ! grep -aq 'attempt 6' '$out/serial.log'"
		check "$name: the console names the sector range and the device status" \
			grep -aqE "giving up on the write of sectors [0-9]+\.\.[0-9]+ \(512-byte units\): request status 1 \(I/O error\), device status 0x[0-9a-f]+" "$out/serial.log"
		check "$name: then failure_action (reboot)" \
			bash -c "grep -aq 'dump failed: .*running failure_action reboot' '$out/serial.log' && grep -aq '] rebooting' '$out/serial.log'"
		check "$name: within 30 s of the panic (${t}s)" \
			awk -v t="$t" 'BEGIN { exit !(t != "none" && t < 30) }'
		"$BUILD/dumpling-extract" --offset $P2_START "$out/disk.img" "$out/vmcore" >"$out/extract.log" 2>&1
		check "$name: the abandoned dump is no dump (block 0 never written)" \
			grep -qE "no dump (in|at) .*(no KDUMP signature|nothing to extract)" "$out/extract.log"
		[ -n "${E2E_KEEP_DISK:-}" ] || rm -f "$out/disk.img" "$out/vmcore"
	fi
}


# ---- devices still doing DMA --------------------------------------------------------

# Sends UDP datagrams to 127.0.0.1:$1 (forwarded into the guest) until the
# file $2 exists, for at most 120 s. Its own process, so that its PID is its.
udp_flood() {
	cat >"$E2E_OUT/udp_flood.py" <<'PY'
import os, socket, sys, time
port, stop = int(sys.argv[1]), sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
payload = b"dumpling-flood" * 100
end = time.time() + 120
n = 0
while time.time() < end:
    try:
        s.sendto(payload, ("127.0.0.1", port))
    except OSError:
        time.sleep(0.01)
    n += 1
    if n % 1000 == 0:
        if os.path.exists(stop):
            break
        time.sleep(0.001)
PY
	exec /usr/bin/python3 "$E2E_OUT/udp_flood.py" "$1" "$2"
}

dma_prepanic() {
	local f=$E2E_OUT/prepanic-dma.sh
	cat >"$f" <<'SH'
#!/bin/sh
# Keep the second disk busy with writes, and watch the flood arrive.
ifc=$(ls /sys/class/net | grep -v '^lo$' | head -n 1)
( while :; do dd if=/dev/zero of=/dev/vdb bs=1M count=64 oflag=direct 2>/dev/null; done ) &
rx0=$(cat /sys/class/net/$ifc/statistics/rx_packets)
w0=$(awk '{ print $5 }' /sys/block/vdb/stat)
sleep 3
rx1=$(cat /sys/class/net/$ifc/statistics/rx_packets)
w1=$(awk '{ print $5 }' /sys/block/vdb/stat)
echo "DTEST: dma: $ifc received $((rx1 - rx0)) packets, vdb completed $((w1 - w0)) writes in 3 s"
SH
	chmod +x "$f"
	echo "$f"
}

run_dma() {
	local name=dma out=$E2E_OUT/dma second=$E2E_OUT/dma-second.img port flood rx wr
	reset_settings
	port=$((41000 + $$ % 1000))
	rm -f "$second" && truncate -s 256M "$second"
	KERNEL_MODULES=virtio_net
	E2E_APPEND='dtest.net=10.0.2.15/24'
	E2E_QEMU_EXTRA="-drive file=$second,if=none,id=d1,format=raw -device virtio-blk-pci,drive=d1 -netdev user,id=n0,hostfwd=udp:127.0.0.1:$port-10.0.2.15:$port -device virtio-net-pci,netdev=n0"
	E2E_PREPANIC=$(dma_prepanic)
	prepare "$name" || return
	rm -f "$E2E_OUT/flood.stop"
	(udp_flood "$port" "$E2E_OUT/flood.stop") &
	flood=$!
	e2e_boot dumpling "$out"
	touch "$E2E_OUT/flood.stop"
	kill "$flood" 2>/dev/null
	wait "$flood" 2>/dev/null
	rm -f "$second"
	e2e_check_boot "$name" "$out"
	console "$name" 'DTEST: dma|pci: bus mastering|writing the dump|dumped |INCOMPLETE' 8
	rx=$(grep -aoE 'received [0-9]+ packets' "$out/serial.log" | awk '{ print $2 }')
	wr=$(grep -aoE 'vdb completed [0-9]+ writes' "$out/serial.log" | awk '{ print $3 }')
	check "$name: the guest was receiving the flood before the panic (${rx:-0} packets in 3 s)" \
		[ "${rx:-0}" -gt 100 ]
	check "$name: ... and writing the second disk (${wr:-0} writes in 3 s)" [ "${wr:-0}" -gt 0 ]
	check "$name: the image stopped the second disk's and the NIC's DMA" \
		grep -aqE 'pci: bus mastering off on [0-9]+ functions the dump does not use: .*(virtio-blk.*virtio-net|virtio-net.*virtio-blk)' "$out/serial.log"
	check "$name: the dump is complete" bash -c "! grep -aqi 'incomplete' '$out/serial.log'"
	extract_and_crash "$name"
}

# ---- a target that stops answering ----------------------------------------------------

# A disk throttled to 8 KiB/s: a 128 KiB write takes 16 s, past virtio-blk's
# 10 s request timeout. Each timeout resets the device (QEMU completes the
# stuck request while draining) and sends the request again; the fifth
# timeout ends the dump.
run_timeout() {
	local name=$1 bus=$2 out=$E2E_OUT/$1 t dev
	reset_settings
	set_bus "$bus"
	E2E_DRIVE_OPTS=',throttling.bps-total=8192'
	prepare "$name" || return
	e2e_boot dumpling "$out"
	console "$name" 'timed out|reset the|giving up|dump failed|rebooting' 14
	t=$(since_panic "$out" 'rebooting')
	note "$name: panic to reboot: ${t}s"
	check "$name: QEMU exited by itself" [ "$(cat "$out/qemu.rc")" = 0 ]
	if [ "$bus" = virtio ]; then
		check "$name: a request timed out (attempt 1 of 5)" \
			grep -aqE 'virtio-blk 0000:00:04.0: write of [0-9]+ bytes at sector [0-9]+ timed out after 10 s \(device status 0x[0-9a-f]+\), attempt 1 of 5' "$out/serial.log"
		check "$name: the device was reset and the request sent again" \
			grep -aq 'virtio-blk 0000:00:04.0: reset the device, sending the request again' "$out/serial.log"
		check "$name: bounded: attempt 5 of 5, then giving up with the sectors and the status" \
			bash -c "grep -aq 'timed out after 10 s .*attempt 5 of 5' '$out/serial.log' &&
				 grep -aqE 'giving up on the write of sectors [0-9]+\.\.[0-9]+ \(512-byte units\): request status 255 \(no status written\), device status 0x' '$out/serial.log'"
	else
		check "$name: a command timed out" \
			grep -aqE 'nvme 0000:00:04.0: command 0x01 on queue 1 timed out after 10000 ms \(CSTS 0x[0-9a-f]+' "$out/serial.log"
		check "$name: the controller was reset and the write sent again" \
			grep -aq 'nvme 0000:00:04.0: reset the controller, sending the write again (attempt 2 of 5)' "$out/serial.log"
		check "$name: bounded: attempt 5, then giving up with the LBAs and the status" \
			bash -c "grep -aq 'sending the write again (attempt 5 of 5)' '$out/serial.log' &&
				 ! grep -aq 'attempt 6' '$out/serial.log' &&
				 grep -aqE 'giving up on the write of LBAs [0-9]+\.\.[0-9]+: no completion within 10 s, CSTS 0x' '$out/serial.log'"
	fi
	check "$name: then failure_action (reboot)" \
		bash -c "grep -aq 'dump failed: .*running failure_action reboot' '$out/serial.log' && grep -aq '] rebooting' '$out/serial.log'"
	check "$name: within 120 s of the panic (${t}s)" \
		awk -v t="$t" 'BEGIN { exit !(t != "none" && t < 120) }'
}

# ---- iTCO (q35's ICH9 TCO) ----------------------------------------------------------

# As run_watchdog, on QEMU's q35 with its ICH9 TCO watchdog (reset enabled).
run_itco() {
	local name=$1 mode=$2 out=$E2E_OUT/$1 t
	reset_settings
	# TCO v2 resets on the second expiry: ~20 s; -d 0 of 2 GB takes ~50 s.
	E2E_MEM=2G
	E2E_CONF_EXTRA='core_collector makedumpfile -d 0'
	E2E_DISK_SIZE=3G
	E2E_DRIVE_OPTS=,throttling.bps-total=33554432	# slower than 2 x 10 s on any host
	E2E_QEMU_EXTRA='-M q35 -global ICH9-LPC.noreboot=off -watchdog-action reset'
	KERNEL_MODULES='lpc_ich iTCO_wdt'
	E2E_PREPANIC=$(watchdog_prepanic "$mode")
	E2E_KERNEL_PKG=${E2E_KERNEL_PKG_WDT:-linux-image-amd64} prepare "$name" || return
	e2e_boot dumpling "$out"
	console "$name" 'DTEST: watchdog|watchdog: iTCO|Copying data : \[ *[0-9]+\.[0-9] %\]|dumped |rebooting' 8
	check "$name: the guest armed the iTCO watchdog (10 s)" \
		grep -aqE '^DTEST: watchdog armed: iTCO.* timeout 10 s' "$out/serial.log"
	if [ "$mode" = on ]; then
		e2e_check_boot "$name" "$out"
		check "$name: the image found it armed and fed it" \
			grep -aq 'watchdog: iTCO TCO at I/O 0x[0-9a-f]* (pci 0000:00:1f.0) is armed to reset the machine: feeding it' "$out/serial.log"
		t=$(since_panic "$out" 'dumped [0-9]+ pages')
		note "$name: panic to dump written: ${t}s"
		check "$name: the dump took longer than the watchdog's 2 x 10 s (${t}s)" \
			awk -v t="$t" 'BEGIN { exit !(t != "none" && t > 25) }'
		extract_and_crash "$name"
	else
		check "$name: the image left it alone" \
			grep -aq 'watchdog: iTCO .* is armed; NOT feeding it' "$out/serial.log"
		check "$name: QEMU exited by itself (the watchdog's reset, -no-reboot)" \
			[ "$(cat "$out/qemu.rc")" = 0 ]
		check "$name: the dump was under way when the machine reset, and never finished" \
			bash -c "grep -aq 'Copying data' '$out/serial.log' && ! grep -aqE 'dumped [0-9]+ pages|] rebooting|dump failed' '$out/serial.log'"
	fi
}

mkdir -p "$E2E_OUT"
for r in "${runs[@]}"; do
	case $r in
	high-nvme)	run_high high-nvme nvme ;;
	high-virtio)	run_high high-virtio virtio ;;
	fault)		run_fault ;;
	watchdog)	run_watchdog watchdog on ;;
	watchdog-off)	run_watchdog watchdog-off off ;;
	deadline)	run_deadline ;;
	ioerr-once)	run_ioerr ioerr-once on ;;
	ioerr-always)	run_ioerr ioerr-always off ;;
	bad-header)	run_badhdr ;;
	dma)		run_dma ;;
	timeout)	run_timeout timeout virtio ;;
	timeout-nvme)	run_timeout timeout-nvme nvme ;;
	itco)		run_itco itco on ;;
	itco-off)	run_itco itco-off off ;;
	*)		fail "unknown run '$r'" ;;
	esac
done
e2e_summary

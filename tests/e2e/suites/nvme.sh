#!/bin/bash
# NVMe and partition targets, end to end. A disk with three partitions, the
# dump going to the middle one; the outer two hold random data that must come
# through byte for byte. Default runs (one QEMU boot each):
#   nvme       GPT on NVMe, `raw /dev/nvme0n1p2`; the dump is taken out with
#              `dumpling-extract --to-dir` and opened in crash
#   virtio     GPT on virtio-blk, `raw PARTUUID=...`, loaded with kexec -s -p
#   replaced   NVMe; between load and panic the guest gives partition 2 a new
#              GUID (sgdisk): the capture image must refuse, and write nothing
#   nvme4k     a 4 KiB-sector namespace (GPT in 4 KiB LBAs)
# With E2E_FULL=1 also:
#   qdepth     NVMe twice, nokaslr: dumpling.queue_depth=1 (one write at a time)
#              and the default (8 in flight); both open in crash, and in both
#              the kernel's .rodata (up to __start_ro_after_init) is byte for
#              byte the one in vmlinux
#   mbr        MBR on virtio-blk with a logical partition, `raw /dev/vda5`
#   bypartuuid NVMe, `raw /dev/disk/by-partuuid/...` (no udev in the guest)
# Usage: suites/nvme.sh [RUN...]
set -uo pipefail

E2E_OUT=${E2E_OUT:-$(cd "$(dirname "$0")/.." && pwd)/out/nvme}
E2E_MEM=${E2E_MEM:-512M}
. "$(dirname "$0")/../lib.sh"

runs=("$@")
if [ ${#runs[@]} -eq 0 ]; then
	runs=(nvme virtio replaced nvme4k)
	[ -z "${E2E_FULL:-}" ] || runs+=(mbr bypartuuid qdepth)
fi

# Layout in bytes: p1 64 MiB at 1 MiB, p2 640 MiB, p3 64 MiB; disk 800 MiB.
MiB=1048576
P1_START=$((1 * MiB)); P1_LEN=$((64 * MiB))
P2_START=$((65 * MiB)); P2_LEN=$((640 * MiB))
P3_START=$((705 * MiB)); P3_LEN=$((64 * MiB))
DISK_SIZE=800M
G1=6d3a7c1e-0b7f-4a52-9a55-0c1b2d3e4f01
G2=6d3a7c1e-0b7f-4a52-9a55-0c1b2d3e4f02
G3=6d3a7c1e-0b7f-4a52-9a55-0c1b2d3e4f03
G_NEW=6d3a7c1e-0b7f-4a52-9a55-0c1b2d3e4fee
MBR_SIG=5eedf00d
# Where the target partition is (the MBR run moves it: its EBR needs room).
T_START=$P2_START; T_LEN=$P2_LEN
# p2 holds the dump: a filtered one is a few MiB, an unfiltered one ~E2E_MEM.
E2E_CONF_EXTRA=${E2E_CONF_EXTRA:-core_collector makedumpfile -d 31}

TPL=$E2E_OUT/templates

# range_sha FILE START LEN
range_sha() {
	dd if="$1" bs=1M iflag=skip_bytes,count_bytes skip="$2" count="$3" status=none |
		sha256sum | cut -d' ' -f1
}

# Random data into p1 and p3, and their hashes in TPL/NAME.p1/.p3.
fill_outer() {
	local img=$1 name=$2
	dd if=/dev/urandom of="$img" bs=1M seek=$((P1_START / MiB)) count=$((P1_LEN / MiB)) \
		conv=notrunc status=none &&
	dd if=/dev/urandom of="$img" bs=1M seek=$((P3_START / MiB)) count=$((P3_LEN / MiB)) \
		conv=notrunc status=none || return 1
	range_sha "$img" $P1_START $P1_LEN >"$TPL/$name.p1"
	range_sha "$img" $P3_START $P3_LEN >"$TPL/$name.p3"
}

make_templates() {
	local s=512
	rm -rf "$TPL" && mkdir -p "$TPL"
	# GPT, 512-byte sectors, by sgdisk.
	truncate -s $DISK_SIZE "$TPL/gpt.img"
	sgdisk -o -n 1:$((P1_START / s)):$(((P1_START + P1_LEN) / s - 1)) -u 1:$G1 \
		-n 2:$((P2_START / s)):$(((P2_START + P2_LEN) / s - 1)) -u 2:$G2 \
		-n 3:$((P3_START / s)):$(((P3_START + P3_LEN) / s - 1)) -u 3:$G3 \
		"$TPL/gpt.img" >/dev/null || return 1
	fill_outer "$TPL/gpt.img" gpt || return 1
	# What the guest's sgdisk will make of it in the "replaced" run.
	cp --sparse=always "$TPL/gpt.img" "$TPL/replaced.img"
	sgdisk -u 2:$G_NEW "$TPL/replaced.img" >/dev/null || return 1
	sha256sum <"$TPL/replaced.img" | cut -d' ' -f1 >"$TPL/replaced.sha"

	# GPT, 4 KiB sectors, by mkgpt.py (checked against sgdisk -v at 512).
	truncate -s $DISK_SIZE "$TPL/gpt4k.img"
	python3 "$E2E_DIR/mkgpt.py" "$TPL/gpt4k.img" 4096 $P1_START:$P1_LEN:$G1 \
		$P2_START:$P2_LEN:$G2 $P3_START:$P3_LEN:$G3 || return 1
	fill_outer "$TPL/gpt4k.img" gpt4k || return 1
	truncate -s $DISK_SIZE "$TPL/check512.img"
	python3 "$E2E_DIR/mkgpt.py" "$TPL/check512.img" 512 $P1_START:$P1_LEN:$G1 \
		$P2_START:$P2_LEN:$G2 $P3_START:$P3_LEN:$G3 || return 1
	check "mkgpt.py writes a GPT sgdisk -v accepts" \
		bash -c "sgdisk -v '$TPL/check512.img' | grep -q 'No problems found'"
	rm -f "$TPL/check512.img"

	if [ -n "${E2E_FULL:-}" ]; then
		# MBR: p1 and p3 primary (1, 2), an extended partition (3) over
		# p2's space holding the target 5, 1 MiB in (room for its EBR).
		truncate -s $DISK_SIZE "$TPL/mbr.img"
		printf 'label: dos\nlabel-id: 0x%s\nstart=%d, size=%d, type=83\nstart=%d, size=%d, type=83\nstart=%d, size=%d, type=5\nstart=%d, size=%d, type=83\n' \
			$MBR_SIG $((P1_START / s)) $((P1_LEN / s)) $((P3_START / s)) $((P3_LEN / s)) \
			$((P2_START / s)) $((P2_LEN / s)) $(((P2_START + MiB) / s)) $(((P2_LEN - MiB) / s)) |
			sfdisk -q "$TPL/mbr.img" >/dev/null || return 1
		fill_outer "$TPL/mbr.img" mbr || return 1
	fi
}

# Boots one run: NAME TEMPLATE BUS TARGET MODE [NVME_OPTS] [PREPANIC]
boot_run() {
	local name=$1 tpl=$2 bus=$3 target=$4 mode=$5 opts=${6:-} prepanic=${7:-}
	E2E_DISK_BUS=$bus
	case $bus in
	virtio) E2E_GUEST_DISK=/dev/vda
		E2E_DISK_DEVICE="-device virtio-blk-pci,drive=d0" ;;
	nvme)	E2E_GUEST_DISK=/dev/nvme0n1
		E2E_DISK_DEVICE="-device nvme,serial=dumpling0,drive=d0$opts" ;;
	esac
	E2E_CONF_TARGET="raw $target"
	E2E_PREPANIC=$prepanic
	E2E_IR_BINS=${prepanic:+sgdisk}
	E2E_DISK_TEMPLATE=$TPL/$tpl.img
	if ! e2e_initramfs yes; then
		fail "$name: build the initramfs"
		return 1
	fi
	e2e_boot "$mode" "$E2E_OUT/$name"
}

# The outer partitions are what they were.
check_outer() {
	local name=$1 tpl=$2 img=$E2E_OUT/$1/disk.img
	check "$name: partition 1 unchanged (sha256)" \
		[ "$(range_sha "$img" $P1_START $P1_LEN)" = "$(cat "$TPL/$tpl.p1")" ]
	check "$name: partition 3 unchanged (sha256)" \
		[ "$(range_sha "$img" $P3_START $P3_LEN)" = "$(cat "$TPL/$tpl.p3")" ]
}

# A good run: boot checks, outer partitions, the partition check on the
# console, and the dump in crash. Extracted with --offset from the disk, or
# with --to-dir from a copy of the partition when to_dir=yes.
good_run() {
	local name=$1 tpl=$2 to_dir=${3:-no} out=$E2E_OUT/$1 rc vmcore
	e2e_check_boot "$name" "$out"
	check_outer "$name" "$tpl"
	check "$name: the image checked the partition before writing" \
		grep -aqE "partition check: .*(GPT partition 2 \(PARTUUID $G2\)|MBR partition 5 \(disk signature $MBR_SIG\)) at bytes $T_START\+$T_LEN" \
		"$out/serial.log"
	if [ "$to_dir" = yes ]; then
		dd if="$out/disk.img" of="$out/p2.img" bs=1M iflag=skip_bytes,count_bytes \
			skip=$T_START count=$T_LEN status=none
		rm -rf "$out/crash"
		"$BUILD/dumpling-extract" --to-dir "$out/crash" "$out/p2.img" >"$out/extract.log" 2>&1
		rc=$?
		sed "s/^/$name: extract: /" "$out/extract.log"
		vmcore=$(ls -d "$out"/crash/*/vmcore 2>/dev/null | head -n 1)
		check "$name: dumpling-extract --to-dir (exit $rc) made DIR/<date>/vmcore" \
			[ "$rc" = 0 -a -n "$vmcore" ]
		check "$name: the directory is named YYYY-MM-DD-HH:MM" \
			bash -c "ls '$out/crash' | grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{2}:[0-9]{2}\$'"
		check "$name: ... and vmcore-dmesg.txt beside it, with the panic" \
			grep -qE 'sysrq: Trigger a crash|Kernel panic - not syncing' \
			"$(dirname "${vmcore:-/none/x}")/vmcore-dmesg.txt"
		e2e_check_runlog "$name" "$(dirname "${vmcore:-/none/x}")/dumpling.log"
		"$BUILD/dumpling-extract" --to-dir "$out/crash" "$out/p2.img" >"$out/extract2.log" 2>&1
		check "$name: a second --to-dir finds the header cleared" \
			grep -q "nothing to extract" "$out/extract2.log"
		check "$name: ... and makes no second directory" [ "$(ls "$out/crash" | wc -l)" = 1 ]
		# The same dump straight off the disk, by offset.
		"$BUILD/dumpling-extract" --offset $T_START "$out/disk.img" "$out/vmcore.off" \
			>/dev/null 2>&1
		check "$name: dumpling-extract --offset gives the same vmcore" \
			cmp -s "$vmcore" "$out/vmcore.off"
		rm -f "$out/vmcore.off" "$out/p2.img"
	else
		vmcore=$out/vmcore
		"$BUILD/dumpling-extract" --offset $T_START "$out/disk.img" "$vmcore" \
			>"$out/extract.log" 2>&1
		rc=$?
		sed "s/^/$name: extract: /" "$out/extract.log"
		check "$name: dumpling-extract --offset $T_START (exit $rc)" [ "$rc" = 0 ]
	fi
	e2e_crash "$name" "${vmcore:-$out/none}" "$out"
	[ -n "${E2E_KEEP_DISK:-}" ] || rm -rf "$out/disk.img" "$out/vmcore" "$out/crash"
}

# The kernel's constant data as the dump has it, and as vmlinux has it: equal
# when every write reached the disk intact (nokaslr: no relocation applied).
rodata_check() {	# NAME VMCORE
	local name=$1 vmcore=$2 out=$E2E_OUT/$1 start end off
	start=$(nm "$KERNEL_VMLINUX" | awk '$3 == "__start_rodata" { print $1 }')
	end=$(nm "$KERNEL_VMLINUX" | awk '$3 == "__start_ro_after_init" { print $1 }')
	off=$(readelf -SW "$KERNEL_VMLINUX" |
		awk '{ for (i = 1; i < NF; i++) if ($i == ".rodata") print $(i + 3) }')
	rm -f "$out/rodata.dump"
	if [ -n "$start" ] && [ -n "$end" ] && [ -n "$off" ]; then
		printf 'rd -r %s 0x%s %d\nexit\n' "$out/rodata.dump" "$start" \
			$((0x$end - 0x$start)) >"$out/rodata.cmds"
		timeout -k 10 300 crash -s "$KERNEL_VMLINUX" "$vmcore" <"$out/rodata.cmds" \
			>"$out/rodata.out" 2>&1
		tail -c +$((0x$off + 1)) "$KERNEL_VMLINUX" | head -c $((0x$end - 0x$start)) \
			>"$out/rodata.want"
	fi
	check "$name: the dump's .rodata ($(( (0x${end:-0} - 0x${start:-0}) >> 10 )) KiB) equals vmlinux's" \
		cmp -s "$out/rodata.dump" "$out/rodata.want"
	[ -s "$out/rodata.dump" ] || tail -n 5 "$out/rodata.out" 2>/dev/null | sed "s/^/$name: crash: /"
	cmp -l "$out/rodata.dump" "$out/rodata.want" 2>/dev/null | head -n 5 | sed "s/^/$name: differs: /"
	rm -f "$out/rodata.dump" "$out/rodata.want"
}

# One dump at queue depth DEPTH ("" : the default, as loaded), checked as a
# good run plus the driver's depth on the console and the .rodata.
qdepth_run() {	# NAME DEPTH WANT
	local name=$1 depth=$2 want=$3 prepanic=""
	if [ -n "$depth" ]; then
		prepanic=$TPL/prepanic-$name
		printf '#!/bin/sh\nkexec -p -u || exit 1\nkexec -s -p /usr/lib/dumpling/dumpling.img --append="$(dumpling cmdline) dumpling.queue_depth=%s" || exit 1\necho "DTEST: reloaded with dumpling.queue_depth=%s"\n' \
			"$depth" "$depth" >"$prepanic"
		chmod +x "$prepanic"
	fi
	E2E_APPEND=nokaslr boot_run "$name" gpt nvme /dev/nvme0n1p2 dumpling "" "$prepanic" || return
	check "$name: the driver kept $want writes in flight" \
		grep -aq "nvme .* queue depth $want " "$E2E_OUT/$name/serial.log"
	E2E_KEEP_DISK=1 good_run "$name" gpt
	rodata_check "$name" "$E2E_OUT/$name/vmcore"
	[ -n "${E2E_KEEP_DISK:-}" ] || rm -f "$E2E_OUT/$name/disk.img" "$E2E_OUT/$name/vmcore"
}

mkdir -p "$E2E_OUT"
E2E_DISK_BUS=nvme	# the initramfs gets the virtio and the nvme modules
if ! e2e_kernel; then
	fail "fetch kernel $E2E_KERNEL_PKG"
	e2e_summary
	exit 1
fi
if ! make_templates; then
	fail "build the partitioned disk images (sgdisk, sfdisk, mkgpt.py)"
	e2e_summary
	exit 1
fi

for r in "${runs[@]}"; do
	case $r in
	nvme)
		boot_run nvme gpt nvme /dev/nvme0n1p2 dumpling && good_run nvme gpt yes
		;;
	virtio)
		boot_run virtio gpt virtio PARTUUID=$G2 kexec-s && {
			check "virtio: the loader put dumpling.partuuid=$G2 on the command line" \
				grep -aq "^DTEST: cmdline: .*dumpling.part=$P2_START+$P2_LEN dumpling.partuuid=$G2" \
				"$E2E_OUT/virtio/serial.log"
			good_run virtio gpt
		}
		;;
	replaced)
		printf '#!/bin/sh\n# The disk changes under the loaded crash image.\nsgdisk -u 2:%s /dev/nvme0n1 >/dev/null 2>&1 || exit 1\necho "DTEST: partition 2 now has GUID %s"\n' \
			$G_NEW $G_NEW >"$TPL/prepanic-replaced"
		boot_run replaced gpt nvme /dev/nvme0n1p2 dumpling "" "$TPL/prepanic-replaced" && {
			out=$E2E_OUT/replaced
			check "replaced: QEMU exited by itself" [ "$(cat "$out/qemu.rc")" = 0 ]
			check "replaced: the guest changed the GUID before the panic" \
				grep -aq "^DTEST: partition 2 now has GUID" "$out/serial.log"
			check "replaced: sysrq panic happened" grep -aq 'sysrq: Trigger a crash' "$out/serial.log"
			check "replaced: the image refused, saying what it expected and found" \
				grep -aqE "refusing to write.*expected GPT partition PARTUUID $G2 at bytes $P2_START\+$P2_LEN; found no such partition" \
				"$out/serial.log"
			check "replaced: ... and ran failure_action" \
				grep -aq "dump failed: .*running failure_action reboot" "$out/serial.log"
			check "replaced: not one byte of the disk changed after the guest's sgdisk (sha256)" \
				[ "$(sha256sum <"$out/disk.img" | cut -d' ' -f1)" = "$(cat "$TPL/replaced.sha")" ]
			grep -a "refusing\|dump failed" "$out/serial.log" | sed 's/^/replaced: console: /'
			[ -n "${E2E_KEEP_DISK:-}" ] || rm -f "$out/disk.img"
		}
		;;
	nvme4k)
		boot_run nvme4k gpt4k nvme /dev/nvme0n1p2 dumpling \
			",logical_block_size=4096,physical_block_size=4096" && {
			check "nvme4k: the driver saw 4096-byte blocks" \
				grep -aq "nvme .* blocks of 4096 bytes" "$E2E_OUT/nvme4k/serial.log"
			good_run nvme4k gpt4k
		}
		;;
	qdepth)
		qdepth_run qdepth1 1 1
		qdepth_run qdepth8 "" 8
		;;
	mbr)
		T_START=$((P2_START + MiB)); T_LEN=$((P2_LEN - MiB))
		boot_run mbr mbr virtio /dev/vda5 dumpling && {
			check "mbr: the loader named the MBR partition (dumpling.mbr=$MBR_SIG-5)" \
				grep -aq "dumpling.mbr=$MBR_SIG-5" "$E2E_OUT/mbr/serial.log"
			good_run mbr mbr
		}
		T_START=$P2_START; T_LEN=$P2_LEN
		;;
	bypartuuid)
		boot_run bypartuuid gpt nvme /dev/disk/by-partuuid/$G2 dumpling && good_run bypartuuid gpt
		;;
	*)
		fail "unknown run $r"
		;;
	esac
done

for r in "${runs[@]}"; do
	[ -f "$E2E_OUT/$r/timing.txt" ] && note "$r: $(grep -v '^mode=' "$E2E_OUT/$r/timing.txt" | tr '\n' ' ')"
done
e2e_summary

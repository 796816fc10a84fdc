#!/bin/bash
# The ext4 target, end to end. Filesystems made by mkfs.ext4 that already hold
# files (their hashes are taken first); the guest never mounts them. Runs (one
# QEMU boot each):
#   virtio  a whole virtio-blk disk, `ext4 UUID=...` (found by the loader
#           reading superblocks), `path /var/crash` which already has an old
#           dump directory and an htree directory beside it, -d 31
#   full    a 104 MiB filesystem, -d 1: the ~95 MB dump cannot fit; the image
#           must finish an INCOMPLETE dump that crash still opens (sys, bt,
#           log, ps). The writer puts the kernel image first, then RAM from
#           the top down, so what is lost is low memory: with nokaslr the
#           kernel image is at 16 MiB and the lost pages are the stale ones
#           below it and the last page-allocator pages above it. crash reads
#           pages from all over kernel memory, so the filesystem must not be
#           much smaller: with this guest it opens while up to ~17 MB are lost.
#   nvme    partition 2 of a GPT NVMe disk, `ext4 LABEL=...`, default path;
#           partitions 1 and 3 hold random data that must come through
# Each run checks: e2fsck -fn is clean; the old files are unchanged; debugfs
# extracts var/crash/<ip>-<date>/vmcore (mode 0400), which opens in crash (bt,
# log); vmcore-dmesg.txt beside it has the panic line.
# Usage: suites/ext4.sh [RUN...]
set -uo pipefail

E2E_OUT=${E2E_OUT:-$(cd "$(dirname "$0")/.." && pwd)/out/ext4}
E2E_MEM=${E2E_MEM:-512M}
. "$(dirname "$0")/../lib.sh"

runs=("$@")
[ ${#runs[@]} -gt 0 ] || runs=(virtio full nvme)

MiB=1048576
UUID=3f1d0c2a-5b6e-4c7d-8e9f-a0b1c2d3e4f5
TPL=$E2E_OUT/templates
PANIC_RE='sysrq: Trigger a crash|Kernel panic - not syncing: sysrq triggered crash'

# The files every filesystem starts with.
make_root() {
	local r=$TPL/root i
	rm -rf "$r" && mkdir -p "$r/etc" "$r/data" "$r/var/crash/127.0.0.1-2020-01-01-00:00:00" "$r/var/big"
	echo crashy >"$r/etc/hostname"
	head -c $((3 * MiB)) /dev/urandom >"$r/data/blob"
	head -c 100000 /dev/urandom >"$r/var/crash/127.0.0.1-2020-01-01-00:00:00/vmcore"
	for i in $(seq 1 300); do : >"$r/var/big/some-longer-file-name-$i"; done
}

# mkfs_img IMG SIZE OPTS...: an ext4 image with the tree above, its htree made
# by e2fsck -D, and the hashes of its files in IMG.sums.
mkfs_img() {
	local img=$1 size=$2
	shift 2
	rm -f "$img"
	mkfs.ext4 -q -F -E root_owner=0:0 -d "$TPL/root" "$@" "$img" "$size" || return 1
	e2fsck -fyD "$img" >/dev/null 2>&1
	e2fsck -fn "$img" >/dev/null 2>&1 || return 1
	fs_sums "$img" >"$img.sums"
}

# fs_sums IMG: sha256 of the files that were there before the dump.
fs_sums() {
	local f
	for f in /etc/hostname /data/blob "/var/crash/127.0.0.1-2020-01-01-00:00:00/vmcore"; do
		printf '%s ' "$f"
		debugfs -R "cat \"$f\"" "$1" 2>/dev/null | sha256sum | cut -d' ' -f1
	done
	debugfs -R "ls /var/big" "$1" 2>/dev/null | tr -s ' ' '\n' | grep -c some-longer-file-name
}

make_templates() {
	rm -rf "$TPL" && mkdir -p "$TPL"
	make_root || return 1
	# virtio: the whole disk is the filesystem.
	mkfs_img "$TPL/virtio.img" 400M -U "$UUID" -L dumps || return 1
	# full: too small for the dump.
	mkfs_img "$TPL/full.img" 104M -L small || return 1
	# nvme: a GPT disk, the filesystem in partition 2 (64 MiB + 300 MiB + 16 MiB).
	truncate -s 400M "$TPL/nvme.img"
	printf 'label: gpt\nstart=2048, size=131072\nstart=133120, size=614400\nstart=747520, size=32768\n' |
		sfdisk -q "$TPL/nvme.img" >/dev/null || return 1
	dd if=/dev/urandom of="$TPL/nvme.img" bs=1M seek=1 count=64 conv=notrunc status=none
	dd if=/dev/urandom of="$TPL/nvme.img" bs=1M seek=365 count=16 conv=notrunc status=none
	range_sha "$TPL/nvme.img" $((1 * MiB)) $((64 * MiB)) >"$TPL/nvme.p1"
	range_sha "$TPL/nvme.img" $((365 * MiB)) $((16 * MiB)) >"$TPL/nvme.p3"
	mkfs_img "$TPL/nvme-p2.img" 300M -L nvmedumps || return 1
	dd if="$TPL/nvme-p2.img" of="$TPL/nvme.img" bs=1M seek=65 conv=notrunc,sparse status=none
	cp "$TPL/nvme-p2.img.sums" "$TPL/nvme.img.sums"
	rm -f "$TPL/nvme-p2.img"
}

range_sha() {
	dd if="$1" bs=1M iflag=skip_bytes,count_bytes skip="$2" count="$3" status=none |
		sha256sum | cut -d' ' -f1
}

# incomplete_readable DUMP RELEASE: libkdumpfile opens the INCOMPLETE dump,
# every page it kept reads back, and every page it lost is refused.
incomplete_readable() {
	/usr/bin/python3 - "$1" "$2" <<'PYEOF'
import struct, sys
import kdumpfile
path, release = sys.argv[1], sys.argv[2]
with open(path, "rb") as f:
    h = f.read(4096)
    status, block, sub, blocks = struct.unpack_from("<IiiI", h, 424)
    f.seek(block * (1 + sub) + blocks * block // 2)
    bm2 = f.read(blocks * block // 2)
    pfns = [i * 8 + b for i, x in enumerate(bm2) if x for b in range(8) if x >> b & 1]
    f.seek(block * (1 + sub + blocks))
    descs = [struct.unpack("<QIIQ", f.read(24)) for _ in pfns]
k = kdumpfile.kdumpfile(path)
assert str(k.attr["linux.uts.release"]) == release, k.attr["linux.uts.release"]
kept = [p for p, d in zip(pfns, descs) if d[0]]
lost = [p for p, d in zip(pfns, descs) if not d[0]]
bad = 0
for p in kept:
    try:
        k.read(kdumpfile.KDUMP_MACHPHYSADDR, p * 4096, 4096)
    except Exception:
        bad += 1
for p in lost[:2000]:
    try:
        k.read(kdumpfile.KDUMP_MACHPHYSADDR, p * 4096, 4096)
        bad += 1
    except Exception:
        pass
print("kept %d, lost %d, wrong %d" % (len(kept), len(lost), bad))
sys.exit(0 if kept and lost and bad == 0 and status & 8 else 1)
PYEOF
}

# boot_run NAME BUS TARGET-LINE CONF-EXTRA [APPEND]
boot_run() {
	local name=$1 bus=$2
	E2E_DISK_BUS=$bus
	case $bus in
	virtio) E2E_GUEST_DISK=/dev/vda
		E2E_DISK_DEVICE="-device virtio-blk-pci,drive=d0" ;;
	nvme)	E2E_GUEST_DISK=/dev/nvme0n1
		E2E_DISK_DEVICE="-device nvme,serial=dumpling0,drive=d0" ;;
	esac
	E2E_CONF_TARGET=$3
	E2E_CONF_EXTRA=$4
	E2E_APPEND=${5:-}
	E2E_DISK_TEMPLATE=$TPL/$name.img
	if ! e2e_initramfs yes; then
		fail "$name: build the initramfs"
		return 1
	fi
	e2e_boot dumpling "$E2E_OUT/$name"
}

# check_fs NAME FSIMG: e2fsck, old files, the new directory and its files.
# Leaves the vmcore in OUT/vmcore.
check_fs() {
	local name=$1 fs=$2 out=$E2E_OUT/$1 dir mode
	e2fsck -fn "$fs" >"$out/e2fsck.txt" 2>&1
	check "$name: e2fsck -fn is clean (exit $?)" \
		bash -c "[ \$(grep -vcE '^(e2fsck [0-9]|Pass [1-5]|.* files \\(.* blocks\$)' '$out/e2fsck.txt') = 0 ]"
	grep -vE '^(e2fsck [0-9]|Pass [1-5])' "$out/e2fsck.txt" | head -n 20 | sed "s/^/$name: e2fsck: /"
	fs_sums "$fs" >"$out/sums"
	check "$name: the files that were there are unchanged" cmp -s "$out/sums" "$TPL/$name.img.sums"
	dir=$(debugfs -R "ls /var/crash" "$fs" 2>/dev/null | tr -s ' ' '\n' |
		grep -E '^127\.0\.0\.1-[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{2}:[0-9]{2}:[0-9]{2}$' |
		grep -v '^127.0.0.1-2020-01-01' | head -n 1)
	check "$name: /var/crash/127.0.0.1-YYYY-MM-DD-HH:MM:SS was made ($dir)" [ -n "$dir" ]
	rm -f "$out/vmcore" "$out/vmcore-dmesg.txt"
	debugfs -R "dump \"/var/crash/$dir/vmcore\" $out/vmcore" "$fs" >/dev/null 2>&1
	check "$name: debugfs extracts var/crash/$dir/vmcore" [ -s "$out/vmcore" ]
	mode=$(debugfs -R "stat \"/var/crash/$dir/vmcore\"" "$fs" 2>/dev/null | grep -o 'Mode: *[0-7]*' | grep -o '[0-7]*$')
	check "$name: vmcore has mode 0400 ($mode)" [ "$mode" = 0400 ]
	debugfs -R "dump \"/var/crash/$dir/vmcore-dmesg.txt\" $out/vmcore-dmesg.txt" "$fs" >/dev/null 2>&1
	check "$name: vmcore-dmesg.txt beside it has the panic line" \
		grep -qE "$PANIC_RE" "$out/vmcore-dmesg.txt" 
	rm -f "$out/dumpling.log"
	debugfs -R "dump \"/var/crash/$dir/dumpling.log\" $out/dumpling.log" "$fs" >/dev/null 2>&1
	e2e_check_runlog "$name" "$out/dumpling.log"
	# status bit 0x8: DUMP_DH_COMPRESSED_INCOMPLETE
	python3 -c 'import struct,sys; h=open(sys.argv[1],"rb").read(4096); print("%#x" % struct.unpack_from("<I", h, 424)[0])' \
		"$out/vmcore" >"$out/status" 2>/dev/null
}

mkdir -p "$E2E_OUT"
E2E_DISK_BUS=nvme	# the initramfs gets the virtio and the nvme modules
if ! e2e_kernel; then
	fail "fetch kernel $E2E_KERNEL_PKG"
	e2e_summary
	exit 1
fi
if ! make_templates; then
	fail "build the ext4 images (mkfs.ext4, sfdisk)"
	e2e_summary
	exit 1
fi

for r in "${runs[@]}"; do
	out=$E2E_OUT/$r
	case $r in
	virtio)
		boot_run virtio virtio "ext4 UUID=$UUID" "$(printf 'path /var/crash\ncore_collector makedumpfile -d 31')" &&
		e2e_check_boot virtio "$out"
		check "virtio: the loader found UUID=$UUID and put ext4 on the command line" \
			grep -aq 'command line: .*dumpling.target=ext4 dumpling.disk=virtio-blk@.* dumpling.path=/var/crash dumpling.hostip=127.0.0.1' "$out/serial.log"
		check_fs virtio "$out/disk.img"
		check "virtio: the dump is complete" grep -qx 0x0 "$out/status"
		e2e_crash virtio "$out/vmcore" "$out"
		;;
	full)
		E2E_CAPTURE_BAD_RE_SAVED=$E2E_CAPTURE_BAD_RE
		E2E_CAPTURE_BAD_RE='dump failed|fatal: cpu exception'
		boot_run full virtio "ext4 LABEL=small" "core_collector makedumpfile -d 1" nokaslr &&
		e2e_check_boot full "$out"
		E2E_CAPTURE_BAD_RE=$E2E_CAPTURE_BAD_RE_SAVED
		check "full: the image said the dump is INCOMPLETE" grep -aq 'dump is INCOMPLETE' "$out/serial.log"
		check_fs full "$out/disk.img"
		check "full: the header says INCOMPLETE (status 0x8)" grep -qx 0x8 "$out/status"
		incomplete_readable "$out/vmcore" "$KERNEL_RELEASE" >"$out/readback.txt" 2>&1
		check "full: libkdumpfile reads every kept page and refuses the lost ones ($(tail -n 1 "$out/readback.txt"))" \
			grep -q 'wrong 0$' "$out/readback.txt"
		# crash needs the kernel image's data, mem_section and the per-cpu
		# areas (memblock puts them at the top of RAM): all are written first.
		e2e_crash full "$out/vmcore" "$out"
		check "full: crash warned that the dump is incomplete" \
			grep -q 'This dumpfile is incomplete' "$out/crash.out"
		;;
	nvme)
		boot_run nvme nvme "ext4 LABEL=nvmedumps" "core_collector makedumpfile -d 31" &&
		e2e_check_boot nvme "$out"
		check "nvme: partition 1 unchanged" \
			[ "$(range_sha "$out/disk.img" $((1 * MiB)) $((64 * MiB)))" = "$(cat "$TPL/nvme.p1")" ]
		check "nvme: partition 3 unchanged" \
			[ "$(range_sha "$out/disk.img" $((365 * MiB)) $((16 * MiB)))" = "$(cat "$TPL/nvme.p3")" ]
		dd if="$out/disk.img" of="$out/p2.img" bs=1M skip=65 count=300 status=none
		check_fs nvme "$out/p2.img"
		e2e_crash nvme "$out/vmcore" "$out"
		rm -f "$out/p2.img"
		;;
	*)
		fail "unknown run $r"
		continue
		;;
	esac
	[ -n "${E2E_KEEP_DISK:-}" ] || rm -f "$out/disk.img" "$out/vmcore"
done
e2e_summary

#!/bin/bash
# crashkernel=8M, end to end: a 4 GB guest panics and the capture image dumps it
# with `core_collector makedumpfile -z -d 31` (zstd pages, filtered) to a raw
# virtio-blk disk. Checks:
#   - the console shows the kernel log tail and "panic: <reason>" before the
#     target is opened;
#   - the dump says zstd (status and page descriptors);
#   - crash opens it (sys, bt, log, ps);
#   - python3-libkdumpfile reads every dumpable page (bitmap 2) without error;
#   - makedumpfile --dump-dmesg shows the panic line. Debian's makedumpfile
#     1.7.2 is built without zstd, so it reads an uncompressed copy made by
#     dumpling-collect from the zstd dump (same pages, same filter level);
#   - dumpling-extract --dmesg, straight off the raw disk, gives the panic line,
#     and the same lines as makedumpfile --dump-dmesg.
# Debian's 6.12 kernel runs too (4 GB): crash 8.0.2 cannot open its dumps, so
# drgn reads its log and memory instead. With E2E_FULL=1 also: 1 GB and 16 GB
# guests of both kernels at crashkernel=8M (the memory the image needs does
# not grow with RAM).
# Usage: suites/small.sh
set -uo pipefail

E2E_OUT=${E2E_OUT:-$(cd "$(dirname "$0")/.." && pwd)/out/small}
E2E_MEM=${E2E_MEM:-4G}
E2E_CRASHKERNEL=${E2E_CRASHKERNEL:-8M}
E2E_CONF_EXTRA='core_collector makedumpfile -z -d 31'
PANIC_LINE='Kernel panic - not syncing: sysrq triggered crash'
. "$(dirname "$0")/../lib.sh"

# kdump_status DUMP: "status=<hex> zstd_pages=<n> raw_pages=<n>" from the header
# and the page descriptors.
kdump_status() {
	python3 - "$1" <<'EOF'
import struct, sys
with open(sys.argv[1], "rb") as f:
    h = f.read(4096)
    status, block, sub, blocks = struct.unpack_from("<IiiI", h, 424)
    f.seek(block)
    mapnr, = struct.unpack_from("<Q", f.read(104), 96)
    f.seek(block * (1 + sub) + blocks * block // 2)
    bm2 = f.read(blocks * block // 2)
    n = sum(bin(b).count("1") for b in bm2)
    f.seek(block * (1 + sub + blocks))
    z = r = 0
    for i in range(n):
        off, size, flags, _ = struct.unpack("<QIIQ", f.read(24))
        if flags & 0x20:
            z += 1
        elif flags == 0:
            r += 1
print("status=%#x zstd_pages=%d raw_pages=%d" % (status, z, r))
EOF
}

# read_all_pages DUMP: libkdumpfile reads every pfn set in bitmap 2.
read_all_pages() {
	/usr/bin/python3 - "$1" <<'EOF'
import struct, sys
import kdumpfile
path = sys.argv[1]
with open(path, "rb") as f:
    h = f.read(4096)
    block, sub, blocks = struct.unpack_from("<iiI", h, 428)
    f.seek(block * (1 + sub) + blocks * block // 2)
    bm2 = f.read(blocks * block // 2)
k = kdumpfile.kdumpfile(path)
n = bad = 0
for i, byte in enumerate(bm2):
    while byte:
        b = byte & -byte
        pfn = i * 8 + b.bit_length() - 1
        byte ^= b
        try:
            if len(k.read(kdumpfile.KDUMP_MACHPHYSADDR, pfn * 4096, 4096)) != 4096:
                bad += 1
        except Exception as e:
            bad += 1
            if bad <= 5:
                print("  pfn %#x: %s" % (pfn, e), file=sys.stderr)
        n += 1
print("  libkdumpfile: %d dumpable pages read, %d errors" % (n, bad))
sys.exit(1 if bad or n == 0 else 0)
EOF
}

# dmesg_lines FILE: the log lines, without makedumpfile's own messages.
dmesg_lines() {
	grep -a '^\[' "$1"
}

# same_dmesg A B: the same log lines, and a real log (not two empty files).
same_dmesg() {
	[ "$(dmesg_lines "$1" | wc -l)" -gt 50 ] && cmp -s <(dmesg_lines "$1") <(dmesg_lines "$2")
}

# drgn_check DUMP: the log through drgn's printk helpers, and memory through a
# kernel variable (init_task's comm).
drgn_check() {
	/usr/bin/python3 - "$KERNEL_VMLINUX" "$1" <<'EOF'
import sys
import drgn
from drgn.helpers.linux.printk import get_printk_records
prog = drgn.Program()
prog.set_core_dump(sys.argv[2])
prog.load_debug_info([sys.argv[1]])
recs = get_printk_records(prog)
panic = [r.text.decode(errors="replace") for r in recs if b"Kernel panic - not syncing" in r.text]
comm = prog["init_task"].comm.string_().decode()
print("  drgn: %d printk records; init_task.comm=%s; %s" % (len(recs), comm, panic[-1:] or "no panic line"))
sys.exit(0 if panic and comm == "swapper/0" and len(recs) > 50 else 1)
EOF
}

# run_small NAME [crash|drgn|none]: one boot at E2E_MEM and E2E_CRASHKERNEL.
run_small() {
	local name=$1 reader=${2:-crash} out=$E2E_OUT/$1 rc st
	if ! e2e_kernel; then
		fail "$name: fetch kernel $E2E_KERNEL_PKG"
		return
	fi
	if ! e2e_initramfs yes; then
		fail "$name: build the initramfs"
		return
	fi
	note "$name: $KERNEL_RELEASE, ${E2E_MEM} guest, crashkernel=$E2E_CRASHKERNEL"
	e2e_boot dumpling "$out"
	e2e_check_boot "$name" "$out"
	note "$name: $(tr '\n' ' ' <"$out/timing.txt")"
	grep -a 'dumpling: \|^dumped \|^panic: ' "$out/serial.log" | sed "s/^/$name: console: /" | head -n 20

	# The reason is on the console before any target is touched.
	check "$name: console: the kernel log tail before dumping" \
		grep -aq -- '---- the crashed kernel.s log, last 50 records ----' "$out/serial.log"
	check "$name: console: 'panic: sysrq triggered crash' before the target is opened" \
		awk '/\] panic: sysrq triggered crash/ { p = NR } /\] writing the dump to/ { w = NR }
		     END { exit !(p && w && p < w) }' "$out/serial.log"

	"$BUILD/dumpling-extract" --dmesg "$out/vmcore-dmesg.txt" "$out/disk.img" \
		>"$out/extract-dmesg.log" 2>&1
	rc=$?
	sed "s/^/$name: extract --dmesg: /" "$out/extract-dmesg.log"
	check "$name: dumpling-extract --dmesg off the raw disk (exit $rc)" [ "$rc" = 0 ]
	check "$name: vmcore-dmesg.txt has the panic line" \
		grep -aq "$PANIC_LINE" "$out/vmcore-dmesg.txt"

	"$BUILD/dumpling-extract" "$out/disk.img" "$out/vmcore" >"$out/extract.log" 2>&1
	rc=$?
	sed "s/^/$name: extract: /" "$out/extract.log"
	check "$name: dumpling-extract (exit $rc)" [ "$rc" = 0 ]
	[ -n "${E2E_KEEP_DISK:-}" ] || rm -f "$out/disk.img"

	st=$(kdump_status "$out/vmcore" 2>&1)
	note "$name: $st, $(stat -c %s "$out/vmcore" 2>/dev/null) bytes"
	check "$name: zstd in the header status and in page descriptors" \
		bash -c "[[ '$st' =~ status=0x2[0-9a-f]?\ zstd_pages=[1-9] ]]"

	check "$name: libkdumpfile reads every dumpable page" read_all_pages "$out/vmcore"

	# makedumpfile 1.7.2 without zstd reads an uncompressed copy of the same dump.
	"$BUILD/dumpling-collect" -d 31 "$out/vmcore" "$out/vmcore.plain" >"$out/collect.log" 2>&1
	rc=$?
	check "$name: dumpling-collect -d 31 makes an uncompressed copy (exit $rc)" [ "$rc" = 0 ]
	makedumpfile --dump-dmesg "$out/vmcore.plain" "$out/makedumpfile-dmesg.txt" \
		>"$out/makedumpfile-dmesg.log" 2>&1
	check "$name: makedumpfile --dump-dmesg has the panic line" \
		grep -aq "$PANIC_LINE" "$out/makedumpfile-dmesg.txt"
	check "$name: vmcore-dmesg.txt has the same lines as makedumpfile --dump-dmesg" \
		same_dmesg "$out/vmcore-dmesg.txt" "$out/makedumpfile-dmesg.txt"
	note "$name: $(dmesg_lines "$out/vmcore-dmesg.txt" | wc -l) log lines"

	case $reader in
	crash) e2e_crash "$name" "$out/vmcore" "$out" ;;
	drgn)  check "$name: drgn reads the log and init_task" drgn_check "$out/vmcore" ;;
	esac
	[ -n "${E2E_KEEP_DISK:-}" ] || rm -f "$out/vmcore" "$out/vmcore.plain"
}

mkdir -p "$E2E_OUT"
run_small linux61-4G crash
# 6.12's elfcorehdr takes ~1 MB of the reservation (see README, Memory).
E2E_CRASHKERNEL=${E2E_CRASHKERNEL_612:-8M} \
E2E_KERNEL_PKG=${E2E_KERNEL_PKG_612:-linux-image-6.12-cloud-amd64} run_small linux612-4G drgn

if [ -n "${E2E_FULL:-}" ]; then
	E2E_MEM=1G run_small linux61-1G none
	E2E_MEM=16G run_small linux61-16G none
	E2E_CRASHKERNEL=${E2E_CRASHKERNEL_612:-8M} E2E_MEM=1G \
	E2E_KERNEL_PKG=${E2E_KERNEL_PKG_612:-linux-image-6.12-cloud-amd64} run_small linux612-1G none
	E2E_CRASHKERNEL=${E2E_CRASHKERNEL_612:-8M} E2E_MEM=16G \
	E2E_KERNEL_PKG=${E2E_KERNEL_PKG_612:-linux-image-6.12-cloud-amd64} run_small linux612-16G none
fi

e2e_summary

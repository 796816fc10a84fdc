#!/bin/bash
# The page filter against makedumpfile, end to end. Two QEMU boots make the
# fixtures: a crashed guest dumped by the capture image with
# `core_collector makedumpfile -E -d 0` (a full ELF vmcore), taken off the disk
# with dumpling-extract and opened in crash; and the same guest dumped by
# Linux's own kdump kernel, which copies /proc/vmcore to the disk byte for byte
# (linux61-kdump). Then, on the host, for each fixture and each dump level N in
# 31 1 16 17, `dumpling-collect -d N` and Debian's `makedumpfile -d N` (no
# vmlinux: VMCOREINFO only) must keep exactly the same pages: their 2nd
# bitmaps are compared byte for byte. dumpling-collect -z must write the same
# bytes on 1, 2 and 4 threads. dumpling-collect -E must give an ELF
# vmcore crash opens too.
# With E2E_FULL=1 the same runs on Debian's 6.12 kernel (bookworm-backports).
# Debian 12's makedumpfile (1.7.2) and crash (8.0.2) predate 6.12: drgn checks
# the dump instead of crash, and the bitmaps may differ only on slab pages
# 1.7.2 takes for anonymous ones (see slab_only).
# Usage: suites/filter.sh [linux61] [linux61-kdump] [linux612]
set -uo pipefail

E2E_OUT=${E2E_OUT:-$(cd "$(dirname "$0")/.." && pwd)/out/filter}
E2E_MEM=${E2E_MEM:-768M}
E2E_CONF_EXTRA='core_collector makedumpfile -E -d 0'
. "$(dirname "$0")/../lib.sh"

LEVELS=(31 1 16 17)

# cmp_bitmaps A B: the 2nd bitmaps of two kdump-compressed files, byte for
# byte. Prints where they differ.
cmp_bitmaps() {
	python3 - "$1" "$2" "${3:-}" <<'EOF'
import struct, sys

def bitmaps(path):
    with open(path, "rb") as f:
        h = f.read(4096)
        if h[:8] not in (b"KDUMP   ", b"DISKDUMP"):
            sys.exit("%s: not a kdump-compressed file" % path)
        block, sub, blocks, mapnr = struct.unpack_from("<iiIi", h, 428)
        f.seek(block)
        kh = f.read(104)
        mapnr64, = struct.unpack_from("<Q", kh, 96)
        f.seek(block * (1 + sub))
        both = f.read(blocks * block)
    half = len(both) // 2
    return both[:half], both[half:], mapnr64

a1, a2, an = bitmaps(sys.argv[1])
b1, b2, bn = bitmaps(sys.argv[2])
print("  max_mapnr %d / %d, bitmap %d / %d bytes" % (an, bn, len(a2), len(b2)))
n = min(len(a2), len(b2))
diff = [p for i in range(n) if a2[i] != b2[i]
        for p in range(i * 8, i * 8 + 8) if ((a2[i] ^ b2[i]) >> (p & 7)) & 1]
extra = [i for i in range(n, max(len(a2), len(b2)))
         if (a2[i] if i < len(a2) else b2[i])]
pop = lambda b: sum(bin(x).count("1") for x in b)
print("  dumpable pages: %d / %d" % (pop(a2), pop(b2)))
if sys.argv[3]:
    with open(sys.argv[3], "w") as f:
        f.write("".join("%d %d %d\n" % (p, (a2[p >> 3] >> (p & 7)) & 1, (b2[p >> 3] >> (p & 7)) & 1)
                        for p in diff))
if diff or extra:
    print("  %d pfns differ; first: %s" % (len(diff),
          " ".join("%#x(%d/%d)" % (p, (a2[p >> 3] >> (p & 7)) & 1, (b2[p >> 3] >> (p & 7)) & 1)
                   for p in diff[:12])))
    if extra:
        print("  and %d non-zero bytes past the shorter bitmap" % len(extra))
    sys.exit(1)
EOF
}

# slab_only VMCORE DIFF: every pfn of DIFF ("pfn ours theirs") is one we keep
# and makedumpfile 1.7.2 drops, whose struct page (read with drgn) is a 6.12
# slab page (page_type PGTY_slab) with an odd word where 1.7.2 reads mapping.
# 1.7.2 predates 6.12 and counts those as anonymous (user) pages; later
# makedumpfile does not (isSlab() in isAnon()), and neither do we.
slab_only() {
	timeout 300 /usr/bin/python3 - "$1" "$KERNEL_VMLINUX" "$2" <<'EOF'
import sys, drgn
from drgn.helpers.linux.mm import pfn_to_page
p = drgn.Program()
p.set_core_dump(sys.argv[1])
p.load_debug_info([sys.argv[2]])
bad = n = 0
for line in open(sys.argv[3]):
    pfn, ours, theirs = map(int, line.split())
    n += 1
    pg = pfn_to_page(p, pfn)
    mc = pg._mapcount.counter.value_() & 0xffffffff
    if not (ours == 1 and theirs == 0 and mc >> 24 == 0xf5 and pg.mapping.value_() & 1):
        bad += 1
        if bad <= 5:
            print("  pfn %#x: ours %d theirs %d page_type %#x mapping %#x"
                  % (pfn, ours, theirs, mc, pg.mapping.value_()))
print("  %d pfns differ, %d of them not such slab pages" % (n, bad))
sys.exit(1 if bad else 0)
EOF
}

# drgn_check NAME VMCORE: for kernels Debian 12's crash (8.0.2) cannot read.
drgn_check() {
	local name=$1 vmcore=$2 r
	r=$(timeout 300 /usr/bin/python3 - "$vmcore" "$KERNEL_VMLINUX" 2>&1 <<'EOF'
import sys, drgn
from drgn.helpers.linux.printk import get_dmesg
from drgn.helpers.linux.pid import find_task
p = drgn.Program()
p.set_core_dump(sys.argv[1])
p.load_debug_info([sys.argv[2]])
print("release=" + p["init_uts_ns"].name.release.string_().decode())
print("panic=%d" % (b"sysrq: Trigger a crash" in get_dmesg(p)))
print("init=" + find_task(p, 1).comm.string_().decode())
EOF
)
	echo "$r" | sed "s/^/$name: drgn: /"
	check "$name: drgn opened the dump: release $KERNEL_RELEASE" grep -qx "release=$KERNEL_RELEASE" <<<"$r"
	check "$name: drgn: dmesg has the sysrq panic line" grep -qx "panic=1" <<<"$r"
	check "$name: drgn: PID 1 is init" grep -qx "init=init" <<<"$r"
}

# compare_levels NAME VMCORE: dumpling-collect and makedumpfile at each level.
compare_levels() {
	local name=$1 vmcore=$2 out=$E2E_OUT/$1 n t0 t1 t2 rc
	for n in "${LEVELS[@]}"; do
		rm -f "$out/dl$n.dumpling" "$out/dl$n.makedumpfile"
		t0=$(date +%s.%N)
		"$BUILD/dumpling-collect" -d "$n" "$vmcore" "$out/dl$n.dumpling" \
			>"$out/collect-$n.log" 2>&1
		rc=$?
		t1=$(date +%s.%N)
		check "$name -d $n: dumpling-collect (exit $rc)" [ "$rc" = 0 ]
		makedumpfile -d "$n" "$vmcore" "$out/dl$n.makedumpfile" >"$out/makedumpfile-$n.log" 2>&1
		rc=$?
		t2=$(date +%s.%N)
		check "$name -d $n: makedumpfile (exit $rc)" [ "$rc" = 0 ]
		grep -a "^filter:" "$out/collect-$n.log" | sed "s/^/$name -d $n: /"
		note "$name -d $n: dumpling-collect $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}')s" \
			"$(stat -c %s "$out/dl$n.dumpling" 2>/dev/null) bytes;" \
			"makedumpfile $(awk -v a="$t1" -v b="$t2" 'BEGIN{printf "%.2f", b-a}')s" \
			"$(stat -c %s "$out/dl$n.makedumpfile" 2>/dev/null) bytes"
		if [ "$name" != linux612 ]; then
			check "$name -d $n: the same 2nd bitmap as makedumpfile" \
				cmp_bitmaps "$out/dl$n.dumpling" "$out/dl$n.makedumpfile"
		else
			cmp_bitmaps "$out/dl$n.dumpling" "$out/dl$n.makedumpfile" "$out/diff-$n.txt"
			check "$name -d $n: the same 2nd bitmap as makedumpfile 1.7.2 but for slab pages it takes for anonymous" \
				slab_only "$vmcore" "$out/diff-$n.txt"
		fi
		rm -f "$out/dl$n.dumpling" "$out/dl$n.makedumpfile"
	done
}

# fixture NAME: boot, panic, dump as ELF, extract; sets VMCORE.
fixture() {
	local name=$1 out=$E2E_OUT/$1 rc
	VMCORE=
	if ! e2e_kernel; then
		fail "$name: fetch kernel $E2E_KERNEL_PKG"
		return 1
	fi
	if ! e2e_initramfs yes; then
		fail "$name: build the initramfs"
		return 1
	fi
	e2e_boot dumpling "$out"
	e2e_check_boot "$name" "$out"
	check "$name: the loader asked for ELF output (dumpling.format=elf)" \
		grep -aq "dumpling.format=elf" "$out/serial.log"
	"$BUILD/dumpling-extract" "$out/disk.img" "$out/vmcore" >"$out/extract.log" 2>&1
	rc=$?
	sed "s/^/$name: extract: /" "$out/extract.log"
	rm -f "$out/disk.img"
	check "$name: dumpling-extract (exit $rc)" [ "$rc" = 0 ]
	check "$name: the dump is an ELF vmcore" \
		bash -c "head -c 4 '$out/vmcore' | cmp -s - <(printf '\177ELF')"
	[ -s "$out/vmcore" ] && VMCORE=$out/vmcore
	if [ "$name" = linux612 ]; then
		drgn_check "$name" "$out/vmcore"
	else
		e2e_crash "$name" "$out/vmcore" "$out"
	fi
}

# kdump_fixture NAME: boot, panic, Linux's kdump kernel saves /proc/vmcore on
# the disk; sets VMCORE to the ELF file cut from the disk.
kdump_fixture() {
	local name=$1 out=$E2E_OUT/$1 size
	VMCORE=
	e2e_kernel || { fail "$name: fetch kernel $E2E_KERNEL_PKG"; return 1; }
	e2e_initramfs no || { fail "$name: build the initramfs"; return 1; }
	E2E_APPEND="$E2E_APPEND dtest.save=elf" e2e_boot linux "$out"
	e2e_check_boot linux "$out"
	check "$name: the kdump kernel copied /proc/vmcore" \
		grep -aq '^DTEST: cat /proc/vmcore rc=0' "$out/serial.log"
	size=$(python3 "$E2E_DIR/elfsize.py" "$out/disk.img")
	check "$name: the disk holds an ELF vmcore (${size:-no} bytes)" [ -n "$size" ]
	[ -n "$size" ] || return 1
	truncate -s "$size" "$out/disk.img" && mv "$out/disk.img" "$out/vmcore"
	VMCORE=$out/vmcore
}

runs=("$@")
if [ ${#runs[@]} -eq 0 ]; then
	runs=(linux61 linux61-kdump)
	[ -z "${E2E_FULL:-}" ] || runs+=(linux612)
fi
want() { [[ " ${runs[*]} " == *" $1 "* ]]; }
mkdir -p "$E2E_OUT"

# ---- Debian 12's 6.1 kernel ----
if want linux61 && fixture linux61; then
	compare_levels linux61 "$VMCORE"
	# dumpling-collect -E: the filtered ELF vmcore opens in crash.
	out=$E2E_OUT/linux61
	"$BUILD/dumpling-collect" -E -d 31 "$VMCORE" "$out/vmcore-E31" >"$out/collect-E.log" 2>&1
	check "linux61: dumpling-collect -E -d 31 (exit $?)" [ -s "$out/vmcore-E31" ]
	note "linux61: -E -d 31 is $(stat -c %s "$out/vmcore-E31") bytes in" \
		"$(python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(64); print(struct.unpack_from("<H", d, 56)[0])' "$out/vmcore-E31") program headers"
	mkdir -p "$out/E31"
	e2e_crash "linux61 -E -d 31" "$out/vmcore-E31" "$out/E31"
	# makedumpfile -E cuts the same PT_LOADs (it writes short excluded runs
	# with their data, we with zeros: the headers must match, not the data).
	makedumpfile -E -d 31 "$VMCORE" "$out/vmcore-E31.makedumpfile" >"$out/makedumpfile-E.log" 2>&1
	check "linux61 -E -d 31: the same program headers as makedumpfile -E -d 31" \
		cmp -s <(readelf -lW "$out/vmcore-E31" | grep -E 'LOAD|NOTE') \
		<(readelf -lW "$out/vmcore-E31.makedumpfile" | grep -E 'LOAD|NOTE')
	# Threads share the compression, never the result: the same bytes for
	# 1, 2 and 4 threads (4 is more threads than this machine's CPUs).
	for d in 1 31; do
		for t in 1 2 4; do
			"$BUILD/dumpling-collect" -z -d $d --threads $t "$VMCORE" "$out/z$d.t$t" \
				>"$out/collect-z$d.t$t.log" 2>&1
			check "linux61 -z -d $d --threads $t: written (exit $?)" [ -s "$out/z$d.t$t" ]
		done
		for t in 2 4; do
			check "linux61 -z -d $d: --threads $t writes the bytes --threads 1 does" \
				cmp "$out/z$d.t1" "$out/z$d.t$t"
		done
		rm -f "$out/z$d.t2" "$out/z$d.t4"
	done
	mkdir -p "$out/z31"
	e2e_crash "linux61 -z -d 31 --threads 1" "$out/z31.t1" "$out/z31"
	rm -f "$out/z1.t1" "$out/z31.t1"
	[ -n "${E2E_KEEP_DISK:-}" ] || rm -f "$VMCORE" "$out/vmcore-E31" "$out/vmcore-E31.makedumpfile"
fi

# ---- the same kernel, dumped by Linux's own kdump kernel ----
if want linux61-kdump && kdump_fixture linux61-kdump; then
	compare_levels linux61-kdump "$VMCORE"
	[ -n "${E2E_KEEP_DISK:-}" ] || rm -f "$VMCORE"
fi

# ---- Debian's 6.12 kernel (bookworm-backports) ----
if want linux612; then
	E2E_KERNEL_PKG=${E2E_KERNEL_PKG_612:-linux-image-6.12-cloud-amd64}
	if fixture linux612; then
		compare_levels linux612 "$VMCORE"
		[ -n "${E2E_KEEP_DISK:-}" ] || rm -f "$VMCORE"
	fi
fi

e2e_summary

#!/bin/bash
# IOMMUs the crashed kernel left on, end to end. Each run boots a q35 machine
# with a virtual IOMMU placed before the PCI devices, the production kernel
# with its default IOMMU settings (Debian: DMA remapping on), panics, and
# checks that dumpling wrote a dump crash opens while a second disk, which is
# not the target but sits behind the same IOMMU, stays byte-identical.
# Without the image's IOMMU support the vtd and amd runs fail (the NVMe's
# first command times out); the pt control passes either way.
#
#   vtd        Intel VT-d, legacy mode; raw NVMe target (the issue's failure)
#   vtd-sm     Intel VT-d, x-scalable-mode=on, aw-bits=48; raw virtio-blk
#              target with iommu_platform=on (VIRTIO_F_ACCESS_PLATFORM)
#   amd        AMD-Vi (amd-iommu), Debian's generic kernel (the cloud kernel
#              has no AMD IOMMU driver); raw NVMe target. QEMU 7.2's amd-iommu
#              does translate the emulated NVMe's DMA: without the door the
#              identify command times out, as with VT-d.
#   pt         control: VT-d (caching-mode=on), the production kernel booted
#              with iommu=pt
#   net        (E2E_FULL=1) VT-d legacy, nfs targets over virtio-net
#              (iommu_platform=on) and e1000: suites/nfs.sh on a q35 machine
#   nvme-only  (not in the default list) no IOMMU: the same dump on the same
#              machine without one, for the timing comparison
#
# Usage: suites/iommu.sh [RUN...]
set -uo pipefail

E2E_OUT=${E2E_OUT:-$(cd "$(dirname "$0")/.." && pwd)/out/iommu}
E2E_MEM=${E2E_MEM:-512M}
E2E_DISK_SIZE=${E2E_DISK_SIZE:-512M}
E2E_CONF_EXTRA=${E2E_CONF_EXTRA:-core_collector makedumpfile -d 31}
. "$(dirname "$0")/../lib.sh"

runs=("$@")
if [ ${#runs[@]} -eq 0 ]; then
	runs=(vtd vtd-sm amd pt)
	[ -z "${E2E_FULL:-}" ] || runs+=(net)
fi

OTHER_MB=32
VTD="-device intel-iommu,intremap=on"
Q35="-machine q35,kernel-irqchip=split"

# A second disk, full of random data, that no one may write.
make_other() {
	local out=$1
	mkdir -p "$out"
	dd if=/dev/urandom of="$out/other.img" bs=1M count=$OTHER_MB status=none &&
		sha256sum <"$out/other.img" | cut -d' ' -f1 >"$out/other.sha"
}

# run_case NAME KERNEL_PKG TARGET_BUS MACHINE_ARGS [APPEND]
#   TARGET_BUS nvme: target NVMe, other disk virtio-blk (iommu_platform)
#              virtio: target virtio-blk (iommu_platform), other disk NVMe
run_case() {
	local name=$1 pkg=$2 bus=$3 machine=$4 append=${5:-} out=$E2E_OUT/$1
	local vblk="virtio-blk-pci,iommu_platform=on,disable-legacy=on"
	E2E_KERNEL_PKG=$pkg
	E2E_DISK_BUS=nvme
	KERNEL_MODULES="virtio virtio_ring virtio_pci virtio_pci_modern_dev virtio_pci_legacy_dev virtio_blk"
	if ! e2e_kernel; then
		fail "$name: fetch kernel $pkg"
		return 1
	fi
	if ! make_other "$out.other"; then
		fail "$name: make the second disk"
		return 1
	fi
	local other="-drive file=$out.other/other.img,if=none,id=d1,format=raw"
	case $bus in
	nvme)	E2E_GUEST_DISK=/dev/nvme0n1
		E2E_DISK_DEVICE="$machine -device nvme,serial=target0,drive=d0 $other -device $vblk,drive=d1" ;;
	virtio)	E2E_GUEST_DISK=/dev/vda
		E2E_DISK_DEVICE="$machine -device $vblk,drive=d0 $other -device nvme,serial=other1,drive=d1" ;;
	esac
	E2E_CONF_TARGET="raw $E2E_GUEST_DISK"
	E2E_APPEND=$append
	if ! e2e_initramfs yes; then
		fail "$name: build the initramfs"
		return 1
	fi
	e2e_boot dumpling "$out"
	local before=$E2E_FAILED
	e2e_check_boot "$name" "$out"
	check "$name: the second disk, not the target, is byte-identical (sha256)" \
		[ "$(sha256sum <"$out.other/other.img" | cut -d' ' -f1)" = "$(cat "$out.other/other.sha")" ]
	"$BUILD/dumpling-extract" "$out/disk.img" "$out/vmcore" >"$out/extract.log" 2>&1
	local rc=$?
	check "$name: dumpling-extract (exit status $rc)" [ "$rc" = 0 ]
	e2e_crash "$name" "$out/vmcore" "$out"
	grep -a '^iommu' "$out/serial.log" | sed "s/^/$name: console: /"
	[ -n "${E2E_KEEP_DISK:-}" ] || rm -rf "$out/disk.img" "$out/vmcore" "$out.other"
	[ "$E2E_FAILED" = "$before" ]
}

# check_line NAME ERE: the capture image's console has a line matching ERE.
check_line() {
	check "$1: console: /$2/" grep -aqE "$2" "$E2E_OUT/$1/serial.log"
}

# accepted_bit LOG N: the virtio driver accepted feature bit N.
accepted_bit() {
	local f
	f=$(grep -aoE 'device features 0x[0-9a-f]+, accepted 0x[0-9a-f]+' "$1" | tail -n 1 |
		sed 's/.*accepted //')
	[ -n "$f" ] && (( (f >> $2) & 1 ))
}

mkdir -p "$E2E_OUT"
for r in "${runs[@]}"; do
	case $r in
	vtd)
		run_case vtd linux-image-cloud-amd64 nvme "$Q35 $VTD" &&
			check_line vtd "iommu dmar0 at 0xfed90000: legacy mode, translation on, queued invalidation on, interrupt remapping on; 0000:00:03.0 was in domain [0-9]+; now an identity map of .* invalidation queue replaced" &&
			check_line vtd "^dumpling: loaded .* dump goes to raw /dev/nvme0n1 \(nvme 0000:00:03.0 namespace 1\); behind IOMMU dmar0 \(group [0-9]+, DMA(-FQ)? domain: the image maps its own memory for it\)"
		;;
	vtd-sm)
		run_case vtd-sm linux-image-cloud-amd64 virtio "$Q35 $VTD,x-scalable-mode=on,aw-bits=48" &&
			check_line vtd-sm "iommu dmar0 at 0xfed90000: scalable mode, translation on, queued invalidation on.*; 0000:00:03.0 was in domain [0-9]+; now an identity map" &&
			check "vtd-sm: virtio-blk accepted VIRTIO_F_ACCESS_PLATFORM (feature 33)" \
				accepted_bit "$E2E_OUT/vtd-sm/serial.log" 33
		;;
	pt)
		run_case pt linux-image-cloud-amd64 nvme "$Q35 $VTD,caching-mode=on" iommu=pt &&
			check "pt: the production kernel ran with an identity (pass-through) default domain" \
				grep -aq "iommu: Default domain type: Passthrough" "$E2E_OUT/pt/serial.log" &&
			check_line pt "iommu dmar0 at 0xfed90000: legacy mode, translation on.*; 0000:00:03.0 was in domain [0-9]+; now an identity map" &&
			check_line pt "^dumpling: loaded .*; behind IOMMU dmar0 \(group [0-9]+, identity domain: DMA not translated\)"
		;;
	amd)
		run_case amd linux-image-amd64 nvme "$Q35 -device amd-iommu" &&
			check_line amd "iommu amd-vi0 at 0x[0-9a-f]+: AMD-Vi, translation on; 0000:00:0[0-9].0 was in domain [0-9]+; now pass-through" &&
			check_line amd "^dumpling: loaded .*; behind IOMMU ivhd0 \(group [0-9]+, DMA(-FQ)? domain"
		;;
	nvme-only)
		run_case nvme-only linux-image-cloud-amd64 nvme "$Q35"
		;;
	net)
		# nfs.sh's own checks, on a machine with VT-d; its counts join ours.
		E2E_OUT=$E2E_OUT NFS_RUNS="virtio-net e1000" NFS_MACHINE="$Q35 $VTD" \
			NFS_VIRTIO_OPTS=",iommu_platform=on,disable-legacy=on" \
			bash "$(dirname "$0")/nfs.sh" >"$E2E_OUT/net.log" 2>&1
		grep -E '^(PASS|FAIL): ' "$E2E_OUT/net.log" | sed 's/^\(PASS\|FAIL\): /\1: net: /'
		E2E_PASSED=$((E2E_PASSED + $(grep -c '^PASS: ' "$E2E_OUT/net.log")))
		E2E_FAILED=$((E2E_FAILED + $(grep -c '^FAIL: ' "$E2E_OUT/net.log")))
		grep -q 'passed, 0 failed$' "$E2E_OUT/net.log" || fail "net: nfs.sh did not finish cleanly (see $E2E_OUT/net.log)"
		for n in virtio-net e1000; do
			check_line "nfs/$n" "iommu dmar0 at 0xfed90000: legacy mode, translation on.*; 0000:00:0[0-9].0 was in domain [0-9]+; now an identity map"
		done
		check "net: virtio-net accepted VIRTIO_F_ACCESS_PLATFORM (feature 33)" \
			accepted_bit "$E2E_OUT/nfs/virtio-net/serial.log" 33
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

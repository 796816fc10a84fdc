#!/bin/bash
# The Debian package on a real Debian 12 system with systemd, as a kdump-tools
# user would run it. The system is debootstrapped once per machine and cached
# (tests/e2e/debian-image.sh) and booted with -kernel/-initrd of its own
# kernel, which is the e2e cache's (so crash has its vmlinux). QEMU runs:
#   install  apt-get install, reset-crashkernel, upgrade to a newer version,
#            purge: no file left behind; then install again: the units are enabled;
#            dumpling estimate; dumpling reset-crashkernel writes grub.d
#            (the crashkernel= it wrote is what the next boots get: this
#            system boots without GRUB)
#   raw      raw PARTUUID=... on a second disk: after boot dumpling.service is
#            active and dumpling status exits 0; sysrq crash; the image dumps
#            and reboots; dumpling-save.service writes /var/crash/<date>/
#            vmcore and vmcore-dmesg.txt and clears the partition; crash
#            opens the vmcore on the host
#   ext4     (E2E_FULL=1) only "path /var/crash", where a second disk's ext4 is mounted
#            read-only: the same, the dump a file on that disk
# Guest side: tests/e2e/package-guest.sh. Usage: suites/package.sh [RUN...]
set -uo pipefail

E2E_OUT=${E2E_OUT:-$(cd "$(dirname "$0")/.." && pwd)/out/package}
E2E_MEM=${E2E_MEM:-1G}
. "$(dirname "$0")/../lib.sh"
. "$E2E_DIR/debian-image.sh"

runs=("$@")
if [ ${#runs[@]} -eq 0 ]; then
	runs=(raw)
	[ -z "${E2E_FULL:-}" ] || runs+=(ext4)	# make check stays under 30 minutes
fi
PKG_COLLECTOR=${PKG_COLLECTOR:-makedumpfile -z -d 31}
PARTUUID=6d1f2a3b-0c4d-4e5f-8a9b-0c1d2e3f4a5b
PANIC_RE='sysrq: Trigger a crash|Kernel panic - not syncing: sysrq triggered crash'

# ---- files in an unmounted ext4 image (no loop devices needed) --------------
fs_put() {	# IMG HOSTFILE GUESTPATH
	debugfs -w -R "rm $3" "$1" >/dev/null 2>&1
	debugfs -w -R "write $2 $3" "$1" >/dev/null 2>&1 &&
		[ -n "$(debugfs -R "stat $3" "$1" 2>/dev/null)" ]
}
fs_text() {	# IMG GUESTPATH TEXT
	local t
	t=$(mktemp)
	printf '%s\n' "$3" >"$t"
	fs_put "$1" "$t" "$2"
	local rc=$?
	rm -f "$t"
	return $rc
}
fs_cat() { debugfs -R "cat $2" "$1" 2>/dev/null; }

# ---- one QEMU run of the Debian system ------------------------------------
# pboot NAME ROOTIMG APPEND [DUMPDISK]: until the guest powers off (after a
# crash the capture image reboots it, and it powers off after that boot).
pboot() {
	local name=$1 root=$2 append=$3 dump=${4:-} out=$E2E_OUT/$1 start rc
	mkdir -p "$out"
	local cmd=(timeout -k 10 "$E2E_TIMEOUT" qemu-system-x86_64
		-accel tcg -cpu max -m "$E2E_MEM" -smp 2 -nographic -nic none
		-kernel "$DEB_VMLINUZ" -initrd "$DEB_INITRD"
		-append "root=/dev/vda rw console=ttyS0 panic=-1 quiet systemd.show_status=0 $append"
		-drive "file=$root,if=none,id=r,format=raw" -device virtio-blk-pci,drive=r)
	[ -z "$dump" ] || cmd+=(-drive "file=$dump,if=none,id=d,format=raw" -device virtio-blk-pci,drive=d)
	printf '%q ' "${cmd[@]}" >"$out/qemu.cmd"
	note "$name: booting Debian 12 (log: $out/serial.log)"
	start=$(date +%s.%N)
	"${cmd[@]}" </dev/null 2>&1 |
		python3 "$E2E_DIR/tslog.py" "$start" "$out/serial.log" "$out/serial.ts" ${E2E_ECHO:+--echo}
	rc=${PIPESTATUS[0]}
	echo "$rc" >"$out/qemu.rc"
	note "$name: QEMU ran $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.0f", e - s }')s"
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		fail "$name: QEMU exited by itself (hung; killed after ${E2E_TIMEOUT}s)"
		tail -n 30 "$out/serial.ts"
		return 1
	fi
	pass "$name: QEMU exited by itself"
}
said() { grep -aq "^DTEST: $2" "$E2E_OUT/$1/serial.log"; }
stamp() { e2e_when "$E2E_OUT/$1" "$2" "${3:-0}"; }

# crash on the host: the same checks as lib.sh's, PID 1 being systemd here.
pcrash() {	# NAME VMCORE
	local name=$1 vmcore=$2 out=$E2E_OUT/$1
	if [ ! -s "$vmcore" ]; then
		fail "$name: crash: no vmcore to open"
		return
	fi
	printf 'log > %s/crash-log.txt\nbt > %s/crash-bt.txt\nps > %s/crash-ps.txt\nsys > %s/crash-sys.txt\nexit\n' \
		"$out" "$out" "$out" "$out" >"$out/crash.cmds"
	timeout -k 10 600 crash -s "$KERNEL_VMLINUX" "$vmcore" <"$out/crash.cmds" >"$out/crash.out" 2>&1
	touch "$out"/crash-{log,bt,ps,sys}.txt
	check "$name: crash opened the vmcore, sys shows RELEASE $KERNEL_RELEASE" \
		grep -qE "RELEASE: $KERNEL_RELEASE\$" "$out/crash-sys.txt"
	check "$name: crash log: the sysrq panic" grep -qE "$PANIC_RE" "$out/crash-log.txt"
	check "$name: crash bt: sysrq_handle_crash" grep -qw sysrq_handle_crash "$out/crash-bt.txt"
	# Debian's crash 8.0.2 lists only the tasks running on a CPU for these
	# 6.1.19x dumps ("active task ... not found in PID hash"), so PID 1 is
	# not there: the task that panicked (the driver's sh) is.
	check "$name: crash ps: the task that panicked (sh), on a CPU" \
		awk '$1 == ">" && $NF == "sh" { f = 1 } END { exit !f }' "$out/crash-ps.txt"
}

# ---- install --------------------------------------------------------------------
run_install() {
	local img=$E2E_OUT/base.img log=$E2E_OUT/install/serial.log
	rm -rf "$E2E_OUT/install" && mkdir -p "$E2E_OUT/install"
	cp --sparse=always "$DEB_IMG" "$img"
	# The upgrade: the same package as a newer version.
	rm -rf "$E2E_OUT/next" && dpkg-deb -R "$DEB" "$E2E_OUT/next" &&
		sed -i 's/^Version: .*/&+next/' "$E2E_OUT/next/DEBIAN/control" &&
		dpkg-deb -b "$E2E_OUT/next" "$E2E_OUT/dumpling-next.deb" >/dev/null
	rm -rf "$E2E_OUT/next"
	check "install: .deb, a newer version of it and the test driver copied into the image" \
		sh -c "$(declare -f fs_put); fs_put '$img' '$DEB' /root/dumpling.deb &&
			fs_put '$img' '$E2E_OUT/dumpling-next.deb' /root/dumpling-next.deb &&
			fs_put '$img' '$E2E_DIR/package-guest.sh' /etc/dtest/step"
	fs_text "$img" /etc/dtest/phase install
	pboot install "$img" "" || return 1
	check "install: apt-get install ./dumpling.deb succeeded" said install 'cycle-install rc=0'
	check "install: reset-crashkernel wrote grub.d" said install 'cycle-reset rc=0'
	check "install: upgrade to a newer version succeeded" said install 'cycle-upgrade rc=0'
	check "install: ... it is installed" said install 'cycle-version: .*+next ii'
	check "install: ... and the units are still enabled" said install 'cycle-enabled rc=0'
	check "install: apt-get purge dumpling succeeded" said install 'cycle-purge rc=0'
	check "install: ... and dpkg has forgotten it" sh -c \
		"! grep -aq '^DTEST: cycle-status: .i' '$log'"
	check "install: install + upgrade + purge left no file behind" said install 'stray rc=0'
	grep -a '^DTEST: stray: ' "$log" | head -n 20 | sed 's/^DTEST: /install: /'
	check "install: installed again" said install 'apt rc=0'
	check "install: dumpling.service, dumpling.path, dumpling-save.service enabled" \
		said install 'enabled rc=0'
	check "install: dumpling estimate printed crashkernel=" said install 'estimate: crashkernel=[0-9]*M'
	check "install: dumpling reset-crashkernel succeeded" said install 'reset rc=0'
	CK=$(fs_cat "$img" /etc/default/grub.d/dumpling.cfg | sed -n 's/.*crashkernel=\([0-9]*M\)".*/\1/p')
	check "install: /etc/default/grub.d/dumpling.cfg holds crashkernel=${CK:-none}" [ -n "$CK" ]
	note "install: $(grep -a 'DTEST: estimate: crashkernel=' "$log" | sed 's/^DTEST: //'), reset-crashkernel wrote $CK"
}

# ---- the crash runs -------------------------------------------------------------------
# crash_checks NAME: the serial log of a crash run (both boots).
crash_checks() {
	local n=$1 panic log=$E2E_OUT/$1/serial.log
	check "$n: dumpling.service active after boot" said "$n" 'active: active'
	check "$n: systemctl reload dumpling.service succeeded" said "$n" 'reload rc=0'
	check "$n: dumpling status exits 0 before the crash" said "$n" 'status rc=0'
	grep -a '^DTEST: \(status\|journal\):' "$log" | head -n 8 | sed "s/^/$n: /"
	check "$n: sysrq panic" grep -aqE "$PANIC_RE" "$log"
	# From the guest's own mark just before `echo c`: the kernel's panic
	# line need not reach the serial port (another CPU may hold the console
	# when it is stopped), and the image's replay of the log comes after
	# its banner.
	panic=$(stamp "$n" '^DTEST: panic now')
	check "$n: the capture image started after the panic" \
		[ -n "$panic" -a -n "$(stamp "$n" "$E2E_CAPTURE_RE" "${panic:-0}")" ]
	check "$n: the capture image wrote the dump" [ -n "$(stamp "$n" "$E2E_CAPTURE_DONE_RE" "${panic:-0}")" ]
	check "$n: no trouble reported by the image" \
		[ -z "$(stamp "$n" "$E2E_CAPTURE_BAD_RE" "${panic:-0}")" ]
	check "$n: the VM rebooted into Debian after the dump" said "$n" 'after-crash boot'
	local t0 t1
	t0=$(stamp "$n" '^DTEST: panic now'); t1=$(stamp "$n" '^DTEST: after-crash boot')
	note "$n: panic at ${t0:-?}s, back in Debian at ${t1:-?}s (QEMU time)"
}

run_raw() {
	local n=raw out=$E2E_OUT/raw
	rm -rf "$out" && mkdir -p "$out"
	cp --sparse=always "$E2E_OUT/base.img" "$out/root.img"
	truncate -s 1G "$out/dump.img"
	sgdisk -o -n 1:2048:0 -t 1:8300 -u "1:$PARTUUID" "$out/dump.img" >/dev/null 2>&1
	fs_text "$out/root.img" /etc/dumpling.conf \
		"$(printf 'raw PARTUUID=%s\ncore_collector %s' "$PARTUUID" "$PKG_COLLECTOR")"
	fs_text "$out/root.img" /etc/dtest/phase crash
	pboot $n "$out/root.img" "crashkernel=$CK" "$out/dump.img" || return 1
	crash_checks $n
	check "$n: dumpling-save.service saved the dump and cleared the header" \
		said $n 'save: .*dump header cleared'
	check "$n: /var/crash/<date>/vmcore written at boot" said $n 'files: /var/crash/[0-9-]*-[0-9:]*/vmcore [0-9]'
	check "$n: /var/crash/<date>/vmcore-dmesg.txt written at boot" \
		said $n 'files: /var/crash/[0-9-]*-[0-9:]*/vmcore-dmesg.txt [0-9]'
	check "$n: /var/crash/<date>/dumpling.log written at boot" \
		said $n 'files: /var/crash/[0-9-]*-[0-9:]*/dumpling.log [0-9]'
	check "$n: dumpling status after: the newest dump, nothing pending" \
		sh -c "grep -aq '^DTEST: status: newest dump: /var/crash/' '$out/serial.log' &&
			! grep -aq '^DTEST: status: pending dump' '$out/serial.log'"
	rm -rf "$out/crash" && debugfs -R "rdump /var/crash $out" "$out/root.img" >/dev/null 2>&1
	pcrash $n "$(ls "$out"/crash/*/vmcore 2>/dev/null | head -n 1)"
	check "$n: vmcore-dmesg.txt has the panic" \
		grep -qE "$PANIC_RE" "$(ls "$out"/crash/*/vmcore-dmesg.txt 2>/dev/null | head -n 1)"
	e2e_check_runlog $n "$(ls "$out"/crash/*/dumpling.log 2>/dev/null | head -n 1)"
	[ -n "${E2E_KEEP_DISK:-}" ] || rm -rf "$out/root.img" "$out/dump.img" "$out/crash"
}

run_ext4() {
	local n=ext4 out=$E2E_OUT/ext4 fstab
	rm -rf "$out" && mkdir -p "$out"
	cp --sparse=always "$E2E_OUT/base.img" "$out/root.img"
	mkfs.ext4 -q -F -L dumps "$out/dump.img" 1G
	fstab=$(fs_cat "$out/root.img" /etc/fstab)
	fs_text "$out/root.img" /etc/fstab "$(printf '%s\n/dev/vdb /var/crash ext4 ro 0 2' "$fstab")"
	fs_text "$out/root.img" /etc/dumpling.conf \
		"$(printf 'path /var/crash\ncore_collector %s' "$PKG_COLLECTOR")"
	fs_text "$out/root.img" /etc/dtest/phase crash
	pboot $n "$out/root.img" "crashkernel=$CK" "$out/dump.img" || return 1
	crash_checks $n
	check "$n: dumpling status named the filesystem from the mount table" \
		said $n 'status: target: ext4 /dev/vdb, path /.*(from path /var/crash): present'
	check "$n: dumpling-save.service: nothing to save for ext4" said $n 'save: .*nothing to save'
	check "$n: /var/crash/<ip>-<date>/vmcore on the dump disk" \
		said $n 'files: /var/crash/127.0.0.1-[0-9-]*-[0-9:]*/vmcore [0-9]'
	check "$n: vmcore-dmesg.txt beside it" said $n 'files: /var/crash/127.0.0.1-.*/vmcore-dmesg.txt [0-9]'
	check "$n: dumpling.log beside it" said $n 'files: /var/crash/127.0.0.1-.*/dumpling.log [0-9]'
	check "$n: e2fsck -fn: the dump disk is clean" sh -c "e2fsck -fn '$out/dump.img' >/dev/null 2>&1"
	rm -rf "$out/fs" && mkdir -p "$out/fs" && debugfs -R "rdump / $out/fs" "$out/dump.img" >/dev/null 2>&1
	pcrash $n "$(ls "$out"/fs/*/vmcore 2>/dev/null | head -n 1)"
	[ -n "${E2E_KEEP_DISK:-}" ] || rm -rf "$out/root.img" "$out/dump.img" "$out/fs"
}

mkdir -p "$E2E_OUT"
if ! make -s -C "$REPO" BUILD="$BUILD" deb >"$E2E_OUT/make-deb.log" 2>&1; then
	tail -n 20 "$E2E_OUT/make-deb.log"
	fail "make deb"
	e2e_summary
	exit 1
fi
DEB=$(ls "$BUILD"/deb/dumpling_*_amd64.deb | head -n 1)
pass "make deb: $(basename "$DEB")"
if ! debian_image linux-image-cloud-amd64; then
	fail "the Debian 12 system image (debootstrap)"
	e2e_summary
	exit 1
fi
pass "Debian 12 system image: $DEB_IMG ($DEB_RELEASE)"

# E2E_KEEP_DISK=1 keeps the installed system, and a later run with the same
# .deb starts from it (for working on the crash runs).
sum=$(sha256sum <"$DEB" | cut -d' ' -f1)
if [ -n "${E2E_KEEP_DISK:-}" ] && [ -s "$E2E_OUT/base.img" ] &&
   [ "$(cat "$E2E_OUT/base.img.deb" 2>/dev/null)" = "$sum" ]; then
	CK=$(fs_cat "$E2E_OUT/base.img" /etc/default/grub.d/dumpling.cfg |
		sed -n 's/.*crashkernel=\([0-9]*M\)".*/\1/p')
	note "reusing the installed system $E2E_OUT/base.img (crashkernel=$CK)"
else
	run_install
	echo "$sum" >"$E2E_OUT/base.img.deb"
fi
if [ -n "${CK:-}" ]; then
	for r in "${runs[@]}"; do "run_$r"; done
fi
[ -n "${E2E_KEEP_DISK:-}" ] || rm -f "$E2E_OUT/base.img"
e2e_summary

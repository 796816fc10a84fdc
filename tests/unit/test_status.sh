#!/bin/bash
# dumpling status, reset-crashkernel and save against a fake /sys, /proc and
# /dev (DUMPLING_SYSROOT): status exits 0 when loaded with the target there,
# 3 when not loaded, 1 on any problem, and says which; reset-crashkernel
# writes the grub.d snippet and runs update-grub; save runs dumpling-extract.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$here/build}
dl=$build/dumpling
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
check() {	# NAME COMMAND...
	if "${@:2}"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1"; fi
}
r=$tmp/root
V=sys/devices/pci0000:00/0000:00:04.0/virtio2/block/vdb

# A 1 GiB machine with 2 CPUs, a 16 MiB reservation, a virtio-blk disk vdb.
mkroot() {
	rm -rf "$r"
	mkdir -p "$r/sys/kernel" "$r/sys/devices/system/cpu" "$r/proc/self" "$r/$V" \
		"$r/sys/class/block" "$r/dev" "$r/etc" "$r/var/crash"
	echo 16777216 >"$r/sys/kernel/kexec_crash_size"
	echo 0 >"$r/sys/kernel/kexec_crash_loaded"
	echo 0-1 >"$r/sys/devices/system/cpu/possible"
	cat >"$r/proc/iomem" <<'EOI'
00001000-0009fbff : System RAM
00100000-3ffdffff : System RAM
  2f000000-2fffffff : Crash kernel
EOI
	echo "/dev/vda / ext4 rw 0 0" >"$r/proc/self/mounts"
	echo 4194304 >"$r/$V/size"
	ln -s ../../devices/pci0000:00/0000:00:04.0/virtio2/block/vdb "$r/sys/class/block/vdb"
	truncate -s 1M "$r/dev/vdb"
	echo "raw /dev/vdb" >"$r/etc/dumpling.conf"
}
status() {	# runs dumpling status, keeps the output in $out, returns its exit code
	DUMPLING_SYSROOT=$r "$dl" status -c "$r/etc/dumpling.conf" -i "$build/dumpling.img" \
		>"$tmp/out" 2>&1
	local rc=$?
	out=$(cat "$tmp/out")
	return $rc
}
has() { grep -q -- "$1" "$tmp/out" || { echo "--- status said:"; cat "$tmp/out"; false; }; }

mkroot
status; rc=$?
check "not loaded, all fine: exit 3 (got $rc)" [ "$rc" = 3 ]
check "not loaded: says so" has '^crash image: not loaded'
check "reservation and how much the image uses" has '^reservation: 16384 KiB at 0x2f000000-0x2fffffff; the image uses [0-9]* KiB of it'
check "target present" has '^target: raw /dev/vdb: present'
check "no dump yet" has '^newest dump: none in /var/crash'

echo 1 >"$r/sys/kernel/kexec_crash_loaded"
mkdir -p "$r/var/crash/2026-01-01-10:00" "$r/var/crash/2026-02-01-10:00"
head -c 3000000 /dev/zero >"$r/var/crash/2026-01-01-10:00/vmcore"
head -c 2100000 /dev/zero >"$r/var/crash/2026-02-01-10:00/vmcore"
touch -d '2026-01-01 10:00' "$r/var/crash/2026-01-01-10:00/vmcore"
touch -d '2026-02-01 10:00' "$r/var/crash/2026-02-01-10:00/vmcore"
status; rc=$?
check "loaded, target present: exit 0 (got $rc)" [ "$rc" = 0 ]
check "loaded: says so" has '^crash image: loaded'
check "newest dump is the February one" has '^newest dump: /var/crash/2026-02-01-10:00/vmcore (2 MiB'

printf 'KDUMP   ' | dd of="$r/dev/vdb" conv=notrunc status=none
status
check "a dump still on the raw target is reported" has '^pending dump: on /dev/vdb'

rm "$r/dev/vdb"
status; rc=$?
check "target missing: exit 1 (got $rc)" [ "$rc" = 1 ]
check "target missing: says NOT present and why" has '^target: raw /dev/vdb: NOT present: '
truncate -s 1M "$r/dev/vdb"

echo "ssh root@host" >"$r/etc/dumpling.conf"
status; rc=$?
check "bad config: exit 1 (got $rc)" [ "$rc" = 1 ]
check "bad config: the reason" has "unsupported directive 'ssh'"
echo "raw /dev/vdb" >"$r/etc/dumpling.conf"

echo 4194304 >"$r/sys/kernel/kexec_crash_size"
sed -i 's/2f000000-2fffffff/2f000000-2f3fffff/' "$r/proc/iomem"
status; rc=$?
check "reservation too small for the image: exit 1 (got $rc)" [ "$rc" = 1 ]
check "too small: says to reset-crashkernel" has "NOT enough, run 'dumpling reset-crashkernel'"

echo 0 >"$r/sys/kernel/kexec_crash_size"
echo 0 >"$r/sys/kernel/kexec_crash_loaded"
sed -i '/Crash kernel/d' "$r/proc/iomem"
status; rc=$?
check "no reservation: exit 1 (got $rc)" [ "$rc" = 1 ]
check "no reservation: says how to add one" has "reservation: none: run 'dumpling reset-crashkernel' and reboot"

rm -rf "$r/sys/kernel"
status; rc=$?
check "kernel without kexec crash support: exit 1 (got $rc)" [ "$rc" = 1 ]

# path alone: a mounted ext4 that is not ext4 gives a clear error
mkroot
echo 1 >"$r/sys/kernel/kexec_crash_loaded"
echo "/dev/vdc /var/crash xfs ro 0 0" >>"$r/proc/self/mounts"
echo "path /var/crash" >"$r/etc/dumpling.conf"
status; rc=$?
check "path on xfs: exit 1 (got $rc)" [ "$rc" = 1 ]
check "path on xfs: names the filesystem" has 'path /var/crash is on a xfs filesystem (/dev/vdc mounted at /var/crash)'

# estimate on the fake machine
mkroot
DUMPLING_SYSROOT=$r "$dl" estimate -i "$build/dumpling.img" >"$tmp/out" 2>&1
rc=$?
check "estimate: exit 0 (got $rc)" [ "$rc" = 0 ]
check "estimate: prints crashkernel=" has '^crashkernel=[0-9]*M$'
check "estimate: 16 MiB is enough" has '^current reservation: 16384 KiB: enough'
ck=$(sed -n 's/^crashkernel=\([0-9]*\)M$/\1/p' "$tmp/out")
total=$(sed -n 's/^total: *\([0-9]*\) KiB.*/\1/p' "$tmp/out")
check "estimate: crashkernel is the total rounded up to a MiB ($total KiB -> ${ck}M)" \
	[ $((ck * 1024)) -ge "$total" -a $(( (ck - 1) * 1024)) -lt "$total" ]

# reset-crashkernel: the snippet, and update-grub run once
mkdir -p "$tmp/bin"
printf '#!/bin/sh\necho ran >>%s/update-grub.log\n' "$tmp" >"$tmp/bin/update-grub"
chmod +x "$tmp/bin/update-grub"
PATH=$tmp/bin:$PATH DUMPLING_SYSROOT=$r "$dl" reset-crashkernel -i "$build/dumpling.img" \
	>"$tmp/out" 2>&1
rc=$?
check "reset-crashkernel: exit 0 (got $rc)" [ "$rc" = 0 ]
want=$(( (ck + 2) & ~1 ))
check "reset-crashkernel: writes crashkernel=${want}M to grub.d" \
	grep -qx "GRUB_CMDLINE_LINUX_DEFAULT=\"\$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=${want}M\"" \
	"$r/etc/default/grub.d/dumpling.cfg"
check "reset-crashkernel: ran update-grub once" [ "$(cat "$tmp/update-grub.log" 2>/dev/null)" = ran ]

# save: a raw target with no dump is not an error; with a dump it is copied
DUMPLING_SYSROOT=$r "$dl" save -c "$r/etc/dumpling.conf" >"$tmp/out" 2>&1
rc=$?
check "save, no dump on the target: exit 0 (got $rc)" [ "$rc" = 0 ]
check "save, no dump: says nothing to extract" has 'nothing to extract'
echo "ext4 LABEL=x" >"$r/etc/dumpling.conf"
DUMPLING_SYSROOT=$r "$dl" save -c "$r/etc/dumpling.conf" >"$tmp/out" 2>&1
rc=$?
check "save, ext4 target: nothing to do, exit 0 (got $rc)" [ "$rc" = 0 ]

echo "status: $passed passed, $failed failed"
[ "$failed" = 0 ]

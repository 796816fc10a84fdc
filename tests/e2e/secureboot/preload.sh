#!/bin/sh
# Runs in the Secure Boot guest before init's own `dumpling load`
# (/etc/dtest-preload, see suites/secureboot.sh). Each step prints its output
# and then "DTEST: sb: NAME rc=N loaded=0|1"; the host checks the lines.
# Files: /usr/lib/dumpling/dumpling.img (unsigned), dumpling.signed.img
# (snakeoil, the enrolled db key), /root/other.img (a key the kernel does not
# know), /root/tampered.img (snakeoil, then one payload byte changed),
# /root/nope.img (no PE header: e_lfanew 0, as images were before).

# Kernel messages off the console while the steps print, so no line is cut
# in two; the kernel's side is shown from dmesg at the end.
dmesg -n 1
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
if [ -d /sys/firmware/efi ]; then
	insmod /lib/modules/efivarfs.ko && mount -t efivarfs efivarfs /sys/firmware/efi/efivars
fi

echo "DTEST: sb: lockdown $(cat /sys/kernel/security/lockdown 2>&1)"
echo "DTEST: sb: platform keyring: $(grep -c 'asymmetri' /proc/keys) asymmetric keys; $(grep -E '\.platform' /proc/keys | tr -s ' ' | cut -d' ' -f9-)"

step() {
	name=$1
	shift
	"$@" >/tmp/sb.out 2>&1
	rc=$?
	sed "s/^/DTEST: sb: $name: /" /tmp/sb.out
	echo "DTEST: sb: $name rc=$rc loaded=$(cat /sys/kernel/kexec_crash_loaded)"
}

step status dumpling status
step unsigned dumpling load -i /usr/lib/dumpling/dumpling.img
step otherkey dumpling load -i /root/other.img
step tampered dumpling load -i /root/tampered.img
step nope dumpling load -i /root/nope.img
step legacy dumpling load --legacy
# A refused load after a good one: the kernel drops the loaded image first.
step good dumpling load
step after dumpling load -i /usr/lib/dumpling/dumpling.img
step status2 dumpling status
dmesg | grep -E 'PEFILE|kexec_file|Lockdown|ima:|Secure boot|locked down|X.509' |
	sed 's/^/DTEST: sb: kmsg: /'
dmesg -n 7
exit 0

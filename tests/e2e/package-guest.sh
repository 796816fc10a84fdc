#!/bin/sh
# The guest side of suites/package.sh, run by dtest.service at every boot of
# the debootstrapped Debian 12 system (tests/e2e/debian-image.sh). The host
# sets /etc/dtest/phase between QEMU runs; every line for the host starts
# with "DTEST:".
say() { echo "DTEST: $*"; }
show() {	# show NAME COMMAND...: its output prefixed, and its exit status
	name=$1; shift
	"$@" >/tmp/dtest.out 2>&1
	rc=$?
	sed "s/^/DTEST: $name: /" /tmp/dtest.out
	say "$name rc=$rc"
	return $rc
}

# Every file on the root filesystem but dpkg's and apt's own state, logs,
# caches and this test's files: what install + upgrade + purge must leave
# as it was.
snapshot() {
	find / -xdev \( -path /proc -o -path /sys -o -path /run -o -path /tmp -o -path /dev \
		-o -path /var/lib/dpkg -o -path /var/lib/apt -o -path /var/cache -o -path /var/log \
		-o -path /root -o -path /etc/dtest \) -prune -o -print | sort
}

phase=$(cat /etc/dtest/phase 2>/dev/null)
say "boot phase=$phase uptime=$(cut -d' ' -f1 /proc/uptime)"
case $phase in
install)
	cd /root || exit 1
	export DEBIAN_FRONTEND=noninteractive
	# install, set crashkernel=, upgrade, purge: nothing may be left over
	snapshot >/tmp/before
	show cycle-install apt-get install -y ./dumpling.deb
	show cycle-reset dumpling reset-crashkernel
	show cycle-upgrade apt-get install -y ./dumpling-next.deb
	show cycle-version dpkg-query -W -f '${Version} ${db:Status-Abbrev}\n' dumpling
	show cycle-enabled systemctl is-enabled dumpling.service dumpling.path dumpling-save.service
	show cycle-purge apt-get purge -y dumpling
	show cycle-status dpkg-query -W -f '${db:Status-Abbrev}\n' dumpling
	snapshot >/tmp/after
	show stray diff /tmp/before /tmp/after
	show apt apt-get install -y ./dumpling.deb
	show enabled systemctl is-enabled dumpling.service dumpling.path dumpling-save.service
	show estimate dumpling estimate
	show reset dumpling reset-crashkernel
	show grubcfg cat /etc/default/grub.d/dumpling.cfg
	;;
crash)
	if [ -e /etc/dtest/crashed ]; then
		# the boot after the capture image rebooted the machine
		say "after-crash boot"
		show save journalctl -b -o cat -u dumpling-save.service
		show files find /var/crash -type f -printf '%p %s\n'
		show status dumpling status
		show active systemctl is-active dumpling.service
		rm -f /etc/dtest/crashed
		echo done >/etc/dtest/phase
	else
		show active systemctl is-active dumpling.service
		# what dumpling.path and the udev rule do: the crash below must
		# still be taken by the reloaded image
		show reload systemctl reload dumpling.service
		# A reload the udev rule queued (disks coldplugged at boot) may
		# still run: a crash while a load holds the kernel's kexec lock
		# is a plain panic, for kdump too. Crash only once it is done.
		udevadm settle --timeout=60
		n=0
		while [ $n -lt 120 ] && systemctl list-jobs --no-legend | grep -q dumpling; do
			sleep 0.5; n=$((n + 1))
		done
		say "settled after $n waits"
		show journal journalctl -b -o cat -u dumpling.service
		show status dumpling status
		touch /etc/dtest/crashed
		sync
		say "panic now"
		echo c >/proc/sysrq-trigger
		sleep 30
		say "FAIL: still alive after sysrq-trigger"
	fi
	;;
*)
	say "nothing to do"
	;;
esac
sync
say "poweroff"
systemctl poweroff

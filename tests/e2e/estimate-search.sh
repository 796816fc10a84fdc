#!/bin/sh
# Guest side of suites/estimate.sh (runs as /etc/dtest-prepanic after the
# kexec-s load): the smallest reservation that really takes the image,
# found by shrinking the reservation (/sys/kernel/kexec_crash_size, which
# keeps its start and can only shrink) a MiB at a time from the estimate
# down, loading with kexec -s -p (kexec_file_load: the kernel's own
# placement decides, not dumpling's arithmetic), until a load fails.
est=$(dumpling estimate | sed -n 's/^crashkernel=\([0-9]*\)M$/\1/p')
dumpling estimate | sed 's/^/DTEST: estimate: /'
echo "DTEST: estimate ${est:-none}M"
[ -n "$est" ] || exit 1
cmdline=$(dumpling cmdline) || exit 1
kexec -p -u
n=$((est + 1))
while [ $n -ge $((est - 3)) ] && [ $n -gt 0 ]; do
	echo $((n * 1048576)) >/sys/kernel/kexec_crash_size
	if kexec -s -p /usr/lib/dumpling/dumpling.img --append="$cmdline" 2>/dev/null; then
		echo "DTEST: loads at ${n}M"
		kexec -p -u
	else
		echo "DTEST: does not load at ${n}M"
		break
	fi
	n=$((n - 1))
done
echo "DTEST: search done"
poweroff -f

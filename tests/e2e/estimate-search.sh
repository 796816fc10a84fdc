#!/bin/sh
# Guest side of suites/estimate.sh (runs as /etc/dtest-prepanic after the
# kexec-s load): the smallest reservation that really takes the image,
# found by shrinking the reservation (/sys/kernel/kexec_crash_size keeps its
# start and can only shrink) 16 KiB at a time from the estimate down,
# loading with kexec -s -p (kexec_file_load: the kernel's own placement
# decides, not dumpling's arithmetic), until a load fails or 1 MiB is passed.
dumpling estimate | sed 's/^/DTEST: estimate: /'
est=$(dumpling estimate | sed -n 's/^crashkernel=\([0-9]*\)M$/\1/p')
echo "DTEST: estimate ${est:-none}M"
[ -n "$est" ] || exit 1
cmdline=$(dumpling cmdline) || exit 1
kexec -p -u
k=$((est * 1024))
stop=$((k - 1024 - 16))
while [ $k -ge $stop ] && [ $k -gt 0 ]; do
	echo $((k * 1024)) >/sys/kernel/kexec_crash_size
	if kexec -s -p /usr/lib/dumpling/dumpling.img --append="$cmdline" 2>/dev/null; then
		echo "DTEST: loads at ${k}K"
		kexec -p -u
	else
		echo "DTEST: does not load at ${k}K"
		break
	fi
	k=$((k - 16))
done
echo "DTEST: search done"
poweroff -f

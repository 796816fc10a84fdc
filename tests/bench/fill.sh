#!/bin/sh
# Runs in the benchmark guest just before the panic (E2E_PREPANIC), so the
# dump holds what a working machine holds rather than an idle one: page cache
# (files in tmpfs: program binaries and log-like text), anonymous memory (a
# process holding text in its heap) and kernel objects (thousands of small
# files: dentries, inodes). Sizes in MiB from the environment of the harness,
# baked in below by tests/bench/run.sh.
FILL_FILES_MB=${FILL_FILES_MB:-500}
FILL_ANON_MB=${FILL_ANON_MB:-300}

d=/tmp/fill
mkdir -p $d
mount -t tmpfs -o size=90% tmpfs $d || exit 1

# ~1 MiB of log-like text, then copies of it and of the binaries at hand.
awk 'BEGIN { for (i = 0; i < 16000; i++)
	printf "[%6d.%06d] eth0: rx %d bytes from 10.0.%d.%d port %d state %s\n",
	       i / 100, (i * 7919) % 1000000, i * 13 % 1500, i % 256, i * 7 % 256,
	       1024 + i % 50000, (i % 3) ? "ESTABLISHED" : "TIME_WAIT" }' >$d/text.0
mb=0 i=0
while [ $mb -lt "$FILL_FILES_MB" ]; do
	cat /usr/sbin/dumpling /usr/bin/makedumpfile /sbin/kexec >$d/bin.$i
	cat $d/text.0 $d/text.0 >$d/text.$((i + 1))
	i=$((i + 1))
	mb=$(du -sm $d | cut -f1)
done
# small files: kernel slab
mkdir -p $d/small
j=0
while [ $j -lt 3000 ]; do
	echo "file $j" >$d/small/f$j
	j=$((j + 1))
done
# anonymous memory: tac reads all of its input into its heap before it
# writes a line, and sleep never reads the pipe, so tac holds it all (about
# twice its input: a malloc'd copy per line). The input comes from a loop, not
# from files, so it is not in tmpfs as well.
n=$((FILL_ANON_MB / 2))
( k=0; while [ $k -lt $n ]; do cat $d/text.0 $d/text.0; k=$((k + 1)); done ) | tac | sleep 100000 &
last=0
while :; do
	sleep 3
	rss=$(awk '/^VmRSS/ { print $2 }' /proc/$(pidof tac)/status 2>/dev/null || echo 0)
	[ "$rss" -gt $last ] || break
	last=$rss
done
echo "DTEST: fill: $(du -sm $d | cut -f1) MiB in tmpfs, tac holds $((last / 1024)) MiB;" \
	"$(grep -E '^(MemFree|Cached|AnonPages|Slab):' /proc/meminfo | tr -s ' ' | tr '\n' ' ')"

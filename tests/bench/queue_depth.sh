#!/bin/bash
# `make bench`, third part: disk writes in flight. The same 1 GB Debian 6.1
# guest panics four times and the capture image writes everything (dump
# level 0, uncompressed, about 1 GiB, so the disk path is the bottleneck) to a
# raw virtio-blk disk and to a raw NVMe disk, each with
# dumpling.queue_depth=1 (one write at a time, as before) and =8. The image is
# reloaded with the option just before the panic. The rate is the image's
# own: bytes written over seconds, from its summary line. Under TCG the guest
# CPU does the device emulation too, so the figures compare depths with each
# other, not with hardware.
#
# The machine is shared and TCG is sensitive to it, so the runs go in
# QD_ROUNDS rounds (2), the depths in turn and reversed every other round
# (1 8, 8 1, ...); every run is a row.
#
# QD_DRIVE_OPTS is added to QEMU's -drive: ",cache=none" makes every write
# an O_DIRECT write to this host's disk, so that a request takes as long as
# the host's disk takes, not a copy into its page cache.
#
# Settings: QD_DEPTHS ("1 8"), QD_BUSES ("virtio nvme"), QD_ROUNDS (2),
# QD_DRIVE_OPTS (""), BENCH_OUT (build/bench).
set -uo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$BENCH_DIR/../.." && pwd)
RESULTS=${BENCH_OUT:-$REPO/build/bench}/results.md
BENCH_OUT=${BENCH_OUT:-$REPO/build/bench}/queue_depth
QD_DEPTHS=${QD_DEPTHS:-1 8}
QD_BUSES=${QD_BUSES:-virtio nvme}
QD_ROUNDS=${QD_ROUNDS:-2}
mkdir -p "$BENCH_OUT"

# "dumped N pages (...), B bytes written in S.s seconds; next: ..."
rate() {	# SERIAL_LOG -> "bytes seconds MB/s"
	sed -n 's/.*dumped [0-9]* pages (.*), \([0-9]*\) bytes written in \([0-9.]*\) seconds.*/\1 \2/p' \
		"$1" | tail -n 1 | awk '{ if ($2 > 0) printf "%d %.1f %.1f\n", $1, $2, $1 / $2 / 1e6 }'
}

rows=() ok=1
reversed=$(for qd in $QD_DEPTHS; do echo "$qd"; done | tac | tr '\n' ' ')
for round in $(seq 1 "$QD_ROUNDS"); do
for bus in $QD_BUSES; do
	depths=$QD_DEPTHS
	[ $((round % 2)) = 1 ] || depths=$reversed
	for qd in $depths; do
		out=$BENCH_OUT/$bus-$qd-$round
		mkdir -p "$out"
		cat >"$out/prepanic.sh" <<EOF
#!/bin/sh
kexec -p -u || exit 1
kexec -s -p /usr/lib/dumpling/dumpling.img --append="\$(dumpling cmdline) dumpling.queue_depth=$qd" || exit 1
echo "DTEST: reloaded with dumpling.queue_depth=$qd"
EOF
		chmod +x "$out/prepanic.sh"
		E2E_OUT=$out E2E_DISK_BUS=$bus E2E_PREPANIC=$out/prepanic.sh \
			E2E_DRIVE_OPTS=${QD_DRIVE_OPTS:-} \
			E2E_CONF_EXTRA='core_collector makedumpfile -d 0' \
			"$REPO/tests/e2e/run.sh" dumpling >"$out/run.log" 2>&1
		log=$out/dumpling/serial.log
		r=$(rate "$log")
		# The depth the driver really used (it may lower what was asked).
		got=$(grep -ao 'queue depth [0-9]*' "$log" 2>/dev/null | head -n 1 | awk '{ print $3 }')
		[ -n "$r" ] && [ "$got" = "$qd" ] || ok=0
		rows+=("$round|$bus|$qd|${got:--}|$r")
		# Only the logs are kept: the disk is 2 GB.
		rm -f "$out/dumpling/disk.img" "$out/dumpling/vmcore"
	done
done
done

{
	echo
	echo "Disk writes in flight (\`tests/bench/queue_depth.sh\`, 1 GB 6.1 guest, raw target,"
	echo "dump level 0, uncompressed${QD_DRIVE_OPTS:+, -drive ...$QD_DRIVE_OPTS}; $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), QEMU TCG):"
	echo
	echo "| round | disk | dumpling.queue_depth | driver's depth | bytes | seconds | MB/s |"
	echo "|---|---|---|---|---|---|---|"
	for row in "${rows[@]}"; do
		IFS='|' read -r round bus qd got r <<<"$row"
		set -- $r
		echo "| $round | $bus | $qd | $got | ${1:-failed} | ${2:--} | ${3:--} |"
	done
} | tee -a "$RESULTS"
[ "$ok" = 1 ]

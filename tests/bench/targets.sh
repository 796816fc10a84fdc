#!/bin/bash
# `make bench`, second part: how fast each target takes a dump. The same 1 GB
# Debian 6.1 guest panics twice and the capture image writes everything
# (dump level 0, uncompressed, about 1 GiB) once to a raw virtio-blk disk and
# twice to NFS over virtio-net (nfs-ganesha on this host, through QEMU's user
# network): with one WRITE in flight (dumpling.nfs_inflight=1), then with the
# default window (NFS_WINDOW, 8). The rate is the image's own: bytes written over seconds, from its
# summary line. Under TCG the guest CPU is the bottleneck, so the figures
# compare targets with each other, not with hardware.
set -uo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$BENCH_DIR/../.." && pwd)
BENCH_OUT=${BENCH_OUT:-$REPO/build/bench}/targets
mkdir -p "$BENCH_OUT" "$REPO/build/bench"	# results.md is there whatever BENCH_OUT says

# "dumped N pages (...), B bytes written in S.s seconds; next: ..."
rate() {	# SERIAL_LOG -> "bytes seconds MB/s"
	sed -n 's/.*dumped [0-9]* pages (.*), \([0-9]*\) bytes written in \([0-9.]*\) seconds.*/\1 \2/p' \
		"$1" | tail -n 1 | awk '{ if ($2 > 0) printf "%d %.1f %.1f\n", $1, $2, $1 / $2 / 1e6 }'
}

E2E_OUT=$BENCH_OUT/raw E2E_CONF_EXTRA='core_collector makedumpfile -d 0' \
	"$REPO/tests/e2e/run.sh" dumpling >"$BENCH_OUT/raw.log" 2>&1
raw=$(rate "$BENCH_OUT/raw/dumpling/serial.log")

E2E_OUT=$BENCH_OUT/nfs1 NFS_RUNS=virtio-net NFS_LEVEL=0 NFS_INFLIGHT=1 \
	"$REPO/tests/e2e/suites/nfs.sh" >"$BENCH_OUT/nfs1.log" 2>&1
nfs1=$(rate "$(find "$BENCH_OUT/nfs1" -name serial.log | head -n 1)")

E2E_OUT=$BENCH_OUT/nfs NFS_RUNS=virtio-net NFS_LEVEL=0 \
	"$REPO/tests/e2e/suites/nfs.sh" >"$BENCH_OUT/nfs.log" 2>&1
nfs=$(rate "$(find "$BENCH_OUT/nfs" -name serial.log | head -n 1)")
# "... 8 WRITEs in flight at most (of 8) ...": the window the default run had.
window=$(sed -n 's/.* WRITEs in flight at most (of \([0-9]*\)).*/\1/p' \
	"$(find "$BENCH_OUT/nfs" -name serial.log | head -n 1)" | tail -n 1)

{
	echo
	echo "Targets (\`tests/bench/targets.sh\`, 1 GB 6.1 guest, dump level 0, uncompressed):"
	echo
	echo "| target | bytes | seconds | MB/s |"
	echo "|---|---|---|---|"
	for t in "raw virtio-blk:$raw" "NFS over virtio-net, 1 WRITE in flight:$nfs1" \
		 "NFS over virtio-net, ${window:-?} WRITEs in flight:$nfs"; do
		set -- ${t#*:}
		echo "| ${t%%:*} | ${1:-failed} | ${2:--} | ${3:--} |"
	done
} | tee -a "$REPO/build/bench/results.md"
[ -n "$raw" ] && [ -n "$nfs1" ] && [ -n "$nfs" ]

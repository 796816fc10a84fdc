#!/bin/bash
# `make bench`, third part: the capture image on 1, 2 and 4 CPUs. The same
# filled guest (tests/bench/fill.sh: page cache and anonymous memory, so most
# pages are worth compressing) panics three times, with -smp 1, 2 and 4, and
# the image writes `-z -d 1` to a raw virtio-blk disk. The rate is the image's
# own summary line; the CPU count is its `cpus:` line. QEMU runs multi-
# threaded TCG: a guest CPU is a host thread, so more guest CPUs than this
# machine has cannot go faster.
# Settings: SMP_BENCH_MEM (4G), SMP_BENCH_CPUS ("1 2 4"), SMP_BENCH_FILES_MB (1500),
# SMP_BENCH_ANON_MB (400), BENCH_OUT (build/bench).
set -uo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$BENCH_DIR/../.." && pwd)
BENCH_OUT=${BENCH_OUT:-$REPO/build/bench}/smp
MEM=${SMP_BENCH_MEM:-4G}
CPUS=${SMP_BENCH_CPUS:-1 2 4}
mkdir -p "$BENCH_OUT"

fill=$BENCH_OUT/fill.sh
sed -e "s/^FILL_FILES_MB=.*/FILL_FILES_MB=${SMP_BENCH_FILES_MB:-1500}/" \
    -e "s/^FILL_ANON_MB=.*/FILL_ANON_MB=${SMP_BENCH_ANON_MB:-400}/" "$BENCH_DIR/fill.sh" >"$fill"
chmod +x "$fill"

# "dumped N pages (...), B bytes written in S.s seconds; next: ..."
summary() {	# SERIAL_LOG -> "bytes seconds"
	sed -n 's/.*dumped [0-9]* pages (.*), \([0-9]*\) bytes written in \([0-9.]*\) seconds.*/\1 \2/p' \
		"$1" | tail -n 1
}

rows=() base=
for n in $CPUS; do
	out=$BENCH_OUT/smp$n
	E2E_OUT=$out E2E_MEM=$MEM E2E_SMP=$n E2E_PREPANIC=$fill \
		E2E_DISK_SIZE=$((${MEM%G} + 1))G \
		E2E_CONF_EXTRA='core_collector makedumpfile -z -d 1' \
		"$REPO/tests/e2e/run.sh" dumpling >"$out.log" 2>&1
	log=$out/dumpling/serial.log
	set -- $(summary "$log")
	used=$(grep -ao 'cpus: using [0-9]* of [0-9]*' "$log" | tail -n 1 | cut -d' ' -f3)
	if [ -z "${2:-}" ]; then
		rows+=("| $n | ${used:--} | failed (see $out.log) | | | |")
		continue
	fi
	[ -n "$base" ] || base=$2
	rows+=("| $n | ${used:-1} | $1 | $2 | $(awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f", b / s / 1e6 }') | $(awk -v a="$base" -v s="$2" 'BEGIN { printf "%.2fx", a / s }') |")
done

{
	echo
	echo "The image on several CPUs (\`tests/bench/smp.sh\`, $MEM 6.1 guest filled by fill.sh," \
	     "\`-z -d 1\` to raw virtio-blk, multi-threaded TCG on $(nproc) host CPUs):"
	echo
	echo "| -smp | CPUs used | bytes | seconds | MB/s | speed vs first row |"
	echo "|---|---|---|---|---|---|"
	printf '%s\n' "${rows[@]}"
} | tee -a "$REPO/build/bench/results.md"

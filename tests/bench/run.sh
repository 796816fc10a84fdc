#!/bin/bash
# `make bench`: dumpling-collect against Debian's makedumpfile, side by side in
# one run, on the same ELF vmcore of a crashed guest.
#
# The vmcore: a BENCH_MEM guest (Debian's 6.1 kernel) that filled its memory
# the way a working machine has it (tests/bench/fill.sh: files in tmpfs,
# anonymous memory, kernel objects) and panicked; the capture image wrote it
# with `core_collector makedumpfile -E -d 0` (everything, as ELF), and
# dumpling-extract took it off the disk. It is kept in BENCH_OUT and reused
# (delete it, or BENCH_FRESH=1, to make a new one).
#
# Then each tool runs BENCH_RUNS times on it, in turn (A B C A B C ...), after
# one warm-up round that also brings the vmcore into the page cache; outputs go
# to BENCH_OUT (same file system for all). Reported per tool: median and min
# wall seconds, median user+sys CPU seconds, output bytes. The table goes to
# stdout and BENCH_OUT/results.md, with the machine it ran on.
#
# Settings: BENCH_MEM (2G), BENCH_FILL_FILES_MB (500), BENCH_FILL_ANON_MB (300: tac
# input; it holds about twice that),
# BENCH_RUNS (5), BENCH_LEVEL (31: the -d of every command), BENCH_OUT (build/bench),
# BENCH_FRESH=1, BENCH_APPEND=1 (add to results.md instead of starting it).
# makedumpfile refuses an existing output file: each run starts without one.
set -uo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$BENCH_DIR/../.." && pwd)
BUILD=${BUILD:-$REPO/build}
BENCH_OUT=${BENCH_OUT:-$BUILD/bench}
BENCH_MEM=${BENCH_MEM:-2G}
BENCH_RUNS=${BENCH_RUNS:-5}
BENCH_FILL_FILES_MB=${BENCH_FILL_FILES_MB:-500}
BENCH_FILL_ANON_MB=${BENCH_FILL_ANON_MB:-300}
LEVEL=${BENCH_LEVEL:-31}

die() { echo "bench: $*" >&2; exit 1; }
mkdir -p "$BENCH_OUT"
VMCORE=$BENCH_OUT/vmcore

# ---- the vmcore ----------------------------------------------------------------
make_vmcore() {
	local fill=$BENCH_OUT/fill.sh out=$BENCH_OUT/guest
	# The guest script with this run's sizes.
	sed -e "s/^FILL_FILES_MB=.*/FILL_FILES_MB=$BENCH_FILL_FILES_MB/" \
	    -e "s/^FILL_ANON_MB=.*/FILL_ANON_MB=$BENCH_FILL_ANON_MB/" \
	    "$BENCH_DIR/fill.sh" >"$fill"
	chmod +x "$fill"
	(
		export E2E_OUT=$BENCH_OUT/e2e E2E_MEM=$BENCH_MEM E2E_CRASHKERNEL=16M
		export E2E_CONF_EXTRA='core_collector makedumpfile -E -d 0'
		export E2E_PREPANIC=$fill E2E_DISK_SIZE=$((${BENCH_MEM%G} + 1))G
		. "$REPO/tests/e2e/lib.sh"
		e2e_kernel || exit 1
		e2e_initramfs yes || exit 1
		e2e_boot dumpling "$out"
		e2e_check_boot bench "$out"
		grep -a '^DTEST: fill' "$out/serial.log"
		"$BUILD/dumpling-extract" "$out/disk.img" "$VMCORE.tmp" || exit 1
		rm -f "$out/disk.img"
		[ "$E2E_FAILED" = 0 ]
	) || { rm -f "$VMCORE.tmp"; die "could not make the vmcore (see $BENCH_OUT/guest)"; }
	mv "$VMCORE.tmp" "$VMCORE"
}

[ -x "$BUILD/dumpling-collect" ] || die "no $BUILD/dumpling-collect (run make)"
command -v makedumpfile >/dev/null || die "no makedumpfile (make deps)"
if [ -n "${BENCH_FRESH:-}" ] || [ ! -s "$VMCORE" ]; then
	echo "bench: making the vmcore ($BENCH_MEM guest, filled, -E -d 0): a few minutes"
	make_vmcore
fi
head -c 4 "$VMCORE" | cmp -s - <(printf '\177ELF') || die "$VMCORE is not an ELF vmcore"

# ---- the tools --------------------------------------------------------------------
names=() cmds=()
add() { names+=("$1"); cmds+=("$2"); }
add "dumpling-collect -z -d $LEVEL --threads 2" "$BUILD/dumpling-collect -z -d $LEVEL --threads 2 $VMCORE @OUT@"
add "makedumpfile -l -d $LEVEL" "makedumpfile -l -d $LEVEL $VMCORE @OUT@"
add "makedumpfile -c -d $LEVEL" "makedumpfile -c -d $LEVEL $VMCORE @OUT@"
add "dumpling-collect -z -d $LEVEL --threads 1" "$BUILD/dumpling-collect -z -d $LEVEL --threads 1 $VMCORE @OUT@"
add "makedumpfile -c -d $LEVEL --num-threads 2" "makedumpfile -c -d $LEVEL --num-threads 2 $VMCORE @OUT@"
mdf_zstd=$(makedumpfile -v 2>&1 | awk '$1 == "zstd" { print $2 }')
if [ "$mdf_zstd" = enabled ]; then
	add "makedumpfile -z -d $LEVEL" "makedumpfile -z -d $LEVEL $VMCORE @OUT@"
fi
# Without compression, for scale: reading and filtering alone.
add "dumpling-collect -d $LEVEL --threads 1" "$BUILD/dumpling-collect -d $LEVEL --threads 1 $VMCORE @OUT@"
add "makedumpfile -d $LEVEL" "makedumpfile -d $LEVEL $VMCORE @OUT@"

# run I ROUND: one timed run of tool I; appends "wall cpu bytes" to its file.
run() {
	local i=$1 out=$BENCH_OUT/out.$1 cmd t0 t1 cpu rc
	cmd=${cmds[$i]//@OUT@/$out}
	rm -f "$out"
	t0=$(date +%s.%N)
	# user+sys of the child, from bash's own accounting
	cpu=$( { TIMEFORMAT='%U %S'; time $cmd >"$BENCH_OUT/log.$i" 2>&1; } 2>&1 )
	rc=$?
	t1=$(date +%s.%N)
	# Debian's static makedumpfile aborts in pthread_exit after --num-threads
	# has copied every page: time it as it is, and say so.
	if [ "$rc" = 134 ] && [ -s "$out" ] && grep -q 'must be installed for pthread_exit' "$BENCH_OUT/log.$i"; then
		echo "bench: ${names[$i]} aborted at exit (libgcc_s in a static binary) after 100 % copied; timed as it is" >&2
		rc=0
	fi
	[ "$rc" = 0 ] && [ -s "$out" ] || die "${names[$i]} failed (exit $rc): see $BENCH_OUT/log.$i"
	echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" \
	     "$(echo "$cpu" | awk '{ printf "%.3f", $1 + $2 }')" "$(stat -c %s "$out")" \
	     >>"$BENCH_OUT/times.$i"
}

for i in "${!names[@]}"; do rm -f "$BENCH_OUT/times.$i"; done
echo "bench: warm-up round"
for i in "${!names[@]}"; do run "$i"; done
for i in "${!names[@]}"; do rm -f "$BENCH_OUT/times.$i"; done
for r in $(seq 1 "$BENCH_RUNS"); do
	echo "bench: round $r of $BENCH_RUNS"
	for i in "${!names[@]}"; do run "$i"; done
done

# ---- report -------------------------------------------------------------------------
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
vm_bytes=$(stat -c %s "$VMCORE")
vm_pages=$(python3 - "$VMCORE" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read(1 << 20)
phoff, = struct.unpack_from("<Q", d, 32)
n, = struct.unpack_from("<H", d, 56)
t = 0
for i in range(n):
    ty, _, off, va, pa, fs, ms, al = struct.unpack_from("<IIQQQQQQ", d, phoff + 56 * i)
    if ty == 1 and va < 0xffffffff80000000:
        t += fs
print(t // 4096)
EOF
)
{
	echo "Machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p' | head -n 1)," \
	     "$(free -g | awk '/^Mem:/ { print $2 }') GiB RAM; $(uname -r);" \
	     "makedumpfile $(makedumpfile -v 2>&1 | awk 'NR == 1 { print $3 }')" \
	     "(zstd ${mdf_zstd:-unknown}); $(date -u +%Y-%m-%d)"
	echo
	echo "vmcore: $BENCH_MEM guest, Linux 6.1, $((vm_bytes >> 20)) MiB ELF (-E -d 0)," \
	     "$vm_pages pages of RAM; filled with ${BENCH_FILL_FILES_MB} MiB of tmpfs files" \
	     "and ~$((BENCH_FILL_ANON_MB * 2)) MiB of anonymous memory" \
	     "($(grep -ao 'DTEST: fill: .*' "$BENCH_OUT/guest/serial.log" 2>/dev/null | cut -c 14-))." \
	     "$BENCH_RUNS rounds after a warm-up."
	echo
	echo "| command | wall s (median) | wall s (min) | CPU s (median) | output bytes | vs -c size | vs -l speed |"
	echo "|---|---|---|---|---|---|---|"
	lzo_wall=$(cut -d' ' -f1 "$BENCH_OUT/times.1" | median)
	zlib_size=$(tail -n 1 "$BENCH_OUT/times.2" | cut -d' ' -f3)
	for i in "${!names[@]}"; do
		f=$BENCH_OUT/times.$i
		wall=$(cut -d' ' -f1 "$f" | median)
		min=$(cut -d' ' -f1 "$f" | sort -n | head -n 1)
		cpu=$(cut -d' ' -f2 "$f" | median)
		size=$(tail -n 1 "$f" | cut -d' ' -f3)
		echo "| \`${names[$i]}\` | $wall | $min | $cpu | $size |" \
		     "$(awk -v a="$size" -v b="$zlib_size" 'BEGIN { printf "%.3f", a / b }') |" \
		     "$(awk -v a="$wall" -v b="$lzo_wall" 'BEGIN { printf "%.2fx", b / a }') |"
	done
} | tee ${BENCH_APPEND:+-a} "$BENCH_OUT/results.md"
rm -f "$BENCH_OUT"/out.*

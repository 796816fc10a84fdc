#!/bin/bash
# The crashed machine's other CPUs (issue 12, docs/smp.md), end to end. Runs:
#   smp4     -smp 4, a 4 GB guest, the panic entered on CPU 2 (taskset -p on the init): the
#            image runs on an AP, leaves out the boot processor (APIC ID 0,
#            never INITed; the loader passed dumpling.bsp_apicid=0) and
#            wakes the other two: 3 of 4 CPUs. The dump (-z -d 1) opens in
#            crash, crash's bt says CPU 2, and the 16 MiB pattern file the
#            guest copied into tmpfs reads back from the dump's page cache
#            (drgn) with the file's sha256.
#   smp1     the same guest with -smp 1: 1 of 1 CPUs, the same pattern.
#   bsp4     -smp 4, 1 GB, the panic on CPU 0 (the boot processor): all four.
#   cpus1    -smp 2 with `dumpling_cpus 1`: one CPU, the dump opens.
#   high     (E2E_FULL=1) -smp 2, 6 GB, crashkernel=16M,high: the image and its page-table
#            root above 4 GiB, so a second low page holds a copy of the root.
#   apfault  -smp 3 with dumpling.test=apfault: the first woken CPU takes an
#            exception in the self-test; run() times out on it, it is left
#            out, and the dump goes on with the other two.
# Usage: suites/smp.sh [RUN...]
set -uo pipefail

E2E_OUT=${E2E_OUT:-$(cd "$(dirname "$0")/.." && pwd)/out/smp}
. "$(dirname "$0")/../lib.sh"

runs=("$@")
if [ ${#runs[@]} -eq 0 ]; then
	runs=(smp4 smp1 bsp4 cpus1 apfault)
	[ -z "${E2E_FULL:-}" ] || runs+=(high)	# make check stays under 30 minutes
fi

PATTERN=$E2E_OUT/pattern.bin
PATTERN_MIB=16

# A pattern from a fixed seed: sha256 in counter mode.
make_pattern() {
	[ -s "$PATTERN" ] && return 0
	mkdir -p "$E2E_OUT"
	python3 - "$PATTERN" $PATTERN_MIB <<'PY'
import hashlib, sys
with open(sys.argv[1] + ".tmp", "wb") as f:
    for i in range(int(sys.argv[2]) << 15):
        f.write(hashlib.sha256(b"dumpling-smp-%d" % i).digest())
PY
	mv "$PATTERN.tmp" "$PATTERN"
}

# prepanic CPU [WORD]: the guest copies the pattern into tmpfs and pins the
# init (PID 1), whose `echo c` panics right after this hook, to CPU. With
# WORD, the image is loaded again with WORD added to its command line.
prepanic() {
	local f=$E2E_OUT/prepanic-$1${2:+-${2//[^a-z0-9]/_}}.sh
	cat >"$f" <<SH
#!/bin/sh
mkdir -p /mnt/smp && mount -t tmpfs -o size=64m tmpfs /mnt/smp || exit 1
cp /pattern.bin /mnt/smp/pattern || exit 1
echo "DTEST: pattern \$(sha256sum /mnt/smp/pattern)"
taskset -p -c $1 1 || exit 1
SH
	[ -z "${2:-}" ] || cat >>"$f" <<SH
kexec -p -u || exit 1
kexec -s -p /usr/lib/dumpling/dumpling.img --append="\$(dumpling cmdline) $2" || exit 1
echo "DTEST: reloaded with $2"
SH
	chmod +x "$f"
	echo "$f"
}

# pattern_in_dump NAME VMCORE: the file's pages, from the dump's page cache.
pattern_in_dump() {
	local name=$1 vmcore=$2 r want
	want=$(sha256sum <"$PATTERN" | cut -d' ' -f1)
	r=$(timeout 300 /usr/bin/python3 - "$vmcore" "$KERNEL_VMLINUX" 2>&1 <<'PY'
import hashlib, sys, drgn
from drgn.helpers.linux.fs import path_lookup
from drgn.helpers.linux.mm import page_to_virt
from drgn.helpers.linux.xarray import xa_load
p = drgn.Program()
p.set_core_dump(sys.argv[1])
p.load_debug_info([sys.argv[2]])
inode = path_lookup(p, "/mnt/smp/pattern").dentry.d_inode
size = inode.i_size.value_()
pages = inode.i_mapping.i_pages.address_of_()
h = hashlib.sha256()
missing = 0
for idx in range((size + 4095) // 4096):
    entry = xa_load(pages, idx)
    if not entry.value_():
        missing += 1
        continue
    page = drgn.cast("struct page *", entry)
    h.update(p.read(page_to_virt(page).value_(), min(4096, size - idx * 4096)))
print("size=%d missing=%d sha256=%s" % (size, missing, h.hexdigest()))
PY
)
	echo "$r" | tail -n 5 | sed "s/^/$name: drgn: /"
	check "$name: drgn read the pattern file's $PATTERN_MIB MiB from the dump's page cache" \
		grep -qx "size=$((PATTERN_MIB << 20)) missing=0 sha256=$want" <<<"$r"
}

# one RUN SMP MEM CPU-TO-PANIC-ON CONF-EXTRA [IMAGE-WORD]
one() {
	local name=$1 out=$E2E_OUT/$1 vmcore rc
	E2E_SMP=$2
	E2E_MEM=$3
	E2E_CONF_EXTRA=$5
	E2E_PREPANIC=$(prepanic "$4" "${6:-}")
	E2E_IR_FILES="$PATTERN:/pattern.bin"
	if ! e2e_initramfs yes; then
		fail "$name: build the initramfs"
		return 1
	fi
	e2e_boot dumpling "$out"
	e2e_check_boot "$name" "$out"
	note "$name: $(tr '\n' ' ' <"$out/timing.txt")"
	grep -aE '\] (cpus|command line):' "$out/serial.log" | sed "s/^/$name: console: /"
	vmcore=$out/vmcore
	"$BUILD/dumpling-extract" "$out/disk.img" "$vmcore" >"$out/extract.log" 2>&1
	rc=$?
	check "$name: dumpling-extract (exit status $rc), a vmcore" sh -c '[ "$1" = 0 ] && [ -s "$2" ]' _ "$rc" "$vmcore"
	e2e_crash "$name" "$vmcore" "$out"
	check "$name: crash bt: the panic came from CPU $4" \
		grep -qE "CPU: $4 +COMMAND" "$out/crash-bt.txt"
}

cleanup() { [ -n "${E2E_KEEP_DISK:-}" ] || rm -f "$E2E_OUT/$1/disk.img" "$E2E_OUT/$1/vmcore"; }

e2e_kernel || { fail "kernel"; e2e_summary; exit 1; }
make_pattern || { fail "pattern file"; e2e_summary; exit 1; }
LOG() { grep -aE "$1" "$E2E_OUT/$2/serial.log"; }

for r in "${runs[@]}"; do
	case $r in
	smp4)
		one smp4 4 4G 2 'core_collector makedumpfile -z -d 1'
		check "smp4: the loader passed the boot CPU (dumpling.bsp_apicid=0)" \
			LOG '\] command line: .*dumpling\.bsp_apicid=0( |$)' smp4
		check "smp4: the image ran on an AP and left out the boot processor, APIC ID 0" \
			LOG '\] cpus: this is not the boot processor; leaving out APIC ID 0, .*dumpling.bsp_apicid says so' smp4
		check "smp4: the start-up page is RAM below 640 KiB, and put back" \
			LOG '\] cpus: start-up code in RAM page 0x[0-9a-f]*000-0x[0-9a-f]*fff below 1 MiB \(put back after\)' smp4
		check "smp4: console: cpus: using 3 of 4 CPUs (APIC IDs 2 1 3)" \
			LOG '\] cpus: using 3 of 4 CPUs \(APIC IDs 2 1 3\)' smp4
		pattern_in_dump smp4 "$E2E_OUT/smp4/vmcore"
		cleanup smp4 ;;
	smp1)
		one smp1 1 4G 0 'core_collector makedumpfile -z -d 1'
		check "smp1: console: cpus: using 1 of 1 CPUs" LOG '\] cpus: using 1 of 1 CPUs \(APIC IDs 0\)' smp1
		pattern_in_dump smp1 "$E2E_OUT/smp1/vmcore"
		cleanup smp1 ;;
	bsp4)
		one bsp4 4 1G 0 'core_collector makedumpfile -z -d 31'
		check "bsp4: console: cpus: using 4 of 4 CPUs (APIC IDs 0 1 2 3)" \
			LOG '\] cpus: using 4 of 4 CPUs \(APIC IDs 0 1 2 3\)' bsp4
		check "bsp4: no CPU was left out" sh -c "! grep -aq 'leaving out\|left out' '$E2E_OUT/bsp4/serial.log'"
		cleanup bsp4 ;;
	cpus1)
		one cpus1 2 1G 1 "$(printf 'core_collector makedumpfile -z -d 31\ndumpling_cpus 1')"
		check "cpus1: the loader wrote dumpling.cpus=1" LOG '\] command line: .*dumpling\.cpus=1( |$)' cpus1
		check "cpus1: console: cpus: using 1 of 2 CPUs" LOG '\] cpus: using 1 of 2 CPUs \(APIC IDs 1\)' cpus1
		cleanup cpus1 ;;
	high)
		# crashkernel above 4 GiB: the image's page-table root too, so the
		# trampoline needs a second low page with a copy of it.
		E2E_CRASHKERNEL='16M,high crashkernel=0M,low'
		one high 2 6G 0 'core_collector makedumpfile -z -d 31'
		E2E_CRASHKERNEL=16M
		check "high: the image ran above 4 GiB" \
			LOG 'capture image at 0x[1-9a-f][0-9a-f]{8,}-' high
		check "high: two start-up pages below 1 MiB (code, and a copy of the page-table root)" \
			LOG '\] cpus: start-up code in RAM pages 0x[0-9a-f]*000-0x[0-9a-f]*fff below 1 MiB \(put back after\)' high
		check "high: console: cpus: using 2 of 2 CPUs (APIC IDs 0 1)" \
			LOG '\] cpus: using 2 of 2 CPUs \(APIC IDs 0 1\)' high
		cleanup high ;;
	apfault)
		one apfault 3 1G 0 'core_collector makedumpfile -z -d 31' dumpling.test=apfault
		check "apfault: run() timed out on the faulting CPU, APIC ID 1" \
			LOG '\] cpus: the CPU with APIC ID 1 did not finish its part within 5000 ms' apfault
		check "apfault: the self-test left it out" \
			LOG '\] cpus: leaving out APIC ID 1: it failed the self-test' apfault
		check "apfault: console: cpus: using 2 of 3 CPUs (APIC IDs 0 2)" \
			LOG '\] cpus: using 2 of 3 CPUs \(APIC IDs 0 2\)' apfault
		cleanup apfault ;;
	*)	fail "unknown run $r" ;;
	esac
done
e2e_summary

#!/bin/bash
# The capture image shows itself where the user is looking: on the crashed
# kernel's serial consoles and on its screen (docs/console.md). Checks:
#   - serial: the production kernel runs on console=ttyS1,57600 console=ttyS3
#     earlycon=uart8250,io,0x3e8,115200 with COM1 and COM3 to files and COM2 to
#     the log. The image's command line names exactly those UARTs (and the
#     screen); its panic line, progress and summary appear on COM2 and on COM3
#     (the earlycon= form), nothing of it on COM1, and ttyS3 (no UART at 0x2e8
#     in QEMU) is dropped at once with a message instead of being waited on;
#   - VGA text (SeaBIOS, -vga std): after the dump, 0xb8000 read back through
#     the QEMU monitor (pmemsave) holds the summary line, exactly as the serial
#     log has it, and the status row shows the progress bar at 100 %;
#   - EFI GOP framebuffer (OVMF, -vga std): a screendump taken mid-dump (the VM
#     stopped through the monitor) has the progress bar below 100 % on the
#     bottom row and no summary yet; one taken after the dump has the summary
#     line and the bar at 100 %. Every character cell of both screendumps must
#     equal this test's own rendering of a character in the same font
#     (tests/e2e/screentext.py reads the PSF itself), so what is compared is
#     pixels, not a guess.
# An MMIO UART is not tested here: QEMU's x86 machines have none (isa-serial
# and pci-serial both decode I/O ports), so the mmio/mmio32 forms and SPCR are
# covered by the unit tests (test_loader_console, test_console_spec).
# E2E_FULL=1 runs everything again on Debian's 6.12 kernel.
# Usage: suites/console.sh
set -uo pipefail

E2E_OUT=${E2E_OUT:-$(cd "$(dirname "$0")/.." && pwd)/out/console}
E2E_TIMEOUT=${E2E_TIMEOUT:-300}
. "$(dirname "$0")/../lib.sh"

FONT=${CONSOLE_FONT:-/usr/share/consolefonts/Uni2-VGA16.psf.gz}
OVMF=${OVMF:-/usr/share/ovmf/OVMF.fd}
SUMMARY_RE='dumped [0-9]+ pages'

# The capture's lines after the panic (the image stamps its own lines).
after_panic() {
	awk '/sysrq: Trigger a crash/ { p = 1 } p' "$1" | tr -d '\r'
}

# boot_with_monitor NAME QMON_STEPS...: e2e_boot with a monitor socket that
# tests/e2e/qmon.py drives from the serial log.
boot_with_monitor() {
	local name=$1 out=$E2E_OUT/$1 sock=$E2E_OUT/$1.sock w rc
	shift
	rm -f "$sock"
	E2E_QEMU_EXTRA="-serial stdio -monitor unix:$sock,server=on,wait=off"
	python3 "$E2E_DIR/qmon.py" --timeout "$E2E_TIMEOUT" "$sock" "$out/serial.log" "$@" \
		2>"$E2E_OUT/$name.qmon" &
	w=$!
	E2E_BOOT_TRIES=1 e2e_boot dumpling "$out"	# qmon follows this one QEMU
	wait "$w"
	rc=$?
	check "$name: monitor steps ran ($(tr '\n' ';' <"$E2E_OUT/$name.qmon"))" [ "$rc" = 0 ]
	rm -f "$sock"
}

# has_summary LINESFILE SERIAL COLS: the serial log's summary line, wrapped
# at COLS, is on consecutive rows of the screen text.
has_summary() {
	[ -s "$1" ] && python3 - "$1" "$2" "$3" <<'PY'
import re, sys
rows = open(sys.argv[1], encoding="utf-8").read().split("\n")
serial = open(sys.argv[2], "rb").read().decode("utf-8", "replace").replace("\r", "")
cols = int(sys.argv[3])
line = [l for l in serial.split("\n") if re.search(r"dumped [0-9]+ pages", l)][-1]
want = [line[i:i + cols].rstrip() for i in range(0, len(line), cols)]
ok = any(rows[i:i + len(want)] == want for i in range(len(rows)))
print("summary %s on screen: %s" % ("found" if ok else "NOT found", line))
sys.exit(0 if ok else 1)
PY
}

# bar_pct TEXTFILE: the percentage the status (last) row shows, or nothing.
bar_pct() {
	[ -s "$1" ] && tail -n 1 "$1" | sed -nE 's/^Copying data \[#*\.*\] +([0-9]+\.[0-9])%  [0-9]+\.[0-9] MB\/s  eta [0-9]+s$/\1/p'
}

# config EXTRA: the guest's /etc/dumpling.conf gets EXTRA (it is in the initramfs).
config() {
	E2E_CONF_EXTRA=$1
	e2e_initramfs yes >/dev/null || { fail "initramfs"; e2e_summary; exit 1; }
}

mkdir -p "$E2E_OUT"
e2e_kernel >/dev/null || { fail "kernel fetch"; e2e_summary; exit 1; }

# ---- serial: ttyS1 at 57600, an absent ttyS3, and earlycon on COM3 ----------
out=$E2E_OUT/serial
config 'core_collector makedumpfile -d 31'
E2E_CONSOLE="console=ttyS1,57600 console=ttyS3 earlycon=uart8250,io,0x3e8,115200" \
E2E_QEMU_EXTRA="-serial file:$E2E_OUT/serial-com1.log -serial stdio -serial file:$E2E_OUT/serial-com3.log -monitor none" \
	e2e_boot dumpling "$out"
e2e_check_boot dumpling "$out"
log=$(after_panic "$out/serial.log")
check "serial: the image's command line names ttyS1 57600n8, ttyS3 as the kernel set it, COM3 from earlycon, and the screen" \
	grep -q 'dumpling.console=io@0x2f8:57600n8,io@0x2e8,io@0x3e8:115200n8,screen$' <<<"$log"
check "serial: COM2 shows the image's panic line" grep -qE '^\[ *[0-9.]+\] panic: sysrq triggered crash' <<<"$log"
check "serial: COM2 shows progress" grep -qE '^\[ *[0-9.]+\] Copying data : \[100\.0 %\]' <<<"$log"
check "serial: COM2 shows the summary" grep -qE "^\[ *[0-9.]+\] $SUMMARY_RE" <<<"$log"
check "serial: the absent ttyS3 is dropped with a reason" \
	grep -q 'console: UART io 0x2e8 (as the kernel set it) not used: nothing answers there' <<<"$log"
check "serial: COM3 (earlycon=uart8250,io,0x3e8) has the summary" grep -aqE "$SUMMARY_RE" "$E2E_OUT/serial-com3.log"
check "serial: COM3 has the panic line" grep -aq 'panic: sysrq triggered crash' "$E2E_OUT/serial-com3.log"
check "serial: COM1, not a console of the crashed kernel, got nothing from the image" \
	bash -c "! grep -aq 'capture image' '$E2E_OUT/serial-com1.log'"
# The image stamps at most 0.1 s between its first line and the target for the
# dropped UART: a UART that is waited on would take seconds.
start=$(grep -oE '^\[ *[0-9.]+\] dumpling .* capture image' <<<"$log" | head -n1 | sed -E 's/^\[ *([0-9.]+)\].*/\1/')
writing=$(grep -E 'writing the dump to' <<<"$log" | head -n1 | sed -E 's/^\[ *([0-9.]+)\].*/\1/')
check "serial: the dropped UART cost no time (start ${start:-?}s, writing at ${writing:-?}s)" \
	awk -v a="${start:-x}" -v b="${writing:-x}" 'BEGIN { exit !(a != "x" && b != "x" && b - a < 1.0) }'

# ---- VGA text mode (SeaBIOS) ------------------------------------------------------
out=$E2E_OUT/vga
config $'core_collector makedumpfile -d 31\nfinal_action halt'
E2E_DISPLAY="-display none -vga std" \
	boot_with_monitor vga --at "$SUMMARY_RE" sleep:1 "pmemsave 0xb8000 4000 \"$E2E_OUT/vga.bin\"" quit
e2e_check_boot dumpling "$out"
check "vga: the image drew on the VGA text screen" \
	grep -aq 'console: screen: VGA text 80x25 at 0xb8000' "$out/serial.log"
python3 "$E2E_DIR/screentext.py" vga "$E2E_OUT/vga.bin" >"$E2E_OUT/vga.txt" || rm -f "$E2E_OUT/vga.txt"
check "vga: 0xb8000 holds the summary line" has_summary "$E2E_OUT/vga.txt" "$out/serial.log" 80
check "vga: the status row shows the bar at 100.0 % ($(tail -n1 "$E2E_OUT/vga.txt"))" \
	[ "$(bar_pct "$E2E_OUT/vga.txt")" = 100.0 ]

# ---- EFI GOP framebuffer (OVMF) ------------------------------------------------------
out=$E2E_OUT/gop
if [ ! -r "$OVMF" ] || [ ! -r "$FONT" ]; then
	fail "gop: need $OVMF and $FONT (make deps)"
else
	# -d 0 so that the dump lasts long enough to be caught in the middle.
	config $'core_collector makedumpfile -d 0\nfinal_action halt'
	E2E_DISPLAY="-display none -vga std -bios $OVMF" \
		boot_with_monitor gop --at 'writing the dump to' sleep:2 stop \
			"screendump \"$E2E_OUT/gop-during1.ppm\"" cont sleep:0.7 stop \
			"screendump \"$E2E_OUT/gop-during2.ppm\"" cont \
			--at "$SUMMARY_RE" sleep:1 "screendump \"$E2E_OUT/gop-after.ppm\"" quit
	e2e_check_boot dumpling "$out"
	check "gop: the image drew on the EFI framebuffer" \
		grep -aqE 'console: screen: framebuffer [0-9]+x[0-9]+ at 0x' "$out/serial.log"
	cols=$(grep -aoE 'console: screen: framebuffer .*, [0-9]+x[0-9]+ characters' "$out/serial.log" |
		sed -E 's/.*, ([0-9]+)x[0-9]+ characters/\1/')
	clean() { [ -s "$1" ] && ! grep -q $'\xef\xbf\xbd' "$1"; }
	for shot in during1 during2 after; do
		python3 "$E2E_DIR/screentext.py" ppm "$E2E_OUT/gop-$shot.ppm" "$FONT" \
			>"$E2E_OUT/gop-$shot.txt" || rm -f "$E2E_OUT/gop-$shot.txt"
	done
	# The VM may be stopped halfway through drawing a cell: of the two
	# mid-dump shots, the first whose every cell is a whole character counts.
	during=$E2E_OUT/gop-during1.txt
	clean "$during" || during=$E2E_OUT/gop-during2.txt
	check "gop: every cell of a mid-dump screendump is this test's rendering of a character" clean "$during"
	check "gop: every cell of the screendump after the dump is this test's rendering of a character" \
		clean "$E2E_OUT/gop-after.txt"
	pct=$(bar_pct "$during")
	check "gop: mid-dump the bottom row is the progress bar, below 100 % ($(tail -n1 "$during"))" \
		awk -v p="${pct:-x}" 'BEGIN { exit !(p != "x" && p < 100) }'
	check "gop: mid-dump there is no summary yet" bash -c "! grep -qE '$SUMMARY_RE' '$during'"
	check "gop: after the dump the screen holds the summary line" \
		has_summary "$E2E_OUT/gop-after.txt" "$out/serial.log" "${cols:-0}"
	check "gop: after the dump the bar shows 100.0 %" [ "$(bar_pct "$E2E_OUT/gop-after.txt")" = 100.0 ]
fi

# ---- the same on 6.12 (E2E_FULL=1) --------------------------------------------------
if [ -n "${E2E_FULL:-}" ] && [ -z "${CONSOLE_SUITE_INNER:-}" ]; then
	while IFS= read -r l; do
		case $l in
		PASS:*) pass "6.12: ${l#PASS: }" ;;
		FAIL:*) fail "6.12: ${l#FAIL: }" ;;
		*) echo "$l" ;;
		esac
	done < <(CONSOLE_SUITE_INNER=1 E2E_KERNEL_PKG=linux-image-6.12-cloud-amd64 \
		E2E_OUT="$E2E_OUT/6.12" bash "$0" 2>&1 | grep -vE '^[0-9]+ passed, [0-9]+ failed$')
fi

e2e_summary

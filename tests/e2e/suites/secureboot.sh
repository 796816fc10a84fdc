#!/bin/bash
# Real UEFI Secure Boot: OVMF's Secure Boot firmware with the snakeoil keys
# Debian's ovmf package enrols (PK, KEK and db). Debian's kernel, re-signed
# with the snakeoil key, boots; Secure Boot turns on lockdown=integrity and
# the db certificate lands in the kernel's .platform keyring, so
# kexec_file_load accepts an image signed with the snakeoil key and nothing
# else. Checks:
#   - the kernel says Secure Boot is on and is locked down (integrity), and
#     it loaded the snakeoil certificate from db;
#   - dumpling status shows the lockdown mode and who signed the installed
#     images;
#   - refused, each with its own message and nothing left loaded: the
#     unsigned image, one signed with another key, one changed after signing,
#     --legacy (at once: the kernel never sees a kexec_load);
#   - a refused load after a good one says the good one is gone too;
#   - dumpling load picks the signed image, the guest panics, the image dumps
#     and crash opens the dump; the same with `kexec -s -p` and the signed file;
#   - control: a gnu-efi "hello" app from an ESP runs when signed with the
#     snakeoil key and is refused by the firmware when unsigned.
# E2E_FULL=1 adds: the signed file through the two kexec_load paths
# (dumpling load --legacy, kexec -p) on a kernel without lockdown.
# Usage: suites/secureboot.sh
set -uo pipefail

E2E_OUT=${E2E_OUT:-$(cd "$(dirname "$0")/.." && pwd)/out/secureboot}
E2E_CONF_EXTRA=${E2E_CONF_EXTRA:-core_collector makedumpfile -z -d 31}
KERNEL_MODULES="${KERNEL_MODULES:-} efivarfs"
. "$(dirname "$0")/../lib.sh"

SBDIR=$E2E_DIR/secureboot
OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.secboot.fd}
OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd}
SNAKEOIL_KEY=${SNAKEOIL_KEY:-/usr/share/ovmf/PkKek-1-snakeoil.key}	# password "snakeoil"
SNAKEOIL_PEM=${SNAKEOIL_PEM:-/usr/share/ovmf/PkKek-1-snakeoil.pem}
W=$E2E_OUT/work
mkdir -p "$W"

bail() { fail "$*"; e2e_summary; exit 1; }

for f in "$OVMF_CODE" "$OVMF_VARS" "$SNAKEOIL_KEY" "$SNAKEOIL_PEM" /usr/lib/crt0-efi-x86_64.o; do
	[ -r "$f" ] || bail "missing $f (apt-get install ovmf gnu-efi; tests/deps/secureboot.txt)"
done
for p in sbsign sbverify sbattach openssl; do
	command -v $p >/dev/null || bail "missing $p (tests/deps/secureboot.txt)"
done

# QEMU with OVMF's Secure Boot build (needs SMM) and a fresh copy of the
# snakeoil variable store; the e2e harness appends these to its command.
sb_qemu_args() {
	cp "$OVMF_VARS" "$1"
	echo "-machine q35,smm=on -global driver=cfi.pflash01,property=secure,value=on" \
	     "-drive if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE" \
	     "-drive if=pflash,format=raw,unit=1,file=$1"
}

# ---- keys and images ------------------------------------------------------------
openssl pkey -in "$SNAKEOIL_KEY" -passin pass:snakeoil -out "$W/snakeoil.key" 2>"$W/openssl.log" ||
	bail "cannot unlock $SNAKEOIL_KEY"
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "/CN=dumpling other key/" \
	-keyout "$W/other.key" -out "$W/other.pem" 2>>"$W/openssl.log" || bail "openssl req"

sign() { "$REPO/tools/sign-image.sh" "$1" "$2" "$BUILD/dumpling.img" "$3" >"$3.log" 2>&1; }
check "make sign's script signs the image with the snakeoil key" \
	sign "$W/snakeoil.key" "$SNAKEOIL_PEM" "$W/dumpling.signed.img"
check "sbverify: the signed image verifies against the snakeoil certificate" \
	sbverify --cert "$SNAKEOIL_PEM" "$W/dumpling.signed.img"
check "sign the image with another key" sign "$W/other.key" "$W/other.pem" "$W/other.img"
# Changed after signing: one byte of the payload's zero padding.
cp "$W/dumpling.signed.img" "$W/tampered.img"
printf '\001' | dd of="$W/tampered.img" bs=1 seek=$(($(stat -c %s "$BUILD/dumpling.img") - 1)) \
	conv=notrunc status=none
check "the changed copy no longer verifies (sbverify)" \
	bash -c "! sbverify --cert '$SNAKEOIL_PEM' '$W/tampered.img' >/dev/null 2>&1"

if ! e2e_kernel; then
	bail "fetch kernel $E2E_KERNEL_PKG"
fi
# OVMF's -kernel path falls back to a loader that does not check signatures,
# so this is for realism: the kernel is signed by the key in db.
cp "$KERNEL_VMLINUZ" "$W/vmlinuz"
sbattach --remove "$W/vmlinuz" >/dev/null 2>&1
sbsign --key "$W/snakeoil.key" --cert "$SNAKEOIL_PEM" --output "$W/vmlinuz.signed" "$W/vmlinuz" \
	>"$W/sbsign-kernel.log" 2>&1
check "Debian's vmlinuz re-signed with the snakeoil key" \
	sbverify --cert "$SNAKEOIL_PEM" "$W/vmlinuz.signed"
KERNEL_VMLINUZ=$W/vmlinuz.signed

# ---- boot 1: refusals, status, then dumpling load + panic + dump ---------------------
if ! e2e_initramfs yes; then
	bail "build the initramfs"
fi
extra=$W/extra
rm -rf "$extra" && mkdir -p "$extra"
ir_add_file "$extra" "$W/dumpling.signed.img" /usr/lib/dumpling/dumpling.signed.img
ir_add_file "$extra" "$W/other.img" /root/other.img
ir_add_file "$extra" "$W/tampered.img" /root/tampered.img
install -D -m 0755 "$SBDIR/preload.sh" "$extra/etc/dtest-preload"
ir_pack "$extra" "$W/extra.cpio.gz" || bail "pack the extra initramfs"
cat "$W/extra.cpio.gz" >>"$E2E_OUT/initramfs/base.cpio.gz"

E2E_QEMU_EXTRA=$(sb_qemu_args "$W/vars1.fd")
e2e_run_mode dumpling
log=$E2E_OUT/dumpling/serial.log
sb() { tr -d '\r' <"$log" | grep -a "^DTEST: sb: $1" | sed 's/^DTEST: sb: //'; }
has() {	# has NAME ERE: some output line of step NAME matches
	sb "$1: " | sed "s/^$1: //" | grep -qE -- "$2"
}
step_refused() {	# step_refused NAME: exit 1 and nothing loaded afterwards
	sb "$1 rc=" | grep -qx "$1 rc=1 loaded=0"
}

check "firmware and kernel: Secure Boot enabled" grep -aq 'secureboot: Secure boot enabled' "$log"
check "kernel locked down by Secure Boot" grep -aq 'Kernel is locked down from EFI Secure Boot' "$log"
check "/sys/kernel/security/lockdown: [integrity]" grep -aq '^DTEST: sb: lockdown .*\[integrity\]' "$log"
check "the snakeoil certificate from db is in the kernel (platform keyring)" \
	grep -aqE "Loaded X.509 cert 'SnakeOil" "$log"
check "status: lockdown integrity, Secure Boot on" has status '^lockdown: integrity, Secure Boot on$'
check "status: the signed image, and its signer's subject" \
	has status '^image: /usr/lib/dumpling/dumpling.signed.img \(dumpling load uses this one\): signed by /C=US/ST=Colorado/L=Fort Collins/O=SnakeOil$'
check "status: the unsigned image" has status '^image: /usr/lib/dumpling/dumpling.img: not signed$'

check "unsigned: refused, nothing loaded" step_refused unsigned
check "unsigned: said before trying" has unsigned 'dumpling.img carries no signature and lockdown integrity \(Secure Boot\) only loads signed images: expect a refusal'
check "unsigned: the kernel's reason (ENODATA) explained" \
	has unsigned 'kexec_file_load failed: /usr/lib/dumpling/dumpling.img is not signed, and under lockdown integrity \(Secure Boot\) this kernel only loads signed images'
check "other key: refused, nothing loaded" step_refused otherkey
check "other key: explained, the signer named" \
	has otherkey 'failed: the key that signed /root/other.img \(/CN=dumpling other key\) is not trusted by this kernel'
check "changed after signing: refused, nothing loaded" step_refused tampered
check "changed after signing: explained" has tampered 'does not match the file: it was changed after signing'
check "--legacy: refused, nothing loaded" step_refused legacy
check "--legacy: refused with the reason" has legacy '^dumpling: --legacy cannot work under lockdown integrity'
check "--legacy: refused at once (the kernel saw no kexec_load)" \
	bash -c "! grep -aq 'impossible to appraise a kernel image without a file descriptor' '$log'"
check "kernel log: the refusals came from signature checks" \
	grep -aqE 'kmsg: .*(PEFILE: Unsigned PE binary|Enforced kernel signature verification failed)' "$log"
check "no strerror text reached the user" \
	bash -c "! grep -a '^DTEST: sb: ' '$log' | grep -qiE 'corrupted shared library|Required key not available|Key was rejected|No data available|Bad message|Operation not permitted'"
good_then_refused() {
	sb "good rc=" | grep -qx "good rc=0 loaded=1" && sb "after rc=" | grep -qx "after rc=1 loaded=0"
}
check "a good load, then a refused one: loaded, then nothing loaded" good_then_refused
check "the refused load says the good one is gone too" has after 'that was loaded before is gone too'
check "status afterwards: not loaded" has status2 '^crash image: not loaded$'
check "dumpling load chose the signed image" \
	grep -aq '^dumpling: loaded /usr/lib/dumpling/dumpling.signed.img' "$log"

# ---- boot 2: kexec -s -p with the signed file ----------------------------------------
sbbuild=$W/build-signed
mkdir -p "$sbbuild"
cp "$BUILD/dumpling" "$BUILD/dumpling-extract" "$sbbuild/"
cp "$W/dumpling.signed.img" "$sbbuild/dumpling.img"
BUILD=$sbbuild
if e2e_initramfs yes; then
	E2E_QEMU_EXTRA=$(sb_qemu_args "$W/vars2.fd")
	e2e_run_mode kexec-s
	check "kexec-s: Secure Boot and lockdown were on" \
		grep -aq 'Kernel is locked down from EFI Secure Boot' "$E2E_OUT/kexec-s/serial.log"
else
	fail "build the initramfs with the signed image"
fi

if [ -n "${E2E_FULL:-}" ]; then
	# Without Secure Boot the kexec_load paths take the signed file too.
	E2E_QEMU_EXTRA=
	KERNEL_VMLINUZ=$W/vmlinuz
	e2e_run_mode dumpling-legacy
	e2e_run_mode kexec
fi

# ---- the firmware control: gnu-efi hello, signed and unsigned -----------------------
build_hello() {
	local o=$W/hello
	mkdir -p "$o"
	gcc -I/usr/include/efi -I/usr/include/efi/x86_64 -fpic -ffreestanding -fno-stack-protector \
		-fno-stack-clash-protection -fcf-protection=none -fshort-wchar -mno-red-zone \
		-maccumulate-outgoing-args -DGNU_EFI_USE_MS_ABI -Wall -c "$SBDIR/hello.c" -o "$o/hello.o" &&
	ld -shared -Bsymbolic -nostdlib -znocombreloc -T /usr/lib/elf_x86_64_efi.lds \
		/usr/lib/crt0-efi-x86_64.o "$o/hello.o" -o "$o/hello.so" -L/usr/lib -lefi -lgnuefi &&
	objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela -j '.rel.*' \
		-j '.rela.*' -j .reloc --target efi-app-x86_64 --subsystem=10 "$o/hello.so" "$o/hello.efi" &&
	sbsign --key "$W/snakeoil.key" --cert "$SNAKEOIL_PEM" --output "$o/hello.signed.efi" \
		"$o/hello.efi"
} >"$W/hello-build.log" 2>&1

# boot_esp EFI OUT: boots OVMF with EFI as the ESP's removable-media loader,
# until QEMU exits (the app powers off) or the firmware says it refused it.
boot_esp() {
	local efi=$1 out=$2 esp=$W/esp-$(basename "$2") pid i
	rm -rf "$esp" && mkdir -p "$esp/EFI/BOOT"
	cp "$efi" "$esp/EFI/BOOT/BOOTX64.EFI"
	cp "$OVMF_VARS" "$out.vars"
	timeout -k 5 120 qemu-system-x86_64 -accel tcg -cpu max -m 256M -nographic -no-reboot \
		-machine q35,smm=on -global driver=cfi.pflash01,property=secure,value=on \
		-drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE" \
		-drive "if=pflash,format=raw,unit=1,file=$out.vars" \
		-drive "file=fat:$esp,format=raw,if=virtio,readonly=on" -net none \
		</dev/null >"$out" 2>&1 &
	pid=$!
	for i in $(seq 1 120); do
		kill -0 "$pid" 2>/dev/null || break
		if grep -aq 'Access Denied' "$out"; then
			sleep 1
			kill "$pid" 2>/dev/null
			break
		fi
		sleep 1
	done
	wait "$pid" 2>/dev/null
	rm -rf "$esp" "$out.vars"
}

if check "gnu-efi hello built and signed" build_hello; then
	note "booting OVMF with the signed hello.efi"
	boot_esp "$W/hello/hello.signed.efi" "$W/hello-signed.log"
	check "firmware ran the signed hello.efi (SecureBoot=1)" \
		grep -aq 'dumpling-sb-hello: started, SecureBoot=1' "$W/hello-signed.log"
	note "booting OVMF with the unsigned hello.efi"
	boot_esp "$W/hello/hello.efi" "$W/hello-unsigned.log"
	check "firmware refused the unsigned hello.efi (Access Denied)" \
		grep -aqE 'failed to load Boot[0-9A-F]+ "UEFI Misc Device".*: Access Denied' \
		"$W/hello-unsigned.log"
	check "the unsigned hello.efi never ran" \
		bash -c "! grep -aq 'dumpling-sb-hello' '$W/hello-unsigned.log'"
fi

e2e_summary

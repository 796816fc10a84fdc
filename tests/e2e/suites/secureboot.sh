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
#     one without a PE header (ELIBBAD, no strerror), --legacy (at once: the
#     kernel never sees a kexec_load);
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
# OVMF under TCG is the slow part; one vCPU keeps it quicker on a shared
# machine (the other suites cover SMP guests).
E2E_SMP=${E2E_SMP:-1}
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
# An image from before the PE header: e_lfanew 0 (the kernel says ELIBBAD).
cp "$BUILD/dumpling.img" "$W/nope.img"
printf '\0\0\0\0' | dd of="$W/nope.img" bs=1 seek=$((0x3c)) conv=notrunc status=none
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
ir_add_file "$extra" "$W/nope.img" /root/nope.img
install -D -m 0755 "$SBDIR/preload.sh" "$extra/etc/dtest-preload"
# efivarfs fails to load without EFI (the lockdown=integrity boot): the
# preload script loads it, init does not (this load.order replaces base's).
mkdir -p "$extra/lib/modules"
grep -vx efivarfs "$KERNEL_LOAD_ORDER" >"$extra/lib/modules/load.order"
ir_pack "$extra" "$W/extra.cpio.gz" || bail "pack the extra initramfs"
cp "$E2E_OUT/initramfs/base.cpio.gz" "$W/base.cpio.gz"
cat "$W/base.cpio.gz" "$W/extra.cpio.gz" >"$E2E_OUT/initramfs/base.cpio.gz"

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
check "no PE header: refused, nothing loaded" step_refused nope
check "no PE header: said before trying" has nope '/root/nope.img has no PE header \(e_lfanew is 0 or out of range\), so it cannot carry a signature'
check "no PE header: the kernel's ELIBBAD explained" \
	has nope 'kexec_file_load failed: the kernel cannot read /root/nope.img as a PE file .*Rebuild it'
check "--legacy: refused, nothing loaded" step_refused legacy
check "--legacy: refused with the reason" has legacy '^dumpling: --legacy cannot work under lockdown integrity'
check "--legacy: refused at once (the kernel saw no kexec_load)" \
	bash -c "! grep -aq 'impossible to appraise a kernel image without a file descriptor' '$log'"
check "kernel log: the refusals came from signature checks" \
	grep -aqE 'kmsg: .*(PEFILE: Unsigned PE binary|Enforced kernel signature verification failed)' "$log"
no_strerror() {
	! sb "" | grep -qiE 'corrupted shared library|Required key not available|Key was rejected|No data available|Bad message|Operation not permitted'
}
check "no strerror text reached the user" no_strerror
good_then_refused() {
	sb "good rc=" | grep -qx "good rc=0 loaded=1" && sb "after rc=" | grep -qx "after rc=1 loaded=0"
}
check "a good load, then a refused one: loaded, then nothing loaded" good_then_refused
check "the refused load says the good one is gone too" has after 'that was loaded before is gone too'
check "status afterwards: not loaded" has status2 '^crash image: not loaded$'
check "dumpling load chose the signed image" \
	grep -aq '^dumpling: loaded /usr/lib/dumpling/dumpling.signed.img' "$log"

# ---- boot 2: lockdown=integrity without Secure Boot (no panic) -----------------------
# The kernel does not enforce signatures here, lockdown refuses every image
# with EPERM and logs the reason; .platform is empty, so even the snakeoil
# signature cannot be verified.
E2E_QEMU_EXTRA=
E2E_APPEND="lockdown=integrity"
e2e_boot probe "$E2E_OUT/plain"
E2E_APPEND=
log=$E2E_OUT/plain/serial.log
check "plain lockdown: status shows lockdown integrity, no Secure Boot" \
	has status '^lockdown: integrity, Secure Boot off$'
check "plain lockdown: unsigned image refused, nothing loaded" step_refused unsigned
check "plain lockdown: EPERM explained as lockdown, and the missing signature named" \
	has unsigned "lockdown integrity refused /usr/lib/dumpling/dumpling.img: .*it carries no signature.*dmesg \\| grep"
check "plain lockdown: signed but unverifiable, refused with its own reason" \
	has good "lockdown integrity refused /usr/lib/dumpling/dumpling.signed.img: .*it could not verify this one"
check "plain lockdown: --legacy refused at once" has legacy '^dumpling: --legacy cannot work under lockdown integrity:'
check "plain lockdown: the kernel logged the lockdown refusal" \
	grep -aq 'kmsg: .*Lockdown: dumpling: kexec of unsigned images is restricted' "$log"
check "plain lockdown: no strerror text reached the user" no_strerror

# ---- boot 3: kexec -s -p with the signed file ----------------------------------------
# The base initramfs plus the signed image as /usr/lib/dumpling/dumpling.img,
# which init's kexec-s mode loads. crash already opened boot 1's dump; here
# the dump is extracted and checked for its header.
signed=$W/signed
rm -rf "$signed" && mkdir -p "$signed"
ir_add_file "$signed" "$W/dumpling.signed.img" /usr/lib/dumpling/dumpling.img
ir_add_file "$signed" "$extra/lib/modules/load.order" /lib/modules/load.order
ir_pack "$signed" "$W/signed.cpio.gz" || bail "pack the signed-image initramfs"
cat "$W/base.cpio.gz" "$W/signed.cpio.gz" >"$E2E_OUT/initramfs/base.cpio.gz"
E2E_QEMU_EXTRA=$(sb_qemu_args "$W/vars3.fd")
out=$E2E_OUT/kexec-s
e2e_boot kexec-s "$out"
e2e_check_boot kexec-s "$out"
note "kexec-s: $(tr '\n' ' ' <"$out/timing.txt")"
check "kexec-s: Secure Boot and lockdown were on" \
	grep -aq 'Kernel is locked down from EFI Secure Boot' "$out/serial.log"
check "kexec-s: the signed image was loaded (kexec -s -p)" \
	bash -c "tr -d '\r' <'$out/serial.log' | grep -aq '^DTEST: loaded=1'"
"$BUILD/dumpling-extract" "$out/disk.img" "$out/vmcore" >"$out/extract.log" 2>&1
check "kexec-s: the dump extracts (dumpling-extract)" grep -q 'kdump-compressed dump' "$out/extract.log"
check "kexec-s: the dump is a kdump-compressed file (KDUMP signature)" \
	bash -c "head -c 8 '$out/vmcore' | grep -q '^KDUMP   \$'"
[ -n "${E2E_KEEP_DISK:-}" ] || rm -f "$out/disk.img" "$out/vmcore"

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

# One boot, two ESP disks, each with EFI/BOOT/BOOTX64.EFI: the unsigned app
# on the disk in PCI slot 5, the signed one in slot 6. The firmware tries
# them in that order; the signed app prints its line and powers off.
boot_esps() {
	local out=$1 i
	rm -rf "$W/esp-unsigned" "$W/esp-signed"
	mkdir -p "$W/esp-unsigned/EFI/BOOT" "$W/esp-signed/EFI/BOOT"
	cp "$W/hello/hello.efi" "$W/esp-unsigned/EFI/BOOT/BOOTX64.EFI"
	cp "$W/hello/hello.signed.efi" "$W/esp-signed/EFI/BOOT/BOOTX64.EFI"
	cp "$OVMF_VARS" "$W/vars-esp.fd"
	timeout -k 5 150 qemu-system-x86_64 -accel tcg -cpu max -m 256M -nographic -no-reboot \
		-machine q35,smm=on -global driver=cfi.pflash01,property=secure,value=on \
		-drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE" \
		-drive "if=pflash,format=raw,unit=1,file=$W/vars-esp.fd" \
		-drive "file=fat:$W/esp-unsigned,format=raw,if=none,id=esp0,readonly=on" \
		-device virtio-blk-pci,drive=esp0,addr=0x5 \
		-drive "file=fat:$W/esp-signed,format=raw,if=none,id=esp1,readonly=on" \
		-device virtio-blk-pci,drive=esp1,addr=0x6 \
		-net none </dev/null 2>&1 | tr -d '\r' >"$out"
	rm -rf "$W/esp-unsigned" "$W/esp-signed" "$W/vars-esp.fd"
}

if check "gnu-efi hello built and signed" build_hello; then
	note "booting OVMF with the unsigned and the signed hello.efi"
	boot_esps "$W/hello.log"
	check "firmware refused the unsigned hello.efi (slot 5: Access Denied)" \
		grep -aqE 'failed to load Boot[0-9A-F]+ .* from PciRoot\(0x0\)/Pci\(0x5,0x0\): Access Denied' \
		"$W/hello.log"
	check "firmware ran the signed hello.efi (slot 6), with SecureBoot=1" \
		awk '/starting Boot[0-9A-F]+ .* from PciRoot\(0x0\)\/Pci\(0x6,0x0\)/ { s = 1 }
		     s && /dumpling-sb-hello: started, SecureBoot=1/ { ok = 1 } END { exit !ok }' \
		"$W/hello.log"
	check "the hello line appeared once (the unsigned copy never ran)" \
		[ "$(grep -ac 'dumpling-sb-hello' "$W/hello.log")" = 1 ]
fi

e2e_summary

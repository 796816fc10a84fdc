#!/bin/bash
# A real Debian 12 system with systemd, for the package suite: debootstrap
# from Debian's mirror, the e2e kernel cache's kernel .deb installed into it
# (so vmlinux for crash matches), an initrd made inside it, and a driver unit
# (dtest.service) that runs /etc/dtest/step on every boot.
#
# Source it and call debian_image KERNEL_PKG, or run it. Afterwards:
#   DEB_IMG      the root filesystem (ext4 image file; copy it, never boot it)
#   DEB_VMLINUZ  DEB_INITRD  the kernel and initrd to boot it with -kernel/-initrd
# The result is cached machine-wide under $DUMPLING_CACHE/package/ and reused:
# a second call downloads nothing. Built in a temp directory and renamed into
# place when whole, under a lock, so concurrent suites never see half of it.

E2E_DIR=${E2E_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
DUMPLING_CACHE=${DUMPLING_CACHE:-/var/cache/dumpling}
DEB_CACHE=${DEB_CACHE:-$DUMPLING_CACHE/package}
DEB_MIRROR=${DEB_MIRROR:-http://deb.debian.org/debian}
DEB_IMG_SIZE=${DEB_IMG_SIZE:-2G}
# systemd, udev and what the kernel package needs to make its initrd; util-linux
# (in minbase) has sfdisk and mount. No network stack: the tests need none.
DEB_INCLUDE=systemd-sysv,udev,kmod,initramfs-tools,linux-base,zstd,e2fsprogs,procps

dmsg() { echo "debian-image: $*" >&2; }

# The guest side of the tests: run /etc/dtest/step once per boot, on the
# serial console, after dumpling.service had its chance.
debian_image_driver() {
	local root=$1
	mkdir -p "$root/etc/dtest"
	cat >"$root/etc/systemd/system/dtest.service" <<'EOF'
[Unit]
Description=dumpling test driver
After=multi-user.target dumpling.service dumpling-collect.service
ConditionPathExists=/etc/dtest/step

[Service]
Type=oneshot
ExecStart=/bin/sh /etc/dtest/step
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0

[Install]
WantedBy=multi-user.target
EOF
	ln -sf /etc/systemd/system/dtest.service \
		"$root/etc/systemd/system/multi-user.target.wants/dtest.service"
	# No login prompts or getty on the console: only the driver writes there.
	ln -sf /dev/null "$root/etc/systemd/system/serial-getty@ttyS0.service"
	ln -sf /dev/null "$root/etc/systemd/system/getty@tty1.service"
}

debian_image_build() {
	local kdeb=$1 out=$2 tmp root rel
	tmp=$(mktemp -d "$DEB_CACHE/.build.XXXXXX") || return 1
	root=$tmp/root
	dmsg "debootstrap bookworm from $DEB_MIRROR (a few minutes, once per machine)"
	if ! debootstrap --variant=minbase --include="$DEB_INCLUDE" bookworm "$root" \
			"$DEB_MIRROR" >"$tmp/debootstrap.log" 2>&1; then
		dmsg "debootstrap failed; last lines of $tmp/debootstrap.log:"
		tail -n 20 "$tmp/debootstrap.log" >&2
		return 1
	fi
	cp "$kdeb" "$root/tmp/kernel.deb"
	# update-initramfs runs in the kernel's postinst; MODULES=dep would look
	# at the host, so take the virtio modules explicitly.
	sed -i 's/^MODULES=.*/MODULES=list/' "$root/etc/initramfs-tools/initramfs.conf"
	printf '%s\n' virtio_pci virtio_blk ext4 >>"$root/etc/initramfs-tools/modules"
	mount -t proc proc "$root/proc" || true
	if ! chroot "$root" dpkg -i /tmp/kernel.deb >"$tmp/kernel.log" 2>&1; then
		umount "$root/proc" 2>/dev/null
		dmsg "installing the kernel failed; see $tmp/kernel.log"
		tail -n 20 "$tmp/kernel.log" >&2
		return 1
	fi
	umount "$root/proc" 2>/dev/null
	rm -f "$root/tmp/kernel.deb"
	rel=$(ls "$root/lib/modules" | head -n 1)
	[ -s "$root/boot/initrd.img-$rel" ] || { dmsg "no initrd for $rel"; return 1; }
	cp "$root/boot/vmlinuz-$rel" "$tmp/vmlinuz"
	cp "$root/boot/initrd.img-$rel" "$tmp/initrd.img"

	echo dumpling-test >"$root/etc/hostname"
	printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\n' >"$root/etc/fstab"
	passwd -R "$root" -d root >/dev/null 2>&1 || true
	debian_image_driver "$root"
	apt-get clean -o Dir="$root" 2>/dev/null; rm -rf "$root/var/cache/apt/archives/"*.deb
	rm -rf "$root/var/lib/apt/lists/"*_Packages 2>/dev/null

	mkfs.ext4 -q -F -L debroot -E root_owner=0:0 -d "$root" "$tmp/root.img" "$DEB_IMG_SIZE" ||
		return 1
	rm -rf "$root"
	echo "$rel" >"$tmp/release"
	sha256sum "$tmp/root.img" "$tmp/vmlinuz" "$tmp/initrd.img" | sed "s#$tmp/##" >"$tmp/SHA256SUMS"
	rm -rf "$out" && mv "$tmp" "$out"
}

# debian_image KERNEL_PKG: sets DEB_IMG, DEB_VMLINUZ, DEB_INITRD, DEB_RELEASE.
debian_image() {
	local pkg=${1:-linux-image-cloud-amd64} kdeb out rc
	. "$E2E_DIR/kernel.sh"
	KERNEL_MODULES="virtio virtio_blk" kernel_fetch "$pkg" >&2 || return 1
	kdeb=$(ls "$E2E_CACHE/debs/${KERNEL_REAL_PKG:-linux-image-$KERNEL_RELEASE}"_*.deb 2>/dev/null | head -n 1)
	[ -s "$kdeb" ] || { dmsg "no kernel .deb for $KERNEL_RELEASE in $E2E_CACHE/debs"; return 1; }
	mkdir -p "$DEB_CACHE"
	out=$DEB_CACHE/bookworm-$KERNEL_RELEASE
	(
		flock 9
		if [ -s "$out/SHA256SUMS" ] && (cd "$out" && sha256sum --quiet -c SHA256SUMS); then
			exit 0
		fi
		[ ! -e "$out" ] || dmsg "$out is partial or corrupt: building it again"
		debian_image_build "$kdeb" "$out"
	) 9>"$DEB_CACHE/.lock"
	rc=$?
	[ $rc = 0 ] || return 1
	DEB_IMG=$out/root.img
	DEB_VMLINUZ=$out/vmlinuz
	DEB_INITRD=$out/initrd.img
	DEB_RELEASE=$(cat "$out/release")
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -uo pipefail
	debian_image "${1:-}" || exit 1
	echo "$DEB_IMG"
fi

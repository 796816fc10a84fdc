#!/bin/bash
# Installs the Debian 12 packages that building dumpling and running its tests
# need. Run as root. When everything is already installed it touches nothing,
# so `make check` stays fast and works offline.
set -euo pipefail

pkgs=(
	gcc make libc6-dev libelf-dev binutils	# build: image, loader, host tools
	qemu-system-x86				# end-to-end runs
	crash makedumpfile kexec-tools		# reading and making dumps, loading
	busybox-static cpio gzip		# test initramfs
	python3 python3-libkdumpfile python3-drgn	# dump readers used by tests
	e2fsprogs zstd xz-utils			# ext4 targets, compression
	apt dpkg tar coreutils util-linux	# kernel fetch (apt-get download, dpkg-deb)
)

missing=()
for p in "${pkgs[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#pkgs[@]} packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing ${missing[*]}; run as root to install them" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"

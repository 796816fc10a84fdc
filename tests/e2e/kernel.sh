#!/bin/bash
# Fetches a Debian kernel for the end-to-end tests and extracts only what they
# need: vmlinuz, vmlinux (from the -dbg package, for crash), System.map, the
# config, and the modules named in KERNEL_MODULES plus their dependencies.
#
# Source it and call kernel_fetch [PACKAGE], or run it: tests/e2e/kernel.sh [PACKAGE].
# PACKAGE may be a meta package (linux-image-cloud-amd64) or a real one
# (linux-image-6.1.0-56-cloud-amd64). Afterwards these are set:
#   KERNEL_RELEASE   e.g. 6.1.0-56-cloud-amd64
#   KERNEL_DIR       the cache directory holding everything below
#   KERNEL_VMLINUZ KERNEL_VMLINUX KERNEL_SYSMAP
#   KERNEL_MODDIR    <name>.ko files and load.order (dependencies first)
# A second call downloads nothing.

E2E_DIR=${E2E_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
E2E_CACHE=${E2E_CACHE:-$E2E_DIR/cache}
KERNEL_PKG=${KERNEL_PKG:-linux-image-cloud-amd64}
KERNEL_MODULES=${KERNEL_MODULES:-virtio virtio_ring virtio_pci virtio_pci_modern_dev virtio_pci_legacy_dev virtio_blk}

kmsg() { echo "kernel: $*" >&2; }

# Prints "PACKAGE VERSION" of the real kernel image package behind $1.
kernel_resolve() {
	local pkg=$1 real ver
	# a real image package has a full version (6.1.0-56-..., 6.12.117+deb12-...);
	# linux-image-6.12-cloud-amd64 is a meta package like linux-image-cloud-amd64
	if [[ $pkg =~ ^linux-image-[0-9]+\.[0-9]+\.[0-9] ]]; then
		real=$pkg
	else
		real=$(apt-cache depends --important "$pkg" 2>/dev/null |
			awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
	fi
	[ -n "$real" ] || return 1
	ver=$(apt-cache policy "$real" 2>/dev/null | awk '$1 == "Candidate:" { print $2 }')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || return 1
	echo "$real $ver"
}

# Downloads PACKAGE=VERSION into the deb cache unless a copy is already there.
kernel_download() {
	local pkg=$1 ver=$2 debs=$E2E_CACHE/debs
	local deb=$debs/${pkg}_${ver//:/%3a}_amd64.deb
	if [ ! -s "$deb" ]; then
		mkdir -p "$debs"
		chmod 0777 "$debs"	# apt-get drops to user _apt to download
		kmsg "downloading $pkg=$ver"
		(cd "$debs" && apt-get download -q "$pkg=$ver" >&2) || return 1
	fi
	[ -s "$deb" ] || { kmsg "no $deb after download"; return 1; }
	echo "$deb"
}

# The "depends=" entry of a module's .modinfo section, as a space-separated list.
kernel_mod_depends() {
	tr '\0' '\n' <"$1" | sed -n 's/^depends=//p' | head -n 1 | tr ',' ' '
}

# Extracts module $1 and, recursively, its dependencies; appends to load.order
# after its dependencies. $2 is the image .deb.
kernel_add_module() {
	local name=${1//-/_} deb=$2 dir=$KERNEL_DIR path out dep
	grep -qx "$name" "$dir/.visiting" 2>/dev/null && return 0
	echo "$name" >>"$dir/.visiting"
	# Built into the kernel: nothing to load.
	if sed 's,.*/,,; s,\.ko.*,,; s,-,_,g' "$dir/modules.builtin" | grep -qx "$name"; then
		return 0
	fi
	out=$KERNEL_MODDIR/$name.ko
	if [ ! -s "$out" ]; then
		path=$(awk -v n="$name" '{ b = $0; sub(/.*\//, "", b); sub(/\.ko(\.[a-z]+)?$/, "", b);
			gsub(/-/, "_", b); if (b == n && $0 ~ /\.ko(\.[a-z]+)?$/) { print; exit } }' \
			"$dir/contents.txt")
		[ -n "$path" ] || { kmsg "module $name not in $deb"; return 1; }
		dpkg-deb --fsys-tarfile "$deb" | tar -xO "$path" >"$out.tmp" || return 1
		case $path in
		*.ko.xz)  xz -dc <"$out.tmp" >"$out.tmp2" && mv "$out.tmp2" "$out.tmp" ;;
		*.ko.zst) zstd -qdc <"$out.tmp" >"$out.tmp2" && mv "$out.tmp2" "$out.tmp" ;;
		*.ko.gz)  gzip -dc <"$out.tmp" >"$out.tmp2" && mv "$out.tmp2" "$out.tmp" ;;
		esac
		mv "$out.tmp" "$out"
	fi
	for dep in $(kernel_mod_depends "$out"); do
		kernel_add_module "$dep" "$deb" || return 1
	done
	grep -qx "$name" "$KERNEL_MODDIR/load.order.new" 2>/dev/null ||
		echo "$name" >>"$KERNEL_MODDIR/load.order.new"
}

kernel_fetch() {
	local pkg=${1:-$KERNEL_PKG} real ver deb='' dbg='' tarpath m
	local resolved=$E2E_CACHE/kernels/$pkg.resolved
	mkdir -p "$E2E_CACHE/kernels"
	if ! read -r real ver < <(kernel_resolve "$pkg"); then
		if [ "$(id -u)" -eq 0 ] && [ ! -s "$resolved" ]; then
			kmsg "apt knows no $pkg; running apt-get update"
			apt-get update -q >&2 || true
		fi
		read -r real ver < <(kernel_resolve "$pkg") ||
			read -r real ver <"$resolved" 2>/dev/null ||
			{ kmsg "cannot resolve $pkg (apt-get update?)"; return 1; }
	fi
	echo "$real $ver" >"$resolved"
	KERNEL_RELEASE=${real#linux-image-}
	KERNEL_DIR=$E2E_CACHE/kernels/$KERNEL_RELEASE-$ver
	KERNEL_MODDIR=$KERNEL_DIR/modules
	KERNEL_VMLINUZ=$KERNEL_DIR/vmlinuz
	KERNEL_VMLINUX=$KERNEL_DIR/vmlinux
	KERNEL_SYSMAP=$KERNEL_DIR/System.map
	mkdir -p "$KERNEL_MODDIR"

	# The image package: vmlinuz, System.map, config, module list.
	if [ ! -s "$KERNEL_VMLINUZ" ] || [ ! -s "$KERNEL_DIR/contents.txt" ]; then
		deb=$(kernel_download "$real" "$ver") || return 1
	fi
	if [ ! -s "$KERNEL_DIR/contents.txt" ]; then
		dpkg-deb --fsys-tarfile "$deb" | tar -t >"$KERNEL_DIR/contents.txt.tmp" || return 1
		mv "$KERNEL_DIR/contents.txt.tmp" "$KERNEL_DIR/contents.txt"
	fi
	if [ ! -s "$KERNEL_VMLINUZ" ]; then
		kmsg "extracting vmlinuz from $(basename "$deb")"
		rm -rf "$KERNEL_DIR/x" && mkdir -p "$KERNEL_DIR/x"
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$KERNEL_DIR/x" \
			"./boot/vmlinuz-$KERNEL_RELEASE" "./boot/System.map-$KERNEL_RELEASE" \
			"./boot/config-$KERNEL_RELEASE" \
			"./lib/modules/$KERNEL_RELEASE/modules.builtin" || return 1
		mv "$KERNEL_DIR/x/boot/System.map-$KERNEL_RELEASE" "$KERNEL_SYSMAP"
		mv "$KERNEL_DIR/x/boot/config-$KERNEL_RELEASE" "$KERNEL_DIR/config"
		mv "$KERNEL_DIR/x/lib/modules/$KERNEL_RELEASE/modules.builtin" "$KERNEL_DIR/modules.builtin"
		mv "$KERNEL_DIR/x/boot/vmlinuz-$KERNEL_RELEASE" "$KERNEL_VMLINUZ"
		rm -rf "$KERNEL_DIR/x"
	fi

	# Modules, dependencies first. Kept between runs; only new names need the deb.
	rm -f "$KERNEL_DIR/.visiting" "$KERNEL_MODDIR/load.order.new"
	for m in $KERNEL_MODULES; do
		m=${m//-/_}
		if [ ! -s "$KERNEL_MODDIR/$m.ko" ] && [ -z "$deb" ]; then
			deb=$(kernel_download "$real" "$ver") || return 1
		fi
		kernel_add_module "$m" "$deb" || return 1
	done
	rm -f "$KERNEL_DIR/.visiting"
	touch "$KERNEL_MODDIR/load.order.new"
	mv "$KERNEL_MODDIR/load.order.new" "$KERNEL_MODDIR/load.order"

	# vmlinux with debug info: one member of the -dbg package's data tarball.
	# The .deb is ~280 MB; once vmlinux is out it is not needed again.
	if [ ! -s "$KERNEL_VMLINUX" ]; then
		dbg=$(kernel_download "$real-dbg" "$ver") || return 1
		tarpath=./usr/lib/debug/boot/vmlinux-$KERNEL_RELEASE
		kmsg "extracting vmlinux from $(basename "$dbg")"
		# tar stops at the first match; dpkg-deb then sees a broken pipe.
		dpkg-deb --fsys-tarfile "$dbg" 2>/dev/null |
			tar -xO --occurrence=1 "$tarpath" >"$KERNEL_VMLINUX.tmp" || true
		if [ ! -s "$KERNEL_VMLINUX.tmp" ] ||
		   [ "$(head -c 4 "$KERNEL_VMLINUX.tmp" | od -An -tx1 | tr -d ' ')" != 7f454c46 ]; then
			kmsg "no ELF $tarpath in $dbg"
			rm -f "$KERNEL_VMLINUX.tmp"
			return 1
		fi
		mv "$KERNEL_VMLINUX.tmp" "$KERNEL_VMLINUX"
		[ -n "${KERNEL_KEEP_DBG_DEB:-}" ] || rm -f "$dbg"
	fi
	export KERNEL_RELEASE KERNEL_DIR KERNEL_MODDIR KERNEL_VMLINUZ KERNEL_VMLINUX KERNEL_SYSMAP
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	kernel_fetch "$@"
	echo "KERNEL_RELEASE=$KERNEL_RELEASE"
	echo "KERNEL_DIR=$KERNEL_DIR"
	echo "modules: $(tr '\n' ' ' <"$KERNEL_MODDIR/load.order")"
	ls -la "$KERNEL_DIR"
fi

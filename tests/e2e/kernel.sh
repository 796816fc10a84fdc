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
#   KERNEL_MODDIR    <name>.ko files
#   KERNEL_LOAD_ORDER  the modules of this call's KERNEL_MODULES, dependencies
#                    first: one file per module set, so suites do not rewrite
#                    each other's list
# A second call downloads nothing.
#
# The cache is machine-wide, outside the checkout, so a fresh clone reuses it:
# DUMPLING_CACHE (default /var/cache/dumpling), kernels under $DUMPLING_CACHE/e2e
# (E2E_CACHE overrides that). Every .deb is checked against the SHA256 apt's
# index gives for it, and every extracted file against the manifest written
# when it was extracted: a partial or corrupt entry is fetched again, not used.
# Every file appears under its final name only when it is whole (tmp + mv).

E2E_DIR=${E2E_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
DUMPLING_CACHE=${DUMPLING_CACHE:-/var/cache/dumpling}
E2E_CACHE=${E2E_CACHE:-$DUMPLING_CACHE/e2e}
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

# The SHA256 apt's index records for PACKAGE=VERSION (empty if unknown).
kernel_deb_sha256() {
	apt-cache show "$1=$2" 2>/dev/null | awk '$1 == "SHA256:" { print $2; exit }'
}

# True when .deb $1 is whole: its SHA256 matches apt's for $2=$3, or (when apt
# no longer lists that version) dpkg-deb can read its whole data archive.
kernel_deb_ok() {
	local deb=$1 want
	[ -s "$deb" ] || return 1
	want=$(kernel_deb_sha256 "$2" "$3")
	if [ -n "$want" ]; then
		[ "$(sha256sum <"$deb" | cut -d' ' -f1)" = "$want" ]
	else
		dpkg-deb --fsys-tarfile "$deb" 2>/dev/null | tar -t >/dev/null 2>&1
	fi
}

# Downloads PACKAGE=VERSION into the deb cache unless a whole copy is there.
kernel_download() {
	local pkg=$1 ver=$2 debs=$E2E_CACHE/debs tmp
	local deb=$debs/${pkg}_${ver//:/%3a}_amd64.deb
	if ! kernel_deb_ok "$deb" "$pkg" "$ver"; then
		[ ! -e "$deb" ] || kmsg "$(basename "$deb") is partial or corrupt: fetching it again"
		rm -f "$deb"
		mkdir -p "$debs"
		tmp=$(mktemp -d "$debs/.dl.XXXXXX") || return 1
		chmod 0777 "$tmp"	# apt-get drops to user _apt to download
		kmsg "downloading $pkg=$ver"
		if ! (cd "$tmp" && apt-get download -q "$pkg=$ver" >&2) ||
		   ! kernel_deb_ok "$tmp/$(basename "$deb")" "$pkg" "$ver"; then
			kmsg "could not download a whole $pkg=$ver"
			rm -rf "$tmp"
			return 1
		fi
		mv "$tmp/$(basename "$deb")" "$deb"
		rm -rf "$tmp"
	fi
	echo "$deb"
}

# kernel_have FILE: FILE is there and matches the FILE.sha256 written with it.
kernel_have() {
	[ -s "$1" ] && [ -s "$1.sha256" ] &&
		[ "$(sha256sum <"$1" | cut -d' ' -f1)" = "$(cat "$1.sha256")" ]
}

# kernel_put TMP FILE: TMP becomes FILE, with its checksum beside it. The sum
# is written first, so FILE without a matching sum is never taken as whole.
kernel_put() {
	sha256sum <"$1" | cut -d' ' -f1 >"$2.sha256.$$" && mv "$2.sha256.$$" "$2.sha256" &&
		mv "$1" "$2"
}

# The "depends=" entry of a module's .modinfo section, as a space-separated list.
kernel_mod_depends() {
	tr '\0' '\n' <"$1" | sed -n 's/^depends=//p' | head -n 1 | tr ',' ' '
}

# Extracts module $1 and, recursively, its dependencies; appends to load.order
# after its dependencies. $2 is the image .deb.
kernel_add_module() {
	local name=${1//-/_} deb=$2 dir=$KERNEL_DIR path out dep tmp
	grep -qx "$name" "$dir/.visiting.$$" 2>/dev/null && return 0
	echo "$name" >>"$dir/.visiting.$$"
	# Built into the kernel: nothing to load.
	if sed 's,.*/,,; s,\.ko.*,,; s,-,_,g' "$dir/modules.builtin" | grep -qx "$name"; then
		return 0
	fi
	out=$KERNEL_MODDIR/$name.ko
	if ! kernel_have "$out"; then
		[ -n "$deb" ] || deb=$(kernel_download "$KERNEL_PKG_REAL" "$KERNEL_PKG_VER") || return 1
		path=$(awk -v n="$name" '{ b = $0; sub(/.*\//, "", b); sub(/\.ko(\.[a-z]+)?$/, "", b);
			gsub(/-/, "_", b); if (b == n && $0 ~ /\.ko(\.[a-z]+)?$/) { print; exit } }' \
			"$dir/contents.txt")
		[ -n "$path" ] || { kmsg "module $name not in $deb"; return 1; }
		tmp=$out.tmp.$$
		dpkg-deb --fsys-tarfile "$deb" | tar -xO "$path" >"$tmp" || return 1
		case $path in
		*.ko.xz)  xz -dc <"$tmp" >"$tmp.x" && mv "$tmp.x" "$tmp" ;;
		*.ko.zst) zstd -qdc <"$tmp" >"$tmp.x" && mv "$tmp.x" "$tmp" ;;
		*.ko.gz)  gzip -dc <"$tmp" >"$tmp.x" && mv "$tmp.x" "$tmp" ;;
		esac
		kernel_put "$tmp" "$out" || return 1
	fi
	for dep in $(kernel_mod_depends "$out"); do
		kernel_add_module "$dep" "$deb" || return 1
	done
	grep -qx "$name" "$KERNEL_LOAD_ORDER.$$" 2>/dev/null ||
		echo "$name" >>"$KERNEL_LOAD_ORDER.$$"
}

kernel_fetch() {
	local pkg=${1:-$KERNEL_PKG} real ver deb='' dbg='' tarpath m f x set
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
	echo "$real $ver" >"$resolved.$$" && mv "$resolved.$$" "$resolved"
	KERNEL_PKG_REAL=$real KERNEL_PKG_VER=$ver
	KERNEL_RELEASE=${real#linux-image-}
	KERNEL_DIR=$E2E_CACHE/kernels/$KERNEL_RELEASE-$ver
	KERNEL_MODDIR=$KERNEL_DIR/modules
	KERNEL_VMLINUZ=$KERNEL_DIR/vmlinuz
	KERNEL_VMLINUX=$KERNEL_DIR/vmlinux
	KERNEL_SYSMAP=$KERNEL_DIR/System.map
	mkdir -p "$KERNEL_MODDIR"

	# The image package: vmlinuz, System.map, config, module lists.
	local base="vmlinuz System.map config modules.builtin contents.txt"
	for f in $base; do
		kernel_have "$KERNEL_DIR/$f" && continue
		deb=$(kernel_download "$real" "$ver") || return 1
		kmsg "extracting vmlinuz, System.map, config and module lists from $(basename "$deb")"
		x=$KERNEL_DIR/x.$$
		rm -rf "$x" && mkdir -p "$x"
		dpkg-deb --fsys-tarfile "$deb" | tar -t >"$x/contents.txt" || { rm -rf "$x"; return 1; }
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$x" \
			"./boot/vmlinuz-$KERNEL_RELEASE" "./boot/System.map-$KERNEL_RELEASE" \
			"./boot/config-$KERNEL_RELEASE" \
			"./lib/modules/$KERNEL_RELEASE/modules.builtin" || { rm -rf "$x"; return 1; }
		kernel_put "$x/contents.txt" "$KERNEL_DIR/contents.txt" &&
		kernel_put "$x/boot/System.map-$KERNEL_RELEASE" "$KERNEL_SYSMAP" &&
		kernel_put "$x/boot/config-$KERNEL_RELEASE" "$KERNEL_DIR/config" &&
		kernel_put "$x/lib/modules/$KERNEL_RELEASE/modules.builtin" "$KERNEL_DIR/modules.builtin" &&
		kernel_put "$x/boot/vmlinuz-$KERNEL_RELEASE" "$KERNEL_VMLINUZ" || { rm -rf "$x"; return 1; }
		rm -rf "$x"
		break
	done

	# Modules, dependencies first. Kept between runs; only new names need the
	# deb. Each module set has its own load order, named by the set.
	set=$(echo $KERNEL_MODULES | tr ' -' '\n_' | sort -u | tr '\n' ' ')
	KERNEL_LOAD_ORDER=$KERNEL_MODDIR/load.order.$(echo "$set" | md5sum | cut -c1-12)
	rm -f "$KERNEL_DIR/.visiting.$$" "$KERNEL_LOAD_ORDER.$$"
	for m in $KERNEL_MODULES; do
		kernel_add_module "$m" "$deb" || return 1
	done
	rm -f "$KERNEL_DIR/.visiting.$$"
	touch "$KERNEL_LOAD_ORDER.$$"
	mv "$KERNEL_LOAD_ORDER.$$" "$KERNEL_LOAD_ORDER"

	# vmlinux with debug info: one member of the -dbg package's data tarball.
	# The .deb is ~280 MB; once vmlinux is out it is not needed again.
	if ! kernel_have "$KERNEL_VMLINUX"; then
		dbg=$(kernel_download "$real-dbg" "$ver") || return 1
		tarpath=./usr/lib/debug/boot/vmlinux-$KERNEL_RELEASE
		kmsg "extracting vmlinux from $(basename "$dbg")"
		# tar stops at the first match; dpkg-deb then sees a broken pipe.
		dpkg-deb --fsys-tarfile "$dbg" 2>/dev/null |
			tar -xO --occurrence=1 "$tarpath" >"$KERNEL_VMLINUX.tmp.$$" || true
		if [ ! -s "$KERNEL_VMLINUX.tmp.$$" ] ||
		   [ "$(head -c 4 "$KERNEL_VMLINUX.tmp.$$" | od -An -tx1 | tr -d ' ')" != 7f454c46 ]; then
			kmsg "no ELF $tarpath in $dbg"
			rm -f "$KERNEL_VMLINUX.tmp.$$"
			return 1
		fi
		kernel_put "$KERNEL_VMLINUX.tmp.$$" "$KERNEL_VMLINUX" || return 1
		[ -n "${KERNEL_KEEP_DBG_DEB:-}" ] || rm -f "$dbg"
	fi
	export KERNEL_RELEASE KERNEL_DIR KERNEL_MODDIR KERNEL_LOAD_ORDER KERNEL_VMLINUZ \
		KERNEL_VMLINUX KERNEL_SYSMAP
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	kernel_fetch "$@"
	echo "KERNEL_RELEASE=$KERNEL_RELEASE"
	echo "KERNEL_DIR=$KERNEL_DIR"
	echo "modules: $(tr '\n' ' ' <"$KERNEL_LOAD_ORDER")"
	ls -la "$KERNEL_DIR"
fi

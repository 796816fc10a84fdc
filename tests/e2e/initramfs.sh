#!/bin/bash
# Builds the test initramfs images: busybox-static, the /init in this directory,
# kernel modules, and the programs a mode needs. Source it.
#
#   ir_new DIR                  start a tree with busybox and /init
#   ir_add_file DIR SRC DST     copy one file (keeps the mode)
#   ir_add_bin DIR SRC [DST]    copy a program and, if it is dynamic, the
#                               shared libraries ldd lists and the loader
#   ir_add_modules DIR MODDIR ORDER  the .ko files named in ORDER, and ORDER as load.order
#   ir_pack DIR OUT             cpio newc, gzip
# Concatenated gzipped cpio archives form one initramfs, which the "linux"
# mode uses to add a kernel and initrd to the base image.

E2E_DIR=${E2E_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
BUSYBOX=${BUSYBOX:-/bin/busybox}

ir_new() {
	local dir=$1 applet
	rm -rf "$dir"
	mkdir -p "$dir"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,etc,proc,sys,dev,tmp,boot,lib/modules}
	if ldd "$BUSYBOX" >/dev/null 2>&1; then
		echo "initramfs: $BUSYBOX is not static (install busybox-static)" >&2
		return 1
	fi
	cp "$BUSYBOX" "$dir/bin/busybox"
	for applet in $("$BUSYBOX" --list-full); do
		[ -e "$dir/$applet" ] || ln -s /bin/busybox "$dir/$applet"
	done
	install -m 0755 "$E2E_DIR/init" "$dir/init"
}

ir_add_file() {
	mkdir -p "$(dirname "$1/$3")"
	cp -L --preserve=mode "$2" "$1/$3"
}

ir_add_bin() {
	local dir=$1 src=$2 dst=${3:-$2} lib
	[ -x "$src" ] || { echo "initramfs: no program $src" >&2; return 1; }
	ir_add_file "$dir" "$src" "$dst"
	# "not a dynamic executable" prints nothing with a slash in column 2.
	for lib in $(ldd "$src" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
		[ -e "$dir/$lib" ] || ir_add_file "$dir" "$lib" "$lib"
	done
}

ir_add_modules() {
	local dir=$1 moddir=$2 order=$3 m
	for m in $(cat "$order"); do
		cp "$moddir/$m.ko" "$dir/lib/modules/$m.ko"
	done
	cp "$order" "$dir/lib/modules/load.order"
}

ir_pack() {
	local dir=$1 out=$2
	(cd "$dir" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0 | gzip -1) >"$out.tmp" && mv "$out.tmp" "$out"
}

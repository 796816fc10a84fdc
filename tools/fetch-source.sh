#!/bin/sh
# fetch-source.sh PKG DESTDIR: unpacks Debian's source package PKG into DESTDIR
# with `apt-get source`, for third-party code built into dumpling (zstd, lwIP).
# What it fetches is git-ignored and never committed.
#
# Idempotent: DESTDIR/.fetched names the unpacked version; when it is there,
# nothing is done (a build works offline once fetched). apt-get source needs a
# deb-src entry: if apt has no Sources index, one is added that mirrors the
# system's deb entries (/etc/apt/sources.list.d/dumpling-deb-src.sources), and
# the index is updated once. dpkg-dev unpacks the package.
set -eu

[ $# -eq 2 ] || { echo "usage: $0 PKG DESTDIR" >&2; exit 2; }
pkg=$1
dest=$2
[ -s "$dest/.fetched" ] && exit 0

command -v dpkg-source >/dev/null 2>&1 || {
	echo "fetch-source: dpkg-source is missing: apt-get install dpkg-dev (make deps)" >&2
	exit 1
}

has_sources() {
	apt-get indextargets --format '$(CREATED_BY)' 2>/dev/null | grep -qx Sources
}
if ! has_sources; then
	list=/etc/apt/sources.list.d/dumpling-deb-src.sources
	if [ ! -f "$list" ]; then
		# The same URIs, suites and keys as the binary (deb822) entries.
		for f in /etc/apt/sources.list.d/*.sources; do
			[ "$f" = "$list" ] && continue
			sed -n 's/^Types:.*/Types: deb-src/p
				/^\(URIs\|Suites\|Components\|Signed-By\):/p
				/^$/p' "$f"
			echo
		done >"$list.tmp"
		mv "$list.tmp" "$list"
		echo "fetch-source: added deb-src entries in $list"
	fi
	apt-get update -qq
	has_sources || { echo "fetch-source: apt still has no Sources index" >&2; exit 1; }
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! (cd "$work" && apt-get source -qq "$pkg") >"$work.log" 2>&1; then
	cat "$work.log" >&2
	rm -f "$work.log"
	echo "fetch-source: 'apt-get source $pkg' failed" >&2
	exit 1
fi
rm -f "$work.log"
# apt-get source leaves the .dsc and tarballs beside one unpacked directory.
dir=$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -n 1)
[ -n "$dir" ] || { echo "fetch-source: $pkg unpacked to nothing" >&2; exit 1; }
ver=$(sed -n 's/^Version: //p' "$work"/*.dsc | head -n 1)

mkdir -p "$(dirname "$dest")"
rm -rf "$dest"
mv "$dir" "$dest"
echo "$pkg $ver" >"$dest/.fetched"
echo "fetch-source: $pkg $ver in $dest"

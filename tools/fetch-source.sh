#!/bin/sh
# fetch-source.sh PKG DESTDIR: unpacks Debian's source package PKG into DESTDIR
# with `apt-get source`, for third-party code built into dumpling (zstd, lwIP).
# What it fetches is git-ignored and never committed.
#
# Mirrors lag: the Sources index may name a version (often the security
# suite's) whose files the mirror does not have yet and answers 404. So every
# version `apt-cache showsrc` lists is tried, newest first, until one downloads
# and unpacks; each skipped one is reported in one line.
#
# Idempotent: DESTDIR/.fetched holds "PKG VERSION" of what was unpacked; when
# it is there, nothing is done (a build works offline once fetched). apt-get
# source needs a deb-src entry: if apt has no Sources index, one is added that
# mirrors the system's deb entries (/etc/apt/sources.list.d/dumpling-deb-src.sources),
# and the index is updated once. dpkg-dev unpacks the package.
#
# FETCH_SOURCE_APT (default apt-get) and FETCH_SOURCE_CACHE (default apt-cache)
# name the tools, for tests.
set -eu

[ $# -eq 2 ] || { echo "usage: $0 PKG DESTDIR" >&2; exit 2; }
pkg=$1
dest=$2
apt=${FETCH_SOURCE_APT:-apt-get}
cache=${FETCH_SOURCE_CACHE:-apt-cache}
[ -s "$dest/.fetched" ] && exit 0

command -v dpkg-source >/dev/null 2>&1 || {
	echo "fetch-source: dpkg-source is missing: apt-get install dpkg-dev (make deps)" >&2
	exit 1
}

has_sources() {
	"$apt" indextargets --format '$(CREATED_BY)' 2>/dev/null | grep -qx Sources
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
	"$apt" update -qq
	has_sources || { echo "fetch-source: apt still has no Sources index" >&2; exit 1; }
fi

# Every version the Sources indexes list, newest first, once each.
versions=$("$cache" showsrc "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | awk '!seen[$0]++')
if [ -z "$versions" ]; then
	echo "fetch-source: apt knows no source package '$pkg': add a deb-src entry for" \
		"Debian 12 (bookworm) to /etc/apt/sources.list.d/ and run apt-get update" >&2
	exit 1
fi
# Sort with dpkg's own version order (insertion sort: the list is short).
sorted=
for v in $versions; do
	out= placed=
	for s in $sorted; do
		if [ -z "$placed" ] && dpkg --compare-versions "$v" gt "$s"; then
			out="$out $v"; placed=1
		fi
		out="$out $s"
	done
	[ -n "$placed" ] || out="$out $v"
	sorted=$out
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tried=
for ver in $sorted; do
	tried="$tried $ver"
	rm -rf "$work/src" && mkdir "$work/src"
	if (cd "$work/src" && "$apt" source -qq "$pkg=$ver") >"$work/log" 2>&1; then
		dir=$(find "$work/src" -mindepth 1 -maxdepth 1 -type d | head -n 1)
		if [ -n "$dir" ]; then
			mkdir -p "$(dirname "$dest")"
			rm -rf "$dest"
			mv "$dir" "$dest"
			echo "$pkg $ver" >"$dest/.fetched"
			echo "fetch-source: $pkg $ver in $dest"
			exit 0
		fi
		why="downloaded, but unpacked to nothing"
	else
		# The line that says why: apt's "E: ..." (a 404, a bad hash), else the last.
		why=$(grep -m1 '^E: ' "$work/log" || tail -n 1 "$work/log")
		why=$(printf '%s' "$why" | cut -c1-300)
	fi
	echo "fetch-source: skipped $pkg $ver: ${why:-apt-get source failed}" >&2
done
echo "fetch-source: no version of source package '$pkg' could be fetched (tried:$tried)." \
	"Check that the mirror in /etc/apt/sources.list.d/ serves Debian 12 sources, or add" \
	"a deb-src entry for a mirror that does, then run apt-get update and make again." >&2
exit 1

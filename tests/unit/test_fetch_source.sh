#!/bin/bash
# tools/fetch-source.sh against a fake apt: the newest source version answers
# 404 (as a lagging mirror does), so the older one must be taken; when every
# version fails, it must exit non-zero naming the package, the versions tried
# and what to do.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
check() {	# NAME COMMAND...
	if "${@:2}"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1"; fi
}

# The fake apt-cache lists three versions, out of order; the fake apt-get can
# download only the versions in $FAKE_OK (and logs every attempt).
mkdir -p "$tmp/bin"
cat >"$tmp/bin/apt-cache" <<'EOS'
#!/bin/sh
[ "$1" = showsrc ] || exit 1
printf 'Package: %s\nVersion: 1.5.4+dfsg2-5\n\nPackage: %s\nVersion: 1.5.4+dfsg2-5+deb12u1\n\nPackage: %s\nVersion: 1.5.2+dfsg-1\n' "$2" "$2" "$2"
EOS
cat >"$tmp/bin/apt-get" <<'EOS'
#!/bin/sh
case $1 in
indextargets) echo Sources ;;
update) ;;
source)
	want=$3 ver=${want#*=} pkg=${want%%=*}
	echo "$ver" >>"$FAKE_LOG"
	for ok in $FAKE_OK; do
		if [ "$ok" = "$ver" ]; then
			mkdir "$pkg-${ver%%-*}" && echo "int x;" >"$pkg-${ver%%-*}/lib.c"
			printf 'Source: %s\nVersion: %s\n' "$pkg" "$ver" >"${pkg}_$ver.dsc"
			exit 0
		fi
	done
	echo "E: Failed to fetch http://mirror/pool/${pkg}_$ver.dsc  404  Not Found"
	exit 100 ;;
*) exit 1 ;;
esac
EOS
chmod +x "$tmp/bin/apt-get" "$tmp/bin/apt-cache"
run() {	# DEST: runs fetch-source.sh libzstd DEST with the fakes
	FETCH_SOURCE_APT=$tmp/bin/apt-get FETCH_SOURCE_CACHE=$tmp/bin/apt-cache FAKE_LOG=$tmp/log \
		sh "$here/tools/fetch-source.sh" libzstd "$1" >"$tmp/out" 2>&1
}

# 1. The newest version is missing on the mirror: the next one is used.
: >"$tmp/log"
FAKE_OK="1.5.4+dfsg2-5 1.5.2+dfsg-1" run "$tmp/a"
rc=$?
check "fallback exits 0 (got $rc)" [ "$rc" = 0 ]
check "tries newest first, stops at the first that works" \
	[ "$(tr '\n' ' ' <"$tmp/log")" = "1.5.4+dfsg2-5+deb12u1 1.5.4+dfsg2-5 " ]
check "unpacked with its version recorded" [ "$(cat "$tmp/a/.fetched" 2>/dev/null)" = "libzstd 1.5.4+dfsg2-5" ]
check "the source is in place" [ -s "$tmp/a/lib.c" ]
check "says which version it used" grep -q "fetch-source: libzstd 1.5.4+dfsg2-5 in" "$tmp/out"
check "says why it skipped the newest, in one line" \
	grep -q "skipped libzstd 1.5.4+dfsg2-5+deb12u1: E: Failed to fetch .*404  Not Found" "$tmp/out"

# 2. A second run does nothing: the unpacked version is kept.
: >"$tmp/log"
FAKE_OK="" run "$tmp/a"
check "second run is a no-op" [ $? = 0 ] && [ ! -s "$tmp/log" ]

# 3. No version can be had: a clear failure.
: >"$tmp/log"
FAKE_OK="" run "$tmp/b"
rc=$?
check "all versions failing exits 1 (got $rc)" [ "$rc" = 1 ]
check "tried all three" [ "$(wc -l <"$tmp/log")" = 3 ]
check "nothing left in place" [ ! -e "$tmp/b" ]
check "the message names the package, the versions and the fix" \
	grep -q "no version of source package 'libzstd' could be fetched (tried: 1.5.4+dfsg2-5+deb12u1 1.5.4+dfsg2-5 1.5.2+dfsg-1).*deb-src" "$tmp/out"
[ "$failed" = 0 ] || cat "$tmp/out"
echo "test_fetch_source: $passed passed, $failed failed"
[ "$failed" = 0 ]

#!/bin/bash
# The Debian package: `make deb` builds it, lintian finds no errors, and it
# holds what issue 13 lists (binaries, image, conffile, man pages, units, udev
# rule), with units systemd accepts and an example config the loader reads.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$here/build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
check() {	# NAME COMMAND...
	if "${@:2}"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1"; fi
}

if ! make -s -C "$here" BUILD="$build" deb >"$tmp/make.log" 2>&1; then
	tail -n 20 "$tmp/make.log"
	echo "FAIL: make deb"
	echo "deb: $passed passed, $((failed + 1)) failed"
	exit 1
fi
deb=$(ls "$build"/deb/dumpling_*_amd64.deb | head -n 1)
check "make deb wrote dumpling_<version>_amd64.deb" test -s "$deb"

lintian --fail-on error "$deb" >"$tmp/lintian.txt" 2>/dev/null
rc=$?
sed 's/^/lintian: /' "$tmp/lintian.txt"
check "lintian: no errors (exit $rc)" [ "$rc" = 0 ]
check "lintian: no E: tags" sh -c "! grep -q '^E:' '$tmp/lintian.txt'"

dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's#^\./#/#' >"$tmp/files"
for f in /usr/sbin/dumpling /usr/sbin/dumpling-extract /usr/bin/dumpling-collect \
	/usr/lib/dumpling/dumpling.img /etc/dumpling.conf \
	/usr/share/man/man8/dumpling.8.gz /usr/share/man/man5/dumpling.conf.5.gz \
	/usr/share/man/man8/dumpling-extract.8.gz /usr/share/man/man1/dumpling-collect.1.gz \
	/lib/systemd/system/dumpling.service /lib/systemd/system/dumpling.path \
	/lib/systemd/system/dumpling-reload.service /lib/systemd/system/dumpling-save.service \
	/lib/udev/rules.d/60-dumpling.rules; do
	check "package holds $f" grep -qx "$f" "$tmp/files"
done
if [ -f "$build/dumpling.signed.img" ]; then
	check "package holds the signed image" grep -qx /usr/lib/dumpling/dumpling.signed.img "$tmp/files"
fi

dpkg-deb -e "$deb" "$tmp/control"
check "/etc/dumpling.conf is a conffile" grep -qx /etc/dumpling.conf "$tmp/control/conffiles"
check "postrm purges the grub.d snippet" grep -q 'grub.d/dumpling.cfg' "$tmp/control/postrm"

dpkg-deb -x "$deb" "$tmp/root"
# The units must parse; ExecStart programs are looked up in the unpacked tree.
(cd "$tmp/root/lib/systemd/system" &&
	SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no \
		dumpling.service dumpling.path dumpling-reload.service dumpling-save.service) \
	>"$tmp/verify.txt" 2>&1
grep -v 'Failed to \(open\|prepare\)\|/usr/sbin/dumpling\|is not executable\|Cannot add dependency\|Unit .* not found' \
	"$tmp/verify.txt" | grep -i 'dumpling' >"$tmp/verify.bad"
sed 's/^/systemd-analyze: /' "$tmp/verify.bad"
check "systemd-analyze verify: no complaints about the units" test ! -s "$tmp/verify.bad"
check "dumpling.service: stop unloads, reload reloads" sh -c \
	"grep -qx 'ExecStop=/usr/sbin/dumpling unload' '$tmp/root/lib/systemd/system/dumpling.service' &&
	 grep -qx 'ExecReload=/usr/sbin/dumpling load' '$tmp/root/lib/systemd/system/dumpling.service'"

# The shipped example parses; it names no target on purpose, and says so.
"$build/dumpling" cmdline -c "$tmp/root/etc/dumpling.conf" >"$tmp/conf.out" 2>&1
check "example config: only 'no dump target' is wrong with it" grep -q 'no dump target' "$tmp/conf.out"
sed 's/^#\(raw \)/\1/' "$tmp/root/etc/dumpling.conf" >"$tmp/raw.conf"
DUMPLING_SYSROOT=$tmp/nosys "$build/dumpling" cmdline -c "$tmp/raw.conf" >"$tmp/raw.out" 2>&1
check "example config with its raw line: parses (fails only resolving the device)" \
	sh -c "! grep -q 'dumpling.conf:[0-9]' '$tmp/raw.out'"

for m in "$tmp"/root/usr/share/man/man*/*.gz; do
	check "man page $(basename "$m") renders without warnings" \
		sh -c "[ -z \"\$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l '$m' 2>&1 >/dev/null)\" ]"
done

echo "deb: $passed passed, $failed failed"
[ "$failed" = 0 ]

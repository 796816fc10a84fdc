#!/bin/bash
# sign-image.sh KEY CERT IN OUT: signs the capture image for Secure Boot
# (`make sign`). sbsign's warnings are fatal: a gap in the section table or
# data after the sections would leave bytes the signature does not cover.
# Then the signature is checked against CERT, and the signed file must still
# fit in the image's init_size (the kernel loads the signature with it).
set -uo pipefail

die() { echo "sign-image: $*" >&2; exit 1; }
[ $# -eq 4 ] || { echo "usage: sign-image.sh KEY CERT IN OUT" >&2; exit 2; }
key=$1 cert=$2 in=$3 out=$4

command -v sbsign >/dev/null || die "sbsign not found: apt-get install sbsigntool"
[ -r "$key" ] || die "cannot read the key $key"
[ -r "$cert" ] || die "cannot read the certificate $cert"
[ -r "$in" ] || die "cannot read $in (run make first)"
openssl x509 -in "$cert" -noout 2>/dev/null ||
	die "$cert is not a PEM certificate (convert a DER one: openssl x509 -inform DER -in CERT.der -out CERT.pem)"

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cp "$in" "$tmp/in.img"
# sbsign appends rather than replaces: start from an unsigned file.
if sbverify --list "$tmp/in.img" 2>/dev/null | grep -q '^signature 1'; then
	sbattach --remove "$tmp/in.img" || die "cannot strip the old signature from $in"
fi
sbsign --key "$key" --cert "$cert" --output "$tmp/out.img" "$tmp/in.img" >"$tmp/log" 2>&1
rc=$?
cat "$tmp/log"
[ $rc -eq 0 ] || die "sbsign failed (exit $rc)"
if grep -qiE 'warning|gap|remaining' "$tmp/log"; then
	die "sbsign warned about the layout: part of the image would not be signed"
fi
sbverify --cert "$cert" "$tmp/out.img" >/dev/null 2>&1 || die "the signed image does not verify against $cert"

# init_size (u32 at 0x260) counts from the payload at 0x400, signature included.
init_size=$(od -An -tu4 -j $((0x260)) -N4 "$tmp/out.img" | tr -d ' ')
size=$(stat -c %s "$tmp/out.img")
[ $((size - 0x400)) -le "$init_size" ] ||
	die "the signed image ($size bytes) no longer fits in its init_size ($init_size + 1024)"
mv "$tmp/out.img" "$out" || exit 1
echo "sign-image: $out signed by $(openssl x509 -in "$cert" -noout -subject | sed 's/^subject=//')"

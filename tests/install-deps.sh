#!/bin/bash
# Installs the Debian 12 packages that building dumpling and running its tests
# need. Run as root. When everything is already installed it touches nothing,
# so `make check` stays fast and works offline.
set -euo pipefail

# One list per feature in tests/deps/*.txt: a package name per line, # comments.
pkgs=($(sed 's/#.*//' "$(dirname "$0")"/deps/*.txt | tr -s ' \t' '\n' | sort -u))

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

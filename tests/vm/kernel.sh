#!/bin/bash
# Fetch and extract the current Debian cloud kernel into DIR, once:
# DIR/kver names it, DIR/kx holds the extracted package.
set -euo pipefail
cache=${1:?usage: $0 DIR}
mkdir -p "$cache"
[ -s "$cache/kver" ] && exit 0
resolve() {
	apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		awk '/Depends: linux-image-/ { print $2; exit }'
}
pkg=$(resolve)
if [ -z "$pkg" ]; then
	apt-get update -qq
	pkg=$(resolve)
fi
[ -n "$pkg" ] || { echo "vmtest: no linux-image-cloud-amd64 in the apt sources" >&2; exit 1; }
(cd "$cache" && rm -rf kx && apt-get download -q -o APT::Sandbox::User=root "$pkg" &&
 dpkg-deb -x "$pkg"_*.deb kx)
echo "${pkg#linux-image-}" > "$cache/kver"

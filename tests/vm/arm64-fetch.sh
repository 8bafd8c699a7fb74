#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Fetch what an arm64 build and its VM need, once, into BUILD_DIR (the
# cross build's OUT, build-arm64/ by default):
#
#   BUILD_DIR/sysroot   the arm64 -dev packages cellrun links statically
#   BUILD_DIR/vm/kx     Debian's arm64 cloud kernel, extracted; vm/kver names it
#   BUILD_DIR/vm/vmlinux.btf  that kernel's BTF, cut out of its image, for vmlinux.h
#   BUILD_DIR/vm/busybox      a static arm64 busybox, the VM's userland
#
#   tests/vm/arm64-fetch.sh BUILD_DIR
#
# The packages come from bookworm's arm64 archive through an apt
# configuration of its own under BUILD_DIR: the host's sources and
# architectures are not touched.
set -euo pipefail
out=${1:?usage: $0 BUILD_DIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)	# apt reads relative directories from its own
here=$(cd "$(dirname "$0")" && pwd)
stamp=$out/sysroot/.fetched
[ -e "$stamp" ] && [ "$stamp" -nt "$0" ] && exit 0

a=$out/apt
mkdir -p "$a/lists/partial" "$a/cache/archives/partial" "$a/debs"
{
	echo 'deb http://deb.debian.org/debian bookworm main'
	echo 'deb http://deb.debian.org/debian bookworm-updates main'
	echo 'deb http://deb.debian.org/debian-security bookworm-security main'
} > "$a/sources.list"
apt=(-o Dir::Etc::SourceList="$a/sources.list" -o Dir::Etc::SourceParts=/dev/null
     -o Dir::State::Lists="$a/lists" -o Dir::Cache="$a/cache"
     -o APT::Architecture=arm64 -o APT::Architectures=arm64)
apt-get "${apt[@]}" update -qq

kpkg=$(apt-cache "${apt[@]}" depends linux-image-cloud-arm64 |
	awk '/Depends: linux-image-/ { print $2; exit }')
[ -n "$kpkg" ] || { echo "arm64-fetch: no linux-image-cloud-arm64 in bookworm" >&2; exit 1; }
# The static libraries cellrun links, and what libelf needs (zlib, zstd).
dev=(libbpf-dev libelf-dev zlib1g-dev libzstd-dev libjansson-dev libseccomp-dev)
rm -f "$a/debs"/*.deb
(cd "$a/debs" && apt-get "${apt[@]}" download -q -o APT::Sandbox::User=root \
	"$kpkg" busybox-static "${dev[@]}")

rm -rf "$out/sysroot" "$out/vm/kx"
mkdir -p "$out/sysroot" "$out/vm"
for p in "${dev[@]}"; do
	dpkg-deb -x "$a/debs/${p}"_*.deb "$out/sysroot"
done
dpkg-deb -x "$a/debs/${kpkg}"_*.deb "$out/vm/kx"
echo "${kpkg#linux-image-}" > "$out/vm/kver"
bb=$(mktemp -d)
dpkg-deb -x "$a/debs"/busybox-static_*.deb "$bb"
cp "$bb/bin/busybox" "$out/vm/busybox"
rm -rf "$bb"
python3 "$here/btf-extract.py" "$out/vm/kx/boot/vmlinuz-$(cat "$out/vm/kver")" \
	"$out/vm/vmlinux.btf"
rm -f "$a/debs"/*.deb
touch "$stamp"

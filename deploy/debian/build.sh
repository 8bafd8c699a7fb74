#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make deb: a Debian package of the build in BUILD_DIR, with dpkg-deb.
#
#   deploy/debian/build.sh BUILD_DIR VERSION
#
# `make install` puts the files where Debian keeps them (prefix /usr, the
# unit in /lib/systemd/system) under a staging root; the package depends on
# the packages that own the shared libraries the binaries load, at least at
# the versions built against.  Everything under /etc is a conffile.
set -euo pipefail

build=${1:?usage: $0 BUILD_DIR VERSION}
version=${2:?usage: $0 BUILD_DIR VERSION}
here=$(cd "$(dirname "$0")" && pwd)
arch=$(dpkg --print-architecture)
stage=$build/deb/root
deb=$build/cellwatch_${version}_$arch.deb

die() { echo "deb: $*" >&2; exit 1; }

rm -rf "$build/deb"
make --no-print-directory -C "$here/../.." OUT="$build" DESTDIR="$stage" prefix=/usr \
	sysconfdir=/etc unitdir=/lib/systemd/system install >/dev/null
gzip -9n "$stage"/usr/share/man/man*/*

# The package of each library the binaries load (merged /usr: dpkg may know
# a library under /lib or /usr/lib).
depends() {
	local lib pkg seen=" "
	for lib in $(ldd "$stage"/usr/bin/* | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' |
		     sort -u); do
		pkg=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "/usr$lib" 2>/dev/null ||
		      dpkg -S "${lib#/usr}" 2>/dev/null) || die "no package owns $lib"
		pkg=${pkg%%:*}
		case $seen in *" $pkg "*) continue ;; esac
		seen="$seen$pkg "
		printf '%s (>= %s), ' "$pkg" "$(dpkg-query -W -f='${Version}' "$pkg:$arch" 2>/dev/null ||
						 dpkg-query -W -f='${Version}' "$pkg")"
	done | sed 's/, $//'
}

mkdir -p "$stage/DEBIAN"
cat >"$stage/DEBIAN/control" <<CONTROL
Package: cellwatch
Version: $version
Architecture: $arch
Maintainer: cellwatch developers <cellwatch@localhost>
Section: admin
Priority: optional
Depends: $(depends)
Recommends: logrotate
Installed-Size: $(du -sk --exclude=DEBIAN "$stage" | cut -f1)
Description: contain and watch untrusted code (AI agents' runs)
 cellrun starts each run in its own cell: cgroup, namespaces, read-only
 root, no network, no capabilities, seccomp, Landlock, limits, timeout.
 cellwatch watches every cell from the kernel with eBPF (tracepoint,
 cgroup and BPF-LSM programs), logs what runs, opens and connects as ECS
 JSON lines, and kills offending runs, in the kernel where it can.
CONTROL
(cd "$stage" && find etc -type f | sed 's|^|/|' | sort) >"$stage/DEBIAN/conffiles"
for s in postinst prerm postrm; do
	install -m 0755 "$here/$s" "$stage/DEBIAN/$s"
done
dpkg-deb --root-owner-group --build "$stage" "$deb" >/dev/null
echo "$deb"

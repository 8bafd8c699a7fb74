#!/bin/bash
# Fetch and extract a Debian cloud kernel into DIR, once: DIR/kver names
# it, DIR/kx holds the extracted package.
#
#   tests/vm/kernel.sh DIR [5.10|6.1|6.12]
#
# 6.1 (the default) is bookworm's, from this host's own apt sources.  The
# others come from the Debian release that ships them, through a source
# list of their own under DIR: the host's apt configuration is not touched.
set -euo pipefail
cache=${1:?usage: $0 DIR [5.10|6.1|6.12]}
series=${2:-6.1}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)	# apt reads relative directories from its own
[ -s "$cache/kver" ] && exit 0
case $series in
6.1)	suite= ;;
5.10)	suite=bullseye ;;
6.12)	suite=trixie ;;
*)	echo "vmtest: no Debian release for kernel $series (5.10, 6.1 or 6.12)" >&2; exit 1 ;;
esac
apt=()
if [ -n "$suite" ]; then
	a=$cache/apt
	mkdir -p "$a/lists/partial" "$a/cache/archives/partial"
	printf 'deb http://deb.debian.org/debian %s main\n' "$suite" > "$a/sources.list"
	printf 'deb http://deb.debian.org/debian-security %s-security main\n' "$suite" \
		>> "$a/sources.list"
	apt=(-o Dir::Etc::SourceList="$a/sources.list" -o Dir::Etc::SourceParts=/dev/null
	     -o Dir::State::Lists="$a/lists" -o Dir::Cache="$a/cache")
fi
resolve() {
	apt-cache "${apt[@]}" depends linux-image-cloud-amd64 2>/dev/null |
		awk '/Depends: linux-image-/ { print $2; exit }'
}
pkg=
[ -z "$suite" ] && pkg=$(resolve)
if [ -z "$pkg" ]; then
	apt-get "${apt[@]}" update -qq
	pkg=$(resolve)
fi
[ -n "$pkg" ] || { echo "vmtest: no linux-image-cloud-amd64 in ${suite:-the apt sources}" >&2; exit 1; }
(cd "$cache" && rm -rf kx && apt-get "${apt[@]}" download -q -o APT::Sandbox::User=root "$pkg" &&
 dpkg-deb -x "$pkg"_*.deb kx && rm -f "$pkg"_*.deb)
echo "${pkg#linux-image-}" > "$cache/kver"

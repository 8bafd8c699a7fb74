#!/bin/bash
# make fresh-test (and CI): the README's `make test` on a fresh Debian 12
# machine.  A minbase root is bootstrapped from the Debian archive, given only
# git, make and ca-certificates, the commit under test is cloned into it, and
# `make test` runs there as root, in a private mount namespace after
# pivot_root (a chrooted process may not create user namespaces, which every
# cell needs) with /proc, /sys and /dev of the host.  Whatever `make deps`
# forgets to install fails here.  The root is not cached: each run starts
# from the archive.
#
#   tests/fresh/run.sh [COMMIT]     COMMIT defaults to HEAD of this checkout
#
# Environment: CW_DEBIAN_MIRROR (default http://deb.debian.org/debian),
# CW_FRESH_KEEP=1 keeps the root afterwards (its path is printed).
set -euo pipefail

suite=bookworm
mirror=${CW_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${CW_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}
# What a minimal machine has before the README's commands: nothing else.
base_packages=git,make,ca-certificates

die() { echo "fresh-test: $*" >&2; exit 1; }

# Stage two, in the private mount namespace: make ROOT the root, then run
# the test command.  Nothing mounted here is seen outside: every mount was
# made private first, and all go with the namespace.
inside() {
	local root=$1
	readlink /proc/self/ns/mnt >"$root/../mntns"
	mount --make-rprivate /
	mount --bind "$root" "$root"		# pivot_root wants a mount point
	mount -t proc proc "$root/proc"
	mount --rbind /sys "$root/sys"
	mount --rbind /dev "$root/dev"
	cd "$root"
	mkdir -p .old-root
	pivot_root . .old-root
	cd /
	umount -l /.old-root
	rmdir /.old-root
	exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" CI="${CI:-}" \
		bash -c 'cd /root/cellwatch && exec make test'
}

if [ "${1:-}" = --inside ]; then
	inside "$2"
fi

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, mount namespaces, the tests themselves)"
src=$(git -C "$(dirname "$0")/../.." rev-parse --show-toplevel)
commit=$(git -C "$src" rev-parse --verify "${1:-HEAD}^{commit}") ||
	die "no commit ${1:-HEAD} in $src"
[ -z "$(git -C "$src" status --porcelain --untracked-files=no)" ] ||
	echo "fresh-test: $src has uncommitted changes; they are not tested, $commit is" >&2

if ! command -v debootstrap >/dev/null; then
	echo "fresh-test: installing debootstrap on this host"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

work=$(mktemp -d /var/tmp/cellwatch-fresh.XXXXXX)
root=$work/root

# Unmount before removing: a root that still has /sys or /dev mounted in it
# must never meet rm -rf.  Only processes left in the test's own mount
# namespace are ended: they are the ones this run started.
cleanup() {
	local rc=$? ns pid
	trap - EXIT INT TERM
	if ns=$(cat "$work/mntns" 2>/dev/null) && [ -n "$ns" ]; then
		for pid in /proc/[0-9]*; do
			[ "$(readlink "$pid/ns/mnt" 2>/dev/null)" = "$ns" ] &&
				kill -KILL "${pid#/proc/}" 2>/dev/null
		done
		wait 2>/dev/null || true
	fi
	if [ "${CW_FRESH_KEEP:-0}" = 1 ]; then
		echo "fresh-test: the root is kept in $root"
	elif awk -v r="$root" '$5 == r || index($5, r "/") == 1 { bad = 1 } END { exit !bad }' \
		/proc/self/mountinfo; then
		echo "fresh-test: something is still mounted under $root: not removed" >&2
		rc=1
	else
		rm -rf --one-file-system "$work"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

chmod 0755 "$work"	# uid 65534 in the cells must be able to traverse it
t0=$SECONDS
echo "== fresh-test: debootstrap --variant=minbase $suite from $mirror"
mkdir "$root"
debootstrap --variant=minbase --include="$base_packages" "$suite" "$root" "$mirror" \
	>"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
cat >"$root/etc/apt/sources.list" <<SOURCES
deb $mirror $suite main
deb $mirror $suite-updates main
deb $security $suite-security main
SOURCES
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
echo "== fresh-test: cloning $commit"
git clone -q --no-local "$src" "$root/root/cellwatch"
git -C "$root/root/cellwatch" checkout -q --detach "$commit"
echo "== fresh-test: root ready in $((SECONDS - t0)) s; make test inside it"

set +e
unshare --mount --propagation private -- "$(realpath "$0")" --inside "$root"
rc=$?
set -e
echo "== fresh-test: make test in a fresh root ended with $rc after $((SECONDS - t0)) s"
exit "$rc"

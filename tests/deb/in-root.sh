#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The package's life in a throw-away root, for tests/test_install.c:
#
#   tests/deb/in-root.sh DEB PIN_DIR
#
# The root is an overlay of this machine's own (its packages meet the
# package's dependencies) over a tmpfs, in a mount namespace of its own:
# nothing installed, started or removed there reaches the host, and it all
# goes with the namespace.  In it: dpkg -i, the daemon started as the unit
# starts it (its ExecStart, the installed configuration; its BPF pins in
# PIN_DIR, apart from a host daemon's), one cellrun --daemon run, then
# dpkg --purge.  What was seen is printed as key=value lines.
set -euo pipefail
deb=${1:?usage: $0 DEB PIN_DIR} pin=${2:?usage: $0 DEB PIN_DIR}

if [ "${3:-}" != --inside ]; then
	top=$(mktemp -d /tmp/cellwatch-deb.XXXXXX)
	trap 'rmdir "$top"' EXIT
	unshare --mount --propagation private -- "$0" "$deb" "$pin" --inside "$top"
	exit
fi

# In the private mount namespace: the root, then pivot_root into it (a
# chrooted process may not create the user namespaces a cell needs).
top=$4
mount -t tmpfs -o mode=0755 tmpfs "$top"
mkdir "$top/upper" "$top/work" "$top/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$top/upper,workdir=$top/work" "$top/root"
for d in proc sys dev; do
	mount --rbind "/$d" "$top/root/$d"
done
mount -t tmpfs -o mode=0755 tmpfs "$top/root/run"
mount -t tmpfs -o mode=1777 tmpfs "$top/root/tmp"
cp "$deb" "$top/root/tmp/cellwatch.deb"
cd "$top/root"
mkdir -p .old-root
pivot_root . .old-root
cd /
umount -l /.old-root
rmdir /.old-root

/bin/bash -s "$pin" <<'INSIDE'
set -u
pin=$1
dpkg -i /tmp/cellwatch.deb >/tmp/dpkg.out 2>&1 || { echo "install=failed"; cat /tmp/dpkg.out; }
echo "status=$(dpkg-query -W -f='${Status}' cellwatch)"
echo "version=$(cellwatch --version)"
dpkg-query -W -f='${Conffiles}\n' cellwatch | awk 'NF { print "conffile=" $1 }'
unit=/lib/systemd/system/cellwatch.service
start=$(sed -n 's/^ExecStart=//p' "$unit")
echo "execstart=$start"
$start --pin-dir "$pin" 2>/tmp/daemon.err &
daemon=$!
for _ in $(seq 200); do
	[ -S /run/cellwatch/cellwatch.sock ] && break
	kill -0 "$daemon" 2>/dev/null || break
	sleep 0.1
done
cellrun --daemon /run/cellwatch/cellwatch.sock --daemon-timeout 30000 --run-id deb-run -- \
	/bin/echo from-the-cell \
	>/tmp/run.out 2>&1
echo "cellrun=$? $(head -c 200 /tmp/run.out)"
kill -TERM "$daemon" 2>/dev/null
wait "$daemon"
echo "daemon=$? $(head -c 300 /tmp/daemon.err | tr '\n' ' ')"
echo "logged=$(grep -c '"run_id":"deb-run"' /var/log/cellwatch/events.json 2>/dev/null)"
dpkg --purge cellwatch >/tmp/dpkg.out 2>&1 || { echo "purge=failed"; cat /tmp/dpkg.out; }
for f in /usr/bin/cellwatch /usr/bin/cellrun /etc/cellwatch /var/log/cellwatch "$unit" \
	 /usr/share/man/man8/cellwatch.8.gz; do
	[ -e "$f" ] && echo "left=$f"
done
echo "end=yes"
INSIDE

#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# In the arm64 VM (tests/vm/arm64.sh), as its init once the initramfs is a
# tmpfs root: the foundation of a cell on arm64 under cellrun's embedded
# monitor and the default policy.  A benign run, a shell killed before its
# first instruction, an open and a connect logged, a metadata connect that
# ends the run.  What was seen, as key=value lines; then the VM powers off.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t securityfs securityfs /sys/kernel/security
mount -t tracefs tracefs /sys/kernel/tracing
mount -t bpf bpf /sys/fs/bpf
ip link set lo up

say() { printf '%s=%s\n' "$1" "$2"; }
# run NAME [cellrun options] -- CMD...: files /tmp/NAME.{out,rc,log,json}
run() {
	name=$1
	shift
	cellrun --timeout 60 --rules /etc/cellwatch/default.json --input /srv \
		--log "/tmp/$name.log" --result "/tmp/$name.json" "$@" >"/tmp/$name.out" 2>&1
	echo $? >"/tmp/$name.rc"
}
first_line() { head -n 1 "$1" | cut -c1-120; }
field() { grep -o "\"$2\": *\"[^\"]*\"" "$1" | head -n 1 | sed 's/^"[^"]*": *"//; s/"$//'; }

echo "ARM64-BEGIN"
say arch "$(uname -m)"
say lsm "$(cat /sys/kernel/security/lsm)"

run benign -- /usr/bin/probe echo hello-arm64
say benign "$(cat /tmp/benign.rc) $(first_line /tmp/benign.out)"
say benign_reason "$(field /tmp/benign.json reason)"
say benign_monitor "$(field /tmp/benign.json monitor)"
say benign_lsm_why "$(field /tmp/benign.json why)"

run shell --keep-shells -- /bin/sh -c 'echo reached'
say shell "$(cat /tmp/shell.rc) $(grep -c reached /tmp/shell.out)"
say shell_rule "$(field /tmp/shell.json rule) $(field /tmp/shell.json layer)"
say shell_logged "$(grep -c '"name":"shell-spawn"' /tmp/shell.log)"

run open -- /usr/bin/probe open /input/data.txt
say open "$(cat /tmp/open.rc) $(first_line /tmp/open.out)"
say open_logged "$(grep -c '"path":"/input/data.txt"' /tmp/open.log)"

run connect -- /usr/bin/probe connect 127.0.0.1 9
say connect "$(cat /tmp/connect.rc) $(grep '^connect ' /tmp/connect.out)"
say connect_logged "$(grep -c '"destination":{"ip":"127.0.0.1","port":9}' /tmp/connect.log)"

run metadata -- /usr/bin/probe connect 169.254.169.254 80
say metadata "$(cat /tmp/metadata.rc) $(field /tmp/metadata.json reason)"
say metadata_rule "$(field /tmp/metadata.json rule)"
say metadata_logged "$(grep -c '"name":"metadata-service"' /tmp/metadata.log)"

# What went wrong, for the host's log: cellrun's own messages.
for f in /tmp/*.out; do sed "s|^|$(basename "$f" .out): |" "$f"; done | head -n 40
say end yes
sync
poweroff -f

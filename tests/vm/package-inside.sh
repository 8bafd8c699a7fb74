#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# In the VM booted with systemd as init (tests/vm/package.sh): the package's
# life as an operator lives it.  dpkg -i (its postinst enables and starts
# the unit), what systemd says of the service, one cellrun --daemon run,
# a reload, a stop, dpkg --purge.  What was seen, as key=value lines.
set -u
deb=${1:?usage: $0 DEB}
unit=cellwatch.service
say() { printf '%s=%s\n' "$1" "$2"; }
# The root is the host's, served by virtiofsd, which holds a descriptor per
# inode the guest keeps and cannot raise its limit here (20000): after a
# systemd boot and dpkg, cellrun's scan of the shells' directories would
# meet EMFILE.  Unused inodes forgotten, virtiofsd closes theirs.
forget_inodes() { sync; echo 2 > /proc/sys/vm/drop_caches; }

dpkg -i "$deb" >/tmp/dpkg.out 2>&1
say install "$?"
forget_inodes
say active "$(systemctl is-active $unit)"
say enabled "$(systemctl is-enabled $unit)"
say status "$(systemctl show -p StatusText --value $unit)"
say watchdog "$(systemctl show -p WatchdogUSec --value $unit)"
cellrun --daemon /run/cellwatch/cellwatch.sock --daemon-timeout 30000 --run-id vm-package -- \
	/bin/echo from-the-cell \
	>/tmp/run.out 2>&1
say cellrun "$? $(head -c 200 /tmp/run.out | tr '\n' ' ')"
say logged "$(grep -c '"run_id":"vm-package"' /var/log/cellwatch/events.json 2>/dev/null)"
# Told nothing, cellrun finds the daemon the package started.
cellrun --result /tmp/auto.json -- /bin/echo auto >/tmp/run.out 2>&1
say auto_run "$? $(grep -o '"watched_by": *"[a-z]*"' /tmp/auto.json 2>/dev/null)"
# The installed policy at work: a shell ends the run, and the log says why.
cellrun --daemon /run/cellwatch/cellwatch.sock --daemon-timeout 30000 --run-id vm-shell -- \
	/bin/sh -c true >/dev/null 2>&1
say shell_run "$?"
say shell_logged "$(grep -c '"run_id":"vm-shell".*"name":"shell-spawn"' \
	/var/log/cellwatch/events.json 2>/dev/null)"
systemctl reload $unit
say reload "$?"
say active_after_reload "$(systemctl is-active $unit)"
systemctl stop $unit
say stopped "$(systemctl is-active $unit)"
say result "$(systemctl show -p Result --value $unit)"
systemctl start $unit
say start "$?"
say active_again "$(systemctl is-active $unit)"
cellrun --daemon /run/cellwatch/cellwatch.sock --daemon-timeout 30000 --run-id vm-again -- \
	/bin/echo again >/tmp/run.out 2>&1
say cellrun_again "$? $(head -c 200 /tmp/run.out | tr '\n' ' ')"
# A unit systemd delegated its cgroup to (Delegate=yes), its processes in a
# leaf of their own as systemd's delegation rules ask: cellrun's cell goes
# inside that subtree, with its limits.
systemd-run --quiet --scope -p Delegate=yes --unit=cw-delegated -- /bin/sh -c '
	d=/sys/fs/cgroup$(sed -n "s/^0:://p" /proc/self/cgroup)
	mkdir "$d/supervisor" && echo 0 > "$d/supervisor/cgroup.procs" &&
	exec cellrun --embedded --rules /etc/cellwatch/default.json --result /tmp/deleg.json \
		-- /bin/echo delegated' >/tmp/run.out 2>&1
say delegated_run "$? $(head -c 200 /tmp/run.out | tr '\n' ' ')"
say delegated_cgroup "$(grep -o '"cgroup_path": *"[^"]*"' /tmp/deleg.json 2>/dev/null)"
say delegated_memory "$(grep -o '"memory_via": *"[^"]*"' /tmp/deleg.json 2>/dev/null)"
journalctl -u $unit --no-pager -o cat 2>/dev/null | tail -15 | sed 's/^/journal: /'
dpkg --purge cellwatch >/tmp/dpkg.out 2>&1
say purge "$?"
for f in /usr/bin/cellwatch /usr/bin/cellrun /etc/cellwatch /var/log/cellwatch \
	 /lib/systemd/system/$unit /etc/systemd/system/multi-user.target.wants/$unit; do
	[ -e "$f" ] && say left "$f"
done
systemctl cat $unit >/dev/null 2>&1
say unit_known "$?"
say end yes

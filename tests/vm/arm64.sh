#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make vmtest ARCH=arm64: cellrun, cross-built for arm64, in a VM of
# Debian's arm64 cloud kernel under qemu-system-aarch64 (TCG: emulated,
# slow), with BPF-LSM in its LSM list.  The VM's root is an initramfs of
# busybox, cellrun, a payload of its own (arm64-probe.c) and the default
# policy; tests/vm/arm64-inside.sh runs the foundation checks there.  Each
# check is printed as the test runner prints a test, then
# "N passed, N failed, 0 skipped".
#
#   tests/vm/arm64.sh BUILD_DIR     (the cross build: make ARCH=arm64)
set -uo pipefail
build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
vm=$build/vm
kver=$(cat "$vm/kver") || exit 1
for f in "$build/cellrun" "$build/probe" "$vm/busybox" "$vm/kx/boot/vmlinuz-$kver"; do
	[ -e "$f" ] || { echo "arm64: $f missing: make ARCH=arm64 OUT=$build first" >&2; exit 1; }
done

# ---- the initramfs: the VM's whole root -------------------------------------
ir=$vm/initramfs
rm -rf "$ir"
mkdir -p "$ir"/{bin,sbin,usr/bin,usr/sbin,etc/cellwatch,srv,proc,sys,dev,tmp,run,newroot}
cp "$vm/busybox" "$ir/bin/busybox"
ln -s busybox "$ir/bin/sh"
cp "$build/cellrun" "$build/probe" "$ir/usr/bin/"
cp "$src/rules/default.json" "$ir/etc/cellwatch/default.json"
cp "$src/tests/vm/arm64-inside.sh" "$ir/inside.sh"
echo "data for the open check" > "$ir/srv/data.txt"
# overlayfs, a module in Debian's kernel: --input is an overlay, as on a host.
cp "$vm"/kx/lib/modules/"$kver"/kernel/fs/overlayfs/overlay.ko "$ir/overlay.ko"
# pivot_root, which every cell makes, refuses the initial rootfs: the
# init copies the root to a tmpfs and switches to it, applets installed.
cat > "$ir/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox insmod /overlay.ko
/bin/busybox mount -t tmpfs -o mode=0755 tmpfs /newroot
for d in bin sbin usr etc srv inside.sh; do /bin/busybox cp -a "/$d" /newroot/; done
/bin/busybox mkdir -p /newroot/proc /newroot/sys /newroot/dev /newroot/tmp /newroot/run
/bin/busybox --install -s /newroot/bin
exec /bin/busybox switch_root /newroot /bin/sh /inside.sh
EOF
chmod 755 "$ir/init" "$ir/inside.sh"
(cd "$ir" && find . | cpio -o -H newc --quiet | gzip -1) > "$vm/initrd.gz"

# ---- the boot ---------------------------------------------------------------
out=$(timeout "${VM_TIMEOUT:-1500}" qemu-system-aarch64 -M virt -cpu max -smp 1 -m 1024 \
	-nographic -no-reboot -kernel "$vm/kx/boot/vmlinuz-$kver" -initrd "$vm/initrd.gz" \
	-append "console=ttyAMA0 panic=-1 quiet loglevel=3 lsm=landlock,lockdown,yama,bpf" \
	2>&1 | tr -d '\r')
echo "$out" | sed -n '/^ARM64-BEGIN/,$p'

. "$src/tests/vm/checks.sh"
check arm64_boots arch aarch64
check arm64_bpf_lsm_listed lsm "*bpf*"
check arm64_benign_run benign "0 hello-arm64"
check arm64_benign_exited benign_reason exited
# Debian 12's arm64 kernel loads BPF-LSM programs but cannot attach them:
# BPF trampolines on kernel functions need ftrace direct calls, which arm64
# has from 6.4.  The monitor says so and watches through tracepoints.
check arm64_monitor_backend benign_monitor tracepoint
check arm64_lsm_why_said benign_lsm_why "attach: not supported by this kernel (ENOTSUPP)"
check arm64_shell_killed shell "137 0"
check arm64_shell_rule shell_rule "shell-spawn *"
check arm64_shell_logged shell_logged "[1-9]*"
check arm64_open_runs open "0 open /input/data.txt: ok"
check arm64_open_logged open_logged "[1-9]*"
check arm64_connect_refused connect "1 connect 127.0.0.1:9: Connection refused"
check arm64_connect_logged connect_logged "[1-9]*"
check arm64_metadata_ends_run metadata "137 killed_by_rule"
check arm64_metadata_rule metadata_rule metadata-service
check arm64_metadata_logged metadata_logged "[1-9]*"
check arm64_checks_ran_to_the_end end yes
checks_summary

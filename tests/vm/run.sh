#!/bin/bash
# make vmtest: run the integration suite inside a VM that has BPF-LSM.
#
#   tests/vm/run.sh BUILD_DIR [test_runner args...]
#
# Boots Debian's cloud kernel (its own version, BPF-LSM in its LSM list,
# pure cgroup v2) under qemu, software-emulated, with this host's root
# filesystem shared read-only through virtiofs (the cloud kernel has no 9p)
# under a tmpfs overlay, and runs BUILD_DIR/test_runner there: the same
# tests, the same binaries.  Prints the runner's output; exits with its
# status.  The kernel package is fetched with apt once, into BUILD_DIR/vm.
#
# VM_COMMAND="CMD ARGS..." runs that instead of the test runner (words split
# at blanks); VM_INIT=systemd boots the root's own systemd as init and runs
# it from a unit once the system is up (tests/vm/vmtest.service).  For a
# look at a boot: VM_APPEND adds to the kernel's command line, VM_CONSOLE=FILE
# keeps the whole console output.  VM_KERNEL=5.10|6.1|6.12 picks the Debian
# cloud kernel (tests/vm/kernel.sh); 6.1 by default.
set -euo pipefail

build=$(cd "${1:?usage: $0 BUILD_DIR [test_runner args...]}" && pwd)
shift
src=$(cd "$build/.." && pwd)
cache=$build/vm
mem=${VM_MEM:-2048}
smp=${VM_SMP:-2}
timeout=${VM_TIMEOUT:-3000}
lsm="lockdown,capability,landlock,yama,apparmor,bpf"

mkdir -p "$cache/run"

# ---- the kernel: fetched once by tests/vm/kernel.sh (make deps runs it) ---
series=${VM_KERNEL:-6.1}
kcache=$cache
[ "$series" = 6.1 ] || kcache=$cache/k$series
"$src/tests/vm/kernel.sh" "$kcache" "$series"
kver=$(cat "$kcache/kver")
vmlinuz=$kcache/kx/boot/vmlinuz-$kver
moddir=$kcache/kx/lib/modules/$kver/kernel
[ -d "$moddir" ] || moddir=$kcache/kx/usr/lib/modules/$kver/kernel	# merged /usr (trixie)

# ---- the initramfs: busybox, virtio + virtiofs + overlay modules, /init ----
initrd=$kcache/initrd-$kver.gz
here=$(dirname "$0")
# VMs booted side by side (tests/run-all.sh) build it once, one at a time.
exec 9>"$kcache/initrd.lock"
flock 9
stale=
for f in "$0" "$here"/init "$here"/stage2 "$here"/systemd-stage "$here"/vmtest.*; do
	[ "$f" -nt "$initrd" ] && stale=yes
done
if [ ! -s "$initrd" ] || [ -n "$stale" ]; then
	ir=$kcache/initramfs
	rm -rf "$ir"
	mkdir -p "$ir"/{bin,dev,proc,sys,mnt/lower,mnt/rw,newroot,lib/modules}
	cp /bin/busybox "$ir/bin/busybox"
	for a in sh mount insmod switch_root poweroff mkdir cat cp chmod; do
		ln -sf busybox "$ir/bin/$a"
	done
	# Load order from the modules' depends=: the cloud kernel builds these as modules.
	# veth: tests put an origin server in a network namespace of their own.
	mods="drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_modern_dev
	      drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci fs/fuse/fuse
	      fs/fuse/virtiofs fs/overlayfs/overlay drivers/net/veth"
	# A module an older kernel lacks is part of another there (virtio_pci's
	# split came with 5.14 and 5.16).
	: > "$ir/lib/modules/order"
	for m in $mods; do
		f=$(ls "$moddir/$m".ko* 2>/dev/null | head -1) || true
		[ -n "$f" ] || continue
		case $f in
		*.xz) xz -dc "$f" ;;
		*.zst) zstd -dc "$f" ;;
		*) cat "$f" ;;
		esac > "$ir/lib/modules/$(basename "$m").ko"
		basename "$m" >> "$ir/lib/modules/order"
	done
	cp "$src/tests/vm/init" "$ir/init"
	cp "$src/tests/vm/stage2" "$src/tests/vm/systemd-stage" "$src/tests/vm/vmtest.service" \
		"$src/tests/vm/vmtest.target" "$ir/"
	chmod 755 "$ir/init" "$ir/stage2" "$ir/systemd-stage"
	(cd "$ir" && find . | cpio -o -H newc --quiet | gzip -9) > "$initrd.tmp"
	mv "$initrd.tmp" "$initrd"
fi
exec 9>&-

# ---- this run: the command, and the host root served read-only -------------
# Only the root filesystem is shared (its submounts are not): the build must live on it.
if [ "$(stat -c %d "$build")" != "$(stat -c %d /)" ]; then
	echo "vmtest: $build is not on the root filesystem, which is all the VM sees" >&2
	exit 1
fi
id=$$
cmd=$cache/run/cmd-$id.sh
sock=$cache/run/vfs-$id.sock
log=$cache/run/console-$id.log
rootro=$cache/rootro
mkdir -p "$rootro"
{
	printf 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n'
	# The emulated CPU runs the suite about four times slower than the host.
	printf 'export TEST_TIME_SCALE=%s\n' "${TEST_TIME_SCALE:-3}"
	printf 'cd %q\n' "$src"
	if [ -n "${VM_COMMAND:-}" ]; then
		printf '%s\n' "$VM_COMMAND"
	else
		printf '%q' "$build/test_runner"
		for arg in "$@"; do printf ' %q' "$arg"; done
		printf '\n'
	fi
} > "$cmd"
append="console=ttyS0 panic=-1 quiet loglevel=3 lsm=$lsm vmtest.cmd=$cmd ${VM_APPEND:-}"
[ "${VM_INIT:-}" = systemd ] && append="$append vmtest.init=systemd"

vfs_pid=
cleanup() {
	[ -n "$vfs_pid" ] && kill "$vfs_pid" 2>/dev/null || true
	[ -n "${VM_CONSOLE:-}" ] && cp "$log" "$VM_CONSOLE" 2>/dev/null
	rm -f "$cmd" "$sock" "$sock.pid" "$log"
}
trap cleanup EXIT

# virtiofsd has no read-only mode: it serves a read-only bind of / made in a
# mount namespace of its own, so nothing in the VM can write to the host.
unshare -m --propagation private sh -c '
	mount --bind / "$1" && mount -o remount,bind,ro "$1" &&
	exec /usr/lib/qemu/virtiofsd --socket-path="$2" -o source="$1" -o cache=always \
		-o sandbox=chroot -o log_level=err 2>/dev/null' sh "$rootro" "$sock" &
vfs_pid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
[ -S "$sock" ] || { echo "vmtest: virtiofsd did not start" >&2; exit 1; }

set +e
timeout "$timeout" qemu-system-x86_64 \
	-machine q35,accel=tcg -cpu max -smp "$smp" -m "$mem" \
	-object memory-backend-memfd,id=mem,size="${mem}M",share=on -numa node,memdev=mem \
	-chardev socket,id=vfs,path="$sock" \
	-device vhost-user-fs-pci,queue-size=1024,chardev=vfs,tag=hostroot \
	-kernel "$vmlinuz" -initrd "$initrd" \
	-append "$append" \
	-display none -serial stdio -monitor none -no-reboot -nic none </dev/null 2>&1 |
	stdbuf -oL tr -d '\r' | tee "$log" | sed -un '/^VMTEST-BEGIN$/,/^VMTEST-EXIT=/p' |
	sed -u '1d;/^VMTEST-EXIT=/d'
qemu_rc=${PIPESTATUS[0]}
set -e

rc=$(grep -a -o 'VMTEST-EXIT=[0-9]*' "$log" | tail -1 | cut -d= -f2 || true)
if [ -z "$rc" ]; then
	echo "vmtest: the VM gave no result (qemu exit $qemu_rc; 124: timeout after ${timeout}s)" >&2
	tail -20 "$log" >&2
	exit 1
fi
exit "$rc"

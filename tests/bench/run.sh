#!/bin/sh
# make bench: run every benchmark once, print each one's details, then one
# table of all of them side by side, after a description of the machine.
# Every figure is a ratio to a baseline measured in this same run.
# Usage: tests/bench/run.sh [BUILD_DIR]   (as root)
set -u

out=$(cd "${1:-build}" && pwd) || exit 2
src=$(cd "$(dirname "$0")/../.." && pwd)
rules=$src/rules/default.json

if [ "$(id -u)" != 0 ]; then
	echo "bench: needs root (BPF programs, cgroups, namespaces)" >&2
	exit 2
fi

work=$(mktemp -d /tmp/cw-bench-XXXXXX) || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
BENCH_TABLE=$work/table.tsv
export BENCH_TABLE
: > "$BENCH_TABLE"

# A root of one directory for the static payload; its shell is the payload too,
# a copy: cellrun masks shells by inode, and a hardlink would mask the payload.
# Cells run as a host uid of their own, which must reach the root.
root=$work/root
chmod 755 "$work" || exit 1
mkdir -p "$root/bin" "$root/proc" "$root/dev" "$root/tmp" "$root/output" || exit 1
cp "$out/bench_payload" "$root/bin/payload" && cp "$out/bench_payload" "$root/bin/sh" || exit 1

failed=""
part() {
	name=$1
	shift
	printf '\n== %s\n\n' "$name"
	"$@" || failed="$failed $name"
}

machine() {
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
	virt=$(systemd-detect-virt --vm 2>/dev/null) || virt=none
	status=$("$out/cellwatch" status 2>&1)
	syscalls=$(printf '%s\n' "$status" | sed -n 's/^syscalls: *//p')
	lsm=$(printf '%s\n' "$status" | sed -n 's/^lsm: *//p')
	echo "machine: ${cpu:-unknown CPU}, $(nproc) cores, $mem RAM, virtualization: $virt"
	echo "system:  Linux $(uname -r), Debian $(cat /etc/debian_version 2>/dev/null || echo '?')"
	echo "backend: ${syscalls:-?}; BPF-LSM: ${lsm:-?}"
	echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min averages when the table was printed)"
}

# Sizes: runs back to back, then runs 100 ms apart; the workload's rounds; the
# consumer's seconds of generation, opens a second per cell (0: as fast as it
# can) and cells.
part startup "$out/bench_startup" "$out" "$rules" 100 30
part overhead "$out/bench_overhead"
part incell "$out/bench_incell" "$out" "$root" "$rules"
part layers "$out/bench_layers" "$out"
part kill "$out/bench_kill" "$out" "$root" "$rules" "$src/tests/bench/userspace-kill.json" 20
part events "$out/bench_events" "$out" "$root" "$rules" 2
part rss "$out/bench_rss" "$out" "$rules" 100
part tail "$out/bench_tail" "$out" "$rules" 200
part workload "$out/bench_workload" "$out" "$rules" 4
part consumer "$out/bench_consumer" "$out" "$root" "$rules" \
	"$src/tests/bench/consumer-alert.json" 1 0 2

printf '\n== summary: one run, every ratio against a baseline of the same run\n\n'
machine
echo
awk -F '\t' '
	{ for (i = 1; i <= 4; i++) { c[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } }
	END {
		split("measurement|value|baseline|ratio", h, "|")
		for (i = 1; i <= 4; i++) if (length(h[i]) > w[i]) w[i] = length(h[i])
		fmt = "%-" w[1] "s  %-" w[2] "s  %-" w[3] "s  %s\n"
		printf fmt, h[1], h[2], h[3], h[4]
		printf fmt, "-", "-", "-", "-"
		for (r = 1; r <= NR; r++) printf fmt, c[r, 1], c[r, 2], c[r, 3], c[r, 4]
	}' "$BENCH_TABLE"
if [ -n "$failed" ]; then
	echo
	echo "bench: failed:$failed"
	exit 1
fi

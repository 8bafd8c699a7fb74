#!/bin/bash
# make test: every test on this host, then the same suite in the BPF-LSM VM;
# the last line adds both up: "N passed, N failed, N skipped".
set -uo pipefail
build=${1:?usage: $0 BUILD_DIR}

summary() {
	# The runner's closing line, as numbers: passed failed skipped.
	sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' "$1" | tail -1
}

host_log=$(mktemp) vm_log=$(mktemp)
trap 'rm -f "$host_log" "$vm_log"' EXIT

echo "== host: $(uname -r)"
"$build/test_runner" | tee "$host_log"
echo
echo "== VM: Debian cloud kernel with BPF-LSM (tests/vm/run.sh)"
tests/vm/run.sh "$build" | tee "$vm_log"

read -r hp hf hs <<<"$(summary "$host_log")"
read -r vp vf vs <<<"$(summary "$vm_log")"
if [ -z "${vp:-}" ]; then
	echo "the VM run gave no result: counted as one failure"
	vp=0 vf=1 vs=0
fi
echo
echo "$((hp + vp)) passed, $((hf + vf)) failed, $((hs + vs)) skipped"
[ $((hf + vf)) -eq 0 ]

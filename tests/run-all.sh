#!/bin/bash
# make test: every test on this host; the userspace unit tests under
# valgrind (a leak or memory error fails the test); the hostile corpus and
# the seven-criteria probes (make scorecard: a case that is not caught as its
# header expects, or a benign run killed, fails); the same suite in the
# BPF-LSM VM; the Debian package under systemd, in a VM booted with it;
# then once more on the host built with AddressSanitizer and UBSan (memory
# errors, leaks and undefined behaviour fail the test they happen in).
# The failed tests are listed again at the end, and the last line adds all
# up: "N passed, N failed, N skipped".
set -uo pipefail
build=${1:?usage: $0 BUILD_DIR}

# Each failed test again, with the last lines it wrote, so that the end of
# the output (all a CI page may show) says what failed and why.
failures() {
	awk -v stage="$1" '
	/^#[0-9]+ +[^ ]+ +(OK|SKIP)( |$)/ { n = 0; next }
	/^#[0-9]+ +[^ ]+ +FAIL( |$)/ {
		print "FAILED " stage ": " $2
		for (i = n > 6 ? n - 6 : 0; i < n; i++)
			print "    " substr(buf[i], 1, 200)
		n = 0; next
	}
	/^FAILED / { print "FAILED " stage ": " substr($0, 8); next }
	{ buf[n++] = $0 }' "$2"
}

# A stage's closing line, as numbers: passed failed skipped.
summary() {
	sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' "$1" |
		tail -1
}


host_log=$(mktemp) vg_log=$(mktemp) sc_log=$(mktemp) vm_log=$(mktemp) pkg_log=$(mktemp)
asan_log=$(mktemp)
trap 'rm -f "$host_log" "$vg_log" "$sc_log" "$vm_log" "$pkg_log" "$asan_log"' EXIT
asan=${build}-asan

echo "== host: $(uname -r)"
"$build/test_runner" 2>&1 | tee "$host_log"
echo
echo "== host, valgrind memcheck: the userspace unit tests"
# UNIT_TEST()s load no BPF program, which valgrind could not follow.
# Programs the tests start from the build directory are checked too; system
# tools (ip, python3) and cellrun, whose seccomp filter valgrind cannot
# build, run natively.
valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
	--trace-children=yes --trace-children-skip='/usr/*,/bin/*,/sbin/*,*/cellrun' \
	"$build/test_runner" --unit 2>&1 | tee "$vg_log"
echo
echo "== host: the hostile corpus and the seven criteria (make scorecard)"
tests/hostile/run.py "$build" 2>&1 | tee "$sc_log"
echo
echo "== VM: Debian cloud kernel with BPF-LSM (tests/vm/run.sh)"
tests/vm/run.sh "$build" 2>&1 | tee "$vm_log"
echo
echo "== VM, systemd as init: the Debian package installed, run, purged (tests/vm/package.sh)"
tests/vm/package.sh "$build" 2>&1 | tee "$pkg_log"

echo
echo "== host, ASan + UBSan build ($asan)"
if make --no-print-directory OUT="$asan" \
	CFLAGS='-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined' \
	LDFLAGS='-fsanitize=address,undefined' all >/dev/null; then
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		"$asan/test_runner" 2>&1 | tee "$asan_log"
else
	echo "the sanitizer build failed"
fi

echo
total_p=0 total_f=0 total_s=0
for stage in host:"$host_log" valgrind:"$vg_log" scorecard:"$sc_log" vm:"$vm_log" package:"$pkg_log" \
	asan:"$asan_log"; do
	name=${stage%%:*} log=${stage#*:}
	failures "$name" "$log"
	read -r p f s <<<"$(summary "$log")"
	if [ -z "${p:-}" ]; then
		echo "FAILED $name: the stage gave no result: counted as one failure; it ended with"
		tail -15 "$log" | cut -c1-200 | sed 's/^/    /'
		p=0 f=1 s=0
	fi
	total_p=$((total_p + p)) total_f=$((total_f + f)) total_s=$((total_s + s))
done
echo "$total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" -eq 0 ]

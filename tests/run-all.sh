#!/bin/bash
# make test: every test on this host; the userspace unit tests under
# valgrind (a leak or memory error fails the test); the hostile corpus and
# the seven-criteria probes (make scorecard: a case that is not caught as its
# header expects, or a benign run killed, fails); the same suite and the
# corpus in VMs booted with BPF-LSM on each Debian kernel of VM_KERNELS
# (tests/vm/kernel.sh: 6.1, 6.12, 5.10), two shards a kernel, as many
# machines at once as the host has cores; the corpus's verdicts on each
# kernel set beside the host's (tests/hostile/compare.py); among those VMs,
# the arm64 one that checks cellrun's cross build (BUILD_DIR-arm64,
# tests/vm/arm64.sh); the Debian package under systemd, in a VM booted with it;
# then once more on the host built with AddressSanitizer and UBSan (memory
# errors, leaks and undefined behaviour fail the test they happen in).
# The failed tests are listed again at the end, and the last line adds all
# up: "N passed, N failed, N skipped", after the time each stage took.
set -uo pipefail
build=${1:?usage: $0 BUILD_DIR}

# Each failed test again, with its failed assertions and the last lines it
# wrote, so that the end of the output (all a CI page may show) says what
# failed and why.
failures() {
	awk -v stage="$1" '
	/^#[0-9]+ +[^ ]+ +(OK|SKIP)( |$)/ { n = 0; a = 0; next }
	/^#[0-9]+ +[^ ]+ +FAIL( |$)/ {
		print "FAILED " stage ": " $2
		for (i = 0; i < a && i < 8; i++)
			print "    " substr(asrt[i], 1, 200)
		for (i = n > 6 ? n - 6 : 0; i < n; i++)
			print "    " substr(buf[i], 1, 200)
		n = 0; a = 0; next
	}
	/^FAILED / { print "FAILED " stage ": " substr($0, 8); next }
	/^[^ ]+\.c:[0-9]+: |: died of signal / { asrt[a++] = $0 }
	{ buf[n++] = $0 }' "$2"
}

# A stage's closing lines, added up: passed failed skipped (nothing when it has none).
# A VM that runs the suite and then the scorecard prints one of each.
summary() {
	sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' "$1" |
		awk '{ p += $1; f += $2; s += $3 } END { if (NR) print p, f, s }'
}


logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
asan=${build}-asan
arm64=${build}-arm64
stages=() took=()

# stage NAME TITLE CMD...: run CMD, its output also in $logs/NAME, and time it.
stage() {
	local name=$1 title=$2 t0=$SECONDS
	shift 2
	echo "== $title"
	"$@" 2>&1 | tee "$logs/$name"
	stages+=("$name") took+=("$name $((SECONDS - t0)) s")
	echo
}

valgrind_unit_tests() {
	# UNIT_TEST()s load no BPF program, which valgrind could not follow.
	# Programs the tests start from the build directory are checked too;
	# system tools (ip, python3) and cellrun, whose seccomp filter valgrind
	# cannot follow, run natively.
	valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
		--trace-children=yes --trace-children-skip='/usr/*,/bin/*,/sbin/*,*/cellrun' \
		"$build/test_runner" --unit
}

# The test runner with @args, as a VM's command line (tests/vm/run.sh's VM_COMMAND).
runner_cmd() {
	printf '%q' "$build/test_runner"
	printf ' %q' "$@"
}
# The hostile corpus in a VM: an emulated CPU runs the benign jobs several
# times slower, so their default timeouts are four times the host's.
scorecard="SCORECARD_TIME_SCALE=4 tests/hostile/run.py $(printf '%q' "$build")"

# The kernel matrix: the whole suite and the hostile corpus on each Debian
# cloud kernel of VM_KERNELS, each split into VMS shards (test_runner
# --shard), the last shard of a kernel running the corpus too, for the
# verdicts stage.  An emulated CPU keeps one host core busy: VM_SLOTS
# machines run at once (the host's cores), the longest jobs first, the next
# booted as one ends; each is printed once all have ended.  6.1 gets two
# CPUs, for the cases that need them (a corpus case's "# cpus:"); the others
# one: with two, 6.12 took an int3 oops in syscall_exit_to_user_mode_prepare
# now and then while the monitor attached its tracepoints (the kernel
# patches its own text then, which qemu's multi-threaded emulation let a CPU
# run half done).  The arm64 VM, one emulated CPU for a minute or two, is
# the last job.
vm_matrix() {
	local kernels jobs=() job k s cmd smp running=0
	local slots=${VM_SLOTS:-$(nproc)} n=${VMS:-2}

	IFS=, read -ra kernels <<<"${VM_KERNELS:-6.1,6.12,5.10}"
	for s in $(seq "$n" -1 1); do
		for k in "${kernels[@]}"; do
			jobs+=("$k $s")
		done
	done
	jobs+=("arm64 -")
	for job in "${jobs[@]}"; do
		read -r k s <<<"$job"
		if [ "$running" -ge "$slots" ]; then
			wait -n
			running=$((running - 1))
		fi
		running=$((running + 1))
		if [ "$k" = arm64 ]; then
			tests/vm/arm64.sh "$arm64" >"$logs/arm64" 2>&1 &
			continue
		fi
		cmd=$(runner_cmd --shard "$s/$n")
		[ "$s" = "$n" ] && cmd="$cmd; $scorecard"
		smp=1
		[ "$k" = 6.1 ] && smp=2
		VM_SMP=$smp VM_KERNEL=$k VM_COMMAND=$cmd tests/vm/run.sh "$build" \
			>"$logs/vm-$k-$s" 2>&1 &
	done
	wait
	for k in "${kernels[@]}"; do
		for s in $(seq "$n"); do
			echo "-- Linux $k, shard $s of $n"
			cat "$logs/vm-$k-$s"
		done
	done
	echo "-- arm64: cellrun's cross build ($arm64)"
	cat "$logs/arm64"
}

asan_tests() {
	if ! make --no-print-directory OUT="$asan" \
		CFLAGS='-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined' \
		LDFLAGS='-fsanitize=address,undefined' all >/dev/null; then
		echo "the sanitizer build failed"
		return 1
	fi
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		"$asan/test_runner"
}

stage host "host: $(uname -r)" "$build/test_runner"
stage valgrind "host, valgrind memcheck: the userspace unit tests" valgrind_unit_tests
stage scorecard "host: the hostile corpus and the seven criteria (make scorecard)" \
	tests/hostile/run.py "$build"
stage vm "VMs: the whole suite on Debian's cloud kernels ${VM_KERNELS:-6.1,6.12,5.10}, BPF-LSM (tests/vm/run.sh); cellrun on arm64 (tests/vm/arm64.sh)" \
	vm_matrix
stage verdicts "the hostile corpus's verdicts on each kernel beside the host's (tests/hostile/compare.py)" \
	tests/hostile/compare.py README.md "$logs/scorecard" "$logs"/vm-*
stage package "VM, systemd as init: the Debian package installed, run, purged (tests/vm/package.sh)" \
	tests/vm/package.sh "$build"
stage asan "host, ASan + UBSan build ($asan)" asan_tests

echo "== time per stage: ${took[*]/%/,}"
total_p=0 total_f=0 total_s=0
for name in "${stages[@]}"; do
	logs_of=("$logs/$name")
	[ "$name" = vm ] && logs_of=("$logs"/vm-* "$logs/arm64")
	for log in "${logs_of[@]}"; do
		failures "$name" "$log"
		read -r p f s <<<"$(summary "$log")"
		if [ -z "${p:-}" ]; then
			echo "FAILED $name: the stage gave no result: counted as one failure; it ended with"
			tail -15 "$log" | cut -c1-200 | sed 's/^/    /'
			p=0 f=1 s=0
		fi
		total_p=$((total_p + p)) total_f=$((total_f + f)) total_s=$((total_s + s))
	done
done
echo "$total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" -eq 0 ]

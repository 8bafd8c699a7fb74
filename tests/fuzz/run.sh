#!/bin/bash
# make fuzz: run each fuzz target for SECONDS on a scratch copy of its
# committed seeds (what it learns stays in FUZZ_DIR/corpus/TARGET for the
# next run); a crash, leak or timeout fails, naming the input libFuzzer saved.
set -u
dir=${1:?usage: $0 FUZZ_DIR SECONDS TARGET...} seconds=${2:?} ; shift 2
src=$(dirname "$0")
failed=0

for t in "$@"; do
	corpus=$dir/corpus/$t crashes=$dir/crashes/$t log=$dir/$t.log
	mkdir -p "$corpus" "$crashes"
	cp -n "$src/corpus/$t"/* "$corpus"/
	# The shipped rule file is a seed where it lives, never a stale copy.
	[ "$t" = rules ] && cp -n "$src/../../rules/default.json" "$corpus"/
	opts=()
	[ -f "$src/$t.dict" ] && opts+=(-dict="$src/$t.dict")
	# getopt's messages about bad options, thousands a second: the target's
	# stderr is closed (sanitizer reports and libFuzzer's own still come).
	[ "$t" = options ] && opts+=(-close_fd_mask=2)
	"$dir/fuzz_$t" "${opts[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-max_len=16384 -print_final_stats=1 -artifact_prefix="$crashes/" "$corpus" \
		>"$log" 2>&1
	status=$?
	# libFuzzer's last status line: "#N DONE cov: C ft: F corp: ... exec/s: E ...".
	done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	printf '%-8s %s  (%s runs)\n' "$t" "${done_line:-no DONE line}" "${execs:-?}"
	if [ "$status" -ne 0 ]; then
		failed=1
		echo "fuzz $t FAILED (status $status), log $log:"
		grep -E 'ERROR|SUMMARY|fuzz check failed|Test unit written to' "$log" | head -20
	fi
done
exit "$failed"

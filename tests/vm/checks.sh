# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Sourced by the VM stages that report key=value lines (package.sh,
# arm64.sh): each check printed as the test runner prints a test.
#
#   check NAME KEY PATTERN   the value of KEY in $out (its first KEY=...
#                            line) matches the shell PATTERN
#   checks_summary           "N passed, N failed, 0 skipped"; false on a failure
n=0 passed=0 failed=0
check() {
	local value
	value=$(printf '%s\n' "$out" | sed -n "s/^$2=//p" | head -1)
	n=$((n + 1))
	# shellcheck disable=SC2053
	if [[ $value == $3 ]]; then
		passed=$((passed + 1))
		printf '#%-3d %-40s OK\n' "$n" "$1"
	else
		failed=$((failed + 1))
		echo "$2: expected $3, got '$value'"
		printf '#%-3d %-40s FAIL\n' "$n" "$1"
	fi
}
checks_summary() {
	echo "$passed passed, $failed failed, 0 skipped"
	[ "$failed" -eq 0 ]
}

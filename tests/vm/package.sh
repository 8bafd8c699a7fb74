#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make test's package stage: make deb, then a VM whose init is the root's
# own systemd installs the package, runs the unit, serves a run and purges
# it (tests/vm/package-inside.sh).  Each check is printed as the test
# runner prints a test, then "N passed, N failed, N skipped".
#
#   tests/vm/package.sh BUILD_DIR
set -uo pipefail
build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)

deb=$(make --no-print-directory -C "$src" OUT="$build" deb | tail -1)
out=$(VM_INIT=systemd VM_COMMAND="tests/vm/package-inside.sh $deb" \
      "$src/tests/vm/run.sh" "$build" 2>&1)
echo "$out"

. "$src/tests/vm/checks.sh"
check package_installs install 0
check package_starts_its_unit active active
check package_enables_its_unit enabled enabled
check package_unit_says_what_it_serves status "serving /run/cellwatch/cellwatch.sock:*"
check package_unit_has_a_watchdog watchdog 30s
check package_daemon_serves_a_run cellrun "0 from-the-cell*"
check package_run_is_logged logged "[1-9]*"
check package_cellrun_finds_the_daemon auto_run '0 *"daemon"'
check package_shell_ends_the_run shell_run 137
check package_shell_is_logged shell_logged "[1-9]*"
check package_unit_reloads reload 0
check package_reload_keeps_it_serving active_after_reload active
check package_unit_stops stopped inactive
check package_unit_stops_cleanly result success
check package_systemctl_start start 0
check package_started_unit_is_active active_again active
check package_started_unit_serves cellrun_again "0 again*"
check package_delegated_unit_runs delegated_run "0 delegated*"
check package_cell_in_delegated_subtree delegated_cgroup '*/cw-delegated.scope/cellwatch/run-*'
check package_delegated_cell_limited delegated_memory '*"cgroup2"'
check package_purges purge 0
check package_purge_leaves_nothing left ""
check package_unit_gone_after_purge unit_known "[1-9]*"
check package_check_ran_to_its_end end yes
checks_summary

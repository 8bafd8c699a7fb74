#!/bin/bash
# The sandbox scorecard after the seven criteria of the AntTech study of LLM
# code-interpreter sandboxes: each criterion's probes run inside cells started
# with BUILD_DIR/cellrun (default options, embedded monitor), judge.py turns
# their findings into a verdict with its evidence, and the verdict is compared
# with what cellrun's design promises (EXPECTED below). Exit 0 when every
# verdict is the expected one.  The probes run under rules/lenient.json: one
# probe tries every technique in turn, and the default policy would end its
# run at the first (the hostile corpus shows that, case by case).
#
# usage: tests/hostile/criteria/run.sh BUILD_DIR
set -u

build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
cellrun=$build/cellrun
rules=$(cd "$here/../../../rules" && pwd)/lenient.json

# criterion     expected   why
EXPECTED='
exec            PARTIAL    no shell in the cell (masked), kept ones die in the kernel; installed non-shell binaries run
privilege       CONTAINED  uid 65534, no capability, no_new_privs, seccomp, Landlock
network         CONTAINED  loopback only; cgroup hooks refuse the rest; metadata ends the run
isolation       CONTAINED  one pid, ipc, net, mount namespace and /tmp per cell
leakage         PARTIAL    host env and files hidden; a shared kernel shows its version, CPU, memory
persistence     CONTAINED  everything writable but /output is gone with the cell
identification  EXPOSED    nothing hides it: pid 1 is cellrun
'
LABELS='exec:1 command execution
privilege:2 privilege level
network:3 external network
isolation:4 isolation between cells
leakage:5 information leakage
persistence:6 upload & persistence
identification:7 sandbox identification'

work=
bg_pid=

cleanup() {
	# Only what this script started: the background cell, by its pid.
	[ -n "$bg_pid" ] && kill "$bg_pid" 2>/dev/null && wait "$bg_pid" 2>/dev/null
	[ -n "$work" ] && rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

nonce() {
	od -An -tx1 -N8 /dev/urandom | tr -d ' \n'
}

# cell NAME [cellrun options] -- CMD...: one run with its files in $work/NAME.*
cell() {
	local name=$1
	shift
	"$cellrun" --timeout 20 --rules "$rules" --input "$work/in" --log "$work/$name.log" \
		--result "$work/$name.result" "$@" </dev/null >"$work/$name.out" 2>"$work/$name.err"
	echo $? >"$work/$name.rc"
}

json_field() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

landlock_applied() {
	python3 -c 'import json, sys
sys.exit(0 if json.load(open(sys.argv[1]))["layers"]["landlock"]["applied"] else 1)' "$1"
}

# The host pid of the python3 process in the cell under cellrun pid $1.
cell_python() {
	local pid=$1 child
	for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
		if [ "$(cat /proc/"$child"/comm 2>/dev/null)" = python3 ]; then
			echo "$child"
			return 0
		fi
		cell_python "$child" && return 0
	done
	return 1
}

probe_exec() {
	cell exec --output "$work/exec.output" -- python3 /input/c1_exec.py
}

probe_privilege() {
	cell privilege -- python3 /input/c2_priv.py
}

probe_network() {
	cell network -- python3 /input/c3_net.py
}

# Cell A leaves traces and waits; cell B, started while A lives, looks for
# them; the host passes A's findings to B and then tells A to stop.
probe_isolation() {
	local n a_json a_pid i
	n=$(nonce)
	a_json=$work/iso-a.ready
	# The host's "done" reaches A through a live --output (an overlay --input
	# is the directory as the run found it).
	mkdir -p "$work/iso-a.live" && chown 65534:65534 "$work/iso-a.live"
	"$cellrun" --timeout 30 --rules "$rules" --input "$work/in" \
		--output "$work/iso-a.live" --output-size 0 \
		--log "$work/iso-a.log" --result "$work/iso-a.result" --env PROBE_NONCE="$n" \
		-- python3 /input/c4_iso_a.py </dev/null >"$work/iso-a.out" 2>"$work/iso-a.err" &
	bg_pid=$!
	# A says where its traces are on stdout, which cellrun passes on as it comes.
	for i in $(seq 100); do
		grep -m1 '"check": "ready"' "$work/iso-a.out" >"$a_json" 2>/dev/null && break
		sleep 0.1
	done
	a_pid=$(cell_python "$bg_pid")
	if [ -s "$a_json" ] && [ -n "$a_pid" ]; then
		cell iso-b --env PROBE_NONCE="$n" --env A_PORT="$(json_field "$a_json" port)" \
			--env A_SHM_KEY="$(json_field "$a_json" shm_key)" --env A_HOST_PID="$a_pid" \
			-- python3 /input/c4_iso_b.py
	fi
	touch "$work/iso-a.live/done-$n"
	wait "$bg_pid"
	echo $? >"$work/iso-a.rc"
	bg_pid=
}

# Secret-looking variables in cellrun's own environment must not reach the cell.
probe_leakage() {
	local secret
	secret=fake-$(nonce)
	AWS_SECRET_ACCESS_KEY=$secret GITHUB_TOKEN=$secret OPENAI_API_KEY=$secret \
		cell leakage -- python3 /input/c5_leak.py
	export PROBE_SECRET=$secret
}

# Run 1 writes everywhere it can; run 2, a fresh cell, looks for what is left.
probe_persistence() {
	local n
	n=$(nonce)
	cell persist-1 --output "$work/persist-1.output" -- python3 /input/c6_persist.py write "$n"
	cell persist-2 --output "$work/persist-2.output" -- python3 /input/c6_persist.py read "$n"
	export PROBE_NONCE=$n
}

row() {
	printf '%-26s | %-9s | %-9s | %-4s | %s\n' "$@"
}

probe_identification() {
	cell identification -- python3 /input/c7_ident.py
}

if [ "$(id -u)" -ne 0 ] || [ ! -x "$cellrun" ]; then
	echo "criteria: needs root and $cellrun"
	echo "0 passed, 7 failed"
	exit 1
fi
# A neutral name: the path shows in the cell (mountinfo, pid 1's command line).
work=$(mktemp -d /tmp/scorecard.XXXXXX)
chmod 755 "$work"
cp -r "$here/probes" "$work/in"
chmod -R a+rX "$work/in"

passed=0 failed=0
row criterion verdict expected ok evidence
while read -r crit expected _; do
	[ -n "$crit" ] || continue
	"probe_$crit"
	# Without Landlock (kernels before 5.13) cellrun promises the rest of
	# the privilege layers only: README's portability table.
	if [ "$crit" = privilege ] && ! landlock_applied "$work/privilege.result"; then
		expected=PARTIAL
	fi
	IFS=$'\t' read -r verdict evidence < <(python3 "$here/judge.py" "$crit" "$work") ||
		[ -n "$verdict" ] ||
		verdict=ERROR evidence='the judge said nothing'
	label=$(sed -n "s/^$crit://p" <<<"$LABELS")
	if [ "$verdict" = "$expected" ]; then
		passed=$((passed + 1)) ok=yes
	else
		failed=$((failed + 1)) ok=NO
	fi
	row "$label" "$verdict" "$expected" "$ok" "$evidence"
done <<<"$EXPECTED"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

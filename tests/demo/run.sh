#!/bin/sh
# make run: a benign run and hostile ones, each in its own cell.
set -u
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/cellwatch-demo.XXXXXX)
daemon= tail=
cleanup() {
	[ -n "$tail" ] && kill "$tail" 2>/dev/null
	[ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
log="$work/events.json"
# The policy of this checkout, not an installed one (/etc/cellwatch).
rules="$here/../../rules/default.json"

echo "== 1. benign: summarise a CSV in a cell (the script is /input, results go to /output)"
"$build/cellrun" --rules "$rules" --log "$log" --input "$here" --output "$work/out" \
	--result "$work/result.json" -- /usr/bin/python3 /input/benign.py /output
echo "   exit status $?; /output holds: $(cat "$work/out/summary.txt")"
echo "   result: $(grep -o '"reason": "[a-z_]*"' "$work/result.json")"
echo
echo "== 2. hostile: the same kind of script tries to start a shell: there is none in the"
echo "   cell, the attempt is seen and the run ends (the script never reports back)"
"$build/cellrun" --rules "$rules" --log "$log" --input "$here" -- /usr/bin/python3 /input/hostile.py
echo "   exit status $?"
echo
echo "== 2b. the same under rules/lenient.json: only the would-be shell dies, the script goes on"
"$build/cellrun" --log "$log" --input "$here" --rules "$here/../../rules/lenient.json" -- \
	/usr/bin/python3 /input/hostile.py
echo "   exit status $?"
echo
echo "== 3. the shells kept (--keep-shells): the monitor kills one before its first instruction"
"$build/cellrun" --rules "$rules" --log "$log" --keep-shells -- /bin/sh -c 'echo you will not see this'
echo "   exit status $?"
echo
echo "== 4. reaching out: an external address is refused, the run goes on"
"$build/cellrun" --rules "$rules" --log "$log" -- /usr/bin/python3 -c '
import urllib.request
try:
    urllib.request.urlopen("http://192.0.2.1/", timeout=2)
except Exception as e:
    print("external address:", e)
'
echo "   exit status $?"
echo
echo "== 5. the cloud metadata service: the whole run is killed"
"$build/cellrun" --rules "$rules" --log "$log" -- /usr/bin/python3 -c '
import urllib.request
print("asking the metadata service for credentials...", flush=True)
urllib.request.urlopen("http://169.254.169.254/latest/meta-data/iam/", timeout=2)
print("got them")
'
echo "   exit status $?"
echo
echo "== the alerts in the JSON event log ($(wc -l < "$log") events in all):"
grep '"kind":"alert"' "$log"
echo
echo "== 6. the sidecar daemon: one monitor for three runs at once, alerts live in tail"
sock="$work/cellwatch.sock"
"$build/cellwatch" daemon --no-config --rules "$rules" --socket "$sock" --state-dir "$work/state" \
	--pin-dir "/sys/fs/bpf/cellwatch-demo-$$" --log "$work/daemon.json" 2>"$work/daemon.err" &
daemon=$!
for i in $(seq 50); do grep -q ready "$work/daemon.err" 2>/dev/null && break; sleep 0.1; done
"$build/cellwatch" tail --socket "$sock" --no-color >"$work/tail.txt" 2>/dev/null &
tail=$!
sleep 0.3
"$build/cellrun" --daemon "$sock" --run-id demo-benign --label demo=yes -- \
	/usr/bin/python3 -c 'print("benign: sum =", sum(range(100)))' &
runs=$!
"$build/cellrun" --daemon "$sock" --run-id demo-shell --label demo=yes --keep-shells -- \
	/usr/bin/python3 -c 'import os; os.system("id")' 2>/dev/null &
runs="$runs $!"
"$build/cellrun" --daemon "$sock" --run-id demo-metadata --label demo=yes -- \
	/usr/bin/python3 -c 'import socket; socket.create_connection(("169.254.169.254", 80), 2)' \
	2>/dev/null &
runs="$runs $!"
for pid in $runs; do wait "$pid"; done
sleep 0.3
echo "   cellwatch tail showed:"
sed 's/^/   /' "$work/tail.txt"
kill "$tail"; tail=
kill "$daemon"; wait "$daemon"; daemon=
echo "   the daemon logged $(wc -l < "$work/daemon.json") events; its own records:"
grep -o '"action":"\(cell\|daemon\)-[a-z]*"' "$work/daemon.json" | sort | uniq -c | sed 's/^/   /'

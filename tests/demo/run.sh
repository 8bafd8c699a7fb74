#!/bin/sh
# make run: a benign run and hostile ones, each in its own cell.
set -u
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/cellwatch-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
log="$work/events.json"

echo "== 1. benign: summarise a CSV in a cell (the script is /input, results go to /output)"
"$build/cellrun" --log "$log" --input "$here" --output "$work/out" \
	--result "$work/result.json" -- /usr/bin/python3 /input/benign.py /output
echo "   exit status $?; /output holds: $(cat "$work/out/summary.txt")"
echo "   result: $(grep -o '"reason": "[a-z_]*"' "$work/result.json")"
echo
echo "== 2. hostile: the same kind of script tries to start a shell"
"$build/cellrun" --log "$log" --input "$here" -- /usr/bin/python3 /input/hostile.py
echo "   exit status $?"
echo
echo "== 3. the shell alone: killed before its first instruction"
"$build/cellrun" --log "$log" -- /bin/sh -c 'echo you will not see this'
echo "   exit status $?"
echo
echo "== 4. reaching out: an external address is refused, the run goes on"
"$build/cellrun" --log "$log" -- /usr/bin/python3 -c '
import urllib.request
try:
    urllib.request.urlopen("http://192.0.2.1/", timeout=2)
except Exception as e:
    print("external address:", e)
'
echo "   exit status $?"
echo
echo "== 5. the cloud metadata service: the whole run is killed"
"$build/cellrun" --log "$log" -- /usr/bin/python3 -c '
import urllib.request
print("asking the metadata service for credentials...", flush=True)
urllib.request.urlopen("http://169.254.169.254/latest/meta-data/iam/", timeout=2)
print("got them")
'
echo "   exit status $?"
echo
echo "== the alerts in the JSON event log ($(wc -l < "$log") events in all):"
grep '"kind":"alert"' "$log"

#!/bin/sh
# make run: a benign run and a hostile one, each in its own cell.
set -u
build=${1:-build}
here=$(dirname "$0")
out=$(mktemp -d /tmp/cellwatch-demo.XXXXXX)
trap 'rm -rf "$out"' EXIT

echo "== 1. benign: summarise a CSV in a cell"
"$build/cellrun" --log "$out/events.json" -- /usr/bin/python3 "$here/benign.py" "$out"
echo "   exit status $?; output: $(cat "$out/summary.txt")"
echo
echo "== 2. hostile: the same kind of script tries to start a shell"
"$build/cellrun" --log "$out/events.json" -- /usr/bin/python3 "$here/hostile.py"
echo "   exit status $?"
echo
echo "== 3. the shell alone: killed before its first instruction"
"$build/cellrun" --log "$out/events.json" -- /bin/sh -c 'echo you will not see this'
echo "   exit status $?"
echo
echo "== the alerts in the JSON event log ($(wc -l < "$out/events.json") events in all):"
grep '"kind":"alert"' "$out/events.json"

#!/usr/bin/python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The hostile corpus's verdicts across kernels: each kernel's beside the host's.

usage: tests/hostile/compare.py README LOG...

Each LOG holds the VERDICTS line of one scorecard run (tests/hostile/run.py),
the first the host's.  Per case the verdict is its outcome, the layers that
stopped it and the rules that fired; per criterion its verdict.  A
difference fails unless README's table of verdict differences (under
"Verdicts across kernels") explains it: each row names the kernel (a
prefix of its release, or "*" for every VM kernel), the monitor backend
there, the cases (a glob), a text of the host's verdict, what stands
there instead, and why; the rows that apply must turn the host's verdict
into the one there.  A row that no run uses fails too: the table says what
is, not what was.  One test line per kernel, then "N passed, N failed,
0 skipped".
"""
import fnmatch
import json
import sys

TABLE_HEAD = "| kernel | backend | case | host | there | why |"


def die(msg):
    sys.stderr.write("compare: %s\n" % msg)
    sys.exit(2)


def verdicts_of(path):
    """The VERDICTS documents of a log (a VM log may hold several runs' lines)."""
    docs = []
    with open(path, errors="replace") as f:
        for line in f:
            at = line.find("VERDICTS {")
            if at >= 0:
                docs.append(json.loads(line[at + len("VERDICTS "):]))
    return docs


def flatten(doc):
    """{name: verdict string} of cases and criteria."""
    out = {}
    for name, v in doc["cases"].items():
        out[name] = v["outcome"] if v["outcome"].startswith("not compared") else \
            "%s [%s] (%s)" % (v["outcome"], ", ".join(v["layers"]), ", ".join(v["rules"]))
    for name, verdict in doc["criteria"].items():
        out["criterion " + name] = verdict
    return out


def cell(text):
    text = text.strip()
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == "`" else text


def explained(readme):
    """The rows of README's table of verdict differences."""
    rows, inside = [], False
    with open(readme) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.startswith(TABLE_HEAD):
                inside = True
                continue
            if not inside:
                continue
            if not line.startswith("|"):
                break
            cols = [cell(c) for c in line.strip().strip("|").split("|")]
            if set("".join(cols)) <= set("-: "):
                continue
            if len(cols) != 6 or not all(cols):
                die("%s:%d: a row needs kernel, backend, case, host, there, why" % (readme, n))
            rows.append({"kernel": cols[0], "backend": cols[1], "case": cols[2],
                         "host": cols[3], "there": cols[4], "why": cols[5],
                         "where": "%s:%d" % (readme, n), "seen": False})
    if not inside:
        die("%s: no table headed %r" % (readme, TABLE_HEAD))
    return rows


def kernel_matches(pattern, release):
    return pattern == "*" or release == pattern or release.startswith(pattern + ".") or \
        release.startswith(pattern + "-")


def explain(rows, doc, name, host, there):
    """
    The rows that turn the host's verdict into the one there: each matching
    row (kernel, backend, case) replaces its host text with its text there.
    None when they do not.
    """
    used, text = [], host
    for r in rows:
        if kernel_matches(r["kernel"], doc["kernel"]) and r["backend"] == doc["monitor"] and \
                fnmatch.fnmatchcase(name, r["case"]) and r["host"] in text:
            text = text.replace(r["host"], r["there"])
            used.append(r)
    return used if text == there else None


def main(argv):
    if len(argv) < 3:
        die("usage: %s README LOG..." % argv[0])
    rows = explained(argv[1])
    docs = [d for path in argv[2:] for d in verdicts_of(path)]
    if not docs:
        die("no VERDICTS line in %s" % " ".join(argv[2:]))
    host, others = docs[0], docs[1:]
    base = flatten(host)
    passed = failed = 0
    print("host: %s, %s (%s), %d verdicts" % (host["kernel"], host["machine"], host["monitor"],
                                             len(base)))
    for n, doc in enumerate(others, 1):
        there = flatten(doc)
        bad = []
        for name in sorted(set(base) | set(there)):
            h, t = base.get(name, "(not run)"), there.get(name, "(not run)")
            if h == t:
                continue
            if h.startswith("not compared") or t.startswith("not compared"):
                print("  %s %s: %s" % (doc["kernel"], name, t if t.startswith("not") else h))
                continue
            used = explain(rows, doc, name, h, t)
            if used:
                for r in used:
                    r["seen"] = True
                print("  %s %s: %s -> %s: explained (%s)" % (
                    doc["kernel"], name, h, t, ", ".join(r["where"] for r in used)))
            else:
                bad.append("  %s %s: host `%s`, there `%s`: not explained" % (
                    doc["kernel"], name, h, t))
        for line in bad:
            print(line)
        ok = not bad
        passed, failed = passed + ok, failed + (not ok)
        print("#%-3d %-40s %s" % (n, "verdicts_%s_%s" % (doc["kernel"], doc["monitor"]),
                                  "OK" if ok else "FAIL"))
    stale = [r for r in rows if not r["seen"] and
             any(kernel_matches(r["kernel"], d["kernel"]) for d in others)]
    for r in stale:
        print("%s: %s %s: `%s` -> `%s` explained, but no run shows it" % (
            r["where"], r["kernel"], r["case"], r["host"], r["there"]))
    ok = not stale
    passed, failed = passed + ok, failed + (not ok)
    print("#%-3d %-40s %s" % (len(others) + 1, "verdicts_table_is_current", "OK" if ok else "FAIL"))
    print("%d passed, %d failed, 0 skipped" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

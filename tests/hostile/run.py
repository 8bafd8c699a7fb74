#!/usr/bin/python3
"""make scorecard: every case of tests/hostile/cases in a cell, under one
cellwatch daemon, judged against the outcome its header expects.

usage: tests/hostile/run.py BUILD_DIR [CASE_SUBSTRING...]

Runs as root.  The bait root needs bind mounts: the script re-runs itself in
a private mount namespace (unshare -m), so every mount dies with it, and
removes its work directory from outside once that namespace is gone.
"""
import ctypes
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "cases")
FIXTURES = os.path.join(HERE, "fixtures")
RULES = os.path.join(HERE, "..", "..", "rules", "default.json")
PYTHON = "/usr/bin/python3"
DEFAULT_TIMEOUT = 5
VERBOSE = bool(os.environ.get("SCORECARD_VERBOSE"))  # every case's output, not only failures
# Default timeouts times this: a VM's emulated CPU runs a benign job several times slower.
TIME_SCALE = float(os.environ.get("SCORECARD_TIME_SCALE") or 1)
BAIT = "CELLWATCH-BAIT"
# The alerts' actions that stopped something (the others only tell).
VERDICT_ACTIONS = ("kill", "kill-run", "deny")
SYS_DIRS = ("usr", "bin", "sbin", "lib", "lib64", "lib32", "libx32")
# What the bait root's /etc copies from the host: what cellrun's own /etc binds.
ETC_COPIES = ("ld.so.cache", "alternatives", "python3", "python3.11", "matplotlibrc", "fonts",
              "mime.types", "ssl/openssl.cnf")
# Bait secrets, world-readable: only cellwatch (and Landlock outside /etc) stands in the way.
BAIT_FILES = {
    "etc/shadow": "root:$6$%s$0000:19000:0:99999:7:::\n" % BAIT,
    "etc/gshadow": "root:*::%s\n" % BAIT,
    "etc/sudoers": "# %s\nalice ALL=(ALL) NOPASSWD: ALL\n" % BAIT,
    "etc/ssh/ssh_host_ed25519_key": "-----BEGIN OPENSSH PRIVATE KEY-----\n%s\n" % BAIT,
    "root/.ssh/id_rsa": "-----BEGIN RSA PRIVATE KEY-----\n%s\n" % BAIT,
    "home/alice/.aws/credentials": "[default]\naws_secret_access_key = %s\n" % BAIT,
    "run/secrets/kubernetes.io/serviceaccount/token": "%s\n" % BAIT,
}


# A host process whose interval timer fires every 0.5 ms, for 30 s at most.
TIMER_NOISE = """
import signal, time
signal.signal(signal.SIGALRM, lambda *a: None)
signal.setitimer(signal.ITIMER_REAL, 0.0005, 0.0005)
end = time.time() + 30
while time.time() < end:
    signal.pause()
"""


def die(msg):
    sys.stderr.write("scorecard: %s\n" % msg)
    sys.exit(2)


# ---------------------------------------------------------------- cases

def parse_case(path):
    """The header comments: '# key: value' lines before the first code line."""
    meta = {"name": os.path.basename(path)[:-3], "file": os.path.basename(path)}
    for line in open(path):
        m = re.match(r"#\s*([a-z]+):\s*(.*)", line)
        if not line.startswith("#"):
            break
        if m:
            key, value = m.group(1), m.group(2).strip()
            meta[key] = (meta[key] + " " + value) if key in meta else value
        elif meta.get("goal") is not None and line.startswith("#  "):
            meta["goal"] += " " + line[1:].strip()
    for key in ("category", "expect", "goal"):
        if key not in meta:
            die("%s: no '# %s:' header" % (path, key))
    if meta["expect"] not in ("caught", "benign", "alerted"):
        die("%s: expect must be caught, benign or alerted" % path)
    if meta["expect"] == "alerted" and not meta.get("alert"):
        die("%s: expect: alerted needs '# alert: <rule or correlation group>'" % path)
    return meta


def load_cases(filters):
    names = sorted(f for f in os.listdir(CASES) if f.endswith(".py") and f != "hostile.py")
    cases = [parse_case(os.path.join(CASES, f)) for f in names]
    if filters:
        cases = [c for c in cases if any(f in c["name"] for f in filters)]
    # Benign first: a false kill should not hide behind a noisy hostile run.
    return sorted(cases, key=lambda c: (c["expect"] != "benign", c["category"], c["name"]))


# ---------------------------------------------------------------- staging

def stage_input(work):
    """/input of every run: the cases, the helper, the fixtures and the .env bait."""
    dst = os.path.join(work, "input")
    shutil.copytree(CASES, dst)
    shutil.copytree(FIXTURES, os.path.join(dst, "fixtures"))
    with open(os.path.join(dst, "fixtures", ".env"), "w") as f:
        f.write("DATABASE_URL=postgres://app:%s@db/app\n" % BAIT)
    # A shell under another name; a hardlink where the filesystem allows one.
    report = os.path.join(dst, "fixtures", "report")
    try:
        os.link("/usr/bin/dash", report)
    except OSError:
        shutil.copy2("/usr/bin/dash", report)
    for root, dirs, files in os.walk(dst):
        for d in dirs:
            os.chmod(os.path.join(root, d), 0o755)
        for f in files:
            p = os.path.join(root, f)
            if not os.path.samefile(p, "/usr/bin/dash"):
                os.chmod(p, 0o644)
    return dst


def bind_readonly(src, dst):
    os.mkdir(dst)
    subprocess.run(["mount", "--bind", src, dst], check=True)
    subprocess.run(["mount", "-o", "remount,bind,ro", dst], check=True)
    if not os.statvfs(dst).f_flag & os.ST_RDONLY:
        die("%s did not turn read-only" % dst)


def stage_bait_root(work):
    """A root where the secrets the rules name exist and are readable."""
    root = os.path.join(work, "bait")
    os.mkdir(root, 0o755)
    for d in SYS_DIRS:
        host = "/" + d
        if os.path.islink(host):
            os.symlink(os.readlink(host), os.path.join(root, d))
        elif os.path.isdir(host):
            bind_readonly(host, os.path.join(root, d))
    for d in ("proc", "dev", "tmp", "input", "output", "etc/ssl", "var/run"):
        os.makedirs(os.path.join(root, d), 0o755)
    for name in ETC_COPIES:
        src, dst = "/etc/" + name, os.path.join(root, "etc", name)
        if os.path.isdir(src) and not os.path.islink(src):
            shutil.copytree(src, dst, symlinks=True)
        elif os.path.lexists(src):
            shutil.copy2(src, dst, follow_symlinks=False)
    files = dict(BAIT_FILES)
    files["etc/passwd"] = "root:x:0:0:root:/root:/usr/sbin/nologin\n" \
                          "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
    files["etc/group"] = "root:x:0:\nnogroup:x:65534:\n"
    files["etc/hostname"] = "cell\n"
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), 0o755, exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o644)
    return root


# ---------------------------------------------------------------- host services

def serve(sock, banner):
    """Answer every connection with @banner: proof the cell reached the host."""
    def loop():
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            try:
                conn.settimeout(1)
                conn.sendall(banner)
            except OSError:
                pass
            conn.close()
    threading.Thread(target=loop, daemon=True).start()


def start_services(bait):
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(16)
    serve(tcp, b"CELLWATCH-HOST-SERVICE\n")
    abstract = "cellwatch-scorecard-%d" % os.getpid()
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unix.bind("\0" + abstract)
    unix.listen(16)
    serve(unix, b"CELLWATCH-HOST-ABSTRACT\n")
    docker = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    path = os.path.join(bait, "var/run/docker.sock")
    docker.bind(path)
    os.chmod(path, 0o666)
    docker.listen(16)
    serve(docker, b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n[]\n")
    return {"SC_HOST_PORT": str(tcp.getsockname()[1]), "SC_ABSTRACT": abstract}


# ---------------------------------------------------------------- daemon

class Daemon:
    def __init__(self, build, work):
        self.sock = os.path.join(work, "cellwatch.sock")
        self.log = os.path.join(work, "events.json")
        self.err = os.path.join(work, "daemon.err")
        self.pin = "/sys/fs/bpf/cellwatch-scorecard-%d" % os.getpid()
        self.offset = 0
        self.events = []
        self.state = os.path.join(work, "state")
        argv = [os.path.join(build, "cellwatch"), "daemon", "--no-config", "--socket", self.sock,
                "--log", self.log, "--state-dir", self.state,
                "--pin-dir", self.pin, "--rules", RULES]
        # Started as the tests start it (tests/ready.c); spawn-ready exits
        # once it is ready, and as the subreaper we still reap the daemon.
        PR_SET_CHILD_SUBREAPER = 36
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        self.pid = 0
        done = subprocess.run([os.path.join(build, "spawn-ready"), self.err] + argv,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:
            self.stop()
            die("cellwatch daemon did not start: %s\n%s" % (done.stderr.strip(),
                                                           open(self.err).read()))
        self.pid = int(done.stdout)

    def read_new(self):
        if not os.path.exists(self.log):
            return
        with open(self.log) as f:
            f.seek(self.offset)
            for line in f:
                if not line.endswith("\n"):
                    break  # a line still being written: next time
                self.offset += len(line.encode())
                try:
                    self.events.append(json.loads(line))
                except ValueError:
                    pass

    def events_of(self, run_id, cell_id):
        """The run's events, once the daemon logged the end of its cell."""
        deadline = time.time() + 3
        while True:
            self.read_new()
            ended = any(e["event"]["action"] == "cell-ended" and
                        e.get("cellwatch", {}).get("cell", {}).get("id") == cell_id
                        for e in self.events)
            if ended or time.time() > deadline:
                break
            time.sleep(0.05)
        mine, rest = [], []
        for e in self.events:
            (mine if e.get("cellwatch", {}).get("run_id") == run_id else rest).append(e)
        self.events = rest
        return mine

    def stop(self):
        if self.pid:
            os.kill(self.pid, signal.SIGTERM)
            deadline = time.time() + 15
            while os.waitpid(self.pid, os.WNOHANG)[0] == 0:
                if time.time() > deadline:
                    os.kill(self.pid, signal.SIGKILL)
                    os.waitpid(self.pid, 0)
                    break
                time.sleep(0.05)
            self.pid = 0
        self.end_left_keeper()
        if os.path.isdir(self.pin):
            shutil.rmtree(self.pin, ignore_errors=True)


    def end_left_keeper(self):
        """The link keeper a killed daemon leaves holding its links: ended by pid."""
        try:
            with open(os.path.join(self.state, "keeper.pid")) as f:
                pid = int(f.read())
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                if f.read().split(b"\0")[:2] == [b"cellwatch", b"link-keeper"]:
                    os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError):
            pass


# ---------------------------------------------------------------- one run

def run_case(c, build, work, daemon, env_extra, bait):
    name = c["name"]
    run_id = "scorecard-%d-%s" % (os.getpid(), name)
    out_dir = os.path.join(work, "out", name)
    result = os.path.join(work, "result", name + ".json")
    # Benign work gets room on a loaded host (or an emulated CPU); hostile runs stay short.
    timeout = round(DEFAULT_TIMEOUT * (2 if c["expect"] == "benign" else 1) * TIME_SCALE)
    extra = c.get("cell", "").split()
    if "--timeout" in extra:
        timeout = int(extra[extra.index("--timeout") + 1])
    else:
        extra += ["--timeout", str(timeout)]
    argv = [os.path.join(build, "cellrun"), "--daemon", daemon.sock, "--run-id", run_id,
            "--result", result, "--input", os.path.join(work, "input"), "--output", out_dir]
    if c.get("root") == "bait":
        argv += ["--rootfs", bait]
    victim = noise = None
    if c.get("host") == "timer-noise":
        noise = subprocess.Popen([PYTHON, "-c", TIMER_NOISE])
    if c.get("victim") == "yes":
        victim = subprocess.Popen(["sleep", "60"])
        env_extra = dict(env_extra, SC_VICTIM_PID=str(victim.pid))
    for k, v in sorted(env_extra.items()):
        argv += ["--env", "%s=%s" % (k, v)]
    argv += extra + ["--", PYTHON, "/input/" + c["file"]]
    start = time.time()
    try:
        p = subprocess.run(argv, capture_output=True, text=True, errors="replace",
                           timeout=timeout + 30)
        status, stdout, stderr = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        status, stdout, stderr = None, e.stdout or "", "scorecard: cellrun hung, killed"
        if isinstance(stdout, bytes):
            stdout = stdout.decode(errors="replace")
    wall = time.time() - start
    if noise:
        noise.kill()
        noise.wait()
    res = {}
    if os.path.exists(result):
        res = json.load(open(result))
    run = {"status": status, "stdout": stdout, "stderr": stderr, "result": res, "wall": wall,
           "out_dir": out_dir,
           "events": daemon.events_of(run_id, res.get("cell_id")) if res else []}
    if victim:
        time.sleep(0.1)
        run["victim_died"] = victim.poll() is not None
        if not run["victim_died"]:
            victim.kill()
        victim.wait()
    return run


# ---------------------------------------------------------------- judging

def lines_starting(text, word):
    return [l[len(word):].strip() for l in text.splitlines() if l.startswith(word + " ")]


def judge(c, run):
    """Outcome, layers, rules, kill latency and whether it matched the expectation."""
    res, alerts = run["result"], [e for e in run["events"] if e["event"]["kind"] == "alert"]
    verdicts = [e for e in alerts if e.get("cellwatch", {}).get("action") in VERDICT_ACTIONS]
    kills = [e for e in verdicts if e["cellwatch"]["action"] != "deny"]
    layers, rules, blocked_by = [], [], []
    for e in verdicts:
        layers.append("%s %s" % (e["cellwatch"].get("layer", "?"), e["cellwatch"]["action"]))
    for e in alerts:
        rules.append(e.get("rule", {}).get("name", "cell-policy"))
    reason = res.get("reason", "no result")
    if reason == "timeout":
        layers.append("timeout")
    elif reason == "oom":
        layers.append("cgroup oom")
    if res.get("signal") == signal.SIGSYS:
        layers.append("seccomp kill")
    achieved = lines_starting(run["stdout"], "ACHIEVED")
    if run.get("victim_died"):
        achieved.append("the host victim process died")
    blocked = lines_starting(run["stdout"], "BLOCKED")
    # What stopped it for sure (the log's verdicts, the end of the run), before
    # the payload's own reading, which a kill may cut short.
    enforced = list(dict.fromkeys(layers))
    for b in blocked:
        layer = b.split(":", 1)[0]
        if layer not in ("monitor", "other") or not verdicts:
            layers.append(layer)
            blocked_by.append(layer)
    latency = [e["cellwatch"]["kill_latency_us"] for e in kills
               if "kill_latency_us" in e["cellwatch"]]
    killed = bool(kills) or reason in ("killed_by_rule", "timeout", "oom") or \
        res.get("signal") is not None
    j = {"layers": list(dict.fromkeys(layers)), "rules": list(dict.fromkeys(rules)),
         "enforced": enforced, "acted": bool(enforced),
         "blocked_by": list(dict.fromkeys(blocked_by)), "latency": latency,
         "kill_layer": kills[0]["cellwatch"].get("layer") if kills else None,
         "detail": (achieved or blocked or [""])[0], "reason": reason}
    if c["expect"] == "benign":
        missing = [f for f in c.get("proves", "").split()
                   if not os.path.isfile(os.path.join(run["out_dir"], f)) or
                   not os.path.getsize(os.path.join(run["out_dir"], f))]
        oks = lines_starting(run["stdout"], "OK")
        if killed:
            j["outcome"] = "FALSE KILL"
        elif alerts:
            j["outcome"] = "false alert"
        elif run["status"] != 0 or not oks or missing:
            j["outcome"] = "broken"
            j["detail"] = "status %s%s%s" % (run["status"], ", no OK line" if not oks else "",
                                            ", missing " + " ".join(missing) if missing else "")
        else:
            j["outcome"] = "ok"
            j["detail"] = oks[0]
        j["pass"] = j["outcome"] == "ok"
        return j
    if c["expect"] == "alerted":
        return judge_alerted(c, run, j, alerts, killed)
    if achieved:
        j["outcome"] = "MISSED (killed late)" if killed else "MISSED"
    elif killed or blocked:
        j["outcome"] = "caught"
    else:
        j["outcome"] = "inconclusive"
        j["detail"] = "no verdict line, status %s" % run["status"]
    if j["outcome"] == "caught" and alerts and not verdicts:
        j["layers"].append("alerted")
        j["enforced"].append("alerted")
    # A miss README's "Open problems" lists is known, not a regression: shown, not failed.
    known = c.get("open") and j["outcome"].startswith("MISSED")
    if known:
        j["outcome"] += " [open problem]"
    j["pass"] = j["outcome"] == "caught" or bool(known)
    return j


def judge_alerted(c, run, j, alerts, killed):
    """An alert-only behaviour (discovery): the run goes on, and the named alert is there."""
    want = c["alert"]
    named = [e for e in alerts if e.get("rule", {}).get("name") == want or
             e.get("cellwatch", {}).get("correlation", {}).get("group") == want]
    if killed:
        j["outcome"] = "killed (expected an alert only)"
    elif not named:
        j["outcome"] = "MISSED (no %s alert)" % want
    elif len(named) > 1 and named[0].get("cellwatch", {}).get("correlation"):
        j["outcome"] = "alerted %d times (once per window)" % len(named)
    else:
        j["outcome"] = "alerted"
        signals = named[0].get("cellwatch", {}).get("correlation", {}).get("signals")
        if signals:
            j["detail"] = "%s: %s" % (want, ", ".join(signals))
        j["layers"].append("alerted")
        j["enforced"].append("alerted")
    j["pass"] = j["outcome"] == "alerted"
    return j


def ttk(j, run):
    if j["latency"]:
        return "%d us" % j["latency"][0]
    if j["reason"] == "timeout":
        return "%.1f s (timeout)" % (run["result"].get("wall_ms", 0) / 1000)
    if j["reason"] == "oom":
        return "oom"
    return "-"


# ---------------------------------------------------------------- report

def print_table(rows):
    head = ("case", "category", "expected", "outcome", "layer(s)", "rule(s)", "time to kill")
    cells = [head] + [(c["name"], c["category"], c["expect"], j["outcome"],
                       ", ".join(j["layers"]) or "-", ", ".join(j["rules"]) or "-",
                       ttk(j, run)) for c, run, j in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(head))]
    for i, r in enumerate(cells):
        print("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))


def print_details(rows):
    print("\nWhat each case reported (first verdict line):")
    for c, run, j in rows:
        print("  %-30s %s" % (c["name"], j["detail"][:110]))
    bad = [(c, run, j) for c, run, j in rows if not j["pass"] or VERBOSE]
    for c, run, j in bad:
        print("\n--- %s: %s (goal: %s)" % (c["name"], j["outcome"], c["goal"]))
        print("    result: reason=%s status=%s signal=%s rule=%s" % (
            j["reason"], run["status"], run["result"].get("signal"),
            run["result"].get("rule")))
        for e in run["events"]:
            if e["event"]["kind"] == "alert":
                print("    alert| " + alert_summary(e))
        for stream in ("stdout", "stderr"):
            text = run[stream].strip().splitlines()[-12:]
            for line in text:
                print("    %s| %s" % (stream[3:], line[:150]))


def alert_summary(e):
    cw, proc = e.get("cellwatch", {}), e.get("process", {})
    what = e.get("file", {}).get("path") or e.get("destination") or cw.get("signal") or \
        cw.get("syscall", {}).get("name") or proc.get("executable") or ""
    return "%s %s/%s by %s[%s] (parent %s): %s" % (
        e.get("rule", {}).get("name", "-"), cw.get("action"), cw.get("layer"),
        proc.get("name"), proc.get("pid"), proc.get("parent", {}).get("executable", "?"),
        json.dumps(what)[:200])


def has_alert(run):
    return any(e["event"]["kind"] == "alert" for e in run["events"])


def print_totals(rows):
    attempts = [(c, run) for c, run, _ in rows if c["expect"] in ("caught", "alerted")]
    silent = [c["name"] for c, run in attempts if not has_alert(run)]
    hostile = [j for c, _, j in rows if c["expect"] == "caught"]
    alerted = [j for c, _, j in rows if c["expect"] == "alerted"]
    benign = [j for c, _, j in rows if c["expect"] == "benign"]
    caught = sum(j["outcome"] == "caught" for j in hostile)
    missed = sum(j["outcome"].startswith("MISSED") for j in hostile)
    print("\nhostile: %d caught / %d missed%s" % (
        caught, missed, " / %d inconclusive" % (len(hostile) - caught - missed)
        if len(hostile) - caught - missed else ""))
    if alerted:
        print("alert-only: %d alerted / %d not" % (
            sum(j["outcome"] == "alerted" for j in alerted),
            sum(j["outcome"] != "alerted" for j in alerted)))
    # Every attempt should be seen, also one a static layer stopped (goal: all of them).
    print("hostile with an alert: %d/%d%s" % (
        len(attempts) - len(silent), len(attempts),
        " (none: %s)" % ", ".join(silent) if silent else ""))
    print("benign:  %d ok / %d false kills / %d false alerts%s" % (
        sum(j["outcome"] == "ok" for j in benign),
        sum(j["outcome"] == "FALSE KILL" for j in benign),
        sum(j["outcome"] == "false alert" for j in benign),
        " / %d broken" % sum(j["outcome"] == "broken" for j in benign)
        if any(j["outcome"] == "broken" for j in benign) else ""))
    per_layer = {}
    for j in hostile:
        if j["latency"]:
            per_layer.setdefault(j["kill_layer"], []).append(j["latency"][0])
    for layer, lat in sorted(per_layer.items()):
        print("time to kill, %s: median %d us over %d kills (max %d us)" % (
            layer, statistics.median(lat), len(lat), max(lat)))


def run_criteria(build):
    """The criteria's exit status and verdicts ({"1 command execution": "PARTIAL", ...})."""
    script = os.path.join(HERE, "criteria", "run.sh")
    if not os.access(script, os.X_OK):
        print("\n(tests/hostile/criteria/run.sh absent: criteria not run)")
        return None, {}
    print("\n== criteria (%s)" % script)
    sys.stdout.flush()
    p = subprocess.run([script, build], stdout=subprocess.PIPE, text=True, errors="replace")
    sys.stdout.write(p.stdout)
    verdicts = {}
    for line in p.stdout.splitlines():
        cols = [col.strip() for col in line.split("|")]
        if len(cols) >= 3 and re.match(r"\d ", cols[0]):
            verdicts[cols[0]] = cols[1]
    return p.returncode, verdicts


def monitor_backend(rows):
    """What watched the cells, as their results say: "lsm+tracepoint" or "tracepoint"."""
    for _, run, _ in rows:
        backend = run["result"].get("layers", {}).get("monitor")
        if backend:
            return backend
    return "?"


def decisive(alerts):
    """
    The alerts up to the first that ended the run, in the kernel's order:
    what came after it raced the kill, and shows or not with the machine's
    speed.
    """
    first = []
    for e in sorted(alerts, key=lambda e: e.get("@timestamp", "")):
        first.append(e)
        if e.get("cellwatch", {}).get("action") in ("kill", "kill-run"):
            break
    return first


def comparable(c, run, j):
    """A case's verdict as compared across kernels: outcome, layers, rules."""
    need = int(c.get("cpus", 1))
    if os.cpu_count() < need:
        return {"outcome": "not compared: %d CPU here, the case needs %d" % (
            os.cpu_count(), need), "layers": [], "rules": []}
    first = decisive([e for e in run["events"] if e["event"]["kind"] == "alert"])
    layers = ["%s %s" % (e["cellwatch"].get("layer", "?"), e["cellwatch"]["action"])
              for e in first if e.get("cellwatch", {}).get("action") in VERDICT_ACTIONS]
    layers += [l for l in j["enforced"] if l in ("timeout", "cgroup oom", "seccomp kill",
                                                  "alerted")]
    if not j["acted"]:
        layers += j["blocked_by"]
    rules = [e.get("rule", {}).get("name", "cell-policy") for e in first]
    return {"outcome": j["outcome"], "layers": list(dict.fromkeys(layers)),
            "rules": list(dict.fromkeys(rules))}


def print_verdicts(rows, criteria):
    """
    One line for tests/hostile/compare.py, which sets the verdicts of each
    kernel beside the host's: per case its outcome, the layers that stopped
    it and the rules that fired, up to the run's end (comparable()); per
    criterion its verdict.  The payload's own "BLOCKED" reading counts only
    where nothing else acted: a kill lands before or after the payload
    prints it, depending on the machine's speed.
    """
    doc = {"kernel": os.uname().release, "machine": os.uname().machine,
           "cpus": os.cpu_count(), "monitor": monitor_backend(rows), "criteria": criteria,
           "cases": {c["name"]: comparable(c, run, j) for c, run, j in rows}}
    print("VERDICTS " + json.dumps(doc, sort_keys=True, separators=(",", ":")))


# ---------------------------------------------------------------- main

def inner(work, build, filters):
    os.umask(0o022)  # everything staged is readable by the cell's uid 65534
    cases = load_cases(filters)
    if not cases:
        die("no case matches %s" % filters)
    stage_input(work)
    os.mkdir(os.path.join(work, "out"))
    os.mkdir(os.path.join(work, "result"))
    bait = stage_bait_root(work)
    env = start_services(bait)
    daemon = Daemon(build, work)
    rows = []
    try:
        print("scorecard: %d cases, one cellwatch daemon (cellrun --daemon), rules %s" % (
            len(cases), os.path.relpath(RULES)))
        for c in cases:
            run = run_case(c, build, work, daemon, env, bait)
            j = judge(c, run)
            rows.append((c, run, j))
            sys.stderr.write("  %-30s %s\n" % (c["name"], j["outcome"]))
    finally:
        daemon.stop()
    print()
    print_table(rows)
    print_details(rows)
    print_totals(rows)
    crit, crit_verdicts = run_criteria(build) if not filters else (None, {})
    print_verdicts(rows, crit_verdicts)
    passed = sum(j["pass"] for _, _, j in rows)
    failed = len(rows) - passed
    if crit is not None:
        print("criteria: exit status %d" % crit)
        if crit:
            failed += 1
        else:
            passed += 1
    # One line per failure, last, where a CI log's tail shows it.
    for c, _, j in rows:
        if not j["pass"]:
            print("FAILED %s: %s: %s" % (c["name"], j["outcome"], j["detail"][:120]))
    if crit:
        print("FAILED criteria: a verdict differs from the expected one (see above)")
    # The test runner's closing line: run-all.sh adds it to the other stages'.
    print("%d passed, %d failed, 0 skipped" % (passed, failed))
    return 1 if failed else 0


def mounts_under(path):
    with open("/proc/self/mountinfo") as f:
        return [l.split()[4] for l in f if l.split()[4].startswith(path + "/")]


def outer(build, filters):
    if os.geteuid() != 0:
        die("needs root (BPF, cgroups, mounts)")
    for b in ("cellrun", "cellwatch"):
        if not os.access(os.path.join(build, b), os.X_OK):
            die("%s/%s missing: build first" % (build, b))
    work = tempfile.mkdtemp(prefix="cellwatch-scorecard.")
    os.chmod(work, 0o755)
    # A canary in the environment cellrun starts with: a payload must not see it.
    env = dict(os.environ, SC_HOST_CANARY="CELLWATCH-CANARY-%08x" % random.getrandbits(32))
    try:
        p = subprocess.run(["unshare", "--mount", "--propagation", "private", "--", PYTHON,
                            os.path.abspath(__file__), "--inner", work, build] + filters,
                           env=env)
        return p.returncode
    finally:
        left = mounts_under(work)
        if left:
            sys.stderr.write("scorecard: %s still has mounts %s; not removed\n" % (work, left))
        else:
            shutil.rmtree(work, ignore_errors=True)


def main(argv):
    if len(argv) >= 4 and argv[1] == "--inner":
        return inner(argv[2], os.path.abspath(argv[3]), argv[4:])
    if len(argv) < 2:
        die("usage: %s BUILD_DIR [CASE_SUBSTRING...]" % argv[0])
    return outer(os.path.abspath(argv[1]), argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))

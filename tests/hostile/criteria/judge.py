#!/usr/bin/env python3
"""Judge one criterion from what its probes found.

usage: judge.py CRITERION WORKDIR

Reads WORKDIR/<run>.out (the probe's JSON lines), <run>.log (the monitor's
events), <run>.result (cellrun's result) and <run>.rc, and prints one line:
VERDICT<TAB>evidence. VERDICT is CONTAINED (the cell stopped it), PARTIAL
(some of it is possible or visible), EXPOSED (the attacker gets it) or ERROR
(the probe could not tell: a control failed or the run did not happen).
"""
import json
import os
import re
import sys

MARK = 'probe-ran'
PRODUCT = re.compile(r'cellwatch|cellrun', re.I)


class Run:
    """Everything one cellrun invocation left in the work directory."""

    def __init__(self, work, name):
        self.name = name
        base = os.path.join(work, name)
        self.findings = [json.loads(l) for l in read_lines(base + '.out') if l.startswith('{')]
        self.events = [json.loads(l) for l in read_lines(base + '.log') if l.startswith('{')]
        self.result = read_json(base + '.result')
        rc = read_lines(base + '.rc')
        self.rc = int(rc[0]) if rc else None
        self.stderr = read_lines(base + '.err')

    def get(self, check, **match):
        return next(iter(self.all(check, **match)), None)

    def all(self, check, **match):
        return [f for f in self.findings if f['check'] == check and
                all(f.get(k) == v for k, v in match.items())]

    def alerts(self, rule):
        return [e for e in self.events if e.get('event', {}).get('kind') == 'alert' and
                e.get('rule', {}).get('name') == rule]

    def killed_by(self):
        if self.result.get('reason') == 'killed_by_rule':
            return self.result.get('rule')
        return None

    def problem(self):
        """Why this run says nothing, or None."""
        if self.get('done') or self.findings and self.killed_by():
            return None
        why = next((l for l in self.stderr if l.startswith('cellrun:')), 'no output')
        return '%s: exit %s, %s' % (self.name, self.rc, why)


def read_lines(path):
    try:
        with open(path, errors='replace') as f:
            return f.read().splitlines()
    except OSError:
        return []


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def layers(alerts):
    return '/'.join(sorted({a.get('cellwatch', {}).get('layer', '?') for a in alerts})) or '-'


def refused(finding):
    """A finding of an attempt that did not get what it tried."""
    if finding is None:
        return True
    return finding.get('how') in ('error', 'signaled') or \
        (isinstance(finding.get('result'), list) and finding['result'][:1] == ['error'])


def exec_criterion(work):
    r = Run(work, 'exec')
    if r.problem():
        return 'ERROR', r.problem()
    shells = r.all('shell')
    ran = [s['path'] for s in shells if MARK in s.get('stdout', '')]
    system = r.get('os_system')
    spawn = r.alerts('shell-spawn')
    # Masked (the default): the exec fails on an empty, non-executable file.
    masked = sum(not s.get('started') and s.get('error') == 'EACCES' for s in shells)
    ev = ['shells masked %d/%d (exec EACCES), killed %d/%d (shell-spawn, %s)' % (
        masked, len(shells), sum(s.get('returncode') == -9 for s in shells), len(shells),
        layers(spawn))]
    ev.append('os.system %s' % ('killed by signal %s' % system['signal'] if system['signal']
                                else 'exit status %d' % system['waitstatus']))
    exposed = ran + (['os.system'] if system['waitstatus'] == 0 else [])
    installed = r.get('installed_binary')
    if installed.get('returncode') == 0:
        ev.append('installed binaries run (%s)' % installed['path'])
    for name, what in (('interpreter', 'the interpreter'), ('loader_exec', 'ld.so /usr/bin/id')):
        f = r.get(name)
        if f:
            ev.append('%s: %s' % (what, 'ran' if f.get('returncode') == 0 else
                                  f.get('error') or 'rc %s' % f.get('returncode')))
    for d in r.all('dropped_binary'):
        if d.get('returncode') == 0:
            exposed.append('dropped binary in ' + d['dir'])
    ev.append('written binaries: %s' % ', '.join(
        '%s %s' % (d['dir'], d.get('error') or 'rc %s' % d.get('returncode'))
        for d in r.all('dropped_binary')))
    memfd = r.get('memfd_exec')
    if memfd.get('returncode') == 0:
        exposed.append('memfd program')
    ev.append('memfd exec %s' % (memfd.get('error') or 'rc %s' % memfd.get('returncode')))
    shell_via_loader = r.get('loader_shell')
    if shell_via_loader:
        # loader-exec kills the loader in the kernel; fileless-exec is the userspace net.
        kills = r.alerts('loader-exec') + r.alerts('fileless-exec')
        latency = sorted(a['cellwatch'].get('kill_latency_us', 0) for a in kills)
        how = 'loader kills: %s%s' % (
            layers(kills), ', median %d us after exec' % latency[len(latency) // 2]
            if latency else '')
        if shell_via_loader['shell_ran']:
            exposed.append('shell via ld.so')
            ev.append('ld.so /bin/dash: the shell printed at try %d (%s)'
                      % (shell_via_loader['tries'], how))
        else:
            ev.append('ld.so /bin/dash: the shell never printed in %d tries (%s)'
                      % (shell_via_loader['tries'], how))
    if exposed:
        return 'EXPOSED', 'ran: %s; %s' % (', '.join(exposed), '; '.join(ev))
    if installed.get('returncode') == 0:
        return 'PARTIAL', '; '.join(ev)
    return 'CONTAINED', '; '.join(ev)


def syscall_error(run, name):
    """The errno of the first failed NAME syscall in the run's events."""
    for e in run.events:
        if e.get('event', {}).get('action') == name and e['event'].get('outcome') == 'failure':
            return e.get('error', {}).get('code')
    return None


def priv_criterion(work):
    r = Run(work, 'privilege')
    if r.problem():
        return 'ERROR', r.problem()
    st = r.get('status')
    uid, host_uid = st['Uid'].split()[0], r.get('uid_map')['uid_map'][1]
    caps = [k for k in ('CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb') if int(st[k], 16)]
    exposed, missing = [], []
    if uid == '0' or host_uid == '0':
        exposed.append('uid %s (host %s)' % (uid, host_uid))
    if caps:
        exposed.append('capabilities in ' + ','.join(caps))
    ev = ['uid %s (host %s), no capability' % (uid, host_uid) if not caps
          else 'caps ' + ','.join(caps)]
    attempts = []
    for check in ('setuid0', 'unshare_userns', 'mount_tmpfs'):
        f = r.get(check)
        name = check.split('_')[0].rstrip('0')
        res = f.get('result') or []
        if f['how'] == 'exited' and res[:1] == ['ok']:
            exposed.append(name + ' succeeded')
        errno = syscall_error(r, name) or (res[1] if len(res) > 1 else '?')
        attempts.append('%s %s%s' % (name, errno, ', killed' if f['how'] == 'signaled' else ''))
    ev.append('; '.join(attempts) + ' (escape-syscall, %s)' % layers(r.alerts('escape-syscall')))
    suid = r.get('setuid_binary')
    if suid.get('path'):
        euid = suid['uid_line'].split()[1]
        if euid == '0':
            exposed.append('%s ran with euid 0' % suid['path'])
        ev.append('setuid %s runs as euid %s' % (suid['path'], euid))
    if st['NoNewPrivs'] != '1':
        missing.append('no_new_privs')
    if st['Seccomp'] != '2':
        missing.append('seccomp')
    landlock = r.result.get('layers', {}).get('landlock', {})
    lr = r.get('list_root')
    if not landlock.get('applied'):
        missing.append('landlock')
    ev.append('NoNewPrivs %s, Seccomp %s, Landlock %s (listing / %s despite mode %s)' % (
        st['NoNewPrivs'], st['Seccomp'],
        'abi %s applied' % landlock.get('abi') if landlock.get('applied') else 'not applied',
        lr['result'], lr['mode']))
    if exposed:
        return 'EXPOSED', '; '.join(exposed + ev)
    if missing:
        return 'PARTIAL', 'missing: %s; %s' % (', '.join(missing), '; '.join(ev))
    return 'CONTAINED', '; '.join(ev)


def net_criterion(work):
    r = Run(work, 'network')
    if r.problem():
        return 'ERROR', r.problem()
    loop = r.get('loopback')
    if not loop or loop['how'] != 'ok':
        return 'ERROR', 'the loopback control failed: %s' % (loop or {}).get('result')
    exposed = []
    ifaces = r.get('interfaces')['result']
    if ifaces != ['lo']:
        exposed.append('interfaces %s' % ifaces)
    for check in ('routes4', 'routes6'):
        if r.get(check)['result']:
            exposed.append('%s %s' % (check, r.get(check)['result']))
    tried = []
    for check in ('tcp4_testnet', 'udp4_testnet', 'tcp6_testnet', 'dns_resolver'):
        f = r.get(check)
        tried.append('%s %s' % (check.split('_')[0], f['result'] if f['how'] == 'error' else 'OK'))
        if f['how'] == 'ok':
            exposed.append(check)
    for check in ('raw_socket', 'packet_socket'):
        f = r.get(check)
        if not refused(f) and (f.get('result') or [''])[0] == 'ok':
            exposed.append(check)
        tried.append('%s %s' % (check.split('_')[0], 'killed' if f['how'] == 'signaled'
                                else (f.get('result') or ['', '?'])[1]))
    meta = r.get('metadata')
    if meta and meta['how'] == 'ok':
        exposed.append('metadata service')
    ev = ['interfaces %s' % ','.join(ifaces), '; '.join(tried),
          'egress denied %d (%s)' % (len(r.alerts('egress')), layers(r.alerts('egress'))),
          'metadata: %s, run %s' % (meta['result'] if meta else 'refused',
                                   'ended by ' + r.killed_by() if r.killed_by() else 'not ended')]
    if exposed:
        return 'EXPOSED', 'reached: %s; %s' % (', '.join(exposed), '; '.join(ev))
    if r.killed_by() != 'metadata-service':
        return 'PARTIAL', 'metadata attempt did not end the run; ' + '; '.join(ev)
    return 'CONTAINED', '; '.join(ev)


def iso_criterion(work):
    a, b = Run(work, 'iso-a'), Run(work, 'iso-b')
    for run in (a, b):
        if run.problem():
            return 'ERROR', run.problem()
    ready, reached = a.get('ready'), a.get('reached')
    own = ready['self']
    if ready['shm'][0] != 'ok' or own['shm'] != 'ok' or not own['files'] or not reached['host_said_done']:
        return 'ERROR', 'cell A could not set up its traces: %s' % ready
    exposed, ev = [], []
    procs = b.get('processes')
    if procs['of_a'] or procs['count'] > 4:
        exposed.append('B sees %d processes %s' % (procs['count'], procs['of_a']))
    if not procs['of_a']:
        ev.append('B sees %d processes, none of A' % procs['count'])
    if b.get('files')['found']:
        exposed.append('A\'s files in B: %s' % b.get('files')['found'])
    for check in ('abstract_socket', 'loopback_port', 'sysv_shm', 'signal_host_pid'):
        f = b.get(check)
        if f['how'] == 'ok':
            exposed.append(check)
        ev.append('%s %s' % (check, f['result'] if f['how'] == 'error' else 'OK'))
    if b.get('proc_host_pid')['result']:
        exposed.append('A\'s host pid in B\'s /proc')
    got = reached['accepted']
    if any(got.values()) or reached['signals']:
        exposed.append('A was reached: %s %s' % (got, reached['signals']))
    ev.append('A reached its own traces; from outside it got %d connections, %d signals' % (
        sum(got.values()), len(reached['signals'])))
    if exposed:
        return 'EXPOSED', '; '.join(exposed + ev)
    return 'CONTAINED', '; '.join(ev)


def host_users():
    return {l.split(':')[0] for l in read_lines('/etc/passwd') if ':' in l}


def leak_criterion(work):
    r = Run(work, 'leakage')
    if r.problem():
        return 'ERROR', r.problem()
    secret = os.environ.get('PROBE_SECRET', '')
    exposed, visible, ev = [], [], []
    env = r.get('environment')['env']
    if secret and secret in '\n'.join(read_lines(os.path.join(work, 'leakage.out'))):
        exposed.append('the host\'s secret environment value reached the cell')
    ev.append('env: %s' % ','.join(sorted(env)))
    users = set(r.get('etc_passwd').get('result') or []) & host_users() - {'root', 'nobody'}
    if users:
        exposed.append('host users %s' % sorted(users))
    present = [f['path'] for f in r.all('host_path') if f['exists']]
    if present:
        exposed.append('host paths ' + ','.join(present))
    ev.append('no host /etc/passwd users, /etc/shadow, /root, /home, /sys' if not users and
              not present else '')
    pids = r.get('processes')['pids']
    if len(pids) > 3:
        exposed.append('%d processes visible' % len(pids))
    for check, what in (('kallsyms_bytes', 'kallsyms'), ('proc_kmsg', '/proc/kmsg')):
        f = r.get(check)
        if f['how'] == 'ok' and f['result']:
            exposed.append(what)
    dmesg, environ = r.get('dmesg'), r.get('pid1_environ')
    if dmesg['how'] == 'exited' and dmesg['result'][0] == 'ok':
        exposed.append('dmesg')
    if environ and environ['how'] == 'ok':
        exposed.append('/proc/1/environ')
    ev.append('dmesg %s, /proc/kmsg %s, kallsyms masked; /proc/1/environ %s' % (
        dmesg['result'][1] if dmesg['how'] == 'exited' else 'killed',
        r.get('proc_kmsg')['result'],
        (environ or {}).get('result', 'refused') if not (environ or {}).get('how') == 'ok' else 'READ',
        ) + (', run ended by ' + r.killed_by() if r.killed_by() else ''))
    uname = r.get('uname')
    visible.append('kernel %s' % uname['release'])
    for check, label in (('cpu_model', 'cpu'), ('mem_total', 'MemTotal')):
        f = r.get(check)
        if f['how'] == 'ok' and f['result']:
            visible.append('%s %s' % (label, f['result']))
    cmdline = r.get('kernel_cmdline')
    if cmdline['how'] == 'ok' and cmdline['result']:
        visible.append('/proc/cmdline (%d bytes)' % len(cmdline['result']))
    parts = r.get('partitions')
    if parts['how'] == 'ok' and parts['result']:
        visible.append('disks %s' % ','.join(parts['result']))
    binds = [m for m in r.get('mount_host_paths')['result']
             if m.split(' <- ')[0] in ('/input', '/output')]
    if binds:
        visible.append('host paths of binds (%s)' % ', '.join(binds))
    pid1 = r.get('pid1_cmdline')
    # Init is a fork of cellrun: its command line must not carry the run's host options.
    if pid1['how'] == 'ok' and re.search(r'/|--', pid1['result'] or ''):
        visible.append('pid 1 cmdline = the host\'s cellrun command (%s)' % pid1['result'][:80])
    cg = [c for c in r.get('cgroup')['result'] if not c.endswith(':/')]
    if cg:
        visible.append('host cgroup paths (%s)' % cg[0])
    ev = [e for e in ev if e]
    if exposed:
        return 'EXPOSED', '; '.join(exposed + ev + ['visible: ' + ', '.join(visible)])
    if visible:
        return 'PARTIAL', 'visible: %s; hidden: %s' % (', '.join(visible), '; '.join(ev))
    return 'CONTAINED', '; '.join(ev)


def persist_criterion(work):
    w, rd = Run(work, 'persist-1'), Run(work, 'persist-2')
    for run in (w, rd):
        if run.problem():
            return 'ERROR', run.problem()
    dirs = w.get('dirs')
    allowed = {'/tmp', '/dev/shm', '/output', dirs['cwd'], dirs['home']}
    writable = [f['place'] for f in w.all('write') if f['how'] == 'ok']
    found = [f['place'] for f in rd.all('find') if f['found']]
    ro = {f['path']: f['read_only'] for f in w.all('statvfs')}
    nonce = os.environ.get('PROBE_NONCE', '')
    delivered = os.path.exists(os.path.join(work, 'persist-1.output', 'persist-' + nonce))
    ev = ['writable: %s' % ', '.join(writable),
          'read-only: %s' % ', '.join(p for p, v in ro.items() if v),
          'upload (/input) read %s, modify %s' % (w.get('upload_read')['how'],
                                                  w.get('upload_modify')['result']),
          'a fresh cell found %s' % (', '.join(found) or 'nothing'),
          '/output reached the host: %s' % ('yes' if delivered else 'no')]
    if found:
        return 'EXPOSED', '; '.join(ev)
    if set(writable) - allowed or not all(ro.values()) or w.get('upload_modify')['how'] == 'ok':
        return 'PARTIAL', '; '.join(ev)
    if not delivered:
        return 'ERROR', 'the output control failed; ' + '; '.join(ev)
    return 'CONTAINED', '; '.join(ev)


def ident_criterion(work):
    r = Run(work, 'identification')
    if r.problem():
        return 'ERROR', r.problem()
    named, generic = [], []
    sources = {
        'hostname': r.get('hostname')['name'],
        '/proc/1/comm': r.get('pid1_comm')['result'],
        '/proc/1/cmdline': r.get('pid1_cmdline')['result'],
        '/proc/self/cgroup': ' '.join(r.get('cgroup')['result']),
        'mountinfo': ' '.join(r.get('mountinfo')['result']),
        'environment': ' '.join(r.get('env_names')['names']),
    }
    for where, text in sources.items():
        m = PRODUCT.search(text or '')
        if m:
            named.append('%s says "%s"' % (where, m.group(0)))
    if sources['hostname'] == 'cell':
        generic.append('hostname "cell"')
    st = r.get('status')
    if st['seccomp'] == '2':
        generic.append('seccomp filter')
    if st['no_new_privs'] == '1':
        generic.append('no_new_privs')
    if st['uid'] == ['65534']:
        generic.append('uid 65534')
    masked = r.get('masked_proc')['result']
    if masked:
        generic.append('%d /proc entries masked with /dev/null' % len(masked))
    if r.get('landlock_sign')['how'] == 'error':
        generic.append('Landlock refusal of / (mode %s)' % r.get('landlock_sign')['root_mode'])
    if r.get('root_fs')['entries'] == ['tmpfs']:
        generic.append('tmpfs root')
    if named:
        return 'EXPOSED', 'names the product: %s; sandbox signs: %s' % (
            '; '.join(named), ', '.join(generic))
    if generic:
        return 'PARTIAL', 'sandbox signs: ' + ', '.join(generic)
    return 'CONTAINED', 'nothing tells'


CRITERIA = {
    'exec': exec_criterion,
    'privilege': priv_criterion,
    'network': net_criterion,
    'isolation': iso_criterion,
    'leakage': leak_criterion,
    'persistence': persist_criterion,
    'identification': ident_criterion,
}


def main():
    name, work = sys.argv[1], sys.argv[2]
    try:
        verdict, evidence = CRITERIA[name](work)
    except Exception as e:
        # A probe that said something unexpected is a failure to judge, not a pass.
        verdict, evidence = 'ERROR', 'unexpected findings (%s: %s)' % (type(e).__name__, e)
    print('%s\t%s' % (verdict, evidence))


main()

"""Criterion 5, sensitive information leakage: what the code learns about the
host — its environment, its files, its kernel and hardware, its paths."""
import ctypes
import os
import re

from common import attempt, bound, emit, in_child, libc_call, read_text, report

SYSLOG_ACTION_READ_ALL = 3


def first_match(path, pattern):
    how, text = attempt(lambda: read_text(path))
    if how == 'error':
        return {'how': how, 'result': text}
    m = re.search(pattern, text, re.M)
    return {'how': how, 'result': m.group(1).strip() if m else None}


def host_paths_in_mounts():
    """Mount roots other than '/': where on the host each bind comes from."""
    roots = []
    for line in read_text('/proc/self/mountinfo').splitlines():
        f = line.split()
        if f[3] != '/':
            roots.append('%s <- %s' % (f[4], f[3]))
    return roots


def read_kernel_log():
    buf = ctypes.create_string_buffer(4096)
    return libc_call('klogctl', SYSLOG_ACTION_READ_ALL, buf, len(buf))


def main():
    bound(30)
    emit('environment', env=dict(os.environ))
    report('etc_passwd', lambda: [l.split(':')[0] for l in read_text('/etc/passwd').splitlines()])
    report('etc_hostname', lambda: read_text('/etc/hostname').strip())
    # stat, not open: opening them is an alert of its own (checked last).
    for path in ('/etc/shadow', '/root', '/home', '/var', '/run', '/sys', '/boot', '/srv'):
        emit('host_path', path=path, exists=os.path.lexists(path))
    procs = [p for p in os.listdir('/proc') if p.isdigit()]
    emit('processes', pids=procs)
    report('pid1_cmdline', lambda: read_text('/proc/1/cmdline').replace('\0', ' ').strip())
    emit('uname', **dict(zip(('sysname', 'nodename', 'release', 'version', 'machine'),
                             os.uname())))
    report('proc_version', lambda: read_text('/proc/version').strip())
    report('kernel_cmdline', lambda: read_text('/proc/cmdline').strip())
    emit('cpu_model', **first_match('/proc/cpuinfo', r'^model name\s*:(.*)$'))
    emit('cpu_count', count=os.cpu_count())
    emit('mem_total', **first_match('/proc/meminfo', r'^MemTotal:(.*)$'))
    report('partitions', lambda: [l.split()[-1] for l in read_text('/proc/partitions').splitlines()[2:]])
    report('kallsyms_bytes', lambda: len(read_text('/proc/kallsyms', 4096)))
    report('proc_kmsg', lambda: len(read_text('/proc/kmsg', 64)))
    emit('dmesg', **in_child(read_kernel_log))
    report('mount_host_paths', host_paths_in_mounts)
    report('cgroup', lambda: read_text('/proc/self/cgroup').split())
    # Last: the environment of pid 1, a fork of cellrun on the host side, is
    # where a host secret would be; reading it is meant to end the run.
    emit('pid1_environ_attempt')
    report('pid1_environ', lambda: read_text('/proc/1/environ', 4096).split('\0'))
    emit('done')


main()

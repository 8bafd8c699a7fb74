"""Criterion 7, identification of the sandbox technology: what tells the code
where it runs. Only reads; the judge decides what names the product."""
import os

from common import attempt, bound, emit, read_text, report, status_fields


def masked_proc_entries():
    """/proc files replaced by a bind of /dev/null: a sandbox's fingerprint."""
    return [line.split()[4] for line in read_text('/proc/self/mountinfo').splitlines()
            if line.split()[3] == '/null' and line.split()[4].startswith('/proc/')]


def main():
    bound(20)
    emit('hostname', name=os.uname().nodename)
    report('pid1_comm', lambda: read_text('/proc/1/comm').strip())
    report('pid1_cmdline', lambda: read_text('/proc/1/cmdline').replace('\0', ' ').strip())
    report('cgroup', lambda: read_text('/proc/self/cgroup').split())
    report('mountinfo', lambda: read_text('/proc/self/mountinfo').splitlines())
    report('masked_proc', masked_proc_entries)
    emit('env_names', names=sorted(os.environ))
    st = status_fields()
    emit('status', uid=st.get('Uid', '').split()[:1], seccomp=st.get('Seccomp'),
         no_new_privs=st.get('NoNewPrivs'), cap_eff=st.get('CapEff'))
    how, val = attempt(lambda: os.listdir('/'))
    emit('landlock_sign', root_mode=oct(os.stat('/').st_mode & 0o777), how=how,
         result=val if how == 'error' else len(val))
    emit('root_fs', entries=[line.split()[8] for line in read_text('/proc/self/mountinfo').splitlines()
                             if line.split()[4] == '/'])
    emit('done')


main()

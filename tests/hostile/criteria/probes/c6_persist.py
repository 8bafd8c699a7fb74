"""Criterion 6, file upload and persistence across runs.

'write NONCE': where can the code write, is the root read-only, can it change
what was uploaded to /input. 'read NONCE', in a later and fresh cell: which of
those files are still there.
"""
import os
import sys

from common import attempt, bound, emit

PLACES = ('/tmp', '/var/tmp', '/dev/shm', '/output', '/input', '/', '/usr', '/usr/local/bin',
          '/etc', '/proc', '/dev')


def marker(place, nonce):
    return os.path.join(place, 'persist-' + nonce)


def write_marker(path):
    with open(path, 'x') as f:
        f.write('left by an earlier run\n')
    return 'written'


def places():
    """The fixed places, then the working and home directories when elsewhere."""
    return list(dict.fromkeys(PLACES + (os.getcwd(), os.path.expanduser('~'))))


def writes(nonce):
    emit('dirs', cwd=os.getcwd(), home=os.path.expanduser('~'))
    for place in places():
        how, val = attempt(lambda: write_marker(marker(place, nonce)))
        emit('write', place=place, how=how, result=val)
    for mnt in ('/', '/usr', '/input'):
        emit('statvfs', path=mnt, read_only=bool(os.statvfs(mnt).f_flag & os.ST_RDONLY))
    how, val = attempt(lambda: open('/input/c6_persist.py').read(64) and 'readable')
    emit('upload_read', how=how, result=val)
    how, val = attempt(lambda: open('/input/c6_persist.py', 'a').write('#'))
    emit('upload_modify', how=how, result=val)


def reads(nonce):
    for place in places():
        emit('find', place=place, found=os.path.exists(marker(place, nonce)))


def main():
    bound(20)
    mode, nonce = sys.argv[1], sys.argv[2]
    writes(nonce) if mode == 'write' else reads(nonce)
    emit('done')


main()

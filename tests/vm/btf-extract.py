#!/usr/bin/python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Cut a kernel's BTF out of its boot image: IMAGE OUT.

Debian ships no vmlinux ELF nor a real System.map, but an uncompressed
arm64 Image holds the .BTF section as it is: a header (magic 0xeB9F,
version 1, 24 bytes) whose type and string lengths give the blob's size.
The one blob whose header is consistent and whose type section is large
is vmlinux's; bpftool then reads OUT as raw BTF.
"""
import gzip
import struct
import sys

MAGIC = b"\x9f\xeb\x01\x00"  # magic 0xeb9f, little-endian; version 1; flags 0


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: %s IMAGE OUT" % argv[0])
    data = open(argv[1], "rb").read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    found, at = [], data.find(MAGIC)
    while at >= 0:
        hdr_len, type_off, type_len, str_off, str_len = struct.unpack_from("<5I", data, at + 4)
        if hdr_len == 24 and type_off == 0 and str_off == type_len and type_len > 1 << 20:
            found.append((at, hdr_len + str_off + str_len))
        at = data.find(MAGIC, at + 1)
    if len(found) != 1:
        sys.exit("btf-extract: %s: %d BTF blobs look like vmlinux's, expected one" % (
            argv[1], len(found)))
    at, size = found[0]
    with open(argv[2], "wb") as f:
        f.write(data[at:at + size])


if __name__ == "__main__":
    main(sys.argv)

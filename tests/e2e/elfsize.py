#!/usr/bin/python3
"""elfsize.py FILE: prints the length of the ELF vmcore at the start of FILE
(a disk image it was copied onto): the end of its headers or of its last
segment's bytes, whichever is further. Exits 1 if FILE holds no ELF64."""
import struct
import sys

with open(sys.argv[1], "rb") as f:
    head = f.read(1 << 20)
if head[:4] != b"\x7fELF" or head[4] != 2:
    sys.exit(1)
phoff, = struct.unpack_from("<Q", head, 32)
phentsize, phnum = struct.unpack_from("<HH", head, 54)
end = phoff + phentsize * phnum
if end > len(head):
    sys.exit(1)
for i in range(phnum):
    _type, _flags, off, _va, _pa, filesz = struct.unpack_from("<IIQQQQ", head, phoff + i * phentsize)
    end = max(end, off + filesz)
print(end)

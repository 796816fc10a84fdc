#!/usr/bin/python3
"""Reads a kdump-compressed dump back with libkdumpfile, an independent reader,
and compares every page with the ELF vmcore it was made from.

usage: kdump_readback.py DUMP REF.elf [--incomplete] [--bad FIRST_PFN END_PFN]
                                     [--excluded FIRST_PFN END_PFN] [--cpus N]
                                     [--release R] [--nodename N]

Pages a PT_LOAD of REF backs (even partly, but a page the segment only begins
in, not one it ends in, as makedumpfile counts them) must read back equal to
REF, with unbacked bytes as zeros; pages past p_filesz, in holes or in an --excluded
range must be refused. --bad pages must be refused (unreadable when dumped).
--incomplete allows pages to be refused (the sink filled up), but a page that
reads back must still be right. Exit status 0 means every check passed.
"""
import struct
import sys

import kdumpfile
from kdumpfile.exceptions import KDumpBaseException

PAGE = 4096


def load_elf(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        sys.exit("%s: not a 64-bit little-endian ELF file" % path)
    phoff, = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    loads = []
    for i in range(phnum):
        (p_type, _flags, off, vaddr, paddr, filesz, memsz,
         _align) = struct.unpack_from("<IIQQQQQQ", data, phoff + i * phentsize)
        if p_type == 1 and memsz:
            loads.append((paddr, off, filesz, memsz))
    return data, loads


def expected_page(data, loads, pfn):
    """(dumpable, bytes) for one pfn, None if it is in no PT_LOAD."""
    start, end = pfn * PAGE, (pfn + 1) * PAGE
    # makedumpfile's 1st bitmap: a page a PT_LOAD covers in part is RAM at
    # the segment's start and not at its end.
    in_ram = any(p // PAGE <= pfn < (p + m) // PAGE for p, _, _, m in loads)
    if not in_ram:
        return None
    page = bytearray(PAGE)
    backed = False
    for paddr, off, filesz, _ in loads:
        a, b = max(start, paddr), min(end, paddr + filesz)
        if a < b:
            backed = True
            page[a - start:b - start] = data[off + a - paddr:off + b - paddr]
    return backed, bytes(page)


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    dump, ref = args[0], args[1]
    opts = args[2:]
    incomplete = "--incomplete" in opts
    bad = excluded = (0, 0)
    want = {}
    i = 0
    while i < len(opts):
        if opts[i] == "--bad":
            bad = (int(opts[i + 1], 0), int(opts[i + 2], 0))
            i += 3
        elif opts[i] == "--excluded":
            excluded = (int(opts[i + 1], 0), int(opts[i + 2], 0))
            i += 3
        elif opts[i] in ("--cpus", "--release", "--nodename"):
            want[opts[i]] = opts[i + 1]
            i += 2
        else:
            i += 1

    data, loads = load_elf(ref)
    k = kdumpfile.kdumpfile(dump)
    fails = []
    fmt = str(k.attr["file.format"])
    if fmt != "diskdump":
        fails.append("file.format is %r, expected diskdump" % fmt)
    if str(k.attr["arch.name"]) != "x86_64":
        fails.append("arch.name is %r" % str(k.attr["arch.name"]))
    if int(k.attr["arch.page_size"]) != PAGE:
        fails.append("arch.page_size is %s" % k.attr["arch.page_size"])
    if "--cpus" in want and int(k.attr["cpu.number"]) != int(want["--cpus"]):
        fails.append("cpu.number is %s, expected %s" % (k.attr["cpu.number"], want["--cpus"]))
    if "--release" in want:
        rel = str(k.attr["linux.uts.release"])
        if rel != want["--release"]:
            fails.append("linux.uts.release is %r" % rel)
    if "--nodename" in want:
        node = str(k.attr["linux.uts.nodename"])
        if node != want["--nodename"]:
            fails.append("linux.uts.nodename is %r" % node)

    max_pfn = max((p + m + PAGE - 1) // PAGE for p, _, _, m in loads)
    read_ok = refused = 0
    for pfn in range(max_pfn + 16):
        exp = expected_page(data, loads, pfn)
        try:
            got = k.read(kdumpfile.KDUMP_MACHPHYSADDR, pfn * PAGE, PAGE)
        except KDumpBaseException:
            got = None
        should_read = (exp is not None and exp[0]
                       and not bad[0] <= pfn < bad[1]
                       and not excluded[0] <= pfn < excluded[1])
        if got is None:
            refused += 1
            if should_read and not incomplete:
                fails.append("pfn %#x: refused, expected data" % pfn)
            continue
        read_ok += 1
        if not should_read:
            fails.append("pfn %#x: read back, but should be %s" % (
                pfn, "a hole" if exp is None else "excluded or unreadable"))
        elif bytes(got) != exp[1]:
            fails.append("pfn %#x: data differs" % pfn)
    for f in fails[:20]:
        print("readback: " + f, file=sys.stderr)
    print("readback: %d pages read back, %d refused, %d problems" %
          (read_ok, refused, len(fails)), file=sys.stderr)
    if read_ok == 0:
        print("readback: nothing could be read", file=sys.stderr)
        return 1
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())

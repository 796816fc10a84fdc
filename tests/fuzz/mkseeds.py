#!/usr/bin/python3
"""Writes the seed corpora, tests/fuzz/corpus/<target>/, from what the unit
tests and the host tools already make. Run from the top of the tree after
`make fuzzers`; the output is committed, so this is only for rebuilding it.

  tests/fuzz/mkseeds.py

Each seed is small (the largest are ext4 images of 128-256 KiB): libFuzzer
takes the largest seed as its input size limit.
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile

TOP = os.getcwd()
CORPUS = os.path.join(TOP, "tests/fuzz/corpus")
FINDINGS = os.path.join(TOP, "tests/fuzz/findings")
BUILD = os.environ.get("BUILD", "build")
# The unit tests' fake vmcore (tests/unit/fakecore.h, fc_standard): the same
# machine the first fuzzing pass mutated; the finding files are copies of it.
VMCORE = os.path.join(FINDINGS, "asan-stack-overflow-sig-memcmp.elf")


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def run(*cmd, **kw):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kw)


def notes(path):
    """(name, type, desc) of every note in an ELF vmcore's PT_NOTEs."""
    d = open(path, "rb").read()
    phoff, = struct.unpack_from("<Q", d, 32)
    phnum, = struct.unpack_from("<H", d, 56)
    out = []
    for i in range(phnum):
        t, _, off, _, _, fs, _, _ = struct.unpack_from("<IIQQQQQQ", d, phoff + 56 * i)
        if t != 4:
            continue
        pos = off
        while pos + 12 <= off + fs:
            nsz, dsz, typ = struct.unpack_from("<III", d, pos)
            if nsz == 0:
                break
            name = d[pos + 12:pos + 12 + nsz]
            dpos = pos + 12 + ((nsz + 3) & ~3)
            out.append((name, typ, d[dpos:dpos + dsz]))
            pos = dpos + ((dsz + 3) & ~3)
    return out


def cmdline():
    lines = [
        "dumpling.target=raw dumpling.disk=virtio-blk@0000:00:04.0 dumpling.dump_level=31 "
        "dumpling.compress=zstd dumpling.format=kdump dumpling.failure_action=reboot "
        "dumpling.final_action=reboot elfcorehdr=0x3f000000",
        "dumpling.target=raw dumpling.disk=nvme@0000:00:05.0/1 dumpling.part=1048576+67108864 "
        "dumpling.partuuid=11223344-5566-7788-99aa-bbccddeeff01 elfcorehdr=2164K@0x7f000000 "
        "acpi_rsdp=0xf5a40",
        "dumpling.target=raw dumpling.disk=virtio-blk@0:04.0 dumpling.part=512+1024 "
        "dumpling.mbr=1a2b3c4d-2 dumpling.format=elf",
        "dumpling.target=ext4 dumpling.disk=virtio-blk@0000:00:04.0 dumpling.path=/var/crash "
        "dumpling.hostip=127.0.0.1 dumpling.dump_level=17",
        "dumpling.target=nfs dumpling.nic=virtio-net@0000:00:03.0 dumpling.mac=52:54:00:12:34:56 "
        "dumpling.ip=10.0.2.15/24 dumpling.gw=10.0.2.2 dumpling.nfs=10.0.2.2:/srv/dumps "
        "dumpling.path=/var/crash dumpling.timeout=120 dumpling.hostip=10.0.2.15 "
        "dumpling.nfs_ports=20048,2049",
        "\"dumpling.path=/a b\" dumpling.path=\"/c d\" dumpling-target=raw x=\"y z\" quiet",
        "BOOT_IMAGE=/vmlinuz root=/dev/sda1 dumpling.ip=dhcp dumpling.unknown=1",
    ]
    for i, line in enumerate(lines):
        put("cmdline", "line%d" % i, line)


def config():
    confs = [
        "raw /dev/vdb1\ncore_collector makedumpfile -z -d 31\nfailure_action halt\n",
        "# dumpling\n\nraw PARTUUID=11223344-5566-7788-99aa-bbccddeeff01   # dumps\n"
        "core_collector makedumpfile -zd31 --message-level 7\nfinal_action poweroff\n",
        "ext4 LABEL=dumps\npath /var/crash\ncore_collector makedumpfile -E -d 17\n",
        "nfs 10.0.2.2:/srv/dumps\npath /var/crash\ndumpling_timeout 120\n"
        "core_collector /usr/sbin/makedumpfile -d 31 -z\nfailure_action reboot\n",
        "ext4 UUID=0b5e9a7c-4f49-4a8e-9c1e-1d2f3a4b5c6d\npath /a=b/c\n",
    ]
    for i, c in enumerate(confs):
        put("config", "conf%d" % i, c)
    for f in sorted(os.listdir(FINDINGS)):
        if f.endswith(".conf"):
            put("config", f, open(os.path.join(FINDINGS, f), "rb").read())


def vmcoreinfo():
    for name, typ, desc in notes(VMCOREINFO_SRC):
        if name.rstrip(b"\0") == b"VMCOREINFO":
            put("vmcoreinfo", "fakecore", desc)
    put("vmcoreinfo", "crlf", b"OSRELEASE=6.1.0\r\nPAGESIZE=4096\r\nSYMBOL(prb)=ffffffff82a1b2c0\r\n"
        b"NUMBER(phys_base)=-0x10000\r\nCRASHTIME=1714567890\r\nBUILD-ID=0123abcd\r\n\0\0\0")


def elfcore():
    put("elfcore", "fakecore.elf", open(VMCORE, "rb").read())
    put("elfcore", "small.elf",
        open(os.path.join(FINDINGS, "ub-nullptr-plus-0-no-vmcoreinfo.bin"), "rb").read())


def extract():
    with tempfile.TemporaryDirectory() as t:
        for name, flags in (("d31.kdump", ["-d", "31"]), ("d31z.kdump", ["-d", "31", "-z"]),
                            ("d0.kdump", ["-d", "0"]), ("d31.elf", ["-d", "31", "-E"])):
            out = os.path.join(t, name)
            subprocess.run([os.path.join(BUILD, "dumpling-collect")] + flags + [VMCORE, out],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            put("extract", name, open(out, "rb").read())
    put("extract", "flat", open(os.path.join(FINDINGS, "flat-not-recognised.flat"), "rb").read())


def kvtop():
    # Physical memory from 0: top-level table at 0 (4-level), a PDPT, a PD with a
    # 2 MiB page and one pointing at a PT of 4 KiB pages; then 16 addresses.
    mem = bytearray(0x5000)
    P, PS = 1, 0x80
    va_k = 0xffffffff81000000     # pml4 511, pdpt 510, pd 8
    va_v = 0xffffc90000001000     # pml4 402, pdpt 0, pd 0, pt 1
    struct.pack_into("<Q", mem, 511 * 8, 0x1000 | P | 2)
    struct.pack_into("<Q", mem, 402 * 8, 0x3000 | P | 2)
    struct.pack_into("<Q", mem, 0x1000 + 510 * 8, 0x2000 | P)
    struct.pack_into("<Q", mem, 0x2000 + 8 * 8, 0x200000 | P | PS)
    struct.pack_into("<Q", mem, 0x3000, 0x3800 | P)      # pdpt 0 -> pd at 0x3800
    struct.pack_into("<Q", mem, 0x3800, 0x4000 | P)      # pd 0 -> pt at 0x4000
    for i in range(8):
        struct.pack_into("<Q", mem, 0x4000 + 8 * i, (0x1000 * i) | P)
    hdr = struct.pack("<Q", 0x0400)                     # 4-level, image size 4 MiB
    vas = [va_k, va_k + 0x1ff8, va_v, va_v + 0xff8, 0xffff888000001000, 0xffffffff80000000,
           0x00007fffffffe000, 0xff00000000000000]
    seed = bytearray(hdr + b"".join(struct.pack("<Q", v) for v in vas))
    seed += b"\0" * (0x5000 - len(seed))
    for i in range(len(seed), 0x5000):
        pass
    # the tables are where the input is memory: keep the header inside page 0,
    # below the table entries it does not use (0..255)
    mem[0:len(hdr) + 8 * len(vas)] = seed[0:len(hdr) + 8 * len(vas)]
    put("kvtop", "tables", bytes(mem))


def printk():
    # The layout of tests/unit/fakeprintk.h, compact: prb at 0 (the kernel
    # map, phys_base 0), the ring at 0x100, descs 0x400, infos 0x1000, text
    # data 0x2000 (count_bits 4, size_bits 9).
    PO = 0xffff888000000000
    cb, sb = 4, 9
    mem = bytearray(0x2000 + (1 << sb))
    struct.pack_into("<Q", mem, 0, PO + 0x100)
    rb = 0x100
    struct.pack_into("<I", mem, rb + 0, cb)
    struct.pack_into("<Q", mem, rb + 8, PO + 0x400)
    struct.pack_into("<Q", mem, rb + 16, PO + 0x1000)
    struct.pack_into("<I", mem, rb + 48, sb)
    struct.pack_into("<Q", mem, rb + 56, PO + 0x2000)
    for i in range(1 << cb):
        struct.pack_into("<Q", mem, 0x400 + 24 * i, (3 << 62) | i)
    texts = [b"Linux version 6.1.0-fuzz", b"Command line: console=ttyS0",
             b"sysrq: Trigger a crash", b"Kernel panic - not syncing: sysrq triggered crash",
             b"line\nwith a newline and \x01 a control byte"]
    lpos, first_id = 0, 0
    for k, t in enumerate(texts):
        idx = k
        blk = (8 + len(t) + 7) & ~7
        struct.pack_into("<Q", mem, 0x2000 + lpos, k)
        mem[0x2000 + lpos + 8:0x2000 + lpos + 8 + len(t)] = t
        struct.pack_into("<QQQ", mem, 0x400 + 24 * idx, (2 << 62) | k, lpos, lpos + blk)
        struct.pack_into("<QQH", mem, 0x1000 + 88 * idx, k, 1000000 * (k + 1), len(t))
        lpos += blk
    struct.pack_into("<Q", mem, rb + 24, len(texts) - 1)     # head_id
    struct.pack_into("<Q", mem, rb + 32, first_id)          # tail_id
    put("printk", "ring", bytes(mem))


def filter_():
    env = dict(os.environ, FUZZ_WRITE_SEEDS=os.path.join(CORPUS, "filter"))
    os.makedirs(env["FUZZ_WRITE_SEEDS"], exist_ok=True)
    run(os.path.join(BUILD, "fuzz/fuzz_filter"), "-runs=0", env=env, stderr=subprocess.DEVNULL)
    for dl in (0, 1, 17, 31):
        for s in (0, 1):
            put("filter", "level%d-%d" % (dl, s), bytes([s | dl << 1]))


def partition():
    with tempfile.TemporaryDirectory() as t:
        img = os.path.join(t, "d")
        for name, setup in (
                ("gpt", ["sgdisk", "-a", "1", "-n", "1:34:63", "-n", "2:64:90",
                         "-u", "1:11223344-5566-7788-99aa-bbccddeeff01"]),
                ("mbr", None)):
            with open(img, "wb") as f:
                f.truncate(64 << 10)
            if setup:
                run(*setup, img, stderr=subprocess.DEVNULL)
            else:
                run("sfdisk", "-q", img, input=b"label: dos\nlabel-id: 0x1a2b3c4d\n"
                    b"start=1, size=40, type=83\nstart=41, size=40, type=5\n")
            put("partition", name, open(img, "rb").read())


def ext4():
    with tempfile.TemporaryDirectory() as t:
        env = dict(os.environ, E2FSPROGS_FAKE_TIME="1700000000")
        src = os.path.join(t, "src")
        os.makedirs(os.path.join(src, "var/crash"))
        os.makedirs(os.path.join(src, "big"))
        for i in range(90):
            open(os.path.join(src, "big", "file-with-a-long-name-%03d" % i), "w").close()
        for name, size, opts, tree in (
                ("plain-nojournal", "128K", ["-O", "^has_journal", "-b", "1024", "-N", "32"], False),
                ("csum-extents", "192K", ["-O", "^has_journal,metadata_csum", "-b", "1024",
                                          "-N", "32"], False),
                ("htree", "256K", ["-O", "^has_journal", "-b", "1024", "-N", "128"], True)):
            img = os.path.join(t, name)
            cmd = ["mkfs.ext4", "-q", "-F", "-E", "root_owner=0:0,hash_seed=" +
                   "01234567-89ab-cdef-0123-456789abcdef", "-U",
                   "0b5e9a7c-4f49-4a8e-9c1e-1d2f3a4b5c6d"] + opts
            if tree:
                cmd += ["-d", src]
            run(*cmd, img, size, env=env)
            if tree:
                subprocess.run(["e2fsck", "-fyD", img], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
            put("ext4", name, open(img, "rb").read())


def xdr_reply(xid, results, accept=0, verf=b""):
    b = struct.pack(">III", xid, 1, 0)
    b += struct.pack(">II", 2 if verf else 0, len(verf)) + verf + b"\0" * (-len(verf) % 4)
    b += struct.pack(">I", accept) + results
    return b


def rpc():
    fattr = b"".join(struct.pack(">I", 0x11111111 * (i & 7)) for i in range(21))
    post = struct.pack(">I", 1) + fattr
    wcc = struct.pack(">I", 1) + b"\0" * 24 + post
    fh = struct.pack(">I", 8) + b"handle01"
    seeds = {
        "getport": (0, struct.pack(">I", 2049)),
        "mnt": (1, struct.pack(">I", 0) + fh + struct.pack(">III", 2, 0, 1)),
        "mnt-noent": (1, struct.pack(">I", 2)),
        "lookup": (2, struct.pack(">I", 0) + fh + post + post),
        "create": (3, struct.pack(">I", 0) + struct.pack(">I", 1) + fh + post + wcc),
        "write": (4, struct.pack(">I", 0) + wcc + struct.pack(">II", 65536, 0) + b"verifier"),
        "write-jukebox": (4, struct.pack(">I", 10008) + wcc),
        "commit": (5, struct.pack(">I", 0) + wcc + b"verifier"),
        "fsinfo": (6, struct.pack(">I", 0) + post + struct.pack(">IIIIIII", 1 << 20, 1 << 20, 4096,
                                                               1 << 20, 1 << 20, 4096, 4096)
                   + struct.pack(">QII", 1 << 40, 1, 0) + struct.pack(">I", 0x1b)),
    }
    for name, (op, res) in seeds.items():
        put("rpc", name, bytes([op]) + xdr_reply(0x1234, res, verf=b"shorthand" if op == 4 else b""))
    put("rpc", "denied", bytes([0]) + struct.pack(">IIIIII", 7, 1, 1, 0, 2, 3))
    put("rpc", "prog-unavail", bytes([0]) + xdr_reply(7, b"", accept=1))
    put("rpc", "prog-mismatch", bytes([0]) + xdr_reply(7, struct.pack(">II", 2, 3), accept=2))


def kcore():
    ph = [(1, 0xffffffff81000000, 0x1000000, 0x2000000), (1, 0xffff888000000000, 0, 0x40000000),
          (1, 0xffffc90000000000, 0xffffffffffffffff, 0x10000)]
    eh = bytearray(64)
    eh[0:4] = b"\x7fELF"
    eh[4], eh[5], eh[6] = 2, 1, 1
    struct.pack_into("<HHIQQQIHHHHHH", eh, 16, 4, 62, 1, 0, 64, 0, 0, 64, 56, len(ph), 0, 0, 0)
    b = bytes(eh)
    for t, va, pa, sz in ph:
        b += struct.pack("<IIQQQQQQ", t, 7, 0x1000, va, pa, sz, sz, 4096)
    return b


def sysfs():
    files = [
        "00000000-00000fff : Reserved\n00001000-0009fbff : System RAM\n"
        "00100000-3ffdffff : System RAM\n  01000000-01ffffff : Kernel code\n"
        "  3e000000-3effffff : Crash kernel\nfec00000-fec003ff : IOAPIC 0\n",
        "16777216\n", "0\n", "0-1\n", "4096\n",
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
        "eth0\t00000000\t0202000A\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
        "eth0\t0002000A\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n",
        "Main:\n  +-- 0.0.0.0/0 3 0 5\n     |-- 0.0.0.0\n        /0 universe UNICAST\n"
        "     +-- 10.0.2.0/24 2 0 2\n        |-- 10.0.2.15\n           /32 host LOCAL\n",
        "127.0.0.1 localhost\n10.0.2.2 dumpserver dumps # the server\n",
        "52:54:00:12:34:56\n",
        "MemTotal:        1003828 kB\nMemFree:          800000 kB\n",
        "3ff1c000 1000\n",
    ]
    sep = b"\n%%\n"
    base = sep.join(f.encode() for f in files)
    put("sysfs", "machine", base + sep + kcore() + sep + b"3fc12000\n" + sep + b"3fc13000\n")
    put("sysfs", "empty", b"")


VMCOREINFO_SRC = VMCORE

if __name__ == "__main__":
    for fn in (cmdline, config, vmcoreinfo, elfcore, extract, kvtop, printk, filter_,
               partition, ext4, rpc, sysfs):
        fn()
    print("seeds written to", CORPUS, file=sys.stderr)

#!/usr/bin/python3
"""Writes a GPT (protective MBR, both headers, both entry arrays) onto a disk
image with any logical sector size, for disks sgdisk cannot describe from a
plain file (a 4 KiB-sector NVMe namespace).

  mkgpt.py IMAGE SECTOR_SIZE START:SIZE:GUID...     (START, SIZE in bytes)

The image must already have its final size. Partition type is Linux data.
The suite checks this writer against `sgdisk -v` with 512-byte sectors.
"""
import struct
import sys
import uuid
import zlib

LINUX_DATA = uuid.UUID("0fc63daf-8483-4772-8e79-3d69d8477de4")
NENTRIES, ENTRY_SIZE = 128, 128


def header(my_lba, alt_lba, first, last, disk_guid, entries_lba, array_crc):
    h = struct.pack("<8sIIIIQQQQ16sQIII", b"EFI PART", 0x00010000, 92, 0, 0,
                    my_lba, alt_lba, first, last, disk_guid.bytes_le,
                    entries_lba, NENTRIES, ENTRY_SIZE, array_crc)
    crc = zlib.crc32(h) & 0xffffffff
    return h[:16] + struct.pack("<I", crc) + h[20:]


def main():
    path, ssz, parts = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    with open(path, "r+b") as f:
        f.seek(0, 2)
        nsect = f.tell() // ssz
        array_sectors = NENTRIES * ENTRY_SIZE // ssz or 1
        first, last = 2 + array_sectors, nsect - 2 - array_sectors
        array = bytearray(NENTRIES * ENTRY_SIZE)
        for i, p in enumerate(parts):
            start, size, guid = p.split(":", 2)
            start, size = int(start), int(size)
            assert start % ssz == 0 and size % ssz == 0, "not sector aligned"
            lo, hi = start // ssz, (start + size) // ssz - 1
            assert first <= lo <= hi <= last, "outside the usable LBAs"
            name = ("part%d" % (i + 1)).encode("utf-16-le")
            array[i * ENTRY_SIZE:(i + 1) * ENTRY_SIZE] = struct.pack(
                "<16s16sQQQ72s", LINUX_DATA.bytes_le, uuid.UUID(guid).bytes_le,
                lo, hi, 0, name)
        crc = zlib.crc32(bytes(array)) & 0xffffffff
        disk_guid = uuid.uuid4()

        mbr = bytearray(ssz)
        mbr[446:462] = struct.pack("<B3sB3sII", 0, b"\0\2\0", 0xEE, b"\xff\xff\xff",
                                   1, min(nsect - 1, 0xffffffff))
        mbr[510:512] = b"\x55\xaa"
        f.seek(0)
        f.write(mbr)
        f.seek(ssz)
        f.write(header(1, nsect - 1, first, last, disk_guid, 2, crc).ljust(ssz, b"\0"))
        f.seek(2 * ssz)
        f.write(array)
        f.seek((nsect - 1 - array_sectors) * ssz)
        f.write(array)
        f.seek((nsect - 1) * ssz)
        f.write(header(nsect - 1, 1, first, last, disk_guid, nsect - 1 - array_sectors,
                       crc).ljust(ssz, b"\0"))


if __name__ == "__main__":
    main()

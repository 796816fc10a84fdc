#!/usr/bin/env python3
"""Read back what the capture image drew, independently of the image's code.

screentext.py vga DUMP [COLS]      text of a pmemsave of 0xb8000 (80 columns)
screentext.py ppm SHOT FONT.psf.gz text of a QEMU screendump (PPM)

For a framebuffer the test renders every character itself from the PSF font
(its own parser, not tools/psf2c) in the image's colours, and reads each
8x16 cell back only if it is exactly that rendering; a cell that matches
nothing prints as U+FFFD. The progress bar's full block and light shade print
as '#' and '.'. One line per text row, the status row last.
"""
import gzip
import struct
import sys

FG, BG = (0xAA, 0xAA, 0xAA), (0, 0, 0)                 # capture/screen.h
STATUS_FG, STATUS_BG = (0xFF, 0xFF, 0xFF), (0, 0, 0xAA)


def psf_glyphs(path):
    """{character: rows of bits} for ASCII and the two bar glyphs."""
    data = gzip.open(path).read()
    if data[:2] == b"\x36\x04":
        mode, height = data[2], data[3]
        count, width, gbytes, hdr = (512 if mode & 1 else 256), 8, height, 4
        has_table, version = bool(mode & 2), 1
    elif data[:4] == b"\x72\xb5\x4a\x86":
        _, hdr, flags, count, gbytes, height, width = struct.unpack_from("<7I", data, 4)
        has_table, version = bool(flags & 1), 2
    else:
        raise SystemExit("screentext: %s is not a PSF font" % path)
    rowb = (width + 7) // 8
    glyph = [data[hdr + i * gbytes: hdr + (i + 1) * gbytes] for i in range(count)]
    index = {}
    if has_table:
        pos = hdr + count * gbytes
        for g in range(count):
            seq = False
            while True:
                if version == 1:
                    c, = struct.unpack_from("<H", data, pos)
                    pos += 2
                    if c == 0xFFFF:
                        break
                    if c == 0xFFFE:
                        seq = True
                        continue
                else:
                    b = data[pos]
                    if b == 0xFF:
                        pos += 1
                        break
                    if b == 0xFE:
                        pos += 1
                        seq = True
                        continue
                    n = 1 if b < 0x80 else 2 if b < 0xE0 else 3 if b < 0xF0 else 4
                    c = ord(data[pos:pos + n].decode("utf-8"))
                    pos += n
                if not seq:
                    index.setdefault(c, g)
    else:
        index = {c: c for c in range(count)}
    want = {chr(c): c for c in range(0x20, 0x7F)}
    want["#"] = 0x23
    out = {}
    for ch, cp in list(want.items()) + [("\x01", 0x2588), ("\x02", 0x2591)]:
        g = glyph[index[cp]]
        out[ch] = [[(g[y * rowb + x // 8] >> (7 - x % 8)) & 1 for x in range(width)]
                   for y in range(height)]
    return out, width, height


def read_ppm(path):
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    if fields[0] != b"P6" or fields[3] != b"255":
        raise SystemExit("screentext: %s is not an 8-bit P6 PPM" % path)
    w, h = int(fields[1]), int(fields[2])
    return w, h, data[pos + 1:]


def render(glyph, fg, bg):
    """The cell as bytes, row by row, RGB, as the screendump has it."""
    return b"".join(bytes(fg if bit else bg) for row in glyph for bit in row)


def ppm_text(shot, font):
    glyphs, gw, gh = psf_glyphs(font)
    w, h, pix = read_ppm(shot)
    cols, rows = w // gw, h // gh
    tables = {}
    for status in (False, True):
        fg, bg = (STATUS_FG, STATUS_BG) if status else (FG, BG)
        tables[status] = {render(g, fg, bg): ("#" if ch == "\x01" else "." if ch == "\x02" else ch)
                          for ch, g in glyphs.items() if ch != "#"}
        tables[status][render(glyphs["#"], fg, bg)] = "#"
    lines = []
    for r in range(rows):
        table = tables[r == rows - 1]
        line = []
        for c in range(cols):
            cell = b"".join(pix[((r * gh + y) * w + c * gw) * 3:((r * gh + y) * w + (c + 1) * gw) * 3]
                            for y in range(gh))
            line.append(table.get(cell, "\ufffd"))
        lines.append("".join(line).rstrip())
    return lines


def vga_text(dump, cols=80):
    data = open(dump, "rb").read()
    cp437 = {0xDB: "#", 0xB0: "."}
    lines = []
    for r in range(len(data) // (2 * cols)):
        row = data[r * cols * 2:(r + 1) * cols * 2:2]
        lines.append("".join(cp437.get(b, chr(b) if 32 <= b < 127 else "?") for b in row).rstrip())
    return lines


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "vga":
        lines = vga_text(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 80)
    elif len(sys.argv) == 4 and sys.argv[1] == "ppm":
        lines = ppm_text(sys.argv[2], sys.argv[3])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

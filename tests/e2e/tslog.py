#!/usr/bin/python3
"""Copies QEMU's serial output from stdin to a raw log and to a log whose lines
start with the seconds since START (a `date +%s.%N` taken just before QEMU ran),
so the harness can time the boot, the panic and the capture.

usage: tslog.py START RAW_LOG STAMPED_LOG [--echo]
"""
import os
import sys
import time


def main():
	start = float(sys.argv[1])
	echo = "--echo" in sys.argv[4:]
	raw = open(sys.argv[2], "wb")
	stamped = open(sys.argv[3], "w", encoding="utf-8", errors="replace")
	pending = b""
	while True:
		chunk = os.read(0, 65536)
		now = time.time() - start
		if not chunk:
			break
		raw.write(chunk)
		raw.flush()
		if echo:
			sys.stdout.buffer.write(chunk)
			sys.stdout.flush()
		pending += chunk
		*lines, pending = pending.split(b"\n")
		for line in lines:
			text = line.replace(b"\r", b"").decode("utf-8", "replace")
			stamped.write("%9.3f %s\n" % (now, text))
		stamped.flush()
	if pending:
		text = pending.replace(b"\r", b"").decode("utf-8", "replace")
		stamped.write("%9.3f %s\n" % (time.time() - start, text))


if __name__ == "__main__":
	main()

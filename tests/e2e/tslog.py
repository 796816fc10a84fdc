#!/usr/bin/python3
"""Copies QEMU's serial output from stdin to a raw log and to a log whose lines
start with the seconds since START (a `date +%s.%N` taken just before QEMU ran),
so the harness can time the boot, the panic and the capture.

usage: tslog.py START RAW_LOG STAMPED_LOG [--echo] [--expect SECONDS TEXT PIDFILE MARK]

--expect: if TEXT has not appeared at the start of a line SECONDS after START,
the guest is stuck before the point the harness waits for (under TCG a guest
kernel very rarely hangs while probing devices at boot): QEMU (its pid in
PIDFILE) is stopped at once instead of at the harness's timeout, and MARK is
created so the harness can tell a stall from a clean exit.
"""
import os
import select
import signal
import sys
import time


def stop_qemu(pidfile, mark, seconds, text):
	open(mark, "w").write("no '%s' within %s s\n" % (text, seconds))
	try:
		os.kill(int(open(pidfile).read().split()[0]), signal.SIGTERM)
	except (OSError, ValueError, IndexError):
		pass	# already gone, or never started: the pipe ends by itself


def main():
	start = float(sys.argv[1])
	args = sys.argv[4:]
	echo = "--echo" in args
	expect = None
	if "--expect" in args:
		i = args.index("--expect")
		seconds, text, pidfile, mark = args[i + 1:i + 5]
		expect = (float(seconds), b"\n" + text.encode(), pidfile, mark)
	raw = open(sys.argv[2], "wb")
	stamped = open(sys.argv[3], "w", encoding="utf-8", errors="replace")
	pending = b""
	seen = b"\n"	# the tail of the output, for TEXT split across reads
	while True:
		if expect:
			left = expect[0] - (time.time() - start)
			if left <= 0:
				stop_qemu(expect[2], expect[3], expect[0], expect[1][1:].decode())
				expect = None
				continue
			if not select.select([0], [], [], min(left, 1.0))[0]:
				continue
		chunk = os.read(0, 65536)
		now = time.time() - start
		if not chunk:
			break
		raw.write(chunk)
		raw.flush()
		if expect:
			seen = (seen + chunk.replace(b"\r", b""))[-(len(expect[1]) + 65536):]
			if expect[1] in seen:
				expect = None
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

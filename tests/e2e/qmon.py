#!/usr/bin/env python3
"""Drive QEMU's human monitor (a unix socket) at moments the serial log shows.

qmon.py SOCKET LOG [--at REGEX CMD...]... [--timeout S]

For each --at in turn: wait until REGEX (extended, case-sensitive) matches a
line of LOG, then send each CMD to the monitor and wait for its prompt.
"sleep:SECONDS" pauses instead. Exits 0 when every step ran, 1 on timeout
(the log never showed REGEX) or when the monitor went away.
"""
import re
import socket
import sys
import time


def read_prompt(s, deadline):
    buf = b""
    while not buf.endswith(b"(qemu) "):
        if time.time() > deadline:
            raise TimeoutError("no monitor prompt")
        s.settimeout(max(0.1, deadline - time.time()))
        chunk = s.recv(65536)
        if not chunk:
            return buf
        buf += chunk
    return buf


def main():
    args = sys.argv[1:]
    timeout = 300.0
    if "--timeout" in args:
        i = args.index("--timeout")
        timeout = float(args[i + 1])
        del args[i:i + 2]
    sock_path, log = args[0], args[1]
    steps, cur = [], None
    for a in args[2:]:
        if a == "--at":
            cur = [None, []]
            steps.append(cur)
        elif cur[0] is None:
            cur[0] = re.compile(a)
        else:
            cur[1].append(a)
    deadline = time.time() + timeout
    s = None
    while s is None:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sock_path)
        except OSError:
            s = None
            if time.time() > deadline:
                print("qmon: no monitor at %s" % sock_path, file=sys.stderr)
                return 1
            time.sleep(0.1)
    read_prompt(s, deadline)
    print("qmon: connected to %s" % sock_path, file=sys.stderr)
    for regex, cmds in steps:
        while True:
            try:
                with open(log, "rb") as f:
                    text = f.read().decode("utf-8", "replace")
            except OSError:
                text = ""
            if any(regex.search(l) for l in text.splitlines()):
                break
            if time.time() > deadline:
                print("qmon: %s never showed /%s/" % (log, regex.pattern), file=sys.stderr)
                return 1
            time.sleep(0.05)
        for c in cmds:
            if c.startswith("sleep:"):
                time.sleep(float(c[6:]))
                continue
            print("qmon: %s" % c, file=sys.stderr)
            s.sendall(c.encode() + b"\n")
            if c == "quit":
                # Stay until QEMU closes the socket: closing first can drop the line.
                try:
                    s.settimeout(30)
                    while s.recv(65536):
                        pass
                except OSError:
                    pass
                return 0
            reply = read_prompt(s, deadline + 60).decode("utf-8", "replace")
            # The monitor echoes the line with cursor escapes; keep what follows it.
            reply = reply.rsplit("\x1b[K", 1)[-1].replace("(qemu) ", "").strip()
            if reply:
                print("qmon: monitor: %s" % reply, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A fake journald (or syslog daemon) for tests: binds a unix datagram socket, parses each datagram and
appends it as one JSON line to OUT. `native` mode parses journald's native protocol strictly (KEY=VALUE
lines; KEY\\n + 64-bit little-endian length + value + \\n for binary-safe values; keys [A-Z0-9_], not starting
with _); any violation is written as {"error": ...}. `syslog` mode records the raw text."""
import json, os, socket, struct, sys

mode, path, out = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
print("ready", flush=True)

def parse(d):
    fields, i = {}, 0
    while i < len(d):
        nl = d.find(b"\n", i)
        if nl < 0:
            raise ValueError("field without a newline at %d" % i)
        line = d[i:nl]
        if b"=" in line:
            k, v = line.split(b"=", 1)
            i = nl + 1
        else:
            k = line
            if nl + 9 > len(d):
                raise ValueError("truncated length")
            (n,) = struct.unpack("<Q", d[nl + 1:nl + 9])
            v = d[nl + 9:nl + 9 + n]
            if len(v) != n or d[nl + 9 + n:nl + 10 + n] != b"\n":
                raise ValueError("bad binary field %r" % k)
            i = nl + 10 + n
        key = k.decode("ascii")
        if not key or key[0] == "_" or any(not (c.isupper() or c.isdigit() or c == "_") for c in key):
            raise ValueError("bad key %r" % key)
        fields[key] = v.decode("utf-8")
    return fields

while True:
    d = s.recv(1 << 20)
    if d == b"quit":
        break
    try:
        rec = parse(d) if mode == "native" else {"raw": d.decode("utf-8")}
    except Exception as e:
        rec = {"error": str(e)}
    with open(out, "a") as f:
        f.write(json.dumps(rec) + "\n")

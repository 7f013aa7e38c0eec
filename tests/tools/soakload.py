#!/usr/bin/env python3
"""Load for the soak test (scripts/soak.sh): many connections opening and
closing, with random sizes, each one checked end to end by its client.

  soakload.py server --port 9000 [--bind ADDR]
  soakload.py client --addr A --port P --secs S --conc C [--mptcp-share 0.5]
                     [--max-bytes 4M] [--bind-addrs A,B] [--seed N] [--timeout T]

A connection: the client sends a 16-byte header (up length, down length, seed;
network order), then `up` bytes of a pattern drawn from the seed; the server
reads them, sends `down` bytes of the pattern of seed + 1, then the SHA-256 of
what it received (32 bytes), and closes. The client checks that it got exactly
the down pattern and that the server's digest is the one of what it sent:
both directions verified by one side. The client prints one JSON object:
connections done, failed (with their errors), bytes each way, and a sample of
failures.
"""
import argparse
import hashlib
import json
import random
import socket
import struct
import sys
import threading
import time

IPPROTO_MPTCP = 262
HDR = struct.Struct("!IIQ")


def pattern(seed, n):
    """n bytes derived from seed (a repeated 64 KiB block: cheap, and order-sensitive)."""
    rnd = random.Random(seed)
    block = rnd.randbytes(65536)
    reps, rest = divmod(n, len(block))
    return block * reps + block[:rest], block


def pattern_sha(seed, n):
    rnd = random.Random(seed)
    block = rnd.randbytes(65536)
    h = hashlib.sha256()
    reps, rest = divmod(n, len(block))
    for _ in range(reps):
        h.update(block)
    h.update(block[:rest])
    return h.digest()


def recv_exact(s, n, prog=None):
    buf = bytearray()
    while len(buf) < n:
        b = s.recv(min(1 << 20, n - len(buf)))
        if not b:
            raise ConnectionError("EOF after %d of %d bytes" % (len(buf), n))
        buf += b
        if prog is not None:
            prog["got"] = len(buf)
    return bytes(buf)


def serve_one(conn, timeout):
    try:
        conn.settimeout(timeout)
        up, down, seed = HDR.unpack(recv_exact(conn, HDR.size))
        h = hashlib.sha256()
        left = up
        while left:
            b = conn.recv(min(1 << 20, left))
            if not b:
                raise ConnectionError("EOF")
            h.update(b)
            left -= len(b)
        data, _ = pattern(seed + 1, down)
        conn.sendall(data)
        conn.sendall(h.digest())
        conn.shutdown(socket.SHUT_WR)
        conn.recv(1)
    except OSError:
        pass
    finally:
        conn.close()


def cmd_server(a):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((a.bind, a.port))
    ls.listen(1024)
    if a.ready_file:
        open(a.ready_file, "w").write("ready\n")
    deadline = time.monotonic() + a.max_secs
    ls.settimeout(1.0)
    while time.monotonic() < deadline:
        try:
            conn, _ = ls.accept()
        except socket.timeout:
            continue
        threading.Thread(target=serve_one, args=(conn, a.timeout), daemon=True).start()
    return 0


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.active = {}
        self.done = self.failed = self.mptcp = 0
        self.up = self.down = 0
        self.errors = {}
        self.samples = []
        self.durations = []


def one_conn(a, st, rnd):
    mp = rnd.random() < a.mptcp_share
    up = int(2 ** rnd.uniform(10, a.max_log2))
    down = int(2 ** rnd.uniform(10, a.max_log2))
    seed = rnd.getrandbits(62)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_MPTCP if mp else 0)
    s.settimeout(a.timeout)
    err = None
    t0 = time.monotonic()
    prog = {"t0": t0, "mptcp": mp, "up": up, "down": down, "got": 0, "lport": 0}
    with st.lock:
        st.active[id(prog)] = prog
    try:
        s.connect((a.addr, a.port))
        prog["lport"] = s.getsockname()[1]
        data, _ = pattern(seed, up)
        t = threading.Thread(target=lambda: s.sendall(HDR.pack(up, down, seed) + data), daemon=True)
        t.start()
        got = recv_exact(s, down + 32, prog)
        t.join(a.timeout)
        if hashlib.sha256(got[:down]).digest() != pattern_sha(seed + 1, down):
            err = "down bytes differ"
        elif got[down:] != hashlib.sha256(data).digest():
            err = "up bytes differ (server's digest)"
    except (OSError, ConnectionError) as e:
        err = type(e).__name__ + ": " + str(e)[:80]
    finally:
        s.close()
    with st.lock:
        st.active.pop(id(prog), None)
        st.durations.append(time.monotonic() - t0)
        if err is None:
            st.done += 1
            st.mptcp += mp
            st.up += up
            st.down += down
        else:
            st.failed += 1
            key = err.split(":")[0]
            st.errors[key] = st.errors.get(key, 0) + 1
            if len(st.samples) < 10:
                st.samples.append({"mptcp": mp, "up": up, "down": down, "lport": prog["lport"],
                                   "got": prog["got"], "error": err})


def worker(a, st, idx, end):
    rnd = random.Random(a.seed * 1000 + idx)
    while time.monotonic() < end:
        one_conn(a, st, rnd)


def watch_slow(a, st, end):
    """Appends a line to --slow-log for each connection older than --slow-secs
    (once per connection): its local port, sizes and what it received so far,
    so that the test can capture hagd's view of it while it hangs."""
    told = set()
    while time.monotonic() < end:
        time.sleep(1.0)
        now = time.monotonic()
        with st.lock:
            slow = [p for k, p in st.active.items() if now - p["t0"] > a.slow_secs and k not in told]
            told.update(k for k, p in st.active.items() if now - p["t0"] > a.slow_secs)
        for p in slow:
            with open(a.slow_log, "a") as f:
                f.write(json.dumps({"lport": p["lport"], "mptcp": p["mptcp"], "up": p["up"], "down": p["down"],
                                    "got": p["got"], "age": round(now - p["t0"], 1)}, sort_keys=True) + "\n")


def cmd_client(a):
    st = Stats()
    end = time.monotonic() + a.secs
    ths = [threading.Thread(target=worker, args=(a, st, i, end), daemon=True) for i in range(a.conc)]
    if a.slow_log:
        threading.Thread(target=watch_slow, args=(a, st, end + a.timeout + 30), daemon=True).start()
    t0 = time.monotonic()
    for t in ths:
        t.start()
    for t in ths:
        t.join(a.secs + a.timeout + 30)
    secs = time.monotonic() - t0
    d = sorted(st.durations) or [0.0]
    print(json.dumps({"done": st.done, "failed": st.failed, "mptcp": st.mptcp, "bytes_up": st.up,
                      "bytes_down": st.down, "secs": round(secs, 1), "errors": st.errors,
                      "conn_secs_median": round(d[len(d) // 2], 3),
                      "conn_secs_p99": round(d[min(len(d) - 1, len(d) * 99 // 100)], 3),
                      "conn_secs_max": round(d[-1], 3), "samples": st.samples}, sort_keys=True))
    return 0 if st.failed == 0 else 1


def parse_size(t):
    t = t.strip().upper().rstrip("IB")
    for suf, m in (("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30)):
        if t.endswith(suf):
            return int(float(t[:-1]) * m)
    return int(t)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("server")
    q.add_argument("--port", type=int, required=True)
    q.add_argument("--bind", default="0.0.0.0")
    q.add_argument("--ready-file")
    q.add_argument("--max-secs", type=float, default=7200)
    q.add_argument("--timeout", type=float, default=300, help="per connection (sendall: in all)")
    q = sub.add_parser("client")
    q.add_argument("--addr", required=True)
    q.add_argument("--port", type=int, required=True)
    q.add_argument("--secs", type=float, required=True)
    q.add_argument("--conc", type=int, default=8)
    q.add_argument("--mptcp-share", type=float, default=0.5)
    q.add_argument("--max-bytes", type=parse_size, default=4 << 20)
    q.add_argument("--seed", type=int, default=1)
    q.add_argument("--timeout", type=float, default=300)
    q.add_argument("--slow-log", help="append a JSON line per connection older than --slow-secs")
    q.add_argument("--slow-secs", type=float, default=10)
    a = p.parse_args()
    if a.cmd == "client":
        import math
        a.max_log2 = math.log2(max(a.max_bytes, 2048))
        return cmd_client(a)
    return cmd_server(a)


if __name__ == "__main__":
    sys.exit(main())

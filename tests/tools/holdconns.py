#!/usr/bin/env python3
"""Open N connections (MPTCP sockets by default) to ADDR:PORT and hold them
open for SECS, then close them all; print one JSON line: how many connected,
how many failed and why. For the exhaustion test (tests/e2e/exhaustion.sh).

  holdconns.py ADDR PORT N SECS [--tcp] [--timeout T]
"""
import argparse
import json
import socket
import sys
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("n", type=int)
    p.add_argument("secs", type=float)
    p.add_argument("--tcp", action="store_true")
    p.add_argument("--timeout", type=float, default=3.0)
    a = p.parse_args()
    held, errors = [], {}
    for _ in range(a.n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0 if a.tcp else 262)
        s.settimeout(a.timeout)
        try:
            s.connect((a.addr, a.port))
            held.append(s)
        except OSError as e:
            k = type(e).__name__
            errors[k] = errors.get(k, 0) + 1
            s.close()
    print(json.dumps({"connected": len(held), "failed": a.n - len(held), "errors": errors}), flush=True)
    time.sleep(a.secs)
    for s in held:
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

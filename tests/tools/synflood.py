#!/usr/bin/env python3
"""A bounded SYN flood for the tests (tests/e2e/synflood.sh): raw Ethernet frames
on one interface, TCP SYNs from spoofed addresses of a prefix (nobody answers
the SYN/ACKs), to one destination and port, at a target rate, for a bounded
time and count. Half of them carry MP_CAPABLE with --mptcp. Prints one JSON
line: frames sent, seconds, rate achieved.

  synflood.py --iface dsl --dst-mac 02:00:00:01:00:01 --dst 10.10.0.1 --dport 8080
              --src-prefix 10.10.9.0/24 --rate 20000 --secs 10 [--max 500000] [--mptcp]

Standard library only (a raw AF_PACKET socket); run as root in the namespace
that owns the interface.
"""
import argparse
import ipaddress
import json
import random
import socket
import struct
import sys
import time


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def syn_frame(src_mac, dst_mac, saddr, daddr, sport, dport, seq, mptcp):
    opts = struct.pack("!BBH", 2, 4, 1460) + b"\x04\x02" + b"\x01\x03\x03\x07"
    opts += struct.pack("!BBII", 8, 10, random.getrandbits(32), 0) + b"\x01\x01"
    if mptcp:
        opts += bytes([30, 4, 0x01, 0x01])          # MP_CAPABLE v1, H
    opts += b"\x01" * (-len(opts) % 4)               # NOPs to a whole header word
    doff = (20 + len(opts)) // 4
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, doff << 4, 0x02, 64240, 0, 0) + opts
    pseudo = struct.pack("!4s4sBBH", saddr, daddr, 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), random.getrandbits(16), 0x4000, 64, 6, 0,
                     saddr, daddr)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return dst_mac + src_mac + b"\x08\x00" + ip + tcp


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--iface", required=True)
    p.add_argument("--dst-mac", required=True)
    p.add_argument("--dst", required=True)
    p.add_argument("--dport", type=int, required=True)
    p.add_argument("--src-prefix", required=True)
    p.add_argument("--rate", type=float, default=20000.0, help="SYNs per second")
    p.add_argument("--secs", type=float, default=10.0)
    p.add_argument("--max", type=int, default=1000000, help="SYNs at most")
    p.add_argument("--mptcp", action="store_true", help="half of the SYNs carry MP_CAPABLE")
    p.add_argument("--distinct", type=int, default=4096, help="distinct frames, sent round robin")
    a = p.parse_args()

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    src_mac = s.getsockname()[4]
    dst_mac = bytes.fromhex(a.dst_mac.replace(":", ""))
    net = ipaddress.ip_network(a.src_prefix)
    hosts = max(1, net.num_addresses - 2)
    daddr = socket.inet_aton(a.dst)
    frames = []
    for i in range(a.distinct):
        saddr = (net.network_address + 1 + random.randrange(hosts)).packed
        frames.append(syn_frame(src_mac, dst_mac, saddr, daddr, random.randrange(1024, 65535), a.dport,
                                random.getrandbits(32), a.mptcp and i % 2 == 0))
    sent = 0
    t0 = time.monotonic()
    end = t0 + a.secs
    batch = 64
    while sent < a.max:
        now = time.monotonic()
        if now >= end:
            break
        due = int((now - t0) * a.rate)
        if sent >= due:
            time.sleep(min(0.001, end - now))
            continue
        for _ in range(min(batch, due - sent, a.max - sent)):
            try:
                s.send(frames[sent % len(frames)])
            except OSError:
                break
            sent += 1
    secs = time.monotonic() - t0
    print(json.dumps({"sent": sent, "secs": round(secs, 3), "rate": round(sent / secs if secs else 0, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

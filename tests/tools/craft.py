#!/usr/bin/python3
"""craft: hand-made MPTCP segments toward hagd, and what came back.

Run inside the client namespace:
  ip netns exec hag-client /usr/bin/python3 tests/tools/craft.py [--cases a,b,c]

Cases (each on its own source port, 20000-20999):
  a1  SYN with an MPTCP option of length 3 (MP_CAPABLE needs at least 4)
  a2  SYN with MP_CAPABLE of length 10 (valid: 4, 12, 20, 22, 24)
  a3  SYN whose MPTCP option claims 24 bytes where 4 are left (truncated)
  b   a full MP_CAPABLE v1 handshake (SYN len 4, SYN/ACK with hagd's key,
      ACK with both keys), then data carrying a DSS of length 14 (A+M needs
      18 or 20), then a DSS of length 5, then a RST to close it
  c   MP_JOIN SYN with an unknown token: RFC 8684 3.2 says answer with a RST

The kernel of the client namespace would RST the SYN/ACKs sent to these
ports (it has no socket there): a temporary nftables table drops RSTs from
the crafted ports while this runs, and is removed afterwards.

Prints one JSON object: {"cases": {name: {"sent", "responses", ...}}, ...}.
A response is {"flags", "seq", "ack", "len", "t" (seconds after the send),
"mptcp": [options]}.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time

from scapy.all import IP, TCP, Raw, AsyncSniffer, conf, send  # noqa: E402

conf.verb = 0
PORT_LO, PORT_HI = 20000, 20999
NFT_TABLE = "hag_craft"

MPTCP_KIND = 30
SUBTYPES = {0: "MP_CAPABLE", 1: "MP_JOIN", 2: "DSS", 3: "ADD_ADDR", 4: "REMOVE_ADDR",
            5: "MP_PRIO", 6: "MP_FAIL", 7: "MP_FASTCLOSE", 8: "MP_TCPRST"}


def nft(script):
    return subprocess.run(["nft", "-f", "-"], input=script.encode(), capture_output=True)


def nft_add():
    nft("delete table inet %s\n" % NFT_TABLE)  # a leftover from a killed run
    r = nft("""
table inet %s {
  chain out {
    type filter hook output priority 0; policy accept;
    tcp sport %d-%d tcp flags & rst == rst drop
  }
}
""" % (NFT_TABLE, PORT_LO, PORT_HI))
    if r.returncode:
        raise SystemExit("craft: nft failed: %s" % r.stderr.decode().strip())


def nft_del():
    nft("delete table inet %s\n" % NFT_TABLE)


def parse_options(raw):
    """TCP options from raw header bytes -> list of dicts (MPTCP ones decoded)."""
    out = []
    i = 0
    while i < len(raw):
        kind = raw[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        if i + 1 >= len(raw):
            out.append({"kind": kind, "truncated": True})
            break
        ln = raw[i + 1]
        if ln < 2 or i + ln > len(raw):
            out.append({"kind": kind, "len": ln, "truncated": True})
            break
        body = raw[i + 2:i + ln]
        o = {"kind": kind, "len": ln}
        if kind == MPTCP_KIND and body:
            st = body[0] >> 4
            o["subtype"] = SUBTYPES.get(st, st)
            if st == 0:
                o["version"] = body[0] & 0x0F
                if len(body) >= 2:
                    o["flags"] = body[1]
                if len(body) >= 10:
                    o["key"] = body[2:10].hex()
                if len(body) >= 18:
                    o["peer_key"] = body[10:18].hex()
            elif st == 2 and len(body) >= 2:
                o["dss_flags"] = body[1]
            elif st == 7 and len(body) >= 10:
                o["key"] = body[2:10].hex()
            o["raw"] = body.hex()
        out.append(o)
        i += ln
    return out


class Craft:
    def __init__(self, a):
        self.a = a
        self.rx = []  # (time, packet) from hagd to our crafted ports
        self.lock = threading.Lock()
        self.sniffer = None

    def start(self):
        dst, dport = self.a.dst, self.a.dport

        def want(p):
            return (IP in p and TCP in p and p[IP].src == dst and p[TCP].sport == dport
                    and PORT_LO <= p[TCP].dport <= PORT_HI)

        def keep(p):
            with self.lock:
                self.rx.append((time.monotonic(), p))

        self.sniffer = AsyncSniffer(iface=self.a.iface, lfilter=want, prn=keep, store=False)
        self.sniffer.start()
        time.sleep(0.3)  # let the capture socket open before the first send

    def stop(self):
        if self.sniffer is not None:
            try:
                self.sniffer.stop()
            except Exception:  # noqa: BLE001
                pass

    def seg(self, sport, flags, seq, ack=0, opts=b"", payload=b"", src=None):
        opts = bytes(opts) + b"\x01" * ((-len(opts)) % 4)  # pad with NOPs
        t = TCP(sport=sport, dport=self.a.dport, flags=flags, seq=seq & 0xFFFFFFFF,
                ack=ack & 0xFFFFFFFF, window=64240, dataofs=5 + len(opts) // 4, options=[])
        return IP(src=src or self.a.src, dst=self.a.dst, ttl=64) / t / Raw(opts + payload)

    def xmit(self, pkt):
        send(pkt, verbose=0)

    def responses(self, sport, since):
        with self.lock:
            got = [(t, p) for (t, p) in self.rx if t >= since and p[TCP].dport == sport]
        out = []
        for when, p in got:
            t = p[TCP]
            hdr = bytes(t)[:t.dataofs * 4]
            out.append({"flags": str(t.flags), "seq": t.seq, "ack": t.ack,
                        "t": round(when - since, 4),
                        "len": len(t.payload) if t.payload else 0,
                        "mptcp": [o for o in parse_options(hdr[20:]) if o["kind"] == MPTCP_KIND]})
        return out

    def wait(self, sport, since, until, timeout):
        """Responses to sport since `since`; return early once until(list) holds."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            r = self.responses(sport, since)
            if until(r):
                return r
            time.sleep(0.05)
        return self.responses(sport, since)


MSS = bytes([2, 4, 0x05, 0xB4])  # MSS 1460


def new_port(used):
    while True:
        p = random.randint(PORT_LO, PORT_HI)
        if p not in used:
            used.add(p)
            return p


def has_flag(resp, f):
    return any(f in r["flags"] for r in resp)


def case_bad_syn(c, used, name, opts, desc):
    sport = new_port(used)
    isn = random.getrandbits(32)
    t0 = time.monotonic()
    c.xmit(c.seg(sport, "S", isn, opts=MSS + opts))
    resp = c.wait(sport, t0, lambda r: len(r) > 0, c.a.wait)
    synack = [r for r in resp if r["flags"] == "SA"]
    res = {"sent": desc, "sport": sport, "option_hex": opts.hex(), "responses": resp,
           "synack": bool(synack),
           "synack_mp_capable": any(o.get("subtype") == "MP_CAPABLE"
                                    for r in synack for o in r["mptcp"]),
           "rst": has_flag(resp, "R")}
    if synack:  # tidy up the half-open connection
        c.xmit(c.seg(sport, "R", isn + 1))
    return res


def case_handshake_bad_dss(c, used):
    sport = new_port(used)
    isn = random.getrandbits(32)
    ckey = os.urandom(8)
    res = {"sent": "MP_CAPABLE v1 handshake, then data with DSS len 14 and DSS len 5",
           "sport": sport, "client_key": ckey.hex()}
    t0 = time.monotonic()
    c.xmit(c.seg(sport, "S", isn, opts=MSS + bytes([MPTCP_KIND, 4, 0x01, 0x01])))
    resp = c.wait(sport, t0, lambda r: any(x["flags"] == "SA" or "R" in x["flags"] for x in r),
                  c.a.wait)
    res["syn_responses"] = resp
    synack = next((r for r in resp if r["flags"] == "SA"), None)
    if synack is None:
        res["error"] = "no SYN/ACK"
        return res
    mpc = next((o for o in synack["mptcp"] if o.get("subtype") == "MP_CAPABLE"), None)
    skey = bytes.fromhex(mpc["key"]) if mpc and "key" in mpc else None
    res["synack_mp_capable"] = mpc is not None
    res["server_key"] = skey.hex() if skey else None
    srv_nxt = synack["seq"] + 1
    seq = isn + 1
    # Third ACK: MP_CAPABLE with both keys (RFC 8684 3.1, length 20).
    ack_opt = bytes([MPTCP_KIND, 20, 0x01, 0x01]) + ckey + (skey or bytes(8)) if skey else b""
    c.xmit(c.seg(sport, "A", seq, srv_nxt, opts=ack_opt))
    time.sleep(0.2)
    payload = b"hagd-craft-bad-dss-" + os.urandom(45)
    # DSS with A and M set but length 14: data ACK (4) + DSN (4) + 4 bytes of
    # the SSN, no data-level length. Valid lengths with these flags: 18, 20.
    dss14 = bytes([MPTCP_KIND, 14, 0x20, 0x05]) + os.urandom(10)
    t1 = time.monotonic()
    c.xmit(c.seg(sport, "PA", seq, srv_nxt, opts=dss14, payload=payload))
    r1 = c.wait(sport, t1, lambda r: len(r) > 0, c.a.wait)
    res["dss_len14_responses"] = r1
    # DSS with only A set but length 5 (valid: 8).
    dss5 = bytes([MPTCP_KIND, 5, 0x20, 0x01, 0x00])
    t2 = time.monotonic()
    c.xmit(c.seg(sport, "PA", seq, srv_nxt, opts=dss5, payload=payload))
    r2 = c.wait(sport, t2, lambda r: len(r) > 0, c.a.wait)
    res["dss_len5_responses"] = r2
    allr = resp + r1 + r2
    res["rst"] = has_flag(r1 + r2, "R")
    # Close it: a RST at the highest sequence hagd acknowledged.
    acks = [r["ack"] for r in allr if "A" in r["flags"]]
    rst_seq = max(acks, key=lambda x: (x - seq) & 0xFFFFFFFF) if acks else seq
    c.xmit(c.seg(sport, "R", rst_seq))
    return res


def case_join_unknown_token(c, used):
    sport = new_port(used)
    isn = random.getrandbits(32)
    token = os.urandom(4)
    nonce = os.urandom(4)
    opts = bytes([MPTCP_KIND, 12, 0x10, 0x01]) + token + nonce  # MP_JOIN SYN, addr id 1
    t0 = time.monotonic()
    c.xmit(c.seg(sport, "S", isn, opts=MSS + opts))
    resp = c.wait(sport, t0, lambda r: len(r) > 0, c.a.wait)
    res = {"sent": "MP_JOIN SYN with unknown token %s" % token.hex(), "sport": sport,
           "responses": resp, "rst": has_flag(resp, "R"), "synack": has_flag(resp, "S")}
    if res["synack"]:
        c.xmit(c.seg(sport, "R", isn + 1))
    return res


def main():
    p = argparse.ArgumentParser(description="crafted MPTCP segments toward hagd")
    p.add_argument("--dst", default="10.10.0.1")
    p.add_argument("--dport", type=int, default=8080)
    p.add_argument("--src", default="10.10.1.2")
    p.add_argument("--iface", default="dsl")
    p.add_argument("--cases", default="a,b,c", help="comma list of a, b, c")
    p.add_argument("--wait", type=float, default=1.5, help="seconds to wait for answers")
    a = p.parse_args()
    want = set(a.cases.split(","))
    out = {"dst": "%s:%d" % (a.dst, a.dport), "src": a.src, "cases": {}}
    c = Craft(a)
    used = set()
    nft_add()
    try:
        c.start()
        if "a" in want:
            out["cases"]["a1_mpc_len3"] = case_bad_syn(
                c, used, "a1", bytes([MPTCP_KIND, 3, 0x01]), "SYN, MPTCP option length 3")
            out["cases"]["a2_mpc_len10"] = case_bad_syn(
                c, used, "a2", bytes([MPTCP_KIND, 10, 0x01, 0x01]) + os.urandom(6),
                "SYN, MP_CAPABLE length 10")
            out["cases"]["a3_mpc_truncated"] = case_bad_syn(
                c, used, "a3", bytes([1, 1, MPTCP_KIND, 24, 0x01, 0x01]),
                "SYN, MP_CAPABLE claiming 24 bytes, 4 present")
        if "b" in want:
            out["cases"]["b_bad_dss"] = case_handshake_bad_dss(c, used)
        if "c" in want:
            out["cases"]["c_join_unknown_token"] = case_join_unknown_token(c, used)
        time.sleep(0.2)
    finally:
        c.stop()
        nft_del()
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())

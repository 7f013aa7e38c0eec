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
  d   one MPTCP connection made by hand (keys known), then, each followed by
      a check that the connection still moves data:
      d1 data whose DSS maps it far beyond the data-level window
      d2 a DATA_FIN at a DSN below bytes hagd already has
      d3 an ADD_ADDR whose HMAC is wrong
      d4 an MP_JOIN from the lte address with the right token, whose third
         ACK carries a wrong HMAC (hagd's SYN/ACK HMAC is checked here too)

The kernel of the client namespace would RST the SYN/ACKs sent to these
ports (it has no socket there): a temporary nftables table drops RSTs from
the crafted ports while this runs, and is removed afterwards.

Prints one JSON object: {"cases": {name: {"sent", "responses", ...}}, ...}.
A response is {"flags", "seq", "ack", "len", "t" (seconds after the send),
"mptcp": [options]}.
"""

import argparse
import hashlib
import hmac
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

        self.sniffer = AsyncSniffer(iface=[self.a.iface, self.a.iface2], lfilter=want, prn=keep, store=False)
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


def dss_ack_of(resp):
    """DATA_ACK values (64-bit when so sent) in hagd's answers."""
    out = []
    for r in resp:
        for o in r["mptcp"]:
            if o.get("subtype") != "DSS" or "raw" not in o:
                continue
            b = bytes.fromhex(o["raw"])
            fl = b[1]
            if fl & 0x01:
                out.append(int.from_bytes(b[2:10] if fl & 0x02 else b[2:6], "big"))
    return out


def key_sha(key):
    h = hashlib.sha256(key).digest()
    return int.from_bytes(h[:4], "big"), int.from_bytes(h[24:32], "big")   # token, IDSN


def dss(ack, dsn=None, ssn=0, dlen=0, fin=False):
    """DSS with a 32-bit DATA_ACK and, with dsn, a 64-bit mapping."""
    flags = 0x01 | (0x10 if fin else 0)
    body = (ack & 0xFFFFFFFF).to_bytes(4, "big")
    if dsn is not None:
        flags |= 0x04 | 0x08
        body += (dsn & (2**64 - 1)).to_bytes(8, "big") + (ssn & 0xFFFFFFFF).to_bytes(4, "big") + dlen.to_bytes(2, "big")
    return bytes([MPTCP_KIND, 4 + len(body), 0x20, flags]) + body


def case_connection_forgeries(c, used):
    sport = new_port(used)
    isn = random.getrandbits(32)
    ckey = os.urandom(8)
    _, c_idsn = key_sha(ckey)
    res = {"sent": "MP_CAPABLE handshake; DSS past the window; early DATA_FIN; bad ADD_ADDR HMAC; "
                   "MP_JOIN with a bad third-ACK HMAC", "sport": sport}
    t0 = time.monotonic()
    c.xmit(c.seg(sport, "S", isn, opts=MSS + bytes([MPTCP_KIND, 4, 0x01, 0x01])))
    resp = c.wait(sport, t0, lambda r: any(x["flags"] == "SA" for x in r), c.a.wait)
    synack = next((r for r in resp if r["flags"] == "SA"), None)
    mpc = next((o for o in synack["mptcp"] if o.get("subtype") == "MP_CAPABLE"), None) if synack else None
    if mpc is None or "key" not in mpc:
        res["error"] = "no MP_CAPABLE SYN/ACK"
        return res
    skey = bytes.fromhex(mpc["key"])
    token, s_idsn = key_sha(skey)
    srv = synack["seq"] + 1
    seq = isn + 1
    c.xmit(c.seg(sport, "A", seq, srv, opts=bytes([MPTCP_KIND, 20, 0x01, 0x01]) + ckey + skey))
    time.sleep(0.2)
    sent = 0   # data-level bytes hagd has from us

    def data(n, label):
        """n valid bytes; True when hagd DATA_ACKs them."""
        nonlocal seq, sent
        t = time.monotonic()
        want = c_idsn + 1 + sent + n
        c.xmit(c.seg(sport, "PA", seq, srv, opts=dss(s_idsn + 1, c_idsn + 1 + sent, seq - isn, n),
                     payload=os.urandom(n)))
        r = c.wait(sport, t, lambda rr: any((a & 0xFFFFFFFF) == (want & 0xFFFFFFFF) for a in dss_ack_of(rr)),
                   c.a.wait)
        seq += n
        sent += n
        ok = any((a & 0xFFFFFFFF) == (want & 0xFFFFFFFF) for a in dss_ack_of(r))
        res[label] = ok
        return ok

    data(100, "data_before")
    # d1: 100 bytes whose mapping is 1 GiB past the window: not to be acknowledged.
    t = time.monotonic()
    c.xmit(c.seg(sport, "PA", seq, srv, opts=dss(s_idsn + 1, c_idsn + 1 + sent + (1 << 30), seq - isn, 100),
                 payload=os.urandom(100)))
    r = c.wait(sport, t, lambda rr: len(rr) > 0, c.a.wait)
    res["d1_refused"] = bool(r) and not any(((x["ack"] - seq) & 0xFFFFFFFF) == 100 for x in r)
    data(100, "data_after_d1")
    # d2: DATA_FIN at DSN 50 while hagd has 200 bytes.
    t = time.monotonic()
    c.xmit(c.seg(sport, "A", seq, srv, opts=dss(s_idsn + 1, c_idsn + 1 + 50, 0, 1, fin=True)))
    time.sleep(0.3)
    data(100, "data_after_d2")
    # d3: ADD_ADDR (id 7, 10.10.2.2) with a wrong HMAC.
    aa = bytes([MPTCP_KIND, 16, 0x30, 7, 10, 10, 2, 2]) + os.urandom(8)
    c.xmit(c.seg(sport, "A", seq, srv, opts=aa))
    time.sleep(0.3)
    data(100, "data_after_d3")
    # d4: MP_JOIN from the lte address, then a third ACK with a wrong HMAC.
    jport = new_port(used)
    jisn = random.getrandbits(32)
    ra = os.urandom(4)
    t = time.monotonic()
    c.xmit(c.seg(jport, "S", jisn, opts=MSS + bytes([MPTCP_KIND, 12, 0x10, 2]) + token.to_bytes(4, "big") + ra,
                 src=c.a.src2))
    jr = c.wait(jport, t, lambda rr: any(x["flags"] == "SA" or "R" in x["flags"] for x in rr), c.a.wait)
    jsa = next((x for x in jr if x["flags"] == "SA"), None)
    res["d4_synack"] = jsa is not None
    if jsa is not None:
        mpj = next((o for o in jsa["mptcp"] if o.get("subtype") == "MP_JOIN"), None)
        if mpj is not None:
            b = bytes.fromhex(mpj["raw"])          # subtype|B, id, HMAC(8), nonce(4)
            thmac, rb = b[2:10], b[10:14]
            want = hmac.new(skey + ckey, rb + ra, hashlib.sha256).digest()[:8]
            res["d4_synack_hmac_ok"] = thmac == want
        t = time.monotonic()
        c.xmit(c.seg(jport, "A", jisn + 1, jsa["seq"] + 1, opts=bytes([MPTCP_KIND, 24, 0x10, 0]) + os.urandom(20),
                     src=c.a.src2))
        jr2 = c.wait(jport, t, lambda rr: any("R" in x["flags"] for x in rr), c.a.wait)
        res["d4_rst"] = has_flag(jr2, "R")
    data(100, "data_after_d4")
    # Close it with a RST (hagd answers the upstream side by itself).
    c.xmit(c.seg(sport, "R", seq))
    return res


def main():
    p = argparse.ArgumentParser(description="crafted MPTCP segments toward hagd")
    p.add_argument("--dst", default="10.10.0.1")
    p.add_argument("--dport", type=int, default=8080)
    p.add_argument("--src", default="10.10.1.2")
    p.add_argument("--iface", default="dsl")
    p.add_argument("--src2", default="10.10.2.2", help="second address (MP_JOIN), on --iface2")
    p.add_argument("--iface2", default="lte")
    p.add_argument("--cases", default="a,b,c,d", help="comma list of a, b, c, d")
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
        if "d" in want:
            out["cases"]["d_forgeries"] = case_connection_forgeries(c, used)
        time.sleep(0.2)
    finally:
        c.stop()
        nft_del()
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""craft: hand-made TCP and MPTCP segments toward hagd, and what came back.

Run inside the client namespace:
  ip netns exec hag-client /usr/bin/python3 tests/tools/craft.py [--cases a,b,...] [--hagctl CMD]

Every frame goes out on the client's own link (a packet socket on dsl or lte,
by its source address): nothing of the client kernel's IP layer (which would
rewrite lengths and checksums) nor its netfilter (which drops the kernel's
own RSTs from the crafted ports, see below) is in the way.

Cases (each connection on its own source port, 20000-20999):
  a   SYNs with malformed MP_CAPABLE: a1 length 3, a2 length 10, a3 a length
      past the TCP header
  b   a full MP_CAPABLE v1 handshake, then data carrying a DSS of length 14
      (A+M needs 18 or 20), then a DSS of length 5, then a RST
  c   MP_JOIN SYN with an unknown token: RFC 8684 3.2 says answer with a RST
  d   one MPTCP connection made by hand (keys known), then, each followed by
      a check that the connection still moves data:
      d1 data whose DSS maps it far beyond the data-level window
      d2 a DATA_FIN at a DSN below bytes hagd already has
      d3 an ADD_ADDR whose HMAC is wrong
      d4 an MP_JOIN from the lte address with the right token, whose third
         ACK carries a wrong HMAC (hagd's SYN/ACK HMAC is checked here too)
  l   lengths, each a SYN to the listener made wrong: IPv4 total length past
      the frame, below the IPv4 header, below the TCP header; IHL 4; TCP data
      offset 4 and past the segment; frames cut inside the TCP and the IPv4
      header; an option whose length runs past the header, a kind byte with
      no length byte; wrong IPv4 and TCP checksums; version 6; a fragment;
      and on an established connection a data segment whose option runs past
      its header
  f   flags: to the listener SYN+FIN, SYN+RST, no flags, all flags; on an
      established plain connection FIN without ACK, no flags, SYN+FIN,
      SYN+RST and all flags (in the window, not at RCV.NXT), URG data; that
      connection is closed in order and its upload hashed (the upstream
      server's record of it is compared by crafted.sh)
  w   MPTCP options in the wrong segment: MP_CAPABLE (SYN form, and the ACK
      form with other keys) on data of an established MPTCP connection,
      MP_JOIN on data, MP_JOIN on an ACK to a new 4-tuple, ADD_ADDR in a SYN,
      DSS in a SYN, MP_CAPABLE's third ACK on a plain TCP connection
  s   DSS beyond windows: mappings of bytes hagd has (old), 2^40 behind,
      straddling the initial DSN, 2^40 ahead; a DATA_ACK of data never sent,
      then the right DATA_ACK
  r   RST storms on a plain connection: RSTs in the window but not at
      RCV.NXT (challenge ACKs, rate limited), RSTs outside the window
      (dropped), then one at RCV.NXT (reset)
  t   tokens and keys of other connections: an MP_JOIN SYN with connection
      B's token on connection A's live 4-tuple; an MP_JOIN to B completed
      with an HMAC made from A's keys; MP_FASTCLOSE on A with B's key

The kernel of the client namespace would RST the SYN/ACKs sent to these
ports (it has no socket there): a temporary nftables table drops RSTs from
the crafted ports on its output hook while this runs, and is removed
afterwards (the crafted frames do not pass that hook).

Prints one JSON object: {"cases": {name: {"sent", "responses", "answer",
"mib", ...}}, ...}. A response is {"flags", "seq", "ack", "wnd", "len",
"t" (seconds after the send), "mptcp": [options]}; "answer" sums them up
("nothing", or their flags); "mib", with --hagctl, is what each of hagd's
tcp, mptcp, ip and relay counters moved by during the case.
"""

import argparse
import hashlib
import hmac
import json
import os
import random
import shlex
import socket
import struct
import subprocess
import sys
import threading
import time

from scapy.all import ARP, IP, TCP, Ether, Raw, AsyncSniffer, conf, get_if_hwaddr, srp1  # noqa: E402

conf.verb = 0
PORT_LO, PORT_HI = 20000, 20999
NFT_TABLE = "hag_craft"
M32, M64 = 0xFFFFFFFF, 2**64 - 1
MIB_GROUPS = ("tcp", "mptcp", "ip", "relay")
SOL_PACKET, PACKET_IGNORE_OUTGOING, SO_RCVBUFFORCE = 263, 23, 33   # linux/socket.h, if_packet.h, asm/socket.h

MPTCP_KIND = 30
SUBTYPES = {0: "MP_CAPABLE", 1: "MP_JOIN", 2: "DSS", 3: "ADD_ADDR", 4: "REMOVE_ADDR",
            5: "MP_PRIO", 6: "MP_FAIL", 7: "MP_FASTCLOSE", 8: "MP_TCPRST"}
TCP_FLAGS = {"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, "A": 0x10, "U": 0x20, "E": 0x40, "C": 0x80}


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


def csum16(b):
    """The Internet checksum (RFC 1071) of b."""
    if len(b) & 1:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def flag_bits(flags):
    return sum(TCP_FLAGS[f] for f in flags) if isinstance(flags, str) else flags


def ipv4_tcp(src, dst, sport, dport, flags, seq, ack=0, opts=b"", payload=b"", wnd=64240, urg=0,
             ihl=5, tot=None, version=4, frag=0x4000, doff=None, bad_ip_csum=False, bad_tcp_csum=False):
    """IPv4 and TCP headers and payload made by hand, every field settable to
    a wrong value on purpose (options padded with NOPs; checksums right unless
    asked otherwise, over what is actually there)."""
    opts = bytes(opts) + b"\x01" * ((-len(opts)) % 4)
    hl = 20 + len(opts)
    th = struct.pack("!HHIIBBHHH", sport, dport, seq & M32, ack & M32, (hl // 4 if doff is None else doff) << 4,
                     flag_bits(flags), wnd, 0, urg) + opts + bytes(payload)
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    ck = csum16(s + d + struct.pack("!BBH", 0, 6, len(th)) + th) ^ (0x5555 if bad_tcp_csum else 0)
    th = th[:16] + struct.pack("!H", ck) + th[18:]
    ip_opts = b"\x01" * (4 * (ihl - 5)) if ihl > 5 else b""
    total = 20 + len(ip_opts) + len(th) if tot is None else tot
    ih = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, 0, total, random.getrandbits(16), frag, 64, 6, 0,
                     s, d) + ip_opts
    ick = csum16(ih) ^ (0x5555 if bad_ip_csum else 0)
    return ih[:10] + struct.pack("!H", ick) + ih[12:] + th


def mac_bytes(m):
    return bytes(int(x, 16) for x in m.split(":"))


class Craft:
    def __init__(self, a):
        self.a = a
        self.rx = []  # (time, packet) from hagd to our crafted ports
        self.lock = threading.Lock()
        self.sniffer = None
        self.listen = []  # capture sockets
        self.links = {}  # source address -> (packet socket, Ethernet header)
        self.out = {"cases": {}}

    def resolve(self, iface, gw):
        """hagd's MAC on a link: ARP, as the kernel would ask."""
        for _ in range(3):
            r = srp1(Ether(dst="ff:ff:ff:ff:ff:ff") / ARP(pdst=gw), iface=iface, timeout=1, verbose=0)
            if r is not None and ARP in r:
                return r[ARP].hwsrc
        raise SystemExit("craft: no ARP answer from %s on %s" % (gw, iface))

    def start(self):
        dst, dport = self.a.dst, self.a.dport
        for src, iface, gw in ((self.a.src, self.a.iface, self.a.gw), (self.a.src2, self.a.iface2, self.a.gw2)):
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
            s.bind((iface, 0))
            eth = mac_bytes(self.resolve(iface, gw)) + mac_bytes(get_if_hwaddr(iface)) + b"\x08\x00"
            self.links[src] = (s, eth)

        def want(p):
            return (IP in p and TCP in p and p[IP].src == dst and p[TCP].sport == dport
                    and PORT_LO <= p[TCP].dport <= PORT_HI)

        def keep(p):
            with self.lock:
                self.rx.append((time.monotonic(), p))

        # Capture sockets that leave out what we send (PACKET_IGNORE_OUTGOING):
        # a storm of our own frames would fill their buffers and hide hagd's answers.
        for iface in (self.a.iface, self.a.iface2):
            ls = conf.L2listen(iface=iface)
            for level, opt, val in ((SOL_PACKET, PACKET_IGNORE_OUTGOING, 1),
                                    (socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)):
                try:
                    ls.ins.setsockopt(level, opt, val)
                except OSError:
                    pass
            self.listen.append(ls)
        self.sniffer = AsyncSniffer(opened_socket=self.listen, lfilter=want, prn=keep, store=False)
        self.sniffer.start()
        time.sleep(0.3)  # let the capture socket open before the first send

    def stop(self):
        if self.sniffer is not None:
            try:
                self.sniffer.stop()
            except Exception:  # noqa: BLE001
                pass
        for s in [s for s, _ in self.links.values()] + self.listen:
            s.close()

    def seg(self, sport, flags, seq, ack=0, opts=b"", payload=b"", src=None):
        opts = bytes(opts) + b"\x01" * ((-len(opts)) % 4)  # pad with NOPs
        t = TCP(sport=sport, dport=self.a.dport, flags=flags, seq=seq & 0xFFFFFFFF,
                ack=ack & 0xFFFFFFFF, window=64240, dataofs=5 + len(opts) // 4, options=[])
        return IP(src=src or self.a.src, dst=self.a.dst, ttl=64) / t / Raw(opts + payload)

    def send_ip(self, raw, cut=None):
        """IPv4 bytes out on the link of their source address (cut: frame length)."""
        s, eth = self.links[socket.inet_ntoa(raw[12:16])]
        frame = eth + raw
        s.send(frame[:cut] if cut is not None else frame)

    def xmit(self, pkt):
        self.send_ip(bytes(pkt))

    def tcp(self, sport, flags, seq, ack=0, opts=b"", payload=b"", src=None, **kw):
        """Send one hand-made segment (ipv4_tcp's knobs in kw, and cut); returns the time sent."""
        cut = kw.pop("cut", None)
        t = time.monotonic()
        self.send_ip(ipv4_tcp(src or self.a.src, self.a.dst, sport, self.a.dport, flags, seq, ack, opts,
                              payload, **kw), cut)
        return t

    def responses(self, sport, since):
        with self.lock:
            got = [(t, p) for (t, p) in self.rx if t >= since and p[TCP].dport == sport]
        out = []
        for when, p in got:
            t = p[TCP]
            hdr = bytes(t)[:t.dataofs * 4]
            out.append({"flags": str(t.flags), "seq": t.seq, "ack": t.ack, "wnd": t.window,
                        "t": round(when - since, 4),
                        "len": max(0, p[IP].len - p[IP].ihl * 4 - t.dataofs * 4),
                        "mptcp": [o for o in parse_options(hdr[20:]) if o["kind"] == MPTCP_KIND]})
        return out

    def wait(self, sport, since, until, timeout):
        """Responses to sport since `since`; return early once until(list) holds."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            r = self.responses(sport, since)
            if until(r):
                return r
            time.sleep(0.02)
        return self.responses(sport, since)

    def quiet(self, sport, since):
        """Responses to sport over --quiet seconds after `since` (for cases whose answer is nothing)."""
        time.sleep(max(0.0, since + self.a.quiet - time.monotonic()))
        return self.responses(sport, since)

    def mib(self):
        """hagd's counters (tcp, mptcp, ip, relay), or None without --hagctl."""
        if not self.a.hagctl:
            return None
        try:
            r = subprocess.run(shlex.split(self.a.hagctl), capture_output=True, timeout=10)
            d = json.loads(r.stdout)
        except (OSError, ValueError, subprocess.SubprocessError):
            return None
        return {g: {k: v for k, v in d.get(g, {}).items() if isinstance(v, int)} for g in MIB_GROUPS}

    def record(self, name, res, before):
        """One named case in the output, with what hagd's counters moved by since `before`."""
        if before is not None:
            after = self.mib()
            if after is not None:
                res["mib"] = {g: {k: v - before[g].get(k, 0) for k, v in after[g].items()} for g in after}
        res.setdefault("answer", answer(res.get("responses", [])))
        res.setdefault("data_segments", sum(1 for r in res.get("responses", []) if r["len"]))
        self.out["cases"][name] = res
        return res


MSS = bytes([2, 4, 0x05, 0xB4])  # MSS 1460
MPC_SYN = bytes([MPTCP_KIND, 4, 0x01, 0x01])  # MP_CAPABLE v1, H


def answer(resp):
    """What hagd answered, in short: "nothing" or the flags of each segment
    without data (segments with data are hagd's own stream, sent or resent on
    its timers, not an answer)."""
    return ",".join(r["flags"] for r in resp if not r["len"]) or "nothing"


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
    # Close it: MP_FASTCLOSE with hagd's key (a RST alone would leave the
    # connection parked, waiting for a join), then a RST.
    c.xmit(c.seg(sport, "A", seq, srv, opts=fastclose(skey)))
    time.sleep(0.05)
    c.xmit(c.seg(sport, "R", seq))
    return res


def dss_opt(ack=None, ack64=False, dsn=None, dsn64=True, ssn=0, dlen=0):
    """DSS with any mix of DATA_ACK (32/64-bit) and mapping (32/64-bit DSN)."""
    flags, body = 0, b""
    if ack is not None:
        flags |= 0x01 | (0x02 if ack64 else 0)
        body += (ack & M64).to_bytes(8, "big") if ack64 else (ack & M32).to_bytes(4, "big")
    if dsn is not None:
        flags |= 0x04 | (0x08 if dsn64 else 0)
        body += ((dsn & M64).to_bytes(8, "big") if dsn64 else (dsn & M32).to_bytes(4, "big"))
        body += (ssn & M32).to_bytes(4, "big") + dlen.to_bytes(2, "big")
    return bytes([MPTCP_KIND, 4 + len(body), 0x20, flags]) + body


def fastclose(key):
    """MP_FASTCLOSE carrying the receiver's key (RFC 8684 3.5)."""
    return bytes([MPTCP_KIND, 12, 0x70, 0]) + key


def mpj_syn(token, nonce, addr_id=2):
    return bytes([MPTCP_KIND, 12, 0x10, addr_id]) + token.to_bytes(4, "big") + nonce


def dss_maps_of(resp):
    """(DSN, length) of the mappings in hagd's answers."""
    out = []
    for r in resp:
        for o in r["mptcp"]:
            if o.get("subtype") != "DSS" or "raw" not in o:
                continue
            b = bytes.fromhex(o["raw"])
            fl, i = b[1], 2
            if fl & 0x01:
                i += 8 if fl & 0x02 else 4
            if fl & 0x04 and r["len"]:
                n = 8 if fl & 0x08 else 4
                out.append((int.from_bytes(b[i:i + n], "big"), int.from_bytes(b[i + n + 4:i + n + 6], "big")))
    return out


class Conn:
    """One connection made by hand toward hagd: plain TCP, or MPTCP with keys
    we know. seq is our next sequence number (hagd's RCV.NXT once acked),
    sent the data-level bytes hagd has from us."""

    def __init__(self, c, used, mptcp=False, src=None):
        self.c = c
        self.sport = new_port(used)
        self.src = src or c.a.src
        self.isn = random.getrandbits(32)
        self.seq = self.isn + 1
        self.srv = 0          # hagd's ISN + 1
        self.rcv = 0          # what our segments acknowledge (hagd's bytes we took)
        self.dack = 0         # MPTCP: our DATA_ACK
        self.wnd = 0          # hagd's window in its SYN/ACK (unscaled: we offer no scaling)
        self.mptcp = mptcp
        self.ckey = os.urandom(8)
        _, self.c_idsn = key_sha(self.ckey)
        self.skey = self.token = self.s_idsn = None
        self.sent = 0
        self.stream = hashlib.sha256()   # what hagd acknowledged, in order
        self.nbytes = 0
        self.t0 = 0.0

    def send(self, flags, seq=None, ack=None, opts=b"", payload=b"", **kw):
        return self.c.tcp(self.sport, flags, self.seq if seq is None else seq, self.rcv if ack is None else ack,
                          opts, payload, src=self.src, **kw)

    def wait(self, t, until):
        return self.c.wait(self.sport, t, until, self.c.a.wait)

    def quiet(self, t):
        return self.c.quiet(self.sport, t)

    def open(self, syn_opts=None, ack_opts=None, settle=True):
        """Three-way handshake (MP_CAPABLE with both keys on the third ACK when
        mptcp); hagd's SYN/ACK or None. settle: wait for the upstream server's
        first bytes and acknowledge them (at both levels), so that hagd has
        nothing to resend while the cases run."""
        self.t0 = t = self.send("S", seq=self.isn, ack=0,
                                opts=MSS + (MPC_SYN if self.mptcp else b"") if syn_opts is None else syn_opts)
        r = self.wait(t, lambda rr: any(x["flags"] == "SA" or "R" in x["flags"] for x in rr))
        sa = next((x for x in r if x["flags"] == "SA"), None)
        if sa is None:
            return None
        self.srv, self.wnd = sa["seq"] + 1, sa["wnd"]
        self.rcv = self.srv
        if self.mptcp:
            mpc = next((o for o in sa["mptcp"] if o.get("subtype") == "MP_CAPABLE" and "key" in o), None)
            if mpc is None:
                return None
            self.skey = bytes.fromhex(mpc["key"])
            self.token, self.s_idsn = key_sha(self.skey)
            self.dack = self.s_idsn + 1
            ack_opts = bytes([MPTCP_KIND, 20, 0x01, 0x01]) + self.ckey + self.skey
        t = self.send("A", opts=ack_opts or b"")
        if settle:
            self.wait(t, lambda rr: any(x["len"] for x in rr))
            self.ack_peer()
        time.sleep(0.05)
        return sa

    def downstream(self):
        """Bytes of hagd's stream seen so far (MPTCP: by their mappings)."""
        base = self.s_idsn + 1
        return max([(d - base) % (1 << 64) + n for d, n in dss_maps_of(self.c.responses(self.sport, self.t0))
                    if (d - base) % (1 << 64) < (1 << 32)] or [0])

    def ack_peer(self):
        """Acknowledge all hagd sent (MPTCP: with the DATA_ACK of it too)."""
        self.rcv = self.peer_nxt()
        if self.mptcp:
            self.dack = self.s_idsn + 1 + self.downstream()
            self.send("A", opts=dss_opt(self.dack, ack64=True))
        else:
            self.send("A")

    def acked(self, rr, n):
        return any((x["ack"] - self.seq) & M32 == n for x in rr)

    def data_acked(self, rr, n):
        want = (self.c_idsn + 1 + self.sent + n) & M32
        return any(a & M32 == want for a in dss_ack_of(rr))

    def data(self, n=100, extra=b"", flags="PA", mapping=True, **kw):
        """n bytes at seq (MPTCP: with their DSS mapping, extra options after it);
        True once hagd acknowledged them (MPTCP: at both levels)."""
        payload = os.urandom(n)
        opts = extra
        if self.mptcp and mapping:
            opts = dss_opt(self.dack, dsn=self.c_idsn + 1 + self.sent, ssn=self.seq - self.isn, dlen=n) + extra
        t = self.send(flags, opts=opts, payload=payload, **kw)
        both = ((lambda rr: self.acked(rr, n) and self.data_acked(rr, n)) if self.mptcp
                else (lambda rr: self.acked(rr, n)))
        r = self.wait(t, both)
        ok = both(r)
        if self.acked(r, n):
            self.seq += n
            self.stream.update(payload)
            self.nbytes += n
        if ok:
            self.sent += n
        return ok

    def peer_nxt(self):
        """hagd's sequence number after all it sent us (our ACK of everything)."""
        top = 0
        for x in self.c.responses(self.sport, self.t0):
            rel = (x["seq"] - self.srv) & M32
            if "S" not in x["flags"] and rel < 1 << 31:
                top = max(top, rel + x["len"] + (1 if "F" in x["flags"] else 0))
        return self.srv + top

    def challenge_acks(self, rr):
        """Pure ACKs that acknowledge RCV.NXT (what a challenge ACK is, RFC 5961 3.2)."""
        return sum(1 for x in rr if x["flags"] == "A" and x["len"] == 0 and x["ack"] == self.seq & M32)

    def close(self):
        """MPTCP: MP_FASTCLOSE with hagd's key (hagd resets); plain: a RST at RCV.NXT."""
        if self.mptcp and self.skey:
            self.send("A", opts=fastclose(self.skey))
            time.sleep(0.05)
        self.send("R")
        time.sleep(0.05)   # taken before the next case's counters are read


def case_syn(c, used, flags, opts, desc, quiet=False, **kw):
    """One SYN-like segment to the listener from a new port; SYN/ACKs tidied up."""
    sport = new_port(used)
    isn = random.getrandbits(32)
    t = c.tcp(sport, flags, isn, 0, opts, **kw)
    resp = c.quiet(sport, t) if quiet else c.wait(sport, t, lambda r: len(r) > 0, c.a.wait)
    sa = [r for r in resp if r["flags"] == "SA"]
    res = {"sent": desc, "sport": sport, "responses": resp, "synack": bool(sa),
           "synack_acks_syn_only": bool(sa) and all(r["ack"] == (isn + 1) & M32 for r in sa),
           "synack_mptcp": sorted({str(o.get("subtype")) for r in sa for o in r["mptcp"]}),
           "rst": has_flag(resp, "R")}
    if sa:
        c.tcp(sport, "R", isn + 1)
        time.sleep(0.02)
    return res


def case_lengths(c, used):
    """Segments whose lengths do not add up: dropped before anything reads
    past them, each counted (ip.InTruncatedPkts, ip.InHdrErrors, tcp.InErrs)."""
    syn = MSS + bytes([4, 2])  # MSS, SACK permitted
    whole = 20 + 20 + len(syn) + (-len(syn)) % 4  # the SYN's IPv4 total length (options padded)
    specs = [
        ("l1_ip_len_past_frame", "SYN, IPv4 total length 40 bytes past the frame", dict(tot=whole + 40)),
        ("l2_ip_len_below_ihl", "SYN, IPv4 total length 16, below its 20-byte header", dict(tot=16)),
        ("l3_ip_len_below_tcp", "SYN, IPv4 total length 32 (12 bytes of TCP header), frame holds all", dict(tot=32)),
        ("l4_ihl_4", "SYN, IHL 4 (16-byte IPv4 header)", dict(ihl=4)),
        ("l5_doff_4", "SYN, TCP data offset 4 (16-byte TCP header)", dict(doff=4)),
        ("l6_doff_past_segment", "SYN, TCP data offset 15 (60 bytes) in a 28-byte segment", dict(doff=15)),
        ("l7_cut_in_tcp", "SYN cut 10 bytes into the TCP header, IPv4 length intact", dict(cut=14 + 20 + 10)),
        ("l8_cut_in_ip", "frame cut 12 bytes into the IPv4 header", dict(cut=14 + 12)),
        ("l9_opt_past_header", "SYN whose last option (timestamps, length 10) has 2 bytes left",
         dict(opts=MSS + bytes([1, 1, 8, 10]))),
        ("l10_opt_no_length", "SYN whose options end in a kind byte without its length",
         dict(opts=MSS + bytes([1, 1, 1, 8]))),
        ("l11_ip_bad_csum", "SYN, IPv4 header checksum wrong", dict(bad_ip_csum=True)),
        ("l12_tcp_bad_csum", "SYN, TCP checksum wrong", dict(bad_tcp_csum=True)),
        ("l13_ip_version_6", "SYN, IP version 6 in an IPv4 frame", dict(version=6)),
        ("l14_fragment", "SYN as a first fragment (MF set)", dict(frag=0x2000)),
    ]
    for name, desc, kw in specs:
        before = c.mib()
        opts = kw.pop("opts", syn)
        c.record(name, case_syn(c, used, "S", opts, desc, quiet=True, **kw), before)

    # On an established connection: a data segment whose option runs past its header.
    k = Conn(c, used)
    if k.open() is None:
        c.record("l15_opt_past_header_estab", {"sent": "data, option past its header", "error": "no SYN/ACK"}, None)
        return
    ok0 = k.data(50)
    before = c.mib()
    t = k.send("PA", opts=bytes([1, 1, 8, 10]), payload=os.urandom(50))
    r = k.quiet(t)
    c.record("l15_opt_past_header_estab", {
        "sent": "data on an established connection, timestamps option with 2 of its 10 bytes", "sport": k.sport,
        "responses": r, "data_before": ok0, "not_acked": not k.acked(r, 50), "data_after": k.data(50)}, before)
    k.close()


def case_flags(c, used):
    """Flag combinations, to the listener (RFC 9293 3.10.7.2) and to an
    established connection (3.10.7.4, RFC 5961)."""
    for name, flags, desc in (("f1_synfin_listen", "SF", "SYN+FIN to the listener"),
                              ("f2_synrst_listen", "SR", "SYN+RST to the listener"),
                              ("f3_null_listen", 0, "no flags to the listener"),
                              ("f4_xmas_listen", 0xFF, "all eight flags to the listener")):
        before = c.mib()
        c.record(name, case_syn(c, used, flags, MSS, desc, quiet=flags != "SF"), before)

    k = Conn(c, used)
    if k.open() is None:
        c.record("f5_fin_noack_estab", {"sent": "plain TCP handshake", "error": "no SYN/ACK"}, None)
        return
    ok0 = k.data(100)
    for name, flags, off, desc in (("f5_fin_noack_estab", "F", 0, "FIN without ACK at RCV.NXT"),
                                   ("f6_null_estab", 0, 0, "no flags at RCV.NXT"),
                                   ("f7_synfin_estab", "SF", 0, "SYN+FIN at RCV.NXT"),
                                   ("f8_synrst_estab", "SR", 1, "SYN+RST at RCV.NXT+1 (in the window)"),
                                   ("f9_xmas_estab", 0xFF, 1, "all eight flags at RCV.NXT+1 (in the window)")):
        before = c.mib()
        t = k.send(flags, seq=k.seq + off)
        r = k.quiet(t)
        res = {"sent": desc, "sport": k.sport, "responses": r, "data_before": ok0,
               "challenge_ack": k.challenge_acks(r) > 0, "rst": has_flag(r, "R")}
        res["data_after"] = k.data(100)   # also: a FIN taken would have made this data unacceptable
        c.record(name, res, before)
    # RFC 5961 5.2: data whose ACK is older than any window we offered (64240,
    # unscaled) is dropped and answered with a challenge ACK; the same bytes
    # with the right ACK are then taken (f_close checks what reached upstream).
    before = c.mib()
    t = time.monotonic()
    ok = k.data(100, ack=k.rcv - 100000)
    r = k.c.responses(k.sport, t)
    c.record("f11_too_old_ack", {"sent": "100 bytes at RCV.NXT acknowledging SND.UNA - 100000", "sport": k.sport,
                                 "responses": r, "acked": ok, "challenge_ack": k.challenge_acks(r) > 0,
                                 "data_after": k.data(100)}, before)
    before = c.mib()
    payload_n = 100
    t = time.monotonic()
    ok = k.data(payload_n, flags="PAU", urg=payload_n)
    r = k.c.responses(k.sport, t)
    c.record("f10_urg_data", {"sent": "100 bytes with URG, urgent pointer 100", "sport": k.sport, "responses": r,
                              "acked": ok, "data_after": k.data(100)}, before)
    # Closed in order: the upstream server's record of this connection must
    # hold exactly the bytes hagd acknowledged (URG data inline, nothing of
    # the segments above).
    before = c.mib()
    t = k.send("FA", ack=k.peer_nxt())
    r = k.wait(t, lambda rr: any("F" in x["flags"] for x in rr))
    fin = next((x for x in r if "F" in x["flags"]), None)
    if fin is not None:
        k.send("A", seq=k.seq + 1, ack=fin["seq"] + fin["len"] + 1)
    c.record("f_close", {"sent": "FIN+ACK, then the ACK of hagd's FIN", "sport": k.sport, "responses": r,
                         "fin_acked": any(x["ack"] == (k.seq + 1) & M32 for x in r), "peer_fin": fin is not None,
                         "upload_bytes": k.nbytes, "upload_sha256": k.stream.hexdigest()}, before)


def case_wrong_segment(c, used):
    """MPTCP options where RFC 8684 puts none of their kind: ignored; the
    connection they land on goes on."""
    k = Conn(c, used, mptcp=True)
    if k.open() is None:
        c.record("w1_mpc_syn_on_data", {"sent": "MP_CAPABLE handshake", "error": "no MP_CAPABLE SYN/ACK"}, None)
        return
    ok0 = k.data(100)
    for name, extra, desc in (
            ("w1_mpc_syn_on_data", MPC_SYN, "data + DSS + MP_CAPABLE (SYN form)"),
            ("w3_mpj_on_data", mpj_syn(k.token, os.urandom(4)), "data + DSS + MP_JOIN (SYN form, own token)")):
        before = c.mib()
        t = time.monotonic()
        ok = k.data(100, extra=extra)
        c.record(name, {"sent": desc, "sport": k.sport, "responses": k.c.responses(k.sport, t),
                        "data_before": ok0, "acked": ok, "data_after": k.data(100)}, before)
    # MP_CAPABLE's ACK form with other keys, beside a DSS with a 32-bit DSN (room: 20 + 18).
    before = c.mib()
    n = 100
    opts = dss_opt(k.dack, dsn=k.c_idsn + 1 + k.sent, dsn64=False, ssn=k.seq - k.isn, dlen=n) + \
        bytes([MPTCP_KIND, 20, 0x01, 0x01]) + os.urandom(16)
    t = k.send("PA", opts=opts, payload=os.urandom(n))
    r = k.wait(t, lambda rr: k.acked(rr, n) and k.data_acked(rr, n))
    ok = k.acked(r, n) and k.data_acked(r, n)
    if k.acked(r, n):
        k.seq += n
    if ok:
        k.sent += n
    c.record("w2_mpc_ack_on_data", {"sent": "data + DSS + MP_CAPABLE (ACK form, other keys)", "sport": k.sport,
                                    "responses": r, "acked": ok, "data_after": k.data(100)}, before)
    # MP_JOIN on an ACK that opens nothing: a new 4-tuple from the lte address.
    before = c.mib()
    jport = new_port(used)
    ack = random.getrandbits(32)
    t = c.tcp(jport, "A", random.getrandbits(32), ack, MSS + mpj_syn(k.token, os.urandom(4)), src=c.a.src2)
    r = c.wait(jport, t, lambda rr: len(rr) > 0, c.a.wait)
    c.record("w4_mpj_on_ack", {"sent": "ACK with MP_JOIN (SYN form, a live token) to a new 4-tuple", "sport": jport,
                               "responses": r, "rst": has_flag(r, "R"),
                               "rst_seq_is_ack": any("R" in x["flags"] and x["seq"] == ack for x in r),
                               "data_after": k.data(100)}, before)
    k.close()
    # ADD_ADDR and DSS in SYNs.
    before = c.mib()
    aa = bytes([MPTCP_KIND, 16, 0x30, 5, 10, 10, 1, 2]) + os.urandom(8)
    c.record("w5_addaddr_in_syn", case_syn(c, used, "S", MSS + MPC_SYN + aa, "SYN with MP_CAPABLE and ADD_ADDR"),
             before)
    before = c.mib()
    d = dss_opt(random.getrandbits(32), dsn=random.getrandbits(64), ssn=1, dlen=100)
    c.record("w6_dss_in_syn", case_syn(c, used, "S", MSS + d, "SYN with a DSS (mapping, DATA_ACK), no MP_CAPABLE"),
             before)
    # MP_CAPABLE's third ACK on a connection that began as plain TCP.
    before = c.mib()
    p = Conn(c, used)
    sa = p.open(ack_opts=bytes([MPTCP_KIND, 20, 0x01, 0x01]) + os.urandom(16))
    ok = sa is not None and p.data(100) and p.data(100)
    r = c.responses(p.sport, p.t0)
    c.record("w7_mpc_ack_on_plain", {"sent": "plain SYN; third ACK with MP_CAPABLE (both keys); data without DSS",
                                     "sport": p.sport, "responses": r, "data_acked": bool(ok),
                                     "no_mptcp_answers": bool(r) and not any(x["mptcp"] for x in r)}, before)
    p.close()


def case_dss_windows(c, used):
    """DSS mappings and DATA_ACKs outside what the data level allows."""
    k = Conn(c, used, mptcp=True)
    if k.open(settle=False) is None:
        c.record("s1_dss_old", {"sent": "MP_CAPABLE handshake", "error": "no MP_CAPABLE SYN/ACK"}, None)
        return
    ok0 = k.data(100) and k.data(100)
    base = k.c_idsn + 1

    def mapped(name, desc, dsn, n=100):
        before = c.mib()
        t = k.send("PA", opts=dss_opt(k.dack, dsn=dsn, ssn=k.seq - k.isn, dlen=n), payload=os.urandom(n))
        r = k.quiet(t)
        sub = k.acked(r, n)
        res = {"sent": desc, "sport": k.sport, "responses": r, "data_before": ok0, "subflow_acked": sub,
               "data_ack_moved": any((a - base - k.sent) & M32 != 0 for a in dss_ack_of(r)),
               "data_ack_kept": any((a - base - k.sent) & M32 == 0 for a in dss_ack_of(r))}
        if sub:
            k.seq += n   # taken at subflow level: those sequence numbers are spent
        res["data_after"] = k.data(100)
        c.record(name, res, before)

    mapped("s1_dss_old", "100 new subflow bytes mapped at DSN IDSN+1 (bytes hagd has)", base)
    mapped("s2_dss_far_behind", "100 bytes mapped 2^40 behind the next DSN", base + k.sent - (1 << 40))
    mapped("s3_dss_straddles_idsn", "100 bytes mapped from 50 before IDSN+1 (the position wraps)", base - 50)
    mapped("s4_dss_far_ahead", "100 bytes mapped 2^40 past the next DSN", base + k.sent + (1 << 40))
    # hagd's own data (the upstream server's first bytes) stays unacknowledged
    # at data level until here; a DATA_ACK of bytes hagd never sent must not free them.
    s_base = k.s_idsn + 1
    got = k.downstream()
    before = c.mib()
    t = k.send("A", opts=dss_opt(s_base + (1 << 40), ack64=True))
    r = k.quiet(t)
    c.record("s5_data_ack_unsent", {"sent": "DATA_ACK 2^40 past what hagd sent", "sport": k.sport, "responses": r,
                                    "downstream_bytes": got, "data_after": k.data(100)}, before)
    before = c.mib()
    t = k.send("A", opts=dss_opt(s_base + got, ack64=True))
    r = k.quiet(t)
    c.record("s6_data_ack_right", {"sent": "DATA_ACK of the %d bytes hagd sent" % got, "sport": k.sport,
                                   "responses": r, "downstream_bytes": got, "data_after": k.data(100)}, before)
    k.close()


def case_rst_storm(c, used):
    """RFC 5961 3: RSTs that are not exact get a challenge ACK at most (rate
    limited), those outside the window nothing; only the exact one resets."""
    k = Conn(c, used)
    if k.open() is None:
        c.record("r1_rst_storm_in_window", {"sent": "plain TCP handshake", "error": "no SYN/ACK"}, None)
        return
    ok0 = k.data(100)
    wnd = max(2, min(k.wnd, 65535))

    def storm(name, desc, seqs):
        before = c.mib()
        frames = [ipv4_tcp(k.src, c.a.dst, k.sport, c.a.dport, "R", s, 0) for s in seqs]
        t = time.monotonic()
        for f in frames:
            c.send_ip(f)
        secs = time.monotonic() - t
        time.sleep(0.3)
        r = k.quiet(t)
        res = {"sent": desc, "sport": k.sport, "frames": len(frames), "send_secs": round(secs, 4),
               "responses": r, "answer": "%d challenge ACKs, %d RSTs, %d others" % (
                   k.challenge_acks(r), sum(1 for x in r if "R" in x["flags"]),
                   len(r) - k.challenge_acks(r) - sum(1 for x in r if "R" in x["flags"])),
               "challenge_acks": k.challenge_acks(r), "rst": has_flag(r, "R"), "data_before": ok0}
        res["data_after"] = k.data(100)
        c.record(name, res, before)

    n = c.a.storm
    storm("r1_rst_storm_in_window", "%d RSTs at RCV.NXT+1..RCV.NXT+%d (in the window, not exact)" % (n, wnd - 1),
          [k.seq + random.randint(1, wnd - 1) for _ in range(n)])
    storm("r2_rst_storm_outside", "%d RSTs outside the window (above it and below RCV.NXT)" % (n // 2),
          [k.seq + 65536 + random.getrandbits(30) if i & 1 else k.seq - 1 - random.getrandbits(30)
           for i in range(n // 2)])
    before = c.mib()
    t = k.send("R")
    r = k.quiet(t)
    t2 = k.send("A")   # the connection must be gone: an ACK gets a RST now
    r2 = k.wait(t2, lambda rr: has_flag(rr, "R"))
    c.record("r3_rst_exact", {"sent": "RST at RCV.NXT, then an ACK", "sport": k.sport, "responses": r,
                              "answer": answer(r), "after_ack": answer(r2), "gone": has_flag(r2, "R")}, before)


def join_hmacs(skey, ckey, ra, rb):
    """What hagd's join SYN/ACK carries (leftmost 64 bits, RFC 8684 3.2), and
    the client's third-ACK HMAC (leftmost 160 bits), for these keys."""
    return (hmac.new(skey + ckey, rb + ra, hashlib.sha256).digest()[:8],
            hmac.new(ckey + skey, ra + rb, hashlib.sha256).digest()[:20])


def case_tokens(c, used):
    """Tokens and keys of another live connection (B) used from A's side."""
    a, b = Conn(c, used, mptcp=True), Conn(c, used, mptcp=True)
    if a.open() is None or b.open() is None:
        c.record("t1_join_syn_on_live_tuple", {"sent": "two MP_CAPABLE handshakes", "error": "no SYN/ACK"}, None)
        return
    oka, okb = a.data(100), b.data(100)
    before = c.mib()
    t = a.send("S", ack=0, opts=MSS + mpj_syn(b.token, os.urandom(4)))
    r = a.quiet(t)
    c.record("t1_join_syn_on_live_tuple", {
        "sent": "MP_JOIN SYN with B's token on A's established 4-tuple, at A's RCV.NXT", "sport": a.sport,
        "responses": r, "challenge_ack": a.challenge_acks(r) > 0, "rst": has_flag(r, "R"),
        "data_before": oka and okb, "a_data_after": a.data(100), "b_data_after": b.data(100)}, before)

    before = c.mib()
    jport = new_port(used)
    jisn = random.getrandbits(32)
    ra = os.urandom(4)
    t = c.tcp(jport, "S", jisn, 0, MSS + mpj_syn(b.token, ra), src=c.a.src2)
    jr = c.wait(jport, t, lambda rr: any(x["flags"] == "SA" or "R" in x["flags"] for x in rr), c.a.wait)
    jsa = next((x for x in jr if x["flags"] == "SA"), None)
    res = {"sent": "MP_JOIN SYN from lte with B's token; third ACK with the HMAC of A's keys", "sport": jport,
           "synack": jsa is not None}
    mpj = next((o for o in jsa["mptcp"] if o.get("subtype") == "MP_JOIN"), None) if jsa else None
    if mpj is not None:
        raw = bytes.fromhex(mpj["raw"])        # subtype|B, id, HMAC(8), nonce(4)
        thmac, rb = raw[2:10], raw[10:14]
        res["synack_hmac_of_b"] = thmac == join_hmacs(b.skey, b.ckey, ra, rb)[0]
        res["synack_hmac_of_a"] = thmac == join_hmacs(a.skey, a.ckey, ra, rb)[0]
        t = c.tcp(jport, "A", jisn + 1, jsa["seq"] + 1,
                  bytes([MPTCP_KIND, 24, 0x10, 0]) + join_hmacs(a.skey, a.ckey, ra, rb)[1], src=c.a.src2)
        jr2 = c.wait(jport, t, lambda rr: has_flag(rr, "R"), c.a.wait)
        res["rst"] = has_flag(jr2, "R")
        jr = jr + jr2
    res["responses"] = jr
    res["b_data_after"] = b.data(100)
    res["a_data_after"] = a.data(100)
    c.record("t2_join_other_token", res, before)

    before = c.mib()
    t = a.send("A", opts=fastclose(b.skey))
    r = a.quiet(t)
    c.record("t3_fastclose_other_key", {"sent": "MP_FASTCLOSE on A carrying B's key", "sport": a.sport,
                                        "responses": r, "rst": has_flag(r, "R"),
                                        "a_data_after": a.data(100), "b_data_after": b.data(100)}, before)
    # B's own key: RFC 8684 3.5, hagd answers with a RST and the connection is over.
    before = c.mib()
    t = b.send("A", opts=fastclose(b.skey))
    r = b.wait(t, lambda rr: has_flag(rr, "R"))
    time.sleep(0.1)
    c.record("t4_fastclose_own_key", {"sent": "MP_FASTCLOSE on B carrying B's key", "sport": b.sport,
                                      "responses": r, "rst": has_flag(r, "R"), "a_data_after": a.data(100)}, before)
    a.close()


def main():
    p = argparse.ArgumentParser(description="crafted TCP and MPTCP segments toward hagd")
    p.add_argument("--dst", default="10.10.0.1")
    p.add_argument("--dport", type=int, default=8080)
    p.add_argument("--src", default="10.10.1.2")
    p.add_argument("--iface", default="dsl")
    p.add_argument("--gw", default="10.10.1.1", help="hagd's address on --iface (ARP)")
    p.add_argument("--src2", default="10.10.2.2", help="second address (MP_JOIN), on --iface2")
    p.add_argument("--iface2", default="lte")
    p.add_argument("--gw2", default="10.10.2.1")
    p.add_argument("--cases", default="a,b,c,d,l,f,w,s,r,t", help="comma list of a, b, c, d, l, f, w, s, r, t")
    p.add_argument("--wait", type=float, default=1.5, help="seconds to wait for an answer")
    p.add_argument("--quiet", type=float, default=0.4, help="seconds to wait where the answer is nothing")
    p.add_argument("--storm", type=int, default=2500, help="RSTs in the in-window storm (half as many outside)")
    p.add_argument("--hagctl", default="", help="command printing hagd's counters as JSON (per-case deltas)")
    a = p.parse_args()
    want = set(a.cases.split(","))
    c = Craft(a)
    out = c.out
    out.update({"dst": "%s:%d" % (a.dst, a.dport), "src": a.src})
    used = set()
    nft_add()
    try:
        c.start()
        if "a" in want:
            before = c.mib()
            c.record("a1_mpc_len3", case_bad_syn(
                c, used, "a1", bytes([MPTCP_KIND, 3, 0x01]), "SYN, MPTCP option length 3"), before)
            before = c.mib()
            c.record("a2_mpc_len10", case_bad_syn(
                c, used, "a2", bytes([MPTCP_KIND, 10, 0x01, 0x01]) + os.urandom(6),
                "SYN, MP_CAPABLE length 10"), before)
            before = c.mib()
            c.record("a3_mpc_truncated", case_bad_syn(
                c, used, "a3", bytes([1, 1, MPTCP_KIND, 24, 0x01, 0x01]),
                "SYN, MP_CAPABLE claiming 24 bytes, 4 present"), before)
        for key, name, fn in (("b", "b_bad_dss", case_handshake_bad_dss),
                              ("c", "c_join_unknown_token", case_join_unknown_token),
                              ("d", "d_forgeries", case_connection_forgeries)):
            if key in want:
                before = c.mib()
                c.record(name, fn(c, used), before)
        for key, fn in (("l", case_lengths), ("f", case_flags), ("w", case_wrong_segment),
                        ("s", case_dss_windows), ("r", case_rst_storm), ("t", case_tokens)):
            if key in want:
                fn(c, used)
        time.sleep(0.2)
    finally:
        c.stop()
        nft_del()
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())

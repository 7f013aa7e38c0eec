#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Seed inputs for the fuzz targets of tests/fuzz, from real captures.

    tests/fuzz/make_corpus.py OUTDIR [PCAP_DIR]

writes OUTDIR/{tcp_options,mptcp_options,packet,config}/NAME, one input per
file, in the formats the targets read (see the comment at the top of each
fuzz_*.c). PCAP_DIR (default tests/data/pcap in this tree)
holds the captures of a Linux MPTCP client (tests/data/README.md).
scripts/fuzz.sh --seed runs this and merges (libFuzzer -merge=1) what adds
coverage into tests/fuzz/corpus/TARGET.

- tcp_options: every TCP option block of every packet, after a SYN flag byte.
- mptcp_options: every MPTCP option, and every segment's MPTCP options together.
- packet: each capture's client side as a conversation with hagd (fuzz_packet.c):
  the client's segments as Ethernet frames to hagd's listener (or, in the
  transparent variants, to an intercepted server), an emulated upstream server
  answering hagd's upstream connect, and the fix-up bits that let hagd's own
  ISNs, keys and nonces in. The captures keep 256 bytes of each packet: the
  payload is cut, so sequence numbers and DSS mappings are renumbered as if
  the client had sent only the bytes kept. Plus ARP, ICMP and transit frames,
  and clients that lose one of hagd's segments (SACK recovery).
- config: conf/*.json and conf/*.cfg, in each way fuzz_config.c reads them, and
  variants (the fuzz_packet config, small edits, common mistakes).

Pure Python 3, no third-party module: pcap files are read by hand (link types
Ethernet, Linux cooked v1 and v2).
"""
import glob
import hashlib
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))

# fuzz_packet.c frame control bits.
FIX_CSUM, FIX_LEN, FIX_ACK, FIX_MPTCP, FIX_PORT = 0x01, 0x02, 0x04, 0x08, 0x10
FIX_ALL = FIX_CSUM | FIX_LEN | FIX_ACK | FIX_MPTCP | FIX_PORT
PORT_DSL, PORT_LTE, PORT_UP = 0, 1, 2

# The addresses of fuzz_packet.c's config.
UPSTREAM = ('10.20.0.2', 9000)
UPSTREAM_SNAT = '10.20.0.100'
GW_UP = '10.20.0.1'
INTERCEPTED = ('203.0.113.10', 80)
SERVICE = ('10.10.0.1', 8080)


def ip4(s):
    return bytes(int(x) for x in s.split('.'))


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


# --- pcap ---------------------------------------------------------------------

def read_pcap(path):
    """[(time, ip_bytes)] of the IPv4 packets of a pcap file."""
    with open(path, 'rb') as f:
        data = f.read()
    magic = struct.unpack('<I', data[:4])[0]
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        e = '<'
    elif magic in (0xd4c3b2a1, 0x4d3cb2a1):
        e = '>'
    else:
        raise ValueError('%s: not a pcap file' % path)
    nano = magic in (0xa1b23c4d, 0x4d3cb2a1)
    linktype = struct.unpack(e + 'I', data[20:24])[0]
    off, out = 24, []
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(e + 'IIII', data[off:off + 16])
        pkt = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        if linktype == 1:            # Ethernet
            proto, l3 = struct.unpack('!H', pkt[12:14])[0], 14
        elif linktype == 113:        # Linux cooked v1
            proto, l3 = struct.unpack('!H', pkt[14:16])[0], 16
        elif linktype == 276:        # Linux cooked v2
            proto, l3 = struct.unpack('!H', pkt[0:2])[0], 20
        else:
            raise ValueError('%s: link type %d' % (path, linktype))
        if proto == 0x0800:
            out.append((sec + frac / (1e9 if nano else 1e6), pkt[l3:]))
    return out


class Seg:
    """One captured TCP segment."""

    def __init__(self, t, ip):
        ihl = (ip[0] & 15) * 4
        self.t = t
        self.src, self.dst = ip[12:16], ip[16:20]
        self.iplen = struct.unpack('!H', ip[2:4])[0]
        th = ip[ihl:]
        self.sport, self.dport, self.seq, self.ack = struct.unpack('!HHII', th[:12])
        self.doff = (th[12] >> 4) * 4
        self.flags = th[13]
        self.win = struct.unpack('!H', th[14:16])[0]
        self.opts = bytes(th[20:self.doff])
        self.payload = bytes(th[self.doff:])               # as captured (cut at the snap length)
        self.plen = self.iplen - ihl - self.doff           # as sent

    syn = property(lambda s: bool(s.flags & 0x02))
    fin = property(lambda s: bool(s.flags & 0x01))


def tcp_segments(path):
    out = []
    for t, ip in read_pcap(path):
        if ip[9] == 6 and len(ip) >= (ip[0] & 15) * 4 + 20:
            out.append(Seg(t, ip))
    return out


def options(block):
    """[(kind, bytes of the option)] of a TCP option block."""
    i, out = 0, []
    while i < len(block):
        k = block[i]
        if k == 0:
            break
        if k == 1:
            i += 1
            continue
        if i + 1 >= len(block) or block[i + 1] < 2 or i + block[i + 1] > len(block):
            break
        out.append((k, i, block[i:i + block[i + 1]]))
        i += block[i + 1]
    return out


def key_idsn(key):
    h = hashlib.sha256(struct.pack('!Q', key)).digest()
    return struct.unpack('!Q', h[24:32])[0]


# --- frames for fuzz_packet ------------------------------------------------------

def tcp_frame(src, sport, dst, dport, seq, ack, flags, win, opts, payload, ttl=64):
    opts = bytes(opts)
    if len(opts) % 4:
        opts += b'\x01' * (4 - len(opts) % 4)
    doff = 20 + len(opts)
    th = struct.pack('!HHIIBBHHH', sport, dport, seq & 0xffffffff, ack & 0xffffffff, (doff // 4) << 4,
                     flags, win, 0, 0) + opts + payload
    tot = 20 + len(th)
    iph = struct.pack('!BBHHHBBH4s4s', 0x45, 0, tot, 0, 0x4000, ttl, 6, 0, src, dst)
    iph = iph[:10] + struct.pack('!H', csum(iph)) + iph[12:]
    ph = src + dst + struct.pack('!BBH', 0, 6, len(th))
    th = th[:16] + struct.pack('!H', csum(ph + th)) + th[18:]
    return ether(0x0800) + iph + th


def ether(etype, src=b'\x02\x00\x00\x00\x00\x02', dst=b'\x02\x00\x00\x00\x00\x01'):
    return dst + src + struct.pack('!H', etype)


def ip_frame(src, dst, proto, l4, ttl=64, df=True):
    tot = 20 + len(l4)
    iph = struct.pack('!BBHHHBBH4s4s', 0x45, 0, tot, 1, 0x4000 if df else 0, ttl, proto, 0, src, dst)
    iph = iph[:10] + struct.pack('!H', csum(iph)) + iph[12:]
    return ether(0x0800) + iph + l4


def rec(ctl, dt, frame, port):
    ctl = (ctl & 0x9f) | (port & 3) << 5
    return struct.pack('!BBH', ctl, dt, len(frame)) + frame


def dt_of(seconds):
    """fuzz_packet's time byte for a gap (ms granularity, up to 63 ms here)."""
    ms = int(round(seconds * 1000))
    return max(0, min(ms, 63))


class Removed:
    """Bytes cut from a sequence space (by the snap length): where and how many."""

    def __init__(self):
        self.cuts = {}

    def cut(self, at, n):
        if n > 0:
            self.cuts[at] = max(self.cuts.get(at, 0), n)

    def map(self, x):
        return x - sum(n for at, n in self.cuts.items() if at < x)


def conversation(segs, server, transparent, variant, after_data=None, upstream=True):
    """One capture as a fuzz_packet input: the client's side, an upstream server.

    after_data: frames (bytes) put in after the client's first full data
    segment, before the upstream server acknowledges what hagd relayed.
    upstream False: the upstream server never answers."""
    srv_addrs = {s.dst for s in segs if s.syn and not (s.flags & 0x10)}
    cs = [s for s in segs if s.dst in srv_addrs and s.dport == server[1]]     # client -> server
    sc = [s for s in segs if s.src in srv_addrs and s.sport == server[1]]     # server -> client
    isn, removed, dremoved, ckey = {}, {}, Removed(), None
    # Pass 1: subflow ISNs, the client's key, what the snap length cut.
    for s in cs:
        fl = (s.src, s.sport)
        if s.syn:
            isn[fl] = s.seq
            removed[fl] = Removed()
        for k, _, o in options(s.opts):
            if k == 30 and o[2] >> 4 == 0 and len(o) >= 20:
                ckey = struct.unpack('!Q', o[4:12])[0]
    idsn = key_idsn(ckey) if ckey is not None else 0
    for s in cs:
        fl = (s.src, s.sport)
        if fl not in isn or s.plen <= len(s.payload):
            continue
        rel = (s.seq - isn[fl]) & 0xffffffff
        removed[fl].cut(rel + len(s.payload), s.plen - len(s.payload))
        ds = data_start(s, isn[fl], idsn)
        if ds is not None:
            dremoved.cut(ds + len(s.payload), s.plen - len(s.payload))

    # Pass 2: the frames, in capture order, with the upstream server's.
    out = bytearray(variant)
    last_t = None
    up_isn, up_nxt, up_state = 0x20000000, 0x20000001, 'none'
    up_src = INTERCEPTED if transparent else UPSTREAM
    up_dst = UPSTREAM_SNAT if transparent else GW_UP
    up_opts = bytes([2, 4, 0x05, 0xb4, 4, 2, 8, 10]) + struct.pack('!II', 1000, 0) + bytes([1, 3, 3, 7])
    up_ts = 1000

    def up(flags, payload=b'', opts=None, dt=1):
        nonlocal up_ts
        up_ts += 1
        o = opts if opts is not None else bytes([1, 1, 8, 10]) + struct.pack('!II', up_ts, 0)
        f = tcp_frame(ip4(up_src[0]), up_src[1], ip4(up_dst), 1, up_nxt if flags != 0x12 else up_isn, 0,
                      flags, 65535, o, payload)
        out.extend(rec(FIX_ALL, dt, f, PORT_UP))

    for s in sorted(cs + sc, key=lambda x: x.t):
        if s in sc:
            # The server's data toward the client: the upstream server sends as much.
            if up_state == 'est' and s.payload and not s.syn:
                up(0x18, s.payload)
                up_nxt += len(s.payload)
            if up_state == 'est' and (s.fin or any(k == 30 and o[2] >> 4 == 2 and o[3] & 0x10
                                                   for k, _, o in options(s.opts))):
                up(0x11)
                up_nxt += 1
                up_state = 'fin'
            continue
        fl = (s.src, s.sport)
        if fl not in isn:
            continue
        rel = (s.seq - isn[fl]) & 0xffffffff
        seq = isn[fl] + removed[fl].map(rel)
        opts = bytearray(s.opts)
        for k, at, o in options(s.opts):
            if k == 30 and o[2] >> 4 == 2 and o[3] & 0x04:
                remap_dss(opts, at, o, s, isn[fl], idsn, dremoved, removed[fl])
        dst = ip4(INTERCEPTED[0]) if transparent else s.dst
        dport = INTERCEPTED[1] if transparent else s.dport
        f = tcp_frame(s.src, s.sport, dst, dport, seq, s.ack, s.flags, s.win, opts, s.payload)
        dt = dt_of(s.t - last_t) if last_t is not None else 0
        last_t = s.t
        port = PORT_LTE if s.src[:3] == ip4('10.98.2.0')[:3] else PORT_DSL
        out.extend(rec(FIX_ALL & ~FIX_PORT, dt, f, port))
        if after_data is not None and len(s.payload) > 100:
            out.extend(after_data)
            after_data = None
        if not upstream:
            continue
        # hagd connects upstream once the client's handshake is complete.
        if up_state == 'none' and not s.syn and s.flags & 0x10:
            up(0x12, opts=up_opts)
            up_state = 'est'
        elif up_state == 'est' and s.payload:
            up(0x10)
    if up_state == 'est' and upstream:
        up(0x11)
    return bytes(out)


def data_start(s, sf_isn, idsn):
    """The data-level position (64-bit DSN) of the segment's first byte, from its mapping."""
    for k, _, o in options(s.opts):
        if k != 30:
            continue
        sub = o[2] >> 4
        if sub == 0 and len(o) >= 22:         # MP_CAPABLE with data: DSN IDSN + 1, subflow 1
            return idsn + 1 + ((s.seq - sf_isn) & 0xffffffff) - 1
        if sub == 2 and o[3] & 0x04:
            m = dss_fields(o)
            if m is not None:
                dsn, ssn, _ = m
                if not o[3] & 0x08:
                    dsn = widen(idsn, dsn)
                return dsn + ((s.seq - sf_isn - ssn) & 0xffffffff)
    return None


def dss_fields(o):
    fl, at = o[3], 4
    if fl & 0x01:
        at += 8 if fl & 0x02 else 4
    w = 8 if fl & 0x08 else 4
    if len(o) < at + w + 6:
        return None
    dsn = int.from_bytes(o[at:at + w], 'big')
    ssn, dlen = struct.unpack('!IH', o[at + w:at + w + 6])
    return dsn, ssn, dlen


def widen(ref, low):
    v = (ref & ~0xffffffff) | low
    if v + 0x80000000 < ref:
        v += 1 << 32
    return v


def remap_dss(opts, at, o, s, sf_isn, idsn, dremoved, removed):
    """A mapping of exactly the bytes kept of this segment (or the DATA_FIN alone)."""
    m = dss_fields(o)
    if m is None:
        return
    dsn, ssn, dlen = m
    fl = o[3]
    w = 8 if fl & 0x08 else 4
    base = 4 + ((8 if fl & 0x02 else 4) if fl & 0x01 else 0)
    fin = 1 if fl & 0x10 else 0
    if not fl & 0x08:
        dsn = widen(idsn, dsn)
    if ssn == 0 and dlen == 1 and fin and not s.payload:
        new = (dremoved.map(dsn), 0, 1)
    else:
        rel = (s.seq - sf_isn) & 0xffffffff
        start = dsn + ((rel - ssn) & 0xffffffff)
        new = (dremoved.map(start), removed.map(rel), len(s.payload) + fin)
    b = (new[0] & ((1 << (8 * w)) - 1)).to_bytes(w, 'big') + struct.pack('!IH', new[1] & 0xffffffff, new[2])
    opts[at + base:at + base + w + 6] = b


def loss_seed(mptcp):
    """A client that loses one of hagd's segments: SACK recovery.

    fuzz_packet's FIX_ACK reads the ack and the SACK edges of a segment with a
    SACK option as offsets back from hagd's highest sequence."""
    c, s = ip4('10.98.1.2'), ip4('10.98.1.1')
    up, gw = ip4(UPSTREAM[0]), ip4(GW_UP)
    fix = FIX_ALL & ~FIX_PORT
    out = bytearray(b'\0\0\0')
    tsv = [100]

    def ts():
        tsv[0] += 1
        return bytes([1, 1, 8, 10]) + struct.pack('!II', tsv[0], 0)

    def cl(flags, seq, opts=b'', payload=b'', dt=0, ack=0):
        out.extend(rec(fix, dt, tcp_frame(c, 41000, s, 7001, seq, ack, flags, 65535, opts, payload), PORT_DSL))

    def upf(flags, seq, payload=b'', opts=b'', dt=0, ctl=FIX_ALL):
        out.extend(rec(ctl, dt, tcp_frame(up, 9000, gw, 1, seq, 0, flags, 65535, opts, payload), PORT_UP))

    mpc = bytes([30, 4, 0x01, 0x01]) if mptcp else b''
    cl(0x02, 1000, bytes([2, 4, 0x05, 0xb4, 4, 2, 1, 3, 3, 7]) + ts() + mpc)
    key = bytes([30, 20, 0x01, 0x01]) + struct.pack('!QQ', 0x0123456789abcdef, 0) if mptcp else b''
    cl(0x10, 1001, ts() + key)
    upf(0x12, 7000, opts=bytes([2, 4, 0x05, 0xb4, 1, 3, 3, 7]), dt=1)
    seq = 7001
    for i in range(24):                     # 24 KB from the server, in one burst
        upf(0x18 if i == 23 else 0x10, seq, bytes([i]) * 1000, ctl=FIX_ALL | 0x80)
        seq += 1000
    upf(0x10, seq, dt=1)
    dss = (lambda: bytes([1, 1, 30, 8, 0x20, 0x01, 0, 0, 0, 0])) if mptcp else (lambda: b'')
    # hagd sent about ten segments: the first arrived, the second was lost, the rest came.
    sack = bytes([1, 1, 5, 10]) + struct.pack('!II', 11000, 0)
    for _ in range(4):
        cl(0x10, 1001, ts() + sack + dss(), dt=1, ack=12000)
    cl(0x10, 1001, ts() + dss(), dt=5)      # all of it
    # A second of silence (empty frames: time only, 2 x 504 ms), then the close.
    for _ in range(2):
        out.extend(rec(0, 0x7f, b'', PORT_DSL))
    cl(0x10, 1001, ts() + dss(), dt=1)
    cl(0x11, 1001, ts() + dss(), dt=1)      # the client's FIN
    upf(0x11, seq, dt=1)
    return bytes(out)


# --- the other frames ---------------------------------------------------------------

def arp_request(sip, tip, port):
    body = struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 1, b'\x02\x00\x00\x00\x00\x02', ip4(sip),
                       b'\0' * 6, ip4(tip))
    return rec(0, 0, ether(0x0806, dst=b'\xff' * 6) + body, port)


def icmp_echo(src, dst, port):
    ic = struct.pack('!BBHHH', 8, 0, 0, 0x1234, 1) + b'hagd fuzz'
    ic = ic[:2] + struct.pack('!H', csum(ic)) + ic[4:]
    return rec(0, 0, ip_frame(ip4(src), ip4(dst), 1, ic), port)


def icmp_unreach_upstream(code, mtu=0):
    """From the upstream router about hagd's upstream segment: code 4 needs
    fragmenting (RFC 1191), 3 port unreachable."""
    inner = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 1500, 0, 0x4000, 63, 6, 0, ip4(GW_UP), ip4(UPSTREAM[0]))
    inner += struct.pack('!HHI', 1, UPSTREAM[1], 0)
    ic = struct.pack('!BBHHH', 3, code, 0, 0, mtu) + inner
    return rec(FIX_CSUM | FIX_ACK | FIX_PORT, 1, ip_frame(ip4('10.20.0.254'), ip4(GW_UP), 1, ic), PORT_UP)


def transit(ttl, size, df, port=PORT_DSL):
    l4 = struct.pack('!HHIIBBHHH', 40000, 80, 1, 0, 0x50, 0x10, 1000, 0, 0) + b'x' * size
    return rec(FIX_CSUM, 0, ip_frame(ip4('10.98.1.2'), ip4('198.51.100.7'), 6, l4, ttl=ttl, df=df), port)


# IPv6 on dsl (fuzz_packet.c gives the port 2001:db8:10::1/64): ND, ICMPv6 and headers.
HAGD6 = bytes.fromhex('20010db8001000000000000000000001')
CLIENT6 = bytes.fromhex('20010db8001000000000000000000022')
LL_CLIENT6 = bytes.fromhex('fe800000000000000000000000000022')


def ip6_frame(src, dst, nh, payload, hlim=64, icmp_at=None):
    """An IPv6 frame; the ICMPv6 checksum of the message at payload offset icmp_at is set."""
    if icmp_at is not None:
        ic = payload[icmp_at:]
        ic = ic[:2] + b'\0\0' + ic[4:]
        ph = src + dst + struct.pack('!IxxxB', len(ic), 58)
        payload = payload[:icmp_at] + ic[:2] + struct.pack('!H', csum(ph + ic)) + ic[4:]
    hdr = struct.pack('!IHBB', 6 << 28, len(payload), nh, hlim) + src + dst
    return ether(0x86dd) + hdr + payload


def solicited(a):
    return bytes.fromhex('ff0200000000000000000001ff') + a[13:]


def ipv6_seed():
    mac = b'\x02\x00\x00\x00\x00\x02'
    echo = struct.pack('!BBHHH', 128, 0, 0, 7, 1) + b'hagd6'
    ns = struct.pack('!BBHI', 135, 0, 0, 0) + HAGD6 + b'\x01\x01' + mac
    dad = struct.pack('!BBHI', 135, 0, 0, 0) + HAGD6
    na = struct.pack('!BBHI', 136, 0, 0, 0x60000000) + LL_CLIENT6 + b'\x02\x01' + mac
    tcp = struct.pack('!HHIIBBHHH', 40000, 8080, 1, 0, 0x50, 0x02, 65535, 0, 0)
    chain = bytes([60, 0, 1, 4, 0, 0, 0, 0]) + bytes([6, 0, 1, 4, 0, 0, 0, 0]) + tcp
    return b'\0\0\0' + b''.join(rec(0, 0, f, PORT_DSL) for f in (
        ip6_frame(CLIENT6, HAGD6, 58, echo, icmp_at=0),
        ip6_frame(LL_CLIENT6, solicited(HAGD6), 58, ns, hlim=255, icmp_at=0),
        ip6_frame(bytes(16), solicited(HAGD6), 58, dad, hlim=255, icmp_at=0),
        ip6_frame(LL_CLIENT6, HAGD6, 58, na, hlim=255, icmp_at=0),
        ip6_frame(CLIENT6, HAGD6, 17, struct.pack('!HHHH', 5000, 5000, 8, 0)),
        ip6_frame(CLIENT6, HAGD6, 0, chain),
        ip6_frame(CLIENT6, HAGD6, 44, bytes([6, 0, 0, 1, 0, 0, 0, 9]) + tcp),
        ip6_frame(CLIENT6, HAGD6, 43, bytes([6, 2, 0, 1]) + bytes(20) + tcp),
    ))


# --- writers ---------------------------------------------------------------------------

def write(outdir, target, name, data, seen):
    d = os.path.join(outdir, target)
    os.makedirs(d, exist_ok=True)
    h = hashlib.sha1(data).hexdigest()
    if (target, h) in seen:
        return
    seen.add((target, h))
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    outdir = sys.argv[1]
    pcaps = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, 'tests', 'data', 'pcap')
    files = sorted(glob.glob(os.path.join(pcaps, '*.pcap')))
    if not files:
        sys.exit('no pcap files in %s' % pcaps)
    seen = set()
    server = ('10.98.1.1', 7001)
    convs = {}
    for path in files:
        base = os.path.splitext(os.path.basename(path))[0]
        segs = tcp_segments(path)
        for i, s in enumerate(segs):
            write(outdir, 'tcp_options', '%s-%03d' % (base, i), bytes([1 if s.syn else 0]) + s.opts, seen)
            mp = [o for k, _, o in options(s.opts) if k == 30]
            for j, o in enumerate(mp):
                write(outdir, 'mptcp_options', '%s-%03d-%d' % (base, i, j), o, seen)
            if len(mp) > 1:
                write(outdir, 'mptcp_options', '%s-%03d-all' % (base, i), b''.join(mp), seen)
        convs[base] = segs

    # Conversations: the variant bytes 0..2 as fuzz_packet.c's apply_variant reads them
    # (2 in byte 2: SYN cookies for every SYN).
    variants = {
        'mptcp-v1-two-subflows': [(0x00, 0x00, 0), (0x02, 0x00, 0), (0x11, 0x44, 0), (0x00, 0x00, 2)],
        'mptcp-v1-dss-checksum': [(0x00, 0x00, 0), (0x08, 0x00, 0), (0x00, 0x00, 2)],
        'mptcp-v1-backup-subflow': [(0x01, 0x00, 0), (0x22, 0x08, 0)],
        'mptcp-v1-add-addr': [(0x00, 0x00, 0), (0x00, 0x01, 0)],
        'plain-tcp': [(0x00, 0x00, 0), (0x40, 0x10, 0), (0x00, 0x00, 2)],
    }
    for base, segs in convs.items():
        for v in variants.get(base, [(0, 0, 0)]):
            write(outdir, 'packet', '%s-explicit-%s' % (base, bytes(v).hex()),
                  conversation(segs, server, False, bytes(v)), seen)
        v = variants.get(base, [(0, 0, 0)])[0]
        write(outdir, 'packet', '%s-transparent-%s' % (base, bytes(v).hex()),
              conversation(segs, server, True, bytes(v)), seen)
        write(outdir, 'packet', '%s-transparent-mptcp-only' % base,
              conversation(segs, server, True, bytes([0x80, 0, 0])), seen)
    # A plain TCP client of the second listener (the service address).
    if 'plain-tcp' in convs:
        segs2 = []
        for s in tcp_segments(os.path.join(pcaps, 'plain-tcp.pcap')):
            if s.dst == ip4(server[0]) and s.dport == server[1]:
                s.dst, s.dport = ip4(SERVICE[0]), SERVICE[1]
            elif s.src == ip4(server[0]) and s.sport == server[1]:
                s.src, s.sport = ip4(SERVICE[0]), SERVICE[1]
            segs2.append(s)
        write(outdir, 'packet', 'plain-tcp-service', conversation(segs2, SERVICE, False, b'\0\0\0'), seen)
    write(outdir, 'packet', 'plain-tcp-losses', loss_seed(False), seen)
    write(outdir, 'packet', 'mptcp-losses', loss_seed(True), seen)
    # Below TCP, and hagd's upstream connection told to use a smaller MTU.
    two = convs.get('mptcp-v1-two-subflows')
    write(outdir, 'packet', 'arp-icmp-transit',
          b'\0\0\0' + arp_request('10.98.1.2', '10.98.1.1', PORT_DSL) + arp_request('10.98.2.2', '10.98.2.1', PORT_LTE) +
          icmp_echo('10.98.1.2', '10.98.1.1', PORT_DSL) + transit(1, 100, True) + transit(64, 1600, True) +
          transit(64, 100, False), seen)
    write(outdir, 'packet', 'ipv6-nd-icmp6-headers', ipv6_seed(), seen)
    if two:
        write(outdir, 'packet', 'upstream-frag-needed',
              conversation(two, server, False, b'\0\0\0', after_data=icmp_unreach_upstream(4, 1280)), seen)
        write(outdir, 'packet', 'upstream-port-unreachable',
              conversation(two[:6], server, False, b'\0\0\0', upstream=False) + icmp_unreach_upstream(3), seen)
        # Half a conversation, then silence: retransmissions, keepalives, a
        # connection parked and given up, TIME_WAIT, as the clock runs 4 x 32 s.
        idle = b''.join(rec(0, 0xff, b'', PORT_DSL) for _ in range(4))
        write(outdir, 'packet', 'two-subflows-then-silence',
              conversation(two[:len(two) // 2], server, False, b'\0\0\0') + idle, seen)

    # Configs: every file of conf/ in each way in, and variants.
    confs = sorted(glob.glob(os.path.join(ROOT, 'conf', '*.json')) + glob.glob(os.path.join(ROOT, 'conf', '*.cfg')))
    for path in confs:
        with open(path, 'rb') as f:
            text = f.read()
        name = os.path.basename(path)
        if name.endswith('.cfg'):
            write(outdir, 'config', name, b'\x01' + text, seen)
        else:
            write(outdir, 'config', name, b'\x00' + text, seen)
            write(outdir, 'config', name + '-file', b'\x03' + text, seen)
            write(outdir, 'config', name + '-broken', b'\x00' + text[:len(text) // 2], seen)
            write(outdir, 'config', name + '-unknown-key', b'\x00' + text.replace(b'"mtu"', b'"mtus"', 1), seen)
            write(outdir, 'config', name + '-bad-addr', b'\x00' + text.replace(b'/24"', b'/33"', 1), seen)
    src = open(os.path.join(HERE, 'fuzz_packet.c')).read()
    body = src.split('static const char fz_config[] =', 1)[1].split(';\n', 1)[0]
    lines = [l.strip() for l in body.strip().splitlines()]
    text = ''.join(bytes(l[1:-1], 'ascii').decode('unicode_escape') for l in lines if l.startswith('"'))
    write(outdir, 'config', 'fuzz-packet.json', b'\x00' + text.encode(), seen)
    write(outdir, 'config', 'minimal-libconfig.cfg',
          b'\x01ports = ( { name = "a"; dev = "net_null0"; addr = "10.0.0.1/24"; } );\n'
          b'listeners = ( { listen = ":80"; upstream = "10.0.0.2:80"; } );\n'
          b'tcp = { rcvbuf = 4294967296; };\n', seen)
    write(outdir, 'config', 'minimal-libconfig-wide.cfg',
          b'\x01ports = ( { name = "a"; dev = "net_null0"; addr = "10.0.0.1/24"; mtu = 1500L; } );\n'
          b'listeners = ( { listen = "0.0.0.0:80"; upstream = "10.0.0.2:80"; } ); /* c */ # d\n'
          b'mptcp = { scheduler = "cost"; checksum = "require"; }; transparent = { ingress = [ "a" ];\n'
          b' intercept = ( { prefix = "0.0.0.0/0"; ports = ( 80, "8000-8080" ); } ); };\n', seen)
    for t in ('tcp_options', 'mptcp_options', 'packet', 'config'):
        d = os.path.join(outdir, t)
        print('%-14s %4d seeds, %7d bytes' % (t, len(os.listdir(d)),
                                               sum(os.path.getsize(os.path.join(d, x)) for x in os.listdir(d))))


if __name__ == '__main__':
    main()

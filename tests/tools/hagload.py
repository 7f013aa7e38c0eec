#!/usr/bin/python3
"""hagload: bulk transfers with known content, for hagd's end-to-end tests.

  hagload.py server --port P --bytes N [--count K] [--seed S] [--speak-first] [--mptcp]
  hagload.py client --addr A --port P --bytes N [--mptcp] [--seed S] [--wait-first]
  hagload.py relay --listen A:P --upstream A:P [--mptcp] [--stats FILE]
  hagload.py kstats [--relay-stats FILE]
  hagload.py ping ADDR [--iface IF] [--count N] [--timeout T]   (ICMP echo, raw socket)

relay and kstats stand in for hagd (testbed.sh up --kernel-gw): a kernel
MPTCP listener relaying to the upstream over TCP, and the kernel's counters
printed in the shape of `hagctl stats`. They exist to check the test network
and the e2e tests themselves against a known-good MPTCP implementation.

Both ends send and receive at the same time (one thread each way), 1 MiB at a
time. The sender shuts down its write side after N bytes; the receiver reads
to EOF. Each connection ends with one JSON line on stdout:

  {"role", "rx_bytes", "rx_sha256", "tx_bytes", "tx_sha256", "secs",
   "rx_secs", "tx_secs", "error", ...}

so a test compares one end's tx_sha256 with the other end's rx_sha256.
With --sample-ms N the line also has "samples": [secs, rx_bytes, tx_bytes]
every N ms, for a rate over the steady part of a transfer. --hold-open
shuts the write side only after the peer's EOF: a one-way transfer (--bytes
0 on this side) that keeps an MPTCP connection open to joins.

The data is a 1 MiB block derived from the seed (SHAKE-256), rotated by a
different offset for every 1 MiB of the stream, so no two MiB of one stream
are alike (up to 1 TiB) and streams with different seeds differ. The server
uses seed "S:i" for its i-th connection, so concurrent streams differ too.

Errors: a connection error is reported by its errno name ("ECONNRESET",
"ECONNREFUSED", "ETIMEDOUT" for a socket timeout) in "error", and the
process exits 2. Every socket operation has a timeout (--timeout, default
30 s) and the whole run a ceiling (--max-secs, default 600 s).
Standard library only; run it with /usr/bin/python3.
"""

import argparse
import errno
import hashlib
import json
import os
import socket
import struct
import sys
import threading
import time

IPPROTO_MPTCP = 262
SOL_MPTCP = 284
MPTCP_INFO = 1
BLOCK = 1 << 20
ROT_STEP = 104729  # odd, so i * ROT_STEP mod 2^20 differs for 2^20 blocks

_print_lock = threading.Lock()


def emit(obj):
    with _print_lock:
        sys.stdout.write(json.dumps(obj, sort_keys=True) + "\n")
        sys.stdout.flush()


def err_name(exc):
    """The errno name of a socket exception ("ECONNRESET"), or its class name."""
    if isinstance(exc, socket.timeout):
        return "ETIMEDOUT"
    if isinstance(exc, OSError) and exc.errno is not None:
        return errno.errorcode.get(exc.errno, str(exc.errno))
    return type(exc).__name__


class Pattern:
    """N bytes of deterministic data: 1 MiB views into a doubled base block."""

    def __init__(self, seed):
        base = hashlib.shake_256(("hagload:" + str(seed)).encode()).digest(BLOCK)
        self.doubled = memoryview(base + base)

    def chunks(self, total, size=BLOCK):
        i = 0
        left = total
        while left > 0:
            off = (i * ROT_STEP) & (BLOCK - 1)
            n = min(size, left)
            yield self.doubled[off:off + n]
            left -= n
            i += 1


class Transfer:
    """One connection: a sender and a receiver thread over one socket."""

    def __init__(self, sock, nbytes, seed, wait_first=False, send_first=False,
                 max_secs=600.0, before_shutdown=None, rate_mbit=0.0, sample_ms=0,
                 hold_open=False):
        self.sock = sock
        self.hold_open = hold_open  # shut the write side only after the peer's EOF
        self.sample_s = sample_ms / 1000.0  # 0: no progress samples
        self.samples = []
        self.rate_bps = rate_mbit * 1e6 / 8  # 0: as fast as the socket takes it
        self.before_shutdown = before_shutdown
        self.nbytes = nbytes
        self.seed = seed
        self.wait_first = wait_first
        self.send_first = send_first
        self.max_secs = max_secs
        self.first_rx = threading.Event()
        self.tx_done = threading.Event()
        self.rx_done = threading.Event()
        self.rx = {"bytes": 0, "sha": hashlib.sha256(), "secs": None, "error": None}
        self.tx = {"bytes": 0, "sha": hashlib.sha256(), "secs": None, "error": None}
        self.t0 = time.monotonic()

    def _send(self):
        st = self.tx
        try:
            if self.wait_first:
                # Say nothing until the peer has spoken (or the socket timeout).
                if not self.first_rx.wait(self.sock.gettimeout() or 30):
                    raise socket.timeout("nothing received before sending")
            for mv in Pattern(self.seed).chunks(self.nbytes):
                self.sock.sendall(mv)
                st["sha"].update(mv)
                st["bytes"] += len(mv)
                if self.rate_bps:
                    ahead = st["bytes"] / self.rate_bps - (time.monotonic() - self.t0)
                    if ahead > 0:
                        time.sleep(min(ahead, 5.0))
            if self.hold_open:
                self.rx_done.wait(self.max_secs)
            if self.before_shutdown:
                self.before_shutdown()
            self.sock.shutdown(socket.SHUT_WR)
        except Exception as e:  # noqa: BLE001 - reported, not raised
            st["error"] = err_name(e)
            st["error_text"] = str(e)
        finally:
            st["secs"] = time.monotonic() - self.t0
            self.tx_done.set()

    def _recv(self):
        st = self.rx
        buf = bytearray(BLOCK)
        mv = memoryview(buf)
        try:
            if self.send_first:
                # Speak first: read nothing until everything is sent.
                self.tx_done.wait(self.max_secs)
            while True:
                n = self.sock.recv_into(buf)
                if n == 0:
                    break
                st["sha"].update(mv[:n])
                st["bytes"] += n
                if not self.first_rx.is_set():
                    st["first_secs"] = time.monotonic() - self.t0
                    self.first_rx.set()
        except Exception as e:  # noqa: BLE001
            st["error"] = err_name(e)
            st["error_text"] = str(e)
        finally:
            st["secs"] = time.monotonic() - self.t0
            self.first_rx.set()  # release a waiting sender
            self.rx_done.set()

    def _sample(self, threads):
        # [secs since start, bytes received, bytes sent] every sample_s: a
        # rate can then be taken over the steady part of a transfer.
        n = 0
        while any(t.is_alive() for t in threads):
            n += 1
            time.sleep(max(0.0, self.t0 + n * self.sample_s - time.monotonic()))
            self.samples.append([round(time.monotonic() - self.t0, 4),
                                 self.rx["bytes"], self.tx["bytes"]])

    def run(self):
        ts = threading.Thread(target=self._send, daemon=True)
        tr = threading.Thread(target=self._recv, daemon=True)
        ts.start()
        tr.start()
        if self.sample_s > 0:
            threading.Thread(target=self._sample, args=((ts, tr),), daemon=True).start()
        deadline = self.t0 + self.max_secs
        for t in (ts, tr):
            t.join(max(0.0, deadline - time.monotonic()))
        hung = ts.is_alive() or tr.is_alive()
        if hung:
            # Unblock the threads; the result reports the stall.
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            for t in (ts, tr):
                t.join(5)
        return self.result(hung)

    def result(self, hung=False):
        errs = [e for e in (self.rx["error"], self.tx["error"]) if e]
        if hung:
            errs.append("ETIMEDOUT")
        # The receive side sees the peer's reset first and names it best.
        error = None
        for pref in ("ECONNRESET", "ECONNREFUSED", "ETIMEDOUT"):
            if pref in errs:
                error = pref
                break
        if error is None and errs:
            error = errs[0]
        r = {
            "rx_bytes": self.rx["bytes"],
            "rx_sha256": self.rx["sha"].hexdigest(),
            "tx_bytes": self.tx["bytes"],
            "tx_sha256": self.tx["sha"].hexdigest(),
            "secs": round(time.monotonic() - self.t0, 4),
            "rx_secs": round(self.rx["secs"] or 0.0, 4),
            "tx_secs": round(self.tx["secs"] or 0.0, 4),
            "error": error,
        }
        if "first_secs" in self.rx:
            r["rx_first_secs"] = round(self.rx["first_secs"], 4)
        if self.rx["error"]:
            r["rx_error"] = self.rx["error"]
        if self.tx["error"]:
            r["tx_error"] = self.tx["error"]
        if self.sample_s > 0:
            r["samples"] = list(self.samples)
        return r


def mptcp_info(sock):
    """Fields of struct mptcp_info (linux/mptcp.h), or None if not MPTCP."""
    try:
        raw = sock.getsockopt(SOL_MPTCP, MPTCP_INFO, 256)
    except OSError:
        return None
    if len(raw) < 48:
        return None
    subflows, signal, accepted = raw[0], raw[1], raw[2]
    flags, token = struct.unpack_from("=II", raw, 8)
    info = {
        "subflows": subflows,  # extra subflows, besides the first one
        "add_addr_signal": signal,
        "add_addr_accepted": accepted,
        "fallback": bool(flags & 1),
        "remote_key_received": bool(flags & 2),
        "token": "%08x" % token,
    }
    if len(raw) >= 81:
        (info["retransmits"],) = struct.unpack_from("=I", raw, 44)
        info["bytes_sent"], info["bytes_received"] = struct.unpack_from("=QQ", raw, 56)
        info["subflows_total"] = raw[80]
    return info


def new_socket(use_mptcp, timeout, addr=""):
    """A stream socket of addr's family (an IPv6 address has a colon)."""
    proto = IPPROTO_MPTCP if use_mptcp else 0
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_STREAM, proto)
    s.settimeout(timeout)
    return s


def endpoint(sa):
    """A socket address as A.B.C.D:PORT or [ADDR]:PORT (an IPv4-mapped one as IPv4)."""
    host, port = sa[0], sa[1]
    if host.startswith("::ffff:") and "." in host:
        host = host[7:]
    return ("[%s]:%d" if ":" in host else "%s:%d") % (host, port)


def cmd_client(a):
    r = {"role": "client", "addr": a.addr, "port": a.port, "mptcp_requested": a.mptcp}
    try:
        s = new_socket(a.mptcp, a.timeout, a.addr)
    except OSError as e:
        r["error"] = err_name(e)
        r["error_text"] = "socket(): %s" % e
        emit(r)
        return 2
    t0 = time.monotonic()
    refused = 0
    while True:
        try:
            if a.bind:
                s.bind((a.bind, 0))
            s.connect((a.addr, a.port))
            break
        except ConnectionRefusedError as e:
            # Refused at the handshake (a RST to the SYN): a new socket, after a pause.
            s.close()
            if refused >= a.retry_refused:
                r.update(error=err_name(e), error_text=str(e), secs=round(time.monotonic() - t0, 4),
                         rx_bytes=0, tx_bytes=0, refused=refused + 1)
                emit(r)
                return 2
            refused += 1
            time.sleep(0.1)
            s = new_socket(a.mptcp, a.timeout, a.addr)
        except Exception as e:  # noqa: BLE001
            r.update(error=err_name(e), error_text=str(e), secs=round(time.monotonic() - t0, 4),
                     rx_bytes=0, tx_bytes=0, refused=refused)
            emit(r)
            s.close()
            return 2
    r["refused"] = refused
    r["local"] = endpoint(s.getsockname())
    snap = {}

    def sample():
        # While the connection is in full use: all subflows are still there.
        snap["mptcp"] = mptcp_info(s)

    tr = Transfer(s, a.bytes, a.seed, wait_first=a.wait_first, max_secs=a.max_secs,
                  before_shutdown=sample if a.mptcp else None, rate_mbit=a.rate_mbit,
                  sample_ms=a.sample_ms, hold_open=a.hold_open)
    res = tr.run()
    r.update(res)
    r["connect_secs"] = round(tr.t0 - t0, 4)
    if a.mptcp:
        r["mptcp"] = snap.get("mptcp") or mptcp_info(s)
    s.close()
    emit(r)
    return 2 if res["error"] else 0


def cmd_server(a):
    try:
        ls = new_socket(a.mptcp, a.timeout, a.bind)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((a.bind, a.port))
        ls.listen(128)
    except OSError as e:
        emit({"role": "server", "error": err_name(e), "error_text": "listen: %s" % e})
        return 2
    ls.settimeout(a.accept_timeout)
    print("hagload: listening on %s:%d" % (a.bind, a.port), file=sys.stderr, flush=True)
    if a.ready_file:
        with open(a.ready_file, "w") as f:
            f.write("%d\n" % os.getpid())
    results = []
    threads = []
    deadline = time.monotonic() + a.max_secs

    def serve(conn, peer, idx):
        conn.settimeout(a.timeout)
        seed = "%s:%d" % (a.seed, idx)
        tr = Transfer(conn, a.bytes, seed, send_first=a.speak_first,
                      max_secs=max(1.0, deadline - time.monotonic()), rate_mbit=a.rate_mbit,
                      sample_ms=a.sample_ms, hold_open=a.hold_open)
        res = tr.run()
        conn.close()
        res.update(role="server", conn=idx, peer=endpoint(peer), seed=seed)
        results.append(res)
        emit(res)

    idx = 0
    rc = 0
    while (a.count == 0 or idx < a.count) and time.monotonic() < deadline:
        try:
            conn, peer = ls.accept()
        except socket.timeout:
            if a.count:
                emit({"role": "server", "error": "EACCEPTTIMEOUT",
                      "error_text": "accepted %d of %d connections" % (idx, a.count)})
                rc = 3
            break
        t = threading.Thread(target=serve, args=(conn, peer, idx), daemon=True)
        t.start()
        threads.append(t)
        idx += 1
    ls.close()
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()) + 5)
    if any(t.is_alive() for t in threads):
        rc = rc or 4
    if any(r.get("error") for r in results):
        rc = rc or 2
    return rc


def _pump(src, dst, stats, key, lock, on_error):
    buf = bytearray(BLOCK)
    mv = memoryview(buf)
    try:
        while True:
            n = src.recv_into(buf)
            if n == 0:
                dst.shutdown(socket.SHUT_WR)
                return
            dst.sendall(mv[:n])
            with lock:
                stats[key] += n
    except Exception:  # noqa: BLE001
        on_error()


def _reset(*socks):
    for s in socks:
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()
        except OSError:
            pass


def cmd_relay(a):
    lhost, lport = a.listen.rsplit(":", 1)
    uhost, uport = a.upstream.rsplit(":", 1)
    stats = {"Accepted": 0, "UpstreamConnects": 0, "UpstreamFailures": 0,
             "BytesUp": 0, "BytesDown": 0, "Active": 0}
    lock = threading.Lock()

    def save():
        if not a.stats:
            return
        with lock:
            text = json.dumps(stats)
        tmp = a.stats + ".tmp.%d" % threading.get_ident()
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, a.stats)

    def bump(k, d=1):
        with lock:
            stats[k] += d

    ls = new_socket(a.mptcp, 1.0)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((lhost, int(lport)))
    ls.listen(128)
    save()
    print("hagload relay: %s -> %s" % (a.listen, a.upstream), file=sys.stderr, flush=True)

    def handle(c):
        bump("Accepted")
        bump("Active")
        save()
        u = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        u.settimeout(a.timeout)
        try:
            u.connect((uhost, int(uport)))
        except OSError:
            bump("UpstreamFailures")
            bump("Active", -1)
            _reset(c, u)
            save()
            return
        bump("UpstreamConnects")
        save()
        c.settimeout(None)
        u.settimeout(None)
        failed = threading.Event()

        def on_error():
            if not failed.is_set():
                failed.set()
                _reset(c, u)

        t1 = threading.Thread(target=_pump, args=(c, u, stats, "BytesUp", lock, on_error), daemon=True)
        t2 = threading.Thread(target=_pump, args=(u, c, stats, "BytesDown", lock, on_error), daemon=True)
        t1.start()
        t2.start()
        t1.join()
        t2.join()
        if not failed.is_set():
            c.close()
            u.close()
        bump("Active", -1)
        save()

    deadline = time.monotonic() + a.max_secs
    while time.monotonic() < deadline:
        try:
            c, _ = ls.accept()
        except socket.timeout:
            continue
        threading.Thread(target=handle, args=(c,), daemon=True).start()
    return 0


def _read_proc_pairs(path):
    """/proc/net/snmp style: header line then value line per prefix."""
    out = {}
    try:
        lines = open(path).read().splitlines()
    except OSError:
        return out
    for h, v in zip(lines[0::2], lines[1::2]):
        hk = h.split()
        vk = v.split()
        pre = hk[0].rstrip(":")
        out[pre] = {k: int(x) for k, x in zip(hk[1:], vk[1:])}
    return out


def cmd_kstats(a):
    snmp = _read_proc_pairs("/proc/net/snmp")
    net = _read_proc_pairs("/proc/net/netstat")
    tcp = dict(snmp.get("Tcp", {}))
    for k in ("TCPTimeouts", "TCPFastRetrans", "TCPOFOQueue", "TCPOFODrop"):
        tcp[k] = net.get("TcpExt", {}).get(k, 0)
    mptcp = dict(net.get("MPTcpExt", {}))
    # The kernel has no such counter: passive opens that were neither
    # MP_CAPABLE nor MP_JOIN approximate it.
    mptcp["PlainSYNRX"] = max(0, tcp.get("PassiveOpens", 0) - mptcp.get("MPCapableACKRX", 0)
                              - mptcp.get("MPJoinAckRx", 0))
    ip = snmp.get("Ip", {})
    icmp = snmp.get("Icmp", {})
    st = {"tcp": tcp, "mptcp": mptcp,
          "ip": {"InReceives": ip.get("InReceives", 0), "InHdrErrors": ip.get("InHdrErrors", 0),
                 "IcmpEchoIn": icmp.get("InEchos", 0), "IcmpEchoOut": icmp.get("OutEchoReps", 0)},
          "relay": {}, "ports": {}}
    if a.relay_stats:
        try:
            st["relay"] = json.load(open(a.relay_stats))
        except (OSError, ValueError):
            pass
    for name, ifc in (("dsl", "dsl-gw"), ("lte", "lte-gw"), ("upstream", "up-gw")):
        d = "/sys/class/net/%s/statistics/" % ifc
        try:
            st["ports"][name] = {k: int(open(d + k).read()) for k in
                                 ("rx_packets", "rx_bytes", "tx_packets", "tx_bytes",
                                  "rx_dropped", "tx_dropped")}
        except OSError:
            pass
    print(json.dumps(st, indent=1, sort_keys=True))
    return 0


def _icmp_csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def ping6(a):
    """ICMPv6 echo through the kernel's own socket (it resolves the next hop with ND; the
    checksum is the kernel's): exit 0 when one of --count echoes is answered, 2 on a time
    exceeded quoting ours (RFC 4443 3.3), 1 otherwise."""
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    scope = 0
    if a.iface:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, a.iface.encode())
        scope = socket.if_nametoindex(a.iface)
    if a.ttl:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, a.ttl)
    ident = os.getpid() & 0xFFFF
    for seq in range(1, a.count + 1):
        t0 = time.monotonic()
        s.sendto(struct.pack("!BBHHH", 128, 0, 0, ident, seq) + b"hagload-ping6", (a.addr, 0, 0, scope))
        end = t0 + a.timeout
        while time.monotonic() < end:
            s.settimeout(max(0.01, end - time.monotonic()))
            try:
                data, src = s.recvfrom(2048)
            except socket.timeout:
                break
            if data[0] == 3 and len(data) >= 8 + 40 + 8 and data[48] == 128 and \
               struct.unpack_from("!HH", data, 52) == (ident, seq):
                print("time exceeded from %s seq %d" % (src[0], seq))
                return 2
            if data[0] == 129 and struct.unpack_from("!HH", data, 4) == (ident, seq):
                print("reply from %s seq %d time %.3f ms" % (a.addr, seq, (time.monotonic() - t0) * 1000))
                return 0
    print("no reply from %s" % a.addr, file=sys.stderr)
    return 1


def cmd_ping(a):
    """ICMP echo without iputils: exit 0 when one of --count echoes is answered."""
    if ":" in a.addr:
        return ping6(a)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    if a.iface:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, a.iface.encode())
    if a.ttl:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, a.ttl)
    ident = os.getpid() & 0xFFFF
    for seq in range(1, a.count + 1):
        body = b"hagload-ping" + struct.pack("!d", time.time())
        hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
        pkt = struct.pack("!BBHHH", 8, 0, _icmp_csum(hdr + body), ident, seq) + body
        t0 = time.monotonic()
        s.sendto(pkt, (a.addr, 0))
        end = t0 + a.timeout
        while time.monotonic() < end:
            s.settimeout(max(0.01, end - time.monotonic()))
            try:
                data, src = s.recvfrom(2048)
            except socket.timeout:
                break
            ihl = (data[0] & 0x0F) * 4
            typ, _, _, rid, rseq = struct.unpack_from("!BBHHH", data, ihl)
            if typ == 11 and len(data) >= ihl + 8 + 28:
                # A router's time exceeded, quoting our echo (RFC 792): exit 2.
                qi = ihl + 8
                qihl = (data[qi] & 0x0F) * 4
                qt, _, _, qid, qseq = struct.unpack_from("!BBHHH", data, qi + qihl)
                if qt == 8 and qid == ident and qseq == seq:
                    print("time exceeded from %s seq %d" % (src[0], seq))
                    return 2
            if typ == 0 and rid == ident and rseq == seq and src[0] == a.addr:
                print("reply from %s seq %d time %.3f ms" % (a.addr, seq,
                      (time.monotonic() - t0) * 1000))
                return 0
    print("no reply from %s" % a.addr, file=sys.stderr)
    return 1


def parse_size(text):
    """Bytes from "123", "4K", "32M", "1G" (binary units)."""
    t = text.strip().upper().rstrip("IB")
    mult = 1
    for suffix, m in (("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30)):
        if t.endswith(suffix):
            t, mult = t[:-1], m
            break
    return int(float(t) * mult)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("server", "client"):
        q = sub.add_parser(name)
        q.add_argument("--port", type=int, required=True)
        q.add_argument("--bytes", type=parse_size, default=0,
                       help="bytes to send (suffixes K, M, G)")
        q.add_argument("--seed", default=name)
        q.add_argument("--mptcp", action="store_true", help="IPPROTO_MPTCP socket")
        q.add_argument("--timeout", type=float, default=30.0, help="per socket operation")
        q.add_argument("--max-secs", type=float, default=600.0, help="whole run")
        q.add_argument("--rate-mbit", type=float, default=0.0,
                       help="pace sending to this rate (0: as fast as possible)")
        q.add_argument("--sample-ms", type=int, default=0,
                       help="add \"samples\": [secs, rx_bytes, tx_bytes] every this many ms")
        q.add_argument("--hold-open", action="store_true",
                       help="shut the write side only after the peer's EOF (a one-way "
                            "transfer: an MPTCP peer refuses joins once a DATA_FIN came)")
        if name == "server":
            q.add_argument("--bind", default="0.0.0.0", help="\"::\": both families")
            q.add_argument("--count", type=int, default=1,
                           help="connections to serve (0: until --accept-timeout idles)")
            q.add_argument("--accept-timeout", type=float, default=60.0)
            q.add_argument("--speak-first", action="store_true",
                           help="send everything before reading anything")
            q.add_argument("--ready-file", help="written once listening")
        else:
            q.add_argument("--addr", required=True)
            q.add_argument("--bind", help="local address to connect from")
            q.add_argument("--retry-refused", type=int, default=0,
                           help="connect again (after 0.1 s) up to N times when refused; the JSON's refused counts them")
            q.add_argument("--wait-first", action="store_true",
                           help="send nothing until something was received")
    q = sub.add_parser("relay", help="kernel stand-in for hagd")
    q.add_argument("--listen", default="10.10.0.1:8080")
    q.add_argument("--upstream", default="10.20.0.2:9000")
    q.add_argument("--mptcp", action="store_true")
    q.add_argument("--stats", help="file kept up to date with relay counters")
    q.add_argument("--timeout", type=float, default=5.0, help="upstream connect timeout")
    q.add_argument("--max-secs", type=float, default=7200.0)
    q = sub.add_parser("ping", help="ICMP echo, or ICMPv6 echo to an IPv6 address (raw socket)")
    q.add_argument("addr")
    q.add_argument("--iface")
    q.add_argument("--count", type=int, default=1)
    q.add_argument("--timeout", type=float, default=1.0, help="per echo")
    q.add_argument("--ttl", type=int, default=0,
                   help="IP TTL of the echoes; a time exceeded quoting one: exit 2")
    q = sub.add_parser("kstats", help="kernel counters shaped like hagctl stats")
    q.add_argument("--relay-stats")
    a = p.parse_args(argv)
    return {"server": cmd_server, "client": cmd_client, "relay": cmd_relay,
            "kstats": cmd_kstats, "ping": cmd_ping}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())

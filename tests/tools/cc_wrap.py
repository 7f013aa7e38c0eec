#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""cc_wrap: run a Python script with every TCP socket it makes on one congestion control.

  cc_wrap.py CC SCRIPT ARGS...    e.g. cc_wrap.py cubic tests/tools/hagload.py client ...

Sets TCP_CONGESTION to CC on each IPv4/IPv6 stream socket the script creates (a
listener's accepted sockets inherit it). For the kernel side of `bench.sh tcp-loss`:
a network namespace inherits the host's default congestion control and its
net.ipv4.tcp_congestion_control is read-only there. A CC the kernel does not have
fails the socket (OSError), never silently the default.
"""
import runpy
import socket
import sys

cc = sys.argv[1].encode()
_orig = socket.socket


class _S(_orig):
    def __init__(self, family=-1, type=-1, proto=-1, fileno=None):
        super().__init__(family, type, proto, fileno)
        if fileno is None and self.type == socket.SOCK_STREAM and self.family in (socket.AF_INET, socket.AF_INET6):
            self.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, cc)


socket.socket = _S
sys.argv = sys.argv[2:]
runpy.run_path(sys.argv[0], run_name="__main__")

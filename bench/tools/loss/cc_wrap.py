# cc_wrap.py CC SCRIPT ARGS...: run SCRIPT with every TCP socket on congestion control CC (TCP_CONGESTION).
import runpy, socket, sys
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

import json,sys
keys=("InSegs","OutSegs","RetransSegs","TCPTimeouts","TCPFastRetrans","TCPSackRecovery","RackRecovery","TCPLostRetransmit","TCPLossProbes","TCPDSACKRecv","TCPSackFailures","TCPLossFailures","TCPSACKReorder","RackLost","TCPAbortOnTimeout")
for f in sys.argv[1:]:
    a=json.load(open(f+".stats0")); b=json.load(open(f+".stats1"))
    ta=a.get("tcp",a); tb=b.get("tcp",b)
    print(f.split('/')[-1], open(f+".txt").read().split('\n')[:-1])
    print("   ", {k:tb[k]-ta.get(k,0) for k in keys if k in tb and tb[k]-ta.get(k,0)})

import json, statistics, sys, os, glob
res, out, label = sys.argv[1], sys.argv[2], sys.argv[3]
keys=("OutSegs","RetransSegs","TCPTimeouts","TCPFastRetrans","TCPSackRecovery","RackRecovery","TCPLostRetransmit","TCPLossProbes","TCPDSACKRecv","TCPSackFailures","TCPLossFailures","TCPSACKReorder","RackLost")
kkeys=("TcpOutSegs","TcpRetransSegs","TcpExtTCPTimeouts","TcpExtTCPSackRecovery","TcpExtTCPLostRetransmit","TcpExtTCPLossProbes","TcpExtTCPSackFailures","TcpExtTCPDSACKRecv","TcpExtTCPSACKReorder")
def rd(f):
    d={}
    for line in open(f):
        p=line.split()
        if len(p)>=2 and p[1].isdigit(): d[p[0]]=int(p[1])
    return d
r={"part":"tcp-loss (issue 15, lib/tcp loss recovery)","label":label,"mib_each_way":32,"runs":3,
   "method":"bench/tools/loss/lossrun.sh: bench.sh tcp-loss's transfer and loss_on (nftables, ingress of client dsl and server up), medians of 3; hagd counters from hagctl stats (both legs), kernel counters from nstat in the client and server namespaces",
   "results":{}}
for f in sorted(glob.glob(os.path.join(res,"*.txt"))):
    side,loss=os.path.basename(f)[:-4].rsplit(".",1)
    rows=[tuple(map(float,l.split()[:2])) for l in open(f) if l.strip()]
    e={"up_gbps":statistics.median(x[0] for x in rows),"down_gbps":statistics.median(x[1] for x in rows),"raw":[list(x) for x in rows]}
    s0=os.path.join(res,"%s.%s.stats0"%(side,loss))
    if os.path.exists(s0):
        a=json.load(open(s0)); b=json.load(open(s0[:-1]+"1"))
        ta=a.get("tcp",a); tb=b.get("tcp",b)
        e["hagd_counters"]={k:tb.get(k,0)-ta.get(k,0) for k in keys if k in tb}
    for ns in ("hag-client","hag-server"):
        n0=os.path.join(res,"%s.%s.%s.nstat0"%(side,loss,ns))
        if os.path.exists(n0):
            a=rd(n0); b=rd(n0[:-1]+"1")
            e.setdefault("kernel_counters",{})[ns]={k:b.get(k,0)-a.get(k,0) for k in kkeys}
        cc=os.path.join(res,"%s.%s.cc"%(side,ns))
        if os.path.exists(cc): e.setdefault("kernel_cc",{})[ns]=open(cc).read().strip()
    r["results"].setdefault(side,{})[loss+"%"]=e
json.dump(r,open(out,"w"),indent=1)
print("%-14s %-6s %-8s %-8s" % ("side","loss","up","down"))
for side,v in r["results"].items():
    for loss,e in v.items():
        print("%-14s %-6s %-8.3f %-8.3f %s" % (side,loss,e["up_gbps"],e["down_gbps"],e["raw"]))

# ssti.py FILE: medians of cwnd, srtt and flight from ksample.sh's ss -tin samples (even lines: the server, odd: the client)
import re,sys,statistics as st
srv=[];cli=[]
for i,l in enumerate(open(sys.argv[1])):
    m=re.search(r'cwnd:(\d+)',l)
    if not m: continue
    rtt=float(re.search(r' rtt:([\d.]+)/',l).group(1))*1000
    cw=int(re.search(r'cwnd:(\d+)',l).group(1))
    un=re.search(r'unacked:(\d+)',l); un=int(un.group(1)) if un else 0
    (srv if i%2==0 else cli).append((cw*1448,rtt,un*1448))
for n,r in (('down(server)',srv),('up(client)',cli)):
    if not r: continue
    for j,f in enumerate(['cwnd','srtt_us','flight']):
        v=sorted(x[j] for x in r)
        print("%-13s %-8s med %8d p10 %8d p90 %8d n=%d"%(n,f,st.median(v),v[len(v)//10],v[9*len(v)//10],len(v)))

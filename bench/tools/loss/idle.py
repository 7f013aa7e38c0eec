import sys,re,subprocess,collections
f,src=sys.argv[1],sys.argv[2]
p=subprocess.run(['tcpdump','-r',f,'-tt','-n','-S','tcp'],capture_output=True,text=True).stdout.split('\n')
flows=collections.defaultdict(list)
for l in p:
    m=re.match(r'([\d.]+) IP (\S+) > (\S+): Flags \[(\S+)\], seq (\d+):(\d+)',l)
    if not m or not m.group(2).startswith(src): continue
    flows[(m.group(2),m.group(3))].append(float(m.group(1)))
for k,ts in flows.items():
    if len(ts)<100: continue
    tot=ts[-1]-ts[0]
    b=collections.Counter(); bs=collections.Counter()
    for a,c in zip(ts,ts[1:]):
        g=c-a
        for lim in (0.0005,0.002,0.01,0.05,0.15,10):
            if g<lim: b[lim]+=1; bs[lim]+=g; break
    print(k, "span %.3f s, %d segs" % (tot,len(ts)), " ".join("<%gms:%d/%.3fs" % (lim*1000,b[lim],bs[lim]) for lim in sorted(b)))

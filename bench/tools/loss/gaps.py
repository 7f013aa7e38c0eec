import sys,re,subprocess
f,src=sys.argv[1],sys.argv[2]
p=subprocess.run(['tcpdump','-r',f,'-tt','-n','-S','tcp'],capture_output=True,text=True).stdout.split('\n')
last={}
hi={}
for l in p:
    m=re.match(r'([\d.]+) IP (\S+) > (\S+): Flags \[(\S+)\], (?:seq (\d+):(\d+), )?.*?(?:ack (\d+))?',l)
    if not m: continue
    t=float(m.group(1)); s=m.group(2); d=m.group(3)
    if not s.startswith(src): continue
    if m.group(5) is None: continue
    k=(s,d); a=int(m.group(5)); e=int(m.group(6))
    rtx = k in hi and e <= hi[k]
    hi[k]=max(hi.get(k,0),e)
    if k in last and t-last[k][0]>0.05:
        print("gap %.3f s before %s %s %d:%d %s; prev %s" % (t-last[k][0], s, d, a, e, "RTX" if rtx else "new", last[k][1]))
    last[k]=(t,"%d:%d"%(a,e))

# conns.py FILE: medians of cwnd, srtt, flight and the pipes from sample.sh's hagctl conns samples
import json,sys,statistics as st
rows=[]
for l in open(sys.argv[1]):
    l=l.strip()
    if not l or l=='{}': continue
    try: d=json.loads(l)
    except Exception: continue
    for k,c in d.items():
        if 'client' not in c: continue
        cl,sv=c['client'],c['server']
        rows.append((cl['cwnd'],cl['srtt_us'],cl['snd_nxt']-cl['snd_una'],sv['cwnd'],sv['srtt_us'],sv['snd_nxt']-sv['snd_una'],c['down']['end']-c['down']['head'],c['up']['end']-c['up']['head'], cl['snd_wnd'], sv['snd_wnd']))
names=['cl_cwnd','cl_srtt','cl_flight','sv_cwnd','sv_srtt','sv_flight','down_held','up_held','cl_wnd','sv_wnd']
print(len(rows))
for i,n in enumerate(names):
    v=[r[i] for r in rows]
    print("%-10s med %8d  p10 %8d p90 %8d" % (n, st.median(v), sorted(v)[len(v)//10], sorted(v)[9*len(v)//10]))

#!/usr/bin/env python3
"""Summarises StartSpread starts: python3 bench/start_spread_summary.py DIR... (each DIR holds spread-N.txt files
written by bench/start-spread.sh). Per start: the rounds' process CPU per image (median, mean), the caller's and the
GEMM worker's CPU (median of rounds), C2's CPU per image by round; per DIR the ranges over its starts."""
import re,glob,sys,statistics as st
for tag in sys.argv[1:]:
    print('==',tag)
    allj=[];allc2=[];allp=[];allm=[];allmax=[];alllate=[]
    for f in sorted(glob.glob('%s/spread-*.txt'%tag), key=lambda x:int(re.findall(r'(\d+)\.txt',x)[0])):
        rows=[]
        for l in open(f):
            m=re.search(r'round (\d+): wall ([\d.]+).*process CPU ([\d.]+) ms/img;(?: JIT compiling (\d+) ms;)?.*threads. CPU ms/img:(.*)',l)
            if m:
                th=dict(re.findall(r'(\S+) ([\d.]+)',m.group(5)))
                java=float(th.get('java',0)); w=float(th.get('convnet4j-kerne',0)); c2=float(th.get('C2',0))
                rows.append((float(m.group(3)),java+w,c2,m.group(4)))
        s=open(f).read()
        if 'SUMMARY' not in s: continue
        warm=re.search(r'warm-up (\d+) calls',s).group(1)
        p=st.median([r[0] for r in rows]); j=st.median([r[1] for r in rows]); c=sum(r[2] for r in rows)/len(rows)
        mp=sum(r[0] for r in rows)/len(rows); allmax.append(max(r[2] for r in rows)); alllate.append(sum(r[2] for r in rows[3:])/len(rows[3:])); allp.append(p);allj.append(j);allc2.append(c);allm.append(mp)
        print(f.split('/')[-1], 'warm',warm, 'procCPU med %.1f mean %.1f'%(p,mp),'java+worker med %.1f'%j,'C2 mean %.1f'%c, 'C2 by round',[r[2] for r in rows],'jit ms',[r[3] for r in rows])
    if allp: print('starts %d: process CPU/img means %.1f-%.1f (max/min %.3f), medians %.1f-%.1f;'%(len(allp),min(allm),max(allm),max(allm)/min(allm),min(allp),max(allp))+' java+worker %.1f-%.1f; C2 mean per img %.1f-%.1f; C2 rounds 3-6 mean %.1f-%.1f; C2 busiest round %.1f-%.1f'%(min(allj),max(allj),min(allc2),max(allc2),min(alllate),max(alllate),min(allmax),max(allmax)))

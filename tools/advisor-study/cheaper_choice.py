#!/usr/bin/env python3
"""Rules that prefer the cheaper case when the paired gap is not significant, replayed on the 26 recorded cells at
10 per class (docs/TRANSFER.md, "The advisor's bar: the two misses against the noise"). Information: decides nothing.

    cd tools/advisor-study && python3 cheaper_choice.py

  cheapest k  the adopted steps; then, if the pick is Case 3 or 4, the cheapest close Case 2/3 (not set aside) is
              recommended instead unless the pick is more than k corrected SE ahead of it.
  no4 k       only a Case-4 pick is replaced, by the better close Case 2/3, unless Case 4 is more than k SE ahead.
  lcb k       each case ranked by its mean fold score minus k times its own corrected standard error.
  dis4        small_dissimilar_choice.py's candidate (the digits only).
Each line: misses and mean loss against the adopted Brier ranking's, and the cells whose pick changed.
"""
import sys, math, statistics

import brier_choice as bc
R = 'results/brier/'
seen = bc.read([R+f for f in ['selection-2028.csv','selection-2029.csv','heldout-2031.csv','heldout-2032.csv','misses-2030.csv','misses-small.csv']])
def folds(cases, c, how='brier'):
    rows = sorted(cases[c], key=lambda r: (int(r["round"]), int(r["fold"])))
    return [bc.fold_score(r, how) for r in rows]
def z(best, other):
    d = [(b[0]-o[0])/b[1] for b,o in zip(best, other)]; j=len(d); m=sum(d)/j
    v=sum((x-m)**2 for x in d)/(j-1); se=math.sqrt(v*(1/j+1/4)); return m/se if se else 0
def rule_cheapest(cases, k=1.0):
    # adopted steps, but among the fine-tuning cases left in the close set, the cheapest unless the best measured is >k SE ahead of it
    pick, best, close = bc.choose(cases, 'brier')
    if pick in ('3','4'):
        for c in ('2','3'):
            if c in close and c != pick:
                rows = cases[c]
                never = c in ('2','3') and all(r['kept']=='0' for r in rows)
                if never: continue
                if z(folds(cases,pick), folds(cases,c)) <= k: return c
                break
    return pick
def rule_no4(cases, k=1.0):
    pick, best, close = bc.choose(cases, 'brier')
    if pick == '4':
        alt = [c for c in ('2','3') if c in close]
        if alt:
            # best of 2/3 by brier
            b = max(alt, key=lambda c: sum(f[0] for f in folds(cases,c)))
            if z(folds(cases,'4'), folds(cases,b)) <= k: return b
    return pick
def rule_lcb(cases, k=1.0):
    # rank by mean fold score minus k * its own standard error across folds (risk-averse); then adopted tie-break? plain
    best=None
    for c in bc.ORDER:
        if c not in cases: continue
        f=folds(cases,c); s=[a/n for a,n in f]; m=sum(s)/len(s); sd=statistics.stdev(s)
        v=m-k*sd*math.sqrt(1/len(s)+1/4)
        if best is None or v>best[1]: best=(c,v)
    return best[0]
def run(name, fn):
    losses=[]; out=[]
    for key, cases in seen.items():
        p = fn(cases); top=max(bc.final(cases,c) for c in cases); l=100*(top-bc.final(cases,p))
        a = bc.choose(cases,'brier')[0]; la=100*(top-bc.final(cases,a))
        losses.append((l,la))
        if p!=a: out.append(f"{key[0][5:]} {key[1][:6]} {key[3]}: {a}->{p} {la:.1f}->{l:.1f}")
    m=sum(1 for l,_ in losses if l>2+1e-9); ma=sum(1 for _,la in losses if la>2+1e-9)
    new=sum(1 for l,la in losses if l>2+1e-9 and la<=2+1e-9)
    print(f"{name:20s} misses {m} (adopted {ma}) new {new} mean {sum(l for l,_ in losses)/len(losses):.2f} (adopted {sum(la for _,la in losses)/len(losses):.2f}) | "+"; ".join(out))
for k in (0.25,0.5,0.75,1.0):
    run(f"cheapest k={k}", lambda c: rule_cheapest(c,k))
    run(f"no4 k={k}", lambda c: rule_no4(c,k))
for k in (0.5,1,2):
    run(f"lcb k={k}", lambda c: rule_lcb(c,k))
def rule_dis4(cases, key):
    pick, best, close = bc.choose(cases, 'brier')
    if key[1] != 'opencv-digits' or pick != '4':
        return pick
    left = [c for c in close if c in ('2','3') and not all(r['kept']=='0' for r in cases[c])]
    if not left: return pick
    return max(left, key=lambda c: sum(f[0] for f in folds(cases,c)) / sum(f[1] for f in folds(cases,c)))
def run2(name, fn):
    losses=[]; out=[]
    for key, cases in seen.items():
        p = fn(cases, key); top=max(bc.final(cases,c) for c in cases); l=100*(top-bc.final(cases,p))
        a = bc.choose(cases,'brier')[0]; la=100*(top-bc.final(cases,a))
        losses.append((l,la))
        if p!=a: out.append(f"{key[0][5:]} {key[1][:6]} {key[3]}: {a}->{p} {la:.1f}->{l:.1f}")
    m=sum(1 for l,_ in losses if l>2+1e-9); ma=sum(1 for _,la in losses if la>2+1e-9)
    new=sum(1 for l,la in losses if l>2+1e-9 and la<=2+1e-9)
    print(f"{name:20s} misses {m} (adopted {ma}) new {new} mean {sum(l for l,_ in losses)/len(losses):.2f} (adopted {sum(la for _,la in losses)/len(losses):.2f}) | "+"; ".join(out))
run2("dis4", rule_dis4)
# how often is case 4 best / its rank on digits and fashion at 10/class
for t in ('opencv-digits','fashion-mnist:5-9'):
    n=0; best4=0; worse=[]
    for key, cases in seen.items():
        if key[1]!=t: continue
        n+=1; top=max(bc.final(cases,c) for c in cases)
        if bc.final(cases,'4')==top: best4+=1
        worse.append(round(100*(max(bc.final(cases,'2'),bc.final(cases,'3'))-bc.final(cases,'4')),1))
    print(t, n, 'cells; case 4 best on test in', best4, '; best of 2/3 minus case 4 (points):', worse)

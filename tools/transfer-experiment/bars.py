import json,sys
new=json.load(open(sys.argv[1])); old=json.load(open(sys.argv[2]))
def acc(o):
    d={}
    for r in o['rows']:
        d[(r['target'],r['per_class'],r['case'])]=r['test_accuracy']
    return d
A=acc(new); B=acc(old)
picks={(a['target'],a['per_class']):a for a in new['advice']}
opicks={(a['target'],a['per_class']):a for a in old['advice']}
print("| target | per class | case 1 | case 1 early | case 2 | case 3 | case 4 | cases 2 / 3 - case 1 (points) | bar | --try picks (points below the best) | published run before (plain split): case 2 / 3; pick |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
worst=99; adv=0; misses=[]
for t,short in [("similar: Fashion-MNIST 5-9","Fashion 5-9"),("dissimilar: digits 0-9","digits")]:
    for n in new['config']['sizes']:
        c={k:A.get((t,n,k)) for k in ['1','1-early','2','3','4']}
        best=max(v for v in c.values() if v is not None)
        cells=[]
        for k in ['1','1-early','2','3','4']:
            s="%.3f"%c[k]; cells.append("**%s**"%s if c[k]==best else s)
        d2=(c['2']-c['1'])*100; d3=(c['3']-c['1'])*100
        worst=min(worst,d2,d3)
        bar="%s / %s"%("yes" if d2>=-2-1e-9 else "**no**","yes" if d3>=-2-1e-9 else "**no**")
        if d2< -2-1e-9: misses.append((t,n,'2',d2))
        if d3< -2-1e-9: misses.append((t,n,'3',d3))
        a=picks[(t,n)]; below=(best-a['try_pick_test_accuracy'])*100; adv=max(adv,below)
        oa=opicks[(t,n)]
        ob=max(v for (tt,nn,k),v in B.items() if tt==t and nn==n)
        print("| %s | %d | %s | %s / %s | %s | case %s (%.1f) | %.3f / %.3f; case %s (%.1f) |"%(short,n," | ".join(cells),
              ("%+.1f"%d2),("%+.1f"%d3),bar,a['try_pick'],below,B[(t,n,'2')],B[(t,n,'3')],oa['try_pick'],(ob-oa['try_pick_test_accuracy'])*100))
print("worst fine-tune diff %.1f; misses %s; largest advisor loss %.1f"%(worst,misses,adv))
for a in new['advice']:
    print(a['target'],a['per_class'],a['similarity'][:60])
# how many rows changed
ch=[(k,B[k],A[k]) for k in A if k in B and abs(A[k]-B[k])>1e-9]
print("changed accuracies:",len(ch),"of",len(A))
for k,b,a in ch: print("  ",k,b,"->",a)

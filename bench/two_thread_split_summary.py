#!/usr/bin/env python3
"""Summarises bench/two-thread-split.sh: python3 bench/two_thread_split_summary.py OUT [SPLIT_IMG_S]
Per variant (OUT/VARIANT.txt): each start's img/s, CPU ms/img, and (with pool statistics) the caller's and the
worker's task and wait ms per image, tasks per image, microseconds per task, and the PAIR probe; starts at or above
SPLIT_IMG_S img/s (default 31, between the quiet fast 36-39 and slow 25-26 groups) count as fast. Then per variant
and group the medians, so that slow starts can be told apart: more task time per task = the work runs slower; more
wait time = the threads wait; a low private pair ratio = the two cores slow each other with nothing shared; and
every round's wall time grouped by the cache-line round trip measured before and after it (near ~65 ns, far ~300 ns)."""
import re, sys, os, glob, statistics as st

out = sys.argv[1]
split = float(sys.argv[2]) if len(sys.argv) > 2 else 31.0
for path in sorted(glob.glob(os.path.join(out, '*.txt'))):
    v = os.path.basename(path)[:-4]
    rows = []
    for line in open(path):
        m = re.search(r'SUMMARY \S+ b\d+: ([\d.]+) img/s.*?CPU ([\d.]+) ms/img', line)
        if not m:
            continue
        r = {'img/s': float(m.group(1)), 'cpu': float(m.group(2))}
        pool = re.search(r'median pool task/wait ms/img:([^;]*);', line)
        if pool:
            for name, task, wait in re.findall(r'(\S+)=([\d.]+)/([\d.]+)', pool.group(1)):
                who = 'worker' if name.startswith('convnet4j-kerne') else 'caller'
                r[who + ' task'] = float(task)
                r[who + ' wait'] = float(wait)
        rt = re.search(r'line round trip ([\d.]+) ns \(median of rounds\)', line)
        if rt:
            r['round trip ns'] = float(rt.group(1))
        pair = re.search(r'pair fma ([\d.]+) gemm-private ([\d.]+)/([\d.]+) pool-speedup ([\d.]+)', line)
        if pair:
            r['pair fma'] = float(pair.group(1))
            r['pair gemm'] = min(float(pair.group(2)), float(pair.group(3)))
            r['pool speedup'] = float(pair.group(4))
        rows.append(r)
    # each start's rounds (OUT/VARIANT-I.log): the slowest round's wall over the fastest, in start order
    logs = sorted(glob.glob(os.path.join(out, v + '-*.log')), key=lambda f: int(re.findall(r'-(\d+)\.log$', f)[0]))
    for r, log in zip(rows, logs):
        walls = [float(w) for w in re.findall(r'round \d+: wall ([\d.]+) ms/img', open(log).read())]
        if walls:
            r['rounds max/min'] = max(walls) / min(walls)
    # every round of every start: wall ms/img against the line round trip measured right after it
    # (before and after the round both near, both far, or the state changed during the round)
    by_state = {'near (<150 ns)': [], 'far (>=150 ns)': [], 'changed': []}
    cpu_by_state = {k: [] for k in by_state}
    for log in logs:
        for wall, cpu, t0, t1 in re.findall(r'round \d+: wall ([\d.]+) ms/img.*?process CPU ([\d.]+) ms/img.*?'
                                           r'line round trip before/after ([\d.]+)/([\d.]+) ns', open(log).read()):
            near = (float(t0) < 150, float(t1) < 150)
            state = 'near (<150 ns)' if all(near) else 'far (>=150 ns)' if not any(near) else 'changed'
            by_state[state].append(float(wall))
            cpu_by_state[state].append(float(cpu))
    if not rows:
        continue
    fast = [r for r in rows if r['img/s'] >= split]
    slow = [r for r in rows if r['img/s'] < split]
    print('== %s: %d starts, %d fast, %d slow (split at %.1f img/s)' % (v, len(rows), len(fast), len(slow), split))
    for r in rows:
        print('   ' + ' '.join('%s %.2f' % (k, x) for k, x in r.items()))
    for state, walls in by_state.items():
        if walls:
            cpus = cpu_by_state[state]
            print('  rounds with the line round trip %s: %d, wall ms/img median %.2f (%.2f-%.2f), process CPU ms/img'
                  ' median %.2f (%.2f-%.2f)' % (state, len(walls), st.median(walls), min(walls), max(walls),
                                                st.median(cpus), min(cpus), max(cpus)))
    for label, group in (('fast', fast), ('slow', slow)):
        if group:
            keys = [k for k in group[0] if all(k in g for g in group)]
            print('  %s medians: ' % label + ', '.join('%s %.2f' % (k, st.median(g[k] for g in group)) for k in keys))

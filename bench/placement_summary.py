# PlacementProbe's lines (bench/PlacementProbe.java) summed up: python3 bench/placement_summary.py OUT [SKIP_ROUNDS]
# Parses PlacementProbe lines and says which probe moves with the workload's time: Pearson correlation over rounds
# (after the first SKIP rounds of warm-up) of each probe against the workload figure, and medians by ping-pong state.
import re, sys, statistics as st
skip = int(sys.argv[2]) if len(sys.argv) > 2 else 4
rows = []
for line in open(sys.argv[1]):
    if not line.startswith("round "):
        continue
    r = {}
    r["round"] = int(line.split()[1])
    m = re.search(r"line round trip ns min ([\d.]+) p10 ([\d.]+) p50 ([\d.]+)", line); r["trip_min"], r["trip_p10"], r["trip_p50"] = map(float, m.groups())
    m = re.search(r"other thread min ([\d.]+) p25 ([\d.]+), by this one min ([\d.]+) p25 ([\d.]+);", line)
    r["cross_min"], r["cross_p25"], r["local_min"], r["local_p25"] = map(float, m.groups())
    m = re.search(r"stream add GB/s best ([\d.]+) median ([\d.]+)[;,]", line); r["stream_best"], r["stream_med"] = map(float, m.groups())
    m = re.search(r"on the other thread best ([\d.]+) median ([\d.]+);", line)
    if m:
        r["stream2_best"], r["stream2_med"] = map(float, m.groups())
    r["fma"] = float(re.search(r"FMA GFLOPS ([\d.]+);", line).group(1))
    r["load"] = float(re.search(r"load ([\d.]+)$", line.strip()).group(1))
    # every variant the line names (shared-counter, fixed-split, switch-off, switch-on, on-FIELD, private-halves)
    variants = sorted(set(re.findall(r"W1 n=\d+ (\S+) GFLOPS", line)) | set(re.findall(r" \w+ (\S+) wall ", line)))
    for v in variants:
        ms = re.findall(r"\w+ %s wall ([\d.]+) ms CPU ([\d.]+) ms(?: task CPU ([\d.]+) ms)?" % re.escape(v), line)
        if ms:
            r[v + "_wall"] = sum(float(m[0]) for m in ms) / len(ms)
            r[v + "_cpu"] = sum(float(m[1]) for m in ms) / len(ms)
            if ms[0][2]:
                r[v + "_taskcpu"] = sum(float(m[2]) for m in ms) / len(ms)
        m = re.search(r"W1 n=\d+ %s GFLOPS best ([\d.]+) median ([\d.]+)(?: per-CPU ([\d.]+))?;" % re.escape(v), line)
        if m:
            r[v + "_best"], r[v + "_med"] = float(m.group(1)), float(m.group(2))
            if m.group(3):
                r[v + "_percpu"] = float(m.group(3))
    rows.append(r)
rows = [r for r in rows if r["round"] >= skip]
def corr(xs, ys):
    if len(xs) < 3 or st.pstdev(xs) == 0 or st.pstdev(ys) == 0:
        return float("nan")
    mx, my = st.mean(xs), st.mean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / len(xs) / st.pstdev(xs) / st.pstdev(ys)
targets = [k for k in rows[0] if k.endswith(("_cpu", "_wall", "_best", "_med", "_taskcpu", "_percpu")) and not k.startswith("stream")]
probes = ["trip_min", "trip_p10", "cross_min", "cross_p25", "local_min", "stream_best", "stream_med", "fma", "load"]
print(f"{len(rows)} rounds (from round {skip})")
for t in targets:
    xs = [r for r in rows if t in r]
    print(f"{t:22} median {st.median([r[t] for r in xs]):8.1f} range {min(r[t] for r in xs):.1f}..{max(r[t] for r in xs):.1f}; r with " +
          ", ".join(f"{p} {corr([r[p] for r in xs], [r[t] for r in xs]):+.2f}" for p in probes))
for p in probes:
    print(f"{p:12} median {st.median([r[p] for r in rows]):7.1f} range {min(r[p] for r in rows):.1f}..{max(r[p] for r in rows):.1f}")
near = [r for r in rows if r["trip_min"] < 150]; far = [r for r in rows if r["trip_min"] >= 150]
for name, g in (("near (trip min < 150 ns)", near), ("far (>= 150 ns)", far)):
    if g:
        print(f"{name}: {len(g)} rounds; " + ", ".join(f"{t} {st.median([r[t] for r in g if t in r]):.1f}" for t in targets + ["cross_min", "stream_best", "stream2_best"] if any(t in r for r in g)))
# W1: each variant's best GFLOPS over the all-off variant's of the same round (paired in time), median by placement
base = next((b for b in ("switch-off", "shared-counter") if b + "_best" in rows[0]), None)
if base:
    for name, g in (("near", near), ("far", far)):
        if g:
            print(f"{name} paired best / {base}: " + ", ".join(
                f"{t[:-5]} {st.median([r[t] / r[base + '_best'] for r in g]):.3f}"
                for t in targets if t.endswith("_best") and t != base + "_best"))
            if base + "_percpu" in rows[0]:
                print(f"{name} paired per-CPU / {base}: " + ", ".join(
                    f"{t[:-7]} {st.median([r[t] / r[base + '_percpu'] for r in g]):.3f}"
                    for t in targets if t.endswith("_percpu") and t != base + "_percpu"))
# workloads (w4, w6): each variant's wall and task CPU over the all-off variant's of the same round (paired in time),
# median and range by placement: on a loaded machine the pairs, not the medians above, say what a switch does
wbase = next((b for b in ("switch-off", "shared-counter") if b + "_wall" in rows[0]), None)
if wbase:
    for name, g in (("near", near), ("far", far)):
        for t in targets:
            if not t.endswith("_wall") or t == wbase + "_wall":
                continue
            v = t[:-5]
            for what, suffix in (("wall", "_wall"), ("process CPU", "_cpu"), ("task CPU", "_taskcpu")):
                ps = [r[v + suffix] / r[wbase + suffix] for r in g if v + suffix in r and r.get(wbase + suffix)]
                if ps:
                    print(f"{name} paired {what} {v} / {wbase}: {st.median(ps):.3f} ({min(ps):.3f}..{max(ps):.3f}), {len(ps)} rounds")

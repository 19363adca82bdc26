#!/usr/bin/env python3
"""A run folder with one target's rows at one size of a merged or whole `experiment transfer` run (results.md, .csv,
.json), to merge with merge_runs.py / merge_json.py / MergeRuns.java in place of a run not made again (its total time
and seconds count 0; its classifier table is dropped).
usage: filter_run.py RUN_DIR OUT_DIR TARGET PER_CLASS
"""

import csv, json, os, re, sys
src, out, target, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
os.makedirs(out, exist_ok=True)
d = json.load(open(f"{src}/results.json"))
d["rows"] = [r for r in d["rows"] if r["target"] == target and r["per_class"] == n]
d["advice"] = [a for a in d["advice"] if a["target"] == target and a["per_class"] == n]
d["classifiers"] = []
d["seconds"] = 0
d["config"]["targets"] = {target: d["config"]["targets"][target]}
d["config"]["sizes"] = [n]
json.dump(d, open(f"{out}/results.json", "w"), indent=2)
rows = list(csv.reader(open(f"{src}/results.csv", newline="")))
with open(f"{out}/results.csv", "w", newline="") as f:
    w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
    w.writerow(rows[0]); w.writerows(r for r in rows[1:] if r[0] == target and r[1] == str(n))
md, keep, lines = open(f"{src}/results.md").read().split("\n"), True, []
head = f"{target}, {n}/class, case "
inside = False
skip_sep = False
for l in md:
    if l.startswith("|---") and skip_sep:
        skip_sep = False
        continue
    if l.startswith("| classifier"):
        skip_sep = True
        continue
    if l.startswith("| ") and not l.startswith("| target") and not l.startswith("|---"):
        cells = [c.strip() for c in l.split("|")]
        if l.startswith("| classifier") or (len(cells) > 2 and (cells[1] != target or cells[2] != str(n))):
            continue
    if l == "```":
        inside = not inside; lines.append(l); continue
    if inside:
        if not l.startswith(" "):
            keep = l.startswith(head)
        if not keep:
            continue
    lines.append(l)
lines = [re.sub(r"Total time [0-9.]+ s", "Total time 0 s", l) for l in lines]
open(f"{out}/results.md", "w").write("\n".join(lines))
print("ok", len(d["rows"]))

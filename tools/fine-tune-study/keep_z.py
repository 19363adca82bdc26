#!/usr/bin/env python3
"""Compare experiment runs before and after a fine-tuning rule change (issue 12, McNemar keep threshold).

usage: keep_z.py OUT.csv SEED=OLD_RESULTS.csv,NEW_RESULTS.csv ...

For each seed, target and size: Case 1 (default cut), Cases 2, 3, 4 before and after, the fine-tuning bar
(cases 2 and 3 >= case 1 - 2 points) before and after, and the advisor's pick (from the new run's results.md)
with its points below the best case of the four. Prints a summary; writes one row per setting to OUT.csv.
"""
import csv
import re
import sys
from pathlib import Path


def cases(path):
    out = {}
    for r in csv.reader(open(path)):
        if r[0] == "target":
            continue
        label = r[2]
        if label.startswith("1 (early"):
            continue
        c = label.split()[0]
        out[(r[0], int(r[1]), c)] = (float(r[3]), label)
    return out


def picks(md_path):
    """--try's pick per (target, size) from the advice table of results.md."""
    out = {}
    for line in open(md_path):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 8 and re.match(r"^\d+$", cells[1]) and cells[4].startswith("case"):
            out[(cells[0], int(cells[1]))] = cells[4].replace("case ", "")
    return out


def main():
    out_csv = sys.argv[1]
    rows = []
    for arg in sys.argv[2:]:
        seed, files = arg.split("=")
        old_f, new_f = files.split(",")
        old, new = cases(old_f), cases(new_f)
        new_picks = picks(Path(new_f).with_name("results.md"))
        old_picks = picks(Path(old_f).with_name("results.md"))
        for (target, n) in sorted({(t, n) for (t, n, c) in new}):
            g = lambda d, c: d.get((target, n, c), (float("nan"), ""))[0]
            c1 = g(new, "1")
            row = {"seed": seed, "target": target, "per_class": n, "case1": c1,
                   "case1_before": g(old, "1"),
                   "case2_before": g(old, "2"), "case2_after": g(new, "2"),
                   "case3_before": g(old, "3"), "case3_after": g(new, "3"),
                   "case4_before": g(old, "4"), "case4_after": g(new, "4"),
                   "tune2_kept_after": "not kept" not in new.get((target, n, "2"), (0, ""))[1],
                   "tune3_kept_after": "not kept" not in new.get((target, n, "3"), (0, ""))[1]}
            best_new = max(g(new, c) for c in "1234")
            best_old = max(g(old, c) for c in "1234")
            pn, po = new_picks.get((target, n)), old_picks.get((target, n))
            row["pick_after"] = pn
            row["pick_after_below_best"] = round(100 * (best_new - g(new, pn.split()[0])), 1) if pn else ""
            row["pick_before"] = po
            row["pick_before_below_best"] = round(100 * (best_old - g(old, po.split()[0])), 1) if po else ""
            rows.append(row)
    with open(out_csv, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    n = len(rows)
    for when in ("before", "after"):
        d2 = sum(r["case2_" + when] - r["case1"] for r in rows) / n
        d3 = sum(r["case3_" + when] - r["case1"] for r in rows) / n
        miss = [(r["seed"], r["target"][:10], r["per_class"], c) for r in rows for c in ("2", "3")
                if r["case%s_%s" % (c, when)] < r["case1"] - 0.02 + 1e-9]
        print("%-6s mean case2-case1 %+.2f points, case3-case1 %+.2f points; fine-tuning bar misses %d of %d: %s"
              % (when, 100 * d2, 100 * d3, len(miss), 2 * n, miss))
        below = [r["pick_%s_below_best" % when] for r in rows if r["pick_%s_below_best" % when] != ""]
        if below:
            print("       advisor: mean points below best %.2f, misses (> 2 points) %d of %d"
                  % (sum(below) / len(below), sum(1 for b in below if b > 2.0), len(below)))
    print("wrote", out_csv)


if __name__ == "__main__":
    main()

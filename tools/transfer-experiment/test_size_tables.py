#!/usr/bin/env python3
"""The published experiment on more test pictures against the same run on fewer (issue 12, 2026-12-06): the same
trained models scored on two test sets (the test pictures are drawn with their own seed, so --test-per-class moves
no training), so the rows must agree in everything but the test accuracy; this checks that (the held-out accuracy and
the fold-by-fold answers per row) and prints the two markdown tables of docs/TRANSFER.md: every row with both test
accuracies, and the bars of issue 12 on both.
usage: test_size_tables.py NEW/results.json OLD/results.json
"""
import json, sys

new, old = (json.load(open(p)) for p in sys.argv[1:3])
CASES = ["1", "1-early", "2", "3", "4"]
SHORT = {"similar: Fashion-MNIST 5-9": "Fashion 5-9", "dissimilar: digits 0-9": "digits"}
key = lambda r: (r["target"], r["per_class"], r["case"])
O = {key(r): r for r in old["rows"]}
moved = [key(r) for r in new["rows"] if key(r) in O and (r.get("held_out_accuracy"), r.get("held_out_right_per_fold"))
         != (O[key(r)].get("held_out_accuracy"), O[key(r)].get("held_out_right_per_fold"))]
print(f"{len(new['rows'])} rows; {sum(key(r) in O for r in new['rows'])} in the old run; held-out figures that differ: "
      f"{moved if moved else 'none'}\n")
tn, to = new["config"]["test_per_class"], old["config"]["test_per_class"]
print(f"| target | per class | case | test accuracy, {tn} test pictures per class | {to} per class (before) | held-out accuracy (5-fold, answers) |")
print("|---|---|---|---|---|---|")
for r in new["rows"]:
    o = O.get(key(r), {})
    h = "" if r.get("held_out_answers", 0) == 0 else "%.3f (%d)" % (r["held_out_accuracy"], r["held_out_answers"])
    print("| %s | %d | %s | %.3f | %s | %s |" % (r["target"], r["per_class"], r["description"], r["test_accuracy"],
          "%.3f" % o["test_accuracy"] if o else "", h))


def bars(run):
    acc = {key(r): r["test_accuracy"] for r in run["rows"]}
    out = {}
    for a in run["advice"]:
        t, n = a["target"], a["per_class"]
        c = {k: acc[(t, n, k)] for k in CASES}
        best = max(c.values())
        out[(t, n)] = (c, best, (c["2"] - c["1"]) * 100, (c["3"] - c["1"]) * 100, a["try_pick"],
                       (best - acc[(t, n, a["try_pick"])]) * 100)
    return out


B, BO = bars(new), bars(old)
print(f"\n| target | per class | case 1 | case 1 early | case 2 | case 3 | case 4 | cases 2 / 3 - case 1 (points) | bar | --try picks (points below the best) | {to} per class: cases 2 / 3 - case 1; pick (points below the best) |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
worst, adv = 99, 0
for (t, n), (c, best, d2, d3, pick, below) in B.items():
    cells = " | ".join(("**%.3f**" if c[k] == best else "%.3f") % c[k] for k in CASES)
    worst, adv = min(worst, d2, d3), max(adv, below)
    bar = " / ".join("yes" if d >= -2 - 1e-9 else "**no**" for d in (d2, d3))
    o = BO.get((t, n))
    before = "%+.1f / %+.1f; case %s (%.1f)" % (o[2], o[3], o[4], o[5]) if o else ""
    print("| %s | %d | %s | %+.1f / %+.1f | %s | case %s (%.1f) | %s |" % (SHORT.get(t, t), n, cells, d2, d3, bar, pick,
          below, before))
print(f"\nclosest fine-tuning to Case 1: {worst:+.1f} points; largest advisor loss: {adv:.1f} points")

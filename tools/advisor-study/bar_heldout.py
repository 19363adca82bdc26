#!/usr/bin/env python3
"""The advisor's bar on new held-out cells, judged on the whole test split (issue 12, session 14, task 2).

    python3 tools/advisor-study/bar_heldout.py --recorded ROWS.csv [...] --design FINAL.csv \
        --heldout ROWS.csv [...]

Input: FoldTestStudy.java's rows (held_brier, kept) and, beside each, its -final.csv (-Dstudy.fullTest=true: every
final model's right/wrong answer on each picture of the target's whole test split).

THE RULE, fixed and committed before any held-out row exists (2026-12-06, ~12:45 UTC; the runs start after the
commit):

Design (recorded cells only, nothing new): the one miss left at 10 per class is seed 2030 (Fashion-MNIST 5-9, pick
Case 3 0.842, the early cut 0.868 on the experiment's 500 test pictures: 2.6 points). The three principled changes
the brief names cannot remove it, from rows already recorded:
  * the folds' size: 10 folds x 2 rounds (fold models on 90% of the pictures; tenfold_choice.py, results/bar-study/
    screen10-2030.csv): pick Case 2, 2.6 points, unchanged; a size bonus for the early cut changes no pick below its
    8.5-point deficit on the folds (size_correction.py --sweep).
  * a calibration of the fold scores (per-case temperature fitted by cross-validation, calibrated_choice.py,
    results/calibrated/summary-calibrated.txt): pick Case 3, 2.6, unchanged.
  * a prior from the lecture's table when the fold gap is within noise: at seed 2030 the table says Case 1 (small and
    similar; Fashion 5-9 is judged similar at every size), 2.71 corrected SE behind the best on the folds and 0.814
    on the test set (5.4 points below the best); the early cut is 3.83 SE behind. Within 1 SE (the advisor's band)
    the prior cannot act; a band wide enough to take Case 1 in would pick a worse case. This script replays the
    candidate anyway ("prior": when the verdict is uncertain and the table's case is among the close cases left after
    the set-asides, recommend it) on the recorded cells and the held-out cells.
The folds' evidence at seed 2030 is not close: the fold models of the early cut and Case 3 are level on the test set
(0.834 / 0.836) and 8 points apart on the 50 training pictures; the early cut's final model then gains 3.4 points
from 40 to 50 pictures. The loss is 1.2 SE of the 500 test pictures (independent-errors bound). So the question this
session asks of the bar itself: **is the miss in the pictures the bar is measured on?** A 2-point bar measured on 500
pictures (SE of one accuracy ~1.6 points) cannot resolve 2 points. Fashion-MNIST 5-9 has 5000 test pictures.

  design cell (information, not part of the pass/fail): seed 2030's final models (FoldTestStudy with
  -Dstudy.rounds=0 -Dstudy.fullTest=true: the same final runs, the whole split) on all 5000 test pictures; the
  500-picture figures must reproduce the recorded ones (a check of the rerun).

Held-out cells (new data seeds on the study bases, never run before; in this order, one JVM at a time, each cell as
heldOutAccuracy runs its folds: -Dstudy.asAdvisor=true; cases 1, 1-early, 2, 3, 4):
   1 base-2028 seed 4301 Fashion 5-9 10/class     5 base-2032 seed 4341 Fashion 5-9 10/class
   2 base-2029 seed 4311 digits 10/class          6 base-2028 seed 4302 digits 10/class
   3 base-2030 seed 4321 Fashion 5-9 100/class    7 base-2029 seed 4312 Fashion 5-9 100/class
   4 base-2031 seed 4331 digits 100/class         8 base-2030 seed 4322 digits 100/class
  The cells complete by 13:50 UTC are the held-out set (stopped by the clock); every one is reported.
  ADDENDUM, committed ~13:05 UTC before any of these cells started (the first 8 ran faster than feared: 2-3 min a
  cell at load 22-31; cells 1-3 had been read): 8 more cells, run after cell 8 by bar_heldout_run2.sh, judged
  exactly as above (nothing else changes; they join the same held-out set if complete by 13:50):
   9 base-2031 seed 4333 Fashion 5-9 10/class    13 base-2030 seed 4323 Fashion 5-9 10/class
  10 base-2032 seed 4343 digits 10/class         14 base-2031 seed 4334 digits 10/class
  11 base-2028 seed 4303 Fashion 5-9 100/class   15 base-2032 seed 4344 Fashion 5-9 100/class
  12 base-2029 seed 4313 digits 100/class        16 base-2028 seed 4304 digits 100/class
  Per cell: the adopted advisor's pick (brier_choice.choose ranked by the Brier score, the tie-break, and the Case-4
  set-aside when the table says the early cut: the digits at 10 per class) and the prior candidate's pick; the loss
  below the best case on the experiment's test pictures (100 per class) and on the whole test split, with the paired
  standard error of that loss (picture by picture, the same pictures).
  The adopted advisor's bar on the held-out cells holds if no cell loses more than 2 points on the whole test split.
  The prior candidate would be adopted only if, on the recorded cells and on the held-out cells alike, it has fewer
  misses than the adopted advisor, no higher mean loss and no new miss; on the recorded cells it cannot have fewer
  (above), so it is not adopted whatever the held-out cells show, and the advisor's code does not change.
  The bar's measurement: if seed 2030's loss on the whole split is 2 points or less, the miss was the 500-picture
  test's noise, and TRANSFER.md says so and proposes judging the bar on the whole split (the experiment's
  --test-per-class); if more, the miss is real and stays open.
"""
import argparse
import collections
import csv
import math

import brier_choice as bc


def table_label(target, per_class):
    similar = target.startswith("fashion-mnist")
    if per_class < 100:
        return "1" if similar else "1-early"
    return "2" if similar else "3"


def mean_brier(cases, label):
    folds = [bc.fold_score(r, "brier") for r in cases[label]]
    return sum(f[0] for f in folds) / sum(f[1] for f in folds)


def adopted(cases, key):
    """The advisor's choose: the Brier ranking, the tie-break, the Case-4 set-aside under the early-cut table."""
    pick, best, close = bc.choose(cases, "brier")
    if table_label(key[1], key[2]) == "1-early" and pick == "4":
        left = [c for c in close if c in ("2", "3") and not all(r["kept"] == "0" for r in cases[c])]
        if left:
            pick = max(left, key=lambda c: mean_brier(cases, c))
    return pick, best, close


def prior(cases, key):
    pick, best, close = adopted(cases, key)
    table = table_label(key[1], key[2])
    never = [c for c in close if c in ("2", "3") and all(r["kept"] == "0" for r in cases[c])]
    if len(close) > 1 and table in close and table not in never:
        return table
    return pick


def read_final(paths):
    out = collections.defaultdict(dict)
    for p in paths:
        with open(p) as f:
            for r in csv.DictReader(f):
                out[(r["base"], r["target"], int(r["per_class"]), r["seed"])][r["case"]] = r
    return out


def paired(finals, a, b):
    """Accuracy of b minus a on the whole split, and its paired standard error (points)."""
    ra, rb = finals[a]["right"], finals[b]["right"]
    n = len(ra)
    d = [int(y) - int(x) for x, y in zip(ra, rb)]
    m = sum(d) / n
    var = sum((x - m) ** 2 for x in d) / (n - 1)
    return 100 * m, 100 * math.sqrt(var / n)


def report(name, cells, finals):
    rows = []
    print(f"{name}:")
    for key, cases in cells.items():
        fin = finals.get(key)
        a, best, close = adopted(cases, key)
        p = prior(cases, key)
        pub = {c: bc.final(cases, c) for c in cases}
        top = max(pub.values())
        line = (f"  {key[0]} {key[1]} {key[2]}/class seed {key[3]} (table {table_label(key[1], key[2])}): adopted "
                f"{a} (best measured {best}, close {' '.join(close)}), prior {p}\n"
                "    test (the experiment's pictures): "
                + " ".join(f"{c} {pub[c]:.3f}" for c in bc.ORDER if c in pub)
                + f"; loss adopted {100 * (top - pub[a]):.1f}, prior {100 * (top - pub[p]):.1f}")
        la_full = lp_full = None
        if fin:
            for c in pub:
                if abs(float(fin[c]["final_test_accuracy"]) - pub[c]) > 1e-4:
                    raise SystemExit(f"{key} case {c}: the rerun's published test accuracy "
                                     f"{fin[c]['final_test_accuracy']} is not the rows' {pub[c]}")
            full = {c: float(fin[c]["full_test_accuracy"]) for c in fin}
            n = int(fin[a]["test_n"])
            topc = max(full, key=full.get)
            la_full = 100 * (full[topc] - full[a])
            lp_full = 100 * (full[topc] - full[p])
            gap, se = paired(fin, a, topc)
            line += ("\n    whole test split (" + str(n) + "): " + " ".join(f"{c} {full[c]:.3f}" for c in bc.ORDER
                                                                     if c in full)
                     + f"; loss adopted {la_full:.1f} (paired SE {se:.2f}: {gap / se if se else 0:.1f} SE), "
                       f"prior {lp_full:.1f}")
        print(line)
        rows.append((100 * (top - pub[a]), 100 * (top - pub[p]), la_full, lp_full))
    for i, what in ((0, "experiment's test pictures"), (2, "whole test split")):
        la = [r[i] for r in rows if r[i] is not None]
        lp = [r[i + 1] for r in rows if r[i + 1] is not None]
        if not la:
            continue
        ma = sum(1 for x in la if x > 2 + 1e-9)
        mp = sum(1 for x in lp if x > 2 + 1e-9)
        new = sum(1 for x, y in zip(la, lp) if x <= 2 + 1e-9 and y > 2 + 1e-9)
        print(f"  {len(la)} cells on the {what}: adopted {ma} misses, mean loss {sum(la) / len(la):.2f}, largest "
              f"{max(la):.1f}; prior {mp} misses, mean loss {sum(lp) / len(lp):.2f}; new misses of the prior {new}")
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--recorded", nargs="+", required=True, help="recorded rows (design), e.g. results/brier/*.csv")
    ap.add_argument("--design", nargs="*", default=[], help="-final.csv of the design cell (seed 2030)")
    ap.add_argument("--heldout", nargs="*", default=[], help="rows of the held-out cells (their -final.csv beside)")
    args = ap.parse_args()
    rec = report("recorded cells (design)", bc.read(args.recorded), read_final(args.design))
    finals = read_final([p.replace(".csv", "-final.csv") for p in args.heldout])
    held = report("held-out cells", bc.read(args.heldout), finals) if args.heldout else []
    ma = sum(1 for r in rec if r[0] > 2 + 1e-9)
    mp = sum(1 for r in rec if r[1] > 2 + 1e-9)
    print(f"prior candidate on the recorded cells: {mp} misses against {ma}: "
          + ("fewer" if mp < ma else "not fewer: not adopted, whatever the held-out cells show"))
    if held:
        full = [r[2] for r in held if r[2] is not None]
        miss = sum(1 for x in full if x > 2 + 1e-9)
        print(f"adopted advisor on {len(full)} held-out cells, whole test split: {miss} misses -> bar "
              + ("holds" if miss == 0 else "does NOT hold"))


if __name__ == "__main__":
    main()

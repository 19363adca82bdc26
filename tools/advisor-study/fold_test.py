#!/usr/bin/env python3
"""Splits the folds' error of `advise --try` into training size and pictures judged (FoldTestStudy.java's rows).

    python3 tools/advisor-study/fold_test.py CELLS.csv [CELLS.csv ...]

Per cell (base, target, seed) and case:
  folds  = the advisor's measure: right answers of the fold runs on their held-out training pictures;
  fold/test = the same fold models (trained on 4/5 of the pictures) on the 500 test pictures;
  final  = the model trained on all the pictures, on the test pictures (what the experiment reports).
  size effect    = final - fold/test (what the last fifth of the pictures adds);
  picture effect = fold/test - folds (the test pictures against the held-out training pictures, same models).
For the early cut against Cases 2 and 3 it prints, per cell, the three differences (folds, fold/test, final), and
the mean over the cells of the size effect's difference.

The question fixed before the selection cells ran (committed with the tool): does the early cut gain more from the
last fifth of the pictures than Cases 2 and 3 do (its folds' estimate biased low against theirs)? A correction for
the size effect is worth designing only if the mean of size(1-early) - size(2 or 3) over the selection cells is at
least 1 point; below that it cannot move a pick by more than the advisor's noise.
"""
import collections
import csv
import sys


def main(paths):
    rows = []
    for p in paths:
        with open(p) as f:
            rows.extend(csv.DictReader(f))
    cells = collections.OrderedDict()
    for r in rows:
        cells.setdefault((r["base"], r["target"], r["seed"]), collections.defaultdict(list))[r["case"]].append(r)
    print("| cell | case | folds | fold models on test | final on test | size effect | picture effect | pictures ever wrong (of n) |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    summary = {}
    for cell, cases in cells.items():
        s = {}
        for case, rs in cases.items():
            held = sum(int(r["held_right"]) for r in rs) / sum(int(r["held_n"]) for r in rs)
            fold_test = sum(float(r["fold_test_accuracy"]) for r in rs) / len(rs)
            final = float(rs[0]["final_test_accuracy"])
            wrong = collections.Counter(i for r in rs for i in r["wrong"].split())
            n = sum(int(r["held_n"]) for r in rs if r["round"] == "0")
            s[case] = (held, fold_test, final)
            print(f"| {cell[0]} {cell[1]} seed {cell[2]} | {case} | {held:.3f} | {fold_test:.3f} | {final:.3f} | "
                  f"{100 * (final - fold_test):+.1f} | {100 * (fold_test - held):+.1f} | {len(wrong)} of {n} |")
        summary[cell] = s
    print()
    print("Early cut minus Case 2 / Case 3, points: folds | fold models on test | final on test | size-effect difference")
    diffs = {"2": [], "3": []}
    pictures = {"2": [], "3": []}
    for cell, s in summary.items():
        if "1-early" not in s:
            continue
        for other in ("2", "3"):
            if other not in s:
                continue
            e, o = s["1-early"], s[other]
            size = 100 * ((e[2] - e[1]) - (o[2] - o[1]))
            diffs[other].append(size)
            pictures[other].append(100 * ((e[1] - e[0]) - (o[1] - o[0])))
            print(f"  {cell[0]} {cell[1]} seed {cell[2]} vs case {other}: {100 * (e[0] - o[0]):+.1f} | "
                  f"{100 * (e[1] - o[1]):+.1f} | {100 * (e[2] - o[2]):+.1f} | {size:+.1f}")
    # every pair of cases in every cell: the folds' error on the difference (final minus folds) split in two
    size_part, picture_part = [], []
    for cell, s in summary.items():
        labels = sorted(s)
        for i, x in enumerate(labels):
            for y in labels[i + 1:]:
                a, b = s[x], s[y]
                size_part.append(100 * ((a[2] - a[1]) - (b[2] - b[1])))
                picture_part.append(100 * ((a[1] - a[0]) - (b[1] - b[0])))
    if size_part:
        def rms(v):
            return (sum(t * t for t in v) / len(v)) ** 0.5
        print(f"all {len(size_part)} pairs of cases: the folds' error on a difference, root mean square: "
              f"training size {rms(size_part):.2f} points, pictures judged {rms(picture_part):.2f} points")
    for other, d in diffs.items():
        if d:
            print(f"mean size(1-early) - size({other}) over {len(d)} cells: {sum(d) / len(d):+.2f} points "
                  f"(min {min(d):+.1f}, max {max(d):+.1f})")
            p = pictures[other]
            print(f"mean pictures(1-early) - pictures({other}) over {len(p)} cells: {sum(p) / len(p):+.2f} points "
                  f"(min {min(p):+.1f}, max {max(p):+.1f})")


if __name__ == "__main__":
    main(sys.argv[1:])

#!/usr/bin/env python3
"""Scores choice rules for `advise --try` on AdvisorStudy's CSV (docs/TRANSFER.md, "Which estimator").

For every (target, size, seed): each case's test accuracy and its 5-fold right answers per fold for R fold seeds.
A rule picks a case from the cross-validation alone; its regret is the best test accuracy minus the pick's.

Rules:
  cv1        best mean of the first fold seed (what --try did: one 5-fold run), ties to the cheaper case
  cvR        best mean over all R fold seeds (repeated cross-validation)
  table      the lecture's table alone (small + similar: case 1; small + dissimilar: case 1 early cut)
  paired-kX  repeated CV; the cases whose paired per-fold difference to the best is within X corrected standard
             errors (Nadeau-Bengio: var * (1/J + 1/(k-1)) for J paired folds of k-fold CV) cannot be told from it:
             if the table's case is among them it is chosen, otherwise the best
usage: analyse.py study.csv [more.csv ...]
"""
import csv, math, sys
from collections import defaultdict

ORDER = ["1", "1-early", "2", "3", "4"]
K = 5


def table_case(target, per_class):
    similar = target.startswith("fashion")
    if per_class < 100:
        return "1" if similar else "1-early"
    return "2" if similar else "3"


def main(paths):
    data = defaultdict(lambda: defaultdict(lambda: {"test": None, "folds": {}}))
    for p in paths:
        for row in csv.DictReader(open(p)):
            key = (row["target"], int(row["per_class"]), int(row["seed"]))
            c = data[key][row["case"]]
            c["test"] = float(row["test_accuracy"])
            c["folds"][int(row["repeat"])] = [int(x) for x in row["right_per_fold"].split()]
            c["answers"] = int(row["answers"])
    rules = ["cv1", "cvR", "table", "paired-k1", "paired-k2"]
    regrets = defaultdict(list)
    for key in sorted(data):
        cases = data[key]
        if any(c not in cases for c in ORDER):
            continue
        reps = min(len(cases[c]["folds"]) for c in ORDER)
        n = cases["1"]["answers"]
        def mean(c, rs):
            return sum(sum(cases[c]["folds"][r]) for r in rs) / (n * len(rs))
        def pick(rs):
            return max(ORDER, key=lambda c: (mean(c, rs), -ORDER.index(c)))
        best_test = max(cases[c]["test"] for c in ORDER)
        picks = {"cv1": pick([0]), "cvR": pick(range(reps)), "table": table_case(key[0], key[1])}
        top = picks["cvR"]
        per_fold = n / K
        for k in (1, 2):
            close = []
            for c in ORDER:
                d = [(a - b) / per_fold for r in range(reps) for a, b in zip(cases[top]["folds"][r], cases[c]["folds"][r])]
                j = len(d)
                m = sum(d) / j
                var = sum((x - m) ** 2 for x in d) / (j - 1) if j > 1 else 0
                se = math.sqrt(var * (1 / j + 1 / (K - 1)))
                if m <= k * se:
                    close.append(c)
            t = picks["table"]
            picks[f"paired-k{k}"] = t if t in close else top
        line = " ".join(f"{c}:{cases[c]['test']:.3f}/{mean(c, range(reps)):.3f}" for c in ORDER)
        print(f"{key[0]:18s} {key[1]:4d}/class seed {key[2]:3d} (test/cv{reps}) {line}")
        print("    picks: " + ", ".join(f"{r} {picks[r]} ({best_test - cases[picks[r]]['test']:+.3f})" for r in rules))
        for r in rules:
            regrets[r].append(best_test - cases[picks[r]]["test"])
    print()
    for r in rules:
        g = regrets[r]
        if g:
            print(f"{r:10s} settings {len(g)}  mean regret {sum(g) / len(g):.4f}  worst {max(g):.3f}  "
                  f"within 2 points {sum(1 for x in g if x <= 0.02 + 1e-9)}/{len(g)}")


if __name__ == "__main__":
    main(sys.argv[1:])

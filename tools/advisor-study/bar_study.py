#!/usr/bin/env python3
"""Why the advisor's two remaining misses miss, from the recorded folds (docs/TRANSFER.md, "The advisor's bar:
the two misses against the noise").

    python3 tools/advisor-study/bar_study.py ROWS.csv [...]

Input: FoldTestStudy.java's rows with held_brier (tools/advisor-study/results/brier/*.csv). Per cell it prints, for
every case: the folds' mean Brier score and accuracy, the paired fold-by-fold Brier gap to the best measured case in
corrected standard errors (TransferAdvisor.pairedGap's statistic, without the 1-SE margin), the mean test accuracy
of the 20 fold models (40-picture models: what the folds estimate) and the final model's test accuracy (the bar's
figure). Then, for the pick (brier_choice.choose) and the best case on the test set, the test set's own noise: the
standard error of the two accuracies' difference if their errors were independent (an upper bound for the paired
one; the test set's per-picture answers are not recorded). And the pick with the first 1, 2, 3, 4 rounds of folds
(how much more repeated splits move it). Decides nothing.
"""
import math
import sys

import brier_choice as bc

TEST_CLASSES = {"fashion-mnist:5-9": 5, "opencv-digits": 10}


def gap_z(best, other):
    """Mean paired gap of best over other (fold scores, higher is better) over its corrected standard error."""
    d = [(b[0] - o[0]) / b[1] for b, o in zip(best, other)]
    j = len(d)
    mean = sum(d) / j
    var = sum((x - mean) ** 2 for x in d) / (j - 1)
    se = math.sqrt(var * (1.0 / j + 1.0 / (bc.FOLDS - 1)))
    return mean, se


def rows_of(cases, label, rounds=None):
    rows = sorted(cases[label], key=lambda r: (int(r["round"]), int(r["fold"])))
    return [r for r in rows if rounds is None or int(r["round"]) < rounds]


def test_pictures(key, cases):
    # the small run used 50 test pictures per class; FoldTestStudy's rows do not say, so infer it from the
    # accuracies' granularity: 500 (Fashion) / 1000 (digits) at 100 per class, 250 for the small run
    n = TEST_CLASSES[key[1]] * 100
    if key[0] == "base-small":
        n = TEST_CLASSES[key[1]] * 50
    return n


def main(paths):
    cells = bc.read(paths)
    for key, cases in cells.items():
        pick, best, close = bc.choose(cases, "brier")
        print(f"{key[0]} {key[1]} {key[2]}/class seed {key[3]}: pick {pick} (best measured {best}, close "
              f"{' '.join(close)})")
        bfolds = [bc.fold_score(r, "brier") for r in rows_of(cases, best)]
        tops = max(bc.final(cases, c) for c in cases)
        for c in bc.ORDER:
            if c not in cases:
                continue
            rows = rows_of(cases, c)
            folds = [bc.fold_score(r, "brier") for r in rows]
            brier = -sum(f[0] for f in folds) / sum(f[1] for f in folds)
            acc = sum(int(r["held_right"]) for r in rows) / sum(int(r["held_n"]) for r in rows)
            ft = sum(float(r["fold_test_accuracy"]) for r in rows) / len(rows)
            if c == best:
                z = "   best"
            else:
                m, se = gap_z(bfolds, folds)
                z = f"{m / se:6.2f}" if se > 0 else "    inf"
            fin = bc.final(cases, c)
            mark = " <- best on test" if fin == tops else ""
            mark += " <- pick" if c == pick else ""
            print(f"   case {c:8s} folds Brier {brier:.3f} acc {acc:.3f}  gap/SE {z}  fold models on test {ft:.3f}"
                  f"  final on test {fin:.3f}{mark}")
        n = test_pictures(key, cases)
        pa, pb = bc.final(cases, pick), tops
        se = math.sqrt(pa * (1 - pa) / n + pb * (1 - pb) / n)
        print(f"   loss {100 * (pb - pa):.1f} points; test pictures {n}; independent-errors SE of the difference "
              f"{100 * se:.1f} points ({(pb - pa) / se if se else 0:.1f} SE)")
        picks = []
        for k in (1, 2, 3, 4):
            sub = {c: rows_of(cases, c, k) for c in cases}
            picks.append(bc.choose(sub, "brier")[0])
        print(f"   pick with 1, 2, 3, 4 rounds of folds: {', '.join(picks)}")


if __name__ == "__main__":
    main(sys.argv[1:])

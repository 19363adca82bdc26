#!/usr/bin/env python3
"""Scores Case 3's keep decision by folds over FoldKeepStudy.java's cells (docs/TRANSFER.md, "Case 3's keep
decision by folds at 10 pictures per class").

    python3 tools/keep-rule-study/fold_score.py CELLS.csv [CELLS.csv ...]

Every cell has Case 1's test accuracy, Case 3's with phase 2 kept by the `--keep-se 0` rule ("tuned") and with the
head alone ("head"), whether the `--keep-se 0` run kept phase 2 and its paired loss gain in standard errors, and the
right answers fold by fold of the repeated 5-fold cross-validation of `advise --try` for the tuned and the head-alone
Case 3 (the same folds). Rules, fixed before any cell ran:

  today   the default: tuned when the keep-se 0 run kept phase 2 and its gain is >= 1 standard error, else the head
  folds   tuned when the folds' held-out accuracy of the tuned Case 3 is higher than the head alone's, else the head
  both    today's model when the folds' tuned accuracy is higher than the head's, else the head (both must agree)
  clearly tuned when the tuned Case 3 is ahead of the head by at least one corrected standard error of the fold-by-
          fold differences (`TransferAdvisor`'s "clearly ahead": Nadeau and Bengio's correction, k = 5), else the head

Per rule: the cells, the misses of the fine-tuning bar (Case 3 more than 2 points below Case 1), the mean of Case 3
minus Case 1 in points, how many cells keep the tuning, and the cells where it differs from today's rule.
Adoption (fixed beforehand): on the selection cells a rule must have no more misses than `today` and a mean no
lower; of those, the one with the highest selection mean is checked on the held-out cells and adopted only if there
it has no more misses and a higher mean than `today`.

Case 2 (FoldKeepStudy's fifth argument), fixed on 2026-12-05 at 21:33 UTC before any Case 2 cell ran: the same four
rules, the same adoption test and the same cells (selection: base 2028 with seeds 2028,3001-3005 and base 2029 with
2029,3011-3015, both targets, 10 per class; held-out: base 2031 with 4001-4005 and base 2032 with 4011-4015), the
bar's reference Case 1 as above. The bases are pretrained again by `experiment transfer --seed S` with the jar of
ded7be6 (the machine that held the earlier ones was replaced); the held-out cells run only after the selection
cells are scored, and only if there is time.
"""
import csv
import math
import sys

FOLDS = 5


def ints(s):
    return [int(x) for x in s.split(";")] if s else []


def fold_diff(c):
    answers = ints(c["fold_answers"])
    t = ints(c["fold_tuned_right"])
    h = ints(c["fold_head_right"])
    d = [(a - b) / n for a, b, n in zip(t, h, answers)]
    j = len(d)
    mean = sum(d) / j
    if j < 2:
        return mean, 0.0
    var = sum((x - mean) ** 2 for x in d) / (j - 1)
    return mean, math.sqrt(var * (1.0 / j + 1.0 / (FOLDS - 1)))


def keeps(rule, c):
    today = c["kept_at_0"] == "true" and float(c["gain_in_se"]) >= 1
    mean, se = fold_diff(c)
    if rule == "today":
        return today
    if rule == "folds":
        return c["kept_at_0"] == "true" and mean > 0
    if rule == "both":
        return today and mean > 0
    if rule == "clearly":
        return c["kept_at_0"] == "true" and mean - se > 0
    raise ValueError(rule)


RULES = ["today", "folds", "both", "clearly"]


def score(cells):
    out = {}
    for rule in RULES:
        misses, diffs, kept, changed = 0, [], 0, []
        for c in cells:
            k = keeps(rule, c)
            acc = float(c["tuned_accuracy"] if k else c["head_accuracy"])
            case1 = float(c["case1_accuracy"])
            kept += k
            diffs.append(100 * (acc - case1))
            misses += acc < case1 - 0.02 - 1e-9
            if k != keeps("today", c) and abs(float(c["tuned_accuracy"]) - float(c["head_accuracy"])) > 1e-9:
                t = float(c["tuned_accuracy"] if keeps("today", c) else c["head_accuracy"])
                changed.append(f"{c['base']} {c['target']} seed {c['seed']}: {t:.3f}->{acc:.3f}")
        out[rule] = (len(cells), misses, sum(diffs) / len(diffs) if diffs else float("nan"), kept, changed)
    return out


def main(paths):
    cells = []
    for p in paths:
        with open(p) as f:
            cells.extend(csv.DictReader(f))
    case = "/".join(sorted({c["case"] for c in cells})) or "3"
    print(f"{len(cells)} Case {case} cells from {', '.join(paths)}")
    print(f"| rule | cells | bar misses | mean case {case} - case 1 (points) | tuning kept | cells that differ from today |")
    print("|---|---:|---:|---:|---:|---|")
    for rule, (n, misses, mean, kept, changed) in score(cells).items():
        print(f"| {rule} | {n} | {misses} | {mean:+.2f} | {kept} | {'; '.join(changed)} |")
    # information, not a rule: which decision had the sign right where tuning and the head differ on the test set
    differ = [c for c in cells if abs(float(c["tuned_accuracy"]) - float(c["head_accuracy"])) > 1e-9]
    folds_right = sum((fold_diff(c)[0] > 0) == (float(c["tuned_accuracy"]) > float(c["head_accuracy"])) for c in differ)
    today_right = sum(keeps("today", c) == (float(c["tuned_accuracy"]) > float(c["head_accuracy"])) for c in differ)
    ses = [100 * fold_diff(c)[1] for c in cells]
    print(f"cells where tuning and the head differ on the test set: {len(differ)}; the folds' sign right in"
          f" {folds_right}, today's decision right in {today_right}; the folds' corrected standard error of the"
          f" difference {min(ses):.1f}-{max(ses):.1f} points")


if __name__ == "__main__":
    main(sys.argv[1:])

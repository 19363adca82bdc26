#!/usr/bin/env python3
"""Scores keep rules of Cases 2 and 3 over KeepRuleStudy.java's cells (docs/TRANSFER.md, "Seed 2030's Case 2 miss").

    python3 tools/keep-rule-study/score.py CELLS.csv [CELLS.csv ...]

A cell keeps its tuned accuracy under a rule when the keep-se 0 run kept phase 2 and its paired loss gain is at
least the rule's threshold in standard errors; otherwise it has the head alone. Per rule: the cells, the misses of
the fine-tuning bar (case 2 or 3 more than 2 points below case 1), the mean of case 2/3 minus case 1 in points, and
how many cells keep their tuning. Rules (fixed before any cell was run): T = 1 (the default), 1.5, 1.96, and
"one-SE, K epochs": T = the normal quantile of 1 - 0.1587 / K (the one-standard-error rule's one-sided level spread
over the K epochs phase 2 ran, of which early stopping kept the best: Bonferroni), and T = 0 (the old rule).
"""
import csv
import sys
from statistics import NormalDist


def threshold(rule, epochs):
    if rule == "one-SE/K":
        return NormalDist().inv_cdf(1 - 0.1587 / max(1, epochs))
    return float(rule)


RULES = ["0", "1", "1.5", "1.96", "one-SE/K"]


def main(paths):
    cells = []
    for p in paths:
        with open(p) as f:
            cells.extend(csv.DictReader(f))
    print(f"{len(cells)} case-2/3 cells from {', '.join(paths)}")
    print("| rule | cells | bar misses | mean case 2/3 - case 1 (points) | tuning kept | cells that differ from T = 1 |")
    print("|---|---:|---:|---:|---:|---|")
    base_acc = {}
    for rule in RULES:
        misses, diffs, kept, changed = 0, [], 0, []
        for c in cells:
            t = float(c["gain_in_se"])
            keep = c["kept_at_0"] == "true" and t >= threshold(rule, int(c["epochs"]))
            acc = float(c["tuned_accuracy"] if keep else c["head_accuracy"])
            case1 = float(c["case1_accuracy"])
            kept += keep
            diffs.append(100 * (acc - case1))
            if acc < case1 - 0.02 - 1e-9:
                misses += 1
            key = (c["base"], c["target"], c["per_class"], c["seed"], c["case"])
            if rule == "1":
                base_acc[key] = acc
            elif key in base_acc and abs(base_acc[key] - acc) > 1e-9:
                changed.append(f"{c['base']} {c['target']} {c['per_class']}/class seed {c['seed']} case {c['case']}:"
                               f" {base_acc[key]:.3f}->{acc:.3f}")
        mean = sum(diffs) / len(diffs) if diffs else float("nan")
        print(f"| {rule} | {len(cells)} | {misses} | {mean:+.2f} | {kept} | {'; '.join(changed) if rule != '1' else ''} |")


if __name__ == "__main__":
    main(sys.argv[1:])

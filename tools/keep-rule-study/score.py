#!/usr/bin/env python3
"""Scores keep rules of Cases 2 and 3 over KeepRuleStudy.java's cells (docs/TRANSFER.md, "Seed 2030's Case 2 miss").

    python3 tools/keep-rule-study/score.py CELLS.csv [CELLS.csv ...] [--before OLD.csv [OLD.csv ...]]

A cell keeps its tuned accuracy under a rule when the keep-se 0 run kept phase 2 and its paired loss gain is at
least the rule's threshold in standard errors; otherwise it has the head alone. Per rule: the cells, the misses of
the fine-tuning bar (case 2 or 3 more than 2 points below case 1), the mean of case 2/3 minus case 1 in points, and
how many cells keep their tuning. Rules (fixed before any cell was run): T = 1 (the default), 1.5, 1.96, and
"one-SE, K epochs": T = the normal quantile of 1 - 0.1587 / K (the one-standard-error rule's one-sided level spread
over the K epochs phase 2 ran, of which early stopping kept the best: Bonferroni), and T = 0 (the old rule).
Then, for the default rule (T = 1), the same by pictures per class and case, with the worst cell; with --before,
the same cells of an earlier study (e.g. the plain validation split) side by side: how many cells' accuracy under
T = 1 moved and the mean and worst of case 2/3 - case 1 there.
"""
import csv
import sys
from statistics import NormalDist


def threshold(rule, epochs):
    if rule == "one-SE/K":
        return NormalDist().inv_cdf(1 - 0.1587 / max(1, epochs))
    return float(rule)


RULES = ["0", "1", "1.5", "1.96", "one-SE/K"]


def read(paths):
    cells = []
    for p in paths:
        with open(p) as f:
            cells.extend(csv.DictReader(f))
    return cells


def accuracy(c, rule="1"):
    keep = c["kept_at_0"] == "true" and float(c["gain_in_se"]) >= threshold(rule, int(c["epochs"]))
    return float(c["tuned_accuracy"] if keep else c["head_accuracy"])


def key(c):
    return (c["base"], c["target"], c["per_class"], c["seed"], c["case"])


def groups(cells, label):
    print(f"\nT = 1 by pictures per class and case ({label}):")
    print("| per class | case | cells | bar misses | mean case 2/3 - case 1 (points) | worst (points, cell) | tuning kept |")
    print("|---:|---:|---:|---:|---:|---|---:|")
    for n in sorted({c["per_class"] for c in cells}, key=int):
        for k in sorted({c["case"] for c in cells}):
            g = [c for c in cells if c["per_class"] == n and c["case"] == k]
            d = [(100 * (accuracy(c) - float(c["case1_accuracy"])), c) for c in g]
            worst = min(d, key=lambda x: x[0])
            misses = sum(1 for x, _ in d if x < -2 - 1e-7)
            kept = sum(1 for c in g if c["kept_at_0"] == "true" and float(c["gain_in_se"]) >= 1)
            print(f"| {n} | {k} | {len(g)} | {misses} | {sum(x for x, _ in d) / len(d):+.2f} | {worst[0]:+.1f} "
                  f"({worst[1]['base']} {worst[1]['target']} seed {worst[1]['seed']}) | {kept} |")


def before(cells, old):
    by = {key(c): c for c in old}
    print("\nAgainst the earlier cells (T = 1):")
    print("| per class | case | cells in both | accuracy moved | mean change (points) | earlier misses | misses now |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n in sorted({c["per_class"] for c in cells}, key=int):
        for k in sorted({c["case"] for c in cells}):
            pairs = [(c, by[key(c)]) for c in cells if c["per_class"] == n and c["case"] == k and key(c) in by]
            if not pairs:
                continue
            moved = sum(1 for a, b in pairs if abs(accuracy(a) - accuracy(b)) > 1e-9)
            change = sum(100 * (accuracy(a) - accuracy(b)) for a, b in pairs) / len(pairs)
            miss_b = sum(1 for _, b in pairs if accuracy(b) < float(b["case1_accuracy"]) - 0.02 - 1e-9)
            miss_a = sum(1 for a, _ in pairs if accuracy(a) < float(a["case1_accuracy"]) - 0.02 - 1e-9)
            print(f"| {n} | {k} | {len(pairs)} | {moved} | {change:+.2f} | {miss_b} | {miss_a} |")


def main(args):
    paths = args[:args.index("--before")] if "--before" in args else args
    old_paths = args[args.index("--before") + 1:] if "--before" in args else []
    cells = read(paths)
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
    groups(cells, ", ".join(paths))
    if old_paths:
        before(cells, read(old_paths))


if __name__ == "__main__":
    main(sys.argv[1:])

#!/usr/bin/env python3
"""The bars of issue 12 for one `experiment transfer` run, from its results.json, or, for a run still going or
stopped, from the lines it printed (stdout: the rows and the advisor's lines of every finished target and size).

    python3 tools/transfer-experiment/run_bars.py RUN_DIR [TITLE]

Prints a markdown table: per target and size the five cases' test accuracies (best in bold), Cases 2/3 minus Case 1
(the fine-tuning bar: >= -2 points), what `--try` picked and how many points below the best it is (the advisor's
bar: <= 2 points), the table's answer and the similarity verdict.
"""
import json
import os
import re
import sys

CASES = ["1", "1-early", "2", "3", "4"]
SHORT = {"similar: Fashion-MNIST 5-9": "Fashion 5-9", "dissimilar: digits 0-9": "digits"}


def from_json(path):
    d = json.load(open(path))
    acc = {(r["target"], r["per_class"], r["case"]): r["test_accuracy"] for r in d["rows"]}
    adv = {(a["target"], a["per_class"]): (a["try_pick"], a["table_case"], a["similarity"]) for a in d["advice"]}
    return acc, adv, True


ROW = re.compile(r"^((?:dis)?similar: .+?)\s+(\d+)/class\s+(\d)( \(early cut [^)]*\)| \(.*?\))?.*?test (\d\.\d+)")
ADV = re.compile(r"^((?:dis)?similar: .+?)\s+(\d+)/class\s+advisor: (.*?); table: case (\d)( early cut)?.*?; tried: case (\S+) ")


def from_stdout(path):
    acc, adv = {}, {}
    for line in open(path):
        m = ROW.match(line)
        if m:
            case = m.group(3) + ("-early" if m.group(4) and m.group(4).startswith(" (early cut") else "")
            acc[(m.group(1).strip(), int(m.group(2)), case)] = float(m.group(5))
            continue
        m = ADV.match(line)
        if m:
            adv[(m.group(1).strip(), int(m.group(2)))] = (m.group(6), m.group(4) + ("-early" if m.group(5) else ""),
                                                          m.group(3))
    return acc, adv, False


def main():
    run = sys.argv[1]
    j = os.path.join(run, "results.json")
    acc, adv, complete = from_json(j) if os.path.exists(j) else from_stdout(os.path.join(run, "stdout.txt"))
    print(f"{'results.json' if complete else 'stdout.txt (run not finished)'} of {run}")
    print("| target | per class | case 1 | case 1 early | case 2 | case 3 | case 4 | cases 2 / 3 - case 1 (points) |"
          " --try picks (points below the best) | table | similarity |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    worst_ft, worst_adv, n = 99.0, 0.0, 0
    for target, short in SHORT.items():
        for size in sorted({k[1] for k in acc if k[0] == target}):
            c = {k: acc.get((target, size, k)) for k in CASES}
            key = (target, size)
            if any(v is None for v in c.values()) or key not in adv:
                continue
            best = max(c.values())
            cells = [("**%.3f**" if c[k] == best else "%.3f") % c[k] for k in CASES]
            d2, d3 = 100 * (c["2"] - c["1"]), 100 * (c["3"] - c["1"])
            pick, table, sim = adv[key]
            below = 100 * (best - c[pick])
            worst_ft, worst_adv, n = min(worst_ft, d2, d3), max(worst_adv, below), n + 1
            verdict = (sim.split(": ")[-1] if ": " in sim else sim).replace(" (similar <= 1.00)", "")
            figure = re.search(r"pixel shift (\S+) \(90% interval (\S+),", sim)
            simtext = f"{figure.group(1)} ({figure.group(2)}) {verdict}" if figure else verdict
            print(f"| {short} | {size} | {' | '.join(cells)} | {d2:+.1f} / {d3:+.1f} | case {pick} ({below:.1f}) |"
                  f" {table} | {simtext} |")
    print(f"{n} settings; closest fine-tuning to Case 1: {worst_ft:+.1f} points; largest advisor loss: {worst_adv:.1f}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The advisor's answers against the measured outcomes of `experiment transfer` runs, from their results.json.

    python3 tools/transfer-experiment/advice_vs_outcome.py RESULTS.json [RESULTS.json ...]

For every target and size of each run: the case the lecture's table answers (`advise` without --try, the table_case
of the run) and the case `--try` picks (try_pick), each against the best case on the test pictures (Cases 1, 1 early
cut, 2, 3, 4). A loss counts as "within the noise" when it is at most 2 standard errors of the difference of the two
test accuracies. The test pictures are the same for every case, so their errors are positively correlated and the
standard error of the paired difference is smaller than the one used here, sqrt(p1 (1 - p1) / n + p2 (1 - p2) / n)
(the errors taken independent, as the results files hold accuracies, not answers picture by picture): "within the
noise" is a generous verdict and "outside the noise" a safe one. n is the run's test pictures per target
(results.json's test_pictures; runs made before that list: Fashion-MNIST 5-9 min(test_per_class, 1000) per class,
the digits' 100 per class, which is what those runs held out).

Prints one markdown table per run and, at the end, each answer that is outside the noise.
"""
import json
import math
import sys

CASES = ["1", "1-early", "2", "3", "4"]
SHORT = {"similar: Fashion-MNIST 5-9": "Fashion 5-9", "dissimilar: digits 0-9": "digits"}
# test pictures per class each built-in target holds out at most (DataSpec: Fashion's test set, the digits' split)
AVAILABLE_PER_CLASS = {"fashion-mnist:5-9": (1000, 5), "opencv-digits": (100, 10)}
WITHIN_SE = 2.0


def test_pictures(run):
    """target name -> number of test pictures each case was scored on."""
    listed = {t["target"]: t["pictures"] for t in run.get("test_pictures", [])}
    if listed:
        return listed
    asked = run["config"]["test_per_class"]
    out = {}
    for name, spec in run["config"]["targets"].items():
        per_class, classes = AVAILABLE_PER_CLASS[spec]
        out[name] = min(asked, per_class) * classes
    return out


def judge(acc, case, best, n):
    """(points below the best, standard error of the difference in points, within the noise?)"""
    loss = 100 * (acc[best] - acc[case])
    se = 100 * math.sqrt(acc[case] * (1 - acc[case]) / n + acc[best] * (1 - acc[best]) / n)
    return loss, se, loss <= WITHIN_SE * se


def main():
    outside = []
    for path in sys.argv[1:]:
        run = json.load(open(path))
        n_of = test_pictures(run)
        acc = {}
        for r in run["rows"]:
            acc.setdefault((r["target"], r["per_class"]), {})[r["case"]] = r["test_accuracy"]
        print(f"{path} (seed {run['config']['seed']})\n")
        print("| target | per class | test pictures | best case | table says: case, points below the best (SE) |"
              " --try picks: case, points below the best (SE) |")
        print("|---|---|---|---|---|---|")
        for a in run["advice"]:
            key = (a["target"], a["per_class"])
            cases = {c: acc[key][c] for c in CASES if c in acc[key]}
            best = max(cases, key=lambda c: (cases[c], -CASES.index(c)))  # ties: the cheaper case
            n = n_of[a["target"]]
            cells = []
            for who, case in (("table", a["table_case"]), ("--try", a["try_pick"])):
                loss, se, within = judge(cases, case, best, n)
                verdict = "best" if loss == 0 else ("within the noise" if within else "**outside the noise**")
                cells.append(f"{case}, {loss:.1f} ({se:.1f}): {verdict}")
                if not within:
                    outside.append(f"seed {run['config']['seed']}, {SHORT[a['target']]} {a['per_class']}/class: {who}"
                                   f" case {case} {cases[case]:.3f}, best case {best} {cases[best]:.3f}: {loss:.1f}"
                                   f" points, {loss / se:.1f} SE")
            print(f"| {SHORT[a['target']]} | {a['per_class']} | {n} | {best} ({cases[best]:.3f}) | {cells[0]} |"
                  f" {cells[1]} |")
        print()
    print(f"Outside the noise ({WITHIN_SE:g} SE, errors taken independent): {len(outside)}")
    for line in outside:
        print("- " + line)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Scores tie-breaks for `advise --try`'s "uncertain" verdicts on `experiment transfer` runs (docs/TRANSFER.md,
"Tie-break for uncertain verdicts").

Each run's results.csv holds, per target, size and case, the test accuracy and the cross-validated right answers fold
by fold that --try decides from (TransferAdvisor.heldOutAccuracy; the same folds for every case). From them this
script recomputes, exactly as TransferAdvisor.choose does, the best measured case (ties: the earlier, cheaper case)
and the cases within one corrected standard error of it (Nadeau-Bengio: var * (1/J + 1/(k-1)), J paired fold runs of
k = 5-fold cross-validation). Rules (they differ only when the verdict is uncertain, i.e. several cases are close):

  old        the best measured (what --try did)
  ft         the best measured among the close fine-tuning cases 2 and 3 (ties: 2), else the best measured
  ft3        case 3 if close, else case 2 if close, else the best measured
  ft-any     the best measured among the close cases 2, 3 and 4, else the best measured
  demote1    when case 2 or 3 is close: the best measured of the close cases but 1 and 1-early (Cases 2 and 3 start
             from Case 1's fitted head and keep tuning only when validation says it is better, so they are Case 1
             or better by construction); else the best measured
  tie-only   only exact ties go to the later case (ties in the best measured value; 4 > 3 > 2 > 1)
  aside23    demote1, after setting aside the close cases 2 and 3 none of whose fold runs kept its fine-tuning
             (results.csv's "5-fold runs keeping tuning" is 0/n: on the folds they were their head alone, i.e.
             Case 1's model with the case1 head fit, or Case 1's model family with the multinomial one); the rest
             as demote1 among the cases left. Runs written before that column existed: no case is set aside
             (aside23 = demote1 there)
  aside23h   as aside23, but a close case 2 or 3 is set aside when fewer than half of its fold runs kept their
             fine-tuning (TransferAdvisor.choose from 2026-12-04 afternoon to evening)
  (aside23 is what TransferAdvisor.choose does since 2026-12-04, 22:40 UTC: docs/TRANSFER.md, "The advisor's misses
  at seeds 2030-2032"; tools/advisor-study/score_all.sh scores every rule over all committed runs)

Regret = best test accuracy of the tried cases minus the pick's, in points (percentage points).
usage: tie_break.py [--cases 1,2,3,4] [--sizes 10,100] OUT.csv SEED=results.csv [SEED=results.csv ...]
--cases: the cases --try is taken to have tried (default all five); a setting is scored when the run has all of them,
so runs made with --cases 1,2,3,4 are scored with --cases 1,2,3,4 (and a five-case run can be rescored as if the early
cut had not been tried). --sizes: score only these training sizes (per class).
"""
import csv
import math
import sys
from collections import defaultdict

ORDER = ["1", "1-early", "2", "3", "4"]
FOLDS = 5
SE = 1.0
SIZES = None
RULES = ["old", "ft", "ft3", "ft-any", "demote1", "tie-only", "aside23", "aside23h"]


def label(case):
    if case.startswith("1 (early"):
        return "1-early"
    return case.split(" ")[0]


def read(path):
    settings = defaultdict(dict)
    for row in csv.DictReader(open(path)):
        c = label(row["case"])
        if c not in ORDER or not row["5-fold right answers per fold"]:
            continue
        right = [int(x) for x in row["5-fold right answers per fold"].split()]
        answers = int(row["held-out accuracy (5-fold, answers)"].split("(")[1].rstrip(")"))
        kept = row.get("5-fold runs keeping tuning") or ""
        settings[(row["target"], int(row["per class"]))][c] = {
            "test": float(row["test accuracy"]), "right": right, "per_fold": answers / len(right),
            "cv": sum(right) / answers, "kept": int(kept.split("/")[0]) if kept else None,
            "runs": int(kept.split("/")[1]) if kept else None}
    return settings


def gap(best, other):
    """TransferAdvisor.pairedGap: how far other trails best beyond SE corrected standard errors."""
    d = [(a - b) / best["per_fold"] for a, b in zip(best["right"], other["right"])]
    j = len(d)
    m = sum(d) / j
    if j < 2:
        return m
    var = sum((x - m) ** 2 for x in d) / (j - 1)
    return m - SE * math.sqrt(var * (1 / j + 1 / (FOLDS - 1)))


def picks(cases):
    tried = [c for c in ORDER if c in cases]
    best = tried[0]
    for c in tried:
        if cases[c]["cv"] > cases[best]["cv"]:
            best = c
    close = [c for c in tried if c == best or gap(cases[best], cases[c]) <= 0]

    def best_of(group, among=None):
        among = close if among is None else among
        g = [c for c in tried if c in group and c in among]
        if not g:
            return None
        b = g[0]
        for c in g:
            if cases[c]["cv"] > cases[b]["cv"]:
                b = c
        return b

    tie = max((c for c in tried if cases[c]["cv"] == cases[best]["cv"]), key=ORDER.index)
    ft3 = "3" if "3" in close else "2" if "2" in close else best
    demote1 = (best_of({"2", "3", "4"}) or best) if "2" in close or "3" in close else best
    # aside23: only for an uncertain verdict; cases 2 and 3 whose folds never kept their tuning leave the close set
    def set_aside(drop):
        if len(close) < 2:
            return demote1
        left = [c for c in close if not (c in ("2", "3") and cases[c]["kept"] is not None and drop(cases[c]))]
        if "2" in left or "3" in left:
            return best_of({"2", "3", "4"}, left)
        return best_of(set(ORDER), left) or best

    aside = set_aside(lambda c: c["kept"] == 0)
    half = set_aside(lambda c: 2 * c["kept"] < c["runs"])
    return close, {"old": best, "ft": best_of({"2", "3"}) or best, "ft3": ft3,
                   "ft-any": best_of({"2", "3", "4"}) or best, "demote1": demote1, "tie-only": tie,
                   "aside23": aside, "aside23h": half}


def main(out, runs):
    rows = []
    for spec in runs:
        seed, path = spec.split("=", 1)
        for (target, n), cases in sorted(read(path).items()):
            if any(c not in cases for c in ORDER) or (SIZES and n not in SIZES):
                continue
            close, p = picks(cases)
            top = max(cases[c]["test"] for c in ORDER)
            kept = {c: cases[c]["kept"] for c in ("2", "3")}
            rows.append({"seed": seed, "target": target.split(":")[0], "per_class": n,
                         "close": " ".join(close),
                         "kept_2": "" if kept["2"] is None else kept["2"], "kept_3": "" if kept["3"] is None else kept["3"],
                         **{f"pick_{r}": p[r] for r in RULES},
                         **{f"below_{r}": round(100 * (top - cases[p[r]]["test"]), 1) for r in RULES},
                         **{f"test_{c}": cases[c]["test"] for c in ORDER}})
    with open(out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    groups = defaultdict(list)
    for r in rows:
        groups[(r["target"], r["per_class"])].append(r)
        groups[("all", 0)].append(r)
    print("points below the best test accuracy: mean (worst) per rule; misses = settings more than 2 points below")
    print(f"{'setting':26s} {'runs':>4s} " + " ".join(f"{r:>16s}" for r in RULES))
    for key in sorted(groups, key=lambda k: (k[0] == "all", k)):
        g = groups[key]
        cells = []
        for r in RULES:
            v = [x[f"below_{r}"] for x in g]
            miss = sum(1 for x in v if x > 2.0 + 1e-9)
            cells.append(f"{sum(v) / len(v):5.2f} ({max(v):4.1f}) m{miss}")
        name = "all" if key[0] == "all" else f"{key[0]} {key[1]}/class"
        print(f"{name:26s} {len(g):4d} " + " ".join(f"{c:>16s}" for c in cells))


if __name__ == "__main__":
    args = sys.argv[1:]
    while args and args[0] in ("--cases", "--sizes"):
        if args[0] == "--cases":
            ORDER = [c for c in ORDER if c in args[1].split(",")]
        else:
            SIZES = [int(x) for x in args[1].split(",")]
        args = args[2:]
    main(args[0], args[1:])

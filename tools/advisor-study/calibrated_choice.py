#!/usr/bin/env python3
"""Task 2 of 2026-12-06 (session 11): does calibrating each case's fold probabilities let the Brier ranking pick
Case 1 when Case 1 is best? (docs/TRANSFER.md, "Ranking the folds by the Brier score", the caveat: Case 1's
probabilities are less sure than Cases 2-4's at the same accuracy, so the Brier ranking rarely picks Case 1.)

    python3 tools/advisor-study/calibrated_choice.py --rows SEL.csv [...] --previous OLD.csv [...]

Input: FoldTestStudy.java's rows (OUT.csv) and their per-picture log-probabilities (OUT-probs.csv beside them), and
the committed rows of the same cells (--previous) to check the reproduction.

Why: in the 26 cells of the Brier study (12 selection, 12 held-out, 2 misses) Case 1 (either cut) was the best or
tied best on the test set in 7; the Brier ranking never picked Case 1 in any cell; in 6 of the 7 a case it did pick
was within 2 points, and the seventh is seed 2030 (the early cut best, 2.6 points above the pick under either
ranking). The one miss is the reason to look.

The candidate, temperature scaling on the folds, cross-fitted (so no picture scores probabilities fitted on itself):
  for each cell and case, and each of its fold runs i, T_i is the T in the grid exp(-2.00), exp(-1.95), ..., exp(2.00)
  (81 values, 0.135..7.39) with the smallest summed negative log-likelihood of the right class under softmax(l / T)
  over the held-out pictures of the case's OTHER fold runs (all rounds; l = the fold model's ln p; ties: the T nearest
  1). Fold run i's calibrated Brier score is the sum over its own pictures of sum_j (q_j - y_j)^2, q = softmax(l / T_i).
  Then TransferAdvisor.choose's steps as brier_choice.py replays them (paired fold gaps, corrected SE, set-aside of
  never-kept tuning, Cases 2-4 first among the indistinguishable, ties to the cheaper case), each fold scored by minus
  its calibrated Brier score.

The rule, fixed and committed before any row of these runs was read (2026-12-06, session 11, before 03:50 UTC):
  cells  the 12 selection cells of the Brier study (bases 2028 and 2029, data seeds 2028, 3001, 3002 and 2029, 3011,
         3012, both targets, 10 per class, cases 1, 1-early, 2, 3, 4), rerun by FoldTestStudy.java to get the
         per-picture log-probabilities. Reproduction first: every fold run's held_right must equal the committed rows'
         and held_brier agree within 1e-4; and the probabilities file must give back each row's held_brier within
         1e-4. Otherwise "not reproduced", no verdict.
  passes only if both:
    1. no more misses (loss > 2 points) and no higher mean loss than the adopted (uncalibrated) Brier ranking on the
       same cells;
    2. its picks differ from the Brier ranking's in at least one cell (otherwise it changes nothing and adds a step).
  Even if it passes it is not adopted in this session: adoption needs the held-out cells (bases 2031, 2032) too.
  Information only (decides nothing): the seed-2030 miss cell, if run; the temperatures fitted per case.
"""
import argparse
import collections
import csv
import gzip
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import brier_choice as bc  # noqa: E402

GRID = [math.exp(-2.0 + 0.05 * i) for i in range(81)]


def softmax(l, t):
    z = [v / t for v in l]
    m = max(z)
    e = [math.exp(v - m) for v in z]
    s = sum(e)
    return [v / s for v in e]


def nll(pics, t):
    total = 0.0
    for right, l in pics:
        z = [v / t for v in l]
        m = max(z)
        lse = m + math.log(sum(math.exp(v - m) for v in z))
        total -= (z[right] - lse) if right >= 0 else math.log(1e-12)
    return total


def brier(pics, t):
    total = 0.0
    for right, l in pics:
        q = softmax(l, t)
        total += sum((q[j] - (1.0 if j == right else 0.0)) ** 2 for j in range(len(q)))
    return total


def fit(pics):
    best = None
    for t in GRID:
        v = nll(pics, t)
        if best is None or v < best[0] - 1e-12 or (abs(v - best[0]) <= 1e-12 and abs(math.log(t)) < abs(math.log(best[1]))):
            best = (v, t)
    return best[1]


def read_probs(paths):
    probs = collections.defaultdict(list)  # (cell key, case, round, fold) -> [(right, logp)]
    for p in paths:
        q = p.replace(".csv", "-probs.csv")
        # the committed files are gzipped (results/calibrated/*-probs.csv.gz); read either
        with (gzip.open(q + ".gz", "rt") if not os.path.exists(q) else open(q)) as f:
            for r in csv.DictReader(f):
                key = (r["base"], r["target"], int(r["per_class"]), r["seed"])
                probs[(key, r["case"], r["round"], r["fold"])].append(
                    (int(r["right"]), [float(v) for v in r["logp"].split(" ")]))
    return probs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", nargs="+", required=True)
    ap.add_argument("--previous", nargs="+", required=True)
    ap.add_argument("--info", nargs="*", default=[], help="cells reported only (e.g. the seed-2030 miss)")
    args = ap.parse_args()
    cells = bc.read(args.rows)
    prev = bc.read(args.previous)
    probs = read_probs(args.rows + args.info)
    # reproduction
    bad = 0
    for key, cases in cells.items():
        for label, rows in cases.items():
            old = {(r["round"], r["fold"]): r for r in prev.get(key, {}).get(label, [])}
            for r in rows:
                o = old.get((r["round"], r["fold"]))
                pics = probs[(key, label, r["round"], r["fold"])]
                if o is None or o["held_right"] != r["held_right"] or abs(float(o["held_brier"]) - float(r["held_brier"])) > 1e-4:
                    bad += 1
                    print("not reproduced:", key, label, r["round"], r["fold"], o and o["held_right"], r["held_right"])
                if abs(brier(pics, 1.0) - float(r["held_brier"])) > 1e-4 or len(pics) != int(r["held_n"]):
                    bad += 1
                    print("probabilities disagree with the row:", key, label, r["round"], r["fold"])
    print(f"reproduction: {bad} fold runs differ")
    info = bc.read(args.info) if args.info else {}
    results = {}
    for name, group in (("selection", cells), ("information", info)):
        for key, cases in group.items():
            temps = {}
            for label, rows in cases.items():
                runs = [(r["round"], r["fold"]) for r in rows]
                ts = []
                for r in rows:
                    others = [p for rf in runs if rf != (r["round"], r["fold"]) for p in probs[(key, label) + rf]]
                    t = fit(others)
                    ts.append(t)
                    r["held_brier_uncal"] = r["held_brier"]
                    r["held_brier"] = repr(brier(probs[(key, label, r["round"], r["fold"])], t))
                temps[label] = sum(ts) / len(ts)
            results[(name, key)] = temps
    sb = bc.score("selection", prev_subset(prev, cells), "brier")
    sc = bc.score("selection, calibrated", cells, "brier")
    for (name, key), temps in results.items():
        print(f"  mean fitted T {name} {key}: " + " ".join(f"{c} {t:.2f}" for c, t in temps.items()))
    if info:
        bc.score("information only (decides nothing), calibrated", info, "brier")
    picks_b = [bc.choose(c, "brier")[0] for c in prev_subset(prev, cells).values()]
    picks_c = [bc.choose(c, "brier")[0] for c in cells.values()]
    changed = sum(1 for a, b in zip(picks_b, picks_c) if a != b)
    case1 = sum(1 for p in picks_c if p.startswith("1"))
    r1 = sc[0] <= sb[0] and sc[1] <= sb[1] + 1e-9
    r2 = changed >= 1
    print(f"picks changed {changed} of {len(picks_c)}; calibrated picks Case 1 (either cut) in {case1}")
    print(f"rule 1 (no more misses, no higher mean loss than the Brier ranking): {'met' if r1 else 'NOT met'}")
    print(f"rule 2 (changes at least one pick): {'met' if r2 else 'NOT met'}")
    if bad:
        print("candidate: not reproduced, no verdict")
    else:
        print("candidate " + ("passes selection (held-out cells still needed to adopt)" if r1 and r2 else "fails: nothing changes"))


def prev_subset(prev, cells):
    return collections.OrderedDict((k, prev[k]) for k in cells if k in prev)


if __name__ == "__main__":
    main()

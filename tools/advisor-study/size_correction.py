#!/usr/bin/env python3
"""The early cut's size correction for `advise --try`: designed on selection cells, adopted only if no worse on
held-out cells (docs/TRANSFER.md, "A size correction for the early cut").

    python3 tools/advisor-study/size_correction.py --selection SEL.csv [SEL.csv ...] --heldout HELD.csv [...] \
        [--also OLD-HELD.csv ...]

Input: FoldTestStudy.java's rows (one per fold run). Per cell (base, target, pictures per class, seed) this replays
TransferAdvisor.choose over the cases in the rows (1, 1-early, 2, 3; Case 4 was not run by the study): the best
measured case, the paired fold-by-fold gap with Nadeau and Bengio's corrected standard error (1 SE), the set-aside of
a close Case 2/3 none of whose fold runs kept its tuning (the `kept` column; files without it count as kept and are
marked), and Cases 2/3 first among the indistinguishable. The pick's loss is the best final test accuracy of those
cases minus the pick's, in points; a miss is a loss over 2 points (the issue's advisor bar).

The rule, fixed before any row of the new cells was read (committed with this script while the runs were going):
  cells  selection: the 12 cells of last session (tools/advisor-study/results/fold-test/selection-2028.csv,
         selection-2029.csv, 10 per class) and new ones: base 2028 seeds 3003,3004,3005 and base 2029 seeds
         3013,3014,3015 at 10 per class; base 2028 seeds 2028,3001,3002 and base 2029 seeds 2029,3011,3012 at 20 per
         class; both targets (Fashion-MNIST 5-9, OpenCV digits).
         held-out (named now, read only after the design is fixed): base 2031 seeds 4004,4005,4006 and base 2032
         seeds 4014,4015,4016 at 10 per class; base 2031 seeds 4007,4008,4009 and base 2032 seeds 4017,4018,4019 at
         20 per class; both targets. Last session's held-out files (seed 2030; bases 2031/2032 seeds 4001-4003 and
         4011-4013) were read last session: reported apart (--also), never used to design or adopt.
  changed at 12:55 UTC, still before any new row was read (load 29: a 10-per-class run of 3 seeds x 2 targets took
  ~25 min, so the 20-per-class runs could not end by 14:00 before the held-out runs): the held-out 10-per-class runs
  go second; at 20 per class only one selection seed per base runs after them (base 2028 seed 2028, base 2029 seed
  2029; 4 cells) and no held-out cell, so nothing can be adopted at 20 per class this session (reported only).
  design on selection only, per size (pictures per class):
    1. extra = mean over the cells of size(1-early) - (size(2) + size(3)) / 2, size = final test accuracy minus the
       fold models' mean test accuracy (what the last fifth of the pictures adds). If extra < 1 point: no
       correction at that size (the threshold of fold_test.py).
    2. Otherwise the correction adds extra (rounded to 0.5 point) to every early-cut fold run's held-out accuracy
       before choose(). It is a candidate only if on the selection cells of that size it has no more misses and no
       higher mean loss than no correction, and changes at least one pick.
  adoption: a candidate is adopted only if on the new held-out cells of that size it has no more misses and no
  higher mean loss than no correction. Otherwise nothing changes in TransferAdvisor.
"""
import argparse
import collections
import csv
import math

FOLDS = 5
SE = 1.0
FINE_TUNING_FIRST = ("2", "3", "4")
ORDER = ("1", "1-early", "2", "3", "4")


def read(paths):
    cells = collections.OrderedDict()
    for p in paths:
        with open(p) as f:
            for r in csv.DictReader(f):
                key = (r["base"], r["target"], int(r["per_class"]), r["seed"])
                cells.setdefault(key, collections.defaultdict(list))[r["case"]].append(r)
    return cells


def paired_gap(best, other):
    d = [(b[0] - o[0]) / b[1] for b, o in zip(best, other)]
    j = len(d)
    mean = sum(d) / j
    if j < 2:
        return mean
    var = sum((x - mean) ** 2 for x in d) / (j - 1)
    return mean - SE * math.sqrt(var * (1.0 / j + 1.0 / (FOLDS - 1)))


def choose(cases, bonus):
    """cases: label -> rows; bonus: points added to each early-cut fold run. Returns (pick, best, kept_known)."""
    trials = []
    kept_known = True
    for label in ORDER:
        if label not in cases:
            continue
        rows = sorted(cases[label], key=lambda r: (int(r["round"]), int(r["fold"])))
        add = bonus / 100 if label == "1-early" else 0.0
        folds = [(int(r["held_right"]) + add * int(r["held_n"]), int(r["held_n"])) for r in rows]
        acc = sum(f[0] for f in folds) / sum(f[1] for f in folds)
        never = False
        if label in ("2", "3"):
            if "kept" in rows[0] and rows[0]["kept"] not in (None, ""):
                never = all(r["kept"] == "0" for r in rows)
            else:
                kept_known = False
        trials.append((label, acc, folds, never))
    best = trials[0]
    for t in trials:
        if t[1] > best[1]:
            best = t
    close = [t[0] for t in trials if t is best or paired_gap(best[2], t[2]) <= 0]
    pick = best
    if len(close) > 1:
        aside = [t[0] for t in trials if t[0] in close and t[0] in ("2", "3") and t[3]]
        left = [c for c in close if c not in aside]
        tuning_left = "2" in left or "3" in left
        chosen = None
        for t in trials:
            if t[0] in left and (not tuning_left or t[0] in FINE_TUNING_FIRST) and (chosen is None or t[1] > chosen[1]):
                chosen = t
        pick = chosen if chosen is not None else best
    return pick[0], best[0], kept_known


def final(cases, label):
    return float(cases[label][0]["final_test_accuracy"])


def size_effect(cases, label):
    rows = cases[label]
    return 100 * (float(rows[0]["final_test_accuracy"]) - sum(float(r["fold_test_accuracy"]) for r in rows) / len(rows))


def score(cells, bonus, show=False):
    losses, changed, unknown = [], 0, 0
    for key, cases in cells.items():
        pick, best, known = choose(cases, bonus)
        pick0, _, _ = choose(cases, 0.0)
        top = max(final(cases, c) for c in cases)
        loss = 100 * (top - final(cases, pick))
        losses.append(loss)
        changed += pick != pick0
        unknown += not known
        if show:
            print(f"  {key[0]} {key[1]} {key[2]}/class seed {key[3]}: pick {pick} (best measured {best}), loss "
                  f"{loss:.1f}{'' if known else ' [kept unknown: counted as kept]'}"
                  f"{'  <- changed' if pick != pick0 else ''}")
    misses = sum(1 for x in losses if x > 2.0 + 1e-9)
    mean = sum(losses) / len(losses) if losses else float("nan")
    return misses, mean, changed, unknown, len(losses)


def extra(cells):
    v = [size_effect(c, "1-early") - (size_effect(c, "2") + size_effect(c, "3")) / 2 for c in cells.values()
         if all(k in c for k in ("1-early", "2", "3"))]
    return (sum(v) / len(v) if v else float("nan")), v


def by_size(cells):
    out = collections.OrderedDict()
    for key in sorted(cells, key=lambda k: k[2]):
        out.setdefault(key[2], collections.OrderedDict())[key] = cells[key]
    return out


def line(name, r):
    return (f"{name}: {r[4]} cells, misses (loss > 2 points) {r[0]}, mean loss {r[1]:.2f} points, picks changed "
            f"{r[2]}" + (f", {r[3]} cells without the kept column" if r[3] else ""))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--selection", nargs="+", required=True)
    ap.add_argument("--heldout", nargs="*", default=[])
    ap.add_argument("--also", nargs="*", default=[])
    ap.add_argument("--show", action="store_true", help="print every cell's pick")
    ap.add_argument("--sweep", action="store_true",
                    help="for information, not the rule: misses and mean loss with bonuses of 0.5..6 points")
    a = ap.parse_args()
    sel = by_size(read(a.selection))
    held = by_size(read(a.heldout)) if a.heldout else {}
    also = by_size(read(a.also)) if a.also else {}
    for n, cells in sel.items():
        e, v = extra(cells)
        print(f"== {n} pictures per class: selection, {len(cells)} cells")
        print(f"extra size effect of the early cut over Cases 2/3: mean {e:+.2f} points (min {min(v):+.1f}, "
              f"max {max(v):+.1f})")
        print(line("no correction", score(cells, 0.0, a.show)))
        candidate = None
        if e >= 1.0:
            bonus = round(e * 2) / 2
            r0, r1 = score(cells, 0.0), score(cells, bonus, a.show)
            print(line(f"early cut +{bonus:.1f} points", r1))
            if r1[0] <= r0[0] and r1[1] <= r0[1] + 1e-9 and r1[2] > 0:
                candidate = bonus
                print(f"candidate: +{bonus:.1f} points (no more misses, no higher mean loss, {r1[2]} picks changed)")
            else:
                print("no candidate: worse on selection or no pick changed")
        else:
            print("below the 1-point threshold: no correction designed at this size")
        if a.sweep:
            for b in [x / 2 for x in range(1, 13)]:
                print("  (information) " + line(f"early cut +{b:.1f} points", score(cells, b)))
        for name, group in (("held-out", held), ("earlier held-out (read last session)", also)):
            if n in group:
                g = group[n]
                ge, _ = extra(g)
                print(f"-- {name}, {len(g)} cells: extra size effect {ge:+.2f} points")
                r0 = score(g, 0.0, a.show)
                print(line("no correction", r0))
                if candidate is not None:
                    r1 = score(g, candidate, a.show)
                    print(line(f"early cut +{candidate:.1f} points", r1))
                    if name == "held-out":
                        ok = r1[0] <= r0[0] and r1[1] <= r0[1] + 1e-9
                        print("ADOPT" if ok else "NOT ADOPTED: worse on held-out")
        print()


if __name__ == "__main__":
    main()

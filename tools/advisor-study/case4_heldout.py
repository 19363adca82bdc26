#!/usr/bin/env python3
"""The held-out test of the Case-4 set-aside (TransferAdvisor.SMALL_DISSIMILAR_TABLE, adopted 2026-12-06 under
small_dissimilar_choice.py's rule) on new digits cells at 10 per class, where it can act (docs/TRANSFER.md, "The Case-4
set-aside on new digits cells").

    python3 tools/advisor-study/case4_heldout.py ROWS.csv [...]

Input: FoldTestStudy.java's rows (5 folds x 4 rounds, as heldOutAccuracy; jar of the 8 held-out cells of 06:23).
Per cell it replays the ranking without the set-aside (brier_choice.choose: the Brier ranking with the tie-break and
"none kept") and with it (small_dissimilar_choice.candidate: the digits are the dissimilar target, so the table says
the early cut); the set-aside ACTS in a cell when the two picks differ (the ranking picked Case 4 and Case 2 or 3 was
close). Every figure is the final models' test accuracy on the experiment's 1000 test pictures.

Why these cells: the 8 held-out cells of 06:23 never had Case 4 picked on the digits, so the set-aside's held-out test
had no power. Case 4 was picked (before the set-aside) in 1 of 16 recorded digits cells, so many new cells are needed
for a few where it acts. The cells are fixed before any row is read, chosen by nothing but their seeds:
  bases 2028, 2029, 2030, 2031, 2032 (the bases of the earlier study cells; `experiment transfer --seed B`'s base),
  digits only (opencv-digits, 10 per class, the same 100 test pictures per class), data seeds 4200 + 10 (B - 2028) + k,
  k = 1..6, run round-robin (k = 1 on every base, then k = 2, ...) in two streams; the cells complete by 10:45 UTC
  are the held-out set (stopped by the clock, not by what they show). None of these seeds was used before.
What is reported, fixed now (2026-12-06, 09:35 UTC, before any of the rows exists):
  - per cell: both picks, the test accuracy of every case, whether the set-aside acted, each pick's loss (best test
    accuracy minus the pick's, in points) and which case was best on the test set;
  - the premise: in how many of the cells Case 4 was the best on the test set (it was in 0 of 16 recorded);
  - the verdict, on the cells where it acted: the set-aside PASSES if, summed over those cells, its picks lose no
    more than Case 4 would have and it adds no miss (a cell within the 2-point bar with Case 4 that misses with its
    pick); it FAILS otherwise; with no acting cell the test is again without power, and says so.
Nothing in the code changes on this verdict (held-out cells are never acted on): a failure is reported in
TRANSFER.md and left to the next session with a rule committed first.
"""
import argparse

import brier_choice as bc
import small_dissimilar_choice as sd


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("rows", nargs="+")
    args = ap.parse_args()
    cells = bc.read(args.rows)
    acted, case4_best, n = [], 0, 0
    for key, cases in sorted(cells.items()):
        if key[1] != "opencv-digits":
            continue
        if sorted(cases) != sorted(bc.ORDER) or any(len(cases[c]) != 20 for c in cases):
            print(f"  {key}: incomplete ({', '.join(f'{c} {len(cases[c])}' for c in cases)}), left out")
            continue
        n += 1
        top = max(bc.final(cases, c) for c in cases)
        best = [c for c in bc.ORDER if bc.final(cases, c) >= top - 1e-9]
        case4_best += "4" in best
        without = bc.choose(cases, "brier")[0]
        with_ = sd.candidate(cases, key)
        lw, la = 100 * (top - bc.final(cases, without)), 100 * (top - bc.final(cases, with_))
        tests = " ".join(f"{c} {bc.final(cases, c):.3f}" for c in bc.ORDER)
        act = without != with_
        if act:
            acted.append((lw, la))
        print(f"  {key[0]} seed {key[3]}: without the set-aside {without} (loss {lw:.1f}), with it {with_} (loss"
              f" {la:.1f}){'  ACTS' if act else ''}; best on test {', '.join(best)}   test: {tests}")
    print(f"{n} complete digits cells; Case 4 best on the test set in {case4_best} of them")
    if not acted:
        print("the set-aside acted in no cell: its held-out test is again without power")
        return
    sw, sa = sum(lw for lw, _ in acted), sum(la for _, la in acted)
    mw = sum(1 for lw, _ in acted if lw > 2 + 1e-9)
    ma = sum(1 for _, la in acted if la > 2 + 1e-9)
    new = sum(1 for lw, la in acted if lw <= 2 + 1e-9 and la > 2 + 1e-9)
    print(f"acted in {len(acted)} cells: loss summed {sa:.1f} points with the set-aside, {sw:.1f} with Case 4;"
          f" misses {ma} against {mw}; new misses {new}")
    print("the set-aside " + ("PASSES" if sa <= sw + 1e-9 and new == 0 else "FAILS") + " its held-out test")


if __name__ == "__main__":
    main()

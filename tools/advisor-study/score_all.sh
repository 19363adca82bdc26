#!/bin/bash
# Scores every tie-break rule of tie_break.py over ALL committed `experiment transfer` runs that carry the fold-by-fold
# answers, in two groups kept apart (docs/TRANSFER.md, "The advisor's misses at seeds 2030-2032"):
#   selection: seeds 2028 and 2029 (the seeds rules may be chosen on)
#   held-out:  every other seed (2027, 2030, 2031, 2032, 42): scored, never tuned on
# Cases 1-4 (what every run has; the early cut is in the newer runs only, scored separately by the caller).
# usage: tools/advisor-study/score_all.sh OUT_DIR      (run from the repository root)
set -e
out=${1:?usage: score_all.sh OUT_DIR}
mkdir -p "$out"
T=tools/fine-tune-study/results
A=tools/advisor-study/results
py=tools/advisor-study/tie_break.py
selection=(
  pub2028=docs/transfer/seed-2028/results.csv
  pub2029=docs/transfer/seed-2029/results.csv
  kz2028=$T/keep-z/seed-2028/results.csv
  kz2029=$T/keep-z/seed-2029/results.csv
  kf2028=$A/kept-folds/default-2028/results.csv
  c1h2028=$T/case1-head/seed-2028/results.csv
  sel2028=$T/keep-se/selection-2028/results.csv
  sel2029=$T/keep-se/selection-2029/results.csv
)
heldout=(
  pub42=docs/transfer/seed-42-2026-12-03/results.csv
  se42=docs/transfer/seed-42-2026-12-05-test-100/results.csv
  pub2027=docs/transfer/seed-2027/results.csv
  tb2030=$A/tie-break/seed-2030.csv
  tb2031=$A/tie-break/seed-2031.csv
  kz2030=$T/keep-z/seed-2030/results.csv
  kz2031=$T/keep-z/seed-2031/results.csv
  kf2030=$A/kept-folds/default-2030/results.csv
  c1h2030=$T/case1-head/seed-2030/results.csv
  se2030=$T/keep-se/heldout-2030/results.csv
  se2031=$T/keep-se/heldout-2031/results.csv
  se2032=$T/keep-se/heldout-2032/results.csv
  old2032=$T/keep-se/before-2032/results.csv
)
# runs with the current default (--keep-se 1) added later, if present
for f in "$A"/keep-se1/*/results.csv; do
  [ -f "$f" ] || continue
  name=$(basename "$(dirname "$f")")
  case $name in *2028*|*2029*) selection+=("$name=$f") ;; *) heldout+=("$name=$f") ;; esac
done
echo "== selection seeds (2028, 2029), cases 1-4"
python3 $py --cases 1,2,3,4 "$out/selection.csv" "${selection[@]}"
echo
echo "== held-out seeds, cases 1-4"
python3 $py --cases 1,2,3,4 "$out/heldout.csv" "${heldout[@]}"

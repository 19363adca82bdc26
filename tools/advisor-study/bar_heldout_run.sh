#!/bin/bash
# tools/advisor-study/bar_heldout.py's cells (issue 12, 2026-12-06, rule committed before any row): run in a folder
# holding study.jar (/tmp/i12s12/exp.jar, the jar of the earlier held-out cells), FoldTestStudy.java (this commit's)
# and base-2028 .. base-2032 (the `experiment transfer --seed B` bases). One JVM at a time; stopped at 13:50 UTC, the
# cells complete by then are the held-out set.
J="nice java -Xmx1500m --add-modules jdk.incubator.vector -Dstudy.fullTest=true -cp study.jar"
# design cell (information): seed 2030's final models on the whole test split, no folds (its folds are recorded)
/usr/bin/time -v -o design-2030.time.txt $J -Dstudy.rounds=0 FoldTestStudy.java base-2030/base-fashion-0-4.c4j 2030 \
    design-2030.csv fashion-mnist:5-9 1,1-early,2,3,4 10 100 > design-2030.log 2>&1
# held-out cells, in this order, folds as heldOutAccuracy runs them
while read -r B S T N; do
  /usr/bin/time -v -o "bar-$B-$S.time.txt" $J -Dstudy.asAdvisor=true FoldTestStudy.java \
      "base-$B/base-fashion-0-4.c4j" "$S" "bar-$B-$S.csv" "$T" 1,1-early,2,3,4 "$N" 100 > "bar-$B-$S.log" 2>&1
done <<'CELLS'
2028 4301 fashion-mnist:5-9 10
2029 4311 opencv-digits 10
2030 4321 fashion-mnist:5-9 100
2031 4331 opencv-digits 100
2032 4341 fashion-mnist:5-9 10
2028 4302 opencv-digits 10
2029 4312 fashion-mnist:5-9 100
2030 4322 opencv-digits 100
CELLS

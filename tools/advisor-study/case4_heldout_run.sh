#!/bin/bash
# tools/advisor-study/case4_heldout.py's cells (issue 12, 2026-12-06 09:30 UTC): run in a folder holding study.jar (the jar of the
# 06:23 held-out cells, /tmp/i12s12/exp.jar), FoldTestStudy.java and base-2028 .. base-2032 (experiment transfer
# --seed B bases). Usage: ./case4_heldout_run.sh 0 & ./case4_heldout_run.sh 1 &   (two streams)
# stream N of 2: digits cells at 10 per class, round-robin over bases 2028-2032, data seeds 4200+10*(B-2028)+k
stream=$1
i=0
for k in 1 2 3 4 5 6; do for B in 2028 2029 2030 2031 2032; do
  S=$((4200 + 10*(B-2028) + k))
  if [ $((i % 2)) -eq "$stream" ]; then
    /usr/bin/time -v -o "case4-$B-$S.time.txt" nice java -Xmx1200m --add-modules jdk.incubator.vector -cp study.jar \
      FoldTestStudy.java "base-$B/base-fashion-0-4.c4j" "$S" "case4-$B-$S.csv" opencv-digits 1,1-early,2,3,4 10 \
      > "case4-$B-$S.log" 2>&1
  fi
  i=$((i+1))
done; done

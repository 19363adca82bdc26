#!/bin/bash
# tools/advisor-study/bar_heldout.py's addendum (issue 12, 2026-12-06, committed before these cells started): cells
# 9-16, run after bar_heldout_run.sh's cell 8 in the same folder (study.jar = /tmp/i12s12/exp.jar, FoldTestStudy.java,
# base-2028 .. base-2032). One JVM at a time; the cells complete by 13:50 UTC join the held-out set.
J="nice java -Xmx1500m --add-modules jdk.incubator.vector -Dstudy.fullTest=true -cp study.jar"
while read -r B S T N; do
  /usr/bin/time -v -o "bar-$B-$S.time.txt" $J -Dstudy.asAdvisor=true FoldTestStudy.java \
      "base-$B/base-fashion-0-4.c4j" "$S" "bar-$B-$S.csv" "$T" 1,1-early,2,3,4 "$N" 100 > "bar-$B-$S.log" 2>&1
done <<'CELLS'
2031 4333 fashion-mnist:5-9 10
2032 4343 opencv-digits 10
2028 4303 fashion-mnist:5-9 100
2029 4313 opencv-digits 100
2030 4323 fashion-mnist:5-9 10
2031 4334 opencv-digits 10
2032 4344 fashion-mnist:5-9 100
2028 4304 opencv-digits 100
CELLS

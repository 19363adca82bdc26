#!/bin/bash
# The held-out cells of brier_choice.py's rule (docs/TRANSFER.md, "Ranking the folds by the Brier score"), in the
# current directory: pretrain base B as `experiment transfer --seed B` does (into base-B/), then one FoldTestStudy
# run per data seed, rows appended to heldout-B.csv (one seed a run, so an interrupted base resumes by its seeds).
#   usage: brier_heldout.sh JAR B SEED...      e.g. brier_heldout.sh exp.jar 2031 4001 4002 4003
set -e
here=$(cd "$(dirname "$0")" && pwd)
jar=$1; B=$2; shift 2
java_run() { nice java -Xmx1500m --add-modules jdk.incubator.vector "$@"; }
java_run -jar "$jar" experiment transfer --seed "$B" --sizes 10 --cases 1 --classifiers none --targets similar \
    --out-dir "base-$B" > "base-$B.log" 2>&1
for S in "$@"; do
    /usr/bin/time -v -o "heldout-$B-$S.time.txt" nice java -Xmx1500m --add-modules jdk.incubator.vector -cp "$jar" \
        "$here/FoldTestStudy.java" "base-$B/base-fashion-0-4.c4j" "$S" "heldout-$B.csv" fashion-mnist:5-9,opencv-digits \
        1,1-early,2,3,4 10 100 > "heldout-$B-$S.log" 2>&1
done

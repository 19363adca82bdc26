#!/bin/bash
# Starts N JVMs one after another, each running StartSpread (docs/PERFORMANCE.md, fourteenth pass), and keeps each
# start's compilation log and its lines in OUT/jit-I.log and OUT/spread-I.txt; prints each start's SUMMARY line.
# usage: bench/start-spread.sh JAR OUT MODEL BATCH N [extra java options...]   (CALLS=20 calls per round)
JAR=$1; TAG=$2; MODEL=$3; B=$4; N=$5; shift 5
mkdir -p "$TAG"
for i in $(seq $N); do
  nice java --add-modules jdk.incubator.vector -XX:+UseParallelGC -XX:MaxNewSize=256m -Xss4m -Dconvnet4j.jit.directives=true \
    -XX:+PrintCompilation "$@" -cp "$JAR" org.convnet4j.bench.StartSpread $MODEL $B 7 ${CALLS:-20} > "$TAG/jit-$i.log" 2> "$TAG/spread-$i.txt"
  grep SUMMARY "$TAG/spread-$i.txt"
done

#!/bin/bash
J="nice java --add-modules jdk.incubator.vector -jar /tmp/i12pub/cur.jar"
cd /tmp/i12walk
set -x
$J transfer --case 1 --base base.c4j --data grey --out grey1.c4j 2>&1 | grep -v "img/s" | tail -3; echo "exit ${PIPESTATUS[0]}"
$J transfer --case 3 --base base.c4j --data grey --json --epochs 5 --out grey3.c4j > c3.json 2> c3.err; echo "exit $?"
/usr/bin/python3 -c "
import json;d=json.load(open('c3.json'));print(sorted(d))
for k in d:
    if 'hist' in k or 'phase' in k: print(k, json.dumps(d[k])[:700])"
grep -c "epoch [0-9]*/5 " c3.err
$J transfer --case 1 --base f04.c4j --data fashion-mnist:5-9 --limit 20 --test-limit 20 --out f59.c4j 2>&1 | grep -v "img/s" | tail -2; echo "exit ${PIPESTATUS[0]}"
$J transfer --case 0 --base base.c4j --data fashion-mnist:0-4 --test-limit 20 --out c0.c4j 2>&1 | grep -v "img/s" | tail -4; echo "exit ${PIPESTATUS[0]}"
$J transfer --case 2 --base f10.c4j --data grey --keep-head --out bad.c4j 2>&1 | tail -2; echo "exit ${PIPESTATUS[0]}"; ls bad.c4j 2>&1

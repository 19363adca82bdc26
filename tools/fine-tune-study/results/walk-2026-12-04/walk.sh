#!/bin/bash
# issue 12 item 4: the issue's list walked as a new user on main's jar (cur.jar = 68878e2), tiny sizes
J="nice java --add-modules jdk.incubator.vector -jar /tmp/i12pub/cur.jar"
cd /tmp/i12walk
set -x
rm -rf base mine; /usr/bin/python3 /work/wt/issue-12/tools/own-pictures/make_folders.py base 100 mine 40
# grey base from a grey folder, grey target (the issue's refusal)
$J train --data base --epochs 2 --out base.c4j 2>&1 | tail -4; echo "exit ${PIPESTATUS[0]}"
$J transfer --case 1 --base base.c4j --data grey 2>&1 | tail -4; echo "exit ${PIPESTATUS[0]}"
$J transfer --case 2 --base base.c4j --data grey --out grey2.c4j 2>&1 | grep -v "^\s*$" | tail -25; echo "exit ${PIPESTATUS[0]}"
# cases 3 and 4: per-epoch history, and --json history
$J transfer --case 4 --base base.c4j --data grey --epochs 5 --out grey4.c4j 2>&1 | grep -i "epoch" | head -12; echo "exit ${PIPESTATUS[0]}"
$J transfer --case 3 --base base.c4j --data grey --json --epochs 5 > c3.json 2> c3.err; echo "exit $?"
/usr/bin/python3 -c "import json;d=json.load(open('c3.json'));print(sorted(d));h=d.get('history') or d.get('phases');print(json.dumps(h)[:600])"
# colour target of another size, defaults
$J transfer --case 2 --base base.c4j --data mine --out mine2.c4j 2>&1 | grep -i "convert\|held-out\|kept" | head; echo "exit ${PIPESTATUS[0]}"
# advise stability: the same target at several sizes, and the digits
for L in 50 200 500; do $J advise --base base.c4j --data fashion-mnist:5-9 --limit $L 2>&1 | grep -i "similar\|uncertain" | head -2; done
for L in 50 200; do $J advise --base base.c4j --data opencv-digits --limit $L 2>&1 | grep -i "similar\|uncertain" | head -2; done
# one data language and --limit
$J train --data fashion-mnist:0-4 --limit 30 --epochs 1 --out f04.c4j 2>&1 | tail -2; echo "exit ${PIPESTATUS[0]}"
$J evaluate --model f04.c4j --data fashion-mnist:0-4 --limit 20 2>&1 | tail -3; echo "exit ${PIPESTATUS[0]}"
$J transfer --case 1 --base f04.c4j --data fashion-mnist:5-9 --limit 20 --test-limit 20 2>&1 | tail -2; echo "exit ${PIPESTATUS[0]}"
$J fuse --inputs a=fashion-mnist:0-4,b=fashion-mnist:0-4:sobel --mode early --limit 20 --epochs 1 -o f.c4j 2>&1 | tail -4; echo "exit ${PIPESTATUS[0]}"
for c in train evaluate predict transfer advise fuse zoo-benchmark; do echo "$c: $($J $c --help 2>&1 | tr -s ' \n' ' ' | grep -o -- '--limit=N [^.]*\.' | head -1)"; done
$J experiment transfer --help 2>&1 | grep -i "limit"
# class-name spelling in case 0 (T-shirt_top vs T-shirt/top)
$J transfer --case 0 --base base.c4j --data fashion-mnist:0-4 --test-limit 20 2>&1 | tail -4; echo "exit ${PIPESTATUS[0]}"
# a 10-output model given 5 classes, in Java
$J train --data fashion-mnist --limit 5 --epochs 1 --out f10.c4j 2>&1 | tail -1
nice java --add-modules jdk.incubator.vector -cp /tmp/i12pub/cur.jar Wrong.java f10.c4j 2>&1 | grep -v WARNING
$J transfer --case 2 --base f10.c4j --data grey --keep-head 2>&1 | tail -2; echo "exit ${PIPESTATUS[0]}"
# fuse normalisation with folder inputs
$J fuse --inputs a=mine,b=mine --mode early --epochs 2 -o fused.c4j 2>&1 | grep -i "loss\|acc\|scal\|normal" | head -8; echo "exit ${PIPESTATUS[0]}"
$J evaluate --model fused.c4j --data mine 2>&1 | tail -2; echo "exit ${PIPESTATUS[0]}"

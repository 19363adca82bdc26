#!/bin/bash
# item 5: the issue's first list as a new user, tiny sizes, built CLI jar $1
J="nice java --add-modules jdk.incubator.vector -jar $1"
set -x
rm -rf w && mkdir w && cd w
/usr/bin/python3 /work/wt/issue-12/tools/own-pictures/make_folders.py base 100 mine 40
python3 - <<'P'
# a second, grey copy of mine at another size (32x40) for fuse: paired by class and file name
import os, struct, zlib
P
$J train --data base --epochs 2 --out base.c4j; echo "exit $?"
$J transfer --case 2 --base base.c4j --data mine --out mine.c4j; echo "exit $?"
$J predict --model mine.c4j mine/Sneaker/0003.png; echo "exit $?"
$J advise --base base.c4j --data mine --try --budget 120; echo "exit $?"
$J fuse --inputs a=mine,b=mine --mode early --epochs 2 -o fused.c4j; echo "exit $?"
$J evaluate --model fused.c4j --data mine 2>&1 | tail -3; echo "exit $?"
$J train --data fashion-mnist:0-4 --limit 50 --epochs 1 --out f04.c4j; echo "exit $?"
$J evaluate --model f04.c4j --data fashion-mnist:0-4 --limit 20 | tail -3; echo "exit $?"
$J transfer --case 0 --base base.c4j --data fashion-mnist:0-4 --test-limit 20 --out c0.c4j; echo "exit $?"

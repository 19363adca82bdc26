#!/bin/bash
# Walks issue 13's Deliver list as a new user would, with the CLI jar and tools/weights/walk_server.py on 127.0.0.1
# (docs/WEIGHTS.md, "The issue's list, walked as a new user"). Usage: walk_deliver_list.sh JAR DIR
# DIR is emptied and receives the server's files, the cache, the model files written and walk.log.
set -u
JAR=$(readlink -f "$1"); DIR=$2
ROOT=$(cd "$(dirname "$0")/../.." && pwd -P)
R=$ROOT/convnet4j-io/src/test/resources/fixtures/pth
PIC=$ROOT/demo/images/chelsea.png
rm -rf "$DIR" && mkdir -p "$DIR/served" && cd "$DIR" || exit 1
# the reduced ResNet-18 fixture plays resnet18:imagenet (named torch.hub-style with its own SHA-256 prefix)
S=$(sha256sum "$R/resnet18_zip.pth" | cut -c1-8)
cp "$R/resnet18_zip.pth" "served/resnet18-$S.pth"
cp "$R/resnet18_zip.pth" served/model.pth
cat > catalogue.json <<JSON
{"entries": [{"name": "resnet18:imagenet", "architecture": "resnet18", "source": "test",
  "file": "resnet18-$S.pth", "url": "https://download.invalid/models/resnet18-$S.pth", "sha256": "$S",
  "preprocessing": "torchvision", "classes": ["tench", "goldfish", "great white shark", "tiger shark", "hammerhead", "electric ray", "stingray", "cock", "hen", "ostrich"]}]}
JSON
# a pickle that would run a command if it were unpickled naively
/usr/bin/python3 -c "
import os, pickle
class Evil:
    def __reduce__(self):
        return (os.system, ('touch $DIR/PWNED',))
open('evil.pth', 'wb').write(pickle.dumps({'conv1.weight': Evil()}, protocol=2))"
/usr/bin/python3 "$ROOT/tools/weights/walk_server.py" served port.txt 2> server.log &
SERVER=$!
trap 'kill $SERVER' EXIT
sleep 1
B=http://127.0.0.1:$(cat port.txt)
J="nice java --add-modules jdk.incubator.vector -jar $JAR"
export CONVNET4J_CACHE=$DIR/cache CONVNET4J_WEIGHTS_CATALOGUE=$DIR/catalogue.json
run() { echo; echo "### $*"; local t0; t0=$(date +%s); "$@" 2>&1 | grep -v "^WARNING: Using incubator" | tail -n 12
        echo "[exit ${PIPESTATUS[0]}, $(( $(date +%s) - t0 )) s]"; }
{
run $J weights list
run env CONVNET4J_WEIGHTS_MIRROR=$B/ $J predict --model resnet18:imagenet --top-k 3 "$PIC"
run find cache -type f
run env CONVNET4J_OFFLINE=1 $J summary --model resnet18:imagenet
run env CONVNET4J_OFFLINE=1 $J import resnet18:imagenet -o r18.c4j
run $J predict --model r18.c4j --top-k 1 "$PIC"
run $J predict --model $B/cut/model.pth --top-k 1 "$PIC"
# stderr in a file, as in CI: whole lines, no carriage returns (cat -A shows a \r as ^M)
run bash -c "$J weights fetch $B/model.pth $B/other/model.pth 2> progress.log; cat -A progress.log | grep -v incubator"
run find cache -path '*urls*' -name model.pth -exec sha256sum {} +
run $J weights list
run $J predict --model $B/tampered/resnet18-$S.pth "$PIC"
run find cache -name "resnet18-$S.pth*"
run $J predict --model $B/nothere-12345678.pth "$PIC"
run env CONVNET4J_OFFLINE=1 $J predict --model $B/never/model.pth "$PIC"
run bash -c "$J weights fetch $B/slow/model.pth > one.txt 2>&1 & $J weights fetch $B/slow/model.pth > two.txt 2>&1; wait; tail -c 80 one.txt two.txt"
run $J predict --model "$R/resnet18_legacy.pth" --top-k 1 "$PIC"
run $J predict --model evil.pth "$PIC"
run ls PWNED
run $J predict --model "$R/resnet18.onnx" --top-k 1 "$PIC"
run $J import "$R/resnet18.onnx" -o r18onnx.c4j
run $J predict --model r18onnx.c4j --top-k 1 "$PIC"
run $J import "$R/resnet18.onnx" --preprocessing bogus -o x.c4j
run $J weights remove $B/other/model.pth
run $J weights remove ./r18.c4j
run $J weights remove --urls resnet18:imagenet
run find cache -type f
echo; echo "### server log"; cat server.log
} > walk.log 2>&1
echo "$DIR/walk.log"

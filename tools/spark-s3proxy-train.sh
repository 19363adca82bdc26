#!/usr/bin/env bash
# spark train --checkpoint-dir s3a:// and --resume from it, against S3Proxy on 127.0.0.1 (the same server, client and
# settings as tools/spark-s3proxy.sh): LeNet-5 on fashion-mnist --limit N per class, 2 epochs with checkpoints to
# s3a://convnet4j/ckpt, then --resume s3a://convnet4j/ckpt/last.c4j to 3 epochs, then an uninterrupted 3-epoch run
# (local files) to compare with. Prints each run's exit code and time, the s3a objects, and whether the resumed run's
# losses and accuracies (every epoch, and the test accuracy) equal the uninterrupted run's; exit 1 if not.
#
#   tools/spark-s3proxy-train.sh [LIMIT] [WORK]     (LIMIT default 30 pictures per class; WORK default a new temp dir)
#
# Needs what tools/spark-s3proxy.sh needs (S3_JARS too), plus the fashion-mnist cache.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LIMIT=${1:-30}
W=${2:-$(mktemp -d /tmp/spark-s3proxy-train.XXXXXX)}
mkdir -p "$W"
source "$ROOT/tools/s3proxy-common.sh"
train() { # NAME ARGS...: spark train, its last stdout line, exit code, wall time
  local name=$1 t0 rc; shift; t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  java --add-modules jdk.incubator.vector -Xss4m $OPENS -Djdk.reflect.useDirectMethodHandle=false -cp "$CP" \
    org.convnet4j.spark.cli.SparkMain train --master 'local[2]' --model lenet5 --data fashion-mnist --limit "$LIMIT" \
    --seed 7 --no-progress --json "$@" > "$W/$name.json" 2> "$W/$name.log" && rc=0 || rc=$?
  echo "  $name: exit $rc, $(since "$t0") s, load $(load)"
  [ $rc = 0 ] || tail -3 "$W/$name.log"
  return $rc
}
list() { # the objects as S3Proxy's filesystem backend stores them, and last.c4j fetched back through S3 (signed GET)
  (cd "$W/s3" && find convnet4j/ckpt -type f -printf '  s3a://%p %s bytes, %TT\n' | sort)
  curl -sSf "${SIGN[@]}" "$E/convnet4j/ckpt/last.c4j" -o "$W/got-last.c4j" && echo "  GET last.c4j: $(stat -c %s "$W/got-last.c4j") bytes"
}
echo "spark train --epochs 2 --checkpoint-dir s3a://convnet4j/ckpt:"
train first --epochs 2 --checkpoint-dir s3a://convnet4j/ckpt -o "$W/first.c4j" "${S3[@]}"
echo "s3a://convnet4j/ckpt/ after it:"; list
echo "spark train --resume s3a://convnet4j/ckpt/last.c4j --epochs 3 --checkpoint-dir s3a://convnet4j/ckpt:"
train resumed --resume s3a://convnet4j/ckpt/last.c4j --epochs 3 --checkpoint-dir s3a://convnet4j/ckpt -o "$W/resumed.c4j" "${S3[@]}"
echo "s3a://convnet4j/ckpt/ after it:"; list
echo "spark train --epochs 3 (uninterrupted, local):"
train straight --epochs 3 -o "$W/straight.c4j"
# the run's figures without its times: the same numbers from resumed and uninterrupted = the same training
figures() { grep -E '"(epoch|train_loss|train_accuracy|val_loss|val_accuracy|test_accuracy|kept_epoch)"' "$W/$1.json"; }
ok=0
if diff <(figures resumed) <(figures straight) > /dev/null; then
  echo "resumed and uninterrupted: the same losses and accuracies in every epoch, test accuracy $(grep -o '"test_accuracy": [0-9.]*' "$W/straight.json")"
else echo "resumed and uninterrupted DIFFER (files in $W)"; ok=1; fi
echo "files in $W; load after: $(load)"
exit $ok

#!/usr/bin/env bash
# The launcher's S3 path as a new user meets it (docs/SPARK.md "The launcher and s3a://, by hand"): a fresh clone of
# REPO (default: this repository), whose first `./convnet4j spark ... s3a://...` builds with -Dconvnet4j.s3 and writes
# convnet4j-spark/target/s3-classpath.txt; then spark train, featurize, transfer and predict against moto in server
# mode on 127.0.0.1, and the same commands on the local copies. Needs moto_server and boto3 on the PATH's python3
# (moto is not a Debian package: on demand only). Usage: tools/spark-s3-walk/walk.sh [REPO] ; WORK=DIR to keep files.
set -u
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO="${1:-$(git -C "$HERE" rev-parse --show-toplevel)}"
W="${WORK:-$(mktemp -d)}"
cd "$W" || exit 1
F="$W/fresh"
rm -rf "$F" && git clone -q "$REPO" "$F" && git -C "$F" log --oneline -1
python3 "$HERE/pictures.py" train 20 5 && python3 "$HERE/pictures.py" pics 6 9
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
moto_server -H 127.0.0.1 -p "$PORT" > moto.log 2>&1 &
MOTO=$!
trap 'kill $MOTO' EXIT
sleep 5
E=http://127.0.0.1:$PORT
python3 "$HERE/put.py" "$E" convnet4j train train && python3 "$HERE/put.py" "$E" convnet4j pics pictures
S3="--conf spark.hadoop.fs.s3a.endpoint=$E --conf spark.hadoop.fs.s3a.path.style.access=true --conf spark.hadoop.fs.s3a.access.key=k --conf spark.hadoop.fs.s3a.secret.key=s --conf spark.hadoop.fs.s3a.connection.ssl.enabled=false"
step() { echo "== $(date -u +%T) $*"; local t0; t0=$(date +%s); nice "$@"; local rc=$?; echo "== rc=$rc $(( $(date +%s)-t0 )) s"; }
TRAIN="--model lenet5-classic --epochs 1 --batch 16 --optimizer sgd --lr 0.5 --momentum 0.5 --val-split 0.2 --seed 3 --partitions 2 --no-progress"
# shellcheck disable=SC2086
{
step "$F/convnet4j" spark train --master 'local[2]' $TRAIN --data s3a://convnet4j/train --checkpoint-dir s3a://convnet4j/runs/a -o "$W/s3-train.c4j" $S3
tr ':' '\n' < "$F/convnet4j-spark/target/s3-classpath.txt"; echo
python3 "$HERE/get.py" "$E" convnet4j runs/a/ -
python3 "$HERE/put.py" "$E" convnet4j "$W/s3-train.c4j" models/lenet.c4j
step "$F/convnet4j" spark featurize --master 'local[2]' --model s3a://convnet4j/models/lenet.c4j --images 's3a://convnet4j/pictures/*/*.png' -o s3a://convnet4j/out/f.parquet $S3
python3 "$HERE/get.py" "$E" convnet4j out/f.parquet/ -
step "$F/convnet4j" spark transfer --master 'local[2]' --base s3a://convnet4j/models/lenet.c4j --images s3a://convnet4j/train -o s3a://convnet4j/out/pipe $S3
step "$F/convnet4j" spark predict --master 'local[2]' --model s3a://convnet4j/out/pipe --images s3a://convnet4j/pictures -o s3a://convnet4j/out/pipe.csv $S3
step "$F/convnet4j" spark predict --master 'local[2]' --model s3a://convnet4j/models/lenet.c4j --images s3a://convnet4j/pictures -o s3a://convnet4j/out/p.csv $S3
python3 "$HERE/get.py" "$E" convnet4j out/p.csv "$W/s3-p.csv"; python3 "$HERE/get.py" "$E" convnet4j out/pipe.csv "$W/s3-pipe.csv"
step "$F/convnet4j" spark train --master 'local[2]' $TRAIN --data "$W/train" -o "$W/local-train.c4j"
step "$F/convnet4j" spark predict --master 'local[2]' --model "$W/s3-train.c4j" --images "$W/pics" -o "$W/local-p.csv"
step "$F/convnet4j" spark transfer --master 'local[2]' --base "$W/s3-train.c4j" --images "$W/train" -o "$W/local-pipe"
step "$F/convnet4j" spark predict --master 'local[2]' --model "$W/local-pipe" --images "$W/pics" -o "$W/local-pipe.csv"
}
# the same rows from S3 and from the local copies (paths differ only in their prefix)
for p in p pipe; do
  if diff <(sed 's|^[^,]*/||' "$W/s3-$p.csv") <(sed 's|^[^,]*/||' "$W/local-$p.csv") >/dev/null; then
    echo "$p: S3 and local rows equal"
  else
    echo "$p: S3 and local rows DIFFER"
  fi
done
echo "files in $W"

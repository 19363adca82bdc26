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
R=${M2_REPO:-$HOME/.m2/repository}
S3PROXY=$R/org/gaul/s3proxy/2.9.0/s3proxy-2.9.0-jar-with-dependencies.jar
AWS=$R/org/apache/hadoop/hadoop-aws/3.3.4/hadoop-aws-3.3.4.jar
[ -f "$S3PROXY" ] || mvn -B -q dependency:get -Dartifact=org.gaul:s3proxy:2.9.0:jar:jar-with-dependencies -Dtransitive=false
[ -f "$AWS" ] || mvn -B -q dependency:get -Dartifact=org.apache.hadoop:hadoop-aws:3.3.4
if [ -n "${S3_JARS:-}" ]; then S3CP=$S3_JARS; else
  S3CP=$AWS:$R/com/amazonaws/aws-java-sdk-bundle/1.12.262/aws-java-sdk-bundle-1.12.262.jar
  S3CP=$S3CP:$(find "$R/org/wildfly/openssl/wildfly-openssl" -name 'wildfly-openssl-*.jar' | head -1)
fi
[ -f "$ROOT/convnet4j-spark/target/convnet4j-spark.jar" ] || mvn -B -q -o -f "$ROOT/pom.xml" -DskipTests package -pl convnet4j-spark -am
CP="$ROOT/convnet4j-spark/target/convnet4j-spark.jar:$(cat "$ROOT/convnet4j-spark/target/spark-classpath.txt"):$S3CP"
load() { cut -d' ' -f1-3 /proc/loadavg; }
since() { echo "$(date +%s.%N) - $1" | bc; }
PORT=0
for p in $(shuf -i 20000-60000 -n 20); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then PORT=$p; break; fi
done
[ "$PORT" != 0 ] || { echo "no free port found"; exit 1; }
E=http://127.0.0.1:$PORT
mkdir -p "$W/s3/convnet4j"
cat > "$W/s3proxy.conf" <<EOF
s3proxy.endpoint=$E
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=test
s3proxy.credential=test
jclouds.provider=filesystem
jclouds.filesystem.basedir=$W/s3
EOF
echo "load before: $(load)"
t0=$(date +%s.%N)
java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar "$S3PROXY" --properties "$W/s3proxy.conf" > "$W/s3proxy.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null' EXIT
until curl -s -o /dev/null "$E/"; do
  kill -0 $SERVER 2>/dev/null || { cat "$W/s3proxy.log"; exit 1; }
  sleep 0.1
done
echo "S3Proxy at $E after $(since "$t0") s (load $(load))"
SIGN=(--aws-sigv4 "aws:amz:us-east-1:s3" --user test:test -H "x-amz-content-sha256: UNSIGNED-PAYLOAD")
OPENS="-XX:+IgnoreUnrecognizedVMOptions"
for pkg in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util java.util.concurrent \
           java.util.concurrent.atomic jdk.internal.ref sun.nio.ch sun.nio.cs sun.security.action sun.util.calendar; do
  OPENS="$OPENS --add-opens=java.base/$pkg=ALL-UNNAMED"
done
S3=()
for kv in "fs.s3a.endpoint=$E" fs.s3a.endpoint.region=us-east-1 fs.s3a.path.style.access=true \
          fs.s3a.connection.ssl.enabled=false fs.s3a.access.key=test fs.s3a.secret.key=test \
          fs.s3a.aws.credentials.provider=org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider; do
  S3+=(--conf "spark.hadoop.$kv")
done
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

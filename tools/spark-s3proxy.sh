#!/usr/bin/env bash
# spark predict with --images s3a:// and -o s3a:// against a real S3-compatible server on 127.0.0.1: S3Proxy (Java,
# Apache-2.0, org.gaul:s3proxy from Maven Central) with its filesystem backend, started here as a process of its own,
# reached through Hadoop's own S3A client (hadoop-aws 3.3.4, Spark 3.5.6's Hadoop release, with its AWS SDK bundle),
# SigV4-signed requests. The same pictures are predicted from a local folder; the rows must be the same, and the CSV
# written to S3 must equal the one written locally from S3. Why a script and not a test: docs/SPARK.md "S3".
#
#   tools/spark-s3proxy.sh PICTURES_DIR MODEL.c4j [WORK]     (WORK default: a new temporary folder, kept)
#
# Needs: a build of the spark module (convnet4j-spark/target/convnet4j-spark.jar, spark-classpath.txt), curl (7.75+,
# for --aws-sigv4), and Maven Central once (S3Proxy 2.9.0's jar-with-dependencies, 40 MB; hadoop-aws 3.3.4 with
# aws-java-sdk-bundle 1.12.262, 268 MiB) unless they are in the local Maven repository already.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PICS=$(cd "$1" && pwd); MODEL=$2
W=${3:-$(mktemp -d /tmp/spark-s3proxy.XXXXXX)}
mkdir -p "$W"
R=${M2_REPO:-$HOME/.m2/repository}
S3PROXY=$R/org/gaul/s3proxy/2.9.0/s3proxy-2.9.0-jar-with-dependencies.jar
AWS=$R/org/apache/hadoop/hadoop-aws/3.3.4/hadoop-aws-3.3.4.jar
[ -f "$S3PROXY" ] || mvn -B -q dependency:get -Dartifact=org.gaul:s3proxy:2.9.0:jar:jar-with-dependencies -Dtransitive=false
[ -f "$AWS" ] || mvn -B -q dependency:get -Dartifact=org.apache.hadoop:hadoop-aws:3.3.4
# S3_JARS (jars separated by colons) replaces the add-on: e.g. hadoop-aws with the AWS SDK's modules instead of its
# bundle (docs/SCALE.md, "s3a://: how a user gets it")
if [ -n "${S3_JARS:-}" ]; then
  S3CP=$S3_JARS
else
  S3CP=$AWS:$R/com/amazonaws/aws-java-sdk-bundle/1.12.262/aws-java-sdk-bundle-1.12.262.jar
  S3CP=$S3CP:$(find "$R/org/wildfly/openssl/wildfly-openssl" -name 'wildfly-openssl-*.jar' | head -1)
fi
[ -f "$ROOT/convnet4j-spark/target/convnet4j-spark.jar" ] || mvn -B -q -o -f "$ROOT/pom.xml" -DskipTests package -pl convnet4j-spark -am
CP="$ROOT/convnet4j-spark/target/convnet4j-spark.jar:$(cat "$ROOT/convnet4j-spark/target/spark-classpath.txt"):$S3CP"
load() { cut -d' ' -f1-3 /proc/loadavg; }
since() { echo "$(date +%s.%N) - $1" | bc; }

# the server: a free port, the filesystem backend below WORK/s3, one identity whose requests must be signed
PORT=0
for p in $(shuf -i 20000-60000 -n 20); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then PORT=$p; break; fi
done
[ "$PORT" != 0 ] || { echo "no free port found"; exit 1; }
E=http://127.0.0.1:$PORT
mkdir -p "$W/s3/convnet4j" # a bucket of the filesystem backend is a folder
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
java -jar "$S3PROXY" --properties "$W/s3proxy.conf" > "$W/s3proxy.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null' EXIT
until curl -s -o /dev/null "$E/"; do
  kill -0 $SERVER 2>/dev/null || { cat "$W/s3proxy.log"; exit 1; }
  sleep 0.1
done
echo "S3Proxy at $E after $(since "$t0") s (load $(load))"
SIGN=(--aws-sigv4 "aws:amz:us-east-1:s3" --user test:test -H "x-amz-content-sha256: UNSIGNED-PAYLOAD")
t0=$(date +%s.%N); n=0
while IFS= read -r -d '' f; do
  curl -sSf "${SIGN[@]}" -T "$f" "$E/convnet4j/pics/${f#"$PICS"/}" -o /dev/null; n=$((n + 1))
done < <(find "$PICS" -type f -print0)
echo "$n files put below s3a://convnet4j/pics in $(since "$t0") s"
code=$(curl -s --aws-sigv4 "aws:amz:us-east-1:s3" --user test:wrong -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
  -o /dev/null -w '%{http_code}' "$E/convnet4j/pics/")
echo "a request signed with a wrong secret: HTTP $code (must be 403)"

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
predict() { # spark predict ARGS..., its last stderr line, exit code and wall time
  local t0 rc; t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  java --add-modules jdk.incubator.vector -Xss4m $OPENS -Djdk.reflect.useDirectMethodHandle=false -cp "$CP" \
    org.convnet4j.spark.cli.SparkMain predict --master 'local[2]' --model "$MODEL" "$@" > "$W/predict.log" 2>&1 && rc=0 || rc=$?
  echo "  $(grep -v 'Using incubator' "$W/predict.log" | tail -1); exit $rc, $(since "$t0") s, load $(load)"
  return $rc
}
echo "spark predict --images s3a://convnet4j/pics -o local CSV:"
predict --images s3a://convnet4j/pics -o "$W/from-s3.csv" "${S3[@]}"
echo "spark predict --images s3a://convnet4j/pics -o s3a://convnet4j/out/p.csv:"
predict --images s3a://convnet4j/pics -o s3a://convnet4j/out/p.csv "${S3[@]}"
echo "spark predict --images $PICS (local):"
predict --images "$PICS" -o "$W/local.csv"
curl -sSf "${SIGN[@]}" "$E/convnet4j/out/p.csv" -o "$W/on-s3.csv"
ok=0
if cmp -s "$W/on-s3.csv" "$W/from-s3.csv"; then echo "the CSV written to S3 equals the one written locally"; else
  echo "the CSV written to S3 DIFFERS from the one written locally"; ok=1; fi
if diff <(sed 's|^[^,]*/pics/||' "$W/from-s3.csv") <(sed "s|^file:$PICS/||; s|^$PICS/||" "$W/local.csv") >/dev/null; then
  echo "S3 and local: the same $(($(wc -l < "$W/local.csv") - 1)) rows (paths without their prefix)"
else
  echo "S3 and local rows DIFFER (files in $W)"; ok=1
fi
echo "files in $W; load after: $(load)"
exit $ok

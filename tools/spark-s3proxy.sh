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
# the jars, the classpath, S3Proxy started on a free port, SIGN (curl signing), OPENS and S3 (the S3A settings)
source "$ROOT/tools/s3proxy-common.sh"
t0=$(date +%s.%N); n=0
while IFS= read -r -d '' f; do
  curl -sSf "${SIGN[@]}" -T "$f" "$E/convnet4j/pics/${f#"$PICS"/}" -o /dev/null; n=$((n + 1))
done < <(find "$PICS" -type f -print0)
echo "$n files put below s3a://convnet4j/pics in $(since "$t0") s"
code=$(curl -s --aws-sigv4 "aws:amz:us-east-1:s3" --user test:wrong -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
  -o /dev/null -w '%{http_code}' "$E/convnet4j/pics/")
echo "a request signed with a wrong secret: HTTP $code (must be 403)"
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

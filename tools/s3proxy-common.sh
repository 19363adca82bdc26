# Sourced by tools/spark-s3proxy.sh and tools/spark-s3proxy-train.sh (ROOT and W set): the S3Proxy and S3A jars
# (fetched from Maven Central once), CP (the spark module's jar and Spark's classpath plus S3CP), S3Proxy started on a
# free port of 127.0.0.1 with its filesystem backend below W/s3 and stopped on exit (E: its address), SIGN (curl's
# options for SigV4-signed requests), OPENS (the JVM options Spark needs on Java 17) and S3 (the S3A settings as
# spark --conf options), and the helpers load and since.
R=${M2_REPO:-$HOME/.m2/repository}
source "$ROOT/tools/s3proxy-conf.sh"
AWS=$R/org/apache/hadoop/hadoop-aws/3.3.4/hadoop-aws-3.3.4.jar
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
s3proxy_conf "$W/s3proxy.conf" "$E" "$W/s3"
echo "load before: $(load)"
t0=$(date +%s.%N)
java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar "$S3PROXY_JAR" --properties "$W/s3proxy.conf" > "$W/s3proxy.log" 2>&1 &
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

# Sourced by tools/s3proxy-common.sh and tools/s3proxy-start.sh: S3PROXY_JAR (org.gaul:s3proxy 2.9.0's jar with its
# dependencies, fetched from Maven Central once) and s3proxy_conf FILE ENDPOINT BASEDIR, which writes S3Proxy's
# properties for one identity (test / test) whose requests must be signed and the filesystem backend below BASEDIR
# (a bucket is a folder there). One place, so the timing script starts the server exactly as the Spark scripts do.
S3PROXY_JAR=${M2_REPO:-$HOME/.m2/repository}/org/gaul/s3proxy/2.9.0/s3proxy-2.9.0-jar-with-dependencies.jar
[ -f "$S3PROXY_JAR" ] || mvn -B -q dependency:get -Dartifact=org.gaul:s3proxy:2.9.0:jar:jar-with-dependencies -Dtransitive=false
s3proxy_conf() {
  cat > "$1" <<CONF
s3proxy.endpoint=$2
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=test
s3proxy.credential=test
jclouds.provider=filesystem
jclouds.filesystem.basedir=$3
CONF
}

#!/usr/bin/env bash
# Prints the class path (jars separated by colons) of Hadoop's S3A client for Spark 3.5 (hadoop-aws 3.3.4) with the
# AWS SDK's own modules (aws-java-sdk-s3 and -dynamodb 1.12.262 and what they need, 17 jars, 11 MB) instead of its
# 268 MiB aws-java-sdk-bundle, resolved by Maven (from the local repository, or Maven Central the first time):
#
#   S3_JARS=$(tools/s3-sdk-modules.sh) tools/spark-s3proxy.sh PICTURES_DIR MODEL.c4j      (docs/SCALE.md, "s3a://")
set -euo pipefail
W=$(mktemp -d /tmp/s3-sdk-modules.XXXXXX)
trap 'rm -rf "$W"' EXIT
dep() { # groupId artifactId version [an exclusion's groupId:artifactId]
  local ex=""
  [ -n "${4:-}" ] && ex="<exclusions><exclusion><groupId>${4%%:*}</groupId><artifactId>${4#*:}</artifactId></exclusion></exclusions>"
  echo "<dependency><groupId>$1</groupId><artifactId>$2</artifactId><version>$3</version>$ex</dependency>"
}
cat > "$W/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>local</groupId><artifactId>s3-sdk-modules</artifactId><version>1</version>
  <dependencies>
    $(dep org.apache.hadoop hadoop-aws 3.3.4 com.amazonaws:aws-java-sdk-bundle)
    $(dep com.amazonaws aws-java-sdk-s3 1.12.262)
    $(dep com.amazonaws aws-java-sdk-dynamodb 1.12.262)
  </dependencies>
</project>
POM
mvn -B -q -f "$W/pom.xml" dependency:build-classpath -Dmdep.outputFile="$W/cp.txt" >&2
cat "$W/cp.txt"

#!/usr/bin/env bash
# convnet4j-core's module-info.java, checked from the outside: builds the core jar (no install), compiles
# tools/module-path-smoke/ as a named module that requires org.convnet4j.core, and runs it on the module path
# without --add-modules (see Smoke.java for what it checks). Exit code 0 when everything holds.
#   bash tools/module-path-smoke.sh            (JAVA_HOME picks the JDK, e.g. /usr/lib/jvm/temurin-25-jdk-amd64)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mvn -B -q -pl convnet4j-core package -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true -Dcyclonedx.skip=true
mvn -B -q -pl convnet4j-core dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$work/cp.txt"
jar=$(ls convnet4j-core/target/convnet4j-core-*.jar | grep -v -e sources -e javadoc -e tests | head -1)
path="$jar:$(cat "$work/cp.txt")"
javac -d "$work/classes" --module-path "$path" --module-source-path tools/module-path-smoke/src \
    -m org.convnet4j.smoke
java --module-path "$work/classes:$path" -m org.convnet4j.smoke/org.convnet4j.smoke.Smoke

#!/usr/bin/env bash
# The library modules' module-info.java files, checked from the outside: builds the jars of convnet4j-core, -io,
# -ml, -charts and -serve (no install, one reactor build), compiles tools/module-path-smoke/ as a named module that
# requires core, io, charts and serve, and runs it on the module path with ml resolved as a service provider and
# without --add-modules jdk.incubator.vector (see Smoke.java for what it checks). Exit code 0 when everything holds.
#   bash tools/module-path-smoke.sh            (JAVA_HOME picks the JDK, e.g. /usr/lib/jvm/temurin-25-jdk-amd64)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
modules=convnet4j-core,convnet4j-io,convnet4j-ml,convnet4j-charts,convnet4j-serve
# each module writes its runtime class path (third-party jars; the reactor's own jars) to target/smoke-cp.txt
mvn -B -q -pl "$modules" package dependency:build-classpath -DskipTests -Dmaven.javadoc.skip=true \
    -Dmaven.source.skip=true -Dcyclonedx.skip=true -DincludeScope=runtime -Dmdep.outputFile=target/smoke-cp.txt
path=""
for m in ${modules//,/ }; do
    jar=$(ls "$m"/target/"$m"-*.jar | grep -v -e sources -e javadoc -e tests | head -1)
    path="$path:$jar:$(cat "$m/target/smoke-cp.txt")"
done
# one entry per jar, the project's own modules only as the jars above
path=$(echo "$path" | tr ':' '\n' | grep -v -e '^$' -e '/target/classes$' | awk '!seen[$0]++' | paste -sd: -)
javac -d "$work/classes" --module-path "$path" --module-source-path tools/module-path-smoke/src \
    -m org.convnet4j.smoke
java --module-path "$work/classes:$path" --add-modules org.convnet4j.ml -m org.convnet4j.smoke/org.convnet4j.smoke.Smoke \
    convnet4j-io/src/test/resources/fixtures/keras/vgg16_notop.h5

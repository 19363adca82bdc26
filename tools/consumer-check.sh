#!/usr/bin/env bash
# examples/ as an application builds it, without touching ~/.m2 and without the network:
#   1. convnet4j's BOM, parent, core and io are installed into a throwaway local repository, which takes every
#      other artifact (dependencies, plugins) from the shared one (~/.m2/repository) through a file:// mirror;
#   2. examples/pom.xml (the BOM and two library modules, nothing from the source tree) is compiled and its App run
#      against that repository: it trains with checkpoints, resumes, fine-tunes, saves and classifies bytes on 4
#      threads (exit code 0 or the build fails);
#   3. the CycloneDX SBOMs the install made (target/bom.json of core and io) are checked: each names its module and
#      the dependencies its jar brings.
# Maven runs online against the mirror, not with -o: the CycloneDX goals declare requiresOnline, so `mvn -o` skips
# them ("Goal requires online mode for execution but Maven is currently offline, skipping"); the mirror keeps it
# from reaching anything but the shared repository. Not in the suite (a few minutes: a build of core and io with
# their javadoc, then the example's run); `bash tools/consumer-check.sh` after changing a library's public API, the
# BOM, a module's dependencies or examples/. KEEP=1 keeps the throwaway folder; CONVNET4J_SHARED_REPO names another
# shared repository.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SHARED="${CONVNET4J_SHARED_REPO:-$HOME/.m2/repository}"
if [ ! -d "$SHARED" ]; then
  echo "consumer-check: no shared repository at $SHARED (set CONVNET4J_SHARED_REPO)" >&2
  exit 2
fi
WORK="$(mktemp -d "${TMPDIR:-/tmp}/convnet4j-consumer.XXXXXX")"
if [ "${KEEP:-0}" != 1 ]; then
  trap 'rm -rf "$WORK"' EXIT
fi
REPO="$WORK/repository"
bash tools/mirror-settings.sh "$REPO" "$SHARED" > "$WORK/settings.xml"
export MAVEN_OPTS="${MAVEN_OPTS:--Xmx1g}"
mvn=(mvn -B -q -s "$WORK/settings.xml" -Dmaven.repo.local="$REPO")

echo "consumer-check: installing the BOM, core and io into $REPO"
"${mvn[@]}" install -pl convnet4j-bom,convnet4j-core,convnet4j-io -am -DskipTests -DskipITs
for a in convnet4j-bom convnet4j-parent convnet4j-core convnet4j-io; do
  if [ -z "$(ls "$REPO/org/convnet4j/$a" 2>/dev/null)" ]; then
    echo "consumer-check: $a was not installed into $REPO" >&2
    exit 1
  fi
done

echo "consumer-check: building and running examples/ against it"
rm -rf examples/target
"${mvn[@]}" -f examples/pom.xml verify
# nothing of the source tree on the example's class path: its jars come from the throwaway repository
"${mvn[@]}" -f examples/pom.xml org.apache.maven.plugins:maven-dependency-plugin:3.11.0:build-classpath -Dmdep.outputFile="$WORK/classpath.txt"
tr ':' '\n' < "$WORK/classpath.txt" > "$WORK/classpath-lines.txt"
if grep -v "^$REPO/" "$WORK/classpath-lines.txt" | grep -q .; then
  echo "consumer-check: the example's class path has entries outside $REPO:" >&2
  grep -v "^$REPO/" "$WORK/classpath-lines.txt" >&2
  exit 1
fi
for a in convnet4j-core convnet4j-io; do
  grep -q "/org/convnet4j/$a/" "$WORK/classpath-lines.txt" || { echo "consumer-check: no $a on the class path" >&2; exit 1; }
done

echo "consumer-check: the SBOMs"
# module:a dependency its SBOM must list (core needs Gson, io reads HDF5 files with jHDF)
for pair in convnet4j-core:gson convnet4j-io:jhdf; do
  m="${pair%%:*}"; dep="${pair#*:}"
  bom="$m/target/bom.json"
  if [ ! -s "$bom" ]; then
    echo "consumer-check: $bom was not written (the CycloneDX goal did not run)" >&2
    exit 1
  fi
  grep -q "\"specVersion\"" "$bom" || { echo "consumer-check: $bom: no specVersion: not a CycloneDX document" >&2; exit 1; }
  grep -q "pkg:maven/org.convnet4j/$m@" "$bom" || { echo "consumer-check: $bom does not name $m" >&2; exit 1; }
  grep -q "\"name\" : \"$dep\"\|\"name\":\"$dep\"\|\"name\": \"$dep\"" "$bom" \
    || { echo "consumer-check: $bom does not list $dep" >&2; exit 1; }
  echo "consumer-check: $bom: $(grep -c '"purl"' "$bom") purls, $dep listed"
done
echo "consumer-check: ok (examples built and ran against the installed BOM, core and io; SBOMs of core and io written)"

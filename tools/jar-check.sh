#!/usr/bin/env bash
# What the build's jars hold, checked from the outside (issue 14: "licensed, named, documented jars", "native
# libraries only where the product needs them"), after a build that made them (`mvn verify` or `mvn install`):
#   - every jar of every module (main, sources, javadoc, tests; the CLI's and Spark's shaded jars) carries
#     META-INF/LICENSE and META-INF/NOTICE;
#   - every library module (core, io, ml, serve, charts) has a sources and a javadoc jar, and every main jar names
#     its JPMS module (module-info.class or Automatic-Module-Name);
#   - no jar carries a native library (.so, .dll, .dylib, .jnilib): the product is pure Java.
#   - every module that made a jar has its CycloneDX SBOM (target/bom.json) naming the module: made in `package` by
#     an online build only (the CycloneDX goals declare requiresOnline, so `mvn -o` skips them);
#     JAR_CHECK_SBOM=0 checks the jars of an offline build without it (tools/consumer-check.sh makes SBOMs offline).
# Exit code 0 when everything holds; each problem is one line. Needs unzip, no JVM.
#   bash tools/jar-check.sh
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
problems=0
say() { echo "jar-check: $*" >&2; problems=$((problems + 1)); }
jars=0
for m in convnet4j-*/; do
    m=${m%/}
    [ "$m" = convnet4j-bom ] && continue
    shopt -s nullglob
    files=("$m"/target/convnet4j*.jar) # the artifacts and shaded jars (not helpers such as spark-cds-classes.jar)
    shopt -u nullglob
    for j in "${files[@]}"; do
        case "$j" in */original-*) continue ;; esac # the shade plugin's input, not an artifact
        jars=$((jars + 1))
        list=$(unzip -Z1 "$j") || { say "$j: cannot be read"; continue; }
        grep -qx 'META-INF/LICENSE' <<<"$list" || say "$j: no META-INF/LICENSE"
        grep -qx 'META-INF/NOTICE' <<<"$list" || say "$j: no META-INF/NOTICE"
        native=$(grep -E '\.(so|dll|dylib|jnilib)$|\.so\.[0-9]' <<<"$list" | head -3)
        [ -z "$native" ] || say "$j: native libraries: $(echo $native)"
        case "$j" in *-sources.jar|*-javadoc.jar|*-tests.jar) continue ;; esac
        grep -qx 'module-info.class' <<<"$list" || unzip -p "$j" META-INF/MANIFEST.MF 2>/dev/null | grep -q '^Automatic-Module-Name: ' \
            || say "$j: names no module (no module-info.class, no Automatic-Module-Name)"
    done
done
for m in core io ml serve charts; do
    for kind in sources javadoc; do
        ls convnet4j-$m/target/convnet4j-$m-*-$kind.jar >/dev/null 2>&1 || say "convnet4j-$m: no $kind jar"
    done
done
sboms=0
if [ "${JAR_CHECK_SBOM:-1}" != 0 ]; then
    for m in convnet4j-*/; do
        m=${m%/}
        ls "$m"/target/"$m"-*.jar >/dev/null 2>&1 || continue # not built
        b="$m/target/bom.json"
        if [ ! -s "$b" ]; then
            say "$b: no SBOM (an offline build, mvn -o, skips CycloneDX; JAR_CHECK_SBOM=0 checks its jars without)"
        elif ! grep -q "pkg:maven/org.convnet4j/$m@" "$b"; then
            say "$b: does not name $m"
        else
            sboms=$((sboms + 1))
        fi
    done
fi
[ "$jars" -gt 0 ] || say "no jars under convnet4j-*/target: build first (mvn verify)"
if [ "$problems" -gt 0 ]; then
    echo "jar-check: $problems problem(s) in $jars jars" >&2
    exit 1
fi
[ "${JAR_CHECK_SBOM:-1}" != 0 ] && sbom="; $sboms SBOMs, each naming its module" || sbom="; SBOMs not checked (JAR_CHECK_SBOM=0)"
echo "jar-check: $jars jars: LICENSE and NOTICE in each, modules named, sources and javadoc for every library, no native library$sbom"

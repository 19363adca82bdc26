#!/usr/bin/env bash
# The release profile end to end without the network and without uploading anything (docs/RELEASING.md):
#   1. the committed tree (git archive HEAD) is copied to a throwaway folder and given the release version (the poms'
#      version without -SNAPSHOT, or $1);
#   2. a throwaway signing key is made in a throwaway GNUPGHOME (ed25519, no passphrase, expires in a day);
#   3. `mvn -P release deploy` runs there against a throwaway local repository that takes every artifact from the
#      shared one (~/.m2/repository) through a file:// mirror (as tools/consumer-check.sh does: the CycloneDX goals
#      declare requiresOnline, so `mvn -o` would leave the SBOMs out of the bundle), with the publishing plugin's
#      skipUpload (0.12.0: the bundle is made, nothing is sent; skipPublishing would leave every module out of it) and
#      a made-up token for server id central in a throwaway settings file;
#   4. the bundle is checked as the Central Portal validates one: for every published module (convnet4j-bench is
#      not), under org/convnet4j/ARTIFACT/VERSION/, the pom and (for jars) the jar, -sources.jar and -javadoc.jar,
#      each with a signature that verifies against the throwaway key and .md5/.sha1/.sha256/.sha512 files that match;
#      the CycloneDX SBOMs likewise; nothing of convnet4j-bench.
# Needs central-publishing-maven-plugin and maven-gpg-plugin (the versions the parent pom pins) in the shared
# repository: fetch them once online (docs/RELEASING.md). Not in the suite (a whole build with javadoc: minutes).
# KEEP=1 keeps the throwaway folder (the bundle is WORK/src/convnet4j-bom/target/central-publishing/central-bundle.zip).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${CONVNET4J_SHARED_REPO:-$HOME/.m2/repository}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/convnet4j-release.XXXXXX")"
export GNUPGHOME="$WORK/gnupg"
cleanup() {
  gpgconf --kill gpg-agent 2>/dev/null || true # the agent of this GNUPGHOME only
  if [ "${KEEP:-0}" != 1 ]; then rm -rf "$WORK"; else echo "release-dry-run: kept $WORK"; fi
}
trap cleanup EXIT

snapshot=$(sed -n 's|^  <version>\(.*\)</version>$|\1|p' "$root/pom.xml" | head -1)
version="${1:-${snapshot%-SNAPSHOT}}"
mkdir -p "$WORK/src"
git -C "$root" archive HEAD | tar -x -C "$WORK/src"
find "$WORK/src" -name pom.xml -exec sed -i "s|<version>$snapshot</version>|<version>$version</version>|" {} +
echo "release-dry-run: $(git -C "$root" rev-parse --short HEAD) as $version in $WORK/src"

mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key "convnet4j release dry run (throwaway) <dry-run@invalid>" \
    ed25519 sign 1d 2>/dev/null
key=$(gpg --list-keys --with-colons | awk -F: '/^fpr:/ {print $10; exit}')
echo "release-dry-run: throwaway key $key"

REPO="$WORK/repository"
# skipUpload sends nothing and needs no credentials; a token the Portal would refuse, should a version ever ask
bash "$root/tools/mirror-settings.sh" "$REPO" "$SHARED" \
    "<server><id>central</id><username>release-dry-run</username><password>not-a-token</password></server>" \
    > "$WORK/settings.xml"
export MAVEN_OPTS="${MAVEN_OPTS:--Xmx1g}"
started=$(date +%s)
if ! (cd "$WORK/src" && nice mvn -B -s "$WORK/settings.xml" -Dmaven.repo.local="$REPO" -P release deploy -DskipTests \
      -Dgpg.keyname="$key" -DskipUpload=true \
      -Dproject.build.outputTimestamp="$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$WORK/build.log" 2>&1); then
  echo "release-dry-run: FAILED: the build (last lines of $WORK/build.log):" >&2
  tail -40 "$WORK/build.log" >&2
  KEEP=1
  exit 1
fi
echo "release-dry-run: the release build took $(( $(date +%s) - started )) s"
if grep -qiE "Uploading (deployment )?bundle|Deployment [0-9a-f-]+ (has been|was) (uploaded|published)" "$WORK/build.log"; then
  echo "release-dry-run: FAILED: the build log speaks of an upload:" >&2
  grep -iE "upload" "$WORK/build.log" >&2
  exit 1
fi

# the plugin writes it under the first project of the reactor (the BOM)
bundle=$(find "$WORK/src" -path "*/target/central-publishing/central-bundle.zip" | head -1)
if [ -z "$bundle" ]; then
  echo "release-dry-run: FAILED: no central-bundle.zip under $WORK/src" >&2
  grep -i "central" "$WORK/build.log" | tail -20 >&2
  exit 1
fi
mkdir "$WORK/bundle"
unzip -q "$bundle" -d "$WORK/bundle"
failures=0
fail() { echo "release-dry-run: FAILED: $*"; failures=$((failures + 1)); }
# one published file: its signature verifies, every checksum matches
published() {
  local f="$1"
  [ -f "$f" ] || { fail "missing ${f#"$WORK/bundle/"}"; return; }
  gpg --batch --quiet --verify "$f.asc" "$f" 2>/dev/null || fail "${f#"$WORK/bundle/"}: no valid signature"
  local sum
  for sum in md5 sha1 sha256 sha512; do
    if [ ! -f "$f.$sum" ] || [ "$(cut -d' ' -f1 < "$f.$sum")" != "$("${sum}sum" < "$f" | cut -d' ' -f1)" ]; then
      fail "${f#"$WORK/bundle/"}: .$sum missing or wrong"
    fi
  done
}
dir="$WORK/bundle/org/convnet4j"
for a in convnet4j-parent convnet4j-bom convnet4j-core convnet4j-io convnet4j-ml convnet4j-serve convnet4j-charts \
    convnet4j-cli convnet4j-spark; do
  base="$dir/$a/$version/$a-$version"
  published "$base.pom"
  case $a in convnet4j-parent|convnet4j-bom) continue ;; esac
  for kind in .jar -sources.jar -javadoc.jar -cyclonedx.json -cyclonedx.xml; do
    published "$base$kind"
  done
done
if [ -e "$dir/convnet4j-bench" ]; then fail "convnet4j-bench is in the bundle (the release profile excludes it)"; fi
files=$(find "$WORK/bundle" -type f | wc -l)
unsigned=$(find "$WORK/bundle" -type f ! -name '*.asc' ! -name '*.md5' ! -name '*.sha1' ! -name '*.sha256' \
    ! -name '*.sha512' | while read -r f; do [ -f "$f.asc" ] || echo "$f"; done)
[ -z "$unsigned" ] || fail "files without a signature: $unsigned"
echo "release-dry-run: bundle $(du -h "$bundle" | cut -f1), $files files; its artifacts:"
(cd "$WORK/bundle" && find . -type f ! -name '*.asc' ! -name '*.md5' ! -name '*.sha1' ! -name '*.sha256' \
    ! -name '*.sha512' | sort | sed 's|^\./|  |')
if [ "$failures" -gt 0 ]; then KEEP=1; exit 1; fi
echo "release-dry-run: every artifact signed and summed, the layout Central expects; nothing uploaded"

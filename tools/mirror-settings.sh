#!/usr/bin/env bash
# usage: bash tools/mirror-settings.sh LOCAL_REPOSITORY SHARED_REPOSITORY [SERVERS_XML] > settings.xml
# Maven settings for a throwaway local repository that takes every artifact from a shared one through a file://
# mirror, so that Maven can run online (the CycloneDX goals declare requiresOnline) and still reach nothing but that
# folder; SERVERS_XML (<server> elements) goes into <servers>. Used by tools/consumer-check.sh and
# tools/release-dry-run.sh.
set -euo pipefail
cat <<XML
<settings>
  <localRepository>$1</localRepository>
  <servers>${3:-}</servers>
  <mirrors>
    <mirror>
      <id>shared-repository</id>
      <mirrorOf>*</mirrorOf>
      <url>file://$2</url>
    </mirror>
  </mirrors>
</settings>
XML

#!/usr/bin/env bash
# docs_match_commands.sh — the pages that document what the command itself knows say exactly
# what it says: docs/job-kinds.md is `tunegrid kinds --format md`, and docs/command-line.md
# quotes every exit-code line of `tunegrid --help` (core/errors.h). To update the kinds page
# after changing a kind: build/tunegrid kinds --format md > docs/job-kinds.md
set -euo pipefail
: "${TUNEGRID:?}" "${TUNEGRID_SOURCE:?}"
kinds_page="$TUNEGRID_SOURCE/docs/job-kinds.md"
if ! diff -u "$kinds_page" <("$TUNEGRID" kinds --format md); then
  echo "docs/job-kinds.md differs from 'tunegrid kinds --format md' (diff above: - the page, + the command);" >&2
  echo "regenerate it: build/tunegrid kinds --format md > docs/job-kinds.md" >&2
  exit 1
fi
kinds=0
while read -r kind; do
  grep -qx "## \`$kind\`" "$kinds_page" || { echo "docs/job-kinds.md has no section for $kind" >&2; exit 1; }
  kinds=$((kinds + 1))
done < <("$TUNEGRID" kinds | sed -n 's/^\([a-z_.]*\) — .*/\1/p')
[ "$kinds" -ge 16 ] || { echo "expected at least 16 kinds, found $kinds" >&2; exit 1; }

help=$("$TUNEGRID" --help)
codes=0
while IFS= read -r line; do
  grep -qxF -- "$line" "$TUNEGRID_SOURCE/docs/command-line.md" ||
    { echo "docs/command-line.md does not quote the exit code line '$line' of tunegrid --help" >&2; exit 1; }
  codes=$((codes + 1))
done < <(printf '%s\n' "$help" | sed -n '/^Exit codes:/,$p' | grep -E '^  [0-9]  ')
[ "$codes" -eq 5 ] || { echo "expected 5 exit codes in tunegrid --help, found $codes" >&2; exit 1; }
echo "docs/job-kinds.md matches $kinds kinds; docs/command-line.md quotes $codes exit codes"

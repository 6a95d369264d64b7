#!/usr/bin/env bash
# Proves the committed vendored assets are exactly what scripts/vendor-assets.sh
# produces from the pinned npm packages: it vendors into a temporary tree and
# compares it with the repository. Exit status 1 on any difference.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/fairline-check-assets.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

"$ROOT/scripts/vendor-assets.sh" "$TMP"

status=0
# The whole govuk tree (catches added, removed and changed files).
diff -r "$TMP/internal/web/static/govuk" "$ROOT/internal/web/static/govuk" || status=1
for f in internal/testutil/browser/axe.min.js internal/web/static/README.md; do
	if ! cmp -s "$TMP/$f" "$ROOT/$f"; then
		echo "check-assets: $f differs from the npm build" >&2
		status=1
	fi
done
if [ "$status" -ne 0 ]; then
	echo "check-assets: vendored assets are stale or edited; run scripts/vendor-assets.sh (make vendor)" >&2
	exit 1
fi
echo "check-assets: vendored assets match npm (govuk-frontend, axe-core)"

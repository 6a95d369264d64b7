#!/usr/bin/env bash
# The full test run (make test, CI): dependencies, formatting, vet, tests with
# the race detector (fuzz targets run their seed corpora as part of go test),
# then the vendored-asset check.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/test-deps.sh

echo "== gofmt"
unformatted="$(find . -name '*.go' -not -path './.git/*' -not -path './web/node_modules/*' -not -path '*/testdata/*' -print0 | xargs -0 -r gofmt -l)"
if [ -n "$unformatted" ]; then
	echo "gofmt: these files need formatting (run gofmt -w):" >&2
	echo "$unformatted" >&2
	exit 1
fi

echo "== go vet"
go vet ./...

echo "== go test"
go test -race -count=1 -timeout 20m ./...

echo "== vendored assets"
if command -v npm >/dev/null 2>&1; then
	scripts/check-assets.sh
elif [ "${CI:-}" = "true" ]; then
	echo "check-assets: npm is required in CI (CI=true) to verify the vendored assets" >&2
	exit 1
else
	echo "check-assets: skipped, npm not installed (CI requires it)"
fi

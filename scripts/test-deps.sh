#!/usr/bin/env bash
# Installs what the tests need on a Debian machine, idempotently:
#   - PostgreSQL server binaries (initdb, pg_ctl) for internal/testutil/pgtest
#   - Chromium for internal/testutil/browser
#   - npm, only when CI=true, for scripts/check-assets.sh
#   - versitygw (an S3-compatible server) for internal/testutil/s3test, with go install
#     (about 2 minutes on a cold build cache; it does not touch go.mod)
# Each check is fast when the package is already there; apt-get update runs at
# most once, and only when something is missing. Uses sudo only when not root.
set -euo pipefail

have_initdb() {
	local f
	for f in /usr/lib/postgresql/*/bin/initdb; do
		[ -x "$f" ] && return 0
	done
	command -v initdb >/dev/null 2>&1
}

have_chromium() {
	[ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1
}

# versitygw comes from the Go module proxy, not apt. s3test looks on PATH and in
# $(go env GOPATH)/bin, where go install puts it.
VERSITYGW_VERSION=v1.8.0
have_versitygw() {
	command -v versitygw >/dev/null 2>&1 && return 0
	local gobin
	gobin=$(go env GOBIN)
	[ -n "$gobin" ] && [ -x "$gobin/versitygw" ] && return 0
	local p
	IFS=: read -ra gopaths <<<"$(go env GOPATH)"
	for p in "${gopaths[@]}"; do
		[ -x "$p/bin/versitygw" ] && return 0
	done
	return 1
}
if ! have_versitygw; then
	echo "test-deps: installing versitygw $VERSITYGW_VERSION (go install)"
	# Outside the module, so go.mod and go.sum stay as they are.
	(cd / && GOFLAGS= go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION")
	echo "test-deps: installed versitygw"
fi

missing=()
have_initdb || missing+=(postgresql)
have_chromium || missing+=(chromium)
if [ "${CI:-}" = "true" ] && ! command -v npm >/dev/null 2>&1; then
	missing+=(npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
	echo "test-deps: missing ${missing[*]} and apt-get is not available; install them by hand" >&2
	exit 1
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "test-deps: need root or sudo to install ${missing[*]}" >&2; exit 1; }
	SUDO=(sudo)
fi

echo "test-deps: installing ${missing[*]} (apt-get)"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq >/dev/null
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "test-deps: installed ${missing[*]}"

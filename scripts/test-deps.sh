#!/usr/bin/env bash
# Installs what the tests need on a Debian machine, idempotently:
#   - PostgreSQL server binaries (initdb, pg_ctl) for internal/testutil/pgtest
#   - Chromium for internal/testutil/browser
#   - npm, only when CI=true, for scripts/check-assets.sh
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

#!/usr/bin/env bash
# Installs the npm `oidc-provider` package (a certified OpenID Provider implementation) into
# target/oidc/node_modules, for the browser login end-to-end test (tests/e2e/http_login.rs,
# which runs scripts/oidc/provider.mjs). Idempotent: does nothing when the pinned version is
# already installed.
set -euo pipefail
cd "$(dirname "$0")/../.."

OIDC_PROVIDER_VERSION="9.13.3"   # npm oidc-provider

DIR="target/oidc"

installed_ok() {
  [ -f "$DIR/node_modules/oidc-provider/package.json" ] &&
    node -e 'const p=require(process.argv[1]); process.exit(p.version===process.argv[2]?0:1)' \
      "$PWD/$DIR/node_modules/oidc-provider/package.json" "$OIDC_PROVIDER_VERSION" 2>/dev/null
}

if installed_ok; then
  echo "oidc: npm oidc-provider $OIDC_PROVIDER_VERSION already installed in $DIR"
else
  echo "oidc: installing npm oidc-provider $OIDC_PROVIDER_VERSION into $DIR"
  command -v npm >/dev/null || { echo "oidc: node and npm are required" >&2; exit 1; }
  mkdir -p "$DIR"
  [ -f "$DIR/package.json" ] || echo '{ "name": "anteroom-oidc-test-provider", "private": true }' > "$DIR/package.json"
  npm install --prefix "$DIR" --no-audit --no-fund --loglevel=error "oidc-provider@$OIDC_PROVIDER_VERSION"
  installed_ok || { echo "oidc: npm oidc-provider did not install correctly" >&2; exit 1; }
fi
echo "oidc: ready"

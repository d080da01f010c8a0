#!/usr/bin/env bash
# Installs LiveKit's own server SDKs, from their registries, for the fake server's fidelity tests
# (crates/livekit-fake/tests/sdk_fidelity.rs):
#   - the Python `livekit-api` package into a venv at target/sdk/venv
#   - the npm `livekit-server-sdk` package into target/sdk/node
# Idempotent: does nothing when the pinned versions are already installed.
set -euo pipefail
cd "$(dirname "$0")/../.."

PYTHON_SDK_VERSION="1.2.2"   # PyPI livekit-api
NODE_SDK_VERSION="2.19.2"    # npm livekit-server-sdk

SDK_DIR="target/sdk"
VENV="$SDK_DIR/venv"
NODE_DIR="$SDK_DIR/node"
mkdir -p "$SDK_DIR"

python_ok() {
  [ -x "$VENV/bin/python" ] &&
    "$VENV/bin/python" - "$PYTHON_SDK_VERSION" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
import livekit.api  # noqa: F401
sys.exit(0 if version("livekit-api") == sys.argv[1] else 1)
PY
}

if python_ok; then
  echo "sdk: python livekit-api $PYTHON_SDK_VERSION already installed in $VENV"
else
  echo "sdk: installing python livekit-api $PYTHON_SDK_VERSION into $VENV"
  command -v python3 >/dev/null || { echo "sdk: python3 is required" >&2; exit 1; }
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "livekit-api==$PYTHON_SDK_VERSION"
  python_ok || { echo "sdk: python livekit-api did not install correctly" >&2; exit 1; }
fi

node_ok() {
  [ -f "$NODE_DIR/node_modules/livekit-server-sdk/package.json" ] &&
    node -e 'const p=require(process.argv[1]); process.exit(p.version===process.argv[2]?0:1)' \
      "$PWD/$NODE_DIR/node_modules/livekit-server-sdk/package.json" "$NODE_SDK_VERSION" 2>/dev/null
}

if node_ok; then
  echo "sdk: npm livekit-server-sdk $NODE_SDK_VERSION already installed in $NODE_DIR"
else
  echo "sdk: installing npm livekit-server-sdk $NODE_SDK_VERSION into $NODE_DIR"
  command -v npm >/dev/null || { echo "sdk: node and npm are required" >&2; exit 1; }
  mkdir -p "$NODE_DIR"
  [ -f "$NODE_DIR/package.json" ] || echo '{ "name": "anteroom-sdk-fidelity", "private": true }' > "$NODE_DIR/package.json"
  npm install --prefix "$NODE_DIR" --no-audit --no-fund --loglevel=error "livekit-server-sdk@$NODE_SDK_VERSION"
  node_ok || { echo "sdk: npm livekit-server-sdk did not install correctly" >&2; exit 1; }
fi
echo "sdk: ready"

#!/usr/bin/env bash
# Installs schemathesis (and PyJWT, to mint the test bearer token) from PyPI into a venv at
# target/schemathesis/venv, for scripts/schemathesis/run.sh. Idempotent: does nothing when the
# pinned versions are already installed.
set -euo pipefail
cd "$(dirname "$0")/../.."

SCHEMATHESIS_VERSION="4.32.5"
PYJWT_VERSION="2.15.1"
CRYPTOGRAPHY_VERSION="50.0.2"

VENV="target/schemathesis/venv"

installed_ok() {
  [ -x "$VENV/bin/python" ] &&
    "$VENV/bin/python" - "$SCHEMATHESIS_VERSION" "$PYJWT_VERSION" "$CRYPTOGRAPHY_VERSION" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
ok = (version("schemathesis"), version("pyjwt"), version("cryptography")) == tuple(sys.argv[1:4])
sys.exit(0 if ok else 1)
PY
}

if installed_ok; then
  echo "schemathesis: $SCHEMATHESIS_VERSION already installed in $VENV"
else
  echo "schemathesis: installing $SCHEMATHESIS_VERSION into $VENV"
  command -v python3 >/dev/null || { echo "schemathesis: python3 is required" >&2; exit 1; }
  mkdir -p "$(dirname "$VENV")"
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "schemathesis==$SCHEMATHESIS_VERSION" "pyjwt[crypto]==$PYJWT_VERSION" \
    "cryptography==$CRYPTOGRAPHY_VERSION"
  installed_ok || { echo "schemathesis: did not install correctly" >&2; exit 1; }
fi

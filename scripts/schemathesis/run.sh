#!/usr/bin/env bash
# Fuzzes every operation of the REST gateway's OpenAPI document with schemathesis and fails on
# any server error (5xx):
#   - installs schemathesis (pinned, PyPI) into target/schemathesis/venv when missing;
#   - starts the fake LiveKit and `anteroom serve` on the embedded default (SQLite in a
#     temporary folder) with a throwaway token issuer, on free loopback ports;
#   - runs `schemathesis run .../api/v1.0/swagger.json --checks not_a_server_error` as an
#     authenticated caller, bounded in examples and in total time;
#   - stops both servers and exits with schemathesis' status (0: no failure).
#
# Binaries: target/debug/anteroom and target/debug/anteroom-livekit-fake (`just schemathesis`
# builds them), or ANTEROOM_BIN and LIVEKIT_FAKE_BIN. Tunables: SCHEMATHESIS_MAX_EXAMPLES
# (per operation, default 30), SCHEMATHESIS_TIMEOUT (seconds, default 600), SCHEMATHESIS_SEED
# (default fixed: reproducible runs).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

scripts/schemathesis/install.sh
VENV="$ROOT/target/schemathesis/venv"

ANTEROOM_BIN=$(realpath "${ANTEROOM_BIN:-target/debug/anteroom}")
LIVEKIT_FAKE_BIN=$(realpath "${LIVEKIT_FAKE_BIN:-target/debug/anteroom-livekit-fake}")
for bin in "$ANTEROOM_BIN" "$LIVEKIT_FAKE_BIN"; do
  [ -x "$bin" ] || {
    echo "schemathesis: $bin is missing: build it first (just schemathesis does)" >&2
    exit 1
  }
done

MAX_EXAMPLES=${SCHEMATHESIS_MAX_EXAMPLES:-30}
TIMEOUT=${SCHEMATHESIS_TIMEOUT:-600}
SEED=${SCHEMATHESIS_SEED:-20261122}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

WORK=$(mktemp -d -t anteroom-schemathesis-XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

LIVEKIT_PORT=$(free_port)
HTTP_PORT=$(free_port)
GRPC_PORT=$(free_port)
ISSUER="https://issuer.schemathesis.invalid"
AUDIENCE="anteroom"
TOKEN=$("$VENV/bin/python" scripts/schemathesis/issuer.py "$WORK/jwks.json" "$ISSUER" "$AUDIENCE" "schemathesis-user")

"$LIVEKIT_FAKE_BIN" --port "$LIVEKIT_PORT" --keys "devkey: secret" \
  --webhook-url "http://127.0.0.1:$HTTP_PORT/api/v1.0/rooms/webhooks-livekit/" \
  >"$WORK/livekit.log" 2>&1 &
PIDS+=($!)

(
  cd "$WORK"
  exec env -u RUST_LOG \
    ANTEROOM__HTTP__ADDR="127.0.0.1:$HTTP_PORT" \
    ANTEROOM__GRPC__ADDR="127.0.0.1:$GRPC_PORT" \
    ANTEROOM__LIVEKIT__URL="ws://127.0.0.1:$LIVEKIT_PORT" \
    ANTEROOM__AUTH__OIDC__ISSUER="$ISSUER" \
    ANTEROOM__AUTH__OIDC__JWKS_URL="file://$WORK/jwks.json" \
    ANTEROOM__AUTH__OIDC__AUDIENCE="$AUDIENCE" \
    ANTEROOM__LOG__LEVEL=warn \
    NO_COLOR=1 \
    "$ANTEROOM_BIN" serve
) >"$WORK/anteroom.log" 2>&1 &
PIDS+=($!)

BASE="http://127.0.0.1:$HTTP_PORT"
for _ in $(seq 1 150); do
  if curl -sf -o /dev/null "$BASE/__lbheartbeat__"; then
    break
  fi
  sleep 0.2
done
curl -sf -o /dev/null "$BASE/__lbheartbeat__" || {
  echo "schemathesis: anteroom did not start; its log:" >&2
  cat "$WORK/anteroom.log" >&2
  exit 1
}

echo "schemathesis: fuzzing $BASE (max $MAX_EXAMPLES examples per operation, seed $SEED, at most ${TIMEOUT}s)"
started=$(date +%s)
status=0
# Event streams (`/events/`) never end by design: not fuzzable request/response operations.
# Run from the temporary folder: schemathesis keeps its databases in the working directory.
cd "$WORK"
timeout --kill-after=10 "$TIMEOUT" "$VENV/bin/schemathesis" run "$BASE/api/v1.0/swagger.json" \
  --checks not_a_server_error \
  --max-examples "$MAX_EXAMPLES" \
  --seed "$SEED" \
  --workers 2 \
  --request-timeout 15 \
  --exclude-path-regex '/events/$' \
  --header "Authorization: Bearer $TOKEN" \
  --output-sanitize true \
  --no-color || status=$?
echo "schemathesis: finished in $(($(date +%s) - started))s with status $status"
if [ "$status" -ne 0 ]; then
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "schemathesis: the run did not finish within ${TIMEOUT}s" >&2
  fi
  echo "schemathesis: server errors (the gateway's log follows):" >&2
  grep -v '"http request"\|http request' "$WORK/anteroom.log" | tail -n 60 >&2 || true
fi
exit "$status"

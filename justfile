# Anteroom's tasks. `just --list` shows them.

set shell := ["bash", "-euo", "pipefail", "-c"]

# Serve on the embedded default: SQLite file ./data/anteroom.db, gRPC on 127.0.0.1:50051
run:
    cargo run -p anteroom-server --bin anteroom -- serve

# Everything CI checks: formatting, lints, proto lint, then every test
test: fmt-check clippy buf-lint
    cargo build -p anteroom-server --bin anteroom
    cargo test --workspace --no-fail-fast
    {{just_executable()}} schemathesis

# Fuzz every REST operation of the OpenAPI document with schemathesis; fails on any 5xx
schemathesis:
    cargo build -p anteroom-server --bin anteroom
    cargo build -p anteroom-livekit-fake --bin anteroom-livekit-fake
    scripts/schemathesis/run.sh

# rustfmt, checked
fmt-check:
    cargo fmt --all -- --check

# clippy with warnings as errors
clippy:
    cargo clippy --workspace --all-targets -- -D warnings

# buf lint of the gRPC contract (STANDARD)
buf-lint:
    buf lint

# Install test prerequisites when missing (PostgreSQL, Redis, buf, LiveKit SDKs)
bootstrap:
    scripts/bootstrap

# Load benchmarks (release build): 32 clients, 20 s per flow, embedded and PostgreSQL+Redis
bench *ARGS:
    cargo build --release -p anteroom-server --bin anteroom
    cargo build --release -p anteroom-bench
    target/release/anteroom-bench {{ARGS}}

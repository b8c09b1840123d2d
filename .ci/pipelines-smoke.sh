#!/usr/bin/env bash
# Builds the release binary the way the Dockerfile does (`cargo build --release --locked --bin
# audit-otel`) and starts it with every shipped pipeline, as the image would: each must pass
# `validate`, and the long-running ones must answer /readyz, then stop on SIGTERM with exit 0.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --locked --bin audit-otel
BIN=./target/release/audit-otel
STATE=$(mktemp -d)
trap 'rm -rf "$STATE"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

export AUDIT_OTEL_HMAC_KEY=ci-smoke-key-0123456789abcdef
export AUDIT_OTEL_WEBHOOK_SECRET=ci-smoke-webhook-secret
export AUDIT_OTEL_STATE_DIR="$STATE"
export AUDIT_OTEL_TAIL_PATH="$STATE/audit.ndjson"
touch "$AUDIT_OTEL_TAIL_PATH"

for p in pipelines/*.yaml; do
  name=$(basename "$p" .yaml)
  export AUDIT_OTEL_GRPC_LISTEN=127.0.0.1:$(free_port)
  export AUDIT_OTEL_HTTP_LISTEN=127.0.0.1:$(free_port)
  export AUDIT_OTEL_WEBHOOK_LISTEN=127.0.0.1:$(free_port)
  admin_port=$(free_port)
  export AUDIT_OTEL_ADMIN_LISTEN=127.0.0.1:$admin_port
  # Nothing listens here: the sinks retry in the background, which must not affect readiness.
  export AUDIT_OTEL_EXPORT_ENDPOINT=http://127.0.0.1:$(free_port)
  export AUDIT_OTEL_LOKI_ENDPOINT=http://127.0.0.1:$(free_port)/otlp
  echo "-- $name"
  "$BIN" validate --pipeline "$p"
  if ! grep -q '^admin:' "$p"; then
    # One-shot pipelines (the sample, stdin): run to the end.
    "$BIN" run --pipeline "$p" < /dev/null > "$STATE/$name.out" 2> "$STATE/$name.err"
    continue
  fi
  "$BIN" run --pipeline "$p" > "$STATE/$name.out" 2> "$STATE/$name.err" &
  pid=$!
  ready=0
  for _ in $(seq 1 100); do
    if "$BIN" probe --address "127.0.0.1:$admin_port" --path /readyz > /dev/null 2>&1; then ready=1; break; fi
    sleep 0.1
  done
  if [ "$ready" != 1 ]; then
    echo "$name: not ready"; cat "$STATE/$name.err"; kill "$pid" || true; exit 1
  fi
  "$BIN" probe --address "127.0.0.1:$admin_port" --path /healthz
  kill -TERM "$pid"
  code=0; wait "$pid" || code=$?
  if [ "$code" != 0 ]; then
    echo "$name: exit $code after SIGTERM"; cat "$STATE/$name.err"; exit 1
  fi
done
echo "every shipped pipeline starts, is ready, and stops cleanly"
